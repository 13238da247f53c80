"""What an attachment is, judged by its content (magic bytes), never by its name."""

import io
import zipfile

# (content type, magic prefix) checked in order.
_SIGNATURES = (
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/gif", b"GIF87a"),
    ("image/gif", b"GIF89a"),
    ("image/tiff", b"II*\x00"),
    ("image/tiff", b"MM\x00*"),
)
_OFFICE = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OPEN_DOCUMENT = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)


def detect_content_type(content: bytes) -> str | None:
    """The allowed type of `content`, or None when it is not on the allow-list."""
    for content_type, magic in _SIGNATURES:
        if content.startswith(magic):
            return content_type
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"PK\x03\x04"):
        return _zip_document_type(content)
    return _text_type(content)


def _zip_document_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in _OPEN_DOCUMENT else None
    except (zipfile.BadZipFile, KeyError, ValueError, RuntimeError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, content_type in _OFFICE.items():
        if any(name.startswith(prefix) for name in names):
            return content_type
    return None


def _text_type(content: bytes) -> str | None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
        return None
    return "text/plain"
