"""Printed documents of petitions and disputes: the 受理告知书 (notice of acceptance, or of
non-acceptance) and the 答复意见书 (reply opinion) of a petition under the Regulations on
Letters and Visits (信访工作条例, 2022), as DOCX or PDF; and the mediation agreement with the
parties' full ID numbers and addresses for judicial confirmation (司法确认), a logged reveal
allowed only to the dispute's committee and mediator."""

from dataclasses import dataclass, replace

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fengqiao.cases.ledgers import require_ledger_role
from fengqiao.cases.models import HandlingUnit
from fengqiao.core import clock, crypto
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.printdates import chinese_date
from fengqiao.core.printing import DOCX, FORMATS, PrintForm, render
from fengqiao.mediation import agreements, selectors
from fengqiao.mediation.documents import PartyLine, render_agreement
from fengqiao.mediation.models import Dispute, DisputeParty, MediationAgreement, Petition
from fengqiao.mediation.petitions import MAX_EXTENSION_DAYS, REPLY_DAYS
from fengqiao.registry import sealing

__all__ = [
    "PrintedFile",
    "agreement_full_download",
    "may_print_full_agreement",
    "petition_document",
]

DOCUMENTS = {"acceptance_notice": "受理告知书", "reply_opinion": "答复意见书"}


@dataclass(frozen=True)
class PrintedFile:
    filename: str
    content_type: str
    content: bytes


# --- petitions ---------------------------------------------------------------------------------


def petition_issuer(petition: Petition) -> str:
    """The body that answers the petitioner: the county's petition office for a petition at
    county level, else the township's government or sub-district office."""
    case = petition.case
    township = case.village.parent or case.village
    county = township.parent or township
    if case.level == "county":
        office = HandlingUnit.objects.filter(kind="petition_office", region=county).first()
        return office.name if office is not None else f"{county.name}信访局"
    # A sub-district (街道) is run by its office, a town or township by its government.
    suffix = "办事处" if township.name.endswith("街道") else "人民政府"
    return f"{township.name}{suffix}"


def _event_note(petition: Petition, action: str) -> str:
    event = petition.case.events.filter(action=action).order_by("-seq").first()
    return event.note if event is not None else ""


def acceptance_notice(petition: Petition) -> PrintForm:
    if petition.acknowledged_at is None or petition.is_accepted is None:
        raise Conflict(_("This petition has not been acknowledged yet."), code="not_acknowledged")
    case, issuer = petition.case, petition_issuer(petition)
    registered = chinese_date(case.reported_at)
    heard = (
        f"你于{registered}以{petition.get_form_display()}形式提出的“{case.title}”信访事项"
        f"（登记编号{case.code}），本机关已于{registered}登记。"
    )
    if petition.is_accepted:
        title = "信访事项受理告知书"
        paragraphs = [
            heard + "经审查，该事项属于本机关职责范围，根据《信访工作条例》第三十二条的规定，"
            "本机关决定予以受理。",
            f"根据《信访工作条例》第三十五条的规定，本机关将自受理之日起{REPLY_DAYS}日内办结，"
            f"并出具书面答复意见（期限至{chinese_date(petition.reply_due_at)}）；情况复杂的，"
            f"经本机关负责人批准，可以适当延长办理期限，延长期限不超过{MAX_EXTENSION_DAYS}日，"
            "并告知你延期理由。",
        ]
    else:
        title = "信访事项不予受理告知书"
        reason = _event_note(petition, "not_accept") or "该事项不属于本机关受理范围"
        paragraphs = [
            heard + f"经审查，{reason.rstrip('。')}。根据《信访工作条例》第三十二条的规定，"
            "本机关决定不予受理。",
            "你可以依照法律、法规规定的程序，向有权处理的机关提出。",
        ]
    return PrintForm(
        title=title,
        issuer=issuer,
        number=f"信受〔{clock.localdate(petition.acknowledged_at).year}〕{case.code}号",
        addressee=f"{petition.petitioner_name}：",
        paragraphs=paragraphs,
        closing=["特此告知。"],
        seal=(issuer, clock.localdate(petition.acknowledged_at)),
        footnote=f"告知期限：登记之日起十五日内（至{chinese_date(petition.acknowledge_due_at)}）。"
        f"告知日期：{chinese_date(petition.acknowledged_at)}。",
        subject=case.code,
    )


