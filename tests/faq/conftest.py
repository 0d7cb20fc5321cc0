import pytest

from faq.seed import seed_help_articles
from tests import factories


@pytest.fixture
def help_articles(db):
    """The real demo help articles (both languages), linked to the demo topics."""
    for slug in ("payment", "order", "technical", "account"):
        factories.topic(slug=slug)
    return seed_help_articles()
