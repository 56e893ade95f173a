"""Validated configuration: application settings from the environment, sites and lexicons from YAML."""
