"""Registry pages: lists with search, details, reveal, export and import."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from fengqiao.core import crypto
from fengqiao.core.models import AccessLog
from fengqiao.registry.models import Dwelling, Person


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _village(users) -> str:
    return users["village_centre"].bindings.get().code


def test_people_page_searches_by_name_when_htmx_asks_for_results(users):
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    response = _client(users["village_centre"]).get(
        "/registry/people/", {"q": person.name}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body  # only the rows partial
    assert person.name in body and person.id_number_masked in body


def test_person_page_reveals_and_logs_when_button_pressed(users):
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    client = _client(users["village_centre"])
    page = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert crypto.decrypt(person.id_number_sealed) not in page
    response = client.post(f"/registry/people/{person.pk}/reveal/id_number/")
    assert crypto.decrypt(person.id_number_sealed) in response.content.decode()
    assert AccessLog.objects.filter(object_id=str(person.pk), action="reveal").count() == 1


def test_person_page_has_no_reveal_when_role_is_leader(users):
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    client = _client(users["leader"])
    assert "hx-post" not in client.get(f"/registry/people/{person.pk}/").content.decode()
    assert client.post(f"/registry/people/{person.pk}/reveal/id_number/").status_code == 403


def test_exports_are_masked_and_logged_when_centre_exports(users):
    client = _client(users["village_centre"])
    for url, kind in [
        ("/registry/people/export.xlsx", "person"),
        ("/registry/dwellings/export.xlsx", "dwelling"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(BytesIO(response.content), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) > 1
        assert AccessLog.objects.filter(action="export", object_type=kind).exists()
    people = load_workbook(
        BytesIO(client.get("/registry/people/export.xlsx").content), read_only=True
    ).active
    text = repr(list(people.iter_rows(values_only=True)))
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    assert person.id_number_masked in text
    assert crypto.decrypt(person.id_number_sealed) not in text
    assert AccessLog.objects.filter(action="export").count() == 3


def test_export_refused_when_role_is_grid_worker(users):
    assert _client(users["grid_worker"]).get("/registry/people/export.xlsx").status_code == 403


def test_import_page_shows_row_errors_and_saves_nothing_when_file_bad(users):
    dwelling = Dwelling.objects.filter(region_code__startswith=_village(users)).first()
    csv = f"姓名,身份证号,房屋编号\n张三,439901199001010010,{dwelling.code}\n".encode()
    before = Person.objects.count()
    response = _client(users["village_centre"]).post(
        "/registry/import/",
        {"kind": "people", "mode": "all_or_nothing", "file": SimpleUploadedFile("p.csv", csv)},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "import-result" in body and "<td>2</td>" in body
    assert Person.objects.count() == before


def test_lists_and_details_render_when_staff_browses(users):
    client = _client(users["village_centre"])
    dwelling = Dwelling.objects.filter(region_code__startswith=_village(users)).first()
    household = dwelling.households.first()
    for url in [
        "/registry/households/",
        "/registry/dwellings/",
        "/registry/dwellings/?use=rented",
        f"/registry/dwellings/{dwelling.pk}/",
        f"/registry/households/{household.pk}/",
        "/regions/",
        f"/regions/{_village(users)}/",
        f"/regions/{_village(users)}/map.json",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    assert dwelling.address in client.get(f"/registry/dwellings/{dwelling.pk}/").content.decode()
