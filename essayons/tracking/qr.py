"""QR codes for tracked links (segno): SVG for any size, PNG at print resolution."""

from __future__ import annotations

import io
import math

import segno

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 requires
PRINT_DPI = 300
# 1,200 pixels wide at 300 dpi is 10 cm: sharp on an A4 poster, and fine to scale down.
PRINT_PIXELS = 1200


def _symbol(text: str) -> segno.QRCode:
    # Level M survives a fold or a coffee stain on a flyer and keeps the code small.
    return segno.make(text, error="m", micro=False)


def qr_svg(text: str) -> bytes:
    """A standalone SVG (dark modules on white, with its quiet zone)."""
    buffer = io.BytesIO()
    _symbol(text).save(
        buffer, kind="svg", scale=10, border=QUIET_ZONE, dark="#000", light="#fff", xmldecl=True
    )
    return buffer.getvalue()


def qr_png(text: str) -> bytes:
    """A PNG at least PRINT_PIXELS wide, tagged 300 dpi, with its quiet zone."""
    symbol = _symbol(text)
    width, _ = symbol.symbol_size(scale=1, border=QUIET_ZONE)
    buffer = io.BytesIO()
    symbol.save(
        buffer,
        kind="png",
        scale=math.ceil(PRINT_PIXELS / width),
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        dpi=PRINT_DPI,
    )
    return buffer.getvalue()
