"""The key ring and the online rotation of the data key (`fengqiao rekey`)."""

import pytest
from django.core.management import call_command

from fengqiao.cases.models import Case
from fengqiao.core import crypto
from fengqiao.core.keyring import key_id
from fengqiao.core.keys import new_data_key
from fengqiao.core.rekey import key_status, rekey_all, sealed_columns
from fengqiao.registry.models import Person, PersonTagging


@pytest.fixture
def rotated(settings):
    """The active key is new; the key everything was sealed under is retired."""
    old = settings.FENGQIAO_DATA_KEY
    settings.FENGQIAO_RETIRED_DATA_KEYS = [old]
    settings.FENGQIAO_DATA_KEY = new_data_key()
    return {"old": key_id(old), "new": key_id(settings.FENGQIAO_DATA_KEY)}


def test_tokens_name_their_key_and_open_under_retired_keys_when_rotated(db, settings):
    token = crypto.encrypt("430101199001011234")
    before = crypto.token_key_id(token)
    settings.FENGQIAO_RETIRED_DATA_KEYS = [settings.FENGQIAO_DATA_KEY]
    settings.FENGQIAO_DATA_KEY = new_data_key()
    assert crypto.decrypt(token) == "430101199001011234"
    assert crypto.token_key_id(crypto.encrypt("x")) != before
    settings.FENGQIAO_RETIRED_DATA_KEYS = []
    with pytest.raises(ValueError, match="not in the key ring"):
        crypto.decrypt(token)


def test_lookup_hash_unchanged_when_data_key_rotates(db, settings):
    before = crypto.lookup_hash("13800138000")
    settings.FENGQIAO_DATA_KEY = new_data_key()
    assert crypto.lookup_hash("13800138000") == before


def test_row_bound_token_refuses_to_open_in_another_row_or_column(demo_county):
    first, second = Person.objects.order_by("pk")[:2]
    number = crypto.decrypt(first.id_number_sealed)
    first.id_number_sealed = crypto.seal_field(first, "id_number_sealed", number)
    assert crypto.open_field(first, "id_number_sealed") == number
    second.id_number_sealed = first.id_number_sealed  # pasted into another person's row
    with pytest.raises(ValueError, match="does not open"):
        crypto.open_field(second, "id_number_sealed")
    first.phone_sealed = first.id_number_sealed  # pasted into another column
    with pytest.raises(ValueError, match="does not open"):
        crypto.open_field(first, "phone_sealed")
    with pytest.raises(ValueError, match="bound to its row"):
        crypto.decrypt(first.id_number_sealed)


def test_every_sealed_value_readable_and_current_when_rekey_runs_after_rotation(
    demo_county, rotated
):
    people = {
        p.pk: (crypto.decrypt(p.id_number_sealed), crypto.decrypt(p.phone_sealed), p.id_number_hash)
        for p in Person.objects.all()
    }
    tags = {
        t.pk: crypto.decrypt(t.tag_sealed) for t in PersonTagging.objects.exclude(tag_sealed="")
    }
    assert tags, "the demo county has sensitive tags"
    report = rekey_all(batch_size=50)
    assert report.finished and report.tokens_resealed >= len(people)
    for person in Person.objects.all():
        number, phone, number_hash = people[person.pk]
        assert crypto.open_field(person, "id_number_sealed") == number
        assert crypto.open_field(person, "phone_sealed") == phone
        assert crypto.is_current(person.id_number_sealed)
        assert person.id_number_hash == number_hash == crypto.lookup_hash(number)
    for tagging in PersonTagging.objects.exclude(tag_sealed=""):
        assert crypto.open_field(tagging, "tag_sealed") == tags[tagging.pk]
    for column, counts in key_status().items():
        assert set(counts) <= {rotated["new"], "bound"}, column
    # A second pass finds nothing to do.
    assert rekey_all(batch_size=50).tokens_resealed == 0


