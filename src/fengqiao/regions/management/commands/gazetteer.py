"""`fengqiao gazetteer rebuild [--prefix CODE] | refresh`: rebuild the address-search index,
all of it or one area, or refresh the areas marked stale (what the worker's sweep does)."""

from django.core.management.base import BaseCommand, CommandError

from fengqiao.core import divisions
from fengqiao.core.divisions import DivisionCodeError
from fengqiao.regions import gazetteer


class Command(BaseCommand):
    help = "Rebuild the gazetteer (all, or --prefix CODE) or refresh the areas marked stale"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "refresh"])
        parser.add_argument("--prefix", default="", help="a region or grid code (default: all)")

    def handle(self, *args, action, prefix, **options):
        if action == "refresh":
            counts = gazetteer.sweep()
            self.stdout.write(f"{counts['gazetteer_refreshed']} stale areas refreshed.")
            return
        if prefix:
            try:
                prefix = divisions.prefix_of(divisions.normalize(prefix))
            except DivisionCodeError as exc:
                raise CommandError(exc.message) from exc
        written = gazetteer.gazetteer_rebuild(prefix=prefix)
        self.stdout.write(f"{written} gazetteer entries written.")
