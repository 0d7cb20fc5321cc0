"""Data-volume benchmark: the console's pages at 100,000 conversations and 1,000,000 messages.

    .venv/bin/python bench/volume.py                        # generate, time, drop (~3-6 min)
    .venv/bin/python bench/volume.py --keep                 # keep the database, print its name
    .venv/bin/python bench/volume.py --database NAME        # time again on a kept database
    .venv/bin/python bench/volume.py --conversations 10000  # a smaller, faster run
    .venv/bin/python bench/volume.py --database NAME --profile "50+"  # and cProfile that page

It creates a throwaway PostgreSQL database (`destek_bench_<random>`, dropped at the end unless
--keep), migrates it, seeds the demo, then fills it with COPY (psycopg's `cursor.copy`):
contacts, conversations of realistic shape (a year of history, ~93% resolved, topics/teams,
assignees, priorities, ratings) and their messages, with ids in time order as in production
and every denormalised column (last message, unread counts, read marks) consistent.
Columns the generator does not know (added by later migrations) get their model default.

Then, in a fresh process, it times with Django's test client (whole view: middleware, queries,
template) and prints p50/p90 over --repeats runs and the query count of each, and the p50 with
every inbox row rendered anew ("rows new": the process renders each distinct row once):
the inbox views (agent and supervisor), the conversation page (typical and long thread),
and, when those modules are present in the tree, search and the report page.
Targets (issue 5): inbox <= 30 ms and <= 12 queries, conversation page <= 30 ms,
search <= 100 ms, reports <= 1 s. Figures are printed, never asserted.
"""

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime as bench

