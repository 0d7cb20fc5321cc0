"""The rate-limit counters' one statement (support.ratelimits counts every hit with it)."""

from django.db import connections, router

from ..models import RateLimitBucket
from .rows import RowColumns

# Per database alias: rate_limit_bucket_hit's statement and the columns it returns.
_bucket_hits: dict[str, tuple[str, RowColumns]] = {}


def _bucket_hit_statement(connection) -> tuple[str, RowColumns]:
    meta = RateLimitBucket._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    key, started, hits = (
        quote(meta.get_field(name).column) for name in ("key", "window_started_at", "hits")
    )
    expired = f"{table}.{started} <= %s"
    returned = RowColumns(RateLimitBucket, connection)
    sql = (
        f"INSERT INTO {table} ({key}, {started}, {hits}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{started} = CASE WHEN {expired} THEN EXCLUDED.{started} ELSE {table}.{started} END, "
        f"{hits} = CASE WHEN {expired} THEN 1 ELSE {table}.{hits} + 1 END "
        f"RETURNING {', '.join(returned.columns)}"
    )
    return sql, returned


def rate_limit_bucket_hit(*, key: str, now, window_start) -> RateLimitBucket:
    """Count one hit on the counter `key` and return it, in one statement: a new counter, or
    a window that started at or before `window_start`, starts at `now` with 1 hit; otherwise
    its hits grow by one (also past any limit). As the ORM would with a conditional UPDATE,
    then, when it matched nothing, select_for_update().get_or_create() and save() in a
    transaction (3-5 statements and their compilation for a visitor's first message)."""
    connection = connections[router.db_for_write(RateLimitBucket)]
    statement = _bucket_hits.get(connection.alias)
    if statement is None:
        statement = _bucket_hits[connection.alias] = _bucket_hit_statement(connection)
    sql, returned = statement
    started = RateLimitBucket._meta.get_field("window_started_at")
    now_value = started.get_db_prep_value(now, connection)
    start_value = started.get_db_prep_value(window_start, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now_value, start_value, start_value])
        row = cursor.fetchone()
    return returned.load(row, connection)
