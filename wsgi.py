"""The WSGI entry point for gunicorn and the ``flask`` command: the only module-level app."""

from journal import create_app

app = create_app()
