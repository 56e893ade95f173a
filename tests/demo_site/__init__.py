"""Tests for the synthetic demo ad market (crawler.demo_site)."""
