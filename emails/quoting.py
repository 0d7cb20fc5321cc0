"""Keep what the visitor wrote in an email reply: drop the quoted thread and the signature."""

import re

# Lines that start the quoted original in common clients (English and Turkish).
QUOTE_HEADERS = [
    re.compile(r"^On .+ wrote:\s*$", re.IGNORECASE),
    re.compile(r"^.+ tarihinde .+ (şunu )?yazdı:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(Original Message|Orijinal İleti|Özgün İleti)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^_{8,}\s*$"),
    re.compile(r"^(From|Kimden):\s.+$", re.IGNORECASE),
]
SIGNATURE = "-- "


def reply_text(text: str) -> str:
    """The new part of a reply: lines before the quote header, without "> " lines."""
    kept = []
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line == SIGNATURE or line.rstrip() == "--":
            break
        # Some clients wrap a long "On … wrote:" header over two lines.
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(pattern.match(stripped) or pattern.match(joined) for pattern in QUOTE_HEADERS):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()
