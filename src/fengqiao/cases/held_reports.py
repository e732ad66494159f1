"""A visitor's report held until they confirm their mobile number (report first, confirm
after): the form's fields in their session, its photos (checked as attachments are) in
storage under held-reports/. Filing it goes through the case services as the confirmed
resident; a hold nobody confirms is dropped with its session, its photos by the sweep."""

import secrets
from datetime import datetime, timedelta

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import attachments
from fengqiao.cases.models import Channel
from fengqiao.cases.selectors import category_by_code
from fengqiao.core import clock
from fengqiao.core.errors import DomainError, ValidationFailed
from fengqiao.registry.services import place_at

SESSION_KEY = "fengqiao_held_report"
SUPPORT_KEY = "fengqiao_held_support"
FOLDER = "held-reports"
KEEP = timedelta(days=1)
FIELDS = ("category", "title", "description", "lat", "lng", "address", "client_id")
MAX_PHOTOS = 5


def report_hold(request, *, data, photos) -> dict:
    """Check the report as far as it can be without a reporter and hold it in the session."""
    held: dict = {name: str(data.get(name) or "").strip()[:4000] for name in FIELDS}
    if category_by_code(held["category"]) is None:
        raise ValidationFailed(_("Choose a category."), field="category")
    try:
        lat, lng = float(held["lat"]), float(held["lng"])
    except ValueError:
        raise ValidationFailed(_("Tap the map where the problem is."), field="lat") from None
    place_at(lat=lat, lng=lng)  # a point outside every village is refused now, not later
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("At most %(count)d photos.") % {"count": MAX_PHOTOS}, field="files"
        )
    checked = attachments.check_files(photos) if photos else []
    token = secrets.token_hex(12)
    held["photos"] = [
        [
            default_storage.save(f"{FOLDER}/{token}/{n}{c.extension}", ContentFile(c.content)),
            c.name,
        ]
        for n, c in enumerate(checked)
    ]
    held["held_at"] = clock.now().isoformat()
    report_drop(request)
    request.session.pop(SUPPORT_KEY, None)  # a new report instead of an earlier "me too"
    request.session[SESSION_KEY] = held
    return held


def held_report(request) -> dict | None:
    return request.session.get(SESSION_KEY)


def report_drop(request) -> None:
    held = request.session.pop(SESSION_KEY, None)
    for stored, _name in (held or {}).get("photos", []):
        default_storage.delete(stored)


def report_file(request, *, actor, file_report):
    """File the held report as `actor` through `file_report(actor=, data=, channel=,
    client_id=)` (the page's case_report call), attach its photos, and drop the hold.
    Returns (case, photo error message or "")."""
    held = held_report(request)
    if held is None:
        return None, ""
    case = file_report(
        actor=actor,
        data=held,
        channel=Channel.PORTAL,
        client_id=held.get("client_id") or None,
    )
    problem = ""
    if held.get("photos"):
        files = [File(default_storage.open(stored), name=name) for stored, name in held["photos"]]
        try:
            attachments.case_attach(actor=actor, case_id=case.pk, files=files)
        except DomainError as exc:
            problem = str(exc.message)
        finally:
            for item in files:
                item.close()
    report_drop(request)
    return case, problem


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Delete held photos older than KEEP (their sessions have long been left)."""
    now = now or clock.now()
    removed = 0
    try:
        folders, _files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return {"held_photos_purged": 0}
    for folder in folders:
        path = f"{FOLDER}/{folder}"
        _dirs, names = default_storage.listdir(path)
        for name in names:
            stored = f"{path}/{name}"
            if default_storage.get_modified_time(stored) < now - KEEP:
                default_storage.delete(stored)
                removed += 1
    return {"held_photos_purged": removed}
