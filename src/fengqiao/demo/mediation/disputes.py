"""A demo dispute from registration to the mediator's claim: who registers it (by its
source), the parties its scenario needs among the people the registrar may name, the words of
its file, and the mediator a centre would pick from the suggestions."""

from __future__ import annotations

import time as monotonic_time
from collections.abc import Sequence
from decimal import Decimal

from fengqiao.accounts.models import User
from fengqiao.cases import services as case_services
from fengqiao.cases.models import Case
from fengqiao.demo.mediation import texts as W
from fengqiao.demo.mediation.plans import DisputePlan, Life, Party
from fengqiao.demo.mediation.scenarios import SCENARIOS
from fengqiao.mediation import selectors
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import (
    Dispute,
    DisputeType,
    MediationCommittee,
    Mediator,
    RiskGrade,
    Source,
)
from fengqiao.regions.models import Region
from fengqiao.registry.models import Organization, Person

__all__ = ["DisputeLives"]

_T = DisputeType
# Disputes village or township mediators take ("小事不出村", the village's committee or
# named room most of the time), and those the county's sector committees take.
LOCAL_TYPES = {_T.NEIGHBOUR, _T.FAMILY, _T.LAND, _T.CONTRACT, _T.OTHER}
SECTOR_TYPES = {_T.TRAFFIC, _T.MEDICAL, _T.LABOUR, _T.PROPERTY}
VILLAGE_SHARE = 0.75


def _is_person(party: Party) -> bool:
    """A person (registered or named): not an organisation or a company by name."""
    return party.organization_id is None and len(party.name) <= 4


def _short(name: str, is_person: bool) -> str:
    """Titles name a person as "X某" (the full name stays in the file)."""
    return f"{name[0]}某" if is_person and name else name


