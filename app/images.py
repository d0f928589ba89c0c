"""Decode and re-encode uploaded images with Pillow, so only clean pixels are ever stored.

Every accepted file is opened by the four allowed decoders only, checked for its pixel count from
the header before any pixel is decoded (decompression bombs), then written again from its pixels
alone: EXIF (GPS, camera), XMP, ICC profiles and text chunks do not survive, and whatever was
appended to or hidden in the file (a script, a second file) is gone.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from app.errors import AppError
from app.i18n import Msg, N_

FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp"), "GIF": ("gif", "image/gif")}
EXTENSION_TYPES = {ext: mime for ext, mime in FORMATS.values()} | {"thumb.webp": "image/webp"}
MAX_FRAMES = 300
THUMBNAIL_QUALITY = 80

# Pillow's own guard, set to our bound: it raises DecompressionBombError past twice this, and we
# refuse past once before it is reached (the settings' bound is checked before load).
Image.MAX_IMAGE_PIXELS = 50_000_000


class ImageRejected(AppError):
    """An upload that is not an acceptable image."""

    status_code = 415
    code = "unsupported_image"


class ImageTooLarge(AppError):
    """An upload whose bytes or pixels exceed the limits."""

    status_code = 413
    code = "image_too_large"


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image ready to store, and its thumbnail when it is large."""

    data: bytes
    extension: str
    content_type: str
    width: int
    height: int
    thumbnail: bytes | None


def _too_many_pixels(max_pixels: int) -> ImageTooLarge:
    return ImageTooLarge(Msg("This image has too many pixels (at most %(limit)s).", limit=f"{max_pixels:,}"))


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(max_pixels) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImageRejected(N_("This file is not a PNG, JPEG, WebP or GIF image.")) from error


def _check_pixels(image: Image.Image, max_pixels: int) -> int:
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if image.format == "GIF" else 1
    if width < 1 or height < 1 or width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if frames > MAX_FRAMES or width * height * frames > max_pixels * 4:
        raise ImageTooLarge(N_("This animation has too many frames."))
    return frames


def _plain(frame: Image.Image, keep_alpha: bool) -> Image.Image:
    """The frame's pixels in a mode every encoder takes, with no metadata attached."""
    if frame.mode in ("P", "PA", "LA", "RGBA", "La") or "transparency" in frame.info:
        converted = frame.convert("RGBA" if keep_alpha else "RGB")
    elif frame.mode in ("RGB", "L"):
        converted = frame.copy()
    else:  # CMYK, I;16, F, YCbCr ...
        converted = frame.convert("RGB")
    converted.info = {}
    return converted


def _encode(image: Image.Image, fmt: str, frames: int) -> bytes:
    out = io.BytesIO()
    if fmt == "GIF":
        sequence = [_plain(frame, keep_alpha=True) for frame in ImageSequence.Iterator(image)]
        durations = [frame.info.get("duration", 100) for frame in ImageSequence.Iterator(image)]
        first = sequence[0]
        if frames > 1:
            first.save(out, "GIF", save_all=True, append_images=sequence[1:], duration=durations, loop=0, disposal=2)
        else:
            first.save(out, "GIF")
        return out.getvalue()
    upright = _plain(ImageOps.exif_transpose(image), keep_alpha=fmt != "JPEG")
    if fmt == "JPEG":
        upright.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        upright.save(out, "WEBP", quality=88)
    else:
        upright.save(out, "PNG")
    return out.getvalue()


def _thumbnail(image: Image.Image, edge: int) -> bytes:
    image.seek(0)
    small = _plain(ImageOps.exif_transpose(image), keep_alpha=True)
    small.thumbnail((edge, edge))
    out = io.BytesIO()
    small.save(out, "WEBP", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def clean_image(data: bytes, *, max_bytes: int, max_pixels: int, thumbnail_edge: int) -> CleanImage:
    """Decode an uploaded file and write it again without metadata; raise ImageRejected or
    ImageTooLarge (413) with a message a member can act on."""
    if len(data) > max_bytes:
        raise ImageTooLarge(Msg("This file is larger than %(limit)s bytes.", limit=f"{max_bytes:,}"))
    if not data:
        raise ImageRejected(N_("The file is empty."))
    Image.MAX_IMAGE_PIXELS = max_pixels
    image = _open(data, max_pixels)
    frames = _check_pixels(image, max_pixels)
    fmt = image.format
    try:
        image.load()
        encoded = _encode(image, fmt, frames)
        width, height = ImageOps.exif_transpose(image).size if fmt != "GIF" else image.size
        thumbnail = _thumbnail(image, thumbnail_edge) if max(width, height) > thumbnail_edge else None
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        raise ImageRejected(N_("This image is damaged and cannot be read.")) from error
    extension, content_type = FORMATS[fmt]
    return CleanImage(encoded, extension, content_type, width, height, thumbnail)
