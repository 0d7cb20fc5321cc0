"""Everything a visitor can type or send (name, phone, attributes, device fields, message
bodies, file names) is rendered escaped in the console pages and fragments, the socket
fragments, the admin, the e-mails the visitor receives (with an agent's name and words beside
them) and the exports; the widget's own rendering is driven in a browser
(tests/browser/test_xss_widget.py). Each payload carries the marker "xss"; the pages are parsed,
and no element, event handler, javascript: URL or htmx attribute may come out of visitor text.
"""

import csv
import io
import json
import zipfile
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chat import attachments as attachment_services
from chat import realtime
from console import realtime as console_realtime
from emails import services as email_services
from support import selectors as support_selectors
from support import services as support_services
from support.models import Contact
from tests import factories
from tests.chat import corpus

from .world import build_world

pytestmark = pytest.mark.django_db

CORPUS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1) data-xss>',
    "'><svg data-xss onload=alert(1)>",
    "</textarea></title></script><script>alert('xss')</script>",
    '<a href="javascript:alert(1)" data-xss>click</a>',
    "javascript:alert('xss')",
    '" onmouseover="alert(1)" data-xss="',
    "' onfocus='alert(1)' autofocus data-xss='",
    '<div hx-get="/xss" hx-trigger="load">xss</div>',
    "<style>body{background:url(xss)}</style>",
    "<iframe src='//evil.example/xss'></iframe>",
    "{{ xss }}{% debug %}<!--xss-->",
    "<math data-xss><mtext><table><mglyph><img src=x onerror=alert('xss')>",
    "<object data='javascript:alert(1)' data-xss></object>",
]
PAYLOAD = " ".join(CORPUS)

URL_ATTRIBUTES = {"src", "href", "data", "srcdoc", "action", "srcset"}
DANGEROUS_TAGS = {"script", "style", "iframe", "img", "svg", "object", "embed", "math", "a"}


