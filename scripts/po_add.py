"""Add `msgid|msgstr` lines (from a file or stdin) to a locale's catalog, keeping it sorted."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

PO = Path("src/contactless/web/locales/{locale}/LC_MESSAGES/messages.po")


def main() -> None:
    locale = sys.argv[1] if len(sys.argv) > 1 else "zh_CN"
    path = Path(str(PO).format(locale=locale))
    with path.open("rb") as handle:
        old = read_po(handle, locale=locale)
    # the old header's date kept: a catalog changed on two branches differs in its entries only
    catalog = Catalog(locale=locale, project="contactless", charset="utf-8",
                      creation_date=old.creation_date)
    entries = {str(m.id): str(m.string) for m in old if m.id}
    for line in sys.stdin.read().splitlines():
        if "|" in line:
            msgid, msgstr = line.split("|", 1)
            entries[msgid] = msgstr
    for msgid in sorted(entries):
        catalog.add(msgid, entries[msgid])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main()
