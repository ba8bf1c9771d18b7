"""gunicorn settings: ``gunicorn wsgi:app`` reads this file from the working directory."""

import multiprocessing
import os
import signal
import threading
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads, not one request per process: a live socket (/live) holds its thread for as long
# as the page is open, so each worker has many (LIVE_MAX_SOCKETS, 80 by default, of them
# may be sockets; the rest serve pages). gthread's main loop tells the master it is alive
# whatever its threads are doing, so ``timeout`` below never cuts off a healthy socket.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "100"))
# Requests are logged by the app itself, with their request id (and without query strings).
accesslog = None
# A worker whose main loop stops answering the master for this long is restarted. Under
# gthread a slow request (or a socket) does not count against it: slow work has its own
# limits (IMPORT_MAX_SECONDS, the mail and database timeouts).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM a worker closes its sockets with 1001 "going away" (browsers reconnect to
# another worker or host) and finishes its page requests within this many seconds.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Newer gunicorn opens a control socket under $HOME; the container user has none to spare.
control_socket_disable = True
# Forwarded headers are the app's business (TRUSTED_PROXIES, Werkzeug's ProxyFix): gunicorn
# itself trusts no peer to set them, so TRUSTED_PROXIES=0 really means "ignore them".
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}


def post_worker_init(worker: Any) -> None:
    """Close the worker's live sockets as soon as it is told to stop (SIGTERM)."""
    begin_stop = worker.handle_exit

    def handle_exit(signum: int, frame: Any) -> None:
        begin_stop(signum, frame)
        threading.Thread(target=_close_sockets, args=(worker.wsgi,), daemon=True).start()

    signal.signal(signal.SIGTERM, handle_exit)


def _close_sockets(app: Any) -> None:
    from journal.services.events import hub

    hub(app).close_all(1001, "going away")
