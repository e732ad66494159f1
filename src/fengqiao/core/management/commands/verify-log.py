"""`fengqiao verify-log [CODE ...]`: check the hash chain of case logs; fail if any is broken."""

from itertools import groupby

from django.core.management.base import BaseCommand, CommandError

CHUNK = 500


class Command(BaseCommand):
    help = (
        "Check that no case event was changed or deleted: the hash chain of the given cases "
        "(by case number), or of every case. Exits non-zero when a problem is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="CODE", help="case numbers, e.g. SJ…")

    def handle(self, *args, codes: list[str], **options):
        # Imported here: core sits below the cases app whose log it checks.
        from fengqiao.cases.models import Case

        cases = Case.objects.all()
        missing = []
        if codes:
            cases = cases.filter(code__in=codes)
            found = set(cases.values_list("code", flat=True))
            missing = [code for code in dict.fromkeys(codes) if code not in found]
        for code in missing:
            self.stdout.write(f"{code}: no such case")

        checked = broken = 0
        for code, problems in _check(cases):
            checked += 1
            if problems:
                broken += 1
                self.stdout.write(f"{code}:")
                for problem in problems:
                    self.stdout.write(f"  {problem}")
        if broken or missing:
            raise CommandError(
                f"{checked} cases checked: {broken} with a broken log"
                + (f", {len(missing)} not found" if missing else "")
            )
        self.stdout.write(f"{checked} cases, all chains intact")


def _check(cases):
    """(code, problems) for each case, reading cases and their events CHUNK cases at a time."""
    from fengqiao.cases.hashchain import verify_events
    from fengqiao.cases.models import CaseEvent

    last = 0
    while True:
        batch = list(
            cases.filter(pk__gt=last).order_by("pk").values_list("pk", "code", "version")[:CHUNK]
        )
        if not batch:
            return
        events = CaseEvent.objects.filter(
            case_id__in=[pk for pk, _code, _version in batch]
        ).order_by("case_id", "seq")
        by_case = {
            pk: list(rows) for pk, rows in groupby(events.iterator(), key=lambda e: e.case_id)
        }
        for pk, code, version in batch:
            logged = by_case.get(pk, [])
            problems = verify_events(logged)
            # Every step of a case bumps its version and writes one event (the report is
            # version 0), so a log shorter than that lost its last events.
            last_seq = logged[-1].seq if logged else 0
            if last_seq < version + 1:
                problems.append(
                    f"the log ends at event #{last_seq} but the case has taken {version + 1} "
                    "steps: the last events are missing"
                )
            yield code, problems
        last = batch[-1][0]
