"""The OpenAPI document against the running app: schemathesis generates requests for every
operation from the schema (through the WSGI app) and checks each answer against it with the
checks an outside fuzzer runs (`st run -c all`, see CHECKS): status codes documented, bodies
matching their schemas, no server errors, schema-valid data accepted (2xx, or 404/409 for
names that name nothing), schema-violating data refused. Then its stateful runner follows the
schema's links (integrations/api_schema.py) from the contacts and conversations it creates."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from config.wsgi import application
from integrations import services
from ratings import services as rating_services
from tests import factories
from tests.faq import factories as faq_factories

# `st run -c all` but object_level_authorization, which needs a second principal's token
# (test_api.py checks that a widget-limited token sees only its widget).
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.positive_data_acceptance,
    checks.missing_required_header,
    checks.unsupported_method,
    checks.allow_header_conformance,
    checks.use_after_free,
    checks.ensure_resource_availability,
    checks.ignored_auth,
]
FUZZ = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_schema(headers, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"api_token": "100000/min"}, raising=False
    )
    # As Django's test client does: requests must not close the test's database connection
    # (its transaction holds the test data; PostgreSQL would lose it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    # As `st run -H`: sent with every request, never broken by negative cases.
    schema.config.update(headers=headers)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def headers(db):
    widget = factories.widget(key="shop")
    contact = factories.visitor(widget_obj=widget, external_id="u-1")[0]
    conversation = factories.resolved_conversation(contact=contact)
    rating_services.rating_submit(conversation=conversation, score=5)
    factories.conversation(contact=contact)
    factories.agent()
    faq_factories.article()
    token = services.api_token_create(name="Schemathesis", scope="write")[1]
    return {"Authorization": f"Bearer {token}"}


# schemathesis' pytest loader (`schemathesis.pytest.from_fixture`) does not run under pytest 9
# yet, so hypothesis drives the schema's strategy (every operation) here directly. Negative
# cases break the schema in one place (a wrong type, a missing field, an unknown parameter) and
# must be refused; the token is fixed, so they never break it.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_matches_its_schema(api_schema, mode):
    assert len(list(api_schema.get_all_operations())) >= 12
    operations = set()

    @given(case=api_schema.as_strategy(generation_mode=mode))
    @settings(FUZZ, max_examples=120)
    def check(case):
        operations.add(case.operation.label)
        case.call_and_validate(checks=CHECKS)

    check()
    assert len(operations) >= 10, operations


def test_api_links_lead_from_what_it_creates_to_what_uses_it(api_schema):
    called, succeeded = set(), set()
    # Schema-valid steps, so that each can create what the next one uses (negative data has
    # its own run above).
    api_schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    # Only the documented links: schemathesis would add links of its own guessing from the
    # schema's shape (a response field named like another operation's parameter), and each adds
    # rules that the fixed-seed walk spends its steps on, so any new field or parameter moved
    # the walk away from the links this test is about.
    api_schema.config.phases.stateful.inference.algorithms = []

    class Machine(api_schema.as_state_machine()):
        def after_call(self, response, case):
            operation_id = case.operation.definition.raw["operationId"]
            called.add(operation_id)
            if response.status_code < 400:
                succeeded.add(operation_id)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(
        Machine, settings=settings(FUZZ, max_examples=60, stateful_step_count=6)
    )
    # The four operations that only ever answered 404 without links: nothing lets a fuzzer guess
    # a widget key and a contact's external id, so it takes them from answers. Starting a
    # conversation is no starting point of the fuzzer's: only links lead to it.
    assert {"contact_put", "contact_get", "contact_patch"} <= succeeded, sorted(succeeded)
    assert "conversation_create" in called, sorted(called)
