"""Fast text metrics and PDF string escaping for the base-14 fonts (WinAnsi).

reportlab's own text path is pure Python and costs most of the render time of a long table;
these helpers measure with a cached width table and write PDF string bodies directly.
"""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics

from voucher.pdf.report_style import ELLIPSIS


def _char_widths(font_name: str) -> dict[str, int]:
    """Glyph widths (1/1000 em) of a base-14 font, keyed by the Unicode character."""
    font = pdfmetrics.getFont(font_name)
    widths: dict[str, int] = {}
    for code in range(32, 256):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        widths[char] = font.widths[code]
    return widths


_WIDTHS: dict[str, dict[str, int]] = {}


def text_width(text: str, font_name: str, size: float) -> float:
    """Width of ``text`` in points, as drawn by :func:`pdf_string` (unknown glyphs as '?')."""
    table = _WIDTHS.get(font_name)
    if table is None:
        table = _WIDTHS[font_name] = _char_widths(font_name)
    try:
        units = sum(map(table.__getitem__, text))
    except KeyError:
        units = sum(table.get(char, table["?"]) for char in text)
    return units * size / 1000.0


def _pdf_escapes() -> dict[int, str]:
    escapes = {ord("\\"): "\\\\", ord("("): "\\(", ord(")"): "\\)"}
    for code in list(range(0, 32)) + list(range(127, 256)):
        escapes[code] = f"\\{code:03o}"
    return escapes


_PDF_ESCAPES = _pdf_escapes()


def pdf_string(text: str) -> str:
    """``text`` as an ASCII PDF literal string body in WinAnsiEncoding ('?' if unmappable)."""
    if text.isascii():
        if "\\" in text or "(" in text or ")" in text:
            return text.translate(_PDF_ESCAPES)
        return text
    return text.encode("cp1252", "replace").decode("latin-1").translate(_PDF_ESCAPES)


def clean_text(text: str) -> str:
    """One printable line: control characters (newlines, tabs) become spaces, and characters
    the base-14 fonts cannot show (outside Windows-1252) become '?', the same everywhere."""
    if not text.isprintable():
        text = "".join(char if char.isprintable() else " " for char in text)
    if text.isascii():
        return text
    return text.encode("cp1252", "replace").decode("cp1252")


def fit_text(text: str, font_name: str, size: float, width: float) -> str:
    """``text`` cut with '…' so that it fits ``width`` points."""
    if text_width(text, font_name, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle] + ELLIPSIS, font_name, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap_text(text: str, font_name: str, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; the last one is cut with '…'."""
    if text_width(text, font_name, size) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    words = text.split(" ")
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font_name, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while text_width(current, font_name, size) > width:  # a word wider than the cell
            cut = fit_text(current, font_name, size, width)[:-1] or current[:1]
            lines.append(cut)
            current = current[len(cut) :]
        if len(lines) >= max_lines:
            rest = " ".join([current, *words[index + 1 :]]).strip()
            lines[max_lines - 1 :] = [
                fit_text(f"{lines[max_lines - 1]} {rest}", font_name, size, width)
            ]
            return lines
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines[max_lines - 1 :] = [fit_text(rest, font_name, size, width)]
    return lines
