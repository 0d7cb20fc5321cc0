"""Build static/widget/loader.js from static/widget/src/loader.js (`make widget`).

The loader is the one script every page of a host site downloads, so it must stay under
2 KB gzipped (bench/widget_size.py): it ships with comments and indentation removed by rjsmin
(whitespace and comments only, names untouched, so the shipped code reads like the source).
tests/chat/test_loader_build.py fails when the shipped file is not the build of the source.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "static/widget/src/loader.js"
TARGET = ROOT / "static/widget/loader.js"
HEADER = "// make widget: built from src/loader.js\n"


def build() -> str:
    import rjsmin

    return HEADER + rjsmin.jsmin(SOURCE.read_text()) + "\n"


def main() -> None:
    TARGET.write_text(build())
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size:,} B")


if __name__ == "__main__":
    main()
