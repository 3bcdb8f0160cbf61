"""Settings for the test suite: PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set,
SQLite and the filesystem broker otherwise."""

from coordination.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in the test process when enqueued; the Celery round-trip test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LANGUAGE_CODE = "en"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the app folders without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The webhook tests post to a receiver of their own on loopback.
WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1", "::1", "localhost"]
# Throttles that no ordinary test reaches; the throttle tests set their own low rates.
API_THROTTLE_RATES = {"key": "100000/minute", "user": "100000/minute", "anon": "100000/minute"}
