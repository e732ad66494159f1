"""The `fengqiao` console command: demo, serve, migrate, seed, createuser, and Django's own."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    from django.core.management import execute_from_command_line

    # Our verbs are management commands of the same names, each in the app it drives
    # (<app>/management/commands/; see docs/architecture.md).
    execute_from_command_line(["fengqiao", *argv])


if __name__ == "__main__":
    main()
