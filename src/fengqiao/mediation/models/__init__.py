"""Disputes and petitions (case kinds), mediation committees and mediators, sessions,
agreements, referrals between the five ways, follow-up visits and screening rounds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.campaigns.models import Campaign
from fengqiao.cases.models import Case, HandlingUnit
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Organization, Person


class DisputeType(models.TextChoices):
    """Each type is one case category of the "disputes" group (same code)."""

    FAMILY = "family_dispute", _("Marriage and family")
    NEIGHBOUR = "neighbour_dispute", _("Neighbours")
    LAND = "land_dispute", _("Land and boundaries (incl. grassland)")
    LABOUR = "labour_dispute", _("Labour and debts")
    PROPERTY = "property_dispute", _("Property management")
    MEDICAL = "medical_dispute", _("Medical")
    TRAFFIC = "traffic_dispute", _("Traffic accidents")
    CONTRACT = "contract_dispute", _("Contracts")
    OTHER = "other_dispute", _("Other")


class RiskGrade(models.TextChoices):
    GENERAL = "general", _("General")
    SIGNIFICANT = "significant", _("Significant")
    MAJOR = "major", _("Major")


class RiskReason(models.TextChoices):
    MANY_PARTIES = "many_parties", _("Many people involved (group dispute)")
    VIOLENCE = "violence", _("Threats or signs of violence")
    VULNERABLE = "vulnerable", _("A vulnerable party (elderly, minor, disabled)")
    LARGE_AMOUNT = "large_amount", _("Large amount at stake")
    REPEATED = "repeated", _("Repeated petitions or complaints")
    LONG_STANDING = "long_standing", _("Long-standing (historical) dispute")
    CROSS_REGION = "cross_region", _("Parties in different places")


class Source(models.TextChoices):
    SCREENING = "screening", _("Screening")
    WALK_IN = "walk_in", _("Walk-in")
    APPLICATION = "application", _("Resident application")
    POLICE = "police", _("Referral from the police")
    COURT = "court", _("Referral from the court")
    PETITION = "petition", _("Referral from the petition office")
    CASE_UPGRADE = "case_upgrade", _("Upgraded from a case")


class Outcome(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement reached")
    FAILED = "failed", _("Mediation failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REFERRED = "referred", _("Referred")


class MediationCommittee(models.Model):
    """A people's mediation committee, a sector committee, a named mediation room or the
    expert pool; it handles its disputes as a case handling unit."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Village (community) mediation committee")
        TOWNSHIP = "township", _("Township mediation committee")
        SECTOR = "sector", _("Sector / professional mediation committee")
        ROOM = "room", _("Named mediation room")
        EXPERT_POOL = "expert_pool", _("Expert pool")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=24, db_index=True)
    unit = models.OneToOneField(HandlingUnit, on_delete=models.PROTECT, related_name="committee")
    specialities = models.JSONField(_("dispute types"), default=list, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("mediation committee")
        verbose_name_plural = _("mediation committees")

    def __str__(self) -> str:
        return self.name


class Mediator(models.Model):
    """A mediator (with a sign-in, so cases can be assigned to them) of one committee."""

    class Background(models.TextChoices):
        PEOPLES = "peoples", _("People's mediator")
        CADRE = "cadre", _("Village cadre")
        RETIRED_JUDGE = "retired_judge", _("Retired judge")
        LAWYER = "lawyer", _("Lawyer")
        POLICE = "police", _("Police officer")
        TEACHER = "teacher", _("Teacher")
        DOCTOR = "doctor", _("Doctor")
        PSYCHOLOGIST = "psychologist", _("Counsellor")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mediator"
    )
    committee = models.ForeignKey(
        MediationCommittee, on_delete=models.PROTECT, related_name="mediators"
    )
    name = models.CharField(_("name"), max_length=50)
    background = models.CharField(
        _("background"), max_length=16, choices=Background.choices, default=Background.PEOPLES
    )
    specialities = models.JSONField(_("dispute types"), default=list, blank=True)
    is_expert = models.BooleanField(_("expert"), default=False)
    region_code = models.CharField(max_length=24, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")

    def __str__(self) -> str:
        return self.name


class ScreeningRound(models.Model):
    """One period of dispute screening (排查) in one village: every grid reports, even
    "nothing found", so coverage is measurable. The round is a campaign of kind "screening"
    with one item per grid (fengqiao.campaigns): a grid's report ticks its item, so coverage,
    stragglers and the reminders come from the one engine that sends work to the grids."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    campaign = models.OneToOneField(
        Campaign, on_delete=models.PROTECT, related_name="screening_round"
    )
    region_code = models.CharField(max_length=24, db_index=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["village", "starts_on"], name="one_round_per_period"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="round_dates"
            ),
        ]
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")

    def __str__(self) -> str:
        return f"{self.village} {self.starts_on}–{self.ends_on}"


class ScreeningReport(models.Model):
    """A grid's return for a round: what it found (disputes link here) or nothing; filing it
    ticks the grid's item of the round's campaign."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.PROTECT, related_name="reports")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=24, db_index=True)
    nothing_found = models.BooleanField(_("nothing found"))
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()

    # Set per reader by selectors.screening_reports: the findings the reader may not see.
    hidden_findings: int
    # Set by the API on the report it has just filed: the codes of its findings.
    api_disputes: list

    class Meta:
        ordering = ["round", "grid__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "grid"], name="one_report_per_grid"),
        ]
        verbose_name = _("screening report")
        verbose_name_plural = _("screening reports")

    def __str__(self) -> str:
        return f"{self.round_id}/{self.grid_id}"


class Dispute(models.Model):
    """The dispute file of a case of kind "dispute": the case keeps status, level, SLA and
    the log; this keeps what mediation needs."""

    # Set by the API on the dispute it returns (the page as the caller may see it).
    api_parties: list
    api_sessions: list
    api_agreement: object
    api_referrals: list
    api_follow_ups: list
    api_actions: list
    api_supervision: dict | None

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.PROTECT, related_name="dispute"
    )
    dispute_type = models.CharField(_("dispute type"), max_length=24, choices=DisputeType.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    amount = models.DecimalField(
        _("amount at stake (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    risk_grade = models.CharField(
        _("risk grade"), max_length=12, choices=RiskGrade.choices, default=RiskGrade.GENERAL
    )
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True)
    risk_note = models.CharField(_("risk note"), max_length=300, blank=True)
    region_code = models.CharField(max_length=24, db_index=True)
    committee = models.ForeignKey(
        MediationCommittee,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    mediator = models.ForeignKey(
        Mediator, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    consent_at = models.DateTimeField(_("parties consented at"), null=True, blank=True)
    consent_note = models.CharField(_("consent"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    concluded_at = models.DateTimeField(null=True, blank=True)
    screening_report = models.ForeignKey(
        ScreeningReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    origin_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="upgraded_to"
    )

    class Meta:
        ordering = ["-case__reported_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return str(self.case)


class DisputeParty(models.Model):
    class Side(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        THIRD_PARTY = "third_party", _("Third party")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("side"), max_length=12, choices=Side.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute_parties"
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_parties",
    )
    name = models.CharField(_("name"), max_length=100)
    phone_sealed = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    representative = models.CharField(_("representative"), max_length=80, blank=True)

    class Meta:
        ordering = ["dispute", "side", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(organization__isnull=True),
                name="party_person_or_organization",
            ),
        ]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name


class MediationSession(models.Model):
    """A mediation session: planned (on the calendar), then held with its record."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="sessions")
    seq = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField(_("date and time"), db_index=True)
    is_held = models.BooleanField(_("held"), default=False)
    place = models.CharField(_("place"), max_length=120)
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    record = models.TextField(_("record"), blank=True)
    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="sessions")
    region_code = models.CharField(max_length=24, db_index=True)

    class Meta:
        ordering = ["dispute", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "seq"], name="unique_session_seq"),
        ]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.dispute_id} #{self.seq}"


class MediationAgreement(models.Model):
    """The agreement (调解协议书); the DOCX is generated from these fields on request."""

    dispute = models.OneToOneField(Dispute, on_delete=models.PROTECT, related_name="agreement")
    number = models.CharField(_("number"), max_length=40, unique=True)
    facts = models.TextField(_("facts and matters in dispute"))
    terms = models.JSONField(_("terms"))
    performance = models.TextField(_("how and when it is performed"))
    made_at = models.DateTimeField()
    signed_copy = models.FileField(upload_to="agreements/%Y/%m/", blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    region_code = models.CharField(max_length=24, db_index=True)

    class Meta:
        ordering = ["-made_at"]
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self) -> str:
        return self.number


class AgreementCounter(models.Model):
    """The last agreement number of a committee in a year; incremented under a row lock."""

    committee = models.ForeignKey(MediationCommittee, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="one_counter_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}/{self.year}: {self.last}"


class Referral(models.Model):
    """A hand-off between the five ways (court, procuratorate, police, sector mediation,
    petition office). The case moves with it, so it never sits with nobody."""

    class Way(models.TextChoices):
        COURT = "court", _("Court (litigation–mediation)")
        PROCURATORATE = "procuratorate", _("Procuratorate")
        POLICE = "police", _("Police (police–mediation)")
        SECTOR = "sector", _("Sector mediation committee")
        PETITION = "petition", _("Petition office (petition–mediation)")

    class Purpose(models.TextChoices):
        HANDLE = "handle", _("Handle the dispute")
        CONFIRMATION = "confirmation", _("Judicial confirmation of the agreement")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving unit")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        RETURNED = "returned", _("Result returned")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="referrals")
    way = models.CharField(_("way"), max_length=16, choices=Way.choices)
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.HANDLE
    )
    from_unit = models.ForeignKey(
        HandlingUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(HandlingUnit, on_delete=models.PROTECT, related_name="referrals_in")
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    is_settled = models.BooleanField(null=True)  # the receiving unit's answer
    result = models.TextField(_("result"), blank=True)
    region_code = models.CharField(max_length=24, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_unit", "state"])]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.to_unit_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACCEPTED)


class FollowUp(models.Model):
    """A follow-up visit (回访) after settlement; a relapse reopens the dispute."""

    class Result(models.TextChoices):
        STABLE = "stable", _("Agreement kept, no relapse")
        RELAPSED = "relapsed", _("Relapsed")
        UNREACHABLE = "unreachable", _("Could not reach the parties")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="follow_ups")
    due_on = models.DateField(_("due on"), db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    region_code = models.CharField(max_length=24, db_index=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.due_on}"


# Petitions have a module of their own; importing it here registers the model with the app
# and keeps `fengqiao.mediation.models` the one import path.
from fengqiao.mediation.models.petitions import Petition as Petition  # noqa: E402
from fengqiao.mediation.models.petitions import petition_overdue_q as petition_overdue_q  # noqa: E402, I001
