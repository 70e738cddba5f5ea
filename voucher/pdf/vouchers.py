"""Printable voucher sheets: plain voucher data in, PDF bytes out.

Four coupons per A4 page with dashed cut lines, each with its QR drawn as vector
shapes. Nothing here knows a family: a voucher is a bearer instrument and carries no
name, RUT or any word that marks its holder.

What every coupon of one parish, program and category shares (frame, header, title,
labels, instructions) is drawn once as a PDF form and reused, which keeps a print run
of thousands of vouchers small and quick; only the QR, dates, serial, code and value
are drawn per voucher.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import zxingcpp
from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from voucher.dates import format_date
from voucher.money import format_clp
from voucher.pdf import layout

# reportlab wraps every compressed stream in ASCII85 by default, a safeguard for 7-bit
# mail that makes files 25% larger and, in pure Python, takes most of the render time
# of a large print run. PDFs here travel over HTTP, so it is off for the process.
rl_config.useA85 = 0

ELLIPSIS = "\u2026"
SCISSORS = "\u2702"


@dataclass(frozen=True)
class PrintableVoucher:
    """What one coupon shows, as its builder formatted it (in the reader's language)."""

    parish_name: str
    program_name: str
    title: str  # "VALE DE ALIMENTOS"
    amount: int  # face value, pesos
    expires_on: date
    serial: str
    code: str  # as printed and typed: "7KQ2-M9XD-4RTA-P"
    redeem_url: str  # what the QR encodes, exactly: it ends with "/r/" and the printed code
    # A reprint of a part-used voucher: what is left, and on which day (the big figure
    # then says the balance; the face value goes small under it).
    remaining: int | None = None
    balance_on: date | None = None


@dataclass(frozen=True)
class _Words:
    """The sheet's fixed words, translated once per print run."""

    valid_until: str
    serial: str
    code: str
    instructions: tuple[str, str]
    balance_on: str  # "Saldo al %(date)s"
    face_value: str  # "Valor original %(amount)s"

    @classmethod
    def now(cls) -> _Words:
        return cls(
            valid_until=_("Válido hasta:") + " ",
            serial=_("Serie:") + " ",
            code=_("Código:") + " ",
            instructions=(
                _("Canjee este vale en un comercio adherido."),
                _("Puede usarlo en varias compras hasta su saldo."),
            ),
            balance_on=_("Saldo al %(date)s"),
            face_value=_("Valor original %(amount)s"),
        )


def render_voucher_sheets(vouchers: Sequence[PrintableVoucher]) -> bytes:
    """A4 pages, four vouchers each, in the given order, as PDF bytes.

    Refuses (ValueError) an empty list, a missing title, a face value that is not
    a positive whole number of pesos, a missing date, serial or code, a redeem URL that
    would open a different code from the one printed, or one too long for the QR slot.
    """
    if not vouchers:
        raise ValueError("no vouchers to print")
    for voucher in vouchers:
        _check_printable(voucher)
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(layout.PAGE_WIDTH * mm, layout.PAGE_HEIGHT * mm),
        pageCompression=1,
    )
    parish = vouchers[0].parish_name
    programs = ", ".join(dict.fromkeys(v.program_name for v in vouchers))
    canvas.setTitle(_("Vales para imprimir · %(parish)s", parish=parish))
    canvas.setAuthor(parish)
    canvas.setSubject(_("Vales de %(programs)s", programs=programs))
    canvas.setCreator("Vales")
    faces: dict[tuple[str, str, str, float], str] = {}
    words = _Words.now()
    for page in _pages(vouchers):
        _draw_cut_lines(canvas, len(page))
        for slot, voucher in enumerate(page):
            _draw_voucher(canvas, voucher, _slot_bottom(slot), faces, words)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _check_printable(voucher: PrintableVoucher) -> None:
    if not voucher.title.strip():
        raise ValueError("a voucher needs its title")
    if isinstance(voucher.amount, bool) or not isinstance(voucher.amount, int):
        raise ValueError("a voucher's face value is whole pesos")
    if voucher.amount <= 0:
        raise ValueError("a voucher's face value is positive")
    if not isinstance(voucher.expires_on, date):
        raise ValueError("a voucher needs its valid-until date")
    if not voucher.serial.strip():
        raise ValueError("a voucher needs its serial")
    if not voucher.code.strip():
        raise ValueError(f"voucher {voucher.serial} has no code")
    # A QR that opens another code than the one printed would send the shop to the
    # wrong voucher; the two must agree on paper.
    if not voucher.redeem_url.endswith("/r/" + voucher.code):
        raise ValueError(f"voucher {voucher.serial}: the QR link does not carry its code")


def _pages(vouchers: Sequence[PrintableVoucher]) -> Iterator[Sequence[PrintableVoucher]]:
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
class QrPath:
    """A QR as PDF path operators in module units, origin at the symbol's lower left.

    Each row's dark modules are merged into horizontal run rectangles, all in one path
    that is filled once: no hairline seams between touching runs, and a short stream.
    """

    size: int  # modules per side, quiet zone not included
    operators: str


