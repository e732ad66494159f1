"""API schemas for regions and grids."""

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    centroid_lat: float | None
    centroid_lng: float | None

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class RegionDetailOut(RegionOut):
    boundary: dict | None


class GridOut(Schema):
    code: str
    name: str
    kind: str
    depth: int
    village_code: str
    parent_code: str | None
    centroid_lat: float | None
    centroid_lng: float | None

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.village.code

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class GridDetailOut(GridOut):
    boundary: dict | None
    chief: str | None
    workers: list[str]

    @staticmethod
    def resolve_chief(obj) -> str | None:
        return obj.chief.label if obj.chief_id else None

    @staticmethod
    def resolve_workers(obj) -> list[str]:
        return [u.label for u in obj.workers.all()]


class LocationOut(Schema):
    grid_code: str | None
    village_code: str
    region_code: str


class TreeErrorOut(Schema):
    sheet: str
    row: int
    column: str
    reason: str


class TreeImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[TreeErrorOut]


class GazetteerHitOut(Schema):
    kind: str
    kind_label: str
    name: str
    area: str
    lat: float
    lng: float
