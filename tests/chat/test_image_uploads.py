"""What an image upload may cost: stored downscaled and within the byte limit, decoded a few at
a time per process (503 `busy` past that), rate limited per visitor and per address, and never
holding up other requests while it waits or works."""

import asyncio
import io
import random
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.db import connections
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from chat import image_work
from support.models import Attachment
from tests import factories
from tests.chat import corpus
from tests.chat.test_attachments import API, fetch, stored_files, upload


@pytest.fixture
def visitor(db):
    contact, token = factories.visitor()
    return contact, token, factories.conversation(contact=contact)


def noise_jpeg(size: tuple[int, int], *, quality: int) -> bytes:
    """Noise compresses worst: the re-encoded file grows far beyond the uploaded one."""
    pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=quality)
    return out.getvalue()


def stored_image(client, payload) -> Image.Image:
    _response, body = fetch(client, payload["url"])
    assert len(body) == payload["size"]
    return Image.open(io.BytesIO(body))


def test_the_default_stored_side_and_pool(settings):
    assert settings.DESTEK["ATTACHMENT_MAX_IMAGE_SIDE"] == 2560
    assert settings.DESTEK["IMAGE_WORK_SLOTS"] == 2
    assert settings.DESTEK["ATTACHMENT_UPLOADS_PER_ADDRESS"] == 60


@pytest.mark.parametrize(
    "maker, name",
    [
        (lambda: corpus.jpeg(size=(3000, 1500)), "wide.jpg"),
        (lambda: corpus.png(size=(1500, 3000)), "tall.png"),
        (lambda: corpus.webp(size=(3000, 3000)), "big.webp"),
    ],
)
def test_a_large_image_is_stored_at_the_maximum_side(client, visitor, maker, name):
    _contact, token, conversation = visitor

    response = upload(client, token, conversation.pk, maker(), name=name)

    assert response.status_code == 201, response.content
    payload = response.json()
    stored = stored_image(client, payload)
    assert max(stored.size) == 2560
    assert stored.size == (payload["width"], payload["height"])
    # The aspect ratio is kept.
    assert stored.width / stored.height == pytest.approx(
        Image.open(io.BytesIO(maker())).width / Image.open(io.BytesIO(maker())).height, rel=0.01
    )


