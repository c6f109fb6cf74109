"""Health check for load balancers and outside checks."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    except DatabaseError as err:
        return {"ok": False, "error": str(err)}
    return {"ok": True, "vendor": connection.vendor, "pgvector": row[0] if row else None}


def broker_state():
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1)
    except (BrokerError, OSError) as err:
        return {"ok": False, "error": str(err)}
    return {"ok": True}


def model_states():
    """State of every model the pipeline depends on, by name."""
    from dam.models_state import describe_models

    return describe_models()


@login_not_required
@require_GET
def healthz(request):
    """200 with the state of the database, broker and models."""
    state = {
        "database": database_state(),
        "broker": broker_state(),
        "models": model_states(),
    }
    state["ok"] = state["database"]["ok"] and state["broker"]["ok"]
    return JsonResponse(state, status=200 if state["ok"] else 503)
