"""`samling import municipalities FILE`: run as a user would, checked through the API.

Codes 99xx and 9999xx are not real SSB numbers, so they never meet the demo data;
each test uses its own codes, so the tests do not depend on one another.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.db.tables import AuditEvent, Municipality

SSB_HEADER = "code;parentCode;level;name;shortName;presentationName;validFrom;validTo;notes"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


async def samling(samling_bin: Path, *args: str) -> Run:
    """Run the real command; it inherits the environment, so the same test database."""
    proc = await asyncio.create_subprocess_exec(
        str(samling_bin),
        *args,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


def ssb_row(code: str, name: str) -> str:
    """One row as the SSB classification export writes it: every field quoted."""
    fields = [code, "", "1", name, name, f"{code} {name}", "2024-01-01", "", ""]
    return ";".join(f'"{f}"' for f in fields)


def ssb_export(path: Path, rows: list[tuple[str, str]], encoding: str = "utf-8-sig") -> Path:
    lines = [SSB_HEADER] + [ssb_row(code, name) for code, name in rows]
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


async def municipalities(client: httpx.AsyncClient) -> dict[str, str]:
    """number -> name, as the public API shows them."""
    response = await client.get("/api/v1/municipalities")
    assert response.status_code == 200, response.text
    body = response.json()
    numbers = [m["number"] for m in body]
    assert len(numbers) == len(set(numbers)), "a municipality is listed twice"
    return {m["number"]: m["name"] for m in body}


async def stored(*codes: str) -> list[str]:
    rows = await Municipality.select(Municipality.number).where(Municipality.number.is_in(codes))
    return sorted(r["number"] for r in rows)


async def test_an_ssb_export_creates_the_municipalities(
    migrated: None, client: httpx.AsyncClient, samling_bin: Path, tmp_path: Path
) -> None:
    rows = [
        ("9901", "Prøvekommune"),
        ("9902", "Æsøy"),
        ("9903", "Vestre Ålfjord"),
        ("9904", "Guovdageaidnu – Kautokeino"),
        ("999901", "Prøvebydel Sentrum"),
    ]
    file = ssb_export(tmp_path / "klass-131.csv", rows)
    assert file.read_bytes().startswith(b"\xef\xbb\xbf")

    run = await samling(samling_bin, "import", "municipalities", str(file))

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "municipalities: 5 created, 0 renamed, 0 unchanged"
    assert run.stderr == ""
    listed = await municipalities(client)
    for code, name in rows:
        assert listed.get(code) == name
    assert "\ufeffcode" not in listed and "\ufeff9901" not in listed

    audit = await AuditEvent.select(AuditEvent.after).where(
        AuditEvent.action == "municipalities.import"
    )
    assert any(a["after"] is not None and "klass-131.csv" in str(a["after"]) for a in audit), (
        "the import is recorded in the audit log"
    )


async def test_importing_the_same_file_again_creates_no_duplicates(
    migrated: None, client: httpx.AsyncClient, samling_bin: Path, tmp_path: Path
) -> None:
    rows = [("9911", "Gjentakøy"), ("9912", "Dobbeltvik"), ("999911", "Gjentakøy bydel")]
    file = ssb_export(tmp_path / "export.csv", rows)

    first = await samling(samling_bin, "import", "municipalities", str(file))
    second = await samling(samling_bin, "import", "municipalities", str(file))

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "municipalities: 3 created, 0 renamed, 0 unchanged"
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "municipalities: 0 created, 0 renamed, 3 unchanged"
    assert await stored("9911", "9912", "999911") == ["9911", "9912", "999911"]
    listed = await municipalities(client)
    assert [listed.get(code) for code, _ in rows] == [name for _, name in rows]


async def test_a_changed_name_is_updated(
    migrated: None, client: httpx.AsyncClient, samling_bin: Path, tmp_path: Path
) -> None:
    before = ssb_export(tmp_path / "2023.csv", [("9921", "Gamlevik"), ("9922", "Uendret")])
    after = ssb_export(tmp_path / "2024.csv", [("9921", "Nyvik"), ("9922", "Uendret")])

    first = await samling(samling_bin, "import", "municipalities", str(before))
    assert first.returncode == 0, first.stderr
    second = await samling(samling_bin, "import", "municipalities", str(after))

    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "municipalities: 0 created, 1 renamed, 1 unchanged"
    listed = await municipalities(client)
    assert listed["9921"] == "Nyvik"
    assert listed["9922"] == "Uendret"
    assert "Gamlevik" not in listed.values()
    assert await stored("9921") == ["9921"], "a rename keeps the one row"


async def test_a_windows_1252_export_is_decoded(
    migrated: None, client: httpx.AsyncClient, samling_bin: Path, tmp_path: Path
) -> None:
    file = ssb_export(
        tmp_path / "cp1252.csv",
        [("9931", "Ørsta"), ("9932", "Å"), ("9933", "Bærum–Sør")],
        encoding="cp1252",
    )
    assert b"\xd8rsta" in file.read_bytes()

    run = await samling(samling_bin, "import", "municipalities", str(file))

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "municipalities: 3 created, 0 renamed, 0 unchanged"
    listed = await municipalities(client)
    assert listed["9931"] == "Ørsta"
    assert listed["9932"] == "Å"
    assert listed["9933"] == "Bærum–Sør"


def _lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# (file content, what the message must say, codes from the file that must not appear)
MALFORMED = {
    "missing-code-header": (
        _lines("kode;navn", '"9941";"Feilhode"'),
        ["line 1", "'code'", "'name'"],
        ["9941"],
    ),
    "missing-name-header": (
        _lines("code;shortName", '"9942";"Kort"'),
        ["line 1", "'name'"],
        ["9942"],
    ),
    "bad-code": (
        _lines(SSB_HEADER, ssb_row("9943", "Godkjent"), ssb_row("9944", "Også god"))
        + _lines(ssb_row("12a4", "Bokstavvik")),
        ["line 4", "12a4"],
        ["9943", "9944"],
    ),
    "five-digit-code": (
        _lines(SSB_HEADER, ssb_row("9945", "Godkjent"), ssb_row("99456", "Femsiffer")),
        ["line 3", "99456"],
        ["9945"],
    ),
    "empty-name": (
        _lines(SSB_HEADER, ssb_row("9946", "Godkjent"), ssb_row("9947", "  ")),
        ["line 3", "9947", "no name"],
        ["9946", "9947"],
    ),
    "duplicate-code": (
        _lines(
            SSB_HEADER,
            ssb_row("9948", "Første"),
            ssb_row("9949", "Andre"),
            ssb_row("9948", "Første igjen"),
        ),
        ["line 4", "9948", "twice"],
        ["9948", "9949"],
    ),
    "too-few-fields": (
        _lines("code;name", "9950;Godkjent", "9951"),
        ["line 3"],
        ["9950", "9951"],
    ),
    "empty-file": (b"", ["empty"], []),
    "header-only": (_lines(SSB_HEADER), ["no municipalities"], []),
}


@pytest.mark.parametrize("case", MALFORMED)
async def test_a_malformed_file_is_refused_whole(
    migrated: None, client: httpx.AsyncClient, samling_bin: Path, tmp_path: Path, case: str
) -> None:
    content, expected, codes = MALFORMED[case]
    file = tmp_path / f"{case}.csv"
    file.write_bytes(content)

    run = await samling(samling_bin, "import", "municipalities", str(file))

    assert run.returncode != 0
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    message = lines[0]
    assert str(file) in message
    for part in expected:
        assert part in message
    assert "nothing was imported" in message
    assert "municipalities:" not in run.stdout
    listed = await municipalities(client)
    assert [c for c in codes if c in listed] == [], "a refused file must import nothing"
    if codes:
        assert await stored(*codes) == []


async def test_a_missing_file_gives_a_clear_error(
    migrated: None, samling_bin: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-export.csv"

    run = await samling(samling_bin, "import", "municipalities", str(missing))

    assert run.returncode != 0
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert str(missing) in lines[0]
    assert "No such file" in lines[0]
    assert "Traceback" not in run.stderr
