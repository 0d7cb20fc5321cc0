"""The one-way core (issue 20): config is the root. The apps reach it only through
`django.conf.settings`; config imports them (urls, asgi, the scheduler's wiring), never the
reverse, so an app can be read, tested and reused without the project's wiring."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]


def project_apps() -> list[Path]:
    """The installed apps that live in this checkout (not Django's or a library's)."""
    paths = [Path(app.path).resolve() for app in apps.get_app_configs()]
    return sorted(path for path in paths if path.parent == ROOT)


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_the_project_apps_are_found():
    names = {path.name for path in project_apps()}
    assert {
        "support",
        "chat",
        "faq",
        "ratings",
        "emails",
        "integrations",
        "proactive",
        "whatsapp",
    } <= names
    assert "config" not in names


def test_no_app_imports_config():
    offenders = []
    for app in project_apps():
        for path in sorted(app.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in imported_modules(tree):
                if module == "config" or module.startswith("config."):
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert offenders == []
