"""`makemessages` for the whole project, from any directory, always the same way.

Django's own command sends every file to the nearest `locale/` above it, so the templates
under the project's `templates/<app>/` would all land in the project catalog. Here they go
to their app's catalog instead (`templates/console/...` -> `console/locale/`), beside the
app's Python strings, which is where a helper adding a string looks for it. What belongs to
no app (`config/`, `templates/` outside an app folder) goes to the project's `locale/`.

Defaults: the project root as the starting point whatever the current directory, no source
locations in the catalogs (line numbers churn on every edit and make merges conflict),
obsolete entries dropped, and tests, benchmarks, docs and the virtualenv skipped.

    python manage.py makemessages -l tr      # then fill the empty msgstr, then `make messages`

tests/config/test_translations.py fails when a catalog is out of date or incomplete.
"""

import os
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.commands import makemessages

# Never scanned for user-facing strings.
IGNORED = [
    ".venv",
    "tests",
    "bench",
    "docs",
    "static",
    "media",
    "staticfiles",
    "build",
    "*.egg-info",
]


def app_locale_dirs() -> dict[str, str]:
    """Project app label -> its locale dir, for the apps that live in this project."""
    base = Path(settings.BASE_DIR).resolve()
    dirs = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == base:
            dirs[config.label] = str(path / "locale")
    return dirs


class Command(makemessages.Command):
    help = makemessages.Command.help + " Project-wide; templates/<app>/ go to the app's catalog."

    def handle(self, *args, **options):
        options["ignore_patterns"] = list(options["ignore_patterns"]) + IGNORED
        if not options["add_location"]:
            options["no_location"] = True
        options["no_obsolete"] = True
        os.chdir(settings.BASE_DIR)
        return super().handle(*args, **options)

    def find_files(self, root):
        files = super().find_files(root)
        templates = Path(settings.BASE_DIR).resolve() / "templates"
        locale_dirs = app_locale_dirs()
        for translatable in files:
            folder = Path(translatable.dirpath).resolve()
            if folder.is_relative_to(templates) and folder != templates:
                app = folder.relative_to(templates).parts[0]
                if app in locale_dirs:
                    os.makedirs(locale_dirs[app], exist_ok=True)
                    translatable.locale_dir = locale_dirs[app]
                    if locale_dirs[app] not in self.locale_paths:
                        self.locale_paths.insert(0, locale_dirs[app])
        return files
