"""SQL aggregates the reports need that Django does not ship: a continuous percentile.

PostgreSQL has it built in: `percentile_cont(0.9) WITHIN GROUP (ORDER BY x)`. SQLite (the
`make run` database) has no percentile, so the same aggregate is registered on each SQLite
connection as an application-defined aggregate, exactly as Django itself provides STDDEV_POP
and VAR_SAMP there (django/db/backends/sqlite3/_functions.py). Either way the percentile is
computed inside the database's GROUP BY, one value per group, in the query that asks for it;
nothing loops over rows in the report code. Both follow PostgreSQL's definition: NULLs are
ignored, no rows gives NULL, and between two ranks the value is interpolated linearly.
"""

import math

from django.db import NotSupportedError
from django.db.models import Aggregate, FloatField

SQLITE_FUNCTION = "destek_percentile_cont"


class PercentileCont(Aggregate):
    """percentile_cont(fraction) of an expression; `PercentileCont("s", 0.5)` is the median."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1.")
        if extra.get("distinct"):
            raise ValueError("PercentileCont does not take distinct.")
        self.fraction = fraction
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            raise NotSupportedError(f"PercentileCont is not available on {connection.vendor}.")
        # A validated float, written as a literal: ordered-set aggregates want a constant.
        return super().as_sql(compiler, connection, fraction=repr(self.fraction), **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function=SQLITE_FUNCTION,
            template="%(function)s(%(expressions)s, %(fraction)s)",
            fraction=repr(self.fraction),
            **extra_context,
        )


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over sorted values (linear interpolation between ranks)."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (position - lower) * (values[upper] - values[lower])


class _SQLitePercentileCont:
    """The SQLite side: SQLite feeds each group's values in, then asks for the result."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(value)
        self.fraction = fraction

    def finalize(self):
        self.values.sort()
        return percentile_cont(self.values, self.fraction)


def register_sqlite_functions(sender, connection, **kwargs):
    """connection_created receiver: gives every SQLite connection the percentile aggregate."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_FUNCTION, 2, _SQLitePercentileCont)
