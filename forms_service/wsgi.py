"""The WSGI entry point gunicorn loads: ``forms_service.wsgi:app``."""

from . import create_app

app = create_app()
