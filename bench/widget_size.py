"""What the end-user widget weighs on its first open: loader, page, script, styles (and fonts).

    .venv/bin/python bench/widget_size.py [--key demo]

Renders /widget/?key=<key>&origin=… through django.test.Client against a throwaway SQLite database
(migrated and seeded here, removed at the end), reads the files the page references from
static/, and prints raw, gzip -9 and brotli (when the `brotli` module is importable) sizes.
Targets: loader ≤ 2,048 B gzipped; first open (loader + page + JS + CSS + fonts) ≤ 15,000 B
gzipped. Also printed: what every host page loads before any click (the loader and its config
answer) and what a widget with proactive messages adds there (proactive.js). Modules the
widget loads later with a dynamic `import('./x.js')` (and the stylesheets they add,
`new URL('x.css', import.meta.url)`) are listed apart as "on demand": they are not part of
the first open. A measurement, not a test: it exits 0 whether the targets are met or
missed.
"""

import argparse
import gzip
import io
import os
import re
import secrets
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "static"
LOADER = "widget/loader.js"
PROACTIVE = "widget/proactive.js"
TARGET_LOADER = 2_048
TARGET_FIRST_OPEN = 15_000
DYNAMIC_IMPORT = re.compile(r"""import\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""")
MODULE_STYLESHEET = re.compile(r"""new URL\(\s*['"]([^'"]+\.css)['"]\s*,\s*import\.meta\.url""")

try:
    import brotli
except ImportError:  # optional
    brotli = None


