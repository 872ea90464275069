import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from essayons.diagnostic.channels import Channel
from essayons.planner.images import ImageRejected, image_check, rendition_make
from essayons.planner.limits import CHANNEL_LIMITS


def picture(size=(800, 600), fmt="JPEG", mode="RGB", color=(200, 120, 40)):
    buffer = BytesIO()
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def png_header_only(width, height):
    """A PNG whose header claims any size, with a tiny (wrong) body: a classic bomb shape."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 10))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_sound_images_pass(fmt):
    checked = image_check(picture(fmt=fmt))
    assert (checked.image_format, checked.width, checked.height) == (fmt, 800, 600)


def test_wrong_type_is_refused_in_french():
    with pytest.raises(ImageRejected) as refused:
        image_check(b"%PDF-1.4 not an image")
    assert "JPEG, PNG ou WebP" in str(refused.value.message) or "JPEG, PNG or WebP" in str(
        refused.value.message
    )
    with pytest.raises(ImageRejected):
        image_check(picture(fmt="GIF", mode="P", color=1))


def test_huge_dimensions_are_refused():
    with pytest.raises(ImageRejected, match="10"):
        image_check(png_header_only(12_000, 100))
    with pytest.raises(ImageRejected):
        image_check(png_header_only(7_000, 7_000))


def test_decompression_bombs_are_refused():
    with pytest.raises(ImageRejected):
        image_check(png_header_only(100_000, 100_000))  # beyond Pillow's DecompressionBombError
    with pytest.raises(ImageRejected):
        image_check(png_header_only(9_500, 9_500))  # between the warning and the error


def test_corrupt_and_truncated_files_are_refused():
    whole = picture(size=(1200, 900))
    with pytest.raises(ImageRejected):
        image_check(whole[: len(whole) // 2])
    with pytest.raises(ImageRejected):
        image_check(png_header_only(50, 50))
    with pytest.raises(ImageRejected):
        image_check(b"")


def test_oversized_files_are_refused_before_decoding():
    with pytest.raises(ImageRejected, match="15"):
        image_check(b"\xff\xd8" + b"0" * (15 * 1024 * 1024 + 1))


def test_renditions_fit_each_network():
    wide = picture(size=(4000, 1000))
    for channel, limits in CHANNEL_LIMITS.items():
        made = rendition_make(wide, limits)
        with Image.open(BytesIO(made.data)) as image:
            assert image.format == "JPEG"
            assert max(image.size) <= limits.image_max_side
            assert (made.width, made.height) == image.size
        assert len(made.data) <= limits.image_max_bytes
        if channel == Channel.INSTAGRAM:
            assert made.width / made.height <= 1.91 + 0.01


def test_transparent_png_becomes_white_not_black():
    made = rendition_make(
        picture(fmt="PNG", mode="RGBA", color=(0, 0, 0, 0)), CHANNEL_LIMITS[Channel.FACEBOOK]
    )
    with Image.open(BytesIO(made.data)) as image:
        darkest, _lightest = image.convert("L").getextrema()
        assert isinstance(darkest, int) and darkest > 240  # white everywhere, no black


def test_tall_images_are_cropped_for_instagram():
    made = rendition_make(picture(size=(600, 2000)), CHANNEL_LIMITS[Channel.INSTAGRAM])
    assert made.width / made.height >= 0.8 - 0.01
