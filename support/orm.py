"""Small ORM helpers shared by the apps."""

from collections.abc import Iterable


def prefetched_as(instance, relation: str, objects: Iterable) -> None:
    """Make `instance.<relation>.all()` answer with `objects`, as prefetch_related would,
    when the caller already knows them (a new message's files, a conversation known to
    have no labels): no query when the related rows are read."""
    manager = getattr(instance, relation)
    cache_name = getattr(manager, "prefetch_cache_name", None)
    if cache_name is None:  # a reverse foreign key
        cache_name = manager.field.remote_field.cache_name
    queryset = manager.get_queryset()  # lazy: never evaluated
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[cache_name] = queryset


def instance_with(model, **values):
    """An instance of `model` with only these fields loaded (attnames: "id", "contact_id"), the
    others deferred as `.only()` leaves them: read from the database if ever used, never a
    default standing in for a value. For a service that takes a row it locks and reads again:
    model(**values) sets every other field's default first (~4x the time, per message)."""
    return model.from_db(None, list(values), list(values.values()))
