"""Every registry write leaves exactly one audit row with its before → after, never in clear."""

import csv
import io

import pytest

from fengqiao.core.errors import NotAllowed
from fengqiao.core.models import AuditEntry
from fengqiao.registry import imports, located, services
from fengqiao.registry.models import Household, Person
from fengqiao.registry.tests.conftest import POINT_A1, VILLAGE_A_CODE, id_number
from fengqiao.registry.tests.importing import PEOPLE_HEADER


def _only_new(since: int) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(pk__gt=since))
    assert len(entries) == 1, [(e.entity_type, e.action) for e in entries]
    return entries[0]


def _last_id() -> int:
    last = AuditEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


def _person(centre_a, dwelling_a1, seq=1, phone="13800138000") -> Person:
    return services.person_create(
        actor=centre_a, name="张三", id_number=id_number(seq), phone=phone, dwelling=dwelling_a1
    )


def test_dwelling_create_writes_one_row_when_created(centre_a):
    mark = _last_id()
    lat, lng = POINT_A1
    dwelling = services.dwelling_create(
        actor=centre_a, code="A1-777", address="甲村一组7号", lat=lat, lng=lng
    )
    entry = _only_new(mark)
    assert (entry.entity_type, entry.entity_id, entry.action) == (
        "registry.dwelling",
        str(dwelling.pk),
        "create",
    )
    assert entry.actor == centre_a
    assert entry.region_code == dwelling.region_code
    assert entry.changes["code"] == [None, "A1-777"]
    assert entry.changes["address"] == [None, "甲村一组7号"]


def test_person_create_records_personal_fields_only_as_stars_when_created(centre_a, dwelling_a1):
    mark = _last_id()
    person = _person(centre_a, dwelling_a1)
    entry = _only_new(mark)
    assert entry.action == "create" and entry.entity_id == str(person.pk)
    assert entry.changes["name"] == [None, "张三"]
    assert entry.changes["id_number_sealed"] == [None, "***"]
    assert entry.changes["phone_sealed"] == [None, "***"]
    written = str(entry.changes)
    for secret in (id_number(1), "13800138000", person.id_number_sealed, person.phone_sealed):
        assert secret not in written


def test_phone_change_is_logged_as_changed_when_updated(centre_a, dwelling_a1):
    person = _person(centre_a, dwelling_a1)
    mark = _last_id()
    services.person_update_phone(actor=centre_a, person=person, phone="13900139000")
    entry = _only_new(mark)
    assert (entry.action, entry.changes) == ("update", {"phone_sealed": ["***", "***"]})
    assert "13900139000" not in str(entry.changes)


def test_sensitive_tag_is_recorded_without_its_name_when_added_and_removed(
    centre_a, dwelling_a1, tag_sensitive
):
    person = _person(centre_a, dwelling_a1)
    mark = _last_id()
    services.person_tag(actor=centre_a, person=person, tag_code="community_correction")
    added = _only_new(mark)
    assert (added.action, added.changes) == ("tag_add", {"tag": [None, "***"]})
    services.person_tag(actor=centre_a, person=person, tag_code="community_correction")
    assert AuditEntry.objects.filter(pk__gt=mark).count() == 1  # already tagged: no write
    mark = added.pk
    services.person_untag(actor=centre_a, person=person, tag_code="community_correction")
    removed = _only_new(mark)
    assert (removed.action, removed.changes) == ("tag_remove", {"tag": ["***", None]})
    for entry in (added, removed):
        assert "correction" not in str(entry.changes) and "矫正" not in str(entry.changes)
        assert entry.entity_id == str(person.pk)


def test_plain_tag_is_named_when_added(centre_a, dwelling_a1, tag_elderly):
    person = _person(centre_a, dwelling_a1)
    mark = _last_id()
    services.person_tag(actor=centre_a, person=person, tag_code="elderly_alone")
    assert _only_new(mark).changes == {"tag": [None, "elderly_alone"]}


def test_household_move_records_old_and_new_household_when_member_added(
    centre_a, dwelling_a1, dwelling_a2
):
    person = _person(centre_a, dwelling_a1)
    first = services.household_create(actor=centre_a, number="H-1", dwelling=dwelling_a1)
    services.household_add_member(actor=centre_a, household=first, person=person, relation="child")
    second = services.household_create(actor=centre_a, number="H-2", dwelling=dwelling_a2)
    mark = _last_id()
    services.household_add_member(actor=centre_a, household=second, person=person, relation="child")
    entry = _only_new(mark)
    assert entry.action == "move"
    assert entry.changes["household"] == [first.pk, second.pk]
    assert entry.changes["dwelling"] == [dwelling_a1.pk, dwelling_a2.pk]
    assert "relation" not in entry.changes
    assert entry.region_code == second.region_code