def test_a_jpeg_is_decoded_scaled_down_to_the_stored_side(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_IMAGE_SIDE": 300}

    response = upload(client, token, conversation.pk, corpus.jpeg(size=(1300, 650)), name="p.jpg")

    assert response.status_code == 201
    assert stored_image(client, response.json()).size == (300, 150)


def test_a_small_image_keeps_its_size(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_IMAGE_SIDE": 300}

    response = upload(client, token, conversation.pk, corpus.png(size=(300, 120)))

    assert stored_image(client, response.json()).size == (300, 120)


def test_an_animation_is_downscaled_frame_by_frame(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_IMAGE_SIDE": 20}

    response = upload(client, token, conversation.pk, corpus.gif(frames=3, size=(40, 30)), "a.gif")

    stored = stored_image(client, response.json())
    assert (stored.size, stored.n_frames) == ((20, 15), 3)


def test_what_is_stored_keeps_within_the_byte_limit(client, visitor, settings):
    """A re-encoding can be larger than the upload (noise at quality 90 against quality 10):
    the stored file is scaled down until it fits rather than exceeding the limit."""
    _contact, token, conversation = visitor
    data = noise_jpeg((700, 700), quality=10)
    limit = len(data) + len(data) // 5
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_BYTES": limit}

    response = upload(client, token, conversation.pk, data, name="noise.jpg")

    assert response.status_code == 201, response.content
    payload = response.json()
    assert payload["size"] <= limit
    stored = stored_image(client, payload)
    assert stored.format == "JPEG" and stored.width < 700
    assert (payload["width"], payload["height"]) == stored.size


def test_every_image_slot_taken_is_503_busy_with_retry_after(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "IMAGE_WORK_WAIT_SECONDS": 0.2}
    pool = image_work.pool()
    for _slot in range(pool.size):
        pool.slots.acquire()
    try:
        busy = upload(client, token, conversation.pk, corpus.png(), name="a.png")
        # Files that need no decoding do not wait for an image slot.
        pdf = upload(client, token, conversation.pk, corpus.pdf(), name="guide.pdf")
    finally:
        for _slot in range(pool.size):
            pool.slots.release()

    assert busy.status_code == 503
    assert busy.json()["error"]["code"] == "busy" and busy.json()["error"]["detail"]
    assert busy["Retry-After"] == str(image_work.RETRY_AFTER_SECONDS)
    assert pdf.status_code == 201
    assert list(Attachment.objects.values_list("name", flat=True)) == ["guide.pdf"]
    assert len(stored_files(settings)) == 1
    # Once a slot is free again the same file goes through.
    assert upload(client, token, conversation.pk, corpus.png(), name="a.png").status_code == 201


def test_the_console_upload_waits_for_a_slot_too(client, visitor, settings):
    _contact, _token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "IMAGE_WORK_WAIT_SECONDS": 0.1}
    agent = factories.agent()
    client.force_login(agent.user)
    handle = io.BytesIO(corpus.png())
    handle.name = "shot.png"
    pool = image_work.pool()
    for _slot in range(pool.size):
        pool.slots.acquire()
    try:
        response = client.post(
            f"/console/conversations/{conversation.pk}/attachments", {"file": handle}
        )
    finally:
        for _slot in range(pool.size):
            pool.slots.release()

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "busy" and response["Retry-After"]
    assert Attachment.objects.count() == 0 and stored_files(settings) == []


def test_uploads_are_rate_limited_per_address_across_visitors(client, visitor, settings):
    """New anonymous contacts are cheap: the address counts too, not only the contact."""
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_UPLOADS_PER_ADDRESS": 2}
    other_contact, other_token = factories.visitor()
    other = factories.conversation(contact=other_contact)

    statuses = [
        upload(client, token, conversation.pk, corpus.png()).status_code,
        upload(client, other_token, other.pk, corpus.png()).status_code,
        upload(client, other_token, other.pk, corpus.png()).status_code,
    ]
    elsewhere = client.post(
        f"{API}conversations/{other.pk}/attachments",
        {"file": named_png()},
        HTTP_AUTHORIZATION=f"Bearer {other_token}",
        REMOTE_ADDR="198.51.100.7",
    )

    assert statuses == [201, 201, 429]
    assert elsewhere.status_code == 201


def named_png():
    handle = io.BytesIO(corpus.png())
    handle.name = "a.png"
    return handle


async def asgi_request(method: str, path: str, *, token: str, body=b"", content_type=None):
    """One request through config.asgi's application, as uvicorn or daphne would make it."""
    from config.asgi import application

    headers = [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())]
    if content_type:
        headers += [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
    communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
    try:
        return await communicator.get_response(timeout=20)
    finally:
        await communicator.wait()


@pytest.mark.django_db(transaction=True)
async def test_an_upload_waiting_for_image_work_holds_up_no_other_request(settings):
    """Under ASGI an upload that waits for an image slot (or decodes) sits on its own
    request's thread: neither the event loop nor any other request waits with it."""
    settings.DESTEK = {**settings.DESTEK, "IMAGE_WORK_WAIT_SECONDS": 10}
    contact, token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(contact=contact)
    body = encode_multipart(BOUNDARY, {"file": named_png()})
    pool = image_work.pool()
    for _slot in range(pool.size):
        pool.slots.acquire()
    try:
        pending = asyncio.ensure_future(
            asgi_request(
                "POST",
                f"{API}conversations/{conversation.pk}/attachments",
                token=token,
                body=body,
                content_type=MULTIPART_CONTENT,
            )
        )
        await asyncio.sleep(0.5)
        assert not pending.done()
        started = time.monotonic()
        other = await asgi_request(
            "GET", f"{API}conversations/{conversation.pk}/messages", token=token
        )
        assert other["status"] == 200 and time.monotonic() - started < 5
        assert not pending.done()  # still waiting for a slot, holding nothing
    finally:
        for _slot in range(pool.size):
            pool.slots.release()
    response = await asyncio.wait_for(pending, timeout=20)
    assert response["status"] == 201, response["body"]
    await sync_to_async(connections.close_all)()
