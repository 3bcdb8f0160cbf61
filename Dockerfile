# The production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
# collectstatic needs the production settings to import; these build-time values are not used
# at run time.
RUN SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    DJANGO_SETTINGS_MODULE=coordination.settings.production \
    TANDEM_VAR_DIR=/tmp/var \
    python manage.py collectstatic --no-input \
    && useradd --create-home --uid 1000 tandem && mkdir -p /app/var && chown tandem /app/var

USER tandem
ENV DJANGO_SETTINGS_MODULE=coordination.settings.production
EXPOSE 8000
CMD ["gunicorn", "coordination.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
