"""The gazetteer: search keys, ranking, pinyin initials, junctions, scoping, bad input, the
rebuild and the stale-area sweep, on the small demo county."""

import pytest

from fengqiao.core.errors import ValidationFailed
from fengqiao.regions import gazetteer
from fengqiao.regions.gazetteer import initials, normalize
from fengqiao.regions.gazetteer_search import gazetteer_search, junctions
from fengqiao.regions.models import GazetteerEntry, GazetteerStale, Grid, Region, Road
from fengqiao.registry.models import Dwelling

pytestmark = pytest.mark.django_db


def test_normalize_folds_width_case_spaces_and_punctuation():
    assert normalize(" 建设路　１２号-A ") == "建设路12号a"


def test_initials_of_chinese_and_ascii():
    assert initials(normalize("建设路12号")) == "jsl12h"


def test_rebuild_indexes_every_kind(demo_county):
    kinds = set(GazetteerEntry.objects.values_list("kind", flat=True))
    assert kinds >= {"region", "grid", "road", "dwelling", "place", "organization"}
    dwelling = Dwelling.objects.exclude(address="").first()
    entry = GazetteerEntry.objects.get(kind="dwelling", ref=dwelling.code)
    assert (entry.name, entry.region_code) == (dwelling.address, dwelling.region_code)


def test_exact_ranks_before_prefix_before_contains(demo_county, users):
    actor = users["county_centre"]
    village = Region.objects.filter(level="village").first()
    other = Region.objects.filter(level="village").exclude(pk=village.pk).first()
    Region.objects.filter(pk=other.pk).update(name=f"{village.name}东片")
    Region.objects.filter(pk=village.parent_id).update(name=f"新{village.name}")
    gazetteer.gazetteer_rebuild()
    names = [h.name for h in gazetteer_search(actor=actor, q=village.name, limit=50)]
    exact, prefix, contains = village.name, f"{village.name}东片", f"新{village.name}"
    assert names.index(exact) < names.index(prefix) < names.index(contains)


def test_pinyin_initials_find_a_road(demo_county, users):
    hits = gazetteer_search(actor=users["county_centre"], q="jsl", limit=5)
    assert hits and hits[0].name == "建设路" and hits[0].kind == "road"


def test_nearer_entries_come_first(demo_county, users):
    actor = users["county_centre"]
    roads = [r for r in Road.objects.filter(name="建设路")]
    far = max(roads, key=lambda r: r.min_lng)
    near = (far.min_lat, far.min_lng)
    hits = gazetteer_search(actor=actor, q="建设路", limit=3, near=near)
    entry = GazetteerEntry.objects.get(kind="road", ref=str(far.pk))
    assert (hits[0].lat, hits[0].lng) == (entry.lat, entry.lng)


def test_junction_of_two_roads_is_where_they_cross(demo_county, users):
    from shapely.geometry import Point, shape
    from shapely.ops import unary_union

    a = unary_union([shape(r.geometry) for r in Road.objects.filter(name="建设路")])
    b = unary_union([shape(r.geometry) for r in Road.objects.filter(name="文化路")])
    for q in [
        "建设路与文化路",
        "建设路和文化路",
        "建设路/文化路",
        "建设路 & 文化路",
        "jsl与whl路口",
    ]:
        hits = gazetteer_search(actor=users["county_centre"], q=q, limit=5)
        assert (hits[0].kind, hits[0].name) == ("junction", "建设路与文化路"), q
        point = Point(hits[0].lng, hits[0].lat)
        assert a.distance(point) < 1e-9 and b.distance(point) < 1e-9, q


def test_half_typed_junction_shows_the_first_road(demo_county, users):
    hits = gazetteer_search(actor=users["county_centre"], q="建设路与", limit=3)
    assert hits and all(h.name == "建设路" for h in hits)


def test_grid_worker_never_finds_another_villages_dwellings(demo_county, users):
    worker = users["grid_worker"]
    home = worker.scope_prefixes()[0]
    elsewhere = Dwelling.objects.exclude(region_code__startswith=home[:12]).first()
    assert gazetteer_search(actor=users["county_centre"], q=elsewhere.address, limit=1)
    assert not gazetteer_search(actor=worker, q=elsewhere.address, limit=50)
    for hit in gazetteer_search(actor=worker, q="号", limit=50):
        assert GazetteerEntry.objects.get(name=hit.name, lat=hit.lat).region_code.startswith(home)


