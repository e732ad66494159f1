"""`fengqiao serve`: serve the site with waitress (static files through WhiteNoise)."""

import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve fengqiao over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", "8")))

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from fengqiao.wsgi import application

        self.stdout.write(f"fengqiao serving on http://{host}:{port}/")
        serve(application, host=host, port=port, threads=threads, ident="fengqiao")
