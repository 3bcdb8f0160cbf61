"""The API fuzzed against its own OpenAPI schema with schemathesis (issue 7, item 9).

Every operation of the live schema is called with generated requests, valid ones and ones the
schema forbids, as four callers in turn: a key holding every scope, a read-only key, a sales
rep's browser session and nobody. The run fails on any server error, any answer that breaks the
schema, and any request the schema forbids that is nevertheless accepted. A fixed seed and a
bounded number of examples per operation keep it repeatable and within a few minutes; every
API added later is fuzzed the same way, with no change here.
"""

import datetime
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
)

from coordination.core.apikeys.scopes import scope_choices
from coordination.core.apikeys.services import api_key_create
from coordination.core.org.models import DepartmentKind, Role
from coordination.wsgi import application
from leads.models import Dispute, DisputeSide
from tests.factories import (
    CampaignFactory,
    DepartmentFactory,
    LeadFactory,
    SourceFactory,
    TeamFactory,
    member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = 12


@dataclass
class Caller:
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)

    @property
    def request(self) -> dict:
        return {"headers": self.headers, "cookies": self.cookies}


@pytest.fixture
def world():
    """A small organisation for the requests to meet: real ids exist, lists are not empty."""
    sales = DepartmentFactory(name="销售部", kind=DepartmentKind.SALES)
    team = TeamFactory(department=sales, name="华东组")
    rep = member(department=sales, team=team)
    member(department=sales, role=Role.HEAD)
    source = SourceFactory(name="百度推广")
    CampaignFactory(source=source, name="双十一")
    leads = [LeadFactory(source=source, owner=rep, status="assigned") for _ in range(3)]
    # Disputes of both kinds: one a rep opened with its grounds, one of the daily sample
    # (which has none), so that the answers about them are checked against the schema too.
    due = timezone.now() + datetime.timedelta(days=1)
    Dispute.objects.create(lead=leads[0], side=DisputeSide.SALES, opened_by=rep,
                           ground="unreachable", evidence="打了三次都没人接", due_at=due)
    Dispute.objects.create(lead=leads[1], side=DisputeSide.SAMPLE, due_at=due)
    return {"rep": rep}


@pytest.fixture
def wsgi_requests_keep_the_connection():
    """Schemathesis calls the WSGI application itself, not Django's test client: at the end of
    each request Django would close the database connection that holds the test's open
    transaction (as the test client is careful not to). Disconnected for the test's length."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def callers(world, client, wsgi_requests_keep_the_connection) -> dict[str, Caller]:
    _key, every = api_key_create(name="fuzz all", scopes=[name for name, _ in scope_choices()])
    _key, read = api_key_create(name="fuzz read", scopes=[
        name for name, _ in scope_choices() if name.endswith(":read")])
    client.force_login(world["rep"])
    # The CSRF secret itself is a valid token for the header (Django 4.1 and later).
    token = "f" * 32
    return {
        "all_scopes_key": Caller(headers={"Authorization": f"Api-Key {every}"}),
        "read_only_key": Caller(headers={"Authorization": f"Api-Key {read}"}),
        "rep_session": Caller(headers={"X-CSRFToken": token},
                              cookies={"sessionid": client.cookies["sessionid"].value,
                                       "csrftoken": token}),
        "anonymous": Caller(),
    }


# Loaded when the module is collected: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                max_examples=EXAMPLES_PER_OPERATION, deterministic=True,
                                no_shrink=True)
# Examples and generated cases; the coverage phase (every boundary of every parameter) would
# multiply the run time several-fold for the same classes of failure.
schema.config.phases.update(phases=["examples", "fuzzing"])


FUZZ_SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
                         database=None, suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]


@schema.parametrize()
@pytest.mark.parametrize("who", ["all_scopes_key", "read_only_key", "rep_session", "anonymous"])
@FUZZ_SETTINGS
def test_the_api_holds_to_its_schema(case, who, callers, dns):
    case.call_and_validate(**callers[who].request, checks=CHECKS)
