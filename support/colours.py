"""Colours of a white-labelled widget: the brand colour a supervisor picks, the shades the
widget's CSS uses, and the text colour that stays readable on it (WCAG 2 contrast)."""

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DARK_TEXT = "#111827"
LIGHT_TEXT = "#ffffff"
# A new widget's brand colour; static/widget/widget.css holds its palette as the defaults.
DEFAULT_BRAND = "#4338ca"


def rgb(colour: str) -> tuple[int, int, int]:
    if not HEX.match(colour or ""):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in (red, green, blue))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(colour: str) -> str:
    """White or near-black, whichever reads better on the colour; pure black for the mid tones
    where neither reaches 4.5:1 (WCAG AA for normal text), which black always does there."""
    best = max((LIGHT_TEXT, DARK_TEXT), key=lambda text: contrast(colour, text))
    return best if contrast(colour, best) >= 4.5 else "#000000"


def text_on_described(colour: str) -> str:
    """The computed text colour with its contrast, as the admin shows it: "#ffffff (5.2:1)"."""
    text = text_on(colour)
    return f"{text} ({contrast(colour, text):.1f}:1)"


def mix(colour: str, other: str, amount: float) -> str:
    """`amount` of `other` mixed into `colour` (0: colour, 1: other)."""
    return _hex(*(a + (b - a) * amount for a, b in zip(rgb(colour), rgb(other), strict=True)))


def ink(colour: str, background: str) -> str:
    """The brand colour as text on a background (links, chips, "Seen"): itself when it reads
    (4.5:1), else shaded toward black or white, whichever is further from the background."""
    toward = "#000000" if luminance(background) > 0.5 else "#ffffff"
    for step in range(21):
        shade = mix(colour, toward, step / 20)
        if contrast(shade, background) >= 4.5:
            return shade
    return toward


def palette(colour: str) -> dict[str, str]:
    """The widget's CSS variables for a brand colour (static/widget/widget.css)."""
    return {
        "brand": colour.lower(),
        "brand-dark": mix(colour, "#000000", 0.18),
        "tint": mix(colour, "#ffffff", 0.9),
        # The assistant's bubbles and chips in dark mode (widget.css, prefers-color-scheme).
        "tint-dark": mix(colour, "#111827", 0.7),
        "on-brand": text_on(colour),
        # The brand as text on the cards, light and dark (widget.css's --card).
        "ink": ink(colour, "#ffffff"),
        "ink-dark": ink(colour, "#1f2937"),
    }