class Injected(HTMLParser):
    """Collects elements and attributes that could only come from an unescaped payload."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._tag = None

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        for name, value in attrs:
            value = value or ""
            if name == "data-xss" or (name.startswith("on") and "alert" in value):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name.startswith("hx-") and "xss" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
            # alt/title text holding escaped visitor words is fine; a URL to it is not.
            if tag in DANGEROUS_TAGS and name in URL_ATTRIBUTES and "xss" in value:
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if self._tag in ("script", "style") and "xss" in data:
            self.found.append(f"<{self._tag}>{data[:40]}")

    def handle_endtag(self, tag):
        self._tag = None


def injected(html: str) -> list[str]:
    parser = Injected()
    parser.feed(html)
    return parser.found


def hostile_world():
    device = {
        "platform": PAYLOAD[:500],
        "os": "<script>alert('xss')</script>",
        "model": '"><img src=x onerror=alert(1) data-xss>',
        "url": "javascript:alert('xss')",
        "user_agent": PAYLOAD[:500],
        "locale": "<b>xss",
    }
    contact = {
        "name": "<script>alert('xss')</script>"[:191],
        "email": "visitor-xss@example.com",
        "phone": '"><svg data-xss onload=1>'[:64],
        "attributes": {
            "<img src=x onerror=alert(1) data-xss>": "<script>alert('xss')</script>",
            "plan": '" onmouseover="alert(1)" data-xss="',
        },
    }
    world = build_world(body=PAYLOAD, contact_data=contact, device=device)
    for payload in CORPUS:
        factories.message(conversation=world.conversation, body=payload)
    hostile_file = attachment_services.attachment_upload(
        conversation=world.conversation,
        uploaded_file=SimpleUploadedFile(
            '"><img src=x onerror=alert(1) data-xss>.png', corpus.png()
        ),
        uploader_type="visitor",
    )
    support_services.visitor_message_send(
        conversation=world.conversation,
        body="<script>alert('xss')</script>",
        client_id="hostile-file",
        attachments=[hostile_file.pk],
    )
    return world


def test_the_corpus_is_caught_when_not_escaped():
    """The checker itself: every payload, pasted raw, is found."""
    for payload in CORPUS:
        if payload.startswith(("javascript:", "{{")):
            continue  # harmless as text; only dangerous inside an attribute (checked below)
        contexts = (f"<p>{payload}</p>", f'<p title="{payload}">', f"<p title='{payload}'>")
        assert any(injected(html) for html in contexts), payload
    assert injected("<a href=\"javascript:alert('xss')\">x</a>")


def console_pages(client, world) -> dict[str, str]:
    client.force_login(world.users["supervisor"])
    conversation = world.conversation
    urls = {
        "inbox": reverse("console:inbox") + "?view=all",
        "inbox fragment": reverse("console:inbox") + "?view=all",
        "conversation": reverse("console:conversation", args=[conversation.pk]),
        "contact panel": reverse("console:contact_edit", args=[conversation.pk]) + "?edit=1",
        "earlier messages": reverse("console:conversation_messages_earlier", args=[conversation.pk])
        + f"?before={10**9}",
        "search": reverse("console:search") + "?q=xss",
        "search contacts": reverse("console:search") + "?q=script",
    }
    pages = {}
    for label, url in urls.items():
        htmx = {"HTTP_HX_REQUEST": "true"} if label != "inbox" and label != "conversation" else {}
        response = client.get(url, **htmx)
        assert response.status_code == 200, (label, response.status_code)
        pages[label] = response.content.decode()
    return pages


def test_console_pages_and_fragments_escape_visitor_text(client):
    world = hostile_world()

    pages = console_pages(client, world)

    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in pages["conversation"]
    for label, html in pages.items():
        assert injected(html) == [], label


def test_socket_fragments_escape_visitor_text(monkeypatch):
    world = hostile_world()
    sent = []
    monkeypatch.setattr(realtime, "publish", sent.extend)
    message = factories.message(conversation=world.conversation, body=PAYLOAD)

    row = support_selectors.conversation_get_for_inbox_row(conversation_id=world.conversation.pk)
    realtime.message_created(message=message, conversation=row)
    console_realtime.message_created(message=message, conversation=row)
    console_realtime.conversation_updated(conversation_id=world.conversation.pk)

    # A console fragment comes rendered once per language (console.realtime.render_each_language).
    fragments = [
        html
        for _group, event in sent
        if "html" in event
        for html in (event["html"].values() if isinstance(event["html"], dict) else [event["html"]])
    ]
    assert len(fragments) >= 6
    for html in fragments:
        assert injected(html) == []


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:support_contact_changelist",
        "admin:support_conversation_changelist",
        "admin:support_message_changelist",
    ],
)
def test_the_admin_escapes_visitor_text(client, url_name):
    world = hostile_world()
    client.force_login(world.users["staff"])

    html = client.get(reverse(url_name)).content.decode()

    assert "xss" in html
    assert injected(html) == []


def test_the_admin_contact_page_escapes_visitor_text(client):
    world = hostile_world()
    client.force_login(world.users["staff"])
    contact = world.contacts["visitor_a"]

    html = client.get(reverse("admin:support_contact_change", args=[contact.pk])).content.decode()

    assert injected(html) == []


def agent_reply_with_hostile_name_and_file(world):
    """An agent whose display name is markup replies with markup and a file named like it."""
    agent = factories.agent(
        display_name="<img src=x onerror=alert(1) data-xss>", teams=[world.team]
    )
    reply_file = attachment_services.attachment_upload(
        conversation=world.conversation,
        uploaded_file=SimpleUploadedFile("<svg data-xss onload=alert(1)>.pdf", corpus.pdf()),
        uploader_type="agent",
        agent=agent.user,
    )
    support_services.message_send(
        conversation=world.conversation,
        sender_type="agent",
        agent=agent.user,
        body=PAYLOAD,
        attachments=[reply_file.pk],
    )


def html_part(email) -> str:
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return html


def test_emails_escape_visitor_and_agent_text(mailoutbox):
    world = hostile_world()
    agent_reply_with_hostile_name_and_file(world)
    Contact.objects.filter(pk=world.conversation.contact_id).update(last_seen_at=None)

    assert email_services.transcript_email_send(conversation_id=world.conversation.pk)
    assert email_services.reply_email_send(conversation_id=world.conversation.pk) >= 1

    assert [email.to for email in mailoutbox] == [["visitor-xss@example.com"]] * 2
    for email in mailoutbox:
        html = html_part(email)
        assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html
        assert "&lt;svg data-xss onload=alert(1)&gt;.pdf" in html
        assert injected(html) == [], email.subject
        # Headers hold no visitor text (no header injection through a name).
        assert "xss" not in email.subject and "\n" not in email.subject


FORMULAS = ['=HYPERLINK("http://evil.example/xss","xss")', "+cmd|' /C calc'!xss", "@SUM(xss)"]


def test_exports_are_downloads_that_no_browser_renders_and_no_spreadsheet_runs(client):
    world = hostile_world()
    agent_reply_with_hostile_name_and_file(world)
    Contact.objects.filter(pk=world.conversation.contact_id).update(name=FORMULAS[0])
    for formula in FORMULAS:
        factories.message(conversation=world.conversation, body=formula)
    client.force_login(world.users["staff"])

    for kind, fmt in [("contacts", "csv"), ("conversations", "csv"), ("conversations", "json")]:
        response = client.get(
            "/admin/integrations/crmexport/", {"download": "1", "kind": kind, "format": fmt}
        )
        assert response.status_code == 200, (kind, fmt)
        body = b"".join(response.streaming_content).decode()
        assert_download(response, "text/csv" if fmt == "csv" else "application/json")
        if fmt == "json":
            rows = json.loads(body)
            assert "<script>alert('xss')</script>" in json.dumps(rows, ensure_ascii=False)
            continue
        cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
        assert "'" + FORMULAS[0] in cells
        # A cell may hold a formula only quoted (a transcript cell starts with its time).
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and "xss" in c]

    contact = world.contacts["visitor_a"]
    response = client.post(
        reverse("admin:support_contact_changelist"),
        {"action": "export_data", "_selected_action": [contact.pk]},
    )
    assert response.status_code == 200
    assert_download(response, "application/zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("contact.json"))
    # File names in the zip are the sanitised ones, inside attachments/, never a path out.
    assert all(n == "contact.json" or n.startswith("attachments/") for n in names), names
    assert not [n for n in names if ".." in n or n.startswith("/") or "\\" in n]
    texts = json.dumps(data, ensure_ascii=False)
    assert "<script>alert('xss')</script>" in texts  # kept as the visitor wrote it, as data


def assert_download(response, content_type: str) -> None:
    assert response["Content-Type"].split(";")[0] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