def test_rekey_resumes_when_stopped_and_keeps_a_concurrent_change(demo_county, rotated):
    stopped = rekey_all(batch_size=10, max_seconds=0)
    assert not stopped.finished and stopped.tokens_resealed > 0
    person = Person.objects.order_by("-pk").first()
    # A user changes the phone between the pass's read and its write: simulated by sealing the
    # row anew under the active key before the pass reaches it (the conditional update skips).
    Person.objects.filter(pk=person.pk).update(
        phone_sealed=crypto.seal_field(person, "phone_sealed", "13900000000")
    )
    finished = rekey_all(batch_size=10)
    assert finished.finished
    person.refresh_from_db()
    assert crypto.open_field(person, "phone_sealed") == "13900000000"
    assert all(
        crypto.is_current(p.id_number_sealed) and crypto.is_current(p.phone_sealed)
        for p in Person.objects.all()
    )


def test_sealed_columns_found_by_name_in_every_app(db):
    found = {(m._meta.label, c) for m, columns in sealed_columns() for c in columns}
    assert ("registry.Person", "id_number_sealed") in found
    assert ("cases.Case", "callback_phone_sealed") in found
    assert ("registry.PersonTagging", "tag_sealed") in found


def test_rekey_command_rotates_demo_keys_and_reads_back(demo_county, settings, tmp_path, capsys):
    home = tmp_path
    (home / "data_key").write_text(settings.FENGQIAO_DATA_KEY + "\n")
    settings.FENGQIAO_HOME = home
    settings.FENGQIAO_HASH_KEY_SOURCE = "file"
    person = Person.objects.first()
    number = crypto.decrypt(person.id_number_sealed)
    call_command("rekey", "rotate", "--batch-size", "100")
    out = capsys.readouterr().out
    assert "every sealed value is under key" in out
    assert (home / "retired_data_keys").is_dir()
    person.refresh_from_db()
    assert crypto.open_field(person, "id_number_sealed") == number
    call_command("rekey", "status")
    assert "registry_person.id_number_sealed" in capsys.readouterr().out


def test_case_callback_phone_is_rekeyed_with_the_rest(users, settings):
    from fengqiao.cases.models import Category
    from fengqiao.cases.services import case_report

    micro = users["grid_worker"].bindings.get().grid
    case = case_report(
        actor=users["grid_worker"],
        category=Category.objects.get(code="garbage"),
        title="回访电话",
        lat=micro.centroid_lat,
        lng=micro.centroid_lng,
        callback_phone="13712345678",
    )
    settings.FENGQIAO_RETIRED_DATA_KEYS = [settings.FENGQIAO_DATA_KEY]
    settings.FENGQIAO_DATA_KEY = new_data_key()
    stored = Case.objects.get(pk=case.pk)
    assert ":r:" in stored.callback_phone_sealed  # bound to its row when reported
    phone = crypto.open_field(stored, "callback_phone_sealed")
    assert phone == "13712345678"
    rekey_all(batch_size=200)
    case.refresh_from_db()
    assert crypto.open_field(case, "callback_phone_sealed") == phone


def test_bind_row_binds_unbound_values_of_a_new_row(demo_county):
    person = Person.objects.first()
    number = crypto.decrypt(person.id_number_sealed)
    assert crypto.bind_row(person) >= 1
    person.refresh_from_db()
    assert ":r:" in person.id_number_sealed
    assert crypto.open_field(person, "id_number_sealed") == number
    assert crypto.bind_row(person) == 0


def test_rekey_reports_a_token_moved_from_another_row_and_goes_on(demo_county, settings):
    first, second = Person.objects.order_by("pk")[:2]
    moved = crypto.seal_field(first, "phone_sealed", "13600000000")
    Person.objects.filter(pk=second.pk).update(phone_sealed=moved)
    settings.FENGQIAO_RETIRED_DATA_KEYS = [settings.FENGQIAO_DATA_KEY]
    settings.FENGQIAO_DATA_KEY = new_data_key()
    report = rekey_all(batch_size=100)
    assert ("registry_person.phone_sealed", second.pk) in report.unopenable
    assert report.finished and report.tokens_resealed > 0
    second.refresh_from_db()
    assert second.phone_sealed == moved  # left for a person to restore, not overwritten
