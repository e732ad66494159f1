"""The personal-data migrations keep existing rows right: birth dates sealed with the year in
clear, ID masks redone, tag hashes keyed per person, organisation phones sealed."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fengqiao.core import crypto
from fengqiao.core.idnumbers import make_id_number

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("registry", "0003_person_indexes_without_like"), ("mediation", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_rows_are_migrated_to_sealed_birth_dates_and_per_person_hashes():
    old = _migrate(BEFORE)
    Region = old.get_model("regions", "Region")
    village = Region.objects.create(
        code="431202100200", name="甲村", level="village", kind="village"
    )
    Person = old.get_model("registry", "Person")
    born = [date(1980, 5, 17), date(1991, 2, 3)]
    numbers = [make_id_number("431202", d, 30 + i) for i, d in enumerate(born)]
    people = [
        Person.objects.create(
            name=f"人{i}",
            id_number_sealed=crypto.encrypt(n),
            id_number_hash=crypto.lookup_hash(n),
            id_number_masked=n[:4] + "*" * 10 + n[-4:],
            sex="F",
            birth_date=d,
            region_code=village.code,
        )
        for i, (n, d) in enumerate(zip(numbers, born, strict=True))
    ]
    Tag = old.get_model("registry", "PersonTag")
    plain = Tag.objects.create(code="veteran", name="退役军人", name_en="Veteran")
    Tag.objects.create(code="drug_user", name="吸毒人员", name_en="x", is_sensitive=True)
    Tagging = old.get_model("registry", "PersonTagging")
    for person in people:
        Tagging.objects.create(
            person=person, tag=plain, tag_hash=crypto.lookup_hash("veteran"), region_code="4"
        )
        Tagging.objects.create(
            person=person,
            tag=None,
            tag_sealed=crypto.encrypt("drug_user"),
            tag_hash=crypto.lookup_hash("drug_user"),
            region_code="4",
        )
    Org = old.get_model("registry", "Organization")
    Org.objects.create(
        name="村委会",
        kind="government",
        village=village,
        region_code=village.code,
        contact_phone="138 1234 5678",
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from fengqiao.registry.models import Organization, PersonTagging
    from fengqiao.registry.models import Person as NewPerson
    from fengqiao.registry.sealing import birth_date_of, tag_hash

    for person, number, day in zip(people, numbers, born, strict=True):
        now = NewPerson.objects.get(pk=person.pk)
        assert now.birth_year == day.year and birth_date_of(now) == day
        assert now.id_number_masked == number[:6] + "*" * 11 + number[-1]
        hashes = set(PersonTagging.objects.filter(person=now).values_list("tag_hash", flat=True))
        assert hashes == {tag_hash(now.pk, "veteran"), tag_hash(now.pk, "drug_user")}
    all_hashes = list(PersonTagging.objects.values_list("tag_hash", flat=True))
    assert len(set(all_hashes)) == len(all_hashes) == 4
    org = Organization.objects.get()
    assert crypto.decrypt(org.contact_phone_sealed) == "13812345678"
    assert org.contact_phone_masked == "138****5678"
    assert org.contact_phone_hash == crypto.lookup_hash("13812345678")
