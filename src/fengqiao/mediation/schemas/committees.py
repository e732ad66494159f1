"""API schema of a mediation committee."""

from ninja import Schema


class CommitteeOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    unit_id: int
    specialities: list[str]
    address: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name
