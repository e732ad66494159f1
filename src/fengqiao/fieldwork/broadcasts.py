"""Broadcasts to the heads of household groups (联户长): centre staff write to the heads (and
deputies) of every group in an area; each group gets a receipt that its head marks read and
then passed on to the households (with how many were told). Heads with a sealed phone
number are also sent a text message once the broadcast is saved."""

import logging

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.sms import send_sms
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.crypto import open_field
from fengqiao.core.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within, prefix_q
from fengqiao.fieldwork.models import Broadcast, BroadcastReceipt
from fengqiao.registry.models import HouseholdGroup

logger = logging.getLogger("fengqiao.fieldwork")
BROADCAST_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN})
MAX_TITLE, MAX_BODY = 120, 4000
SMS_TEXT_LEN = 60  # the start of the text that goes into the message


def broadcast_send(*, actor, region_code: str, title: str, body: str) -> Broadcast:
    """Send a broadcast to the groups (with households) of an area in the actor's reach."""
    if not has_role(actor, BROADCAST_ROLES):
        raise NotAllowed(_("Only centre staff write to the group heads."))
    region_code = (region_code or "").strip()
    if not region_code.isdigit() or not code_within(actor, region_code):
        raise NotFound(_("No such area in your jurisdiction."), field="region_code")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(_("Give a title of up to 120 characters."), field="title")
    if not body or len(body) > MAX_BODY:
        raise ValidationFailed(_("Give a text of up to 4000 characters."), field="body")
    groups = list(
        HouseholdGroup.objects.visible_to(actor)
        .filter(prefix_q([region_code]))
        .annotate(n=Count("households"))
        .filter(n__gt=0)
        .select_related("head__account")
    )
    if not groups:
        raise ValidationFailed(_("There is no household group in that area."), field="region_code")
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            region_code=region_code, title=title, body=body, sent_at=clock.now(), created_by=actor
        )
        receipts = BroadcastReceipt.objects.bulk_create(
            [
                BroadcastReceipt(
                    broadcast=broadcast,
                    group=group,
                    region_code=group.region_code,
                    head=group.head,
                    head_user=_account(group.head),
                )
                for group in groups
            ]
        )
        audit_record(
            actor=actor,
            entity=broadcast,
            action="create",
            changes={"title": [None, title], "groups": [None, len(receipts)]},
        )
        transaction.on_commit(lambda: _text_heads(broadcast, groups))
    return broadcast


def _account(person):
    account = getattr(person, "account", None) if person is not None else None
    return account if account is not None and account.is_active else None


def _text_heads(broadcast: Broadcast, groups) -> None:
    """One text message to each head with a phone number in the registry."""
    text = f"【{broadcast.title}】{broadcast.body[:SMS_TEXT_LEN]}"
    sent = []
    for group in groups:
        if group.head is None or not group.head.phone_sealed:
            continue
        try:
            send_sms(open_field(group.head, "phone_sealed"), text, purpose="group_broadcast")
        except DomainError:  # a number that is no mobile, or the provider refused
            logger.warning("no text message to the head of group %s", group.pk)
            continue
        sent.append(group.pk)
    BroadcastReceipt.objects.filter(broadcast=broadcast, group_id__in=sent).update(sms_sent=True)


def _leads(actor, group: HouseholdGroup) -> bool:
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return False
    return group.head_id == person_id or group.deputies.filter(pk=person_id).exists()


def receipt_mark(
    *, actor, receipt_id: int, relayed: bool = False, confirmed_count: int | None = None
) -> BroadcastReceipt:
    """The group's head (or a deputy) marks the broadcast read, or passed on to the group
    (read too) with how many households were told. Marking again changes nothing, so an
    offline phone may send it twice."""
    receipt = (
        BroadcastReceipt.objects.visible_to(actor)
        .select_related("group", "broadcast")
        .filter(pk=receipt_id)
        .first()
    )
    if receipt is None or not _leads(actor, receipt.group):
        raise NotFound(_("No such broadcast for your group."), field="receipt")
    households = receipt.group.households.count()
    if confirmed_count is not None and not 0 <= confirmed_count <= households:
        raise ValidationFailed(
            _("At most the group's households are told."), field="confirmed_count"
        )
    now = clock.now()
    changes = {}
    with transaction.atomic():
        receipt = BroadcastReceipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.read_at is None:
            receipt.read_at, changes["read_at"] = now, [None, now.isoformat()]
        if relayed and receipt.relayed_at is None:
            receipt.relayed_at, changes["relayed_at"] = now, [None, now.isoformat()]
        if relayed:
            count = households if confirmed_count is None else confirmed_count
            if count != receipt.confirmed_count:
                changes["confirmed_count"] = [receipt.confirmed_count, count]
                receipt.confirmed_count = count
        if changes:
            receipt.save(update_fields=["read_at", "relayed_at", "confirmed_count"])
            audit_record(
                actor=actor, entity=receipt, action="relay" if relayed else "read", changes=changes
            )
    return receipt
