import pytest

from tests import factories


@pytest.mark.django_db
def test_factories_build_a_conversation_with_its_first_message():
    conversation = factories.conversation(body="Bill will not close")
    assert conversation.status == "queued"
    assert list(conversation.messages.values_list("body", flat=True)) == ["Bill will not close"]
