"""Region/grid tree export and import through the API, the page and the command line."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from fengqiao.regions.models import Grid, Region


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_geojson_export_holds_only_jurisdiction_when_village_staff_asks(users):
    village = users["village_centre"].bindings.get().code
    response = _client(users["village_centre"]).get(f"/api/v1/regions/{village}/export.geojson")
    assert response.status_code == 200
    codes = [f["properties"]["code"] for f in json.loads(response.content)["features"]]
    assert codes and all(code.startswith(village) for code in codes)
    county = Region.objects.get(level="county").code
    assert (
        _client(users["village_centre"]).get(f"/api/v1/regions/{county}/export.geojson").status_code
        == 404
    )


def test_import_round_trip_changes_nothing_when_file_is_the_export(users):
    admin = _client(users["admin"])
    county = Region.objects.get(level="county").code
    content = admin.get(f"/api/v1/regions/{county}/export.xlsx").content
    before = (Region.objects.count(), Grid.objects.count())
    response = admin.post(
        "/api/v1/regions/import", {"file": SimpleUploadedFile("tree.xlsx", content)}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["errors"] == [] and body["created"] == 0 and body["unchanged"] > 0
    assert (Region.objects.count(), Grid.objects.count()) == before


def test_import_refused_when_role_is_centre_staff(users):
    response = _client(users["county_centre"]).post(
        "/api/v1/regions/import", {"file": SimpleUploadedFile("t.geojson", b"{}")}
    )
    assert response.status_code == 403


def test_import_page_lists_errors_and_saves_nothing_when_file_has_bad_row(users):
    bad = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "43990X", "name": "坏"}, "geometry": None}
        ],
    }
    response = _client(users["admin"]).post(
        "/regions/import/",
        {"file": SimpleUploadedFile("bad.geojson", json.dumps(bad).encode())},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "import-result" in page
    assert not Region.objects.filter(name="坏").exists()


def test_import_page_hidden_when_role_is_not_admin(users):
    assert _client(users["town_centre"]).get("/regions/import/").status_code == 404


def test_command_exports_and_reimports_when_run_as_admin(users, tmp_path, capsys):
    county = Region.objects.get(level="county").code
    target = tmp_path / "tree.geojson"
    call_command("regions", "export", county, str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["features"]
    call_command("regions", "import", str(target))
    assert "0 created" in capsys.readouterr().out


def test_command_fails_with_row_errors_when_file_bad(users, tmp_path):
    target = tmp_path / "bad.geojson"
    target.write_text('{"type": "FeatureCollection", "features": [{"type": "x"}]}')
    with pytest.raises(CommandError, match="import failed"):
        call_command("regions", "import", str(target))
