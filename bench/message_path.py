"""The database thread's work per message and per read mark, in one process: no sockets.

    DATABASE_URL=… .venv/bin/python bench/message_path.py                # 400 rounds
    DATABASE_URL=… .venv/bin/python bench/message_path.py --rounds 2000 --profile /tmp/p.prof

It builds agents, visitors and open conversations in the database DATABASE_URL names (kept:
use a scratch database), then times, round by round, what a socket server's database thread
runs: a visitor's message (visitor_message_send with the socket's token and rate limit), the
assigned agent's reply (message_send, as the console's socket sends it), the read marks both
sides send back (conversation_marks_read, written together), and an agent's first reply to a
queued conversation. Per kind: the median and mean time per call and the statements each ran
(deterministic: compare those first) and this process's CPU time per call (its Python,
not PostgreSQL's: less disturbed by other work on the machine than the wall time).
After-commit listeners (publishing) are disconnected unless --with-publish: they are the
console's cost, not this path's.
"""

import argparse
import cProfile
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench")

AGENTS = 20


def setup(conversations: int, queued: int):
    from django.contrib.auth import get_user_model

    from support import services as support_services
    from support.models import AgentProfile, Conversation, Team, Widget

    tag = uuid.uuid4().hex[:8]
    team = Team.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    widget = Widget.objects.create(key=f"bench-{tag}", name="Bench", secret="bench")  # noqa: S106
    pairs, first = [], []
    profiles = []
    for i in range(AGENTS):
        # No password: hashing one costs ~0.3 s.
        user = get_user_model().objects.create_user(username=f"bench-{tag}-{i}", password=None)
        profile = AgentProfile.objects.create(user=user, capacity=conversations + queued)
        profile.teams.set([team])
        profiles.append(profile)
    for i in range(conversations + queued):
        profile = profiles[i % AGENTS]
        user = profile.user
        contact, token = support_services.widget_session_open(widget_key=widget.key)
        conversation, _ = support_services.conversation_start(
            contact=contact, body="Hello, my order did not arrive", client_id=f"first-{i}"
        )
        if i < conversations:
            support_services.message_send(
                conversation=Conversation(pk=conversation.pk),
                sender_type="agent",
                agent=user,
                body="Hi, I'm on it",
                visible_to=profile,
            )
            pairs.append((conversation.pk, contact.pk, token, profile))
        else:
            first.append((conversation.pk, profile))
    return pairs, first


def agent_reply(conversation_id, profile, body):
    """An agent's reply as the console's socket sends it."""
    from support import services as support_services
    from support.models import Conversation

    return support_services.message_send(
        conversation=Conversation(pk=conversation_id),
        sender_type="agent",
        agent=profile.user,
        body=body,
        client_id=uuid.uuid4().hex,
        visible_to=profile,
    )[0]


def steps(pairs, first):
    """(kind, call) in the order a busy server runs them."""
    from support import services as support_services
    from support.models import Conversation

    shared = {}
    for conversation_id, contact_id, token, profile in pairs:
        holder = {}

        def visitor(
            conversation_id=conversation_id, contact_id=contact_id, token=token, holder=holder
        ):
            holder["v"] = support_services.visitor_message_send(
                conversation=Conversation(pk=conversation_id, contact_id=contact_id),
                body=f"where is my order {conversation_id}, it has not arrived yet",
                client_id=f"v-{uuid.uuid4().hex}",
                visitor_token=token,
                rate_limit=True,
            )[0]

        def agent(conversation_id=conversation_id, profile=profile, holder=holder):
            holder["a"] = agent_reply(conversation_id, profile, "Found it, it ships today")

        def marks(conversation_id=conversation_id, contact_id=contact_id, holder=holder):
            # What one batch of a server holds: this conversation's agent mark and the
            # previous one's visitor mark (its "Seen" of the agent's reply).
            batch = [
                {
                    "conversation_id": conversation_id,
                    "contact_id": contact_id,
                    "side": "agent",
                    "up_to": holder["v"].pk,
                }
            ]
            if "previous" in shared:
                batch.append(shared["previous"])
            shared["previous"] = {
                "conversation_id": conversation_id,
                "contact_id": contact_id,
                "side": "visitor",
                "up_to": holder["a"].pk,
            }
            support_services.conversation_marks_read(marks=batch)

        yield "visitor message", visitor
        yield "agent reply", agent
        yield "read marks", marks
    for conversation_id, profile in first:

        def reply(conversation_id=conversation_id, profile=profile):
            agent_reply(conversation_id, profile, "Hello, I'm here")

        yield "first reply", reply


def main():
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from support import events
    from support.models import Message

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--first", type=int, default=200, help="queued conversations")
    parser.add_argument("--with-publish", action="store_true")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of the timed rounds here")
    opts = parser.parse_args()
    if not opts.with_publish:
        for registrations in events._listeners.values():
            registrations[:] = [r for r in registrations if r.in_transaction]
    pairs, first = setup(opts.rounds, opts.first)
    plan = list(steps(pairs, first))
    # Warm: the process caches and the statements' texts, as in a server that has run a while.
    for _kind, call in plan[:6]:
        call()
    plan = plan[6:]
    with CaptureQueriesContext(connection) as queries:
        counts = {}
        for kind, call in plan[:8] + plan[-1:]:
            start = len(queries.captured_queries)
            call()
            if kind not in counts:
                counts[kind] = len(queries.captured_queries) - start
                if opts.show_sql:
                    for query in queries.captured_queries[start:]:
                        print(f"{kind}: {query['sql'][:160]}")
    plan = plan[8:-1]
    times: dict[str, list[float]] = {}
    cpu_times: dict[str, list[float]] = {}
    profiler = cProfile.Profile() if opts.profile else None
    for kind, call in plan:
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        call()
        elapsed = time.perf_counter() - started
        cpu_times.setdefault(kind, []).append(time.process_time() - cpu)
        if profiler:
            profiler.disable()
        times.setdefault(kind, []).append(elapsed)
    if profiler:
        profiler.dump_stats(opts.profile)
    print(
        f"{'kind':<16} {'calls':>6} {'median µs':>10} {'mean µs':>9} {'CPU µs':>7} "
        f"{'statements':>11}"
    )
    for kind, values in times.items():
        print(
            f"{kind:<16} {len(values):>6} {statistics.median(values) * 1e6:>10.0f} "
            f"{statistics.fmean(values) * 1e6:>9.0f} "
            f"{statistics.fmean(cpu_times[kind]) * 1e6:>7.0f} {counts.get(kind, '?'):>11}"
        )
    print(Message.objects.count(), "messages in the database")


if __name__ == "__main__":
    main()