def reply_opinion(petition: Petition) -> PrintForm:
    if petition.replied_at is None:
        raise Conflict(_("This petition has not been replied to yet."), code="not_replied")
    case, issuer = petition.case, petition_issuer(petition)
    accepted = chinese_date(petition.acknowledged_at) if petition.acknowledged_at else ""
    lines = [line.strip() for line in petition.reply.splitlines() if line.strip()]
    return PrintForm(
        title="信访事项答复意见书",
        issuer=issuer,
        number=f"信复〔{clock.localdate(petition.replied_at).year}〕{case.code}号",
        addressee=f"{petition.petitioner_name}：",
        paragraphs=[
            f"你于{chinese_date(case.reported_at)}提出的“{case.title}”信访事项（登记编号"
            f"{case.code}），本机关已于{accepted}受理。经调查核实，现答复如下：",
            *lines,
        ],
        closing=[
            "如对本答复意见不服，可以自收到本意见书之日起三十日内，请求原办理机关的上一级"
            "行政机关复查。",
        ],
        seal=(issuer, clock.localdate(petition.replied_at)),
        footnote=f"答复期限：受理之日起{REPLY_DAYS}日内"
        + (f"（已延长{petition.extended_days}日）" if petition.extended_days else "")
        + f"。答复日期：{chinese_date(petition.replied_at)}。",
        subject=case.code,
    )


BUILDERS = {"acceptance_notice": acceptance_notice, "reply_opinion": reply_opinion}


def petition_document(
    *, actor, code: str, document: str, fmt: str = "docx", ip: str | None = None
) -> PrintedFile:
    """A petition's notice or reply (as the actor may see the petition: 404 otherwise),
    logged as an export (it carries the petitioner's name)."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("Choose docx or pdf."), field="format")
    petition = selectors.petition_list(actor=actor).filter(case__code=code).first()
    if petition is None:
        raise NotFound(_("Petition not found."))
    require_ledger_role(actor)
    with translation.override("zh-hans"):  # a Chinese document whatever the reader's language
        form = BUILDERS[document](petition)
        content = render(form, fmt)
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        object_type=f"document_{document}",
        object_id=petition.case.code,
        detail=form.number[:255],
        region_code=petition.region_code,
        ip=ip,
        at=clock.now(),
    )
    return PrintedFile(f"{code}-{DOCUMENTS[document]}.{fmt}", FORMATS[fmt], content)


# --- the agreement for judicial confirmation -----------------------------------------------------


def may_print_full_agreement(actor, dispute: Dispute) -> bool:
    """The dispute's mediator, or a member of its committee (the committee's unit): the
    people who sign and seal the agreement. Nobody else, whatever else they may see."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if dispute.mediator is not None and dispute.mediator.user_id == actor.pk:
        return True
    committee = dispute.committee
    return committee is not None and committee.unit.members.filter(pk=actor.pk).exists()


def _full_party_line(party: DisputeParty, masked: PartyLine) -> tuple[PartyLine, list[str]]:
    """The party's line with the full ID number, birth date and address, and the fields that
    this revealed."""
    person = party.person
    if person is None:
        return masked, []
    revealed = []
    number = masked.id_masked
    if person.id_number_sealed:
        number = crypto.open_field(person, "id_number_sealed")
        revealed.append("id_number")
    born = sealing.birth_date_of(person)
    address = party.address or (person.dwelling.address if person.dwelling is not None else "")
    if address:
        revealed.append("address")
    line = replace(
        masked,
        id_masked=number,
        birth_date=born.isoformat() if born else masked.birth_date,
        address=address,
    )
    return line, revealed


def agreement_full_download(*, actor, code: str, ip: str | None = None) -> PrintedFile:
    """The agreement with the parties' full ID numbers and addresses (for 司法确认): 404 when
    the actor may not see the dispute, 403 unless they are its mediator or committee; every
    party field revealed is one access-log row."""
    dispute = selectors.dispute_list(actor=actor).filter(case__code=code).first()
    if dispute is None:
        raise NotFound(_("Dispute not found."))
    if not may_print_full_agreement(actor, dispute):
        raise NotAllowed(
            _("Only the dispute's mediator and committee may print the agreement in full.")
        )
    agreement = MediationAgreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        raise NotFound(_("This dispute has no agreement."))
    doc = agreements.agreement_doc(dispute, agreement)
    parties = list(
        dispute.parties.select_related("person__dwelling", "organization").order_by("pk")
    )
    # agreement_doc lists the same parties in the same order.
    full_lines: list[PartyLine] = []
    logs: list[AccessLog] = []
    at = clock.now()
    for party, masked in zip(parties, doc.parties, strict=True):
        line, revealed = _full_party_line(party, masked)
        full_lines.append(line)
        logs.extend(
            AccessLog(
                actor=actor,
                action=AccessLog.Action.REVEAL,
                object_type="dispute_party",
                object_id=str(party.pk),
                field=name,
                detail=f"{agreement.number} 司法确认协议书"[:255],
                region_code=dispute.region_code,
                ip=ip,
                at=at,
            )
            for name in revealed
        )
    content = render_agreement(replace(doc, parties=full_lines))
    AccessLog.objects.bulk_create(logs)
    local = timezone.localtime(at)
    return PrintedFile(f"{code}-agreement-full-{local:%Y%m%d}.docx", DOCX, content)