def encode_qr(text: str) -> QrPath:
    """The QR (error correction Q, the encoder's best mask) for `text`.

    Refuses (RuntimeError) a symbol the encoder did not make at level Q or whose content
    differs from `text`: the encoder reports both for what it made, so a library
    upgrade that reads the level differently fails loudly instead of printing weaker QRs.
    """
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=_EC_LEVEL_Q)
    if barcode.ec_level != "Q" or barcode.text != text:
        raise RuntimeError(f"QR encoder gave level {barcode.ec_level!r} or altered the text")
    image = memoryview(barcode.to_image(with_quiet_zones=False))
    size = image.shape[0]
    pixels = image.tobytes()  # one byte per module, 0 = dark
    # PDF operators are formatted here rather than through reportlab's path object,
    # whose pure-Python number formatting costs ~25 µs a rectangle: 13 s for 2,000 QRs.
    operators = []
    for row in range(size):
        offset = row * size
        y = size - 1 - row
        for run in _DARK_RUN.finditer(pixels, offset, offset + size):
            start, end = run.span()
            operators.append(f"{start - offset} {y} {end - start} 1 re")
    operators.append("f")
    return QrPath(size=size, operators="\n".join(operators))


def qr_box_size(qr: QrPath) -> float:
    """Side (mm) of the QR with its quiet zone: about 30 mm, modules never under 0.7 mm.

    Refuses (ValueError) a symbol that would not fit the slot at that module size.
    """
    modules = qr.size + 2 * layout.QR_QUIET_MODULES
    side = max(layout.QR_TARGET_SIZE, modules * layout.QR_MIN_MODULE)
    if side > layout.QR_MAX_SIZE:
        raise ValueError("the redeem URL is too long for the printed QR; shorten the base URL")
    return side


def _draw_qr(canvas: Canvas, qr: QrPath, left: float, bottom: float, side: float) -> None:
    """The quiet zone is left as bare paper around the symbol."""
    module = side / (qr.size + 2 * layout.QR_QUIET_MODULES) * mm
    quiet = layout.QR_QUIET_MODULES * module
    canvas.saveState()
    canvas.transform(module, 0, 0, module, left * mm + quiet, bottom * mm + quiet)
    canvas.setFillGray(0)
    canvas.addLiteral(qr.operators)
    canvas.restoreState()


# --- one voucher ------------------------------------------------------------------------------


def _draw_voucher(
    canvas: Canvas,
    voucher: PrintableVoucher,
    bottom: float,
    faces: dict[tuple[str, str, str, float], str],
    words: _Words,
) -> None:
    qr = encode_qr(voucher.redeem_url)
    side = qr_box_size(qr)
    text_left = layout.QR_LEFT + side + layout.TEXT_GAP
    canvas.saveState()
    canvas.translate(0, bottom * mm)
    canvas.doForm(_face_form(canvas, voucher, text_left, faces, words))
    _draw_qr(canvas, qr, layout.QR_LEFT, layout.QR_TOP - side, side)
    details = (
        (words.valid_until, format_date(voucher.expires_on)),
        (words.serial, voucher.serial),
        (words.code, voucher.code),
    )
    for (label, value), baseline in zip(details, layout.DETAIL_BASELINES, strict=True):
        _draw_detail_value(canvas, label, value, text_left, baseline)
    if voucher.remaining is not None and voucher.remaining < voucher.amount:
        _draw_balance(canvas, voucher, words)
    else:
        _draw_value(canvas, voucher.amount)
    canvas.restoreState()


def _face_form(
    canvas: Canvas,
    voucher: PrintableVoucher,
    text_left: float,
    faces: dict[tuple[str, str, str, float], str],
    words: _Words,
) -> str:
    """Name of the form holding this voucher's shared face, drawn on first use."""
    key = (voucher.parish_name, voucher.program_name, voucher.title, text_left)
    if key not in faces:
        name = f"voucher-face-{len(faces)}"
        canvas.beginForm(name, 0, 0, layout.PAGE_WIDTH * mm, layout.SLOT_HEIGHT * mm)
        _draw_face(canvas, voucher, text_left, words)
        canvas.endForm()
        faces[key] = name
    return faces[key]


def _draw_face(canvas: Canvas, voucher: PrintableVoucher, text_left: float, words: _Words) -> None:
    _draw_frame(canvas)
    _draw_header(canvas, voucher)
    title = voucher.title
    _text(canvas, title, layout.TITLE_FONT, layout.TITLE_SIZE_PT, text_left, layout.TITLE_BASELINE)
    labels = (words.valid_until, words.serial, words.code)
    for label, baseline in zip(labels, layout.DETAIL_BASELINES, strict=True):
        font, size = layout.DETAIL_LABEL_FONT, layout.DETAIL_SIZE_PT
        _text(canvas, label, font, size, text_left, baseline)
    for line, baseline in zip(words.instructions, layout.INSTRUCTION_BASELINES, strict=True):
        font, size = layout.INSTRUCTION_FONT, layout.INSTRUCTION_SIZE_PT
        _text(canvas, line, font, size, layout.CONTENT_LEFT, baseline)


