"""`fengqiao chain-digest seal|export FILE|public-key`: the signed daily digests of the logs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "seal: seal every day not sealed yet (the worker does this each pass); "
        "export FILE: write every digest as JSON, to keep outside the database; "
        "public-key: print the key that checks the digests' signatures."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["seal", "export", "public-key"])
        parser.add_argument("file", nargs="?", metavar="FILE")

    def handle(self, *args, action: str, file: str | None, **options):
        from fengqiao.core import chain, digest

        if action == "seal":
            self.stdout.write(f"{digest.seal_days()} days sealed")
        elif action == "public-key":
            self.stdout.write(chain.public_key_text())
        else:
            if not file:
                raise CommandError("export needs a FILE to write.")
            count = digest.export(Path(file))
            self.stdout.write(f"{count} digests written to {file}")
