"""Photos on visits and on patrol check-ins. The bytes are checked and stored by the case code
(cases.attachments: type judged by the first bytes, 10 MB each, SHA-256); only photos are taken
here. Only the one who made the visit or the patrol adds photos to it; a photo already on the
same visit or check-in (the same bytes, as a phone's resend brings) is not stored again. Every
write leaves one audit row in its transaction, and the files of a rolled-back write are
deleted."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.attachments import Checked, check_files, discard_files, store_file
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.fieldwork.models import CheckInPhoto, Patrol, Visit, VisitPhoto

MAX_VISIT_PHOTOS = 10  # on one visit, in all
MAX_CHECK_IN_PHOTOS = 5  # at one check-in, in all
MAX_UPLOAD = 10  # in one request


def check_photos(files, *, field: str = "photos") -> list[Checked]:
    """Read and check the photos before anything is written; errors name `field`."""
    return check_files(files, field=field, limit=MAX_UPLOAD, photos_only=True)


def _new_only(checked: list[Checked], known: set[str]) -> list[Checked]:
    fresh = []
    for item in checked:
        if item.sha256 not in known:
            known.add(item.sha256)
            fresh.append(item)
    return fresh


def visit_photos_store(*, actor, visit: Visit, checked: list[Checked], into: list) -> int:
    """Inside the caller's transaction: keep the photos the visit does not hold yet (appended
    to `into`, so the caller can delete their files if the transaction fails). Returns the
    number the visit held before."""
    known = set(VisitPhoto.objects.filter(visit=visit).values_list("sha256", flat=True))
    before = len(known)
    fresh = _new_only(checked, known)
    if before + len(fresh) > MAX_VISIT_PHOTOS:
        raise ValidationFailed(
            _("A visit holds at most %(n)d photos.") % {"n": MAX_VISIT_PHOTOS}, field="photos"
        )
    at = clock.now()
    for item in fresh:
        photo = _photo(VisitPhoto(visit=visit), visit.region_code, item, actor, at)
        store_file(photo, item, f"visit{visit.pk}")
        into.append(photo)
        photo.save(force_insert=True)
    return before


def _photo(row, region_code: str, item: Checked, actor, at):
    row.region_code = region_code
    row.name = item.name
    row.content_type = item.content_type
    row.size = len(item.content)
    row.sha256 = item.sha256
    row.uploaded_by = actor
    row.uploaded_at = at
    return row


def visit_photos_add(*, actor, visit_id: int, files) -> list[VisitPhoto]:
    """Add photos to one's own visit (later, or as the phone's outbox sends them after the
    visit). Returns the photos stored now; none when all were there already."""
    visit = Visit.objects.visible_to(actor).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("No such visit in your area."), field="visit_id")
    if visit.visitor_id != actor.pk:
        raise NotAllowed(_("Only the one who made the visit adds photos to it."))
    checked = check_photos(files)
    stored: list[VisitPhoto] = []
    try:
        with transaction.atomic():
            visit = Visit.objects.select_for_update().get(pk=visit.pk)
            before = visit_photos_store(actor=actor, visit=visit, checked=checked, into=stored)
            if stored:
                audit_record(
                    actor=actor,
                    entity=visit,
                    action="photos",
                    changes={
                        "photos": [before, before + len(stored)],
                        "sha256": [None, [p.sha256 for p in stored]],
                    },
                )
    except BaseException:
        discard_files(stored)
        raise
    return stored


def _positions(raw, count: int, check_in_count: int) -> list[int]:
    """The check-in of each photo: its position (from 0) in the patrol as the phone sent it."""
    raw = list(raw or [])
    if len(raw) != count:
        raise ValidationFailed(
            _("Name the check-in of every photo (its position from 0)."), field="check_in"
        )
    positions = []
    for value in raw:
        text = str(value).strip()
        if not text.isdigit() or int(text) >= check_in_count:
            raise ValidationFailed(_("No check-in at that position."), field="check_in")
        positions.append(int(text))
    return positions


def check_in_photos_add(*, actor, patrol_id: int, files, check_ins) -> list[CheckInPhoto]:
    """Add photos to the check-ins of one's own patrol; `check_ins[i]` is the position (from
    0, in the order sent) of the check-in of `files[i]`. Returns the photos stored now."""
    patrol = Patrol.objects.visible_to(actor).filter(pk=patrol_id).first()
    if patrol is None:
        raise NotFound(_("No such patrol in your area."), field="patrol_id")
    if patrol.patroller_id != actor.pk:
        raise NotAllowed(_("Only the one who made the patrol adds photos to it."))
    checked = check_photos(files)
    stored: list[CheckInPhoto] = []
    try:
        with transaction.atomic():
            patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
            stops = list(patrol.check_ins.order_by("pk"))
            positions = _positions(check_ins, len(checked), len(stops))
            known = {stop.pk: set(stop.photos.values_list("sha256", flat=True)) for stop in stops}
            at = clock.now()
            for item, position in zip(checked, positions, strict=True):
                stop = stops[position]
                if item.sha256 in known[stop.pk]:
                    continue
                known[stop.pk].add(item.sha256)
                if len(known[stop.pk]) > MAX_CHECK_IN_PHOTOS:
                    raise ValidationFailed(
                        _("A check-in holds at most %(n)d photos.") % {"n": MAX_CHECK_IN_PHOTOS},
                        field="photos",
                    )
                photo = _photo(CheckInPhoto(check_in=stop), patrol.region_code, item, actor, at)
                store_file(photo, item, f"patrol{patrol.pk}")
                stored.append(photo)
                photo.save(force_insert=True)
            if stored:
                audit_record(
                    actor=actor,
                    entity=patrol,
                    action="photos",
                    changes={
                        "photos": [None, len(stored)],
                        "check_ins": [None, sorted({p.check_in_id for p in stored})],
                        "sha256": [None, [p.sha256 for p in stored]],
                    },
                )
    except BaseException:
        discard_files(stored)
        raise
    return stored
