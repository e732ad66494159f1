"""Residents sign in with a mobile number and an SMS code; the first sign-in of a number makes
its resident account, which the resident then binds to their registry record by name and ID
number (matched by the keyed hash of the number: no record is ever decrypted to look)."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts import otp, throttling
from fengqiao.accounts.models import User
from fengqiao.accounts.services import Throttled
from fengqiao.core import crypto
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import Conflict, NotAllowed, ValidationFailed
from fengqiao.core.idnumbers import mask_phone
from fengqiao.core.roles import Role
from fengqiao.registry import sealing
from fengqiao.registry.models import Person


def resident_sign_in(*, phone: str, code: str) -> tuple[User, bool]:
    """The account of the number whose code this is, made now if the number is new; returns
    (user, made now). Staff accounts never sign in this way."""
    phone = otp.code_check(phone=phone, code=code)
    hashed = otp.phone_hash(phone)
    user = User.objects.filter(phone_hash=hashed).first()
    if user is not None:
        if not user.is_active or user.role != Role.RESIDENT:
            raise NotAllowed(_("This account is disabled."))
        return user, False
    try:
        with transaction.atomic():
            user = User(
                username=f"resident-{secrets.token_hex(6)}",
                role=Role.RESIDENT,
                display_name=mask_phone(phone),
                phone_sealed=crypto.encrypt(phone),
                phone_hash=hashed,
                phone_masked=mask_phone(phone),
            )
            user.set_unusable_password()
            user.save(force_insert=True)
            crypto.bind_row(user)
            audit_record(
                actor=user,
                entity=user,
                action="create",
                changes={
                    "username": [None, user.username],
                    "role": [None, Role.RESIDENT],
                    "phone": [None, user.phone_masked],
                },
                reason="SMS sign-in",
                region_code="",
            )
    except IntegrityError:  # the same number signed in twice at once: the other one won
        return User.objects.get(phone_hash=hashed), False
    return user, True


def user_phone(user: User) -> str:
    """The resident's confirmed mobile number in clear (for sending them text messages), or
    "" when the account has none."""
    return crypto.open_field(user, "phone_sealed") if user.phone_sealed else ""


def resident_bind(*, actor: User, name: str, id_number: str, ip: str | None) -> Person:
    """Bind the resident's account to the registry person with this name and ID number.

    Each try counts in the sign-in throttle (per account and client address) before it is
    checked, and is given back when it matches, so guessing is slowed down like passwords."""
    if not actor.is_active or actor.role != Role.RESIDENT:
        raise NotAllowed(_("Only residents bind their account to the registry."))
    if actor.person_id is not None:
        raise Conflict(_("Your account is already bound to your registry record."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Enter your name as registered."), field="name")
    reservation = throttling.reserve(username=f"bind:{actor.pk}", ip=ip)
    if reservation.refused_seconds:
        raise Throttled(
            _("Too many wrong tries. Try again in %(wait)s.")
            % {"wait": otp.wait_text(reservation.refused_seconds)}
        )
    parsed = sealing.parse_id_or_fail(id_number, field="id_number")
    person = (
        Person.objects.filter(id_number_hash=sealing.id_number_hash(parsed.number))
        .select_related("account")
        .first()
    )
    if person is None or person.name != name:
        raise ValidationFailed(
            _(
                "No registered resident has this name and ID number. Check both, or ask your "
                "village or community committee to register you."
            ),
            code="no_match",
            field="id_number",
        )
    if getattr(person, "account", None) is not None:
        raise Conflict(
            _("This person already has an account. Sign in with it, or ask your village committee.")
        )
    try:
        with transaction.atomic():
            actor.person = person
            actor.display_name = person.name
            actor.save(update_fields=["person", "display_name"])
            audit_record(
                actor=actor,
                entity=actor,
                action="bind_person",
                changes={"person": [None, person.pk]},
                reason="name and ID number matched",
                region_code=person.region_code,
            )
    except IntegrityError as exc:  # bound to another account at the same moment
        actor.person = None
        raise Conflict(
            _("This person already has an account. Sign in with it, or ask your village committee.")
        ) from exc
    throttling.succeeded(reservation)
    return person
