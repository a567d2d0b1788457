"""Fill translations into the catalogs from a JSON file, under the catalogs' lock.

    .venv/bin/python scripts/po_fill.py FILE.json

FILE.json maps an English msgid to its translations: {"Sign in": {"nb": "Logg inn",
"nn": "Logg inn", "en": "Sign in"}}; a plural msgid (as in the catalog, "%(count)s item")
maps to lists: {"nb": ["%(count)s ting", "%(count)s ting"], ...}; a msgid with a context
is written "context\\u0004msgid". Only msgids already in the catalogs are filled (run
`make messages` first); the script lists the ones it did not find. `make messages`
takes the same lock, so the two never overwrite each other.
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "service" / "locale"


def main(path: str) -> int:
    wanted: dict[str, dict[str, str | list[str]]] = json.loads(Path(path).read_text("utf-8"))
    missing: set[str] = set(wanted)
    with open(LOCALE / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for po in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
            lang = po.parent.parent.name
            with po.open("rb") as f:
                catalog = read_po(f, locale=lang)
            for key, by_lang in wanted.items():
                if lang not in by_lang:
                    continue
                context, _, msgid = key.rpartition("\u0004")
                message = catalog.get(msgid, context=context or None)
                if message is None:
                    continue
                missing.discard(key)
                text = by_lang[lang]
                message.string = tuple(text) if isinstance(text, list) else text
                message.flags.discard("fuzzy")
            with po.open("wb") as f:
                write_po(f, catalog, width=100, sort_by_file=True, include_previous=False)
    for key in sorted(missing):
        print(f"not in the catalogs (run make messages?): {key!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
