"""gunicorn settings: ``gunicorn wsgi:app`` reads this file from the working directory."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Requests are logged by the app itself, with their request id (and without query strings).
accesslog = None
# A request that hangs (a slow mail server, say) is cut off rather than holding a worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Newer gunicorn opens a control socket under $HOME; the container user has none to spare.
control_socket_disable = True
# Forwarded headers are the app's business (TRUSTED_PROXIES, Werkzeug's ProxyFix): gunicorn
# itself trusts no peer to set them, so TRUSTED_PROXIES=0 really means "ignore them".
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
