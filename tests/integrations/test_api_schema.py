"""The OpenAPI document against the running app: schemathesis generates requests for every
operation from the schema (through the WSGI app) and checks each answer against it: status
codes documented, bodies matching their schemas, no server errors."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from integrations import services
from ratings import services as rating_services
from tests import factories
from tests.faq import factories as faq_factories


@pytest.fixture
def api_schema(db, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"api_token": "100000/min"}, raising=False
    )
    # As Django's test client does: requests must not close the test's database connection
    # (its transaction holds the test data; PostgreSQL would lose it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    widget = factories.widget(key="shop")
    contact = factories.visitor(widget_obj=widget, external_id="u-1")[0]
    conversation = factories.resolved_conversation(contact=contact)
    rating_services.rating_submit(conversation=conversation, score=5)
    factories.conversation(contact=contact)
    factories.agent()
    faq_factories.article()
    return services.api_token_create(name="Schemathesis", scope="write")[1]


# schemathesis' pytest loader (`schemathesis.pytest.from_fixture`) does not run under pytest 9
# yet, so each operation's strategy is driven by hypothesis here directly.
def test_api_matches_its_schema(api_schema, token):
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # Every built-in check but "schema-valid data must be accepted": the API checks
            # more than a JSON schema can say (no NUL characters, an existing contact, a known
            # topic) and answers that with a documented 400/404 JSON error.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
