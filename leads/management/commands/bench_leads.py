"""`make bench`: the leads scenario on the configured database, printed as JSON.

Runs in a scratch database that Django creates beside the configured one (test_<name>) and
drops afterwards, so it never touches real data. Each figure is printed beside a baseline
measured in the same run on the same machine:
- intake: lead_bulk_create with assignment (the after-commit task runs in-process) against a
  bare bulk_create of the same rows;
- sweep: the reassignment sweep over the same number of overdue leads among few and among many
  open leads, against a bare set-based UPDATE of the same rows;
- list: p50/p95 of GET /api/v1/leads/ against a bare view returning the same 50 rows with
  .values() and JsonResponse.
"""

import json
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import F
from django.http import JsonResponse
from django.test import Client, override_settings
from django.urls import include, path
from django.utils import timezone

from coordination.celery import app as celery_app
from leads.models import Lead


def bare_leads_view(request):
    rows = list(
        Lead.objects.order_by("-id").values(
            "id", "name", "phone", "email", "company", "region", "status", "owner_id",
            "source_id", "campaign_id", "created_at", "first_contact_due_at")[:50]
    )
    return JsonResponse({"results": rows})


urlpatterns = [
    path("bench/bare-leads/", bare_leads_view),
    path("", include("coordination.urls")),
]


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = "Benchmark lead intake, the reassignment sweep and the lead list; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--intake", type=int, default=5000, help="leads for intake")
        parser.add_argument("--open-large", type=int, default=200_000)
        parser.add_argument("--open-small", type=int, default=20_000)
        parser.add_argument("--overdue", type=int, default=2_000,
                            help="overdue leads in both sweep runs (1%% of the large set)")
        parser.add_argument("--requests", type=int, default=60, help="list requests timed")
        parser.add_argument("--reps", type=int, default=50)

    def handle(self, *args, **options):
        old_name = connection.settings_dict["NAME"]
        self.stderr.write(f"Creating a scratch database beside {old_name} …")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        # Tasks enqueued after commit run in this process: "assignment included".
        celery_app.conf.task_always_eager = True
        try:
            # No query logging (DEBUG) while timing; the test client's host is allowed.
            with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"],
                                   WHITENOISE_AUTOREFRESH=True):
                report = self.run_scenario(options)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        report["database"] = connection.vendor
        self.stdout.write(json.dumps(report, indent=2))

    # -- set-up ---------------------------------------------------------------------------------

    def setup_org(self, reps_count):
        from coordination.core.org.models import Department, Membership, Role, Team, User
        from leads.models import AssignmentRule, RulePoolMember, Source

        sales = Department.objects.create(name="销售部", kind="sales")
        team = Team.objects.create(department=sales, name="华东组")
        executive = Department.objects.create(name="总经办", kind="executive")
        reps = User.objects.bulk_create(
            [User(username=f"bench-rep{i}", full_name=f"销售{i}") for i in range(reps_count)])
        Membership.objects.bulk_create(
            [Membership(user=rep, department=sales, team=team) for rep in reps])
        boss = User.objects.create(username="bench-boss", full_name="老板")
        Membership.objects.create(user=boss, department=executive, role=Role.EXECUTIVE)
        rule = AssignmentRule.objects.create(name="bench", priority=1, max_reassignments=1000,
                                             first_contact_sla_minutes=30)
        RulePoolMember.objects.bulk_create([RulePoolMember(rule=rule, user=rep) for rep in reps])
        source = Source.objects.create(name="bench source", channel="website")
        return reps, boss, rule, source

    def records(self, count, offset):
        return [{"name": f"客户{offset + i}", "phone": f"+86139{offset + i:08d}",
                 "company": f"公司{(offset + i) % 997}", "region": "上海",
                 "external_id": f"b-{offset + i}"} for i in range(count)]

    # -- scenarios ------------------------------------------------------------------------------

    def bench_intake(self, source, count):
        from leads.services import lead_bulk_create, lead_clean

        records = self.records(count, 0)
        started = time.perf_counter()
        for start in range(0, count, 1000):
            with transaction.atomic():
                lead_bulk_create(source=source, records=records[start:start + 1000])
        service_seconds = time.perf_counter() - started
        assigned = Lead.objects.filter(owner__isnull=False).count()

        baseline_rows = [Lead(source=source, **{**lead_clean(data=r, source=source),
                                                "external_id": "base-" + r["external_id"]})
                         for r in self.records(count, 10_000_000)]
        started = time.perf_counter()
        with transaction.atomic():
            Lead.objects.bulk_create(baseline_rows, batch_size=1000)
        baseline_seconds = time.perf_counter() - started
        return {
            "leads": count,
            "assigned": assigned,
            "leads_per_second": round(count / service_seconds, 1),
            "baseline_bulk_create_per_second": round(count / baseline_seconds, 1),
            "ratio_baseline_over_service": round(service_seconds / baseline_seconds, 1),
        }

    def fill_open(self, source, reps, total, now):
        """Open assigned leads with a deadline in the future, written directly."""
        batch = []
        due = now + timedelta(days=30)
        existing = Lead.objects.count()
        for i in range(total):
            batch.append(Lead(source=source, name=f"存量{existing + i}",
                              phone=f"+86137{existing + i:08d}", status="assigned",
                              owner=reps[i % len(reps)], assigned_at=now,
                              first_contact_due_at=due))
            if len(batch) == 5000:
                Lead.objects.bulk_create(batch)
                batch = []
        if batch:
            Lead.objects.bulk_create(batch)

    def make_overdue(self, count, rule, now):
        ids = list(Lead.objects.filter(status="assigned", first_contacted_at__isnull=True)
                   .order_by("?" if connection.vendor != "postgresql" else "id")
                   .values_list("pk", flat=True)[:count])
        Lead.objects.filter(pk__in=ids).update(first_contact_due_at=now - timedelta(minutes=5),
                                               rule=rule)
        return ids

    def time_sweep(self, now):
        from leads.services import leads_sweep_first_contact

        started = time.perf_counter()
        total = 0
        while True:
            report = leads_sweep_first_contact(now=now, limit=500)
            total += report.reassigned + report.escalated + report.recycled
            if report.reassigned + report.escalated + report.recycled + report.skipped == 0:
                break
        return time.perf_counter() - started, total

    def time_bare_update(self, ids, reps):
        started = time.perf_counter()
        with transaction.atomic():
            Lead.objects.filter(pk__in=ids).update(
                owner=reps[0], reassignment_count=F("reassignment_count") + 1,
                first_contact_due_at=timezone.now() + timedelta(minutes=30))
        return time.perf_counter() - started

    def bench_sweep(self, source, reps, rule, small, large, overdue):
        now = timezone.now()
        results = {}
        Lead.objects.all().delete()
        self.fill_open(source, reps, small, now)
        for label, size in (("small", small), ("large", large)):
            if size > Lead.objects.count():
                self.fill_open(source, reps, size - Lead.objects.count(), now)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE leads_lead")
            ids = self.make_overdue(overdue, rule, now)
            seconds, handled = self.time_sweep(now + timedelta(minutes=1))
            ids = self.make_overdue(overdue, rule, now)
            baseline = self.time_bare_update(ids, reps)
            # Leave them not overdue for the next run.
            Lead.objects.filter(pk__in=ids).update(first_contact_due_at=now + timedelta(days=30))
            results[label] = {"open_leads": Lead.objects.count(), "overdue": overdue,
                              "handled": handled, "sweep_seconds": round(seconds, 3),
                              "baseline_update_seconds": round(baseline, 4),
                              "ratio_sweep_over_baseline": round(seconds / baseline, 1)}
        results["large_over_small"] = round(
            results["large"]["sweep_seconds"] / results["small"]["sweep_seconds"], 2)
        return results

    def bench_list(self, boss, requests):
        client = Client()
        client.force_login(boss)

        def timed(url):
            samples = []
            for _ in range(requests + 5):
                started = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content[:300]
            samples = samples[5:]  # warm-up
            return {"p50_ms": round(_percentile(samples, 0.5), 2),
                    "p95_ms": round(_percentile(samples, 0.95), 2)}

        with override_settings(ROOT_URLCONF=__name__):
            api = timed("/api/v1/leads/")
            bare = timed("/bench/bare-leads/")
        return {"endpoint": "/api/v1/leads/ (50 per page)", **api,
                "baseline_bare_view": bare,
                "ratio_p50": round(api["p50_ms"] / bare["p50_ms"], 1),
                "ratio_p95": round(api["p95_ms"] / bare["p95_ms"], 1)}

    def run_scenario(self, options):
        reps, boss, rule, source = self.setup_org(options["reps"])
        self.stderr.write("intake …")
        intake = self.bench_intake(source, options["intake"])
        self.stderr.write(json.dumps(intake))
        self.stderr.write("sweep …")
        sweep = self.bench_sweep(source, reps, rule, options["open_small"],
                                 options["open_large"], options["overdue"])
        self.stderr.write(json.dumps(sweep))
        self.stderr.write("list …")
        listing = self.bench_list(boss, options["requests"])
        listing["leads_in_database"] = Lead.objects.count()
        return {"intake": intake, "sweep": sweep, "list": listing}
