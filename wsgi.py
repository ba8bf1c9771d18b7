"""The WSGI entry point for gunicorn and the ``flask`` command: the only module-level app."""

import sys

from config import ConfigError
from journal import create_app

# gunicorn stops (rather than restarting workers forever) when a worker exits with 4.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except ConfigError as error:
    # One line naming the setting, not a traceback: this is an operator's mistake.
    print(f"Journal cannot start: {error}", file=sys.stderr)
    raise SystemExit(APP_LOAD_ERROR) from None
