"""What an uploaded file is, by its bytes, not by its name or the type the browser claims.

A file's first bytes alone are not enough: an 8-byte PNG signature with nothing after it would pass
as a receipt. So each kind is checked for the parts every real file of that kind has, at both ends:
a PNG's header chunk (with its checksum) and end chunk, a JPEG's start and end markers, a WebP's
RIFF length, a PDF's header and end-of-file marker. That is not a full decode (a damaged picture can
still pass), but nothing that is plainly not a picture or a document does.
"""

import struct
import zlib

PDF, PNG, JPEG, WEBP = "application/pdf", "image/png", "image/jpeg", "image/webp"
IMAGES = (PNG, JPEG, WEBP)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Writers may pad after the end marker; a real file's end is within its last kilobyte.
TAIL = 1024


def _is_png(content: bytes) -> bool:
    if not content.startswith(PNG_SIGNATURE) or len(content) < 8 + 25 + 12:
        return False
    length, kind = struct.unpack(">I4s", content[8:16])
    if kind != b"IHDR" or length != 13:
        return False
    header = content[12:29]
    (crc,) = struct.unpack(">I", content[29:33])
    width, height = struct.unpack(">II", content[16:24])
    return zlib.crc32(header) == crc and width > 0 and height > 0 and b"IEND" in content[-TAIL:]


def _is_jpeg(content: bytes) -> bool:
    return content.startswith(b"\xff\xd8\xff") and len(content) > 64 and b"\xff\xd9" in content[-TAIL:]


def _is_webp(content: bytes) -> bool:
    if len(content) < 20 or content[:4] != b"RIFF" or content[8:12] != b"WEBP":
        return False
    (size,) = struct.unpack("<I", content[4:8])
    return size + 8 <= len(content) <= size + 8 + 1 and content[12:15] == b"VP8"


def _is_pdf(content: bytes) -> bool:
    # Every PDF holds at least one object ("1 0 obj"): "%PDF-%%EOF" alone is not a document.
    return (content.startswith(b"%PDF-") and b"%%EOF" in content[-TAIL:] and len(content) >= 32
            and b" obj" in content)


CHECKS = {PDF: _is_pdf, PNG: _is_png, JPEG: _is_jpeg, WEBP: _is_webp}


def media_type(content: bytes, allowed: tuple[str, ...]) -> str | None:
    """The kind of file this is, if it is one of the allowed kinds; else None."""
    return next((kind for kind in allowed if CHECKS[kind](content)), None)
