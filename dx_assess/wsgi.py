"""WSGI entry point of an installed service: ``gunicorn dx_assess.wsgi:app``."""

from dx_assess import create_app

app = create_app()
