"""`compilemessages` (so `make run` and `make test`) works without GNU gettext, and its Python
msgfmt (support/msgfmt.py) writes the same catalogs as GNU msgfmt."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from support import msgfmt

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [
    *sorted(ROOT.glob("*/locale/tr/LC_MESSAGES/django.po")),
    ROOT / "locale/tr/LC_MESSAGES/django.po",
]

# What a catalog can hold beyond the project's own: plurals (one form left empty, or the first),
# contexts, fuzzy and obsolete entries, a fuzzy header, escapes and continued lines.
TRICKY_PO = r"""# A comment.
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: tricky\n"
"POT-Creation-Date: 2026-12-07 09:00+0300\n"
"Language: tr\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

msgid "Inbox"
msgstr "Gelen kutusu"

#, python-format
msgid "%(count)s chat"
msgid_plural "%(count)s chats"
msgstr[0] "%(count)s sohbet"
msgstr[1] "%(count)s sohbet açık"

msgid "half"
msgid_plural "halves"
msgstr[0] "yarım"
msgstr[1] ""

msgid "none"
msgid_plural "nones"
msgstr[0] ""
msgstr[1] "hiç"

msgctxt "verb"
msgid "Open"
msgstr "Aç"

msgctxt "adjective"
msgid "Open"
msgstr "Açık"

msgctxt "empty context"
msgid "Closed"
msgstr "Kapalı"

#, fuzzy
msgid "A guess"
msgstr "Bir tahmin"

msgid "Not translated"
msgstr ""

msgid ""
"Two "
"lines with \"quotes\"\n"
"and a\ttab"
msgstr "İki satır \"tırnak\"\n\tve sekme: ç ğ ı İ ö ş ü"

#~ msgid "Obsolete"
#~ msgstr "Eski"
"""


def without(*programs: str, base: Path) -> str:
    """A PATH with every program of this one but `programs` (GNU gettext, chromium)."""
    bin_dir = base / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            if name.startswith(programs) or (bin_dir / name).exists():
                continue
            (bin_dir / name).symlink_to(Path(directory) / name)
    return str(bin_dir)


def read_mo(path: Path) -> gettext.GNUTranslations:
    with path.open("rb") as file:
        return gettext.GNUTranslations(file)


def assert_same_catalog(ours: Path, gnu: Path):
    mine, theirs = read_mo(ours), read_mo(gnu)
    assert mine._catalog == theirs._catalog
    assert mine._charset == theirs._charset
    assert [mine.plural(n) for n in range(5)] == [theirs.plural(n) for n in range(5)]


def gnu_msgfmt(*args) -> None:
    if not shutil.which("msgfmt"):
        if os.environ.get("CI"):
            pytest.fail("GNU msgfmt is missing: .ci/run installs gettext")
        pytest.skip("compares with GNU msgfmt, which is not installed (apt-get install gettext)")
    subprocess.run(["msgfmt", *args], check=True, capture_output=True)


def test_compilemessages_without_gnu_gettext_compiles_every_catalog(tmp_path, monkeypatch):
    locale = tmp_path / "tree/locale/tr/LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / "django.po").write_text(TRICKY_PO, encoding="utf-8")
    monkeypatch.setenv("PATH", without("msg", "xgettext", base=tmp_path))
    monkeypatch.chdir(tmp_path / "tree")
    assert shutil.which("msgfmt") is None

    call_command("compilemessages", verbosity=0)

    translations = read_mo(locale / "django.mo")
    assert translations.gettext("Inbox") == "Gelen kutusu"
    assert translations.pgettext("adjective", "Open") == "Açık"
    assert translations.ngettext("%(count)s chat", "%(count)s chats", 3) == "%(count)s sohbet açık"
    assert translations.gettext("A guess") == "A guess"  # fuzzy: left out, as msgfmt does
    assert translations.gettext("Obsolete") == "Obsolete"


def test_python_msgfmt_writes_what_gnu_msgfmt_writes(tmp_path):
    po = tmp_path / "tricky.po"
    po.write_text(TRICKY_PO, encoding="utf-8")
    for flags in ([], ["--use-fuzzy"]):
        gnu_msgfmt(*flags, "-o", str(tmp_path / "gnu.mo"), str(po))
        assert msgfmt.main([*flags, "-o", str(tmp_path / "ours.mo"), str(po)]) == 0
        assert_same_catalog(tmp_path / "ours.mo", tmp_path / "gnu.mo")


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_msgfmt_compiles_the_project_catalogs_as_gnu_msgfmt_does(po, tmp_path):
    gnu_msgfmt("--check-format", "-o", str(tmp_path / "gnu.mo"), str(po))
    # Run as compilemessages runs it: a program of its own, by path.
    subprocess.run(
        [sys.executable, msgfmt.__file__, "-o", str(tmp_path / "ours.mo"), str(po)], check=True
    )
    assert_same_catalog(tmp_path / "ours.mo", tmp_path / "gnu.mo")


def test_python_msgfmt_reports_an_unreadable_catalog(tmp_path, capsys):
    assert msgfmt.main(["-o", str(tmp_path / "x.mo"), str(tmp_path / "missing.po")]) == 1
    assert "missing.po: no such file" in capsys.readouterr().err
