"""Routers of the dashboard, in the order they are mounted."""

from __future__ import annotations

from dashboard.routes import admin, ads, api, auth_routes, leads, networks, overview, partners, search

ROUTERS = [auth_routes.router, overview.router, ads.router, networks.router, search.router, leads.router,
           partners.router, admin.router, api.router]
