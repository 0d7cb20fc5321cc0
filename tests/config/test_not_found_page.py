"""An address nothing answers (a mistyped console link, an old help centre link) gets a page in
the browser's language, not Django's bare English "Not Found"."""

import pytest


@pytest.mark.parametrize(
    ("accept_language", "text"),
    [("tr", "Sayfa bulunamadı"), ("en", "Page not found")],
)
@pytest.mark.parametrize("path", ["/console/inbox-typo/", "/help/de/kaffee/"])
def test_an_unknown_address_says_so_in_the_browsers_language(client, path, accept_language, text):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 404
    assert text in response.content.decode()
