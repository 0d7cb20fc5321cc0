"""Every user-facing string has a Turkish translation, and the committed catalogs are current.

The test regenerates every catalog with the project's `makemessages` (support's override:
project-wide, templates/<app>/ in the app's catalog) in a copy of the source tree, so the
committed .po files stay untouched, then reads the result: a msgid present in the source but
missing from the committed catalog comes out with an empty msgstr, a near-miss comes out
fuzzy. Either fails, naming the catalog and the text. Fix: `python manage.py makemessages -l tr`,
translate the empty/fuzzy entries, `make messages`.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not scanned for user-facing strings (support/management/commands/makemessages.py), or big.
SKIP = shutil.ignore_patterns(
    ".*", "__pycache__", "*.mo", "*.pyc", "tests", "bench", "docs", "static", "media",
    "staticfiles", "build", "*.egg-info", "test-artifacts", "db.sqlite3*", "node_modules",
)  # fmt: skip
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_.]+\}|%[sd]")


def catalogs(root: Path) -> list[Path]:
    return sorted(root.glob("*/locale/tr/LC_MESSAGES/django.po")) + sorted(
        root.glob("locale/tr/LC_MESSAGES/django.po")
    )


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    # Extracting texts needs GNU gettext: a developer's and CI's check (.ci/run installs it),
    # skipped, like the browser tests, on a machine that only runs `make test` without it.
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext, msgmerge) is missing: .ci/run installs gettext")
        pytest.skip("needs GNU gettext's xgettext and msgmerge (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("i18n") / "src"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "tr", "-v", "0"],
        cwd=copy,
        # The copy has no tests/ (so not the tests' settings); any key will do for reading.
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "catalogs"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return copy


def test_every_app_has_a_turkish_catalog():
    from django.apps import apps

    for config in apps.get_app_configs():
        if Path(config.path).parent == ROOT:
            assert (Path(config.path) / "locale/tr/LC_MESSAGES/django.po").is_file(), config.label


def test_the_catalogs_cover_every_string_in_the_source_and_translate_it(regenerated):
    problems = []
    for path in catalogs(regenerated):
        name = path.relative_to(regenerated)
        catalog = polib.pofile(str(path))
        for entry in catalog:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{name}: fuzzy (check and remove the flag): {entry.msgid!r}")
            elif not entry.translated():
                problems.append(f"{name}: no translation (or not in the catalog): {entry.msgid!r}")
    assert not problems, "\n".join(
        ["Run `python manage.py makemessages -l tr` and translate:", *problems]
    )
    # The copy must have regenerated the same catalogs that are committed.
    committed = {p.relative_to(ROOT) for p in catalogs(ROOT)}
    assert {p.relative_to(regenerated) for p in catalogs(regenerated)} == committed


@pytest.mark.parametrize("path", catalogs(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_catalog_is_complete_and_keeps_placeholders(path):
    catalog = polib.pofile(str(path))
    assert not catalog.metadata_is_fuzzy, "the header is marked fuzzy"
    assert catalog.metadata.get("Language") == "tr"
    assert catalog.metadata.get("Plural-Forms") == "nplurals=2; plural=(n > 1);"
    problems = []
    for entry in catalog:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags or not entry.translated():
            problems.append(f"untranslated or fuzzy: {entry.msgid!r}")
            continue
        # Singular: the same placeholders. Plural: the plural forms keep msgid_plural's; the
        # singular form (n = 1) may leave out the count but nothing else, and add none.
        if entry.msgid_plural:
            plural = set(PLACEHOLDER.findall(entry.msgid_plural))
            singular = set(PLACEHOLDER.findall(entry.msgid))
            for index, msgstr in sorted(entry.msgstr_plural.items()):
                found = set(PLACEHOLDER.findall(msgstr))
                ok = found == plural if index else singular <= found <= plural | singular
                if not ok:
                    problems.append(f"placeholders differ: {entry.msgid!r} -> {msgstr!r}")
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != sorted(PLACEHOLDER.findall(entry.msgid)):
            problems.append(f"placeholders differ: {entry.msgid!r} -> {entry.msgstr!r}")
    assert not problems, "\n".join(problems)


def test_turkish_is_served_when_the_browser_asks_for_it(client):
    from django.utils import translation

    with translation.override("tr"):
        assert translation.gettext("Inbox") == "Gelen kutusu"
        assert translation.gettext("Write a message…") == "Bir mesaj yazın…"
    response = client.get("/console/login/", headers={"accept-language": "tr-TR,tr;q=0.9"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "tr"
    assert "Giriş yap" in response.content.decode()


def test_one_turkish_translation_per_text_across_the_apps():
    """Django merges every app's catalog into one: two apps translating the same text
    differently means one of them is silently never shown. Different meanings take a context."""
    translations = {}
    for path in catalogs(ROOT):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or entry.msgid_plural:
                continue
            translations.setdefault((entry.msgctxt, entry.msgid), {})[entry.msgstr] = path
    conflicts = {key: found for key, found in translations.items() if len(found) > 1}
    assert not conflicts, "\n".join(
        f"{key}: "
        + ", ".join(f"{msgstr!r} in {path.relative_to(ROOT)}" for msgstr, path in found.items())
        for key, found in conflicts.items()
    )


def test_every_turkish_text_is_the_one_shown():
    """Each catalog entry is what a Turkish page shows: neither Django's nor a library's
    catalog translates the same words over ours (settings.INSTALLED_APPS lists ours first)."""
    from django.utils import translation

    overridden = []
    with translation.override("tr"):
        for path in catalogs(ROOT):
            for entry in polib.pofile(str(path)):
                if entry.obsolete or entry.msgid_plural:
                    continue
                if entry.msgctxt:
                    shown = translation.pgettext(entry.msgctxt, entry.msgid)
                else:
                    shown = translation.gettext(entry.msgid)
                if shown != entry.msgstr:
                    overridden.append(f"{entry.msgid!r}: {shown!r}, not {entry.msgstr!r}")
    assert not overridden, "\n".join(overridden)
