import os
import re
from pathlib import Path

import pytest

from tests.stack import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def stack(seeded_stack, tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("stack"))
    stack.setup(copy_of=seeded_stack)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def server(stack):
    port = stack.start_server()
    return f"http://127.0.0.1:{port}"


# Per module, not per session: Playwright's sync API keeps an event loop running in this
# thread while it is open, and asyncio tests that run later need the thread free.
@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, request):
    """Fresh browser contexts (separate cookies and storage); screenshots kept on failure.

    The test fails on anything a page logs as an error in the browser console (an uncaught
    exception, htmx's oobErrorNoTarget, a 404 for a page's own file): a person would not see
    them, and they hide real faults. A test that provokes some on purpose (a server killed
    under a live socket) names them with @pytest.mark.browser_console_errors(pattern, …).
    """
    contexts = []
    problems: list[str] = []

    def watch(page):
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"{message.text} ({message.location.get('url')})")
                if message.type == "error"
                else None
            ),
        )

    def make(**kwargs):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **kwargs})
        context.set_default_timeout(10_000)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for page_index, page in enumerate(context.pages):
                page.screenshot(path=ARTIFACTS / f"{request.node.name}-{index}-{page_index}.png")
        context.close()
    allowed = [
        re.compile(pattern)
        for marker in request.node.iter_markers("browser_console_errors")
        for pattern in marker.args
    ]
    unexpected = [p for p in problems if not any(a.search(p) for a in allowed)]
    if unexpected and not failed:
        pytest.fail("errors in the browser console:\n" + "\n".join(unexpected), pytrace=False)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
