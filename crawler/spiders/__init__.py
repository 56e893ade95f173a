"""Spiders. ``site.SiteSpider`` serves every YAML site; a site-specific spider is an escape hatch."""
