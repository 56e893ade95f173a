"""Crawler: one generic Scrapy spider driven by site YAML, with browser rendering where a site needs it."""
