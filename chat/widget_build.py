"""Build the widget's shipped scripts from their sources (`make widget`).

The loader is the one script every page of a host site downloads (≤ 2 KB gzipped) and
widget.js is the largest part of the widget's first open (≤ 15 KB gzipped in all, see
bench/widget_size.py). Both ship with comments and indentation removed by rjsmin (whitespace
and comments only, names untouched, template literals kept as written), so the shipped code
reads like the source. tests/chat/test_widget_build.py fails when a shipped file is not the
build of its source: edit static/widget/src/<name>.js, then run `make widget`.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET_STATIC = ROOT / "static/widget"
NAMES = ("loader.js", "widget.js")


def source(name: str) -> Path:
    return WIDGET_STATIC / "src" / name


def target(name: str) -> Path:
    return WIDGET_STATIC / name


def build(name: str) -> str:
    import rjsmin

    # No header comment: these files go to every visitor (the loader to every page of every
    # host site); tests/chat/test_widget_build.py keeps each equal to its build from src/.
    return rjsmin.jsmin(source(name).read_text()) + "\n"


def main() -> None:
    for name in NAMES:
        path = target(name)
        path.write_text(build(name))
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} B")


if __name__ == "__main__":
    main()