class DisputeLives:
    """Part of `MediationHistory` (demo.mediation.history): registering a dispute and its
    life up to the claim (then demo.mediation.sessions)."""

    def registrar(self, plan: DisputePlan) -> tuple[User, str | None]:
        """Who registers the dispute, and the code prefix whose people they may name."""
        village = self.village_of(plan.micro)
        township9 = village.code[:9]
        if plan.source == Source.SCREENING:
            return self.staff.grid_chief(plan.micro.code[:15]), plan.micro.code[:15]
        if plan.source == Source.APPLICATION:
            resident = self.staff.resident(village, self.rng)
            if resident is not None and resident.person_id:
                micro = self.micros.get(resident.person.region_code)
                if micro is not None:
                    plan.micro = micro
                    self.fit_scenario(plan)
                return resident, None
            plan.source = Source.WALK_IN
        if plan.source == Source.POLICE:
            police = self.unit_of(township9, "police_station")
            if police is not None:
                return self.staff.handler(police), township9
            plan.source = Source.WALK_IN
        if plan.source == Source.COURT and self.court_unit is not None:
            return self.court_clerk(), self.county.prefix
        if plan.source == Source.PETITION:
            return self.petition_desk(), self.county.prefix
        plan.source = Source.WALK_IN
        return self.staff.centre(village.code), village.code

    def fit_scenario(self, plan: DisputePlan) -> None:
        """Another scenario of the same type when the place moved to a town or a village the
        scenario does not happen in."""
        urban = self.village_of(plan.micro).kind == Region.Kind.COMMUNITY
        wrong = "rural" if urban else "urban"
        if plan.scenario.setting == wrong:
            fitting = [s for s in SCENARIOS[plan.dispute_type] if s.setting != wrong]
            if fitting:
                plan.scenario = self.rng.choice(fitting)

    def choose_parties(
        self, plan: DisputePlan, actor: User, scope: str | None
    ) -> tuple[Party, Party]:
        """(applicant, respondent) for the scenario, among the people the registrar may name
        (a resident names the other side by name only)."""
        rng, kind, micro = self.rng, plan.scenario.parties, plan.micro
        if scope is None:
            person = actor.person
            others = [p for p in self.adults(micro.code) if p[2] != person.household_id]
            applicant = Party(person.name, person_id=person.pk)
            if kind == "manager":
                return Party(f"{rng.choice(W.ESTATES)}物业服务有限公司"), applicant
            if kind == "company":
                other = self.fake.company()
            elif kind == "hospital":
                other = f"{self.village_of(micro).name}卫生室"
            else:
                other = rng.choice(others)[1] if others else self.fake.name()
            return applicant, Party(other, phone=self.fake.phone_number())
        prefixes = [
            p for p in (micro.code, micro.code[:15], micro.code[:12]) if p.startswith(scope)
        ]
        if kind in ("company", "hospital"):
            organization = self.organization(prefixes, kind)
            worker = self.two_adults(prefixes, "neighbours")
            if organization is not None and worker is not None:
                return worker[0], organization
        elif kind == "manager":
            owners = self.two_adults(prefixes, "neighbours")
            if owners is not None:
                manager = Party(
                    f"{rng.choice(W.ESTATES)}物业服务有限公司", phone=self.fake.phone_number()
                )
                return manager, owners[1]
        elif kind in ("elder", "spouses", "groups"):
            pair = self.two_adults(prefixes[-1:] if kind == "groups" else prefixes, kind)
            if pair is not None:
                return pair
        pair = self.two_adults(prefixes, "neighbours")
        if pair is not None:
            return pair
        return (
            Party(self.fake.name(), phone=self.fake.phone_number()),
            Party(self.fake.name(), phone=self.fake.phone_number()),
        )

    def two_adults(self, prefixes: Sequence[str], kind: str) -> tuple[Party, Party] | None:
        """Two people for the scenario, from the first prefix that has them: neighbours (two
        households), an elder and a younger adult of one household, a wife and husband, or
        people of two grids."""
        for prefix in prefixes:
            people = self.adults(prefix)
            households: dict[int, list[tuple]] = {}
            for row in people:
                households.setdefault(row[2], []).append(row)
            fitting: list[tuple[tuple, tuple]] = []
            if kind == "spouses":
                for members in households.values():
                    wives = [m for m in members if m[3] == Person.Relation.SPOUSE and m[5] == "F"]
                    heads = [m for m in members if m[3] == Person.Relation.HEAD and m[5] == "M"]
                    if wives and heads:
                        fitting.append((wives[0], heads[0]))
            elif kind == "elder":
                for members in households.values():
                    ordered = sorted(members, key=lambda m: (m[4], m[0]))
                    if len(ordered) >= 2 and (ordered[-1][4] - ordered[0][4]).days > 20 * 365:
                        fitting.append((ordered[0], ordered[-1]))
            elif kind == "groups":
                by_grid: dict[str, tuple] = {}
                for row in people:
                    by_grid.setdefault(row[6][:15], row)
                if len(by_grid) >= 2:
                    first, second = self.rng.sample(sorted(by_grid), 2)
                    fitting.append((by_grid[first], by_grid[second]))
            else:
                heads = [members[0] for members in households.values()]
                if len(heads) >= 2:
                    fitting.append(tuple(self.rng.sample(heads, 2)))
            if fitting:
                first, second = self.rng.choice(fitting)
                return Party(first[1], person_id=first[0]), Party(second[1], person_id=second[0])
        return None

    def organization(self, prefixes: Sequence[str], kind: str) -> Party | None:
        kinds = (
            [Organization.Kind.HOSPITAL]
            if kind == "hospital"
            else [Organization.Kind.COMPANY, Organization.Kind.COOPERATIVE]
        )
        for prefix in prefixes:
            found = list(
                Organization.objects.filter(region_code__startswith=prefix, kind__in=kinds)
                .order_by("pk")
                .values_list("pk", "name")
            )
            if found:
                pk, name = self.rng.choice(found)
                return Party(name, organization_id=pk)
        return None

    def words(self, plan: DisputePlan, applicant: Party, respondent: Party) -> dict:
        rng = self.rng
        village = self.village_of(plan.micro)
        low, high = plan.scenario.amount or (0, 0)
        amount = round(rng.uniform(low, high), -2) if high else 0
        n, m = rng.sample(range(2, 10), 2)
        if "{n}人" in plan.scenario.title:  # wages owed to n workers
            amount = round(n * rng.uniform(6000, 18000), -2)
        return {
            "a": applicant.name,
            "b": respondent.name,
            "a_": _short(applicant.name, _is_person(applicant)),
            "b_": _short(respondent.name, _is_person(respondent)),
            "amount": f"{int(amount)}",
            "half": f"{int(round(amount * rng.uniform(0.5, 0.85), -2))}",
            "n": n,
            "m": m,
            "k": rng.randint(4, 12),
            "area": rng.randint(2, 30) * 10,
            "village": village.name,
            "township": self.township_of(village).name,
            "road": rng.choice(W.ROADS),
            "estate": rng.choice(W.ESTATES),
            "amount_value": amount,
        }

    def register(self, plan: DisputePlan) -> Dispute:
        rng = self.rng
        actor, scope = self.registrar(plan)
        applicant, respondent = plan.parties or self.choose_parties(plan, actor, scope)
        plan.words = self.words(plan, applicant, respondent)
        text = plan.scenario
        grade = plan.risk_grade
        reasons = list(text.reasons[:2]) if grade != RiskGrade.GENERAL else []
        if grade != RiskGrade.GENERAL and not reasons:
            reasons = [rng.choice(("many_parties", "large_amount", "vulnerable", "repeated"))]
        lat, lng = self.point_in(plan.micro)
        village = self.village_of(plan.micro)
        amount = plan.words["amount_value"] or None
        dispute = mediation.dispute_register(
            actor=actor,
            dispute_type=plan.dispute_type,
            title=text.title.format(**plan.words),
            description=text.description.format(**plan.words),
            source=plan.source,
            parties=[applicant.party_in("applicant"), respondent.party_in("respondent")],
            amount=Decimal(str(int(amount))) if amount else None,
            risk_grade=grade,
            risk_reasons=reasons,
            risk_note="矛盾有激化风险，列入重点跟踪。" if grade != RiskGrade.GENERAL else "",
            lat=lat,
            lng=lng,
            address=f"{self.township_of(village).name}{village.name}",
        )
        plan.dispute_id, plan.code, plan.reporter = dispute.pk, dispute.case.code, actor
        plan.desk = self.desk(dispute.case)
        self.registered.append(plan)
        if plan.month is not None:
            self.findings.setdefault((plan.month, plan.micro.code[:15]), []).append(dispute.pk)
        done = len(self.registered)
        step = max(1, self.dispute_count // 5)
        if done % step == 0 or done == self.dispute_count:
            elapsed = monotonic_time.monotonic() - self.started
            self.progress(
                f"  mediation history: {done:,}/{self.dispute_count:,} disputes registered "
                f"({elapsed:.0f} s)"
            )
        return dispute

    def pick_mediator(self, plan: DisputePlan, dispute: Dispute) -> Mediator | None:
        """From the suggestions, as a centre would: significant and major disputes to the
        expert pool, traffic, medical, labour and property disputes to their sector
        committee, small local ones to the village's committee (sometimes the township's);
        within a committee, whoever has had the fewest so far."""
        ranked = selectors.mediator_suggestions(actor=plan.desk, dispute=dispute, limit=50)
        if not ranked:
            return None
        kinds = MediationCommittee.Kind
        if plan.risk_grade != RiskGrade.GENERAL:
            wanted = [r for r in ranked if r["mediator"].is_expert and r["specialist"]]
        elif plan.dispute_type in SECTOR_TYPES:
            wanted = [
                r
                for r in ranked
                if r["specialist"] and r["mediator"].committee.kind == kinds.SECTOR
            ]
        elif plan.dispute_type in LOCAL_TYPES:
            near = 12 if self.rng.random() < VILLAGE_SHARE else 9
            wanted = [r for r in ranked if r["near"] == near and not r["mediator"].is_expert]
        else:
            wanted = []
        wanted = wanted or ranked
        best = min(self.assigned[r["mediator"].pk] for r in wanted)
        mediator = next(r["mediator"] for r in wanted if self.assigned[r["mediator"].pk] == best)
        self.assigned[mediator.pk] += 1
        return mediator

    def dispute_life(self, plan: DisputePlan) -> Life:
        rng = self.rng
        dispute = self.register(plan)
        cid = dispute.pk
        case = dispute.case
        yield self.after(0.5, 20, latest=case.due_at)
        if plan.fate == "refused":
            case_services.case_reject(actor=plan.desk, case_id=cid, reason=rng.choice(W.REFUSALS))
            return
        mediation.dispute_accept(
            actor=plan.desk, dispute_id=cid, consent=True, consent_note=rng.choice(W.CONSENT_NOTES)
        )
        yield self.after(0.2, 6, latest=self.case(plan).due_at)
        mediator = self.pick_mediator(plan, dispute)
        if mediator is None:
            self.failures.append(f"{plan}: no mediator serves the place")
            return
        plan.mediator, plan.user = mediator, self.mediator_users[mediator.pk]
        assigned = mediation.dispute_assign(
            actor=plan.desk,
            dispute_id=cid,
            mediator_id=mediator.pk,
            note=rng.choice(W.ASSIGN_NOTES),
        )
        yield self.after(0.5, 20, latest=assigned.case.due_at)
        claimed = case_services.case_claim(actor=plan.user, case_id=cid)
        yield from self.mediate(plan, claimed.resolve_due_at)

    def case(self, plan: DisputePlan) -> Case:
        return Case.objects.get(pk=plan.dispute_id)
