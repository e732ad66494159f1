"""`fengqiao verify-log [CODE ...]`: check the keyed chains of case logs, replay them against
the case rows, check case numbers; fail if anything is wrong."""

from itertools import groupby
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fengqiao.cases import hashchain
from fengqiao.cases.hashchain import ROW_VALUES, verify_case
from fengqiao.cases.models import Case, CaseEvent
from fengqiao.core import digest

CHUNK = 500


class Command(BaseCommand):
    help = (
        "Check that no case event was changed or deleted and that each case row is what its "
        "log says (replayed from an empty row): the given cases (by case number), or every "
        "case, and then that case numbers have no gaps. Exits non-zero when a problem is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="CODE", help="case numbers, e.g. SJ…")
        parser.add_argument(
            "--digests",
            metavar="FILE",
            help="also check an exported digest file (chain-digest export) against the logs",
        )

    def handle(self, *args, codes: list[str], digests: str | None = None, **options):
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
        number_problems = [] if codes else hashchain.number_problems()
        self._section("case numbers", number_problems)
        other_problems = [] if codes else self._other_chains()
        digest_problems = [] if codes else digest.check(digest.stored(), where="digest")
        if digests:
            digest_problems += digest.check_exported(Path(digests))
        self._section("daily digests", digest_problems)
        if broken or missing or number_problems or other_problems or digest_problems:
            raise CommandError(
                f"{checked} cases checked: {broken} with a broken log"
                + (f", {len(missing)} not found" if missing else "")
                + (f", {len(number_problems)} numbering problems" if number_problems else "")
                + (f", {len(other_problems)} problems in other logs" if other_problems else "")
                + (f", {len(digest_problems)} digest problems" if digest_problems else "")
            )
        self.stdout.write(f"{checked} cases, all chains intact")

    def _section(self, title: str, problems: list[str]) -> None:
        if problems:
            self.stdout.write(f"{title}:")
            for problem in problems:
                self.stdout.write(f"  {problem}")

    def _other_chains(self) -> list[str]:
        """The other apps' keyed logs (settings.FENGQIAO_CHAINS with a verify_all)."""
        problems = []
        for source in digest.sources():
            if hasattr(source, "verify_all"):
                for label, found in source.verify_all():
                    self._section(label, found)
                    problems += found
        return problems


def _check(cases):
    """(code, problems) for each case, reading cases and their events CHUNK cases at a time."""
    last = 0
    while True:
        batch = list(cases.filter(pk__gt=last).order_by("pk").values(*ROW_VALUES)[:CHUNK])
        if not batch:
            return
        events = CaseEvent.objects.filter(case_id__in=[row["pk"] for row in batch]).order_by(
            "case_id", "seq"
        )
        by_case = {
            pk: list(rows) for pk, rows in groupby(events.iterator(), key=lambda e: e.case_id)
        }
        for row in batch:
            yield row["code"], verify_case(row, by_case.get(row["pk"], []))
        last = batch[-1]["pk"]