GENERATE = r'''
import json, random, sys, time
from datetime import timedelta
from django.db import connection, models
from django.utils import timezone
from django.contrib.auth import get_user_model
from support.models import Message
from ratings.models import Rating
from support.models import AgentProfile, Contact, Conversation, Team, Topic, Widget
try:
    from support.text import search_words
except ImportError:  # a tree without search
    search_words = None

opts = json.loads(sys.stdin.read())
rng = random.Random(opts["seed"])
N_CONV = opts["conversations"]
N_CONTACTS = max(1, int(N_CONV * 0.7))
started = time.perf_counter()
now = timezone.now()

# A realistic team: 30 agents over the seeded teams (plus the demo agent and supervisor).
User = get_user_model()
teams = list(Team.objects.all())
topics = list(Topic.objects.select_related("team"))
for i in range(30):
    user = User.objects.create(username=f"bench-agent-{i}")
    profile = AgentProfile.objects.create(user=user, display_name=f"Agent {i}")
    profile.teams.set(rng.sample(teams, k=rng.randint(1, len(teams))))
agents_by_team = {
    team.pk: list(team.agents.values_list("user_id", flat=True)) for team in teams
}
all_agents = list(AgentProfile.objects.values_list("user_id", flat=True))
widget = Widget.objects.get(key="demo")


def prepared(model, provided):
    """Every concrete column: the value given, else the model default, as COPY text wants."""
    columns, makers = [], []
    for field in model._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        if field.primary_key and field.name not in provided:
            continue  # the sequence numbers it
        columns.append(field.column)
        if field.name in provided or field.attname in provided:
            key = field.name if field.name in provided else field.attname
            makers.append((key, None))
        else:
            default = field.get_default()
            if isinstance(field, models.JSONField):
                default = json.dumps(default if default is not None else None)
            elif default is None and not field.null:
                if isinstance(field, (models.DateTimeField,)):
                    default = now
                elif isinstance(field, (models.CharField, models.TextField)):
                    default = ""
                elif isinstance(field, models.BooleanField):
                    default = False
                elif isinstance(field, (models.IntegerField, models.FloatField)):
                    default = 0
            makers.append((None, default))
    return columns, makers


def copy_rows(model, provided_keys, rows):
    columns, makers = prepared(model, set(provided_keys))
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [row[key] if key is not None else default for key, default in makers]
                )
                count += 1
    return count


def next_id(model):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0] + 1


FIRST = ["Ayşe", "Mehmet", "Elif", "Can", "Zeynep", "Emre", "Deniz", "Ali", "Ece", "Burak",
         "Maria", "John", "Anna", "Lukas", "Sofia", "Omar", "Yuki", "Lena", "Paul", "Nora"]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Smith", "Müller", "Rossi", "Öztürk", "Arslan"]
VISITOR = ["Merhaba, ödemem iki kez çekildi", "I can't log in to my account",
           "Siparişim nerede? Takip numarası çalışmıyor", "How do I change my invoice address?",
           "Kartım reddedildi ama para hesabımdan çıktı", "The app crashes when I open settings",
           "İade talebim ne durumda?", "Can I upgrade my plan mid-month?", "Teşekkürler!",
           "Şifremi sıfırlama e-postası gelmiyor", "Is there a discount for annual billing?",
           "Tamam, deniyorum", "It works now, thanks a lot", "Hâlâ aynı hata çıkıyor"]
AGENT = ["Merhaba, hemen kontrol ediyorum.", "Could you send me your order number?",
         "İadeniz bugün işleme alındı, 3-5 iş günü içinde hesabınızda olur.",
         "I've reset your session, please try again.", "Başka bir konuda yardımcı olabilir miyim?",
         "Thanks for your patience, our team fixed the issue.",
         "Ekran görüntüsü paylaşabilir misiniz?",
         "Your plan has been upgraded; the difference is prorated."]

# Contacts.
contact_start = next_id(Contact)
HAS_SEARCH = search_words is not None and hasattr(Message, "search_text")


def contacts():
    for i in range(N_CONTACTS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        identified = rng.random() < 0.3
        row = {
            "id": contact_start + i, "widget_id": widget.pk,
            "external_id": f"user-{i}" if identified else "", "identified": identified,
            "name": f"{first} {last}" if rng.random() < 0.6 else "",
            "email": f"{first.lower()}.{i}@example.com" if rng.random() < 0.5 else "",
            "locale": rng.choice(["tr", "tr-TR", "en", "en-US", "de"]),
            "created_at": now - timedelta(days=400 * rng.random()),
            "last_seen_at": now - timedelta(days=30 * rng.random()),
        }
        if HAS_SEARCH:
            row["search_text"] = search_words(row["name"], row["email"], row["external_id"])
        yield row
contact_keys = ["id", "widget_id", "external_id", "identified", "name", "email", "locale",
                "created_at", "last_seen_at"] + (["search_text"] if HAS_SEARCH else [])
copy_rows(Contact, contact_keys, contacts())
t_contacts = time.perf_counter() - started

folded = {body: search_words(body) for body in VISITOR + AGENT} if HAS_SEARCH else {}

# Conversations and their messages, generated together so the denormalised columns agree.
conv_start = next_id(Conversation)
msg_start = next_id(Message)
Status = Conversation.Status
conversations, messages, ratings = [], [], []
msg_id = msg_start
span = timedelta(days=365)


def seconds(end, start):
    return int((end - start).total_seconds()) if end else None


created = sorted(now - span * rng.random() ** 1.3 for _ in range(N_CONV))
for i, created_at in enumerate(created):
    cid = conv_start + i
    age_days = (now - created_at).days
    r = rng.random()
    if age_days <= 2 and r < 0.5:
        status = rng.choice([Status.OPEN, Status.OPEN, Status.QUEUED, Status.PENDING, Status.BOT])
    elif r < 0.055:
        status = rng.choice(
            [Status.OPEN, Status.OPEN, Status.QUEUED, Status.PENDING, Status.PENDING]
        )
    else:
        status = Status.RESOLVED
    topic = rng.choice(topics) if rng.random() < 0.8 else None
    team_id = topic.team_id if topic else None
    assignee = None
    if status in (Status.OPEN, Status.PENDING, Status.RESOLVED):
        pool = agents_by_team.get(team_id) or all_agents
        assignee = rng.choice(pool)
    p = rng.random()
    priority = "urgent" if p < 0.02 else "high" if p < 0.10 else "low" if p < 0.15 else "normal"
    k = rng.random()
    count = (
        rng.randint(2, 10) if k < 0.7 else rng.randint(10, 25) if k < 0.95 else rng.randint(25, 60)
    )
    at = created_at
    first_response = None
    senders = []
    for m in range(count):
        if m == 0:
            sender = "visitor"
        elif status == Status.BOT and m < 3:
            sender = "bot"
        else:
            sender = "agent" if (m % 2 == 1 and assignee) else "visitor"
        at = at + timedelta(seconds=rng.randint(5, 600))
        body = rng.choice(VISITOR if sender == "visitor" else AGENT)
        if sender == "agent" and first_response is None:
            first_response = at
        messages.append({
            "id": msg_id, "conversation_id": cid, "sender_type": sender,
            "sender_agent_id": assignee if sender == "agent" else None, "body": body,
            "client_id": f"c{msg_id}" if sender in ("visitor", "agent") else None,
            "actions": "[]", "created_at": at,
        })
        if HAS_SEARCH:
            messages[-1]["search_text"] = folded[body]
        senders.append((msg_id, sender))
        msg_id += 1
    last_id, last_body, last_at = senders[-1][0], messages[-1]["body"], at
    # Read state: resolved threads are read; open ones may end with unread visitor messages.
    unread_agent = 0
    if status != Status.RESOLVED:
        for mid, sender in reversed(senders):
            if sender != "visitor" or unread_agent >= rng.randint(0, 3):
                break
            unread_agent += 1
    agent_read = last_id - unread_agent
    resolved_at = None
    if status == Status.RESOLVED:
        resolved_at = last_at + timedelta(minutes=rng.randint(1, 60))
    conversations.append({
        "id": cid, "contact_id": contact_start + rng.randrange(N_CONTACTS), "status": status,
        "topic_id": topic.pk if topic else None, "team_id": team_id, "assignee_id": assignee,
        "priority": priority, "created_at": created_at,
        "queued_at": created_at if status != Status.BOT else None,
        "last_message_at": last_at, "last_message_preview": last_body[:140],
        "first_response_at": first_response, "resolved_at": resolved_at,
        "visitor_last_read_id": last_id, "agent_last_read_id": agent_read,
        "agent_unread_count": unread_agent, "visitor_unread_count": 0,
        # The report's stamped durations (support.services stamps them as things happen);
        # business seconds are taken equal to wall-clock here: same shape, same query cost.
        "first_response_seconds": seconds(first_response, created_at),
        "first_response_business_seconds": seconds(first_response, created_at),
        "resolution_seconds": seconds(resolved_at, created_at),
        "resolution_business_seconds": seconds(resolved_at, created_at),
    })
    if status == Status.RESOLVED and rng.random() < 0.3:
        ratings.append({"conversation_id": cid, "score": rng.choice([5, 5, 5, 4, 4, 3, 2, 1]),
                        "comment": "", "created_at": resolved_at, "updated_at": resolved_at})
t_build = time.perf_counter() - started
n_conv = copy_rows(Conversation, list(conversations[0]), conversations)
del conversations
n_msg = copy_rows(Message, list(messages[0]), messages)
del messages
n_rating = copy_rows(Rating, list(ratings[0]), ratings) if ratings else 0
t_copy = time.perf_counter() - started
with connection.cursor() as cursor:
    for model in (Contact, Conversation, Message, Rating):
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"(SELECT MAX(id) FROM \"{table}\"))"
        )
    # VACUUM too, as autovacuum would have by the time anyone opens the console: it sets the
    # visibility map, without which index-only scans (the inbox tab counts) read the heap.
    cursor.execute("VACUUM ANALYZE")
t_total = time.perf_counter() - started
print(json.dumps({
    "contacts": N_CONTACTS, "conversations": n_conv, "messages": n_msg, "ratings": n_rating,
    "seconds": {"contacts": round(t_contacts, 1),
                "generate_in_python": round(t_build - t_contacts, 1),
                "copy": round(t_copy - t_build, 1), "vacuum_analyze": round(t_total - t_copy, 1),
                "total": round(t_total, 1)},
}))
'''

