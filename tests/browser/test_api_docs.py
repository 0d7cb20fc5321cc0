"""The API docs page (Swagger UI) renders every operation under the site's CSP: its assets
come from /static/ (drf-spectacular-sidecar) and its start-up script from a URL."""


def test_swagger_ui_renders_under_the_csp(server, new_context):
    page = new_context().new_page()
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    response = page.goto(f"{server}/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 12
    assert page.get_by_text("/api/v1/conversations/{conversation_id}/messages/").count() >= 1
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert failed == []
