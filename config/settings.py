"""Destek settings, read from the environment.

Production is the default: DEBUG is off unless set, there is no start without SECRET_KEY,
cookies are Secure and plain HTTP is redirected to HTTPS. `make run` sets what a laptop needs
(DEBUG, a public development key, the demo); the tests set theirs in tests/settings.py.
Without DATABASE_URL and REDIS_URL the project runs on SQLite, the in-memory channel layer
and eager Celery, so a laptop needs no other server; production and CI set both
(docs/deploy.md lists every variable).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Only when asked for: a debug page shows settings and code to anyone who causes an error.
DEBUG = env_bool("DEBUG", False)
# Signs sessions, visitor tokens and file links: with a known key anyone could forge them.
# Unset, Django refuses whatever needs it; the processes that serve or work refuse to start
# (config.startup), while offline commands (makemigrations --check) still run.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if SECRET_KEY and not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY is the public development key of `make run`.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Origins allowed to embed any widget, on top of each widget's own allowed origins.
WIDGET_ALLOWED_ORIGINS = env_list("WIDGET_ALLOWED_ORIGINS")

# Destek's apps come before Django's and the libraries': where two catalogs translate the same
# words ("Log out", "Filter"), the earlier app's translation is the one shown, so the console
# says what its own catalog says. daphne stays first (its runserver).
INSTALLED_APPS = [
    "daphne",
    "support",
    "chat",
    "faq",
    "ratings",
    "integrations",
    "proactive",
    "emails",
    "alerts",
    "console",
    "whatsapp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

# The agent profile comes with the user (one query per request). ModelBackend stays listed so
# sessions signed in before this backend existed stay valid.
AUTHENTICATION_BACKENDS = [
    "support.auth_backends.AgentModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Last on purpose: it is sync-only, so under ASGI Django runs the whole chain above it in one
# thread. Placed higher, every async-capable middleware below it ran its process_request and
# process_response through sync_to_async: ~14 thread switches per request (docs/performance.md).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection pool: the ASGI server runs database work on threads that come and go, so
    # persistent connections (CONN_MAX_AGE) leak one per request (Django #33497), and
    # opening a fresh connection per query cost ~25 ms of PostgreSQL CPU per message.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
        "timeout": 10,
    }
    if env_bool("DATABASE_SERVER_SIDE_BINDING", True):
        # Server-side binding lets psycopg prepare a statement after 5 runs, so PostgreSQL
        # stops parsing and planning the hot path's queries on every message (docs/performance.md).
        # Off behind PgBouncer in transaction mode older than 1.21 (docs/deploy.md).
        DATABASES["default"]["OPTIONS"].update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the widget and console read while a message is being written.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# "pubsub" (default) uses Redis pub/sub for groups; "core" uses channels-redis' list-based
# layer. The design notes measured pub/sub at ~6x lower p99, see docs/performance.md.
CHANNEL_LAYER_KIND = os.environ.get("CHANNEL_LAYER", "pubsub")
CHANNEL_LAYER_PREFIX = os.environ.get("CHANNEL_LAYER_PREFIX", "destek")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": (
                "config.channel_layers.PipelinedPubSubChannelLayer"
                if CHANNEL_LAYER_KIND == "pubsub"
                else "channels_redis.core.RedisChannelLayer"
            ),
            "CONFIG": {
                # redis-py 8 defaults socket_timeout to 5 s, equal to the layer's blocking
                # read, which kills idle consumers (channels_redis #422).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": CHANNEL_LAYER_PREFIX,
            },
        }
    }
    if CHANNEL_LAYER_KIND != "pubsub":
        CHANNEL_LAYERS["default"]["CONFIG"]["capacity"] = 1000
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGES = [("en", _("English")), ("tr", _("Turkish"))]


def env_language(name: str, default: str) -> str:
    """A language Destek speaks ("tr", "tr-TR", "tr_TR" → "tr"), refused at start otherwise:
    a typo would silently send every automatic line in the default language."""
    value = os.environ.get(name, "").strip().lower().replace("_", "-") or default
    spoken = [code for code, _name in LANGUAGES]
    for code in (value, value.partition("-")[0]):
        if code in spoken:
            return code
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a language Destek speaks; use one of: {', '.join(spoken)}."
    )


# The site's language: what customers read until their own is known (a WhatsApp number's or
# support address's own language comes first), and the console's when the browser names none.
LANGUAGE_CODE = env_language("DESTEK_LANGUAGE", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Unambiguous short dates per language ("8 Dec 2026", "8 Ara 2026"): config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Istanbul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Attachments live in the default storage: local files under MEDIA_ROOT (never served by a
# public /media/ URL: chat.views.attachment_file serves them through short-lived signed URLs),
# or with STORAGE=s3 any S3-compatible bucket, served by presigned URLs (docs/operations.md).
STORAGE_KIND = os.environ.get("STORAGE", "local").strip().lower()
if STORAGE_KIND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            "location": os.environ.get("AWS_LOCATION", ""),
            # Private objects, presigned URLs only; never overwrite an existing key.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif STORAGE_KIND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise RuntimeError("STORAGE must be 'local' or 's3'")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:inbox"
LOGOUT_REDIRECT_URL = "console:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The console sends the token from the page (hx-headers), so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# HTTPS only (docs/deploy.md): plain HTTP is redirected, and browsers are told to use HTTPS
# for a year (HSTS). Behind nginx, uvicorn's --proxy-headers takes the scheme from
# X-Forwarded-Proto (sent by the proxies of FORWARDED_ALLOW_IPS only), so requests that reached
# the proxy over HTTPS are not redirected again; SECURE_PROXY_SSL_HEADER stays unset, which
# would let any client claim HTTPS. SECURE_SSL_REDIRECT=0 where something else redirects.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Only allows the domain into browsers' preload list; it gets there when its owner submits it.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The Django admin keeps Django's own headers; everything else gets config.middleware's CSP.
CSP_EXEMPT_PATHS = ("/admin/",)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

# Celery: eager (in-process) unless a broker is configured, so `make run` needs no server.
# With Redis, the cache is shared by every process: sessions are read from it (one query less
# per console request; written through to the database) and the API's rate limits count
# across processes. Without it (make run), the per-process default and database sessions.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
            "OPTIONS": {"pool_class": "config.redis_pool.SharedConnectionPool"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The WhatsApp Cloud API (Meta's Graph API); tests and the demo point it at a local fake.
WHATSAPP_GRAPH_URL = os.environ.get("WHATSAPP_GRAPH_URL", "https://graph.facebook.com/v21.0")

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
# One queue name per deployment sharing a Redis (tests give each worker its own).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# The SMTP server replies are sent through (the e-mail channel's and the fallback's).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "destek@localhost")
# Where emailed links point (rating links); the public address of this server.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Replies by email (docs/operations.md "Inbound email"): visitors answer reply+<token>@ this
# domain; the inbound mail service posts them to /integrations/inbound-email/, signed with the
# secret (HMAC-SHA256). Without a secret the endpoint refuses everything.
INBOUND_EMAIL_DOMAIN = os.environ.get("INBOUND_EMAIL_DOMAIN", "reply.localhost")
INBOUND_EMAIL_SECRET = os.environ.get("INBOUND_EMAIL_SECRET", "")

DESTEK = {
    # The demo shop and app pages (/demo/, /demo/app/) with the demo widget of `seed_demo`:
    # `make run` switches them on; a production site leaves them off (404).
    "DEMO": env_bool("DESTEK_DEMO", False),
    # Email fallback (emails app): a visitor whose widget was not seen for this long gets
    # agent replies by email; replies within the batch window go out as one email.
    "VISITOR_AWAY_SECONDS": 120,
    "REPLY_EMAIL_BATCH_SECONDS": 60,
    "REPLY_ADDRESS_MAX_AGE_SECONDS": 90 * 24 * 3600,
    # E-mail inbox (emails app, docs/channels.md): a mail larger than this or with more
    # attachments is refused and logged (mail bombs); one sender may open this many mails per
    # window (loops with auto-responders that ignore Auto-Submitted); mails read per poll.
    "EMAIL_INBOUND_MAX_BYTES": int(
        os.environ.get("DESTEK_EMAIL_INBOUND_MAX_BYTES", str(25 * 2**20))
    ),
    "EMAIL_INBOUND_MAX_ATTACHMENTS": 10,
    "EMAIL_SENDER_RATE_LIMIT": 20,
    "EMAIL_SENDER_RATE_WINDOW_SECONDS": 3600,
    "EMAIL_POLL_BATCH": 200,
    # Widget protocol limits (docs/protocol.md); all configurable.
    "MESSAGE_MAX_CHARS": int(os.environ.get("DESTEK_MESSAGE_MAX_CHARS", "4000")),
    # Frames per window: a visitor socket's messages, subscribes, pings (and anything else),
    # and apart from them its read marks and typing, which clients coalesce. An agent console
    # gets both budgets per conversation a frame names (a busy agent works twenty at human
    # pace: replies, switching, typing, reading), under a ceiling for all its frames. 3x a
    # budget closes the socket (4429).
    "SOCKET_FRAMES_PER_WINDOW": int(os.environ.get("DESTEK_SOCKET_FRAMES", "20")),
    "SOCKET_SIGNAL_FRAMES_PER_WINDOW": int(os.environ.get("DESTEK_SOCKET_SIGNAL_FRAMES", "60")),
    "CONSOLE_SOCKET_FRAMES_PER_WINDOW": int(os.environ.get("DESTEK_CONSOLE_SOCKET_FRAMES", "600")),
    "SOCKET_FRAME_WINDOW_SECONDS": 10,
    # Overload (chat/backlog.py, docs/operations.md "Overload"): a server process refuses a
    # visitor's message.send (`overloaded`, sent again by the client) while its sockets'
    # database calls, queued or running, exceed what fits in the wait budget at the recent
    # time per call, and at most the limit (0 = never refuse); the first wait it asks for.
    "SOCKET_DB_BACKLOG_LIMIT": int(os.environ.get("DESTEK_SOCKET_DB_BACKLOG", "50")),
    "SOCKET_DB_WAIT_BUDGET_MS": int(os.environ.get("DESTEK_SOCKET_DB_WAIT_BUDGET_MS", "200")),
    "SOCKET_RETRY_AFTER_MS": int(os.environ.get("DESTEK_SOCKET_RETRY_AFTER_MS", "1000")),
    "VISITOR_TOKEN_MAX_AGE_SECONDS": 60 * 60 * 24 * 90,
    "REOPEN_WINDOW_SECONDS": int(os.environ.get("DESTEK_REOPEN_WINDOW", str(7 * 24 * 3600))),
    # How long an agent may edit or delete their own message (support.services.message_edits).
    "MESSAGE_EDIT_WINDOW_SECONDS": int(os.environ.get("DESTEK_MESSAGE_EDIT_WINDOW", "600")),
    "MESSAGES_PAGE_SIZE": 100,
    # Security (docs/security.md). Widget sessions opened per client address per window
    # (0 = off); console/admin sign-in failures per username and address before a lockout,
    # and per address across usernames (someone trying many usernames) before the address's.
    "SESSION_RATE_LIMIT": int(os.environ.get("DESTEK_SESSION_RATE_LIMIT", "30")),
    "SESSION_RATE_WINDOW_SECONDS": 60,
    # Per-subject limits in counters every process shares (0 = off; 429 with Retry-After):
    # a visitor's messages per conversation, over HTTP and the socket together; conversations
    # a contact starts; a contact's FAQ searches; proactive trigger fires per client address.
    "MESSAGE_RATE_LIMIT": int(os.environ.get("DESTEK_MESSAGE_RATE_LIMIT", "60")),
    "MESSAGE_RATE_WINDOW_SECONDS": 60,
    "CONVERSATION_RATE_LIMIT": int(os.environ.get("DESTEK_CONVERSATION_RATE_LIMIT", "10")),
    "CONVERSATION_RATE_WINDOW_SECONDS": 3600,
    "FAQ_SEARCH_RATE_LIMIT": int(os.environ.get("DESTEK_FAQ_SEARCH_RATE_LIMIT", "60")),
    "FAQ_SEARCH_RATE_WINDOW_SECONDS": 60,
    "TRIGGER_FIRE_RATE_LIMIT": int(os.environ.get("DESTEK_TRIGGER_FIRE_RATE_LIMIT", "30")),
    "TRIGGER_FIRE_RATE_WINDOW_SECONDS": 60,
    "LOGIN_MAX_FAILURES": int(os.environ.get("DESTEK_LOGIN_MAX_FAILURES", "5")),
    "LOGIN_ADDRESS_MAX_FAILURES": int(os.environ.get("DESTEK_LOGIN_ADDRESS_MAX_FAILURES", "20")),
    "LOGIN_LOCKOUT_SECONDS": int(os.environ.get("DESTEK_LOGIN_LOCKOUT_SECONDS", "900")),
    # Behind one reverse proxy that appends the client address to X-Forwarded-For, set this
    # so limits count real clients rather than the proxy.
    "TRUST_X_FORWARDED_FOR": env_bool("DESTEK_TRUST_X_FORWARDED_FOR", False),
    # Background jobs (docs/operations.md, "Background jobs").
    # Pending conversations with no visitor reply for this many hours are resolved; 0 = off.
    "PENDING_AUTO_RESOLVE_HOURS": int(os.environ.get("DESTEK_PENDING_AUTO_RESOLVE_HOURS", "0")),
    # Open conversations of an agent whose console is gone (stale heartbeat) go back to the
    # queue after this many minutes; 0 = off.
    "OFFLINE_REQUEUE_MINUTES": int(os.environ.get("DESTEK_OFFLINE_REQUEUE_MINUTES", "10")),
    # Ratings: the prompt goes this long after an agent resolves; a visitor may change their
    # rating for this long after first giving it.
    "RATING_PROMPT_DELAY_SECONDS": int(os.environ.get("DESTEK_RATING_PROMPT_DELAY", "60")),
    "RATING_EDIT_WINDOW_SECONDS": int(os.environ.get("DESTEK_RATING_EDIT_WINDOW", "600")),
    # Webhooks (docs/integrations.md). Attempts per delivery; the wait after attempt n is
    # BACKOFF × 2^(n-1) seconds (capped at an hour); an endpoint whose deliveries failed for
    # good this many times in a row is disabled. Private, loopback and link-local targets are
    # refused (SSRF) unless allowed: on by default only with DEBUG (local receivers in dev).
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("DESTEK_WEBHOOK_TIMEOUT", "10")),
    "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("DESTEK_WEBHOOK_MAX_ATTEMPTS", "8")),
    "WEBHOOK_BACKOFF_SECONDS": int(os.environ.get("DESTEK_WEBHOOK_BACKOFF", "30")),
    "WEBHOOK_DISABLE_AFTER_FAILURES": int(os.environ.get("DESTEK_WEBHOOK_DISABLE_AFTER", "5")),
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": env_bool("DESTEK_WEBHOOK_ALLOW_PRIVATE", DEBUG),
    # Attachments (docs/protocol.md limits): bytes per file (uploaded and stored), pixels per image
    # (Pillow's decompression-bomb guard is set to this), the longest side an image is stored
    # with (larger ones are downscaled), files per message, uploads per contact (or agent) and
    # per visitor address per window, and how long a signed file URL stays valid.
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("DESTEK_ATTACHMENT_MAX_BYTES", str(10 * 2**20))),
    "ATTACHMENT_MAX_IMAGE_PIXELS": int(
        os.environ.get("DESTEK_ATTACHMENT_MAX_IMAGE_PIXELS", str(40_000_000))
    ),
    "ATTACHMENT_MAX_IMAGE_SIDE": int(os.environ.get("DESTEK_ATTACHMENT_MAX_IMAGE_SIDE", "2560")),
    "ATTACHMENTS_PER_MESSAGE": 10,
    "ATTACHMENT_UPLOADS_PER_WINDOW": int(os.environ.get("DESTEK_ATTACHMENT_UPLOADS", "30")),
    "ATTACHMENT_UPLOADS_PER_ADDRESS": int(
        os.environ.get("DESTEK_ATTACHMENT_UPLOADS_PER_ADDRESS", "60")
    ),
    "ATTACHMENT_UPLOAD_WINDOW_SECONDS": 600,
    "ATTACHMENT_URL_MAX_AGE_SECONDS": int(os.environ.get("DESTEK_ATTACHMENT_URL_MAX_AGE", "900")),
    # Image decoding and re-encoding (chat/image_work.py): at most this many at once per
    # process; an upload waits this long for a free slot, then gets 503 `busy`.
    "IMAGE_WORK_SLOTS": int(os.environ.get("DESTEK_IMAGE_WORK_SLOTS", "2")),
    "IMAGE_WORK_WAIT_SECONDS": float(os.environ.get("DESTEK_IMAGE_WORK_WAIT_SECONDS", "15")),
    # Uploaded but never sent in a message: deleted by the retention sweep after this long.
    "ATTACHMENT_UNSENT_MAX_AGE_HOURS": 24,
    # Retention in days per kind of data (support.retention, nightly); 0 = keep forever.
    # "messages": resolved conversations (messages, rating) resolved longer ago than this;
    # "contacts_without_conversations": contacts with no conversation, unseen this long.
    # Web Push for agents (alerts/): `manage.py vapid_keys` prints a pair; unset, push is off.
    "VAPID_PUBLIC_KEY": os.environ.get("DESTEK_VAPID_PUBLIC_KEY", ""),
    "VAPID_PRIVATE_KEY": os.environ.get("DESTEK_VAPID_PRIVATE_KEY", ""),
    # The contact push services may write to about this server (RFC 8292 "sub").
    "VAPID_SUBJECT": os.environ.get("DESTEK_VAPID_SUBJECT", "mailto:support@example.com"),
    # Push endpoints come from browsers: only public https hosts unless this is on (local tests).
    "PUSH_ALLOW_PRIVATE_ENDPOINTS": env_bool("DESTEK_PUSH_ALLOW_PRIVATE", DEBUG),
    "RETENTION_DAYS": {
        "messages": int(os.environ.get("DESTEK_RETENTION_MESSAGES_DAYS", "0")),
        "contacts_without_conversations": int(
            os.environ.get("DESTEK_RETENTION_CONTACTS_DAYS", "0")
        ),
    },
}

# The REST API for host-app servers, /api/v1/ (integrations.api, docs/integrations.md).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api_auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api_auth.HasTokenScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["integrations.api_parsers.CheckedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api_auth.ApiTokenThrottle"],
    # Per token; counted in the default cache (shared through Redis when REDIS_URL is set).
    "DEFAULT_THROTTLE_RATES": {"api_token": os.environ.get("DESTEK_API_RATE", "600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrations.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Destek API",
    "DESCRIPTION": "The REST API for the host app's servers. Authenticate with "
    "`Authorization: Bearer <API token>` (tokens are created in the admin).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the drf-spectacular-sidecar package, served from /static/ (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api_schema.postprocess",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "destek": {"level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}
