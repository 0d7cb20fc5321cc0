"""The languages of the console sockets connected to any server process: a live fragment is
rendered in those (console.realtime), usually one, not in every console language.

A record in Django's cache (Redis, shared by the processes, when configured): one key per
language, set by a console socket when it connects (before it joins its groups) and at its
heartbeat, expiring when no socket refreshed it for RECORD_SECONDS. Each process reads it at
most every READ_SECONDS, knows its own sockets' languages at once, and always renders the
deployment's language (LANGUAGE_CODE, what most consoles speak).

The record is a guess, never a promise, and nothing rests on it being right: a socket that
connected to another process since this one's last read, or whose key Redis lost (restarted,
evicted), gets events without its language, and renders that fragment itself, in its
language, from the ids in the event (ConsoleConsumer, console.realtime.event_in_language).
So a console never shows another language; the record only makes that fallback rare (the
first seconds after a language appears in another process).
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache

# A console pings every 20 s and writes its heartbeat at most every 15 s.
RECORD_SECONDS = 120
# A process writes a language's key again only this long after it last did.
REFRESH_SECONDS = 30
READ_SECONDS = 2


def _key(language: str) -> str:
    return f"console-language:{language}"


class LanguagesInUse:
    """This process's knowledge of the record (one per process: `languages`)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._read_at: float | None = None
            self._recorded: frozenset[str] = frozenset()
            # Languages this process's sockets recorded, and when it last wrote each.
            self._own: dict[str, float] = {}

    def spoken(self, language: str) -> None:
        """A console socket of this process speaks `language` (it connected, or is still
        there): recorded for every process. Runs on the database thread."""
        now = time.monotonic()
        with self._lock:
            written = self._own.get(language)
            if written is not None and now - written < REFRESH_SECONDS:
                return
            self._own[language] = now
        cache.set(_key(language), True, timeout=RECORD_SECONDS)

    def current(self) -> list[str]:
        """The console languages to render a live fragment in, in settings.LANGUAGES' order."""
        now = time.monotonic()
        with self._lock:
            read_at = self._read_at
        if read_at is None or now - read_at >= READ_SECONDS:
            codes = [code for code, _name in settings.LANGUAGES]
            found = cache.get_many([_key(code) for code in codes])
            recorded = frozenset(code for code in codes if _key(code) in found)
            with self._lock:
                self._recorded, self._read_at = recorded, now
        with self._lock:
            wanted = {settings.LANGUAGE_CODE, *self._recorded}
            wanted.update(
                language
                for language, written in self._own.items()
                if now - written < RECORD_SECONDS
            )
        return [code for code, _name in settings.LANGUAGES if code in wanted]


languages = LanguagesInUse()
