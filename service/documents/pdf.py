"""A small, valid PDF of text pages (Helvetica, WinAnsi so that æ, ø, å and – print),
written by hand: enough for the demo's action plans and minutes and for tests."""

from __future__ import annotations

import textwrap

PAGE_W, PAGE_H, MARGIN, LEADING = 595, 842, 56, 15
LINES_PER_PAGE = (PAGE_H - 2 * MARGIN) // LEADING


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _lines(title: str, paragraphs: list[str]) -> list[tuple[str, str]]:
    """(font, text) lines: the title in bold, headings (starting '# ') bold, the rest wrapped."""
    out: list[tuple[str, str]] = [("F2", title), ("F1", "")]
    for p in paragraphs:
        if p.startswith("# "):
            out += [("F1", ""), ("F2", p[2:])]
        elif p.startswith("- "):
            wrapped = textwrap.wrap(p[2:], 80) or [""]
            out += [("F1", "• " + wrapped[0])] + [("F1", "   " + w) for w in wrapped[1:]]
        else:
            out += [("F1", w) for w in textwrap.wrap(p, 84)] + [("F1", "")]
    return out


def text_pdf(title: str, paragraphs: list[str]) -> bytes:
    lines = _lines(title, paragraphs)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    objects: list[bytes] = []  # object n is objects[n - 1]
    n_pages = len(pages)
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    for i, page in enumerate(pages):
        ops = [b"BT", f"{MARGIN} {PAGE_H - MARGIN} Td {LEADING} TL".encode()]
        for font, text in page:
            size = 14 if font == "F2" and text == title else 11
            ops.append(f"/{font} {size} Tf".encode() + b" (" + _escape(text) + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
            f"/Contents {6 + 2 * i} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
