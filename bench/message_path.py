"""Where one message's server time goes: each step of the message path, timed in isolation.

    .venv/bin/python bench/message_path.py [--experiment prepared] [-n 300] [--redis-db 9]

Companion of bench/realtime.py (same throwaway PostgreSQL database and Redis namespace, dropped
at the end). It runs in one `manage.py shell` process, single-threaded, with no other load, so
the figures are the floor of each step on this machine: under load the same work also waits for
the GIL, the one database thread of each process and the event loop. "CPU ms" is this
process's CPU time per repetition (PostgreSQL's and Redis's own work not included).
The channel layer's publish is timed separately on a real event loop (in a shell,
`async_to_sync` would start a new loop per call, which daphne does not do).
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime as bench

PROBE = r'''
import asyncio, json, sys, time
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from support.models import Contact, Conversation, Widget
from support import selectors as sel
from chat import realtime, protocol
from console import realtime as console_realtime
from support import services as cs
from support.models import Message

N = int(sys.stdin.read())
rows = []
def timed(label, fn, n=N, note=""):
    for i in range(10):
        fn(i)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i + 10)
    rows.append((label, (time.perf_counter() - started) / n * 1000,
                 (time.process_time() - cpu) / n * 1000, note))

published = []
real_send = realtime.publish
realtime.publish = lambda messages: published.append(len(messages))
widget = Widget.objects.get(key="demo")
agent = get_user_model().objects.get(username="agent")
convs = []
for i in range(50):
    contact = Contact.objects.create(widget=widget)
    conv, _ = cs.conversation_start(contact=contact, body="hello", client_id=f"p{i}")
    convs.append(conv)
seq = [0]
def next_id():
    seq[0] += 1
    return seq[0]
def visitor_send(i):
    cs.message_send(conversation=convs[i % 50], sender_type="visitor", body=f"b {i}",
                    client_id=f"v{next_id()}")
def agent_send(i):
    cs.message_send(conversation=convs[i % 50], sender_type="agent", agent=agent,
                    body=f"b {i}", client_id=f"a{next_id()}")

agent_send(0)  # first agent replies assign the conversations: later ones are steady state
for i in range(50):
    agent_send(i)
with CaptureQueriesContext(connection) as q:
    visitor_send(1)
visitor_queries = [x["sql"][:60] for x in q.captured_queries]
with CaptureQueriesContext(connection) as q:
    agent_send(1)
agent_queries = [x["sql"][:60] for x in q.captured_queries]

timed("visitor message_send, whole (publish stubbed)", visitor_send)
from support.identity import visitor_token_issue
tokens = [
    visitor_token_issue(contact_id=c.contact_id, widget_id=widget.pk,
                        token_version=c.contact.token_version)
    for c in convs
]
def visitor_socket_send(i):
    # As the socket sends it: the token is checked against the rows message_send locks.
    cs.visitor_message_send(conversation=convs[i % 50], body=f"b {i}", client_id=f"w{next_id()}",
                            visitor_token=tokens[i % 50])
with CaptureQueriesContext(connection) as q:
    visitor_socket_send(0)
socket_queries = [x["sql"][:60] for x in q.captured_queries]
timed("visitor_message_send, as the widget sends (publish stubbed)", visitor_socket_send,
      note=f"{len(socket_queries)} queries")
timed("agent message_send, whole (publish stubbed)", agent_send)
created, console_created = realtime.message_created, console_realtime.message_created
realtime.message_created = console_realtime.message_created = lambda **kw: None
timed("  visitor message_send: the transaction alone", visitor_send,
      note="BEGIN, lock (+ inbox-row joins), INSERT … ON CONFLICT, rules, UPDATE, COMMIT")
realtime.message_created, console_realtime.message_created = created, console_created
mid = (
    Message.objects.filter(sender_type="visitor").order_by("-id").values_list("id", flat=True)
).first()
cid = Message.objects.get(pk=mid).conversation_id
held_message = Message.objects.select_related("sender_agent__agent_profile").get(pk=mid)
held_conversation = Conversation.objects.select_related(*cs.INBOX_ROW_RELATED).get(pk=cid)
sel.conversation_inbox_relations_fill(held_conversation)
# The two largest items inside the transaction, alone (inside one transaction, so the row
# lock is taken and re-taken, never waited for): the ORM forms message_send used before
# session 4, and the fixed-shape statements when this tree has them.
from django.db import transaction
from support import orm as support_orm
try:
    from support import sql as support_sql
except ImportError:  # a tree before support/sql.py fenced the statements
    support_sql = support_orm
lock_fixed = getattr(sel, "conversation_lock_for_message", None)
fields_save = getattr(support_sql, "fields_save", None)
conv_ids = [c.pk for c in convs]
def orm_lock(i):
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related(*cs.INBOX_ROW_RELATED)
        .annotate(has_labels=sel.conversation_has_labels())
        .get(pk=conv_ids[i % 50])
    )
update_fields = ["last_message_at", "last_message_preview", "visitor_last_read_id",
                 "visitor_unread_count", "agent_unread_count"]
with transaction.atomic():
    timed("  the lock, ORM (select_for_update … get)", orm_lock)
    if lock_fixed is not None:
        timed("  the lock, fixed SQL (conversation_lock_for_message)",
              lambda i: lock_fixed(conversation_id=conv_ids[i % 50]))
    held = [orm_lock(i) for i in range(50)]
    def orm_update(i):
        held[i % 50].agent_unread_count += 1
        held[i % 50].save(update_fields=update_fields)
    timed("  conversation UPDATE, ORM (save(update_fields=5 fields))", orm_update)
    if fields_save is not None:
        def fixed_update(i):
            held[i % 50].agent_unread_count += 1
            fields_save(instance=held[i % 50], fields=update_fields)
        timed("  conversation UPDATE, fixed SQL (fields_save)", fixed_update)
    transaction.set_rollback(True)
timed("  realtime.message_created, visitor and console (no query, 2 renders)",
      lambda i: (created(message=held_message, conversation=held_conversation),
                 console_created(message=held_message, conversation=held_conversation)))
timed("    conversation_get_for_inbox_row (off the message path now)",
      lambda i: sel.conversation_get_for_inbox_row(conversation_id=cid))
# Its query as _one_for_row builds it (topic, team, assignee come from the process copies).
qs = Conversation.objects.filter(pk=cid).select_related(*cs.INBOX_ROW_RELATED).annotate(
    has_labels=sel.conversation_has_labels())
timed("      its SQL compilation", lambda i: qs.all()[:1].query.sql_with_params())
sql, params = qs.all()[:1].query.sql_with_params()
def raw(i):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        cur.fetchall()
timed("      its execution (round trip)", raw)
with connection.cursor() as cur:
    cur.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params)
    plan = [r[0] for r in cur.fetchall()]
planning = next((p for p in plan if p.startswith("Planning Time")), "")
execution = next((p for p in plan if p.startswith("Execution Time")), "")
rows.append(("        PostgreSQL " + planning.lower() + ", " + execution.lower(), None, None, ""))
timed("    Message re-fetch (off the message path now)", lambda i: Message.objects.select_related(
    "conversation", "sender_agent__agent_profile").filter(pk=mid).first())
message = Message.objects.select_related("conversation", "sender_agent__agent_profile").get(pk=mid)
conversation = sel.conversation_get_for_inbox_row(conversation_id=cid)
timed("    render oob_message.html", lambda i: render_to_string(
    "console/oob_message.html", {"message": message, "conversation": conversation}))
timed("    render oob_inbox_row.html", lambda i: render_to_string(
    "console/oob_inbox_row.html", {"conversation": conversation}))
timed("    protocol.message_to_dict", lambda i: protocol.message_to_dict(message))
contact = convs[0].contact
timed("consumer: conversation_get_for_contact (each frame)",
      lambda i: sel.conversation_get_for_contact(contact=contact, conversation_id=convs[0].pk))
def select_one(i):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchall()
timed("floor: SELECT 1 through Django's cursor", select_one)

# The same write as one statement: what a hand-written hot path costs in the database.
ONE_STATEMENT = """
WITH conv AS (SELECT id FROM support_conversation WHERE id = %(c)s FOR UPDATE),
ins AS (
  INSERT INTO chat_message (conversation_id, sender_type, body, search_text, client_id, actions,
    created_at)
  SELECT id, 'visitor', %(b)s, %(b)s, %(k)s, '[]'::jsonb, now() FROM conv
  ON CONFLICT (conversation_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
  RETURNING id, created_at
),
upd AS (
  UPDATE support_conversation c SET last_message_at = ins.created_at,
    last_message_preview = left(%(b)s, 140), visitor_last_read_id = ins.id
  FROM ins WHERE c.id = %(c)s RETURNING c.id
)
SELECT ins.id FROM ins
"""
def one_statement(i):
    with connection.cursor() as cur:
        cur.execute(ONE_STATEMENT, {"c": convs[i % 50].pk, "b": f"raw {i}", "k": f"r{next_id()}"})
        cur.fetchall()
timed("prototype: the visitor write as one SQL statement", one_statement,
      note="lock + idempotent insert + conversation update, autocommit")

# Built here: message_to_dict reads the message's files, which async code may not.
frame = {"type": "message.new", "message": protocol.message_to_dict(message)}
event = {"type": "visitor.frame", "frame": frame}
html = {"type": "console.html", "html": render_to_string(
    "console/oob_message.html", {"message": message, "conversation": conversation})}
async def publish_floor():
    layer = get_channel_layer()
    groups = [("visitor.1", event), ("console.conversation.1", html),
              ("console.supervisors", html), ("console.unrouted", html)]
    for _ in range(20):
        await asyncio.gather(*(layer.group_send(g, e) for g, e in groups))
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(N):
        await asyncio.gather(*(layer.group_send(g, e) for g, e in groups))
    return (time.perf_counter() - started) / N * 1000, (time.process_time() - cpu) / N * 1000
rows.append(("channel layer: the 4 group_send of one message", *asyncio.run(publish_floor()),
             type(get_channel_layer()).__name__))

async def receive_floor():
    """One group message into a consumer's receive(): the Redis reader, the reply parser
    (hiredis when installed), msgpack, the channel's queue. Another process publishes, so only
    the receiving side's CPU is counted."""
    import subprocess
    from redis.utils import HIREDIS_AVAILABLE
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("probe.receive", channel)
    inner = layer._get_layer()
    name = inner._get_group_channel_name("probe.receive")
    shard = inner._get_shard(name)
    publisher = subprocess.Popen([sys.executable, "-c", (
        "import redis, sys\n"
        "r = redis.Redis.from_url(sys.argv[1]); p = r.pipeline(transaction=False)\n"
        "payload = bytes.fromhex(sys.argv[3])\n"
        "for i in range(int(sys.argv[4])):\n"
        "    p.publish(sys.argv[2], payload)\n"
        "    if i % 50 == 49: p.execute()\n"
        "p.execute()\n"
    ), shard.host["address"], name, layer.serialize(html).hex(), str(N + 20)])
    for _ in range(20):
        await layer.receive(channel)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(N):
        await layer.receive(channel)
    elapsed = (time.perf_counter() - started) / N * 1000, (time.process_time() - cpu) / N * 1000
    publisher.wait()
    await layer.group_discard("probe.receive", channel)
    return (*elapsed, f"hiredis {'on' if HIREDIS_AVAILABLE else 'off'}")
if hasattr(get_channel_layer(), "_get_layer"):  # the pub/sub layer (--layer pubsub)
    rows.append(("channel layer: one group message received", *asyncio.run(receive_floor())))
print(json.dumps(
    {"rows": rows, "visitor_queries": visitor_queries, "agent_queries": agent_queries,
     "visitor_message_send_queries": socket_queries}
))
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300, help="repetitions per step")
    parser.add_argument("--layer", choices=("pubsub", "core"), default="pubsub")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--experiment", action="append", choices=("pool", "prepared"))
    args = parser.parse_args()
    # The stack wants realtime.py's flags; only the ones that shape the environment matter.
    stack_args = bench.parse_args(
        ["--layer", args.layer, "--visitors", "10", "--rate", "1", "--redis-db", str(args.redis_db)]
    )
    stack_args.experiment = args.experiment
    machine = bench.machine_summary()
    print(
        f"message path probe: {machine['nproc']} cores ({machine['cpu']}), Python "
        f"{machine['python']}, layer {args.layer}, experiments {args.experiment or 'none'}"
    )
    stack = bench.BenchStack(stack_args, Path(tempfile.mkdtemp(prefix="destek-probe-")))
    try:
        stack.create_database()
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("seed_demo")
        out = stack.manage("shell", "-c", PROBE, stdin=str(args.n))
        data = json.loads(out.strip().splitlines()[-1])
    finally:
        stack.cleanup()
    print(f"\n{'step':<62}{'ms':>8}{'CPU ms':>8}")
    for label, ms, cpu_ms, note in data["rows"]:
        value = f"{ms:8.3f}{cpu_ms:8.3f}" if ms is not None else " " * 16
        print(f"{label:<62}{value}  {note}")
    for kind, label in (
        ("visitor", "visitor message_send"),
        ("agent", "agent message_send"),
        ("visitor_message_send", "visitor_message_send"),
    ):
        queries = data[f"{kind}_queries"]
        print(f"\n{label}: {len(queries)} queries")
        for sql in queries:
            print(f"  {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