TIME = r"""
import cProfile, importlib, inspect, io, json, pstats, statistics, sys, time
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.contrib.auth import get_user_model
from support.models import Conversation
from django.db.models import Count

opts = json.loads(sys.stdin.read())
REPEATS = opts["repeats"]
settings.ALLOWED_HOSTS = ["*"]
User = get_user_model()
rows = []
profiles = {}


def client_for(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


try:  # inbox rows rendered once per process (console.presenters), if this tree has it
    from console.presenters import _row_html
except ImportError:
    _row_html = None


def timed_runs(fn, before=None):
    times = []
    for _ in range(REPEATS):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(label, fn, note=""):
    for _ in range(3):
        fn()
    # Every row rendered anew, as when every conversation on the page changed since the
    # agent's last page (the process's other copies stay warm).
    cold = timed_runs(fn, _row_html.cache_clear) if _row_html is not None else None
    times = timed_runs(fn)
    with CaptureQueriesContext(connection) as queries:
        fn()
    times.sort()
    rows.append({"label": label, "p50": statistics.median(times),
                 "p50_rows_rendered": statistics.median(cold) if cold else None,
                 "p90": times[int(len(times) * 0.9) - 1] if len(times) >= 10 else max(times),
                 "queries": len(queries), "note": note})
    if opts["profile"] and opts["profile"] in label:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [fn() for _ in range(REPEATS)])
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        profiles[label] = text.getvalue()


def get(client, url):
    def fn():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response
    return fn


agent = client_for("agent")
supervisor = client_for("supervisor")
inbox = reverse("console:inbox")
measure("inbox: agent, mine (active)", get(agent, inbox + "?view=mine"))
measure("inbox: agent, unassigned queue", get(agent, inbox + "?view=unassigned"))
measure("inbox: agent, my teams", get(agent, inbox + "?view=teams"))
measure("inbox: supervisor, all active", get(supervisor, inbox + "?view=all"))
measure("inbox: supervisor, all resolved", get(supervisor, inbox + "?view=all&status=resolved"))
measure("inbox counts (polled fragment)", get(supervisor, reverse("console:inbox_counts")))

active = Conversation.objects.exclude(status="resolved")
typical = (active.annotate(n=Count("messages")).filter(n__gte=8, n__lte=12).order_by("-id")
           .values_list("id", flat=True).first())
longest = (Conversation.objects.annotate(n=Count("messages")).filter(n__gte=50).order_by("-id")
           .values_list("id", flat=True).first())
measure("conversation page: ~10 messages",
        get(supervisor, reverse("console:conversation", args=[typical])))
measure("conversation page: 50+ messages",
        get(supervisor, reverse("console:conversation", args=[longest])))

# Search and reports: timed when the tree has them (other branches build them).
missing = []
for label, url_name, query in opts["optional_pages"]:
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        missing.append(label)
        continue
    try:
        measure(label, get(supervisor, url + query))
    except AssertionError as error:
        missing.append(f"{label} (failed: {error})")
print(json.dumps({"rows": rows, "missing": missing, "profiles": profiles}))
"""

