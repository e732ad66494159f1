"""Each person's notification preferences: read (defaults when none are stored), changed with
an audit row, and the phone a text message goes to (the one given here, else a resident's
phone on their registry record)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts import sms
from fengqiao.accounts.resident_signin import user_phone
from fengqiao.cases.models import NotificationPreference
from fengqiao.core import clock, crypto
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed
from fengqiao.core.idnumbers import mask_phone
from fengqiao.core.roles import Role

FLAGS = ("sms_case_updates", "sms_warnings", "daily_digest")


@dataclass(frozen=True)
class Preferences:
    phone_masked: str
    phone_on_record: bool  # no phone given here, but the registry has one (residents)
    sms_case_updates: bool
    sms_warnings: bool
    daily_digest: bool


def _stored(user) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user_id=user.pk).first()


def _record_phone(user) -> str:
    """A resident's phone: the number they sign in with (confirmed by an SMS code), else the
    one on their registry record (opened for sending, never shown)."""
    if user.role == Role.RESIDENT and user.phone_sealed:
        return user_phone(user)
    person = getattr(user, "person", None) if user.role == Role.RESIDENT else None
    if person is None or not person.phone_sealed:
        return ""
    return crypto.open_field(person, "phone_sealed")


def preferences_of(user) -> Preferences:
    row = _stored(user)
    defaults = NotificationPreference(user=user)  # the field defaults, unsaved
    source = row or defaults
    return Preferences(
        phone_masked=source.phone_masked,
        phone_on_record=not source.phone_masked and bool(_record_phone(user)),
        **{flag: getattr(source, flag) for flag in FLAGS},
    )


def sms_phone(user, row: NotificationPreference | None = None) -> str:
    """Where a text for `user` goes: the phone they gave, else their record's; "" for none."""
    row = row if row is not None else _stored(user)
    if row is not None and row.phone_sealed:
        return crypto.open_field(row, "phone_sealed")
    return _record_phone(user)


def preferences_set(
    *, actor, user, phone: str | None = None, clear_phone: bool = False, **flags: bool
) -> Preferences:
    """Change `user`'s preferences (only their own, or any as an administrator). `phone`
    (a mainland mobile number) replaces the phone for texts; `clear_phone` removes it."""
    if actor.pk != user.pk and not (actor.is_superuser or actor.role == Role.ADMIN):
        raise NotAllowed(_("You may change only your own notification preferences."))
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown preference: {sorted(unknown)}")
    number = sms.normalize_mobile(phone) if phone else ""
    with transaction.atomic():
        row = _stored(user) or NotificationPreference(user=user, updated_at=clock.now())
        before = {flag: getattr(row, flag) for flag in FLAGS} | {"phone": row.phone_masked}
        for flag, value in flags.items():
            setattr(row, flag, bool(value))
        if clear_phone:
            row.phone_sealed = row.phone_hash = row.phone_masked = ""
        row.updated_at = clock.now()
        row.save()
        if number:
            row.phone_sealed = crypto.seal_field(row, "phone_sealed", number)
            row.phone_hash = crypto.lookup_hash(number)
            row.phone_masked = mask_phone(number)
            row.save(update_fields=["phone_sealed", "phone_hash", "phone_masked"])
        after = {flag: getattr(row, flag) for flag in FLAGS} | {"phone": row.phone_masked}
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            audit_record(
                actor=actor,
                entity=row,
                action="update",
                changes=changes,
                entity_type="cases.notificationpreference",
                region_code="",
            )
    return preferences_of(user)
