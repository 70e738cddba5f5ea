"""Layout of the treasurer's A4 reports in one place: page, margins, fonts, table metrics.

Points unless a name says otherwise.
"""

from __future__ import annotations

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

PAGE_PORTRAIT = A4
PAGE_LANDSCAPE = landscape(A4)
MARGIN_LEFT = 15 * mm
MARGIN_RIGHT = 15 * mm
MARGIN_TOP = 25 * mm  # the running header lives inside it
MARGIN_BOTTOM = 18 * mm  # the footer lives inside it

FONT = "Helvetica"  # base-14 fonts: WinAnsi covers Spanish (áéíóúñü ¿¡ ° · …), nothing embedded
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"

HEADER_BASELINE_FROM_TOP = 13 * mm
HEADER_FONT_SIZE = 10.0
HEADER_SUBTITLE_SIZE = 8.0
HEADER_SUBTITLE_GAP = 11.0  # baseline to baseline
HEADER_RULE_GAP = 5.0  # below the subtitle baseline
FOOTER_BASELINE = 10 * mm
FOOTER_FONT_SIZE = 7.5
FOOTER_RULE_GAP = 9.0  # above the footer baseline
TIP_FONT_SIZE = 6.0  # the ledger chain tip, a line under the footer
TIP_LINE_GAP = 8.0
RULE_WIDTH = 0.5
RULE_GRAY = 0.5
SUBTITLE_GRAY = 0.3

TITLE_SIZE = 15.0
TEXT_SIZE = 9.0
TEXT_LEADING = 12.0
INFO_LABEL_WIDTH = 38 * mm
SIGNATURE_GAP = 22 * mm  # room to sign above the line
SIGNATURE_LINE_WIDTH = 70 * mm

TABLE_FONT_SIZE = 7.5
TABLE_LEADING = 9.0
CELL_PAD_X = 3.0
CELL_PAD_Y = 2.0
MAX_WRAP_LINES = 3  # a wrapping cell longer than this is cut with "…"
# A cell too wide for its column is squeezed horizontally (Tz). Numbers are never cut; text
# that would need more squeezing than this is cut with "…" instead.
MIN_SQUEEZE_NUMBER = 0.5
MIN_SQUEEZE_TEXT = 0.8
HEADER_FILL_GRAY = 0.85
STRIPE_FILL_GRAY = 0.95
MUTED_TEXT_GRAY = 0.45
TABLE_RULE_WIDTH = 0.6

VERIFICATION_HEX_CHARS = 12
ELLIPSIS = "…"

# --- paragraph styles -----------------------------------------------------------------------
TITLE_STYLE = ParagraphStyle(
    "ReportTitle", fontName=FONT_BOLD, fontSize=TITLE_SIZE, leading=TITLE_SIZE * 1.25
)
TEXT_STYLE = ParagraphStyle("ReportText", fontName=FONT, fontSize=TEXT_SIZE, leading=TEXT_LEADING)
STRONG_STYLE = ParagraphStyle(
    "ReportStrong", parent=TEXT_STYLE, fontName=FONT_BOLD, fontSize=TEXT_SIZE + 1.5
)
SIGNATURE_STYLE = ParagraphStyle("ReportSignature", parent=TEXT_STYLE, alignment=TA_CENTER)