class Assets(HTMLParser):
    """The <script src> and <link rel=stylesheet|preload href> of a page, in order."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        elif tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower().split()
            if "stylesheet" in rel or "preload" in rel or "modulepreload" in rel:
                self.urls.append(a["href"])


def sizes(data: bytes) -> tuple[int, int, int | None]:
    gz = len(gzip.compress(data, compresslevel=9, mtime=0))
    br = len(brotli.compress(data, quality=11)) if brotli else None
    return len(data), gz, br


def static_path(url: str, static_url: str) -> Path | None:
    path = url.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith(static_url):
        return None  # another host, or not a static file: not ours to count
    return STATIC_DIR / path[len(static_url) :]


def render_page(key: str) -> tuple[bytes, bytes]:
    """The widget page and the loader's config answer."""
    from django.core.management import call_command
    from django.test import Client

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, interactive=False, stdout=quiet)
    call_command("seed_demo", verbosity=0, stdout=quiet)
    client = Client(HTTP_HOST="localhost")
    # As the loader asks for it, naming the page that embeds it.
    response = client.get("/widget/", {"key": key, "origin": "http://localhost"})
    if response.status_code != 200:
        sys.exit(f"/widget/?key={key} answered {response.status_code}")
    config = client.get("/api/widget/v1/config", {"widget_key": key, "lang": "en"})
    if config.status_code != 200:
        sys.exit(f"/api/widget/v1/config?widget_key={key} answered {config.status_code}")
    return response.content, config.content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--key", default="demo", help="widget key (seed_demo's is 'demo')")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="widget-size-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'db.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ.pop("REDIS_URL", None)  # in-memory channel layer: nothing to reach
        os.environ["SECRET_KEY"] = "bench-" + secrets.token_hex(24)
        os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test client asks over plain HTTP
        os.environ["DESTEK_DEMO"] = "1"  # seed_demo's widget
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        page, config = render_page(args.key)
        static_url = settings.STATIC_URL
        connections.close_all()

    assets = Assets()
    assets.feed(page.decode("utf-8"))
    rows = [
        (LOADER, (STATIC_DIR / LOADER).read_bytes()),
        (f"/widget/?key={args.key} (HTML)", page),
    ]
    seen = {STATIC_DIR / LOADER}
    for url in assets.urls:
        path = static_path(url, static_url)
        if path is None or path in seen:
            continue
        seen.add(path)
        rows.append((str(path.relative_to(STATIC_DIR)), path.read_bytes()))
        if path.suffix == ".css":
            for font in fonts(path, rows[-1][1]):
                if font not in seen:
                    seen.add(font)
                    rows.append((str(font.relative_to(STATIC_DIR)), font.read_bytes()))

    lazy = on_demand([path for path in seen if path.suffix == ".js"], seen)
    width = max(len(name) for name, _ in rows + lazy) + 2
    print(f"{'file':<{width}}{'raw':>9}{'gzip -9':>10}{'brotli':>9}")
    measured = [(name, *sizes(data)) for name, data in rows]
    for name, raw, gz, br in measured:
        print(f"{name:<{width}}{raw:>9,}{gz:>10,}{fmt(br):>9}")
    print("-" * (width + 28))
    loader = measured[0]
    total = [sum(row[i] for row in measured) for i in (1, 2)]
    total_br = sum(row[3] for row in measured) if brotli else None
    print(f"{'loader':<{width}}{loader[1]:>9,}{loader[2]:>10,}{fmt(loader[3]):>9}")
    print(f"{'first open':<{width}}{total[0]:>9,}{total[1]:>10,}{fmt(total_br):>9}")
    if lazy:
        print()
        print("on demand (dynamic import, after the first open):")
        later = [(name, *sizes(data)) for name, data in lazy]
        for name, raw, gz, br in later:
            print(f"{name:<{width}}{raw:>9,}{gz:>10,}{fmt(br):>9}")
        print("-" * (width + 28))
        lazy_total = [sum(row[i] for row in later) for i in (1, 2)]
        lazy_br = sum(row[3] for row in later) if brotli else None
        print(f"{'on demand':<{width}}{lazy_total[0]:>9,}{lazy_total[1]:>10,}{fmt(lazy_br):>9}")
    print()
    print("every host page, before any click:")
    host = [
        (LOADER, *sizes((STATIC_DIR / LOADER).read_bytes())),
        ("config (JSON)", *sizes(config)),
        (f"{PROACTIVE} (if triggers)", *sizes((STATIC_DIR / PROACTIVE).read_bytes())),
    ]
    width = max(width, *(len(row[0]) + 2 for row in host))
    for name, raw, gz, br in host:
        print(f"{name:<{width}}{raw:>9,}{gz:>10,}{fmt(br):>9}")
    print("-" * (width + 28))
    for label, rows_ in (("host page", host[:2]), ("host page, triggers", host)):
        raw, gz = sum(r[1] for r in rows_), sum(r[2] for r in rows_)
        br = sum(r[3] for r in rows_) if brotli else None
        print(f"{label:<{width}}{raw:>9,}{gz:>10,}{fmt(br):>9}")
    print()
    for label, value, target in (
        ("loader", loader[2], TARGET_LOADER),
        ("first open", total[1], TARGET_FIRST_OPEN),
    ):
        verdict = "PASS" if value <= target else "MISS"
        print(
            f"{verdict}  {label}: {value:,} B gz (target ≤ {target:,}, margin {target - value:,})"
        )


def on_demand(scripts: list[Path], seen: set[Path]) -> list[tuple[str, bytes]]:
    """Modules the scripts import() later, and the stylesheets those modules add."""
    found = []
    queue = list(scripts)
    while queue:
        script = queue.pop(0)
        text = script.read_text(errors="replace")
        refs = DYNAMIC_IMPORT.findall(text)
        if script not in scripts:  # a lazy module: its own stylesheets
            refs += MODULE_STYLESHEET.findall(text)
        for ref in refs:
            path = (script.parent / ref).resolve()
            if path in seen or not path.is_file():
                continue
            seen.add(path)
            found.append((str(path.relative_to(STATIC_DIR)), path.read_bytes()))
            if path.suffix == ".js":
                queue.append(path)
    return found


def fmt(n: int | None) -> str:
    return "n/a" if n is None else f"{n:,}"


def fonts(css_path: Path, css: bytes) -> list[Path]:
    """Local font files a stylesheet's url()s name (data: and other hosts are skipped)."""
    found = []
    for ref in re.findall(rb"url\(\s*['\"]?([^'\")]+)", css):
        ref = ref.decode().split("?")[0].split("#")[0]
        if ref.startswith("data:") or "//" in ref:
            continue
        font = (css_path.parent / ref).resolve()
        if font.suffix.lower() in {".woff2", ".woff", ".ttf", ".otf"} and font.is_file():
            found.append(font)
    return found


if __name__ == "__main__":
    main()
