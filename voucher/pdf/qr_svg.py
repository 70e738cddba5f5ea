"""A QR as inline SVG, for a screen that someone prints or scans from another phone
(the one-time password link). The printed vouchers draw theirs in PDF (vouchers.py)."""

from __future__ import annotations

import re

import zxingcpp
from markupsafe import Markup, escape

# zxing-cpp 2.3's built-in writer reads the level as a number: 1..4 = L, M, Q, H.
_EC_LEVEL_M = "2"
_QUIET = 4
_DARK_RUN = re.compile(rb"\x00+")


def qr_svg(text: str, label: str) -> Markup:
    """``text`` as a QR (level M, 4-module quiet zone), scalable, with ``label`` read out
    by screen readers."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=_EC_LEVEL_M)
    if barcode.text != text:
        raise RuntimeError("QR encoder altered the text")
    image = memoryview(barcode.to_image(with_quiet_zones=False))
    size = image.shape[0]
    pixels = image.tobytes()
    path = []
    for row in range(size):
        offset = row * size
        for run in _DARK_RUN.finditer(pixels, offset, offset + size):
            start, end = run.span()
            path.append(
                f"M{start - offset + _QUIET} {row + _QUIET}h{end - start}v1h-{end - start}z"
            )
    side = size + 2 * _QUIET
    # Only numbers of our own and the escaped label go into the markup.
    return Markup(  # noqa: S704
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )
