"""Shared web layer: dependencies, templates, static assets, error pages."""
