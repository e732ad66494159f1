"""Reconstruction attack: what the most privileged non-reveal view shows must not pin an ID.

The leader sees the whole county through the API but may not reveal. For every person the
attack counts the ID numbers (GB 11643: region, birth date, sequence whose parity is the sex,
ISO 7064 MOD 11-2 check character) that agree with every character the mask shows and every
clear column (sex, birth year); the count is exact and analytic, not enumerated.
"""

import statistics
from datetime import date, timedelta
from functools import cache

import pytest
from django.test import Client

from fengqiao.core import clock, crypto
from fengqiao.registry.models import Person

pytestmark = pytest.mark.django_db

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECKS = "10X98765432"
MIN_CANDIDATES = 1000


def _residues(known: tuple, male: bool) -> tuple[int, ...]:
    """How many sequences (0–999, of the sex's parity, agreeing with any shown character) give
    each weighted sum mod 11."""
    counts = [0] * 11
    for seq in range(1000):
        digits = f"{seq:03d}"
        if (seq % 2 == 1) != male:
            continue
        if any(known[14 + k] not in ("*", digits[k]) for k in range(3)):
            continue
        counts[sum(int(d) * w for d, w in zip(digits, WEIGHTS[14:], strict=True)) % 11] += 1
    return tuple(counts)


@cache
def candidates(shown: str, region: str, birth_year: int, sex: str, today: date) -> int:
    """Valid ID numbers consistent with the mask `shown` (18 characters, `*` hidden), the
    region (assumed known even when masked: it follows from the address), birth year and sex."""
    known = tuple(shown)
    hist = _residues(known, male=sex == "M")
    region_sum = sum(int(d) * w for d, w in zip(region, WEIGHTS[:6], strict=True))
    check = known[17]
    day = max(date(birth_year, 1, 1), date(1900, 1, 1))
    last = min(date(birth_year, 12, 31), today)
    total = 0
    while day <= last:
        digits = day.strftime("%Y%m%d")
        if all(known[6 + k] in ("*", digits[k]) for k in range(8)):
            partial = region_sum + sum(
                int(d) * w for d, w in zip(digits, WEIGHTS[6:14], strict=True)
            )
            if check == "*":
                total += sum(hist)
            else:
                need = CHECKS.index(check)
                # check index = (partial + sequence part) mod 11
                total += hist[(need - partial) % 11]
        day += timedelta(days=1)
    return total


def _leader_view(users) -> list[dict]:
    client = Client()
    client.force_login(users["leader"])
    rows, page = [], 1
    while True:
        body = client.get(f"/api/v1/people?page={page}").json()
        rows.extend(body["items"])
        if len(rows) >= body["count"]:
            return rows
        page += 1


def _count_all(rows, numbers, mask) -> list[int]:
    today = clock.localdate()
    return [
        candidates(
            mask(row, numbers[row["id"]]),
            numbers[row["id"]][:6],
            row["birth_year"],
            row["sex"],
            today,
        )
        for row in rows
    ]


def test_no_person_has_fewer_than_a_thousand_candidates_from_the_leader_view(users):
    rows = _leader_view(users)
    numbers = {
        pk: crypto.decrypt(sealed)
        for pk, sealed in Person.objects.values_list("pk", "id_number_sealed")
    }
    assert len(rows) == len(numbers) >= 400  # the leader sees the whole county
    # Nothing in the view narrows the birth date below the year.
    assert not {"birth_date", "age", "birth_date_sealed"} & set(rows[0])
    counts = _count_all(rows, numbers, lambda row, _number: row["id_number"])
    assert min(counts) >= MIN_CANDIDATES, (min(counts), statistics.median(counts))


def test_the_attack_pins_numbers_when_the_old_mask_is_shown(users):
    """The same count over the old mask (first four, last four) finds pinned people: the test
    above would fail if the mask still showed the sequence."""
    rows = _leader_view(users)
    numbers = {
        pk: crypto.decrypt(sealed)
        for pk, sealed in Person.objects.values_list("pk", "id_number_sealed")
    }
    counts = _count_all(rows, numbers, lambda _row, number: number[:4] + "*" * 10 + number[-4:])
    assert min(counts) < 400
    assert statistics.median(counts) < MIN_CANDIDATES
