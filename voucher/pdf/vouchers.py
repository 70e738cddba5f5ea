"""Printable voucher sheets: plain voucher data in, PDF bytes out.

Four coupons per A4 page with dashed cut lines, each with its QR drawn as vector
shapes. Nothing here knows a family: a voucher is a bearer instrument and carries no
name, RUT or any word that marks its holder.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import zxingcpp
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from voucher.dates import format_date
from voucher.money import format_clp
from voucher.pdf import layout
from voucher.vouchers.codes import format_code, is_canonical

CATEGORY_TITLES = {"food": "VALE DE ALIMENTOS", "hygiene": "VALE DE HIGIENE"}
INSTRUCTIONS = (
    "Canjee este vale en un comercio adherido.",
    "Puede usarlo en varias compras hasta su saldo.",
)
ELLIPSIS = "\u2026"
SCISSORS = "\u2702"


@dataclass(frozen=True)
class PrintableVoucher:
    parish_name: str
    program_name: str
    category: str  # "food" | "hygiene"
    amount: int  # face value, pesos
    expires_on: date
    serial: str
    code: str  # canonical, 13 symbols
    redeem_url: str  # what the QR encodes, exactly


def render_voucher_sheets(vouchers: Sequence[PrintableVoucher]) -> bytes:
    """A4 pages, four vouchers each, in the given order, as PDF bytes.

    Refuses (ValueError) an empty list, an unknown category, a face value that is not
    a positive whole number of pesos, a code that is not canonical, a redeem URL that
    would open a different code from the one printed, or one too long for the QR slot.
    """
    if not vouchers:
        raise ValueError("no vouchers to print")
    for voucher in vouchers:
        _check_printable(voucher)
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=(layout.PAGE_WIDTH * mm, layout.PAGE_HEIGHT * mm), pageCompression=1
    )
    canvas.setTitle("Vales")
    canvas.setCreator("Vales")
    for page in _pages(vouchers):
        _draw_cut_lines(canvas, len(page))
        for slot, voucher in enumerate(page):
            _draw_voucher(canvas, voucher, _slot_bottom(slot))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _check_printable(voucher: PrintableVoucher) -> None:
    if voucher.category not in CATEGORY_TITLES:
        raise ValueError(f"unknown voucher category {voucher.category!r}")
    if isinstance(voucher.amount, bool) or not isinstance(voucher.amount, int):
        raise ValueError("a voucher's face value is whole pesos")
    if voucher.amount <= 0:
        raise ValueError("a voucher's face value is positive")
    if not is_canonical(voucher.code):
        raise ValueError(f"voucher {voucher.serial} has no canonical code")
    # A QR that opens another code than the one printed would send the shop to the
    # wrong voucher; the two must agree on paper.
    if not voucher.redeem_url.endswith("/r/" + format_code(voucher.code)):
        raise ValueError(f"voucher {voucher.serial}: the QR link does not carry its code")


def _pages(
    vouchers: Sequence[PrintableVoucher],
) -> Iterator[Sequence[PrintableVoucher]]:
    for start in range(0, len(vouchers), layout.VOUCHERS_PER_PAGE):
        yield vouchers[start : start + layout.VOUCHERS_PER_PAGE]


def _slot_bottom(slot: int) -> float:
    """Bottom edge (mm) of slot 0..3, slot 0 at the top of the page."""
    return layout.PAGE_HEIGHT - (slot + 1) * layout.SLOT_HEIGHT


# --- QR -------------------------------------------------------------------------------------

# zxing-cpp 2.3's built-in writer reads the level as a number: 1..4 = L, M, Q, H.
_EC_LEVEL_Q = "3"
_DARK_RUN = re.compile(rb"\x00+")


@dataclass(frozen=True)
class QrSymbol:
    """A QR's dark modules as horizontal runs: (row from the top, first column, length)."""

    size: int  # modules per side, quiet zone not included
    runs: tuple[tuple[int, int, int], ...]


