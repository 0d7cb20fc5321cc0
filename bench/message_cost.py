"""PostgreSQL's cost per message under two index sets, side by side in one invocation.

    .venv/bin/python bench/message_cost.py                          # 10,000 conversations
    .venv/bin/python bench/message_cost.py --conversations 100000 --messages 4000
    .venv/bin/python bench/message_cost.py --database NAME          # copies of a kept database
    .venv/bin/python bench/message_cost.py --what-if-no-activity-index   # a third copy

It builds one volume database as bench/volume.py does (or copies a kept one, e.g. from
`volume.py --keep`, migrated by this tree), then makes two copies of it: "new" with this tree's
migrations, "old" migrated back to the support app's previous migration (its index set before
the newest migration). `--what-if-no-activity-index` adds a copy without the indexes holding
`last_message_at` (the inbox would sort without them): how much a HOT update of the
conversation would save, not something the console can run on.

Then, alternating the copies round by round, a fresh process per round writes --messages
messages through the steady-state statement (support.sql.message_insert_locked, each in its own
transaction: BEGIN, the statement, COMMIT, as a socket's send does), a visitor's and an agent's
in turn, into the active conversations. Each round reads its backend's CPU time from
/proc/<pid>/stat (this machine's PostgreSQL), the conversation table's updates and HOT
updates (pg_stat_user_tables) and the index blocks both tables' indexes touched
(pg_statio_user_indexes: a count, free of the machine's noise) around the round; the totals
per copy are printed side by side, then each round's new/old CPU ratio. Other work on the
machine adds noise to CPU time: read the paired ratios, not one figure.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime as bench
import volume

# One round in a fresh process (manage.py shell): write the messages, print the backend's CPU.
ROUND = r"""
import json, sys, time, uuid
from django.db import connection, transaction
from support import sql
from support.models import Conversation, Message
from support.services.conversations import READ_SIDES, message_person_fields
from support.text import search_words

opts = json.loads(sys.stdin.read())
conversation_ids = list(
    Conversation.objects.filter(status__in=("bot", "queued", "open", "pending"))
    .order_by("id").values_list("id", flat=True)[: opts["active"]]
)
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]


def cpu_seconds():
    raw = open(f"/proc/{pid}/stat").read()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / opts["clk_tck"]


def write(count, offset):
    for i in range(count):
        sender = ("visitor", "agent")[i % 2]
        side, other = READ_SIDES[sender]
        body = f"bench message {offset + i}: where is my order, it has not arrived yet"
        message = Message(
            conversation_id=conversation_ids[(offset + i) % len(conversation_ids)],
            sender_type=sender, body=body, search_text=search_words(body),
            client_id=uuid.uuid4().hex, actions=[],
        )
        with transaction.atomic():
            sql.message_insert_locked(
                message=message, visible_to=None, side=side, other=other,
                fields=lambda stored: message_person_fields(message=stored),
            )


write(opts["warmup"], 0)  # the statement prepared, the caches warm
before, started = cpu_seconds(), time.perf_counter()
write(opts["messages"], opts["warmup"])
print(json.dumps({"cpu": cpu_seconds() - before, "wall": time.perf_counter() - started,
                  "conversations": len(conversation_ids)}))
