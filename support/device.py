"""The contact panel's device facts: what the widget or app reported, in readable form.

The widget sends raw values (docs/protocol.md `device`): "web", "Android", "13",
"1080x2400", "tr-TR", a user agent. Agents see "Web browser", "Android 13", "Chrome 120",
"1080 × 2400", "Turkish (TR)".
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

SCREEN_RE = re.compile(r"^\s*(\d{2,5})\s*[x×*]\s*(\d{2,5})\s*$")
# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"(?:OPR|Opera)/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/")),
)
# First match wins: iOS and Android user agents also say "Mac OS X" and "Linux".
OPERATING_SYSTEMS = (
    ("Windows", re.compile(r"Windows NT ([\d.]+)")),
    ("iOS", re.compile(r"(?:iPhone|iPad|iPod).*? OS ([\d_]+)")),
    ("Android", re.compile(r"Android ([\d.]+)")),
    ("macOS", re.compile(r"Mac OS X ([\d_.]+)")),
    ("Linux", re.compile(r"Linux()")),
)


@dataclass(frozen=True)
class DeviceFacts:
    facts: list[tuple[str, str]]
    # The last page the visitor was on: a link only for http(s) addresses.
    url: str
    url_is_link: bool
    user_agent: str


def _platform(value: str) -> str:
    names = {
        "web": _("Web browser"),
        "app": _("Mobile app"),
        "ios": _("iOS app"),
        "android": _("Android app"),
    }
    return names.get(value.lower(), value)


def browser_name(user_agent: str) -> str:
    for name, pattern in BROWSERS:
        match = pattern.search(user_agent or "")
        if match:
            return f"{name} {match.group(1)}"
    return ""


def os_from_user_agent(user_agent: str) -> dict[str, str]:
    """{os, os_version} named by a browser's user agent; {} when none is recognised."""
    for name, pattern in OPERATING_SYSTEMS:
        match = pattern.search(user_agent)
        if match:
            version = match.group(1).replace("_", ".")
            return {"os": name, "os_version": version} if version else {"os": name}
    return {}


def _operating_system(device: dict) -> str:
    name, version = device.get("os", ""), device.get("os_version", "")
    if not name:
        # A device stored without a system name may still carry its user agent.
        named = os_from_user_agent(device.get("user_agent", ""))
        if named:
            name, version = named["os"], named.get("os_version", "")
    return f"{name} {version}".strip()


def screen_size(value: str) -> str:
    match = SCREEN_RE.match(value or "")
    return f"{match.group(1)} × {match.group(2)}" if match else value


def language_name(locale: str) -> str:
    """ "tr-TR" → "Turkish (TR)" in the reader's language; unknown codes stay as they are."""
    code, _sep, region = (locale or "").replace("_", "-").partition("-")
    try:
        name = _(get_language_info(code.lower())["name"])
    except KeyError:
        return locale
    return f"{name} ({region.upper()})" if region else name


def device_facts(device: dict | None) -> DeviceFacts:
    device = {k: str(v) for k, v in (device or {}).items() if v not in (None, "")}
    facts = []

    def add(label: str, value: str) -> None:
        if value:
            facts.append((label, value))

    add(_("Platform"), _platform(device.get("platform", "")))
    add(_("Operating system"), _operating_system(device))
    add(_("Browser"), browser_name(device.get("user_agent", "")))
    add(_("App version"), device.get("app_version", ""))
    add(_("Model"), device.get("model", ""))
    add(_("Screen"), screen_size(device.get("screen", "")))
    add(_("Language"), language_name(device.get("locale", "")))
    add(_("Time zone"), device.get("timezone", ""))
    url = device.get("url", "")
    return DeviceFacts(
        facts=facts,
        url=url,
        url_is_link=urlsplit(url).scheme in ("http", "https"),
        user_agent=device.get("user_agent", ""),
    )
