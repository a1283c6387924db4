"""WSGI entry point in a checkout: ``gunicorn wsgi:app`` (installed: ``dx_assess.wsgi:app``)."""

from dx_assess.wsgi import app

__all__ = ["app"]
