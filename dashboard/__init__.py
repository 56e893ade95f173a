"""The adwatch dashboard: a FastAPI web app for analysts, outreach workers and admins.

Build it with ``dashboard.app.create_app(settings)``; serve it with ``dashboard.app.serve_dashboard``.
"""
