"""`fengqiao createuser`: create an account with a role bound to regions or grids."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts.services import user_create
from fengqiao.core.errors import DomainError
from fengqiao.core.roles import Role
from fengqiao.registry.models import Person


class Command(BaseCommand):
    help = "Create a user: fengqiao createuser NAME --role centre_staff --jurisdiction CODE"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--jurisdiction",
            action="append",
            default=[],
            help="region or grid code (repeatable)",
        )
        parser.add_argument("--person-id", type=int, help="person record of a resident")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument("--password", help="read from the terminal when omitted")

    def handle(self, *args, **o):
        password = o["password"] or getpass.getpass("Password: ")
        person = Person.objects.filter(pk=o["person_id"]).first() if o["person_id"] else None
        try:
            user = user_create(
                username=o["username"],
                password=password,
                role=o["role"],
                jurisdiction=o["jurisdiction"],
                person=person,
                display_name=o["display_name"],
                is_superuser=o["superuser"],
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'error'}: {exc.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.role})."))
