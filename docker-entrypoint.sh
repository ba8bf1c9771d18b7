#!/bin/sh
# Migrate, then hand the process over to gunicorn (so it receives signals directly).
set -eu
flask db upgrade
exec gunicorn wsgi:app "$@"
