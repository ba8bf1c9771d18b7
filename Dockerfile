# Production image: slim Python (no compilers: every dependency ships a wheel), dependencies
# in their own layer, a non-root user; the entrypoint waits for the database, migrates, then
# execs gunicorn.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JOURNAL_ENV=production \
    PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 10001 journal

# Dependencies first, so code changes do not reinstall them: install the project's
# requirements from a stand-in package, then remove the stand-in. The code itself runs
# from /app, where wsgi.py, config.py and migrations/ sit beside it.
COPY pyproject.toml README.md ./
RUN mkdir journal && touch journal/__init__.py \
    && pip install . && pip uninstall -y journal && rm -rf journal build

COPY journal ./journal
COPY migrations ./migrations
COPY config.py wsgi.py gunicorn.conf.py docker-entrypoint.sh ./
RUN mkdir -p instance && chown journal:journal instance

USER journal
# The SQLite default lives here; with PostgreSQL (DATABASE_URL) nothing is kept in the container.
VOLUME ["/app/instance"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)"]
ENTRYPOINT ["./docker-entrypoint.sh"]
