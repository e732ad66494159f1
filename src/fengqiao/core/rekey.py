"""Rotating the data key online: every sealed column (a text field named `*_sealed`, on any
model) re-sealed under the active key and bound to its row, in batches, resumable.

Rows are walked in primary-key order and only rows not yet current are written, each with a
conditional UPDATE on the token it read, so a pass can be stopped at any point and run again,
and a row that a user changes meanwhile keeps the user's value (it is picked up by the next
pass). Reads keep working throughout: the ring opens tokens of the active and retired keys.
"""

from collections import Counter
from dataclasses import dataclass, field
from time import monotonic

from django.apps import apps
from django.db import models, transaction

from fengqiao.core import crypto

SEALED_SUFFIX = "_sealed"


def sealed_columns() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with sealed columns, and those columns (by the `*_sealed` naming rule)."""
    found = []
    for model in apps.get_models():
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname.endswith(SEALED_SUFFIX) and isinstance(f, models.TextField)
        ]
        if names and not model._meta.proxy:
            found.append((model, names))
    return found


@dataclass
class RekeyReport:
    rows_seen: int = 0
    tokens_resealed: int = 0
    rows_skipped_changed: int = 0
    # Tokens that open under no key of the ring, in no binding: (table.column, row id).
    unopenable: list = field(default_factory=list)
    finished: bool = True
    per_table: Counter = field(default_factory=Counter)


def key_status() -> dict[str, Counter]:
    """`table.column` → how many tokens per key id ("v1" for the oldest format), and how many
    are bound to their row ("bound")."""
    status: dict[str, Counter] = {}
    for model, columns in sealed_columns():
        for column in columns:
            counts: Counter = Counter()
            tokens = model._default_manager.exclude(**{column: ""}).values_list(column, flat=True)
            for token in tokens.iterator(chunk_size=2000):
                counts[crypto.token_key_id(token)] += 1
                if ":r:" in token:
                    counts["bound"] += 1
            status[f"{model._meta.db_table}.{column}"] = counts
    return status


def rekey_all(*, batch_size: int = 1000, max_seconds: float | None = None, progress=None):
    """One pass over every sealed column; returns a RekeyReport (finished=False when
    `max_seconds` ran out: run again to go on)."""
    report = RekeyReport()
    started = monotonic()
    ring = crypto.ring()
    for model, columns in sealed_columns():
        table = model._meta.db_table
        manager = model._default_manager
        last = None
        while True:
            qs = manager.order_by("pk")
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs.values_list("pk", *columns)[:batch_size])
            if not rows:
                break
            last = rows[-1][0]
            with transaction.atomic():
                for pk, *tokens in rows:
                    report.rows_seen += 1
                    _reseal_row(
                        manager, ring, table, pk, dict(zip(columns, tokens, strict=True)), report
                    )
            if progress:
                progress(table, last, report)
            if max_seconds is not None and monotonic() - started > max_seconds:
                report.finished = False
                return report
    return report


def _reseal_row(manager, ring, table: str, pk, tokens: dict, report: RekeyReport) -> None:
    changes = {}
    for column, token in tokens.items():
        if not token or token.startswith(f"v2:{ring.active_id}:r:"):
            continue
        aad = crypto.row_aad(table, column, pk)
        try:
            changes[column] = ring.seal(ring.open(token, aad), aad)
        except ValueError:  # tampered, moved from another row, or under a removed key
            report.unopenable.append((f"{table}.{column}", pk))
    if not changes:
        return
    # Conditional on every token read: a concurrent write wins and is left for the next pass.
    written = manager.filter(pk=pk, **{c: tokens[c] for c in changes}).update(**changes)
    if written:
        report.tokens_resealed += len(changes)
        report.per_table[table] += len(changes)
    else:
        report.rows_skipped_changed += 1
