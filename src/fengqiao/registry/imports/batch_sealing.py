"""The per-row work of an import that needs no database, for a whole batch at once: ID numbers
checked, sealed and hashed; phones normalised, sealed and hashed. Runs in worker processes a
few batches ahead of the writer, or in-process.

Workers are forked from the importing process: they inherit its settings, and with them the
data key, which therefore never leaves memory (nothing is written to disk or sent over a
pipe). Each worker watches its parent and exits when the parent is gone, also after `kill -9`.
The parent keeps the database, the checkpoint and every decision that needs them
(engine.py and specs/people.py); a worker only computes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _

from fengqiao.core import crypto
from fengqiao.core.errors import DomainError, ValidationFailed
from fengqiao.core.idnumbers import mask_phone
from fengqiao.registry import sealing
from fengqiao.registry.imports.reading import cell_text, number_lost_digits

__all__ = [
    "SealedBatch",
    "SealingPool",
    "WorkerFailed",
    "cell_texts",
    "ids_plainly_valid",
    "seal_batch",
]

# How often a worker checks that its parent is still there, in seconds.
PARENT_POLL_SECONDS = 0.5


class WorkerFailed(DomainError):
    status = 500
    code = "worker_failed"


# ---------------------------------------------------------------------------
# Checking ID numbers for a whole batch at once

_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_CHECKS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCES = np.zeros(100, dtype=bool)
for _p in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55)):
    _PROVINCES[_p] = True
for _p in (*range(61, 66), 71, 81, 82, 83):
    _PROVINCES[_p] = True
_DAYS = np.array((0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), dtype=np.int64)


def ids_plainly_valid(numbers: list[str], today: date) -> np.ndarray:
    """True where a number is an 18-character ASCII ID that passes every rule of
    idnumbers.parse_id_number (characters, check character, province, birth date).

    False means "look closer", not "invalid": full-width digits, a lower-case x or a 15-digit
    legacy number go through parse_id_number, which also writes the message.
    """
    ok = np.zeros(len(numbers), dtype=bool)
    picked = [i for i, s in enumerate(numbers) if len(s) == 18 and s.isascii()]
    if not picked:
        return ok
    raw = np.frombuffer("".join(numbers[i] for i in picked).encode("ascii"), dtype=np.uint8)
    raw = raw.reshape(-1, 18)
    d = raw[:, :17].astype(np.int64) - 48
    good = ((d >= 0) & (d <= 9)).all(axis=1)
    d = np.clip(d, 0, 9)
    good &= raw[:, 17] == _CHECKS[(d @ _WEIGHTS) % 11]
    good &= _PROVINCES[d[:, 0] * 10 + d[:, 1]]
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    good &= (year >= 1900) & (month >= 1) & (month <= 12) & (day >= 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    limit = _DAYS[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
    good &= day <= limit
    good &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    ok[np.array(picked)] = good
    return ok


# ---------------------------------------------------------------------------
# Sealing, the fast way (the same ciphertext format and keyed hash as core.crypto)


class Sealer:
    """core.crypto's ring, taken once per batch (the keys follow settings; tests change them)."""

    def __init__(self):
        self.ring = crypto.ring()

    def seal(self, text: str) -> str:
        return self.ring.seal(text)

    def hash(self, text: str) -> str:
        return self.ring.hash(text)


@dataclass
class SealedBatch:
    """One batch, column by column. An empty error means none; a rejected ID number leaves its
    row's number None and its other ID columns empty (the same for phones)."""

    numbers: list[str | None]
    birth_years: list[int | None]
    births_sealed: list[str]
    id_errors: list[str]
    id_hashes: list[str]
    id_sealed: list[str]
    phones: list[str]
    phone_errors: list[str]
    phone_hashes: list[str]
    phone_sealed: list[str]
    phone_masked: list[str]


def cell_texts(values: list[Any]) -> list[str]:
    """Cells as stripped text (reading.cell_text, with a fast path for text cells)."""
    return [v.strip() if type(v) is str else cell_text(v) for v in values]


def seal_batch(
    raw_ids: list[Any], raw_phones: list[Any], today: date, language: str
) -> SealedBatch:
    """Check, seal and hash the ID numbers and phones of one batch, as read from the cells."""
    with translation.override(language):
        return _seal_batch(raw_ids, raw_phones, today)


