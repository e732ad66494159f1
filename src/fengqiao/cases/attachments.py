"""Photos and files on a case: checked by their bytes, stored with their SHA-256, and logged as a
note event (the hashes go into the event, so the hash chain covers the files too)."""

import hashlib
import os
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import services
from fengqiao.cases.models import CaseAttachment
from fengqiao.core import clock
from fengqiao.core.errors import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
NAME_LENGTH = 120


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    extension: str
    content: bytes
    sha256: str


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an image or PDF, judged by its first bytes; else None.

    The type a client declares is not trusted, and SVG is refused on purpose (it can carry
    scripts)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"mif1"):
        return "image/heic", ".heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    return None


def _clean_name(name: str, extension: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip() or f"file{extension}"
    if len(base) > NAME_LENGTH:
        stem, ext = os.path.splitext(base)
        base = stem[: NAME_LENGTH - len(ext[:10])] + ext[:10]
    return base


def _read(upload, field: str) -> bytes:
    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise ValidationFailed(
            _("%(name)s is larger than 10 MB.") % {"name": upload.name}, field=field
        )
    content = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("%(name)s is larger than 10 MB.") % {"name": upload.name}, field=field
        )
    return content


def store_file(row, item: Checked, stem: str) -> None:
    """Write the checked bytes into `row.file` (named by `stem` and the hash); the row itself
    is saved by the caller."""
    row.file.save(
        f"{stem}-{item.sha256[:16]}{item.extension}", ContentFile(item.content), save=False
    )


def discard_files(rows) -> None:
    """Delete the stored files of rows whose transaction rolled back."""
    for row in rows:
        if row.file.name:
            row.file.storage.delete(row.file.name)


def check_files(
    files, *, field: str = "files", limit: int = MAX_FILES, photos_only: bool = False
) -> list[Checked]:
    """Read and check every upload before anything is written; errors name `field`.
    `photos_only` refuses PDFs (a visit or a check-in keeps photos only)."""
    files = list(files or [])
    if not files:
        raise ValidationFailed(_("Choose at least one photo or file."), field=field)
    if len(files) > limit:
        raise ValidationFailed(
            _("At most %(count)d files at a time.") % {"count": limit}, field=field
        )
    checked = []
    for upload in files:
        content = _read(upload, field)
        kind = sniff(content[:16])
        if photos_only and kind is not None and not kind[0].startswith("image/"):
            kind = None
        if kind is None:
            message = (
                _("%(name)s is not a photo (JPEG, PNG, GIF, WebP, HEIC).")
                if photos_only
                else _("%(name)s is not a photo (JPEG, PNG, GIF, WebP, HEIC) or a PDF.")
            )
            raise ValidationFailed(message % {"name": upload.name}, field=field)
        content_type, extension = kind
        checked.append(
            Checked(
                name=_clean_name(upload.name, extension),
                content_type=content_type,
                extension=extension,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return checked


def case_attach(*, actor, case_id: int, files, note: str = "") -> list[CaseAttachment]:
    """Attach photos or PDFs to a case with one note event; every check runs before a write."""
    checked = check_files(files)
    note = note.strip() or str(
        _("Attached: %(names)s") % {"names": ", ".join(c.name for c in checked)}
    )
    stored: list[CaseAttachment] = []
    try:
        with transaction.atomic():
            case = services.case_attach_event(
                actor=actor,
                case_id=case_id,
                note=note,
                data={
                    "attachments": [
                        {"name": c.name, "sha256": c.sha256, "size": len(c.content)}
                        for c in checked
                    ]
                },
            )
            event = case.events.order_by("-seq").first()
            at = clock.now()
            for item in checked:
                attachment = CaseAttachment(
                    case=case,
                    event=event,
                    name=item.name,
                    content_type=item.content_type,
                    size=len(item.content),
                    sha256=item.sha256,
                    uploaded_by=actor,
                    uploaded_at=at,
                )
                store_file(attachment, item, case.code)
                stored.append(attachment)
                attachment.save(force_insert=True)
    except BaseException:
        discard_files(stored)  # the rows rolled back; do not leave their files behind
        raise
    return stored