def encode_qr(text: str) -> QrSymbol:
    """The QR (error correction Q, best mask) for `text`.

    Refuses (RuntimeError) a symbol the encoder did not make at level Q or could not
    read back: the writer decodes what it wrote, so this costs nothing extra.
    """
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=_EC_LEVEL_Q)
    if barcode.ec_level != "Q" or barcode.text != text:
        raise RuntimeError(f"QR encoder gave level {barcode.ec_level!r} or altered the text")
    image = memoryview(barcode.to_image(with_quiet_zones=False))
    size = image.shape[0]
    pixels = image.tobytes()
    runs = []
    for row in range(size):
        offset = row * size
        for dark in _DARK_RUN.finditer(pixels, offset, offset + size):
            runs.append((row, dark.start() - offset, dark.end() - dark.start()))
    return QrSymbol(size=size, runs=tuple(runs))


def qr_box_size(symbol: QrSymbol) -> float:
    """Side (mm) of the QR with its quiet zone: about 30 mm, modules never under 0.7 mm.

    Refuses (ValueError) a symbol that would not fit the slot at that module size.
    """
    modules = symbol.size + 2 * layout.QR_QUIET_MODULES
    side = max(layout.QR_TARGET_SIZE, modules * layout.QR_MIN_MODULE)
    if side > layout.QR_MAX_SIZE:
        raise ValueError("the redeem URL is too long for the printed QR; shorten the base URL")
    return side


def _draw_qr(canvas: Canvas, symbol: QrSymbol, left: float, bottom: float, side: float) -> None:
    """One filled path of run rectangles, in module units so coordinates stay small
    integers; a single fill also leaves no hairline seams between touching runs."""
    module = side / (symbol.size + 2 * layout.QR_QUIET_MODULES)
    canvas.saveState()
    canvas.translate(left * mm, bottom * mm)
    canvas.scale(module * mm, module * mm)
    canvas.translate(layout.QR_QUIET_MODULES, layout.QR_QUIET_MODULES)
    canvas.setFillGray(0)
    canvas.addLiteral(qr_path_operators(symbol))
    canvas.restoreState()


def qr_path_operators(symbol: QrSymbol) -> str:
    """PDF operators for one path made of every run rectangle, filled once (`f`).

    Written here rather than through reportlab's path object, whose number formatting
    costs about 25 µs per rectangle in pure Python: 13 s for 2,000 vouchers.
    """
    top_row = symbol.size - 1
    rects = [f"{column} {top_row - row} {length} 1 re" for row, column, length in symbol.runs]
    rects.append("f")
    return "\n".join(rects)


# --- one voucher ------------------------------------------------------------------------------


def _draw_voucher(canvas: Canvas, voucher: PrintableVoucher, bottom: float) -> None:
    symbol = encode_qr(voucher.redeem_url)
    side = qr_box_size(symbol)
    _draw_frame(canvas, bottom)
    _draw_header(canvas, voucher, bottom)
    _draw_qr(canvas, symbol, layout.QR_LEFT, bottom + layout.QR_TOP - side, side)
    _draw_details(canvas, voucher, layout.QR_LEFT + side + layout.TEXT_GAP, bottom)
    _draw_value(canvas, voucher.amount, bottom)
    for line, baseline in zip(INSTRUCTIONS, layout.INSTRUCTION_BASELINES, strict=True):
        _text(
            canvas,
            line,
            layout.INSTRUCTION_FONT,
            layout.INSTRUCTION_SIZE_PT,
            layout.CONTENT_LEFT,
            bottom + baseline,
        )


def _draw_frame(canvas: Canvas, bottom: float) -> None:
    canvas.setLineWidth(layout.FRAME_LINE_WIDTH_PT)
    canvas.setStrokeGray(layout.FRAME_GRAY)
    canvas.roundRect(
        layout.FRAME_INSET * mm,
        (bottom + layout.FRAME_INSET) * mm,
        (layout.PAGE_WIDTH - 2 * layout.FRAME_INSET) * mm,
        (layout.SLOT_HEIGHT - 2 * layout.FRAME_INSET) * mm,
        layout.FRAME_RADIUS * mm,
        stroke=1,
        fill=0,
    )


