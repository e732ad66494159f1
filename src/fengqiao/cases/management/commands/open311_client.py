"""`fengqiao open311_client NAME --as USERNAME`: register an Open311 application, print its key."""

from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts.models import User
from fengqiao.cases.open311 import open311_client_create


class Command(BaseCommand):
    help = (
        "Register an Open311 client that files requests as USERNAME; prints its api_key once "
        "(only a hash is stored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--as", dest="username", required=True, help="account the requests are filed as"
        )

    def handle(self, *args, **o):
        user = User.objects.filter(username=o["username"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active account is called {o['username']!r}.")
        key, client = open311_client_create(name=o["name"], acting_user=user)
        self.stdout.write(
            self.style.SUCCESS(f"Open311 client {client.name!r} files requests as {user.username}.")
        )
        self.stdout.write("api_key (shown only now; keep it safe):")
        self.stdout.write(key)
