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
