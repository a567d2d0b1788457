"""Import SSB's municipality classification export (semicolon-separated CSV)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from service.db.tables import County, Municipality
from service.db.tx import atomic
from service.lib.audit import record

CODE_RE = re.compile(r"^\d{4}(\d{2})?$")
NAME_MAX: int = Municipality.name.length or 150


class ImportError_(ValueError):
    """The file cannot be imported; the message says where and why."""


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _decode(raw: bytes) -> str:
    # KLASS exports have come both as UTF-8 (with BOM) and as Windows-1252.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"byte {exc.start}: the file is neither UTF-8 nor Windows-1252 text"
        ) from None


def parse(raw: bytes) -> list[tuple[str, str]]:
    """Return (code, name) rows; raise ImportError_ naming the first bad line."""
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text), delimiter=";")
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportError_("the file is empty") from None
    if "code" not in header or "name" not in header:
        raise ImportError_(
            "line 1: expected a header with the columns 'code' and 'name' "
            "(SSB classification export, semicolon-separated)"
        )
    code_i, name_i = header.index("code"), header.index("name")
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line_no, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) <= max(code_i, name_i):
            raise ImportError_(f"line {line_no}: expected {len(header)} fields, got {len(fields)}")
        code, name = fields[code_i].strip(), fields[name_i].strip()
        if not CODE_RE.match(code):
            raise ImportError_(f"line {line_no}: {code!r} is not a 4- or 6-digit SSB number")
        if not name:
            raise ImportError_(f"line {line_no}: municipality {code} has no name")
        if len(name) > NAME_MAX:
            raise ImportError_(f"line {line_no}: the name is longer than {NAME_MAX} characters")
        if code in seen:
            raise ImportError_(f"line {line_no}: municipality {code} appears twice")
        seen.add(code)
        rows.append((code, name))
    if not rows:
        raise ImportError_("the file has a header but no municipalities")
    return rows


async def import_municipalities(
    raw: bytes, source: str, actor: str = "samling import"
) -> ImportResult:
    """Create new municipalities and rename changed ones, all or nothing."""
    rows = parse(raw)
    result = ImportResult(0, 0, 0)
    async with atomic():
        counties = {c["number"]: c["id"] for c in await County.select(County.id, County.number)}
        existing = {
            m["number"]: m
            for m in await Municipality.select(
                Municipality.id, Municipality.number, Municipality.name
            )
        }
        for code, name in rows:
            old = existing.get(code)
            if old is None:
                await Municipality.insert(
                    Municipality(number=code, name=name, county=counties.get(code[:2]))
                )
                result.created += 1
            elif old["name"] != name:
                await Municipality.update({Municipality.name: name}).where(
                    Municipality.id == old["id"]
                )
                result.updated += 1
            else:
                result.unchanged += 1
        await record(
            actor,
            "municipalities.import",
            "municipality",
            "*",
            after={"file": source, **result.__dict__},
        )
    return result