# (label, URL name, query string): pages timed only when they exist in the tree.
OPTIONAL_PAGES = [
    ("search: a common word", "console:search", "?q=iade"),
    ("search: a rare phrase", "console:search", "?q=invoice+address"),
    ("reports: last 30 days", "console:reports", ""),
    (
        "reports: last 365 days",
        "console:reports",
        f"?start={date.today() - timedelta(days=365)}&end={date.today()}",
    ),
]

TARGETS = {
    "inbox": (30, 12),
    "conversation": (30, None),
    "search": (100, None),
    "reports": (1000, None),
}


def volume_database_build(stack, *, conversations: int, seed: int) -> dict:
    """Create the stack's database, migrate and seed it, fill it with the generator; what
    it generated."""
    started = time.perf_counter()
    stack.create_database()
    stack.manage("migrate", "--noinput", "-v0")
    stack.manage("seed_demo")
    took = time.perf_counter() - started
    print(f"database {stack.name}: migrated and seeded in {took:.0f} s")
    out = stack.manage(
        "shell",
        "-c",
        GENERATE,
        stdin=json.dumps({"conversations": conversations, "seed": seed}),
    )
    generated = json.loads(out.strip().splitlines()[-1])
    print(
        f"generated {generated['contacts']:,} contacts, {generated['conversations']:,} "
        f"conversations, {generated['messages']:,} messages, {generated['ratings']:,} "
        f"ratings in {generated['seconds']['total']} s {generated['seconds']}"
    )
    return generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per page")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="time an existing (kept) database; no generation")
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis db number for the stack")
    parser.add_argument(
        "--profile",
        metavar="LABEL",
        help="cProfile the pages whose label contains LABEL (after timing them; printed)",
    )
    args = parser.parse_args()
    machine = bench.machine_summary()
    print(
        f"volume bench: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}"
    )
    stack = bench.database_stack(redis_db=args.redis_db, prefix="destek-volume-")
    result = {"machine": machine}
    try:
        if args.database:
            stack.name = args.database
            stack.database_url = stack.admin_url.rsplit("/", 1)[0] + f"/{args.database}"
            stack.env["DATABASE_URL"] = stack.database_url
        else:
            result["generated"] = volume_database_build(
                stack, conversations=args.conversations, seed=args.seed
            )
        size = stack.query("SELECT pg_size_pretty(pg_database_size(current_database()))")[0][0]
        print(f"database size: {size}")
        out = stack.manage(
            "shell",
            "-c",
            TIME,
            stdin=json.dumps(
                {
                    "repeats": args.repeats,
                    "optional_pages": OPTIONAL_PAGES,
                    "profile": args.profile,
                }
            ),
        )
        timed = json.loads(out.strip().splitlines()[-1])
        result.update(timed)
    finally:
        if args.keep or args.database:
            print(f'kept database {stack.name} (drop it with DROP DATABASE "{stack.name}")')
            stack.database_created = False
        stack.cleanup()
    header = (
        f"{'page (whole view, test client)':<44}{'p50 ms':>9}{'p90 ms':>9}{'queries':>9}"
        f"{'rows new':>10}"
    )
    print(f"\n{header}  target")
    for row in result["rows"]:
        kind = row["label"].split(":")[0].split(" ")[0]
        target = TARGETS.get(kind)
        verdict = ""
        if target:
            ms, queries = target
            ok = row["p50"] <= ms and (queries is None or row["queries"] <= queries)
            verdict = f"<= {ms} ms" + (f", <= {queries} q" if queries else "")
            verdict += "  ok" if ok else "  MISS"
        cold = row.get("p50_rows_rendered")
        cold = f"{cold:10.1f}" if cold is not None else f"{'-':>10}"
        print(
            f"{row['label']:<44}{row['p50']:9.1f}{row['p90']:9.1f}{row['queries']:9d}{cold}"
            f"  {verdict}"
        )
    for label in result.get("missing", []):
        print(f"{label:<44}{'not in this tree':>27}")
    for label, text in result.get("profiles", {}).items():
        print(f"\ncProfile of {label!r}, {args.repeats} requests:\n{text}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
