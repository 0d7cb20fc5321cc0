"""Domain errors raised by services and selectors; views and consumers translate them.

Each carries the protocol's snake_case `code` and the HTTP status that fits it
(docs/protocol.md: 400 bad input, 401/403 identity, 404, 409 conflict, 413, 415, 429, 503).
"""


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.detail = str(detail)
        if code:
            self.code = code

    @property
    def http_headers(self) -> dict[str, str]:
        """Headers an HTTP answer with this error carries."""
        return {}


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400


class FormInvalid(InvalidInput):
    """Several fields of one form are wrong: `fields` maps each to its problem."""

    code = "form_invalid"

    def __init__(self, detail: str, *, code: str | None = None, fields: dict[str, str]):
        super().__init__(detail, code=code)
        self.fields = fields


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401


class IdentityInvalid(DomainError):
    code = "identity_invalid"
    status = 403


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class IdentityRequired(Forbidden):
    """The widget requires a verified identity and this visitor has none."""

    code = "identity_required"


class Blocked(DomainError):
    """A blocked contact wrote: refused quietly. Transports answer as for an accepted message
    with nothing more (HTTP 202 {"accepted": true}, the socket's `message.accepted`), so a
    spammer learns nothing; nothing is stored and nothing is routed."""

    code = "accepted"
    status = 202


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class ClientIdReused(Conflict):
    """A known client_id sent with another body or other files: a client id names one
    message, as an idempotency key names one payment."""

    code = "client_id_reused"


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, detail: str, *, code: str | None = None, retry_after: int | None = None):
        super().__init__(detail, code=code)
        # Seconds until a retry may pass.
        self.retry_after = retry_after

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class TooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedType(DomainError):
    code = "unsupported_type"
    status = 415


class Busy(DomainError):
    """Capacity for this kind of work is taken right now: try again after `retry_after`
    seconds (sent as the Retry-After header)."""

    code = "busy"
    status = 503

    def __init__(self, detail: str, *, code: str | None = None, retry_after: int = 5):
        super().__init__(detail, code=code)
        self.retry_after = retry_after

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
