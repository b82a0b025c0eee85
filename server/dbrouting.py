"""Read routing: some read-only pages and APIs read the PostgreSQL hot standby.

Configured by DATABASE_REPLICA_URL (settings): a ``standby`` database alias appears,
``STANDBY_READS`` is on, and :class:`StandbyReadsMiddleware` joins the middleware. Without it
nothing changes: the middleware removes itself at start-up (``MiddlewareNotUsed``) and
:class:`StandbyRouter` answers ``None`` (Django's default: the ``default`` alias) to every
question.

Why a list of routes, and not "every read to the standby": a standby replays the primary's
log a little later (milliseconds when healthy, longer under load or after a failover). A
dispatcher who dispatches a case and then reloads the case list, a handset that sends a report
and then asks for it, an Open311 client that posts a request and then trades its token for an
id: each must read its own write, which only the primary guarantees. A router sees a model and
no request, so it cannot tell those reads from a dashboard's. The routes that tolerate a
second's lag are few, named and read-only (:data:`STANDBY_ROUTES`, URL names): the leader
dashboard and its statistics, the rankings, their case lists and export, the Open311 service
lists and request search, and the public portal. Only their GET and HEAD requests read the
standby.

What stays on the primary even inside those routes: identity (users, tokens, devices,
departments, sessions, permissions: :data:`PRIMARY_APPS`), so that a token issued a moment ago
or a session just logged in is found; every write (``db_for_write`` always answers the
primary); raw cursors (``connection`` is the primary); and a streamed export body, which is
produced after the middleware has returned (it reads the primary: correct, only not offloaded).

The mark is a context variable, so it follows the request into the threads and coroutines
asgiref runs it in, and code outside a request (a bench, a management command) can ask for
the same with :func:`standby_reads`.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
from django.urls import Resolver404, resolve

#: The database alias of the hot standby (settings: DATABASE_REPLICA_URL).
STANDBY = "standby"

#: URL names whose GET/HEAD requests read the standby. Each is read-only and shows figures or
#: public lists where a second's lag is harmless. Deliberately absent: Open311's request by id
#: and token (a client follows its own POST with them), the case list and detail (consoles act
#: on them), everything under /api/ a handset calls.
STANDBY_ROUTES = frozenset({
    # the leader dashboard and the consoles' statistics
    "console-dashboard", "api-console-stats",
    # rankings, the cases behind them, the bulletin and the export
    "evaluation", "evaluation-cases", "evaluation-bulletin",
    "api-evaluation-rankings", "api-evaluation-cases", "api-evaluation-export",
    # Open311 reads that no client follows its own write with
    "open311-discovery", "open311-services", "open311-service", "open311-requests",
    # the public portal
    "portal", "api-portal-closed", "api-portal-case", "api-portal-photo",
})

#: Apps whose models are always read from the primary: who the caller is must never lag.
PRIMARY_APPS = frozenset({"accounts", "auth", "sessions", "contenttypes", "admin"})

_on_standby: contextvars.ContextVar[bool] = contextvars.ContextVar("dcm_standby_reads",
                                                                    default=False)


def standby_configured() -> bool:
    """True when reads may go to a standby: STANDBY_READS on and the alias configured."""
    return bool(getattr(settings, "STANDBY_READS", False)) and STANDBY in settings.DATABASES


@contextmanager
def standby_reads():
    """Within the block, this context's ORM reads (outside :data:`PRIMARY_APPS`) go to the
    standby when one is configured; writes still go to the primary."""
    token = _on_standby.set(True)
    try:
        yield
    finally:
        _on_standby.reset(token)


class StandbyRouter:
    """DATABASE_ROUTERS entry. Reads go to the standby only inside :func:`standby_reads`
    (which the middleware opens for :data:`STANDBY_ROUTES`); otherwise ``None`` lets Django
    use ``default``. Migrations run on the primary only: the standby is its copy."""

    def db_for_read(self, model, **hints):
        if (_on_standby.get() and model._meta.app_label not in PRIMARY_APPS
                and standby_configured()):
            return STANDBY
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the standby may point at one
        # read from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != STANDBY


class StandbyReadsMiddleware:
    """Marks the GET/HEAD requests of :data:`STANDBY_ROUTES` for the standby. Sits inside
    the session and authentication middleware's place in the list only for clarity: those
    read :data:`PRIMARY_APPS` models, which never go to the standby anyway."""

    def __init__(self, get_response):
        if not standby_configured():
            raise MiddlewareNotUsed("no standby configured (DATABASE_REPLICA_URL)")
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            return self.get_response(request)
        if name not in STANDBY_ROUTES:
            return self.get_response(request)
        with standby_reads():
            return self.get_response(request)


def replica_lag() -> dict:
    """How far the standby is behind, measured on both servers.

    ``replay_lag_s``: seconds since the last transaction the standby replayed was committed on
    the primary (``now() - pg_last_xact_replay_timestamp()``); it also grows while the primary
    is idle, so read it with ``lag_bytes``: WAL bytes the primary has written that the standby
    has not replayed (primary ``pg_current_wal_lsn()`` minus standby
    ``pg_last_wal_replay_lsn()``); 0 means caught up. ``error`` names what went wrong instead
    (no standby configured, the standby not in recovery, a server down).
    """
    if STANDBY not in settings.DATABASES:
        return {"configured": False}
    out: dict = {"configured": True, "reads_routed": standby_configured()}
    try:
        with connections[STANDBY].cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                        "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
            in_recovery, replay_lsn, lag_s = cur.fetchone()
    except Exception as exc:  # any driver or server error is reported, not raised
        return {**out, "error": f"standby unreachable: {exc.__class__.__name__}: {exc}".strip()}
    if not in_recovery:
        return {**out, "error": "the standby database is not in recovery: it is a primary "
                                "(promoted, or DATABASE_REPLICA_URL names the primary)"}
    out["replay_lsn"] = replay_lsn
    out["replay_lag_s"] = None if lag_s is None else round(float(lag_s), 3)
    try:
        with connections["default"].cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text, "
                        "pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [replay_lsn])
            primary_lsn, lag_bytes = cur.fetchone()
    except Exception as exc:
        return {**out, "error": f"primary unreachable: {exc.__class__.__name__}: {exc}".strip()}
    out["primary_lsn"] = primary_lsn
    out["lag_bytes"] = max(0, int(lag_bytes))
    return out
