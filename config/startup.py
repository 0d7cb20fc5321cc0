"""What every serving or working process checks before it starts (config.asgi, config.wsgi,
config.celery): a production process does not run without these settings."""

from django.core.exceptions import ImproperlyConfigured


def refuse_without_secret_key() -> None:
    """Sessions, visitor tokens and file links are signed with SECRET_KEY: no process serves
    or works without one (a default would be a key anyone can read in this repository)."""
    from django.conf import settings

    try:
        key = settings.SECRET_KEY  # Django raises on an empty one
    except ImproperlyConfigured:
        key = ""
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production: 50 or more random characters, the same in "
            "every process (docs/deploy.md). `make run` and the tests set their own."
        )
