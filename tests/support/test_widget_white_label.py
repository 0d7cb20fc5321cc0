"""White label per widget: the brand colour's readable text and shades, the widget page's
CSS variables, logo, assistant's name, avatars, "Powered by" and dark mode switches."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from support import colours
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("brand", "text"),
    [
        ("#4338ca", "#ffffff"),
        ("#facc15", "#111827"),
        ("#ffffff", "#111827"),
        ("#000000", "#ffffff"),
    ],
)
def test_the_text_on_a_brand_colour_is_the_readable_one(brand, text):
    assert colours.text_on(brand) == text
    assert colours.contrast(brand, text) >= 4.5


def test_every_colour_gets_readable_text():
    for red in range(0, 256, 17):
        for green in range(0, 256, 17):
            for blue in range(0, 256, 51):
                brand = f"#{red:02x}{green:02x}{blue:02x}"
                assert colours.contrast(brand, colours.text_on(brand)) >= 4.5, brand


@pytest.mark.parametrize("brand", ["#facc15", "#4338ca", "#ffffff", "#000000", "#22c55e"])
def test_the_brand_as_text_reads_on_light_and_dark_cards(brand):
    assert colours.contrast(colours.ink(brand, "#ffffff"), "#ffffff") >= 4.5
    assert colours.contrast(colours.ink(brand, "#1f2937"), "#1f2937") >= 4.5


def test_the_palette_darkens_and_tints_the_brand():
    assert colours.palette("#4338CA") == {
        "brand": "#4338ca",
        "brand-dark": "#372ea6",
        "tint": "#ecebfa",
        "tint-dark": "#202258",
        "on-brand": "#ffffff",
        "ink": "#4338ca",
        "ink-dark": "#8e88df",
    }
    with pytest.raises(ValueError):
        colours.rgb("red")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("launcher_color", "#12345"),
        ("launcher_color", "blue"),
        ("logo_url", "http://cdn.example.com/logo.png"),
        ("logo_url", "javascript:alert(1)"),
        ("assistant_avatar_url", "ftp://cdn.example.com/a.png"),
    ],
)
def test_the_admin_refuses_bad_colours_and_addresses(field, value):
    widget = factories.widget()
    setattr(widget, field, value)
    with pytest.raises(ValidationError) as refused:
        widget.full_clean()
    assert field in refused.value.message_dict


def widget_page(widget, lang="en"):
    return Client().get(f"/widget/?key={widget.key}&lang={lang}").content.decode()


def test_the_widget_page_carries_the_brand_and_the_switches():
    widget = factories.widget()
    widget.launcher_color = "#facc15"
    widget.logo_url = "https://cdn.example.com/logo.png"
    widget.assistant_name_en = "Lale"
    widget.assistant_name_tr = "Lale Hanım"
    widget.show_powered_by = False
    widget.show_agent_avatars = False
    widget.follow_dark_mode = False
    widget.full_clean()
    widget.save()
    page = widget_page(widget)
    assert "--brand:#facc15;" in page
    assert "--on-brand:#111827" in page
    assert '<img class="logo" src="https://cdn.example.com/logo.png"' in page
    assert 'data-bot="Lale"' in page
    assert "Powered by Destek" not in page
    assert "no-avatars" in page
    assert "dark-ok" not in page
    assert 'data-bot="Lale Hanım"' in widget_page(widget, "tr")


def test_the_defaults_keep_destek_s_look():
    widget = factories.widget()
    page = widget_page(widget)
    # The default colour's palette is widget.css's own: the page carries no override.
    assert "--brand:" not in page
    root = re.search(
        r":root\{([^}]*)\}", (settings.BASE_DIR / "static/widget/widget.css").read_text()
    )
    for name, value in colours.palette(colours.DEFAULT_BRAND).items():
        assert f"--{name}:{value};" in root.group(1)
    assert "Powered by Destek" in page
    assert "dark-ok" in page
    assert 'data-bot="Assistant"' in page


def test_the_launcher_config_names_the_readable_text_colour():
    widget = factories.widget()
    widget.launcher_color = "#fde047"
    widget.save()
    config = Client().get(f"/api/widget/v1/config?widget_key={widget.key}").json()
    assert (config["color"], config["fg"]) == ("#fde047", "#111827")
