"""Django settings, every deployment choice read from the environment.

DATABASE_URL  spatialite:///path/file.sqlite3 (default: var/dcm.sqlite3) or postgis://user:pw@host/db
REDIS_URL     absent: the in-memory channel layer (one process only); set: channels-redis
REDIS_SENTINELS  host:port,... of Redis Sentinels (instead of REDIS_URL): the channel layer and
              the cache follow the master REDIS_SENTINEL_MASTER (default "dcm") across failovers
SECRET_KEY    required when DEBUG is off
DEBUG         "1"/"true" for development; production mode is DEBUG off
ALLOWED_HOSTS comma-separated (default: 127.0.0.1,localhost)
MEDIA_ROOT    where photos are stored (default: var/media); several app nodes: one directory
              they all mount (docs/scaling.md)
PHOTO_STORAGE  dotted path of another Django storage class for photos and voice notes (default:
              server.storage.DurableFileSystemStorage at MEDIA_ROOT); PHOTO_STORAGE_OPTIONS its
              options as a JSON object (e.g. django-storages' S3 store, docs/scaling.md)
PHOTOS_CLEAN_LATER  "1": report photos are re-encoded by the photo cleaner (scripts/serve.py)
DATABASE_REPLICA_URL  postgis://... of a streaming hot standby: the read-only routes of
              server/dbrouting.py (dashboards, rankings, exports, Open311 lists, the portal)
              read it; absent: every read goes to DATABASE_URL
DB_POOL       PostgreSQL connection pool per process, on unless "0" (DB_POOL_MIN/MAX/TIMEOUT)
REQUEST_THREADS  long-lived threads per worker for HTTP requests' sync code (default 2); "0":
              Django's default, a new thread per request (server/request_threads.py)
TRUSTED_PROXIES  comma-separated CIDRs of the reverse proxies whose X-Forwarded-For is believed
              (default none: the peer address is the client's; docs/security.md)
TOKEN_IDLE_DAYS / TOKEN_MAX_DAYS  API token lifetime: unused for / since login (30 / 90)
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

REPO = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("DCM_VAR", REPO / "var"))


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not _flag("DCM_EMBEDDED"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production mode)")
    SECRET_KEY = "insecure-embedded-development-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = [h.strip()
                 for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
                 if h.strip()]

INSTALLED_APPS = [
    "daphne",
    "server.accounts.apps.GuardedAdminConfig",  # django.contrib.admin, login under backoff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "server.accounts",
    "server.maps",
    "server.cases",
    "server.intake",
    "server.realtime",
    "server.consoles",
    "server.evaluation",
    "server.hotline",  # hotline page, callbacks, the non-handset submit
    "server.open311",  # Open311 GeoReport v2 and camera alerts
    "server.portal",   # the public portal
    "server.field",    # attendance, patrol tracks, component updates
]
#: bench.intake's floor (server/benchfloor): installed and routed only with DCM_BENCH_FLOOR=1.
BENCH_FLOOR = os.environ.get("DCM_BENCH_FLOOR") == "1"
if BENCH_FLOOR:
    INSTALLED_APPS.append("server.benchfloor")

MIDDLEWARE = [
    "server.connections.ReleaseConnectionsMiddleware",  # outermost: after every other's queries
    "server.dbrouting.StandbyReadsMiddleware",  # read-only routes read the standby, if any
    "django.middleware.security.SecurityMiddleware",
    "server.content_policy.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "server.intake.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "server.maps.clock.CityTimeZoneMiddleware",  # times shown on the active city's clock
    "server.params.NulFreeQueryMiddleware",  # after the language is known: it words a refusal
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "server.accounts.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "server.asgi.application"
WSGI_APPLICATION = None
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
#: Every password login goes through the backoff (server/accounts/lockout.py).
AUTHENTICATION_BACKENDS = ["server.accounts.lockout.GuardedModelBackend"]
#: Checked wherever a password is set through Django (admin, createsuperuser, changepassword).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
#: Reverse proxies (CIDRs) whose X-Forwarded-For is believed (server/accounts/network.py).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",")
                   if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or CIDR "
                                   "(e.g. 10.0.0.5 or 10.0.0.0/24)") from None
#: API tokens expire this many days after their last use, and in any case this many days
#: after the login that issued them (server/accounts/tokens.py).
TOKEN_IDLE_DAYS = float(os.environ.get("TOKEN_IDLE_DAYS", 30))
TOKEN_MAX_DAYS = float(os.environ.get("TOKEN_MAX_DAYS", 90))

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO / "server" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"spatialite:///{VAR / 'dcm.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.contrib.gis.db.backends.spatialite":
    # Several sync threads write through daphne. IMMEDIATE takes the write lock when a
    # transaction begins, so a reader never has to upgrade to a writer (which SQLite answers
    # with "database is locked" at once, without waiting); WAL lets reads go on meanwhile.
    _db.setdefault("OPTIONS", {}).update(
        timeout=30, transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    # Opening a SpatiaLite connection loads the extension (tens of ms): kept open, not one
    # per request or per websocket handshake (three ORM calls each), which serialised a
    # reconnect storm of terminals on the sync thread. SQLite has no server to run out of.
    _db["CONN_MAX_AGE"] = 600
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # var/ on a fresh clone
    # Channels' live-server tests need a file database, not an in-memory one.
    _db["TEST"] = {"NAME": str(Path(_db["NAME"]).with_name("test_" + Path(_db["NAME"]).name))}
elif _db["ENGINE"] == "django.contrib.gis.db.backends.postgis":
    # Several test runs on one server (developers side by side) need their own test database.
    if os.environ.get("DCM_TEST_DB"):
        _db["TEST"] = {"NAME": os.environ["DCM_TEST_DB"]}
    # A connection pool per process (psycopg_pool, supported by Django since 5.1): opening a
    # PostgreSQL connection (a server fork and a SCRAM handshake) costs ~25 ms of CPU, several
    # times a whole report, and under ASGI every request would open one. DB_POOL=0 turns it off.
    if _flag("DB_POOL", "1"):
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", 1)),
            "max_size": int(os.environ.get("DB_POOL_MAX", 6)),
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", 10))}
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL must be spatialite:// or postgis://, not {DATABASE_URL!r}")
DATABASES = {"default": _db}
#: A streaming hot standby for the read-only routes (server/dbrouting.py says which and why).
#: Tests mirror it onto the default test database (there is no second test database to make).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    _standby = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=0)
    if _standby["ENGINE"] != "django.contrib.gis.db.backends.postgis":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be postgis:// (a PostgreSQL hot "
                                   f"standby), not {DATABASE_REPLICA_URL!r}")
    # The same pool sizes; nothing else of the primary's options (its hosts and
    # target_session_attrs=read-write would refuse the standby).
    if "pool" in _db.get("OPTIONS", {}):
        _standby.setdefault("OPTIONS", {})["pool"] = dict(_db["OPTIONS"]["pool"])
    _standby["TEST"] = {"MIRROR": "default"}
    DATABASES["standby"] = _standby
STANDBY_READS = bool(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["server.dbrouting.StandbyRouter"]
#: Long-lived threads per worker for HTTP requests' Django code (server/request_threads.py). Two
#: overlap one request's database waits with another's work; more only add GIL hand-offs:
#: bench.intake on 4 workers gave 132/s with 2, 73-117/s with 6, 57-120/s with 1.
REQUEST_THREADS = int(os.environ.get("REQUEST_THREADS", 2))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channel layer and cache -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_SENTINELS = os.environ.get("REDIS_SENTINELS", "")
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "dcm")
#: The cache holds the request throttles (Open311, the portal, camera alerts): with several
#: workers they must be counted in one place, or N workers allow N times the rate. On Redis
#: (Django's own backend) in its own database number (CACHE_URL, default REDIS_URL's server,
#: database 1), so clearing the cache never touches the channel layer's keys. Embedded (no
#: Redis) there is one process, and its memory is that one place.
_redis = urlsplit(REDIS_URL)
CACHE_URL = os.environ.get("CACHE_URL") or (
    urlunsplit((_redis.scheme, _redis.netloc, "/1", _redis.query, "")) if REDIS_URL else "")
if REDIS_SENTINELS:
    from server.redis_sentinel import parse_sentinels

    try:
        _sentinels = parse_sentinels(REDIS_SENTINELS)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": f"sentinel://{REDIS_SENTINEL_MASTER}/1",
                          "OPTIONS": {"pool_class": "server.redis_sentinel.SentinelPool",
                                      "sentinels": _sentinels},
                          "KEY_PREFIX": os.environ.get("CHANNEL_PREFIX", "dcm")}}
elif CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": CACHE_URL,
                          "KEY_PREFIX": os.environ.get("CHANNEL_PREFIX", "dcm")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
#: "pubsub" (default): one Redis PUBLISH per group, fanned out inside each worker (bench/fanout.py
#: measures it against "core", the list-per-channel layer). Events lost in either are replayed
#: from the event log when the client resumes (server/realtime/replay.py).
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
#: redis-py pools default to 100 connections: a reconnect storm (every terminal after a worker
#: restart) joins groups concurrently and would fail handshakes with "Too many connections".
_REDIS_HOST = {"address": REDIS_URL,
               "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", 2000))}
if REDIS_SENTINELS:
    # channels-redis asks the sentinels for the master, and again after a failover.
    _REDIS_HOST = {"sentinels": _sentinels, "master_name": REDIS_SENTINEL_MASTER, "db": 0,
                   "max_connections": _REDIS_HOST["max_connections"]}
if (REDIS_URL or REDIS_SENTINELS) and CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_REDIS_HOST], "prefix": os.environ.get("CHANNEL_PREFIX", "dcm")},
        }
    }
elif REDIS_URL or REDIS_SENTINELS:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A prefix per deployment keeps two systems (or test runs) on one Redis apart.
            "CONFIG": {"hosts": [_REDIS_HOST], "capacity": 1000, "expiry": 30,
                       "prefix": os.environ.get("CHANNEL_PREFIX", "dcm")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

#: Resume (server/realtime/replay.py): how long an action transaction may stay open between
#: taking its event id and committing, and the most events one resume replays before a reset.
REALTIME_LATE_COMMIT_SECONDS = int(os.environ.get("REALTIME_LATE_COMMIT_SECONDS", 60))
REALTIME_RESUME_MAX = int(os.environ.get("REALTIME_RESUME_MAX", 1000))

# --- consoles' map ----------------------------------------------------------------------------
#: Optional base map under the vector layers (cells, components, cases), which work offline.
#: MAP_TILE_URL: an XYZ template (http://tiles.local/{z}/{x}/{y}.png); or MAP_WMS_URL with
#: MAP_WMS_LAYERS. Default: none (the centres' networks are often closed).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_WMS_URL = os.environ.get("MAP_WMS_URL", "")
MAP_WMS_LAYERS = os.environ.get("MAP_WMS_LAYERS", "")
MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION", "")
#: The deepest zoom a client may ask of a configured server (Leaflet enlarges past a package's
#: own ``maxzoom``).
MAP_MAX_ZOOM = int(os.environ.get("MAP_MAX_ZOOM", 19))
#: Without MAP_TILE_URL / MAP_WMS_URL: the system's own base map package (server/maps/basemap.py),
#: built by ``manage.py build_basemap`` (``make run`` builds it once) from the active map and,
#: when BASEMAP_SOURCE names a folder, the city's road/building/water/green GeoJSON there
#: (in BASEMAP_SOURCE_FRAME: wgs84, gcj02 or bd09). Rendered by Debian's python3-mapnik.
BASEMAP_PATH = Path(os.environ.get("BASEMAP_PATH", VAR / "basemap.mbtiles"))
BASEMAP_SOURCE = os.environ.get("BASEMAP_SOURCE", "")
BASEMAP_SOURCE_FRAME = os.environ.get("BASEMAP_SOURCE_FRAME", "wgs84")
BASEMAP_RENDER_PYTHON = os.environ.get("BASEMAP_RENDER_PYTHON", "/usr/bin/python3")
BASEMAP_MIN_ZOOM = int(os.environ.get("BASEMAP_MIN_ZOOM", 11))
BASEMAP_MAX_ZOOM = int(os.environ.get("BASEMAP_MAX_ZOOM", 16))

# --- i18n -----------------------------------------------------------------------------------
LOCALE_PATHS = [REPO / "server" / "locale"]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR / "static"
STATICFILES_DIRS = [REPO / "server" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR / "media"))
#: Photos and voice notes are flushed to the disk before a report is acknowledged. Every file
#: goes through Django's storage API (save, open, delete), so another store replaces this one
#: by settings alone.
_PHOTO_STORAGE = {"BACKEND": os.environ.get("PHOTO_STORAGE", "").strip()
                  or "server.storage.DurableFileSystemStorage"}
if os.environ.get("PHOTO_STORAGE_OPTIONS", "").strip():
    try:
        _PHOTO_STORAGE["OPTIONS"] = json.loads(os.environ["PHOTO_STORAGE_OPTIONS"])
    except ValueError as exc:
        raise ImproperlyConfigured(f"PHOTO_STORAGE_OPTIONS is not valid JSON: {exc}") from None
    if not isinstance(_PHOTO_STORAGE["OPTIONS"], dict):
        raise ImproperlyConfigured("PHOTO_STORAGE_OPTIONS must be a JSON object of the storage "
                                   "class's options, e.g. {\"bucket_name\": \"photos\"}")
STORAGES = {
    "default": _PHOTO_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
#: The largest request body the API takes, photos included (the handset sends ≤ ~100 KB photos).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", 8 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
#: Photos larger than this many pixels are refused before decoding (decompression bombs): 16
#: Mpx takes a 12 or 16 Mpx phone camera and a 4K camera snapshot; decoding one costs about
#: 0.3 s and 50 MB (40 Mpx: 0.6 s and 100 MB).
MAX_PHOTO_PIXELS = int(os.environ.get("MAX_PHOTO_PIXELS", 16_000_000))
#: On: a report's photo is sniffed, stored raw with the case and re-encoded by the photo
#: cleaner (``manage.py clean_photos``; scripts/serve.py runs it and turns this on). Off (the
#: embedded default, one process): re-encoded in the request.
PHOTOS_CLEAN_LATER = _flag("PHOTOS_CLEAN_LATER")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "server.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "server.parsers.JSONParser",  # DRF's, with a nesting limit
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "server.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "数字城管 Digital urban management API",
    "DESCRIPTION": "Reports, cases and the closed loop (七步闭环).",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The pages and plain Django views (server/openapi.py): the schema names every door.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "server.openapi.postprocess"],
    # Several serializers have a field named "kind" with different choices: name each enum, or
    # the schema gets hashed names and check --deploy warns.
    "ENUM_NAME_OVERRIDES": {
        "ReportKindEnum": ["component", "event"],
        "AttendanceKindEnum": ["in", "out"],
        "ComponentUpdateKindEnum": ["damaged", "missing", "removed", "added"],
    },
}

# --- production hardening (manage.py check --deploy passes with DEBUG off) -----------------
if not DEBUG and not _flag("DCM_EMBEDDED"):
    SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", "1")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _origin(url: str) -> list[str]:
    """["scheme://host[:port]"] of a tile or WMS URL template; [] when unset."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content-Security-Policy on every answer (server/content_policy.py adds the page's own
# websocket): no inline script or style anywhere (templates and static JS keep to that:
# tests/browser/test_csp.py walks the pages and fails on any violation).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", *_origin(MAP_TILE_URL), *_origin(MAP_WMS_URL)],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # One line per request to the public and machine endpoints (server/open311/external.py).
    "loggers": {"dcm.external": {"level": os.environ.get("EXTERNAL_LOG_LEVEL", "INFO")}},
}
#: Rates of the public and machine endpoints (server/open311/external.py), e.g.
#: EXTERNAL_RATES="public_read=600/min,portal=120/min"; unnamed scopes keep their defaults.
EXTERNAL_RATES = dict(item.split("=", 1) for item in
                      os.environ.get("EXTERNAL_RATES", "").split(",") if "=" in item)
SILENCED_SYSTEM_CHECKS = ["gis.W001"]  # GDAL 3.6 on Debian 12 is older than 3.9: harmless
