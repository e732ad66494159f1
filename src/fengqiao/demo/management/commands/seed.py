"""`fengqiao seed`: load the demo county (枫桥县) at a given scale and print what was made."""

from django.core.management.base import BaseCommand

from fengqiao.demo import DEFAULT_SEED
from fengqiao.demo.accounts import DEMO_PASSWORD
from fengqiao.demo.seed import SCALES
from fengqiao.demo.seed import seed as seed_demo


class Command(BaseCommand):
    help = "Load the demo data set: --scale small (tests), county (demo) or city (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="county")
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="random seed; the same seed gives the same data",
        )

    def handle(self, *args, scale, seed, **options):
        verbose = options.get("verbosity", 1) >= 1

        def progress(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()  # show progress even when the output goes to a log file

        stats = seed_demo(scale, seed=seed, progress=progress if verbose else None)
        for line in stats.lines():
            self.stdout.write(line)
        if verbose and stats.accounts:
            self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
            for username, role, where in stats.accounts:
                self.stdout.write(f"  {username:<15} {role:<13} {where}")
