"""Images from outside (a citizen's JPEG or PNG scan), decoded to their last pixel before anything is stored, in
a bounded child process (engine.core.sandbox, as PDFs are read): a file that only begins like an image (its magic
bytes) and then opens nowhere is refused, as a broken PDF is."""
from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

# Pixels an image may have: an A3 page scanned at 600 dpi is about 70 million. Decoded RGB, that is about
# 210 MB, inside the child's memory limit (engine.core.sandbox.Limits).
MAX_PIXELS = 80_000_000
BROKEN = "Tệp ảnh bị hỏng hoặc không đọc được (chỉ nhận ảnh JPEG hoặc PNG nguyên vẹn)"
TOO_LARGE = "Ảnh có quá nhiều điểm ảnh (tối đa 80 triệu, tương đương một trang A3 quét ở 600 dpi)"


def problem(content: bytes) -> str | None:
    """Why ``content`` is not a whole JPEG or PNG image, or None when it is one."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # in the child: a larger one is refused before it is decoded
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format not in ("JPEG", "PNG"):
                return BROKEN
            width, height = image.size
            if width * height > MAX_PIXELS:
                return TOO_LARGE
            image.load()  # every pixel: a truncated or corrupt image stops here
    except Image.DecompressionBombError:
        return TOO_LARGE
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return BROKEN
    return None
