# The hand-worked report week is support's test data (its admin reports read it too).
from tests.support.conftest import week  # noqa: F401