def _draw_header(canvas: Canvas, voucher: PrintableVoucher, bottom: float) -> None:
    baseline = bottom + layout.HEADER_BASELINE
    parish, size = _fitted(
        voucher.parish_name.upper(),
        layout.PARISH_FONT,
        layout.PARISH_SIZE_PT,
        layout.PARISH_MAX_WIDTH,
    )
    _text(canvas, parish, layout.PARISH_FONT, size, layout.CONTENT_LEFT, baseline)
    program, size = _fitted(
        voucher.program_name, layout.PROGRAM_FONT, layout.PROGRAM_SIZE_PT, layout.PROGRAM_MAX_WIDTH
    )
    _text(
        canvas,
        program,
        layout.PROGRAM_FONT,
        size,
        layout.CONTENT_RIGHT,
        baseline,
        align_right=True,
    )
    canvas.setLineWidth(layout.HEADER_RULE_WIDTH_PT)
    rule_y = (bottom + layout.HEADER_RULE_Y) * mm
    canvas.line(layout.CONTENT_LEFT * mm, rule_y, layout.CONTENT_RIGHT * mm, rule_y)


def _draw_details(canvas: Canvas, voucher: PrintableVoucher, left: float, bottom: float) -> None:
    title = CATEGORY_TITLES[voucher.category]
    _text(
        canvas, title, layout.TITLE_FONT, layout.TITLE_SIZE_PT, left, bottom + layout.TITLE_BASELINE
    )
    details = (
        ("Válido hasta: ", format_date(voucher.expires_on)),
        ("Serie: ", voucher.serial),
        ("Código: ", format_code(voucher.code)),
    )
    for (label, value), baseline in zip(details, layout.DETAIL_BASELINES, strict=True):
        _labelled(canvas, label, value, left, bottom + baseline)


def _labelled(canvas: Canvas, label: str, value: str, left: float, baseline: float) -> None:
    """'Label: ' in regular weight followed by its value in bold, within the text column."""
    size = layout.DETAIL_SIZE_PT
    label_width = stringWidth(label, layout.DETAIL_LABEL_FONT, size) / mm
    _text(canvas, label, layout.DETAIL_LABEL_FONT, size, left, baseline)
    value, value_size = _fitted(
        value, layout.DETAIL_VALUE_FONT, size, layout.TEXT_MAX_WIDTH - label_width
    )
    _text(canvas, value, layout.DETAIL_VALUE_FONT, value_size, left + label_width, baseline)


def _draw_value(canvas: Canvas, amount: int, bottom: float) -> None:
    value, size = _fitted(
        format_clp(amount), layout.VALUE_FONT, layout.VALUE_SIZE_PT, layout.VALUE_MAX_WIDTH
    )
    _text(
        canvas,
        value,
        layout.VALUE_FONT,
        size,
        layout.CONTENT_RIGHT,
        bottom + layout.VALUE_BASELINE,
        align_right=True,
    )


def _draw_cut_lines(canvas: Canvas, vouchers_on_page: int) -> None:
    """Dashed lines under each voucher except the paper's own bottom edge."""
    canvas.saveState()
    canvas.setLineWidth(layout.CUT_LINE_WIDTH_PT)
    canvas.setStrokeGray(layout.CUT_LINE_GRAY)
    canvas.setFillGray(layout.CUT_LINE_GRAY)
    canvas.setDash(*layout.CUT_LINE_DASH_PT)
    for slot in range(min(vouchers_on_page, layout.VOUCHERS_PER_PAGE - 1)):
        y = _slot_bottom(slot)
        canvas.line(0, y * mm, layout.PAGE_WIDTH * mm, y * mm)
        _text(canvas, SCISSORS, "ZapfDingbats", layout.SCISSORS_SIZE_PT, layout.SCISSORS_X, y - 1.1)
    canvas.restoreState()


# --- text helpers -------------------------------------------------------------------------------


def _text(
    canvas: Canvas,
    text: str,
    font: str,
    size: float,
    x: float,
    baseline: float,
    *,
    align_right: bool = False,
) -> None:
    canvas.setFont(font, size)
    if align_right:
        canvas.drawRightString(x * mm, baseline * mm, text)
    else:
        canvas.drawString(x * mm, baseline * mm, text)


def _fitted(text: str, font: str, size: float, max_width: float) -> tuple[str, float]:
    """`text` and a font size at which it fits `max_width` mm: first shrink (not below
    the minimum size), then cut with an ellipsis."""
    limit = max_width * mm
    width = stringWidth(text, font, size)
    if width <= limit:
        return text, size
    size = max(layout.MIN_FONT_SIZE_PT, size * limit / width)
    if stringWidth(text, font, size) <= limit:
        return text, size
    while text and stringWidth(text + ELLIPSIS, font, size) > limit:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS, size
