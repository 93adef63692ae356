"""Contactless: the platform a small or medium bank runs to serve customers without meeting them."""

__version__ = "0.1.0"
