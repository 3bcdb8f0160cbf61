import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from coordination.schedules import project_schedules


class Command(BaseCommand):
    help = ("Create or update the periodic tasks the installed apps declare "
            "(coordination.core.schedules); --list prints them instead.")

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true",
                            help="Print the schedule (name, timing, task) and change nothing.")

    def handle(self, *args, **options):
        if options["list"]:
            for schedule in project_schedules():
                self.stdout.write(f"{schedule.name}\t{schedule.timing}\t{schedule.task}\n"
                                  f"    {schedule.description}")
            return
        self._write()

    @transaction.atomic
    def _write(self):
        for schedule in project_schedules():
            defaults = {"task": schedule.task, "description": schedule.description,
                        "kwargs": json.dumps({})}
            task = PeriodicTask.objects.filter(name=schedule.name).first()
            if task is not None:
                # Keep what an admin set for timing and enabled; refresh the task path.
                PeriodicTask.objects.filter(pk=task.pk).update(**defaults)
                continue
            if schedule.every_seconds:
                interval, _ = IntervalSchedule.objects.get_or_create(
                    every=schedule.every_seconds, period=IntervalSchedule.SECONDS)
                PeriodicTask.objects.create(name=schedule.name, interval=interval, **defaults)
            else:
                minute, hour, day_of_month, month_of_year, day_of_week = schedule.crontab.split()
                crontab, _ = CrontabSchedule.objects.get_or_create(
                    minute=minute, hour=hour, day_of_month=day_of_month,
                    month_of_year=month_of_year, day_of_week=day_of_week,
                    timezone=settings.TIME_ZONE)
                PeriodicTask.objects.create(name=schedule.name, crontab=crontab, **defaults)
            self.stdout.write(f"Scheduled {schedule.name}")
