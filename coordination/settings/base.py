"""Tandem settings for development and the embedded default (`make run`).

Every value that differs between machines is read from the environment here; production.py
tightens what production needs and test.py what the suite needs.
"""

import datetime
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from coordination.settings.env import env_bool, env_int, env_list, env_str, env_time_zone

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("TANDEM_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret_key() -> str:
    # Generated once per checkout and kept under var/, so sessions survive a restart and no
    # secret is ever committed.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or _development_secret_key()
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "coordination.core",
    "leads",
    "handoff",
    "complaints",
    "coordination.metrics",
    "meetings",
    "coordination.dashboards",
]

MIDDLEWARE = [
    # First: settings rows read during the request are read once (coordination.core.request_cache).
    "coordination.core.request_cache.RequestCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication (keys belong to the caller) and, in process_view, after the CSRF
    # check: a POST carrying an Idempotency-Key is done once (coordination.core.idempotency).
    "coordination.core.idempotency.middleware.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "coordination.core.web.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coordination.urls"
WSGI_APPLICATION = "coordination.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coordination.core.web.context_processors.layout",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file under var/ for the embedded default.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0
    # Web, worker and scheduler share one file: WAL lets readers go on while one writes, and
    # IMMEDIATE transactions wait for the write lock instead of failing half-way.
    _database["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "coordination.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"

# Reverse proxies in front of the web nodes that append to X-Forwarded-For (0: none, the client
# is REMOTE_ADDR). Read by the login lockout and the API throttles alike.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account, or
# LOGIN_ADDRESS_FAILURE_LIMIT from one address (a password spray over many accounts), further
# attempts are refused for LOGIN_LOCKOUT_MINUTES, even with the right password. An admin
# unlocks a person from the people admin ("Unlock log-in") or by deleting the access attempts.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 10)
AXES_HANDLER = "coordination.core.web.lockout.LoginLockoutHandler"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "coordination.core.web.security.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "coordination.core.web.security.axes_client_ip"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Languages: Simplified Chinese and English, every string translated both ways.
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans").lower()
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of zh-hans, en; not {LANGUAGE_CODE!r}."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["coordination.core.formats"]
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# Redis, when configured, carries the Celery broker, the results and the cache.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. Without a broker server the embedded default uses kombu's filesystem transport under
# var/, which needs nothing installed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or REDIS_URL or (
    f"file://{VAR_DIR / 'celery' / 'results'}"
)
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir, VAR_DIR / "celery" / "results"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledge after the task ran, so a worker that dies mid-task hands it to another; tasks are
# idempotent, so a repeat is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
# A task still running when the broker's visibility timeout expires would be delivered twice.
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Celery time limits must satisfy CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT "
        "< CELERY_BROKER_VISIBILITY_TIMEOUT."
    )
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE

# Mail: the console in development; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    # API keys first: its WWW-Authenticate header makes a refused key a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coordination.core.apikeys.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "coordination.core.apikeys.permissions.HasRequiredScope",
    ],
    "DEFAULT_PAGINATION_CLASS": "coordination.core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["coordination.core.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coordination.core.api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    # JSON in, JSON out; the upload endpoints name their multipart parser themselves.
    "DEFAULT_PARSER_CLASSES": ["coordination.core.api.parsers.BoundedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["coordination.core.api.throttling.PrincipalRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Requests per API key, per signed-in person and per address of anonymous callers. A refused
# request answers 429 with Retry-After.
API_THROTTLE_RATES = {
    "key": env_str("API_THROTTLE_KEY", "1200/minute"),
    "user": env_str("API_THROTTLE_USER", "600/minute"),
    "anon": env_str("API_THROTTLE_ANON", "60/minute"),
}
for _kind, _rate in API_THROTTLE_RATES.items():
    _count, _slash, _period = _rate.partition("/")
    if not (_count.isdigit() and _period and _period[0] in "smhd"):
        raise ImproperlyConfigured(
            f"API_THROTTLE_{_kind.upper()} must look like 600/minute, not {_rate!r}."
        )
# Idempotency keys (coordination.core.idempotency): how long the answer to a POST carrying an
# Idempotency-Key is kept for its retries, and how long a key stays claimed by a request that
# never finished (a worker that died) before a retry may run it again. The lock window must be
# shorter than the time a key is kept.
IDEMPOTENCY_KEY_TTL_SECONDS = env_int("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600)
IDEMPOTENCY_KEY_LOCK_SECONDS = env_int("IDEMPOTENCY_KEY_LOCK_SECONDS", 600)
if not 0 < IDEMPOTENCY_KEY_LOCK_SECONDS < IDEMPOTENCY_KEY_TTL_SECONDS:
    raise ImproperlyConfigured(
        "Idempotency settings must satisfy 0 < IDEMPOTENCY_KEY_LOCK_SECONDS < "
        "IDEMPOTENCY_KEY_TTL_SECONDS."
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Leads, handoffs, complaints, meetings and requests across departments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Operation ids from the path after /api/v1 (`leads_bulk_create`), paths kept whole.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    # Declared as the API answers: a field that may be null says so.
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": True,
    # Two "channel" choice sets: name them so the schema's enums stay stable.
    "ENUM_NAME_OVERRIDES": {
        "SourceChannelEnum": "leads.models.Channel",
        "ContactChannelEnum": "leads.models.ContactChannel",
    },
    # Every POST documents the optional Idempotency-Key header and its 400/409/422 answers.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coordination.core.idempotency.schema.idempotency_postprocess",
    ],
}

# Content-Security-Policy on every answer: scripts, styles, fonts and images from this site
# only (the app works on a closed network: nothing is loaded from a CDN), no inline script, no
# plugin, no framing. The API docs pages (Swagger UI, ReDoc) are served from the sidecar here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Webhooks are never delivered to loopback, private, link-local or reserved addresses (a key
# holder could otherwise make the worker reach the metadata service or an internal admin page),
# except to the hosts listed here: names or addresses, comma-separated.
WEBHOOK_ALLOWED_INTERNAL_HOSTS = env_list("WEBHOOK_ALLOWED_INTERNAL_HOSTS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
