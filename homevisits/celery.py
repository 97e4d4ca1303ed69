"""The Celery app: the worker runs notification deliveries, beat runs the overdue scan.

Settings, the beat schedule included, come from Django settings with the CELERY_ prefix
(CELERY_BEAT_SCHEDULE in homevisits/settings.py). Run exactly one beat.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")

app = Celery("homevisits")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
