"""msgfmt in Python, for machines without GNU gettext: `python support/msgfmt.py [-f] -o X.mo X.po`.

The project's `compilemessages` (support/management/commands/compilemessages.py) runs it in
place of GNU msgfmt when that is not installed. It writes what GNU msgfmt writes for the same
catalog, as Python's gettext reads it (tests/config/test_compilemessages.py compares the two):
the header (even when marked fuzzy, less its POT-Creation-Date), every entry whose msgstr
(msgstr[0] for a plural) is not empty, fuzzy entries only with -f/--use-fuzzy, obsolete entries
never; a context as "context\\x04msgid", plural forms joined by NUL; keys sorted. No hash
table: it is optional in the format and gettext readers search the sorted keys. GNU's
--check-format has no counterpart here: tests/config/test_translations.py checks that
translations keep their placeholders.

It imports nothing from the project (Django runs it as a separate program).
"""

import argparse
import struct
import sys
from pathlib import Path

import polib

MAGIC = 0x950412DE


def catalog_pairs(po: polib.POFile, *, use_fuzzy: bool = False) -> list[tuple[bytes, bytes]]:
    """The (key, translation) pairs msgfmt would write, header first, keys sorted."""
    encoding = po.encoding or "utf-8"
    # The header as written, but for the line msgfmt leaves out (it changes on every extraction).
    header = "".join(
        f"{name}: {value}\n" for name, value in po.metadata.items() if name != "POT-Creation-Date"
    )
    pairs = {b"": header.encode(encoding)}
    for entry in po:
        if entry.obsolete or (entry.fuzzy and not use_fuzzy):
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
            if not forms or not forms[0]:
                continue
            key = entry.msgid + "\0" + entry.msgid_plural
            value = "\0".join(forms)
        else:
            if not entry.msgstr:
                continue
            key, value = entry.msgid, entry.msgstr
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        pairs[key.encode(encoding)] = value.encode(encoding)
    return sorted(pairs.items())


def mo_bytes(pairs: list[tuple[bytes, bytes]]) -> bytes:
    """A GNU .mo file (little-endian, revision 0) holding `pairs`, already sorted by key."""
    count = len(pairs)
    keys_table = 7 * 4
    values_table = keys_table + 8 * count
    data_start = values_table + 8 * count
    keys = b"".join(key + b"\0" for key, _ in pairs)
    values = b"".join(value + b"\0" for _, value in pairs)
    key_entries, value_entries = [], []
    key_offset, value_offset = data_start, data_start + len(keys)
    for key, value in pairs:
        key_entries += [len(key), key_offset]
        value_entries += [len(value), value_offset]
        key_offset += len(key) + 1
        value_offset += len(value) + 1
    header = struct.pack("<7I", MAGIC, 0, count, keys_table, values_table, 0, data_start)
    tables = struct.pack(f"<{4 * count}I", *key_entries, *value_entries)
    return header + tables + keys + values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output-file", required=True, help="the .mo file to write")
    parser.add_argument("-f", "--use-fuzzy", action="store_true", help="include fuzzy entries")
    parser.add_argument("po_file")
    args = parser.parse_args(argv)
    # polib would read a path that is not a file as the catalog's text.
    if not Path(args.po_file).is_file():
        print(f"{args.po_file}: no such file", file=sys.stderr)
        return 1
    try:
        po = polib.pofile(args.po_file)
    except (OSError, ValueError) as error:
        print(f"{args.po_file}: {error}", file=sys.stderr)
        return 1
    with open(args.output_file, "wb") as output:
        output.write(mo_bytes(catalog_pairs(po, use_fuzzy=args.use_fuzzy)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
