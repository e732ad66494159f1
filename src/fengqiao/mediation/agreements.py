"""The agreement of a dispute: its number, the signed copy kept beside it, and its document,
built from the stored rows (masked personal data only), rendered as DOCX, each download logged
as an export."""

from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import services as case_services
from fengqiao.cases.attachments import check_files
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import Role
from fengqiao.mediation.documents import AgreementDoc, PartyLine, render_agreement
from fengqiao.mediation.models import AgreementCounter, Dispute, DisputeParty, MediationAgreement
from fengqiao.mediation.selectors import dispute_get
from fengqiao.registry import sealing

TYPE_NAMES = {
    "family_dispute": "婚姻家庭纠纷",
    "neighbour_dispute": "邻里纠纷",
    "land_dispute": "土地山林草场权属纠纷",
    "labour_dispute": "劳资债务纠纷",
    "property_dispute": "物业纠纷",
    "medical_dispute": "医疗纠纷",
    "traffic_dispute": "交通事故纠纷",
    "contract_dispute": "合同纠纷",
    "other_dispute": "其他纠纷",
}
SEX_NAMES = {"M": "男", "F": "女", "m": "男", "f": "女"}


def next_agreement_number(dispute: Dispute, at: datetime) -> str:
    committee = dispute.committee
    if committee is None:  # assigned disputes always have one: the mediator's
        raise ValueError("an agreement needs the dispute's committee")
    year = clock.localdate(at).year
    AgreementCounter.objects.bulk_create(
        [AgreementCounter(committee=committee, year=year)], ignore_conflicts=True
    )
    counter = AgreementCounter.objects.select_for_update().get(committee=committee, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"（{year}）{_short_name(committee.name)}调字第{counter.last:04d}号"


def _short_name(name: str) -> str:
    """枫桥镇人民调解委员会 → 枫桥镇; 枫桥县矛盾纠纷调解专家库 → 枫桥县; 老杨调解室 → 老杨."""
    for suffix in ("人民调解委员会", "调解委员会", "矛盾纠纷调解专家库", "调解专家库", "调解室"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)[:8]
    return name[:8]


def _party_line(party: DisputeParty) -> PartyLine:
    if party.organization is not None:
        org = party.organization
        return PartyLine(
            role=party.side,
            name=party.name,
            kind="organization",
            id_masked=org.credit_code,
            address=party.address,
            phone_masked=party.phone_masked,
            representative=party.representative or org.contact_name,
        )
    person = party.person
    return PartyLine(
        role=party.side,
        name=party.name,
        kind="person",
        gender=SEX_NAMES.get(person.sex, "") if person else "",
        birth_date=_birth_month(person),
        id_masked=person.id_number_masked if person else "",
        address=party.address,
        phone_masked=party.phone_masked,
        representative=party.representative,
    )


def _birth_month(person) -> str:
    """Year and month only: with the masked ID number (region, check character) and sex a full
    date would leave about 45 candidate numbers, a month leaves over a thousand."""
    born = sealing.birth_date_of(person) if person else None
    return f"{born.year}年{born.month}月" if born else ""


def agreement_doc(dispute: Dispute, agreement: MediationAgreement) -> AgreementDoc:
    parties = [
        _party_line(p)
        for p in dispute.parties.select_related("person", "organization").order_by("pk")
    ]
    mediators = sorted({s.mediator.name for s in dispute.sessions.select_related("mediator")})
    if not mediators and dispute.mediator is not None:
        mediators = [dispute.mediator.name]
    last_session = dispute.sessions.filter(is_held=True).order_by("-seq").first()
    return AgreementDoc(
        number=agreement.number,
        committee=dispute.committee.name if dispute.committee is not None else "",
        dispute_type=TYPE_NAMES.get(dispute.dispute_type, ""),
        parties=parties,
        facts=agreement.facts,
        terms=list(agreement.terms),
        performance=agreement.performance,
        made_on=timezone.localtime(agreement.made_at).date(),
        mediators=mediators,
        place=last_session.place if last_session else "",
        copies=len(parties) + 1,
    )


def agreement_download(*, actor, dispute_id: int, ip: str | None = None) -> tuple[str, bytes]:
    """(file name, DOCX bytes) of the dispute's agreement; logged as an export."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if actor.role == Role.RESIDENT and not actor.is_superuser:
        raise NotAllowed(_("Ask your mediator for a copy of the agreement."))
    agreement = MediationAgreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        raise NotFound(_("This dispute has no agreement."))
    content = render_agreement(agreement_doc(dispute, agreement))
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        object_type="mediation_agreement",
        object_id=str(agreement.pk),
        detail=agreement.number[:255],
        region_code=dispute.region_code,
        ip=ip,
        at=clock.now(),
    )
    return f"{dispute.case.code}-agreement.docx", content


def agreement_upload_signed(*, actor, dispute_id: int, upload) -> MediationAgreement:
    """Keep the signed (scanned) agreement; its SHA-256 goes into the log."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    agreement = MediationAgreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        raise Conflict(_("This dispute has no agreement."), code="no_agreement")
    if upload is None:
        raise ValidationFailed(_("Choose the signed agreement (a photo or a PDF)."), field="file")
    try:
        checked = check_files([upload])[0]
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="file") from exc
    at = clock.now()
    old_name = agreement.signed_copy.name if agreement.signed_copy else ""
    written: list[str] = []

    def mutate(case):
        agreement.signed_copy.save(
            f"{case.code}-{checked.sha256[:16]}{checked.extension}",
            ContentFile(checked.content),
            save=False,
        )
        written.append(agreement.signed_copy.name or "")
        agreement.signed_sha256, agreement.signed_at = checked.sha256, at
        agreement.save(update_fields=["signed_copy", "signed_sha256", "signed_at"])

    storage = agreement.signed_copy.storage
    try:
        with transaction.atomic():
            case_services.case_step(
                actor=actor,
                case_id=dispute.pk,
                action="agreement_signed",
                data={"sha256": checked.sha256, "size": len(checked.content)},
                mutate=mutate,
                at=at,
            )
    except BaseException:
        for name in written:  # the row rolled back; do not leave its file behind
            storage.delete(name)
        raise
    if old_name and old_name not in written:
        storage.delete(old_name)
    return agreement