def _seal_batch(raw_ids, raw_phones, today) -> SealedBatch:
    id_texts = cell_texts(raw_ids)
    phones = cell_texts(raw_phones)
    sealer = Sealer()  # per batch: the keys follow settings (tests change them)
    size = len(id_texts)
    plain = ids_plainly_valid(id_texts, today)
    numbers: list[str | None] = [None] * size
    births = [""] * size  # ISO dates, sealed below
    id_errors = [""] * size
    for i in range(size):
        if plain[i]:
            s = id_texts[i]
            numbers[i] = s
            births[i] = f"{s[6:10]}-{s[10:12]}-{s[12:14]}"
        elif number_lost_digits(raw_ids[i]):
            id_errors[i] = _(
                "The ID number was stored as a number and lost its last digits; format "
                "the column as text and type the number again."
            )
        else:
            try:
                parsed = sealing.parse_id_or_fail(id_texts[i])
            except ValidationFailed as exc:
                id_errors[i] = str(exc.message)
                continue
            numbers[i] = parsed.number
            births[i] = parsed.birth_date.isoformat()
    seal, hash_of = sealer.seal, sealer.hash
    id_hashes = [hash_of(n) if n else "" for n in numbers]
    id_sealed = [seal(n) if n else "" for n in numbers]
    births_sealed = [seal(b) if b else "" for b in births]

    normalised = list(phones)
    phone_errors = [""] * size
    for i, phone in enumerate(phones):
        if phone and not (phone.isdigit() and phone.isascii() and 5 <= len(phone) <= 15):
            try:
                normalised[i] = sealing.normalize_phone(phone)
            except ValidationFailed as exc:
                phone_errors[i] = str(exc.message)
    valid = [p if p and not e else "" for p, e in zip(normalised, phone_errors, strict=True)]
    return SealedBatch(
        numbers=numbers,
        birth_years=[int(b[:4]) if b else None for b in births],
        births_sealed=births_sealed,
        id_errors=id_errors,
        id_hashes=id_hashes,
        id_sealed=id_sealed,
        phones=valid,
        phone_errors=phone_errors,
        phone_hashes=[hash_of(p) for p in valid],
        phone_sealed=[seal(p) for p in valid],
        phone_masked=[mask_phone(p) if p else "" for p in valid],
    )


# ---------------------------------------------------------------------------
# The pool


def default_workers() -> int:
    """Worker processes for a command-line import: one per core beyond the first, 1 to 4."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def _worker_start(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


class SealingPool:
    """seal_batch in `workers` forked processes (0 = in this process, for the import page).

    `submit` returns at once; `result` waits for that batch. The first batch is sealed in this
    process and the workers are forked for the second, so a file of one batch forks nothing.
    Use it as a context manager: on leaving, the workers are stopped, also when the import
    fails.
    """

    def __init__(self, workers: int):
        if "fork" not in multiprocessing.get_all_start_methods():
            workers = 0  # without fork the key would have to travel; seal in-process instead
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None
        self.submitted = 0

    def __enter__(self) -> SealingPool:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.executor is not None:
            # Batches not started yet are dropped; a running one takes well under a second.
            self.executor.shutdown(wait=True, cancel_futures=error is not None)

    def submit(self, *args) -> Future | SealedBatch:
        """seal_batch(*args), here or in a worker."""
        self.submitted += 1
        if not self.workers or self.submitted == 1:
            return seal_batch(*args)
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_start,
                initargs=(os.getpid(),),
            )
        return self.executor.submit(seal_batch, *args)

    def result(self, pending, first_row: int, last_row: int):
        """What `submit` computed for rows `first_row`..`last_row` (anything else as it is)."""
        if not isinstance(pending, Future):
            return pending
        try:
            return pending.result()
        except BrokenProcessPool as exc:
            raise WorkerFailed(
                _(
                    "A sealing worker process stopped unexpectedly while rows %(first)d-%(last)d "
                    "were being prepared; run the import again to continue."
                )
                % {"first": first_row, "last": last_row}
            ) from exc
        except Exception as exc:
            raise WorkerFailed(
                _("Sealing rows %(first)d-%(last)d failed in a worker process: %(error)s")
                % {"first": first_row, "last": last_row, "error": f"{type(exc).__name__}: {exc}"}
            ) from exc
