"""A real Celery worker delivers a webhook: the receiver on loopback fails the first attempt,
the worker retries after the backoff (a real countdown, not eager), the second attempt is
delivered with the same event id and a valid signature, and both attempts are logged."""

import json
import time

import pytest

from integrations import webhooks
from tests.stack import Stack
from tests.stack import widget_post as post

pytestmark = pytest.mark.redis

REGISTER = """
from integrations.models import WebhookEndpoint
from support.models import Widget
Widget.objects.filter(key="demo").update(bot_enabled=False)
WebhookEndpoint.objects.create(
    name="CRM", url="{url}", secret="whsec_worker", events=["conversation.created"]
)
"""

ATTEMPTS = """
import json
from integrations.models import WebhookAttempt
print(json.dumps(list(WebhookAttempt.objects.order_by("id").values_list(
    "number", "status_code", "succeeded", "delivery__status"))))
"""


@pytest.fixture
def stack(seeded_stack, tmp_path, receiver):
    built = Stack(tmp_path)
    built.env["CELERY_TASK_ALWAYS_EAGER"] = "0"
    built.env["DESTEK_WEBHOOK_BACKOFF"] = "1"
    built.env["DESTEK_WEBHOOK_ALLOW_PRIVATE"] = "1"
    built.setup(copy_of=seeded_stack)
    built.manage("shell", "-c", REGISTER.format(url=receiver.url))
    yield built
    built.stop()


@pytest.fixture
def worker(stack):
    with stack.celery_worker("--pool=solo") as log_path:
        yield log_path


def test_worker_retries_a_failed_delivery_after_the_backoff(stack, worker, receiver):
    receiver.statuses = [503]  # the first attempt fails, the retry succeeds
    port = stack.start_server()
    token = post(port, "session", {"widget_key": "demo", "locale": "en"})["visitor_token"]
    conversation = post(port, "conversations", {"body": "Hello", "client_id": "first-1"}, token)

    deadline = time.monotonic() + 30
    while len(receiver.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(receiver.requests) == 2, worker.read_text()
    first, second = receiver.requests
    assert first["headers"]["Destek-Event-Id"] == second["headers"]["Destek-Event-Id"]
    assert int(second["headers"]["Destek-Timestamp"]) >= int(first["headers"]["Destek-Timestamp"])
    assert webhooks.signature_is_valid(
        secret="whsec_worker",
        timestamp=second["headers"]["Destek-Timestamp"],
        body=second["body"],
        header=second["headers"]["Destek-Signature"],
        now=time.time(),
    )
    assert json.loads(second["body"])["data"]["conversation"]["id"] == conversation["id"]

    deadline = time.monotonic() + 10
    while True:
        attempts = json.loads(stack.manage("shell", "-c", ATTEMPTS).strip().splitlines()[-1])
        if len(attempts) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert attempts == [[1, 503, False, "succeeded"], [2, 200, True, "succeeded"]]
    log = worker.read_text()
    assert "Retry in 1s" in log
    assert "Traceback" not in log, log
