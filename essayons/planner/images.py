"""Checking uploaded images and making each network's rendition, with Pillow.

`image_check` runs before anything is stored: a wrong type, huge dimensions, a
decompression bomb or a corrupt file raises `ImageRejected` with a French message.
Renditions are JPEG, turned upright, stripped of metadata (no GPS position leaks),
cropped to the network's accepted proportions and fitted to its size limits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from essayons.planner.limits import NetworkLimits

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000  # well under Pillow's bomb threshold (Image.MAX_IMAGE_PIXELS)
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageRejected(Exception):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    image_format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMATS[self.image_format]


def image_check(data: bytes) -> CheckedImage:
    """The image if it is a sound JPEG, PNG or WebP of reasonable size; else ImageRejected."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(_("This photo weighs more than 15 MB: send a lighter one."))
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: treat it as the bomb it is.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data)) as image:
                image_format, (width, height) = image.format or "", image.size
                if image_format not in FORMATS:
                    raise ImageRejected(_("This file is not a JPEG, PNG or WebP photo."))
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise ImageRejected(
                        _(
                            "This photo is far too large (%(width)s × %(height)s pixels): at most 10,000 pixels a side."
                        )
                        % {"width": width, "height": height}
                    )
                image.verify()
            with Image.open(BytesIO(data)) as image:
                image.load()  # verify() does not decode the pixels; a truncated file fails here
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(
                _("This file claims gigantic dimensions: it is refused for safety.")
            ) from None
        except UnidentifiedImageError:
            raise ImageRejected(_("This file is not a JPEG, PNG or WebP photo.")) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise ImageRejected(_("This photo is damaged and cannot be read.")) from None
    return CheckedImage(data=data, image_format=image_format, width=width, height=height)


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


def rendition_make(data: bytes, limits: NetworkLimits) -> Rendition:
    """A JPEG of a checked image that the network accepts as it is."""
    with Image.open(BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        image = _flatten(image)
    image = _crop_to_aspect(image, limits.aspect_min, limits.aspect_max)
    image.thumbnail((limits.image_max_side, limits.image_max_side), Image.Resampling.LANCZOS)
    while True:
        for quality in (85, 75, 65):
            buffer = BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= limits.image_max_bytes:
                return Rendition(buffer.getvalue(), image.width, image.height)
        image = image.resize((max(1, image.width * 4 // 5), max(1, image.height * 4 // 5)))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (transparent PNGs would otherwise turn black)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _crop_to_aspect(
    image: Image.Image, aspect_min: float | None, aspect_max: float | None
) -> Image.Image:
    """Centre crop so that width / height falls within the accepted range."""
    ratio = image.width / image.height
    if aspect_max is not None and ratio > aspect_max:
        width = int(image.height * aspect_max)
        left = (image.width - width) // 2
        return image.crop((left, 0, left + width, image.height))
    if aspect_min is not None and ratio < aspect_min:
        height = int(image.width / aspect_min)
        top = (image.height - height) // 2
        return image.crop((0, top, image.width, top + height))
    return image
