import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coordination.core.org.models import Heartbeat


class Command(BaseCommand):
    help = ("Exit non-zero unless a worker ran the scheduled heartbeat task recently: proves "
            "that beat schedules and a worker executes (a container health check).")

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=180,
                            help="Seconds since the last heartbeat (default 180).")

    def handle(self, *args, max_age, **options):
        beat = Heartbeat.objects.filter(name="worker").first()
        if beat is None:
            raise CommandError("No heartbeat yet: is beat running, and a worker?")
        age = timezone.now() - beat.beat_at
        if age > datetime.timedelta(seconds=max_age):
            raise CommandError(f"Last heartbeat {int(age.total_seconds())} s ago.")
        self.stdout.write(f"Last heartbeat {int(age.total_seconds())} s ago.")
