"""`compilemessages` that works with Python alone.

Django's command runs GNU `msgfmt --check-format` on every catalog and stops with "Can't find
msgfmt" where GNU gettext is not installed (a python:*-slim image, a Mac without Homebrew's
gettext, Windows), so `make run` failed before serving anything. Without msgfmt this one gives
Django's command the Python msgfmt in support/msgfmt.py instead, same command line, same .mo
files; everything else (which catalogs, what is up to date, errors) stays Django's.
"""

import sys
from pathlib import Path

from django.core.management.commands import compilemessages
from django.core.management.utils import find_command

PYTHON_MSGFMT = Path(__file__).resolve().parents[2] / "msgfmt.py"


class Command(compilemessages.Command):
    help = compilemessages.Command.help + " Without GNU gettext, with support/msgfmt.py."

    def handle(self, **options):
        if find_command(self.program) is None:
            # An absolute path: Django's own check (find_command) finds it whatever PATH is.
            self.program = sys.executable
            self.program_options = [str(PYTHON_MSGFMT)]
            if options["verbosity"] > 1:
                self.stdout.write("GNU msgfmt not found: compiling with support/msgfmt.py")
        return super().handle(**options)
