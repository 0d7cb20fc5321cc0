"""support.process_cache: configuration rows read per message, kept per process briefly."""

import threading

import pytest
from django.db import connection, transaction

from support import process_cache
from support.models import PriorityRule
from support.services import queue as support_queue

# Committed rows, as in production: inside a test's transaction every change is uncommitted.
pytestmark = pytest.mark.django_db(transaction=True)


def rules():
    return support_queue._active_priority_rules()


def test_rules_are_read_once_then_served_from_the_process(django_assert_num_queries):
    PriorityRule.objects.create(keyword="iade", priority="high")
    with django_assert_num_queries(1):
        rules()
    with django_assert_num_queries(0):
        assert rules() == [("iade", "high")]


def test_a_save_or_delete_in_this_process_is_seen_at_once():
    rule = PriorityRule.objects.create(keyword="iade", priority="high")
    assert rules() == [("iade", "high")]

    rule.is_active = False
    rule.save()
    assert rules() == []

    rule.is_active = True
    rule.save()
    assert rules() == [("iade", "high")]
    rule.delete()
    assert rules() == []


def test_a_bulk_update_is_seen_after_the_time_to_live(monkeypatch):
    """QuerySet.update() sends no signal: like another process's change, it shows within
    the time to live."""
    PriorityRule.objects.create(keyword="iade", priority="high")
    assert rules() == [("iade", "high")]
    PriorityRule.objects.update(priority="urgent")
    assert rules() == [("iade", "high")]

    clock = [1000.0]
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: clock[0])
    support_queue._priority_rules_active.clear()
    assert rules() == [("iade", "urgent")]
    PriorityRule.objects.update(priority="high")
    clock[0] += process_cache.DEFAULT_TTL_SECONDS - 0.1
    assert rules() == [("iade", "urgent")]
    clock[0] += 0.2
    assert rules() == [("iade", "high")]


def test_a_rule_saved_in_a_rolled_back_transaction_is_never_served():
    assert rules() == []
    with pytest.raises(RuntimeError), transaction.atomic():
        PriorityRule.objects.create(keyword="geçici", priority="high")
        assert rules() == [("geçici", "high")]  # the writer sees its own row
        raise RuntimeError
    assert rules() == []


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite locks the table for the other thread's read"
)
def test_until_commit_other_threads_keep_reading_the_committed_rows():
    seen = []

    def read():
        seen.append(rules())
        connection.close()

    with transaction.atomic():
        PriorityRule.objects.create(keyword="iade", priority="high")
        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
    assert seen == [[]]
    assert rules() == [("iade", "high")]
