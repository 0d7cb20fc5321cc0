"""Console fragments: what one live fragment costs to render, from its template and from pieces.

    .venv/bin/python bench/fragments.py                  # 2,000 renders of each, both languages
    .venv/bin/python bench/fragments.py --renders 10000

Every message that changes a conversation renders its header in each console language, and
every message its inbox row and the message fragment (console.realtime). This creates a
throwaway database (`destek_bench_<random>`, as bench/realtime.py does), seeds the demo,
gives the demo's conversation every part of the header (assignee, topic, team, two labels, a
rated comment, the first reply's due time, an order and a table) and an agent's reply, then
times in one process, DEBUG off, each fragment both ways, the template render first (the
baseline):

- header: conversation_header + console/oob_conversation_header.html rendered, against
  conversation_header + live_header_html (the pieces, realtime's form);
- row: inbox_row + console/_inbox_row.html rendered, against inbox_row_html;
- message: console/oob_message.html rendered, against live_message_html;
- notify: console/oob_notify.html rendered (a visitor's message's notification), against
  live_notify_html.

The renders are split into --rounds rounds that go through every form and language in turn
(what else the machine runs weighs on all of them alike); each figure is the process's CPU
time per render in its best round, in µs, per language and for the pair (both languages: what
one live event costs), the median round beside it. Figures are printed, never asserted; the
machine is shared, so compare the two forms of one run.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime as bench

TIME = r"""
import json, statistics, sys, time
from datetime import timedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import timezone, translation

from console.presenters import conversation_header, inbox_row, inbox_row_html, live_header_html
from console.timeline import live_message_html, live_notify_html
from ratings.models import Rating
from support import selectors, services
from support.models import Conversation, Label, Team

opts = json.loads(sys.stdin.read())
assert not settings.DEBUG  # DEBUG renders pieces anew each time
conversation = Conversation.objects.order_by("pk").first()
agent = get_user_model().objects.filter(agent_profile__isnull=False).order_by("pk").first()
reply, _created = services.message_send(
    conversation=conversation, sender_type="agent", agent=agent, body="On its way!\nSorry.",
    client_id="bench-fragments-1",
)
now = timezone.now()
Conversation.objects.filter(pk=conversation.pk).update(
    status="open", assignee=agent, team=Team.objects.order_by("pk").first(), priority="high",
    context_order_id="1042", context_table="7", first_response_at=None,
    first_response_due_at=now + timedelta(minutes=2), queued_at=now,
)
conversation.labels.add(*Label.objects.order_by("pk")[:2])
Rating.objects.create(
    conversation=conversation, current_for=conversation, resolved_at=now, score=4,
    comment="Quick and kind",
)
loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
# As message_send returns it to the publish after commit: its files known, no query.
message = reply
header_template = "console/oob_conversation_header.html"

FORMS = {
    ("header", "template"): lambda: render_to_string(
        header_template, {"header": conversation_header(loaded)}
    ),
    ("header", "pieces"): lambda: live_header_html(conversation_header(loaded)),
    ("row", "template"): lambda: render_to_string(
        "console/_inbox_row.html", {"row": inbox_row(loaded)}
    ),
    ("row", "pieces"): lambda: inbox_row_html(loaded),
    ("message", "template"): lambda: render_to_string(
        "console/oob_message.html", {"message": message, "conversation": loaded}
    ),
    ("message", "pieces"): lambda: live_message_html(message, loaded),
    ("notify", "template"): lambda: render_to_string(
        "console/oob_notify.html", {"kind": "message", "conversation": loaded, "message": message}
    ),
    ("notify", "pieces"): lambda: live_notify_html(message, loaded),
}
rounds, per_round = opts["rounds"], max(1, opts["renders"] // opts["rounds"])
languages = [code for code, _name in settings.LANGUAGES]
cases = [(key, language) for key in FORMS for language in languages]
printed = {}
for (fragment, form), language in cases:
    with translation.override(language):
        first = FORMS[(fragment, form)]()
        assert first == FORMS[(fragment, form)]()  # no state carried between renders
        printed[(fragment, form, language)] = len(first)
# The rounds go through every form and language in turn, so what else the machine runs
# weighs on all of them alike; a round's CPU time (this process's only) per render.
times = {case: [] for case in cases}
for _round in range(rounds):
    for case in cases:
        (fragment, form), language = case
        render = FORMS[(fragment, form)]
        with translation.override(language):
            started = time.process_time()
            for _ in range(per_round):
                render()
            times[case].append((time.process_time() - started) / per_round * 1e6)
results = []
for fragment, form in FORMS:
    row = {"fragment": fragment, "form": form}
    for language in languages:
        row[language] = round(min(times[((fragment, form), language)]), 1)
        row[f"{language}_median"] = round(statistics.median(times[((fragment, form), language)]), 1)
        row[f"{language}_bytes"] = printed[(fragment, form, language)]
    results.append(row)
# The two forms print the same HTML.
for fragment in ("header", "row", "message", "notify"):
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            assert FORMS[(fragment, "template")]() == FORMS[(fragment, "pieces")](), fragment
print(json.dumps({"results": results, "languages": languages}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=2000, help="renders per form and language")
    parser.add_argument("--rounds", type=int, default=20, help="split into this many rounds")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis db number for the stack")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()
    stack = bench.database_stack(redis_db=args.redis_db, prefix="destek-fragments-")
    machine = bench.machine_summary()
    print(
        f"fragments bench: {machine['nproc']} cores ({machine['cpu']}), "
        f"Python {machine['python']}, {args.renders:,} renders per form and language"
    )
    try:
        stack.create_database()
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("seed_demo")
        out = stack.manage(
            "shell",
            "-c",
            TIME,
            stdin=json.dumps({"renders": args.renders, "rounds": args.rounds}),
        )
    finally:
        stack.cleanup()
    timed = json.loads(out.strip().splitlines()[-1])
    languages = timed["languages"]
    columns = "".join(f"{language + ' µs':>10}" for language in languages)
    print(
        f"\n{'fragment':<10}{'form':<10}{columns}{'pair µs':>10}{'median':>8}{'bytes':>8}"
        "  pieces faster"
    )
    pairs = {}
    for row in timed["results"]:
        pair = sum(row[language] for language in languages)
        median = sum(row[f"{language}_median"] for language in languages)
        pairs[(row["fragment"], row["form"])] = pair
        speedup = ""
        if row["form"] == "pieces":
            speedup = f"  {pairs[(row['fragment'], 'template')] / pair:.1f}×"
        times = "".join(f"{row[language]:>10.1f}" for language in languages)
        print(
            f"{row['fragment']:<10}{row['form']:<10}{times}{pair:>10.1f}{median:>8.0f}"
            f"{row[languages[0] + '_bytes']:>8}{speedup}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, **timed}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
