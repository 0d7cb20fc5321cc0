"""What every transport reads from an HTTP request the same way (widget API, host-page API,
console, admin)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: the proxy's last X-Forwarded-For entry when it is trusted."""
    if settings.DESTEK.get("TRUST_X_FORWARDED_FOR"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:45]
    return request.META.get("REMOTE_ADDR") or None
