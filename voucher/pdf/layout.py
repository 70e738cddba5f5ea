"""Where everything sits on the printed voucher sheet, in millimetres.

A4 portrait holding four vouchers stacked one above the other: each voucher is a wide
coupon (210 x 74.25 mm), and a volunteer separates them with three straight cuts along
the dashed lines. Vertical positions are measured from the bottom edge of a voucher's
slot, horizontal ones from the left edge of the page (PDF coordinates grow upwards).
"""

from __future__ import annotations

# --- sheet ------------------------------------------------------------------------------
PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
VOUCHERS_PER_PAGE = 4
SLOT_HEIGHT = PAGE_HEIGHT / VOUCHERS_PER_PAGE

CUT_LINE_WIDTH_PT = 0.4
CUT_LINE_GRAY = 0.55
CUT_LINE_DASH_PT = (4.0, 3.0)
SCISSORS_X = 2.0
SCISSORS_SIZE_PT = 9.0
SCISSORS_DROP = 1.1  # baseline below the cut line, so the glyph sits centred on it

# --- coupon frame -------------------------------------------------------------------------
# Cheap office lasers leave 4-5 mm unprinted at the paper edge; the frame stays inside it.
FRAME_INSET = 6.0
FRAME_RADIUS = 3.0
FRAME_LINE_WIDTH_PT = 0.9
FRAME_GRAY = 0.15
CONTENT_LEFT = FRAME_INSET + 6.0
CONTENT_RIGHT = PAGE_WIDTH - FRAME_INSET - 6.0

# --- header: parish on the left, program on the right ----------------------------------
HEADER_BASELINE = 61.0
PARISH_FONT = "Helvetica-Bold"
PARISH_SIZE_PT = 11.0
PARISH_MAX_WIDTH = 112.0
PROGRAM_FONT = "Helvetica"
PROGRAM_SIZE_PT = 10.0
PROGRAM_MAX_WIDTH = 70.0
HEADER_RULE_Y = 57.5
HEADER_RULE_WIDTH_PT = 0.5

# --- QR ---------------------------------------------------------------------------------
# The frame line must stay outside the quiet zone, so the QR box starts just inside it.
QR_LEFT = FRAME_INSET + 2.0
QR_TOP = 55.5
QR_TARGET_SIZE = 30.0  # quiet zone included
QR_MIN_MODULE = 0.7  # below this, phone cameras in a dim shop start to fail
QR_MAX_SIZE = 35.0  # larger would run into the instruction lines
QR_QUIET_MODULES = 4

# --- text column, right of the QR --------------------------------------------------------
TEXT_GAP = 3.0  # from the QR box (whose quiet zone already adds white)
TEXT_MAX_WIDTH = 95.0
TITLE_BASELINE = 47.5
TITLE_FONT = "Helvetica-Bold"
TITLE_SIZE_PT = 16.0
DETAIL_BASELINES = (40.0, 34.5, 29.0)  # valid until, serial, code
DETAIL_LABEL_FONT = "Helvetica"
DETAIL_VALUE_FONT = "Helvetica-Bold"
DETAIL_SIZE_PT = 11.0

# --- face value, big, on the right ---------------------------------------------------------
VALUE_BASELINE = 36.0
VALUE_FONT = "Helvetica-Bold"
VALUE_SIZE_PT = 36.0
VALUE_MAX_WIDTH = 60.0
# A reprint of a part-used voucher: "Saldo al dd-mm-yyyy" above the figure, the face value
# small below it (both right-aligned with the figure).
BALANCE_LABEL_BASELINE = 47.5
BALANCE_LABEL_SIZE_PT = 11.0
FACE_VALUE_BASELINE = 29.0
FACE_VALUE_SIZE_PT = 9.0

# --- instructions, under the QR -------------------------------------------------------------
INSTRUCTION_BASELINES = (17.0, 12.5)
INSTRUCTION_FONT = "Helvetica"
INSTRUCTION_SIZE_PT = 9.5

MIN_FONT_SIZE_PT = 8.0  # long names shrink down to this, then get an ellipsis
