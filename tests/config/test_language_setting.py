"""DESTEK_LANGUAGE: the site's language (what customers read until their own is known, and
every channel account's default). English when unset; a language Destek does not speak stops
the start with a message naming the variable."""

import pytest

from .test_production_settings import PRODUCTION, only, run

SHOW = (
    "import django; from django.conf import settings; django.setup(); "
    "from whatsapp.models import Channel; from emails.models import SupportAddress; "
    "print(settings.LANGUAGE_CODE, Channel().language, SupportAddress().language)"
)


@pytest.mark.parametrize(
    ("value", "language"), [(None, "en"), ("", "en"), ("tr", "tr"), (" tr_TR ", "tr"), ("EN", "en")]
)
def test_the_site_language_comes_from_the_environment(tmp_path, value, language):
    env = only(PRODUCTION, tmp_path)
    if value is not None:
        env["DESTEK_LANGUAGE"] = value
    result = run(["-c", SHOW], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [language] * 3


def test_a_language_destek_does_not_speak_is_refused_at_start(tmp_path):
    env = {**only(PRODUCTION, tmp_path), "DESTEK_LANGUAGE": "de"}
    for command in (["-c", SHOW], ["manage.py", "check"]):
        result = run(command, env)
        assert result.returncode != 0
        assert "DESTEK_LANGUAGE='de' is not a language Destek speaks" in result.stderr
        assert "en, tr" in result.stderr