"""

# The conversation table's updates and HOT updates, and the index blocks both tables' indexes
# touched (each index entry written reads its leaf and the pages above it).
TABLE_STATS = (
    "SELECT n_tup_upd, n_tup_hot_upd, (SELECT sum(idx_blks_hit + idx_blks_read) "
    "FROM pg_statio_user_indexes WHERE relname IN ('support_conversation', 'chat_message')) "
    "FROM pg_stat_user_tables WHERE relname = 'support_conversation'"
)
ACTIVITY_INDEXES = (
    "conversation_inbox_idx",
    "conversation_active_inbox_idx",
    "conversation_status_inbox_idx",
)


def previous_support_migration(stack) -> str:
    """The support app's newest migration's parent: the index set before it."""
    out = stack.manage(
        "shell",
        "-c",
        "from django.db.migrations.loader import MigrationLoader; "
        "loader = MigrationLoader(None, ignore_no_migrations=True); "
        "leaf = loader.graph.leaf_nodes('support')[0]; "
        "parents = loader.graph.node_map[leaf].parents; "
        "print([p.key[1] for p in parents if p.key[0] == 'support'][0])",
    )
    return out.strip().splitlines()[-1]


def copy_of(stack, base: str, name: str):
    stack._admin(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
    copy = bench.BenchStack(stack.args, stack.tmp_dir)
    copy.name = name
    copy.database_url = stack.admin_url.rsplit("/", 1)[0] + f"/{name}"
    copy.env = {**stack.env, "DATABASE_URL": copy.database_url}
    copy.database_created = True
    return copy


def index_summary(copy) -> tuple[int, int]:
    rows = copy.query(
        "SELECT relname, count(*) FROM pg_stat_user_indexes "
        "WHERE relname IN ('support_conversation', 'chat_message') GROUP BY relname"
    )
    counts = dict(rows)
    return counts.get("support_conversation", 0), counts.get("chat_message", 0)


def run_round(copy, args) -> dict:
    before = copy.query(TABLE_STATS)[0]
    out = copy.manage(
        "shell",
        "-c",
        ROUND,
        stdin=json.dumps(
            {
                "messages": args.messages,
                "warmup": args.warmup,
                "active": args.active,
                "clk_tck": bench.CLK_TCK,
            }
        ),
    )
    result = json.loads(out.strip().splitlines()[-1])
    # A backend's table counts reach the shared statistics when it exits: wait for them.
    expected = before[0] + args.messages + args.warmup
    for _ in range(50):
        after = copy.query(TABLE_STATS)[0]
        if after[0] >= expected:
            break
        time.sleep(0.1)
    result["updates"] = after[0] - before[0]
    result["hot"] = after[1] - before[1]
    result["index_blocks"] = after[2] - before[2]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--database", help="copy this kept database instead of generating one")
    parser.add_argument("--messages", type=int, default=2000, help="messages timed per round")
    parser.add_argument("--warmup", type=int, default=200, help="messages before timing")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per copy, alternating")
    parser.add_argument("--active", type=int, default=1000, help="active conversations written")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument(
        "--what-if-no-activity-index",
        action="store_true",
        help="a third copy without the indexes holding last_message_at",
    )
    args = parser.parse_args()
    stack = bench.BenchStack(
        bench.parse_args(["--visitors", "10", "--rate", "1", "--redis-db", str(args.redis_db)]),
        Path(tempfile.mkdtemp(prefix="destek-message-cost-")),
    )
    copies = {}
    try:
        if args.database:
            base = args.database
        else:
            volume.volume_database_build(stack, conversations=args.conversations, seed=args.seed)
            base = stack.name
        copies["old"] = copy_of(stack, base, f"{stack.name}_old")
        copies["new"] = copy_of(stack, base, f"{stack.name}_new")
        previous = previous_support_migration(stack)
        copies["new"].manage("migrate", "--noinput", "-v0")
        copies["old"].manage("migrate", "support", previous, "--noinput", "-v0")
        if args.what_if_no_activity_index:
            copies["no activity index"] = copy_of(stack, base, f"{stack.name}_hot")
            copies["no activity index"].manage("migrate", "--noinput", "-v0")
            for index in ACTIVITY_INDEXES:
                copies["no activity index"].query(f'DROP INDEX IF EXISTS "{index}"')
        for copy in copies.values():
            copy.query("VACUUM ANALYZE")
        print(f"old: support migrated back to {previous}; new: this tree's migrations")
        rounds = {label: [] for label in copies}
        for number in range(args.rounds):
            for label, copy in copies.items():
                result = run_round(copy, args)
                rounds[label].append(result)
                print(
                    f"round {number + 1} {label:>17}: "
                    f"{result['cpu'] * 1000 / args.messages:.3f} ms CPU per message, "
                    f"{result['wall'] * 1000 / args.messages:.2f} ms wall, "
                    f"HOT {result['hot']}/{result['updates']}, "
                    f"{result['index_blocks'] / result['updates']:.1f} index blocks per message"
                )
        print()
        print(
            "| index set | conversation / message indexes | PostgreSQL CPU ms per message "
            "(median of rounds; min-max) | wall ms | HOT updates of the conversation "
            "| index blocks touched per message |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for label, results in rounds.items():
            per_message = [r["cpu"] * 1000 / args.messages for r in results]
            wall = statistics.median(r["wall"] * 1000 / args.messages for r in results)
            hot, updates = sum(r["hot"] for r in results), sum(r["updates"] for r in results)
            blocks = sum(r["index_blocks"] for r in results) / max(updates, 1)
            conversation_indexes, message_indexes = index_summary(copies[label])
            print(
                f"| {label} | {conversation_indexes} / {message_indexes} | "
                f"{statistics.median(per_message):.3f} ({min(per_message):.3f}-"
                f"{max(per_message):.3f}) | {wall:.2f} | "
                f"{hot * 100 / max(updates, 1):.0f}% ({hot:,} of {updates:,}) | {blocks:.1f} |"
            )
        # Each round's new/old ratio: the two copies ran seconds apart, on the same machine load.
        ratios = sorted(
            new["cpu"] / old["cpu"] for old, new in zip(rounds["old"], rounds["new"], strict=True)
        )
        print(
            f"\nnew/old CPU per message, round by round: median {statistics.median(ratios):.2f} "
            f"({', '.join(f'{ratio:.2f}' for ratio in ratios)})"
        )
    finally:
        for copy in copies.values():
            stack._admin(f'DROP DATABASE IF EXISTS "{copy.name}" WITH (FORCE)')
        if not args.database:
            stack.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