def test_junctions_use_only_the_road_pieces_in_reach(demo_county, users):
    from shapely.geometry import Point, shape

    everywhere = junctions(actor=users["county_centre"], text="建设路与文化路")
    assert everywhere
    for actor in (users["village_centre"], users["village_centre_b"], users["grid_worker"]):
        prefix = actor.scope_prefixes()[0]
        own = [shape(r.geometry) for r in Road.objects.filter(region_code__startswith=prefix)]
        for hit in junctions(actor=actor, text="建设路与文化路"):
            assert any(line.distance(Point(hit.lng, hit.lat)) < 1e-9 for line in own)
    seat = everywhere[0]
    holder = Road.objects.filter(name="建设路").order_by("region_code")
    village_of_seat = [
        r.region_code
        for r in holder
        if shape(r.geometry).distance(Point(seat.lng, seat.lat)) < 1e-9
    ]
    outsider = users["village_centre_b"]
    if not any(code.startswith(outsider.scope_prefixes()[0]) for code in village_of_seat):
        assert seat not in junctions(actor=outsider, text="建设路与文化路")


def test_residents_find_public_kinds_only(demo_county, users):
    dwelling = Dwelling.objects.exclude(address="").first()
    assert not gazetteer_search(actor=users["resident"], q=dwelling.address, limit=5)
    assert gazetteer_search(actor=users["resident"], q="建设路", limit=5)


BAD = [
    ("", 10, "q"),
    ("  ，。 ", 10, "q"),
    ("路" * 101, 10, "q"),
    ("路", 0, "limit"),
    ("路", 51, "limit"),
]


def test_bad_input_names_the_field(demo_county, users):
    for q, limit, field in BAD:
        with pytest.raises(ValidationFailed) as caught:
            gazetteer_search(actor=users["county_centre"], q=q, limit=limit)
        assert caught.value.field == field, (q, limit)


def test_a_new_dwelling_is_found_after_the_sweep(demo_county, users):
    from fengqiao.registry.services import dwelling_create

    actor = users["village_centre"]
    village = Region.objects.get(code=actor.scope_prefixes()[0])
    dwelling_create(
        actor=actor,
        code="NEW-0001",
        address=f"{village.name}幸福巷88号",
        lat=village.centroid_lat,
        lng=village.centroid_lng,
    )
    assert GazetteerStale.objects.filter(code=village.code).exists()
    assert not gazetteer_search(actor=actor, q="幸福巷88号", limit=5)
    assert gazetteer.sweep() == {"gazetteer_refreshed": 1}
    assert [h.name for h in gazetteer_search(actor=actor, q="幸福巷88号", limit=5)] == [
        f"{village.name}幸福巷88号"
    ]
    assert not GazetteerStale.objects.exists()


def test_a_moved_dwelling_is_found_once_at_its_new_place(demo_county):
    dwelling = Dwelling.objects.exclude(address="").first()
    old = dwelling.region_code[:12]
    new = Region.objects.filter(level="village").exclude(code=old).first()
    Dwelling.objects.filter(pk=dwelling.pk).update(
        region_code=new.code, village=new, grid=None, lat=new.centroid_lat, lng=new.centroid_lng
    )
    gazetteer.gazetteer_rebuild(prefix=new.code)
    gazetteer.gazetteer_rebuild(prefix=old)
    (entry,) = GazetteerEntry.objects.filter(kind="dwelling", ref=dwelling.code)
    assert (entry.region_code, entry.lat) == (new.code, new.centroid_lat)


def test_redrawing_a_grid_marks_its_village_stale(demo_county):
    from fengqiao.regions.services import grid_update_boundary

    grid = Grid.objects.filter(depth=1).first()
    grid_update_boundary(grid=grid, boundary=grid.boundary)
    assert GazetteerStale.objects.filter(code=grid.code[:12]).exists()
