"""Real and hostile image files for the upload tests, made in memory."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image_bytes(fmt: str, size=(64, 48), color=(200, 60, 30), **save) -> bytes:
    """A real image in the given Pillow format."""
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    image = Image.new(mode, size, color + ((255,) if mode == "RGBA" else ()))
    out = io.BytesIO()
    if fmt == "GIF":
        frames = [Image.new("RGB", size, c) for c in (color, (10, 120, 200))]
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)
    else:
        image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A photo whose EXIF says where it was taken and with which camera."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCamMaker"
    exif[0x0110] = "SpyCam 3000"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 31.0)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 12.0)
    return image_bytes("JPEG", size=(80, 60), exif=exif.tobytes())


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG whose header claims width x height pixels (a decompression bomb), made in a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # The first rows of zeros: real PNG data, just far too little of it to matter.
    body = zlib.compress(b"\x00" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


PHP_AS_PNG = b"<?php system($_GET['cmd']); ?>\n"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
# A real PNG with a script appended after IEND (a polyglot): the stored copy must lose it.
POLYGLOT = image_bytes("PNG") + b"<script>alert(1)</script>"