def test_organization_create_masks_contact_phone_when_created(centre_a):
    mark = _last_id()
    lat, lng = POINT_A1
    org = located.organization_create(
        actor=centre_a,
        name="甲村合作社",
        kind="cooperative",
        lat=lat,
        lng=lng,
        contact_phone="13700137000",
    )
    entry = _only_new(mark)
    assert entry.entity_type == "registry.organization" and entry.entity_id == str(org.pk)
    assert entry.changes["name"] == [None, "甲村合作社"]
    assert entry.changes["contact_phone_sealed"] == [None, "***"]


def test_import_writes_one_row_per_file_when_people_imported(centre_a, dwelling_a1):
    rows = [PEOPLE_HEADER] + [
        [f"人{n}", id_number(n), "", "", "", "A1-001", "户籍", "", ""] for n in range(1, 4)
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    mark = _last_id()
    job = imports.import_run(
        actor=centre_a,
        kind="people",
        filename="p.csv",
        fh=io.BytesIO(out.getvalue().encode()),
        mode="all_or_nothing",
    )
    assert job.created == 3
    entry = _only_new(mark)  # a file of one batch: one row
    assert (entry.entity_type, entry.entity_id, entry.action) == (
        "registry.importjob",
        str(job.pk),
        "import_batch",
    )
    assert entry.changes == {
        "kind": [None, "people"],
        "rows": [None, "2-4"],
        "created": [None, 3],
        "unchanged": [None, 0],
        "error_rows": [None, 0],
    }
    assert entry.region_code.startswith(VILLAGE_A_CODE)


def test_rejected_import_writes_no_row_when_all_or_nothing_finds_an_error(centre_a, dwelling_a1):
    rows = [PEOPLE_HEADER, ["人1", id_number(1), "", "", "", "A1-001", "", "", ""]]
    rows.append(["", id_number(2), "", "", "", "A1-001", "", "", ""])
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    mark = _last_id()
    job = imports.import_run(
        actor=centre_a,
        kind="people",
        filename="p.csv",
        fh=io.BytesIO(out.getvalue().encode()),
        mode="all_or_nothing",
    )
    assert job.state == "rejected"
    assert _last_id() == mark  # nothing was written, so nothing is logged
    assert not Person.objects.exists()


def test_streamed_import_writes_one_row_per_batch_when_people_imported(centre_a, dwelling_a1):
    rows = [PEOPLE_HEADER] + [
        [f"人{n}", id_number(n), "", "", "", "A1-001", "户籍", "", ""] for n in range(1, 6)
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    mark = _last_id()
    job = imports.import_run(
        actor=centre_a,
        kind="people",
        filename="p.csv",
        fh=io.BytesIO(out.getvalue().encode()),
        batch_rows=2,
    )
    assert job.created == 5
    entries = list(AuditEntry.objects.filter(pk__gt=mark).order_by("pk"))
    assert [e.action for e in entries] == ["import_batch"] * 3
    assert [e.changes["created"][1] for e in entries] == [2, 2, 1]
    assert {e.entity_id for e in entries} == {str(job.pk)}
    assert entries[0].changes["rows"] == [None, "2-3"]
    assert not any(id_number(1) in str(e.changes) for e in entries)


def test_refused_write_leaves_no_row_when_outside_jurisdiction(centre_b, dwelling_a1):
    mark = _last_id()
    with pytest.raises(NotAllowed):
        services.household_create(actor=centre_b, number="H-9", dwelling=dwelling_a1)
    assert not Household.objects.filter(number="H-9").exists()
    assert _last_id() == mark


def test_relocation_writes_one_system_row_per_batch_when_rows_move(centre_a, dwelling_a1):
    from fengqiao.registry.models import Dwelling
    from fengqiao.registry.relocation import registry_relocate_all_system

    Dwelling.objects.update(grid=None, region_code="x")  # as if its grid had been redrawn
    mark = _last_id()
    registry_relocate_all_system()
    entry = _only_new(mark)
    assert (entry.entity_type, entry.action, entry.actor, entry.actor_label) == (
        "registry.dwelling",
        "relocate",
        None,
        "system",
    )
    assert entry.changes == {"moved": [None, 1]}
    assert entry.region_code == dwelling_a1.region_code
