#!/bin/sh
# Wait for the database, migrate, then hand the process over to gunicorn (so it receives
# signals directly). With several replicas, run migrations once as a release step instead:
# set SKIP_MIGRATIONS=1 here; the advisory lock in migrations/env.py guards against overlap.
set -eu
flask journal wait-db --timeout "${DATABASE_WAIT_TIMEOUT:-60}"
if [ "${SKIP_MIGRATIONS:-0}" != "1" ]; then
    flask db upgrade
fi
exec gunicorn wsgi:app "$@"
