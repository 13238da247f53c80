"""Counterpart settings: every value from the environment, with the embedded defaults of
docs/configuration.md. `COUNTERPART_PRODUCTION=1` turns the defaults off: start-up then fails
with a clear message when a secret or an address is missing.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from network.config import envbool, envint, envlist, envrate, envsecret, new_secret_key
from network.keyring import channel_layer_keys, new_master_keys_value
from network.redis_hosts import cache_options, layer_host, sentinels

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COUNTERPART_VAR_DIR") or BASE_DIR / "var")

PRODUCTION = envbool("COUNTERPART_PRODUCTION", False)
# Demo mode: demo data and the demo-only helpers (for example printing a demo account's
# current second-factor code). Never on in production.
DEMO = envbool("COUNTERPART_DEMO", False)
if PRODUCTION and DEMO:
    raise ImproperlyConfigured("COUNTERPART_DEMO cannot be on in production")
DEBUG = envbool("COUNTERPART_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("COUNTERPART_DEBUG cannot be on in production")

SECRET_KEY = envsecret(
    "SECRET_KEY", production=PRODUCTION, var_dir=VAR_DIR, generate=new_secret_key
)
COUNTERPART_MASTER_KEYS = envsecret(
    "COUNTERPART_MASTER_KEYS",
    production=PRODUCTION,
    var_dir=VAR_DIR,
    generate=new_master_keys_value,
)

ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
# The exact origin browsers use; WebSocket handshakes from any other origin are refused.
COUNTERPART_ORIGIN = os.environ.get("COUNTERPART_ORIGIN", "")
if PRODUCTION:
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS is required in production")
    if not COUNTERPART_ORIGIN.startswith("https://"):
        raise ImproperlyConfigured("COUNTERPART_ORIGIN must be the https:// origin in production")
ALLOWED_ORIGINS = (
    [COUNTERPART_ORIGIN]
    if COUNTERPART_ORIGIN
    else [f"http://{host}:{port}" for host in ("127.0.0.1", "localhost") for port in (8000,)]
)
CSRF_TRUSTED_ORIGINS = ALLOWED_ORIGINS

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "channels",
    "axes",
    "network.accounts",
    "network.audit",
    "network",
    "directory",
    "directory.introductions",
    "messaging",
    "messaging.translations",
    "messaging.records",
    "messaging.jit",
    "messaging.guests",
    "network.languages",
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics, answered before any other middleware (docs/operations.md)
    "network.operations.middleware.operations_endpoints",
    "network.operations.middleware.request_context",
    # Pages and API answers gzipped for slow lines; Django pads each one against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "network.operations.static.StaticFilesMiddleware",
    # PostgreSQL unreachable: 503 with Retry-After (network/unavailable.py).
    "network.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "network.accounts.middleware.TwoFactorGateMiddleware",
    "network.api_errors.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "network.urls"
ASGI_APPLICATION = "network.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'counterpart.sqlite3'}",
        conn_max_age=0,  # persistent connections leak under ASGI
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c statement_timeout={envint('COUNTERPART_DB_STATEMENT_TIMEOUT_MS', 15000)}"
    )
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
    # The real-time hot path's statements (messaging/realtime/prepared.py) become prepared
    # statements of their connection after this many runs: PostgreSQL stops parsing them. 0 turns it
    # off (behind a pooler in transaction mode, which cannot keep them).
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", envint("COUNTERPART_DB_PREPARE_THRESHOLD", 5) or None
    )
    # A pool per process: with CONN_MAX_AGE = 0 every database call of the WebSocket consumers
    # would otherwise open (and fork a backend for) a new connection. 0 turns the pool off.
    if envint("COUNTERPART_DB_POOL_SIZE", 8) > 0:
        DATABASES["default"]["OPTIONS"].setdefault(
            "pool",
            {
                "min_size": 1,
                "max_size": envint("COUNTERPART_DB_POOL_SIZE", 8),
                # A caller waits this long for a connection: with the database unreachable,
                # a WebSocket `send` is answered `unavailable` within 2 s and a page 503s
                # instead of waiting 10 s.
                "timeout": envint("COUNTERPART_DB_POOL_TIMEOUT", 2),
            },
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL is required in production")
CHANNEL_LAYER_PREFIX = os.environ.get("COUNTERPART_CHANNEL_PREFIX", "cp")
# Redis Sentinel (network/redis_hosts.py): the sentinels and the master's name; REDIS_URL then
# gives only the database, password and TLS.
REDIS_SENTINELS = sentinels(envlist("COUNTERPART_REDIS_SENTINELS", []))
REDIS_SENTINEL_MASTER = os.environ.get("COUNTERPART_REDIS_SENTINEL_MASTER", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's layer with pools that wait instead of failing when every
            # connection is in use (messaging/realtime/layers.py).
            "BACKEND": "messaging.realtime.layers.RedisChannelLayer",
            "CONFIG": {
                # channels_redis blocks in BZPOPMIN for 5 s; redis-py 8's default 5 s socket
                # timeout would cut every idle socket's read, so it must be longer. A Redis
                # that does not answer a connection in 2 s counts as away.
                "hosts": [
                    layer_host(
                        REDIS_URL,
                        REDIS_SENTINEL_MASTER,
                        REDIS_SENTINELS,
                        socket_timeout=30,
                        socket_connect_timeout=2,
                    )
                ],
                "pool_size": envint("COUNTERPART_REDIS_POOL_SIZE", 100),
                "pool_wait": envint("COUNTERPART_REDIS_POOL_WAIT", 10),
                "prefix": CHANNEL_LAYER_PREFIX,
                "symmetric_encryption_keys": channel_layer_keys(COUNTERPART_MASTER_KEYS),
                "capacity": envint("COUNTERPART_CHANNEL_CAPACITY", 1000),
                "expiry": 60,
                # Daphne closes sockets after 24 h; groups must not expire earlier.
                "group_expiry": 86400 + 3600,
            },
        }
    }
    # Room-event notices to the process hubs (messaging/realtime/broadcast.py): Redis pub/sub, one
    # PUBLISH per notice and nothing to poll, instead of the dozen round trips a message
    # costs through the default layer's sorted sets (docs/benchmarks.md). It may lose a
    # notice when a connection to Redis drops, as the default layer may when an inbox is
    # full: the hubs resynchronise from the database (messaging/realtime/hub.py). "list" sends them
    # through the default layer.
    COUNTERPART_ROOM_EVENTS_LAYER = os.environ.get("COUNTERPART_ROOM_EVENTS_LAYER", "pubsub")
    if COUNTERPART_ROOM_EVENTS_LAYER not in {"pubsub", "list"}:
        raise ImproperlyConfigured("COUNTERPART_ROOM_EVENTS_LAYER must be pubsub or list")
    if COUNTERPART_ROOM_EVENTS_LAYER == "pubsub":
        CHANNEL_LAYERS["room-events"] = {
            # Failed calls counted (messaging/realtime/layers.py).
            "BACKEND": "messaging.realtime.layers.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    layer_host(
                        REDIS_URL, REDIS_SENTINEL_MASTER, REDIS_SENTINELS, socket_connect_timeout=2
                    )
                ],
                "prefix": CHANNEL_LAYER_PREFIX + "-events",
                "symmetric_encryption_keys": channel_layer_keys(COUNTERPART_MASTER_KEYS),
            },
        }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
            "OPTIONS": cache_options(
                REDIS_URL,
                REDIS_SENTINEL_MASTER,
                REDIS_SENTINELS,
                socket_timeout=5,
                socket_connect_timeout=5,
            ),
        }
    }
    # Request histories of the API's rates, shared by every process.
    CACHES["throttle"] = {**CACHES["default"], "KEY_PREFIX": CHANNEL_LAYER_PREFIX + "-throttle"}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle",
        },
    }

# --- Accounts, passwords, sessions ---------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "network.accounts.passwords.ContextWordValidator"},
    {"NAME": "network.accounts.passwords.MaximumLengthValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 3600  # absolute lifetime
COUNTERPART_IDLE_TIMEOUT = envint("COUNTERPART_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = envint("COUNTERPART_SIGNIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# The client address is REMOTE_ADDR only (Daphne's --proxy-headers behind nginx sets it); a
# client-sent X-Forwarded-For never counts. Locked-out sign-ins get a 429 page or JSON.
AXES_CLIENT_IP_CALLABLE = "network.accounts.session_index.client_ip"
AXES_LOCKOUT_CALLABLE = "network.accounts.signin.lockout_response"

OTP_TOTP_ISSUER = "Counterpart"
WEBAUTHN_RP_ID = os.environ.get("COUNTERPART_WEBAUTHN_RP_ID", "")
WEBAUTHN_RP_NAME = "Counterpart"

if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("COUNTERPART_SSL_REDIRECT", True)
    # Probes speak plain HTTP to the process (they are answered before this middleware
    # anyway: network/operations/middleware.py).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# One Content-Security-Policy for every page (django-csp): scripts, styles, images and
# connections (the room WebSocket included: CSP 3 `'self'` covers ws:/wss: to this origin)
# from this origin only, nothing inline. A response that sets its own policy (file downloads:
# `sandbox`) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- API ---------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # The token class comes first so that unauthenticated requests get 401 with
    # `WWW-Authenticate: Bearer` (DRF takes the header from the first class).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "network.accounts.api_auth.ApiTokenAuthentication",
        "network.accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON only: no browsable HTML pages under /api/ (docs/api.md).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "network.api_input.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "network.api_throttles.MemberRateThrottle",
        "network.api_throttles.AddressRateThrottle",
        "network.api_throttles.OperationRateThrottle",
    ],
    "EXCEPTION_HANDLER": "network.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per member, per address and per operation (network/api_throttles.py): a count and
# a period, e.g. 600/min (periods: s, min, h, day).
COUNTERPART_THROTTLE_RATES = {
    "user": envrate("COUNTERPART_THROTTLE_MEMBER", "600/min"),
    "anon": envrate("COUNTERPART_THROTTLE_SIGNED_OUT", "60/min"),
    "address": envrate("COUNTERPART_THROTTLE_ADDRESS", "1200/min"),
    "search": envrate("COUNTERPART_THROTTLE_SEARCH", "60/min"),
    "message_post": envrate("COUNTERPART_THROTTLE_MESSAGE_POST", "120/min"),
    "token_create": envrate("COUNTERPART_THROTTLE_TOKEN_CREATE", "10/h"),
    "translation_request": envrate("COUNTERPART_THROTTLE_TRANSLATION_REQUEST", "30/h"),
    "introduction_request": envrate("COUNTERPART_THROTTLE_INTRODUCTION_REQUEST", "20/h"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Counterpart API",
    "DESCRIPTION": (
        "Directory, vetting, case rooms and translation requests. Authenticate with an API "
        "token (`Authorization: Bearer cp_...`) or a session that passed its second factor. "
        'Every error is `{"error": {"code", "message", "field"?}}` (the Error '
        "component); unknown fields are refused; rates answer 429 with Retry-After. "
        "docs/api.md lists every code."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation page loads Swagger UI from the pinned drf-spectacular-sidecar package,
    # never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response components apart, so that read-only fields are not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "network.api_schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "network.models.Membership.Role",
        "RoomParticipantRoleEnum": "messaging.models.RoomParticipantRole",
        "RoomKindEnum": "messaging.models.Room.Kind",
        "CaseTagKindEnum": "messaging.models.CaseTag.Kind",
        "HandlingCodeEnum": "messaging.models.MessageHandling",
        "MembershipStatusEnum": "network.models.Membership.Status",
        "TranslationRequestStatusEnum": "messaging.translations.models.TranslationRequestStatus",
        "TranslationPurposeEnum": "messaging.translations.models.TranslationRequestPurpose",
        "DisclosurePurposeEnum": "messaging.disclosure.models.DisclosurePurpose",
    },
    # Without deep links, an operation's summary is one button with no link nested in it
    # (axe's nested-interactive rule).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
}

# --- Internationalisation ------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("COUNTERPART_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Whether the process serves /static/: outside production from the apps' folders, in
# production what collectstatic wrote (hashed names, gzip copies, served by WhiteNoise with a
# year's immutable caching; docs/operations.md). Off where nginx serves STATIC_ROOT itself.
SERVE_STATIC = envbool("COUNTERPART_SERVE_STATIC", True)
# Production's static files (hashed names, gzip copies, a year's immutable caching) always in
# production; elsewhere on request, to measure page weights as production serves them
# (`collectstatic` first; docs/interface.md).
COMPRESSED_STATIC = PRODUCTION or envbool("COUNTERPART_COMPRESSED_STATIC", False)
if not (COMPRESSED_STATIC and SERVE_STATIC):
    MIDDLEWARE.remove("network.operations.static.StaticFilesMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "network.operations.static.StaticStorage"
        if COMPRESSED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# The e-mail digest (`manage.py send_digests`, docs/interface.md): a mention or an H2/H3
# message goes into a member's digest once it has waited unread this many minutes.
COUNTERPART_DIGEST_QUIET_MINUTES = envint("COUNTERPART_DIGEST_QUIET_MINUTES", 60)

# Messaging limits (docs/messaging.md).
COUNTERPART_MESSAGE_MAX_CHARS = envint("COUNTERPART_MESSAGE_MAX_CHARS", 20000)
# An RFC 3161 time-stamping authority for the checkpoint of every case-record export
# (docs/records.md); empty: none.
COUNTERPART_TSA_URL = os.environ.get("COUNTERPART_TSA_URL", "")
# Sends queued or being written per server process; past it a send is answered
# `rate_limited` at once (messaging/realtime/send_queue.py).
COUNTERPART_MAX_PENDING_SENDS = envint("COUNTERPART_MAX_PENDING_SENDS", 32)
# How long a process's delivery hub gathers notices before it loads and writes
# (messaging/realtime/hub.py).
COUNTERPART_DELIVERY_LINGER_MS = envint("COUNTERPART_DELIVERY_LINGER_MS", 0)
COUNTERPART_ATTACHMENT_MAX_BYTES = envint("COUNTERPART_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# A room's data key is renewed once this many events were sealed under it (a few encryptions
# each), far below the 2^32 that AES-GCM with random nonces allows per key (SP 800-38D).
COUNTERPART_KEY_EPOCH_MAX_EVENTS = envint("COUNTERPART_KEY_EPOCH_MAX_EVENTS", 2**20)
if not 1 <= COUNTERPART_KEY_EPOCH_MAX_EVENTS <= 2**24:
    raise ImproperlyConfigured("COUNTERPART_KEY_EPOCH_MAX_EVENTS must be between 1 and 2^24")

EMAIL_BACKEND = os.environ.get(
    "COUNTERPART_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "counterpart@localhost")

# --- Operations (docs/operations.md) -------------------------------------------------------

# Addresses (CIDR) that may read /metrics; everyone else gets 404. Behind nginx the address is
# the client's (Daphne's --proxy-headers), and nginx refuses /metrics itself.
COUNTERPART_METRICS_ALLOWED = envlist("COUNTERPART_METRICS_ALLOWED", ["127.0.0.1/32", "::1/128"])
for _network in COUNTERPART_METRICS_ALLOWED:
    try:
        ipaddress.ip_network(_network)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"COUNTERPART_METRICS_ALLOWED: {_network!r} is not an address or network"
        ) from _error

# One JSON object per line on standard error (network/operations/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "network.operations.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COUNTERPART_LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        # Every request has its access line (counterpart.http); Django's own 4xx warnings
        # would repeat it.
        "django.request": {"level": "ERROR"},
    },
}
