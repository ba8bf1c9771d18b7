# Production image: slim Python, dependencies in their own layer, a non-root user.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JOURNAL_ENV=production \
    PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 10001 journal

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir journal && touch journal/__init__.py \
    && pip install . && pip uninstall -y journal && rm -rf journal build

COPY journal ./journal
COPY migrations ./migrations
COPY config.py wsgi.py gunicorn.conf.py docker-entrypoint.sh ./
RUN pip install --no-deps . && mkdir -p instance && chown journal:journal instance

USER journal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)"]
ENTRYPOINT ["./docker-entrypoint.sh"]
