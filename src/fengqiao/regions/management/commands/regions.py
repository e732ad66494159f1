"""`fengqiao regions export|import`: the region and grid tree as GeoJSON or XLSX files."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fengqiao.core.errors import DomainError
from fengqiao.regions import tree_export, tree_import


class Command(BaseCommand):
    help = "Export or import the region/grid tree: regions export CODE FILE | regions import FILE"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("paths", nargs="+", metavar="ARG")
        parser.add_argument(
            "--as",
            dest="username",
            default="admin",
            help="account whose jurisdiction and role apply (default: admin)",
        )

    def handle(self, *args, action, paths, username, **options):
        # The user model by its setting: regions sits below the accounts app.
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account {username!r}; pass --as USERNAME.")
        try:
            if action == "export":
                if len(paths) != 2:
                    raise CommandError("usage: fengqiao regions export CODE FILE(.geojson|.xlsx)")
                self._export(actor, *paths)
            else:
                self._import(actor, *paths)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

    def _export(self, actor, code: str, path: str) -> None:
        target = Path(path)
        if target.suffix.lower() == ".xlsx":
            target.write_bytes(tree_export.export_xlsx(actor=actor, root_code=code))
        else:
            data = tree_export.export_geojson(actor=actor, root_code=code)
            target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        self.stdout.write(f"wrote {target}")

    def _import(self, actor, *paths: str) -> None:
        failed = False
        for path in paths:
            report = tree_import.import_tree(
                actor=actor, filename=path, content=Path(path).read_bytes()
            )
            if report.ok:
                self.stdout.write(
                    f"{path}: {report.created} created, {report.updated} updated, "
                    f"{report.unchanged} unchanged"
                )
                continue
            failed = True
            self.stderr.write(f"{path}: nothing saved, {len(report.errors)} error(s)")
            for e in report.errors[:200]:
                where = f"{e.sheet} " if e.sheet else ""
                self.stderr.write(f"  {where}row {e.row}, {e.column}: {e.reason}")
        if failed:
            raise CommandError("import failed")
