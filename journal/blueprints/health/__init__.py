"""Liveness and readiness probes for load balancers and container health checks."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from journal.blueprints.health import routes  # noqa: E402, F401