def _draw_frame(canvas: Canvas) -> None:
    canvas.setLineWidth(layout.FRAME_LINE_WIDTH_PT)
    canvas.setStrokeGray(layout.FRAME_GRAY)
    canvas.roundRect(
        layout.FRAME_INSET * mm,
        layout.FRAME_INSET * mm,
        (layout.PAGE_WIDTH - 2 * layout.FRAME_INSET) * mm,
        (layout.SLOT_HEIGHT - 2 * layout.FRAME_INSET) * mm,
        layout.FRAME_RADIUS * mm,
        stroke=1,
        fill=0,
    )


def _draw_header(canvas: Canvas, voucher: PrintableVoucher) -> None:
    baseline = layout.HEADER_BASELINE
    font, size = layout.PARISH_FONT, layout.PARISH_SIZE_PT
    parish, size = _fitted(voucher.parish_name.upper(), font, size, layout.PARISH_MAX_WIDTH)
    _text(canvas, parish, font, size, layout.CONTENT_LEFT, baseline)
    font, size = layout.PROGRAM_FONT, layout.PROGRAM_SIZE_PT
    program, size = _fitted(voucher.program_name, font, size, layout.PROGRAM_MAX_WIDTH)
    _text(canvas, program, font, size, layout.CONTENT_RIGHT, baseline, align_right=True)
    canvas.setLineWidth(layout.HEADER_RULE_WIDTH_PT)
    rule_y = layout.HEADER_RULE_Y * mm
    canvas.line(layout.CONTENT_LEFT * mm, rule_y, layout.CONTENT_RIGHT * mm, rule_y)


def _draw_detail_value(
    canvas: Canvas, label: str, value: str, text_left: float, baseline: float
) -> None:
    """The bold value after its regular-weight label (the label lives in the face form)."""
    size = layout.DETAIL_SIZE_PT
    label_width = stringWidth(label, layout.DETAIL_LABEL_FONT, size) / mm
    room = layout.TEXT_MAX_WIDTH - label_width
    value, size = _fitted(value, layout.DETAIL_VALUE_FONT, size, room)
    _text(canvas, value, layout.DETAIL_VALUE_FONT, size, text_left + label_width, baseline)


def _draw_value(canvas: Canvas, amount: int) -> None:
    font = layout.VALUE_FONT
    value, size = _fitted(format_clp(amount), font, layout.VALUE_SIZE_PT, layout.VALUE_MAX_WIDTH)
    right, baseline = layout.CONTENT_RIGHT, layout.VALUE_BASELINE
    _text(canvas, value, font, size, right, baseline, align_right=True)


def _draw_balance(canvas: Canvas, voucher: PrintableVoucher, words: _Words) -> None:
    """A part-used voucher printed again: the balance is the big figure, with its day
    above it and the face value small below, so nobody reads the paper as worth more."""
    right = layout.CONTENT_RIGHT
    day = format_date(voucher.balance_on) if voucher.balance_on else ""
    label = words.balance_on % {"date": day}
    _text(
        canvas,
        label,
        layout.DETAIL_VALUE_FONT,
        layout.BALANCE_LABEL_SIZE_PT,
        right,
        layout.BALANCE_LABEL_BASELINE,
        align_right=True,
    )
    _draw_value(canvas, voucher.remaining or 0)
    face = words.face_value % {"amount": format_clp(voucher.amount)}
    _text(
        canvas,
        face,
        layout.DETAIL_LABEL_FONT,
        layout.FACE_VALUE_SIZE_PT,
        right,
        layout.FACE_VALUE_BASELINE,
        align_right=True,
    )


def _draw_cut_lines(canvas: Canvas, vouchers_on_page: int) -> None:
    """Dashed lines under each voucher except along the paper's own bottom edge."""
    canvas.saveState()
    canvas.setLineWidth(layout.CUT_LINE_WIDTH_PT)
    canvas.setStrokeGray(layout.CUT_LINE_GRAY)
    canvas.setFillGray(layout.CUT_LINE_GRAY)
    canvas.setDash(*layout.CUT_LINE_DASH_PT)
    for slot in range(min(vouchers_on_page, layout.VOUCHERS_PER_PAGE - 1)):
        y = _slot_bottom(slot)
        canvas.line(0, y * mm, layout.PAGE_WIDTH * mm, y * mm)
        scissors_baseline = y - layout.SCISSORS_DROP
        size = layout.SCISSORS_SIZE_PT
        _text(canvas, SCISSORS, "ZapfDingbats", size, layout.SCISSORS_X, scissors_baseline)
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
    """Draw at (x, baseline) in mm; right-aligned text ends at x."""
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
