"""The few Graph API calls of the WhatsApp Cloud API that Destek makes (no database here).

POST /{phone-number-id}/messages   send text, media (by uploaded id) or a template
POST /{phone-number-id}/media      upload a file, answered with its id
GET  /{media-id}                   a received file's short-lived url
GET  <url>                         the file's bytes (with the same bearer token)
The base is settings.WHATSAPP_GRAPH_URL (a local fake in tests and in the demo).
"""

from dataclasses import dataclass

import requests
from django.conf import settings

TIMEOUT_SECONDS = 15
# Graph error codes that mean "slow down" or "try later" (throttling, spam rate limit,
# pair rate limit, temporary errors); these and 429/5xx answers are retried with backoff.
RETRYABLE_CODES = {1, 2, 4, 17, 80007, 130429, 131000, 131016, 131048, 131056}


@dataclass
class GraphError(Exception):
    status: int
    code: int | None
    detail: str

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500 or self.code in RETRYABLE_CODES

    def __str__(self) -> str:
        return f"{self.status} {self.code or ''} {self.detail}".strip()


class MediaTooLarge(Exception):
    pass


def _base() -> str:
    return settings.WHATSAPP_GRAPH_URL.rstrip("/")


def _raise_for(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    code, detail = None, response.text[:200]
    try:
        error = response.json()["error"]
        code, detail = error.get("code"), error.get("message", detail)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    raise GraphError(status=response.status_code, code=code, detail=str(detail)[:200])


def _call(method: str, url: str, *, token: str, **kwargs) -> requests.Response:
    try:
        response = requests.request(
            method,
            url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT_SECONDS,
            **kwargs,
        )
    except requests.RequestException as exc:
        # Unreachable or timed out: like a 5xx, worth another try.
        raise GraphError(status=503, code=None, detail=type(exc).__name__) from exc
    _raise_for(response)
    return response


def message_post(*, phone_number_id: str, token: str, to: str, payload: dict) -> str:
    """Send one message; returns its wamid. `payload` is the type-specific part
    ({"type": "text", "text": {...}})."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **payload}
    response = _call("POST", f"{_base()}/{phone_number_id}/messages", token=token, json=body)
    try:
        return response.json()["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise GraphError(status=502, code=None, detail="No message id in the answer.") from None


def media_upload(
    *, phone_number_id: str, token: str, content: bytes, content_type: str, name: str
) -> str:
    response = _call(
        "POST",
        f"{_base()}/{phone_number_id}/media",
        token=token,
        data={"messaging_product": "whatsapp", "type": content_type},
        files={"file": (name, content, content_type)},
    )
    try:
        return response.json()["id"]
    except (ValueError, KeyError, TypeError):
        raise GraphError(status=502, code=None, detail="No media id in the answer.") from None


def media_download(*, media_id: str, token: str, max_bytes: int) -> tuple[bytes, str]:
    """A received file's bytes and type; MediaTooLarge past `max_bytes` (read no further)."""
    meta = _call("GET", f"{_base()}/{media_id}", token=token).json()
    url = meta.get("url") if isinstance(meta, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise GraphError(status=502, code=None, detail="No media url in the answer.")
    size = meta.get("file_size")
    if str(size).isdigit() and int(size) > max_bytes:
        raise MediaTooLarge
    response = _call("GET", url, token=token, stream=True)
    chunks, total = [], 0
    for chunk in response.iter_content(64 * 1024):
        total += len(chunk)
        if total > max_bytes:
            response.close()
            raise MediaTooLarge
        chunks.append(chunk)
    return b"".join(chunks), str(meta.get("mime_type") or "")
