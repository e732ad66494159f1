"""Photos on visits and patrol check-ins: checked by their bytes (photos only, 10 MB, counts),
errors naming the field, stored once per visit or check-in whatever the resends, an audit row
with each write, and read only by those who may see the visit or patrol."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client

from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AuditEntry
from fengqiao.fieldwork import patrols, photos, services
from fengqiao.fieldwork.models import CheckInPhoto, Visit, VisitPhoto
from fengqiao.registry.located import place_create
from fengqiao.registry.models import Household, Person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 32


def _png(n: int) -> bytes:
    """A distinct small PNG-looking file (the type is judged by the first bytes)."""
    return PNG + n.to_bytes(4, "big")


def _upload(name: str, content: bytes, content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def field(users, media):
    worker = users["grid_worker"]
    mine = Person.objects.visible_to(worker).exclude(household=None)
    first = mine.values("household_id").annotate(n=Count("pk")).order_by("household_id")[0]
    micro = worker.bindings.get().grid
    place = place_create(
        actor=worker,
        name="百货市场",
        kind="market",
        lat=micro.centroid_lat,
        lng=micro.centroid_lng,
    )
    return {
        "worker": worker,
        "centre": users["village_centre"],
        "centre_b": users["village_centre_b"],
        "household": Household.objects.get(pk=first["household_id"]),
        "place": place,
        "media": media,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _visit(field, **extra) -> Visit:
    return services.visit_record(
        actor=field["worker"], target="household", target_id=field["household"].pk, **extra
    )


# --- visits -----------------------------------------------------------------------------------


def test_a_visit_keeps_its_photos_stamped_with_its_area_and_audited(field):
    visit = _visit(field, client_id="v-1", photos=[_upload("门口.png", PNG)])
    photo = visit.photos.get()
    assert photo.region_code == visit.region_code
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest() and photo.size == len(PNG)
    assert photo.content_type == "image/png" and photo.uploaded_by == field["worker"]
    entry = AuditEntry.objects.get(entity_type="fieldwork.visit", entity_id=str(visit.pk))
    assert entry.changes["photos"] == [None, 1]
    assert VisitPhoto.objects.visible_to(field["centre"]).filter(pk=photo.pk).exists()
    assert not VisitPhoto.objects.visible_to(field["centre_b"]).filter(pk=photo.pk).exists()
    # The form sent again (same client id) makes neither a second visit nor a second photo.
    again = _visit(field, client_id="v-1", photos=[_upload("门口.png", PNG)])
    assert again.pk == visit.pk and VisitPhoto.objects.count() == 1


def test_a_bad_photo_refuses_the_visit_and_writes_nothing(field):
    with pytest.raises(ValidationFailed) as caught:
        _visit(field, photos=[_upload("说明.pdf", PDF, "application/pdf")])
    assert caught.value.field == "photos"
    assert not Visit.objects.exists() and _stored_files(field["media"]) == []


def test_photo_posted_after_the_visit_is_stored_once_whatever_the_resends(field):
    visit = _visit(field, client_id="v-2")
    client = _client(field["worker"])
    url = f"/api/v1/visits/{visit.pk}/photos"
    first = client.post(url, {"photos": [_upload("a.png", PNG), _upload("b.jpg", JPEG)]})
    assert first.status_code == 201, first.content
    assert [p["content_type"] for p in first.json()] == ["image/png", "image/jpeg"]
    again = client.post(url, {"photos": [_upload("a.png", PNG), _upload("b.jpg", JPEG)]})
    assert again.status_code == 200 and len(again.json()) == 2
    assert VisitPhoto.objects.filter(visit=visit).count() == 2
    assert len(_stored_files(field["media"])) == 2
    audits = AuditEntry.objects.filter(
        entity_type="fieldwork.visit", entity_id=str(visit.pk), action="photos"
    )
    assert audits.count() == 1 and audits.get().changes["photos"] == [0, 2]
    detail = client.get(f"/api/v1/visits/{visit.pk}").json()
    assert detail["photos_url"] == url and len(detail["photos"]) == 2
    download = client.get(detail["photos"][0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG
    listed = client.get("/api/v1/visits").json()["items"]
    assert len(next(v for v in listed if v["id"] == visit.pk)["photos"]) == 2


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("x.svg", b"<svg onload='alert(1)'/>")], "x.svg 不是照片"),
        ([("x.pdf", PDF)], "x.pdf 不是照片"),
        ([("big.png", PNG + b"\x00" * (10 * 1024 * 1024))], "超过 10 MB"),
        ([(f"{n}.png", _png(n)) for n in range(11)], "最多上传 10 个"),
        ([], "至少"),
    ],
)
def test_bad_photos_are_400_naming_the_field(field, files, message):
    visit = _visit(field)
    client = _client(field["worker"])
    response = client.post(
        f"/api/v1/visits/{visit.pk}/photos",
        {"photos": [_upload(name, content) for name, content in files]},
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "photos"
    assert message in response.json()["message"]
    assert not VisitPhoto.objects.exists() and _stored_files(field["media"]) == []


def test_a_visit_holds_at_most_ten_photos(field):
    visit = _visit(field, photos=[_upload(f"{n}.png", _png(n)) for n in range(9)])
    with pytest.raises(ValidationFailed) as caught:
        photos.visit_photos_add(
            actor=field["worker"],
            visit_id=visit.pk,
            files=[_upload("9.png", _png(9)), _upload("10.png", _png(10))],
        )
    assert caught.value.field == "photos"
    assert visit.photos.count() == 9 and len(_stored_files(field["media"])) == 9


def test_only_the_visitor_adds_photos_and_other_villages_see_nothing(field):
    visit = _visit(field, photos=[_upload("a.png", PNG)])
    photo = visit.photos.get()
    with pytest.raises(NotAllowed):
        photos.visit_photos_add(
            actor=field["centre"], visit_id=visit.pk, files=[_upload("b.jpg", JPEG)]
        )
    with pytest.raises(NotFound):
        photos.visit_photos_add(
            actor=field["centre_b"], visit_id=visit.pk, files=[_upload("b.jpg", JPEG)]
        )
    outsider = _client(field["centre_b"])
    # Not found before the files are looked at: a bad file tells an outsider nothing either.
    bad = outsider.post(f"/api/v1/visits/{visit.pk}/photos", {"photos": [_upload("x", b"x")]})
    assert bad.status_code == 404
    assert outsider.get(f"/api/v1/visits/{visit.pk}/photos/{photo.pk}").status_code == 404
    assert outsider.get(f"/fieldwork/visits/{visit.pk}/photos/{photo.pk}/").status_code == 404
    assert outsider.get(f"/fieldwork/visits/{visit.pk}/").status_code == 404
    # A photo id of another visit is not found under this one.
    other = _visit(field, photos=[_upload("c.jpg", JPEG)])
    centre = _client(field["centre"])
    wrong = f"/api/v1/visits/{visit.pk}/photos/{other.photos.get().pk}"
    assert centre.get(wrong).status_code == 404
    assert centre.get(f"/api/v1/visits/{visit.pk}/photos/{photo.pk}").status_code == 200


def test_the_workbench_visit_page_shows_its_photos(field):
    visit = _visit(field, findings="屋顶漏雨", photos=[_upload("屋顶.png", PNG)])
    photo = visit.photos.get()
    centre = _client(field["centre"])
    listed = centre.get("/fieldwork/").content.decode()
    assert f"/fieldwork/visits/{visit.pk}/" in listed
    page = centre.get(f"/fieldwork/visits/{visit.pk}/").content.decode()
    assert "屋顶漏雨" in page and f"/fieldwork/visits/{visit.pk}/photos/{photo.pk}/" in page
    shown = centre.get(f"/fieldwork/visits/{visit.pk}/photos/{photo.pk}/")
    assert shown.status_code == 200 and shown["Content-Disposition"].startswith("inline")


def test_the_phone_form_posts_a_visit_with_its_photo(field):
    worker = _client(field["worker"])
    url = f"/m/visits/household/{field['household'].pk}/"
    page = worker.get(url).content.decode()
    assert 'accept="image/*" capture="environment"' in page
    body = {"purpose": "routine", "findings": "好", "client_id": "form-1"}
    refused = worker.post(url, {**body, "photos": [_upload("x.txt", b"hello")]})
    assert refused.status_code == 400 and not Visit.objects.exists()
    done = worker.post(url, {**body, "photos": [_upload("a.png", PNG)]})
    assert done.status_code == 302
    assert Visit.objects.get(client_id="form-1").photos.count() == 1


# --- patrol check-ins -----------------------------------------------------------------------


def _patrol(field, n_check_ins=2):
    end = clock.now() - timedelta(minutes=1)
    place = field["place"]
    return patrols.patrol_record(
        actor=field["worker"],
        started_at=end - timedelta(minutes=30),
        ended_at=end,
        points=[[place.lat, place.lng, 0, 10]],
        check_ins=[
            patrols.CheckIn(at=end - timedelta(minutes=10 - i), target="place", target_id=place.pk)
            for i in range(n_check_ins)
        ],
        client_id="walk-1",
    )


def test_check_in_photos_go_to_the_check_in_at_their_position_once(field):
    patrol = _patrol(field)
    client = _client(field["worker"])
    url = f"/api/v1/patrols/{patrol.pk}/photos"
    body = {"photos": [_upload("a.png", PNG), _upload("b.jpg", JPEG)], "check_in": ["1", "0"]}
    first = client.post(url, body)
    assert first.status_code == 201, first.content
    stops = first.json()["check_ins"]
    assert [len(s["photos"]) for s in stops] == [1, 1]
    assert stops[1]["photos"][0]["content_type"] == "image/png"
    assert first.json()["photos_url"] == url
    body = {"photos": [_upload("a.png", PNG), _upload("b.jpg", JPEG)], "check_in": ["1", "0"]}
    assert client.post(url, body).status_code == 200
    assert CheckInPhoto.objects.count() == 2 and len(_stored_files(field["media"])) == 2
    photo = CheckInPhoto.objects.get(sha256=hashlib.sha256(PNG).hexdigest())
    assert photo.region_code == patrol.region_code
    audits = AuditEntry.objects.filter(entity_type="fieldwork.patrol", action="photos")
    assert audits.count() == 1 and audits.get().changes["photos"] == [None, 2]
    download = client.get(f"/api/v1/patrols/{patrol.pk}/photos/{photo.pk}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    centre = _client(field["centre"])
    page = centre.get(f"/fieldwork/patrols/{patrol.pk}/").content.decode()
    assert f"/fieldwork/patrols/{patrol.pk}/photos/{photo.pk}/" in page
    assert centre.get(f"/fieldwork/patrols/{patrol.pk}/photos/{photo.pk}/").status_code == 200
    outsider = _client(field["centre_b"])
    assert outsider.get(f"/api/v1/patrols/{patrol.pk}/photos/{photo.pk}").status_code == 404
    assert outsider.get(f"/fieldwork/patrols/{patrol.pk}/photos/{photo.pk}/").status_code == 404
    assert outsider.post(url, body).status_code == 404


@pytest.mark.parametrize(
    ("check_in", "field_name"),
    [([], "check_in"), (["0", "0"], "check_in"), (["2"], "check_in"), (["-1"], "check_in")],
)
def test_a_photo_without_a_check_in_is_400_naming_the_field(field, check_in, field_name):
    patrol = _patrol(field)
    client = _client(field["worker"])
    response = client.post(
        f"/api/v1/patrols/{patrol.pk}/photos",
        {"photos": [_upload("a.png", PNG)], "check_in": check_in},
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field_name
    assert not CheckInPhoto.objects.exists()


def test_a_check_in_holds_at_most_five_photos_and_a_refusal_leaves_no_file(field):
    patrol = _patrol(field, n_check_ins=1)
    with pytest.raises(ValidationFailed) as caught:
        photos.check_in_photos_add(
            actor=field["worker"],
            patrol_id=patrol.pk,
            files=[_upload(f"{n}.png", _png(n)) for n in range(6)],
            check_ins=[0] * 6,
        )
    assert caught.value.field == "photos"
    assert not CheckInPhoto.objects.exists() and _stored_files(field["media"]) == []
    with pytest.raises(NotAllowed):
        photos.check_in_photos_add(
            actor=field["centre"], patrol_id=patrol.pk, files=[_upload("a.png", PNG)], check_ins=[0]
        )
