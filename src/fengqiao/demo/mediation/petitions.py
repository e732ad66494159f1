"""Demo petitions (信访), planned up front — forms and kinds, a few repeat petitioners (same ID
number), fates by quota, a few handed to mediation (访调对接) or about a dispute — then
registered, acknowledged within 15 days, routed, replied within 60, checked and closed
through `fengqiao.mediation.petitions` and the case services."""

from __future__ import annotations

from datetime import date, timedelta

from fengqiao.cases import services as case_services
from fengqiao.cases.models import HandlingUnit
from fengqiao.core import clock
from fengqiao.core.idnumbers import make_id_number
from fengqiao.demo import HISTORY_DAYS
from fengqiao.demo.mediation import texts as W
from fengqiao.demo.mediation.planning import SESSIONS
from fengqiao.demo.mediation.plans import DisputePlan, Life, Petitioner, PetitionPlan, pick
from fengqiao.demo.mediation.scenarios import SCENARIOS
from fengqiao.mediation import petitions
from fengqiao.mediation.models import Dispute, DisputeParty, DisputeType, Petition, Source
from fengqiao.regions.models import Grid

__all__ = ["PETITION_CATEGORIES", "PETITION_FORMS", "PetitionLives"]

_T = DisputeType

PETITION_FORMS = {
    Petition.Form.VISIT: 45,
    Petition.Form.ONLINE: 30,
    Petition.Form.LETTER: 15,
    Petition.Form.PHONE: 10,
}
PETITION_CATEGORIES = {
    "petition_land": 25,
    "petition_labour": 25,
    "petition_law": 15,
    "petition_village": 20,
    "petition_other": 15,
}
PETITION_FATES = {"not_accepted": 0.04, "extended": 0.05, "late": 0.02}  # shares, by quota
# Where each kind of petition is sent (unit kinds, first that exists in the place).
PETITION_ROUTES = {
    "petition_land": ("petition_office",),
    "petition_labour": ("justice_office", "petition_office"),
    "petition_law": ("court", "procuratorate"),
    "petition_village": ("civil_affairs", "petition_office"),
    "petition_other": ("civil_affairs", "petition_office"),
}


