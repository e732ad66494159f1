"""`fengqiao rekey status|run|rotate|new-key|hash-key`: rotate the data key (docs/security.md)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fengqiao.core import crypto
from fengqiao.core.keyring import key_id, rotate_demo_key
from fengqiao.core.keys import new_data_key
from fengqiao.core.rekey import key_status, rekey_all


class Command(BaseCommand):
    help = (
        "Rotate the data key online. `status`: tokens per key id; `run`: re-seal every sealed "
        "column under the active key, bound to its row (batches, resumable); `rotate` (demo "
        "mode, keys under FENGQIAO_HOME): new active key, old one retired, then `run`; "
        "`new-key`: print a fresh key; `hash-key`: print the lookup-hash key to pin it in "
        "FENGQIAO_HASH_KEY before a production rotation."
    )

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["status", "run", "rotate", "new-key", "hash-key"])
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--max-seconds", type=float, default=None, help="stop after this long; run again"
        )

    def handle(self, *args, verb: str, batch_size: int, max_seconds, **options):
        if verb == "new-key":
            self.stdout.write(new_data_key())
            return
        if verb == "hash-key":
            self.stdout.write(settings.FENGQIAO_HASH_KEY)
            return
        if verb == "status":
            self._status()
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if verb == "rotate":
            self._rotate()
        report = rekey_all(
            batch_size=batch_size,
            max_seconds=max_seconds,
            progress=lambda table, last, r: self.stderr.write(
                f"{table}: up to id {last}, {r.tokens_resealed} re-sealed"
            ),
        )
        self.stdout.write(
            f"rows seen {report.rows_seen}, tokens re-sealed {report.tokens_resealed}, rows "
            f"changed meanwhile (left for the next pass) {report.rows_skipped_changed}"
        )
        if report.unopenable:
            self.stdout.write(
                f"{len(report.unopenable)} values open under no key of the ring (left as "
                "they are; restore them from a backup): "
                + ", ".join(f"{column} #{pk}" for column, pk in report.unopenable[:20])
            )
        if not report.finished:
            self.stdout.write("stopped by --max-seconds: run `fengqiao rekey run` again")
        elif report.rows_skipped_changed or report.unopenable:
            self.stdout.write("run `fengqiao rekey run` again for the rows changed meanwhile")
        else:
            self.stdout.write(
                f"every sealed value is under key {crypto.ring().active_id}; retired keys "
                "can be removed once no process still uses them as active"
            )

    def _status(self):
        active = crypto.ring().active_id
        self.stdout.write(
            f"active key {active}; retired: "
            + (", ".join(key_id(k) for k in settings.FENGQIAO_RETIRED_DATA_KEYS) or "none")
            + f"; lookup-hash key from {settings.FENGQIAO_HASH_KEY_SOURCE}"
        )
        for column, counts in key_status().items():
            parts = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
            self.stdout.write(f"{column}: {parts or 'empty'}")

    def _rotate(self):
        if settings.PRODUCTION:
            raise CommandError(
                "In production the keys come from the environment: set the new key as "
                "FENGQIAO_DATA_KEY, the old one in FENGQIAO_RETIRED_DATA_KEYS, restart, then run "
                "`fengqiao rekey run` (docs/security.md)."
            )
        if settings.FENGQIAO_HASH_KEY_SOURCE == "derived":
            raise CommandError("Pin FENGQIAO_HASH_KEY first (`fengqiao rekey hash-key`).")
        home = settings.FENGQIAO_HOME
        if os.environ.get("FENGQIAO_DATA_KEY") or not (home / "data_key").exists():
            raise CommandError("The data key does not come from FENGQIAO_HOME: rotate it there.")
        old_id, new_id = rotate_demo_key(home=home)
        # This process goes on with the new ring; servers pick it up when restarted.
        settings.FENGQIAO_RETIRED_DATA_KEYS = [
            *settings.FENGQIAO_RETIRED_DATA_KEYS,
            settings.FENGQIAO_DATA_KEY,
        ]
        settings.FENGQIAO_DATA_KEY = (home / "data_key").read_text().strip()
        self.stdout.write(f"data key {old_id} retired, {new_id} active; restart the servers")
