"""`fengqiao demo`: migrate, seed the demo county if empty, and serve it."""

import logging
import os
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from fengqiao.demo.accounts import DEMO_PASSWORD, demo_account_rows


class Command(BaseCommand):
    help = "Migrate, seed the demo county when the database is empty, and serve."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default=os.environ.get("FENGQIAO_DEMO_SCALE", "county"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-serve", action="store_true")

    def handle(self, *args, scale, host, port, no_serve, **options):
        call_command("compiletranslations")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed", scale=scale)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"fengqiao demo: http://{host}:{port}/"))
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, role, where in demo_account_rows():
            self.stdout.write(f"  {username:<15} {role:<13} {where}")
        if not no_serve:
            # The demo runs the worker's sweeps in-process; production runs `fengqiao worker`.
            threading.Thread(target=_sweep_forever, name="demo-worker", daemon=True).start()
            call_command("serve", host=host, port=port)


def _sweep_forever(interval: float = 60.0) -> None:
    from django.db import close_old_connections

    from fengqiao.core.sweeping import run_all_sweeps
    from fengqiao.core.taskqueue import run_ready_tasks

    while True:
        close_old_connections()
        try:
            run_all_sweeps()
            run_ready_tasks()
        except Exception:  # the next pass retries; every sweep is idempotent
            logging.getLogger("fengqiao.worker").exception("demo sweep pass failed")
        time.sleep(interval)