class PetitionLives:
    """Part of `MediationHistory` (demo.mediation.history): plans the petitions and plays
    each one's life."""

    def plan_petitions(self) -> list[DisputePlan]:
        """The petitions (and the disputes some of them hand to mediation)."""
        rng, count = self.rng, self.petition_count
        if count <= 0:
            return []
        micros, weights = self.staff.micros, self.staff.micro_weights
        repeaters = [self.petitioner(rng.choices(micros, weights)[0]) for _ in range(count // 40)]
        if count >= 4 and not repeaters:
            repeaters = [self.petitioner(rng.choices(micros, weights)[0], outsider=False)]
        plans: list[PetitionPlan] = []
        for index in range(count):
            micro = rng.choices(micros, weights)[0]
            plans.append(
                PetitionPlan(
                    index=index,
                    reported_at=self.report_time(0.1, HISTORY_DAYS),
                    form=pick(rng, PETITION_FORMS),
                    category=pick(rng, PETITION_CATEGORIES),
                    village=self.village_of(micro),
                    micro=micro,
                    petitioner=None,
                    visitors=1 if rng.random() < 0.8 else rng.randint(2, 4),
                )
            )
        plans.sort(key=lambda p: p.reported_at)
        free = list(plans)
        rng.shuffle(free)
        old = self.now - timedelta(days=80)

        def take(condition, *, older_than: float = 0) -> PetitionPlan | None:
            """A free plan that fits; else (with `older_than`) any, moved back in time."""
            for plan in free:
                if condition(plan):
                    free.remove(plan)
                    return plan
            if older_than and free:
                plan = free.pop()
                plan.reported_at = self.report_time(older_than, HISTORY_DAYS - 5)
                return plan
            return None

        # A couple still overdue at `now`: acknowledged long enough ago.
        for _ in range(max(1, count // 60)):
            plan = take(lambda p: p.reported_at < old, older_than=90)
            if plan is not None:
                plan.fate = "overdue"
        # Handed to mediation (访调对接): the dispute is registered after acknowledgement.
        disputes = []
        for _ in range(max(1, count // 50)):
            plan = take(lambda p: p.reported_at < old, older_than=90)
            if plan is None:
                break
            plan.category = "petition_other"
            plan.form = Petition.Form.VISIT
            dispute_type = rng.choice((_T.NEIGHBOUR, _T.LAND))
            scenarios = [s for s in SCENARIOS[dispute_type] if s.parties == "neighbours"]
            scenario = rng.choice(scenarios)
            pool = {"urban": self.urban, "rural": self.rural}.get(scenario.setting)
            if pool and plan.micro not in pool:
                plan.micro = rng.choice(pool)
                plan.village = self.village_of(plan.micro)
            micro = plan.micro
            dispute = DisputePlan(
                index=-1,
                reported_at=plan.reported_at,
                source=Source.PETITION,
                dispute_type=dispute_type,
                micro=micro,
                scenario=scenario,
                sessions=pick(rng, SESSIONS),
            )
            plan.refer = dispute
            disputes.append(dispute)
        # A few about a dispute already in mediation (at the county scale).
        for _ in range(count // 50):
            plan = take(lambda p: p.reported_at > self.now - timedelta(days=300))
            if plan is not None:
                plan.about_dispute, plan.category = True, "petition_other"
                plan.form = rng.choice((Petition.Form.VISIT, Petition.Form.LETTER))
        # Repeat petitioners: the same person (same ID number) two to four times, each time
        # a few months after the reply to the last.
        for petitioner in repeaters:
            times = rng.randint(2, 4) if count >= 40 else 2
            first = self.now - timedelta(days=150)
            chain = [take(lambda p, first=first: p.reported_at < first, older_than=160)]
            chain += [take(lambda p: True) for _ in range(times - 1)]
            chain = [p for p in chain if p is not None]
            previous = None
            for plan in chain:
                if previous is not None:
                    earliest = previous.reported_at + timedelta(days=rng.uniform(70, 110))
                    if earliest > self.now - timedelta(days=1):
                        break
                    plan.reported_at = self.office(earliest)
                    plan.category = previous.category
                    if previous.fate in ("extended", "late"):
                        previous.fate = "normal"
                    plan.fate = "not_accepted" if rng.random() < 0.5 else "normal"
                plan.petitioner, plan.repeat_of = petitioner, previous
                if petitioner.village is not None:
                    plan.village = petitioner.village
                    plan.micro = self.micros.get(petitioner.micro_code, plan.micro)
                if plan.form == Petition.Form.ONLINE:
                    plan.form = Petition.Form.VISIT
                previous = plan
        # Replies late or extended: long enough ago for the reply to have come.
        aged = self.now - timedelta(days=100)
        for fate, share in PETITION_FATES.items():
            for _ in range(round(share * count)):
                plan = take(lambda p, aged=aged: p.reported_at < aged, older_than=110)
                if plan is not None:
                    plan.fate = fate
        for plan in plans:
            if plan.petitioner is None and plan.form != Petition.Form.ONLINE:
                plan.petitioner = self.petitioner(plan.micro)
            if plan.category in ("petition_land", "petition_labour") and rng.random() < 0.15:
                plan.visitors = rng.randint(5, 12)  # a collective visit (集体访)
            if plan.form != Petition.Form.VISIT:
                plan.visitors = 1
        self.petitions = plans
        return disputes

    def petitioner(self, micro: Grid, *, outsider: bool | None = None) -> Petitioner:
        """A registered adult of the micro-grid, or (sometimes) someone from elsewhere."""
        rng = self.rng
        people = self.adults(micro.code)
        if outsider is None:
            outsider = rng.random() < 0.15
        if outsider or not people:
            born = date(rng.randint(1955, 1995), rng.randint(1, 12), rng.randint(1, 28))
            region = rng.choice(("430102", "431202", "433101", "522601", "500242"))
            number = make_id_number(region, born, rng.randint(1, 998))
            return Petitioner(name=self.fake.name(), id_number=number)
        pk, name, *_rest = rng.choice(people)
        return Petitioner(
            name=name, person_id=pk, village=self.village_of(micro), micro_code=micro.code
        )

    def petition_words(self, plan: PetitionPlan) -> tuple[str, str, str]:
        """(title, matter, reply) of the petition; a repeat petition repeats the first."""
        rng, village = self.rng, plan.village
        if plan.refer is not None:
            title, matter = W.NEIGHBOUR_PETITION
            words = {"b": plan.refer.parties[1].name, "topic": plan.refer.scenario.topic}
            return title.format(**words), matter.format(**words), ""
        if plan.repeat_of is not None and plan.repeat_of.text[0]:
            title, matter, reply = plan.repeat_of.text
            first_matter = matter.split("再次反映：", 1)[-1]
            return (
                W.REPEAT_TITLE.format(title=title.removeprefix("再次")),
                W.REPEAT_MATTER.format(matter=first_matter),
                reply,
            )
        words = {
            "village": village.name,
            "township": self.township_of(village).name,
            "n": rng.randint(2, 8),
            "amount": rng.randint(8, 60) * 1000,
            "org": self.fake.company(),
        }
        return tuple(text.format(**words) for text in rng.choice(W.PETITIONS[plan.category]))

    def about_dispute(self, plan: PetitionPlan) -> int | None:
        """A dispute registered at least ten days ago, whose applicant now petitions about it;
        the petition's words are set here."""
        earlier = [p for p in self.registered if p.reported_at < clock.now() - timedelta(days=10)]
        if not earlier:
            return None
        target = self.rng.choice(earlier)
        party = (
            DisputeParty.objects.filter(dispute_id=target.dispute_id, side="applicant")
            .order_by("pk")
            .first()
        )
        if party is None:
            return None
        plan.petitioner = Petitioner(party.name, person_id=party.person_id)
        committee = (
            Dispute.objects.filter(pk=target.dispute_id)
            .values_list("committee__name", flat=True)
            .first()
        )
        words = {"b": target.words.get("b", ""), "committee": committee or "人民调解委员会"}
        plan.text = tuple(text.format(**words) for text in W.ABOUT_DISPUTE)
        return target.dispute_id

    def petition_life(self, plan: PetitionPlan) -> Life:
        rng, village = self.rng, plan.village
        township = self.township_of(village)
        desk = self.petition_desk()
        actor = desk
        if plan.form == Petition.Form.ONLINE:
            actor = self.staff.resident(village, rng)
            if actor is None:
                plan.form, actor = Petition.Form.PHONE, desk
                plan.petitioner = self.petitioner(plan.micro)
        elif (
            plan.form == Petition.Form.VISIT
            and not (plan.refer or plan.about_dispute)
            and rng.random() < 0.5
        ):
            actor = desk = self.staff.centre(township.code[:9])  # the township's reception
        dispute_id = None
        if plan.refer is not None:
            pair = self.two_adults([plan.micro.code, plan.micro.code[:12]], "neighbours")
            if pair is None:
                self.failures.append(f"{plan}: nobody to petition")
                return
            plan.refer.parties = pair
            plan.petitioner = Petitioner(pair[0].name, person_id=pair[0].person_id)
        if plan.about_dispute:
            dispute_id = self.about_dispute(plan)
            plan.about_dispute = dispute_id is not None
        if not plan.about_dispute:
            plan.text = self.petition_words(plan)
        title, matter, reply = plan.text
        petitioner = plan.petitioner
        lat, lng = self.point_in(plan.micro)
        petition = petitions.petition_register(
            actor=actor,
            form=plan.form,
            category_code=plan.category,
            title=title,
            matter=matter,
            petitioner_id=petitioner.person_id if petitioner else None,
            petitioner_name=petitioner.name if petitioner else "",
            id_number=petitioner.id_number if petitioner else "",
            phone=self.fake.phone_number() if actor.role != "resident" else "",
            visitors=plan.visitors,
            lat=lat,
            lng=lng,
            address=f"{township.name}{village.name}",
            dispute_id=dispute_id,
        )
        plan.petition_id, plan.code = petition.pk, petition.case.code
        pid = petition.pk

        # Acknowledged (受理) within the 15 days, or not accepted with the reason.
        yield self.office(
            clock.now() + timedelta(days=rng.uniform(0.3, 9)), latest=petition.acknowledge_due_at
        )
        if plan.fate == "not_accepted":
            petitions.petition_acknowledge(
                actor=desk, petition_id=pid, accepted=False, note=rng.choice(W.NOT_ACCEPTED)
            )
            return
        acknowledged = petitions.petition_acknowledge(
            actor=desk, petition_id=pid, accepted=True, note=rng.choice(W.ACKNOWLEDGED)
        )
        ack, reply_due = acknowledged.acknowledged_at, acknowledged.reply_due_at
        if plan.refer is not None:
            # 访调对接: the matter is a dispute between neighbours; it goes to mediation.
            plan.refer.reported_at = self.after(1, 4)
            self.launch(plan.refer.reported_at, self.dispute_life(plan.refer), plan.refer)
            yield plan.refer.reported_at + timedelta(hours=rng.uniform(1, 4))
            if plan.refer.dispute_id is None:
                return
            petitions.petition_link_dispute(
                actor=desk, petition_id=pid, dispute_id=plan.refer.dispute_id
            )
        yield self.after(2, 40)
        unit = self.route(plan)
        case_services.case_dispatch(
            actor=desk, case_id=pid, unit_id=unit.pk, note=rng.choice(W.ROUTE_NOTES)
        )
        handler = self.petition_desk() if unit == self.petition_unit else self.staff.handler(unit)
        yield self.after(3, 48)
        case_services.case_claim(actor=handler, case_id=pid)

        # The reply: mostly well within the 60 days.
        if plan.refer is not None:
            committee = (
                Dispute.objects.filter(pk=plan.refer.dispute_id)
                .values_list("committee__name", flat=True)
                .first()
            )
            reply = W.MEDIATION_REPLY.format(
                committee=committee or "人民调解委员会", code=plan.refer.code
            )
            reply_at = self.after(24, 10 * 24)
        elif plan.fate == "overdue":
            return  # nobody replies before `now`: past its limit
        elif plan.fate == "late":
            reply_at = self.office(reply_due + timedelta(days=rng.uniform(2, 12)))
        elif plan.fate == "extended":
            yield self.office(ack + timedelta(days=rng.uniform(40, 55)))
            petitions.petition_extend(
                actor=desk, petition_id=pid, days=30, reason=rng.choice(W.EXTENSION_REASONS)
            )
            reply_at = self.office(ack + timedelta(days=rng.uniform(62, 85)))
        else:
            reply_at = self.office(ack + timedelta(days=rng.uniform(8, 52)), latest=reply_due)
        yield reply_at
        petitions.petition_reply(actor=handler, petition_id=pid, reply=reply)
        yield self.after(24, 72)
        case_services.case_verify(actor=desk, case_id=pid, note=rng.choice(W.PETITION_VERIFY))
        verified = clock.now()
        if actor.role == "resident":
            yield self.after(2, 72, office=False, latest=verified + timedelta(days=6))
            rating = rng.choices((5, 4, 3), (50, 35, 15))[0]
            case_services.case_rate(actor=actor, case_id=pid, rating=rating)
        else:
            yield self.after(1, 30, latest=verified + timedelta(days=6))
            case_services.case_close(actor=desk, case_id=pid, reason=rng.choice(W.PETITION_CLOSE))

    def route(self, plan: PetitionPlan) -> HandlingUnit:
        """Where a petition goes, by its kind: the court (or the procuratorate), a township
        department, or the petition office itself."""
        kinds = PETITION_ROUTES.get(plan.category, ())
        if plan.refer is not None or plan.about_dispute:
            kinds = ("petition_office",)
        elif plan.category == "petition_law":
            kinds = ("court",) if self.rng.random() < 0.75 else ("procuratorate", "court")
        for kind in kinds:
            unit = self.unit_of(plan.village.code, kind)
            if unit is not None:
                return unit
        return self.petition_unit
