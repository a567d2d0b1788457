"""Import SSB's municipality classification export (semicolon-separated CSV)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from service.db.tables import County, Municipality
from service.db.tx import atomic
from service.lib.audit import record
from service.lib.errors import Invalid
from service.lib.i18n import N_

CODE_RE = re.compile(r"^\d{4}(\d{2})?$")
NAME_MAX: int = Municipality.name.length or 150


MAX_PROBLEMS = 50  # a file that is wrong throughout: the first ones say enough


class ImportError_(ValueError):
    """The file cannot be imported. `problems` says where and why, each naming its line
    (an `Invalid`: English `detail`, and `message()` in the language of a page); str() is
    their English text on one line, as the command prints it."""

    def __init__(self, problems: list[Invalid], more: int = 0) -> None:
        self.problems = problems
        self.more = more  # problems past MAX_PROBLEMS, not listed
        text = "; ".join(p.detail for p in problems)
        if more:
            text += f"; and {more} more"
        super().__init__(text)


def _fail(template: str, **params: object) -> ImportError_:
    return ImportError_([Invalid(template, field="file", params=params)])


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    added: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (code, old, new)


def _decode(raw: bytes) -> str:
    # KLASS exports have come both as UTF-8 (with BOM) and as Windows-1252.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _fail(
            N_("byte {byte}: the file is neither UTF-8 nor Windows-1252 text"), byte=exc.start
        ) from None


def parse(raw: bytes) -> list[tuple[str, str]]:
    """Return (code, name) rows; raise ImportError_ naming every bad line (up to
    MAX_PROBLEMS of them)."""
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text), delimiter=";")
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise _fail(N_("the file is empty")) from None
    except csv.Error as exc:
        raise _fail(N_("line {line}: {error}"), line=1, error=str(exc)) from None
    if "code" not in header or "name" not in header:
        raise _fail(
            N_(
                "line 1: expected a header with the columns 'code' and 'name' "
                "(SSB classification export, semicolon-separated)"
            )
        )
    code_i, name_i = header.index("code"), header.index("name")
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    problems: list[Invalid] = []
    more = 0

    def problem(template: str, **params: object) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(Invalid(template, field="file", params=params))
        else:
            more += 1

    line_no = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem(N_("line {line}: {error}"), line=reader.line_num, error=str(exc))
            break
        line_no = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) <= max(code_i, name_i):
            problem(
                N_("line {line}: expected {expected} fields, got {got}"),
                line=line_no,
                expected=len(header),
                got=len(fields),
            )
            continue
        code, name = fields[code_i].strip(), fields[name_i].strip()
        if not CODE_RE.match(code):
            problem(
                N_("line {line}: {code!r} is not a 4- or 6-digit SSB number"),
                line=line_no,
                code=code,
            )
            continue
        if not name:
            problem(N_("line {line}: municipality {code} has no name"), line=line_no, code=code)
            continue
        if len(name) > NAME_MAX:
            problem(
                N_("line {line}: the name is longer than {limit} characters"),
                line=line_no,
                limit=NAME_MAX,
            )
            continue
        if code in seen:
            problem(N_("line {line}: municipality {code} appears twice"), line=line_no, code=code)
            continue
        seen.add(code)
        rows.append((code, name))
    if problems:
        raise ImportError_(problems, more)
    if not rows:
        raise _fail(N_("the file has a header but no municipalities"))
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
                result.added.append((code, name))
            elif old["name"] != name:
                await Municipality.update({Municipality.name: name}).where(
                    Municipality.id == old["id"]
                )
                result.updated += 1
                result.renamed.append((code, old["name"], name))
            else:
                result.unchanged += 1
        await record(
            actor,
            "municipalities.import",
            "municipality",
            "*",
            after={
                "file": source,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result
