"""The S3 storage path against a real S3-compatible server: moto's standalone server (PyPI
`moto[server]`), started on a free local port, spoken to over HTTP by boto3 as production
would speak to a bucket. Uploads land in the bucket, presigned URLs serve them with a forced
type and disposition, refused files leave nothing, deletes remove the objects."""

import urllib.error
import urllib.request

import pytest
from django.core.files.storage import default_storage

from support import services as support_services
from support.models import Attachment
from tests import factories
from tests.chat import corpus
from tests.chat.test_attachments import upload
from tests.stack import free_port

pytestmark = pytest.mark.django_db

BUCKET = "destek-test"


@pytest.fixture(scope="module")
def s3_server():
    moto_server = pytest.importorskip("moto.server")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGE_KIND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def http_get(url: str):
    return urllib.request.urlopen(url, timeout=10)  # noqa: S310 - our local test server


def test_uploads_land_in_the_bucket_and_are_served_by_presigned_urls(client, s3):
    assert default_storage.__class__.__name__ == "S3Storage"
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)

    payload = upload(client, token, conversation.pk, corpus.jpeg_with_gps(), "p.jpg").json()
    pdf = upload(client, token, conversation.pk, corpus.pdf(), "bill.pdf").json()

    attachment = Attachment.objects.get(pk=payload["id"])
    assert keys(s3) == sorted(
        [
            attachment.file.name,
            attachment.thumbnail.name,
            Attachment.objects.get(pk=pdf["id"]).file.name,
        ]
    )
    assert payload["url"].startswith(s3_url(s3)) and "Signature=" in payload["url"]
    with http_get(payload["url"]) as response:
        body = response.read()
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"].startswith("inline;")
    assert b"DestekCam" not in body  # re-encoded before it reached the bucket
    with http_get(pdf["url"]) as response:
        assert response.read() == corpus.pdf()
        assert response.headers["Content-Disposition"].startswith("attachment;")
    # Without the signature the object is not public.
    with pytest.raises(urllib.error.HTTPError) as refused:
        http_get(payload["url"].split("?", 1)[0])
    assert refused.value.code == 403


def s3_url(client) -> str:
    return client.meta.endpoint_url


def test_refused_files_leave_nothing_in_the_bucket(client, s3):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)

    for data, name, status in [
        (corpus.bomb_png(), "bomb.png", 413),
        (corpus.HTML, "x.png", 415),
        (corpus.gif_js_polyglot(), "x.gif", 415),
        (b"", "empty.txt", 400),
    ]:
        assert upload(client, token, conversation.pk, data, name).status_code == status

    assert keys(s3) == []


def test_deleting_removes_the_objects(client, s3, django_capture_on_commit_callbacks):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    upload(client, token, conversation.pk, corpus.png(), "a.png")
    assert len(keys(s3)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        support_services.attachments_delete_for_contact(contact=contact)

    assert keys(s3) == []
