"""WSGI entry point: ``gunicorn wsgi:app``."""

from dx_assess import create_app

app = create_app()
