"""Uploaded files: checked on the server for size, type and (for images) that they really are
images of a sensible size, whatever the browser or app claims."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from contactless.journeys.errors import InvalidUpload

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MIN_SIDE = 200
MAX_SIDE = 6000


@dataclass(frozen=True)
class UploadedFile:
    """A file as it arrived: the name and type the client gave, and its bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    data: bytes


def check_upload(upload: UploadedFile, *, kinds: frozenset[str], max_bytes: int) -> CheckedFile:
    """Accept a file only if it is what it claims: a JPEG/PNG/WebP that decodes (at least
    200 × 200, at most 6000 × 6000 pixels) or a PDF with a PDF header and trailer."""
    data = upload.data
    if not data:
        raise InvalidUpload("the file is empty")
    if len(data) > max_bytes:
        raise InvalidUpload("the file is larger than {limit} MB",
                            limit=max_bytes // (1024 * 1024))
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-"):
        if "pdf" not in kinds:
            raise InvalidUpload("upload a photo (JPEG, PNG or WebP)")
        if b"%%EOF" not in data[-1024:]:
            raise InvalidUpload("the PDF file is damaged")
        return CheckedFile("application/pdf", len(data), digest, None, None, data)
    if "image" not in kinds:
        raise InvalidUpload("upload a PDF file")
    width, height, content_type = _inspect_image(data)
    if min(width, height) < MIN_SIDE:
        raise InvalidUpload("the photo is too small: at least 200 × 200 pixels")
    if max(width, height) > MAX_SIDE:
        raise InvalidUpload("the photo is too large: at most 6000 × 6000 pixels")
    return CheckedFile(content_type, len(data), digest, width, height, data)


def _inspect_image(data: bytes) -> tuple[int, int, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format or ""
                width, height = probe.size
                probe.verify()
            if image_format not in IMAGE_FORMATS:
                raise InvalidUpload("upload a photo (JPEG, PNG or WebP)")
            if max(width, height) > MAX_SIDE:
                raise InvalidUpload("the photo is too large: at most 6000 × 6000 pixels")
            # verify() checks the structure; decoding every pixel catches truncated files
            with Image.open(io.BytesIO(data)) as full:
                full.load()
    except InvalidUpload:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidUpload("the file is not a real image") from exc
    return width, height, IMAGE_FORMATS[image_format]
