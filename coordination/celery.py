"""The Celery app. Configuration comes from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

from coordination.core.request_cache import request_cache_scope

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings.base")


class ScopedTask(DjangoTask):
    """Each run of a task reads the settings rows once, like a web request
    (coordination.core.request_cache). A DjangoTask, as the Django fix-up would give: it
    offers `delay_on_commit`."""

    def __call__(self, *args, **kwargs):
        with request_cache_scope():
            return super().__call__(*args, **kwargs)


app = Celery("tandem", task_cls=ScopedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
