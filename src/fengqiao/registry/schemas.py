"""API schemas for the registry; personal numbers only ever leave masked (or by reveal)."""

from ninja import Schema


class TagOut(Schema):
    code: str
    name: str
    name_en: str
    is_sensitive: bool


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_year: int
    id_number: str
    phone: str
    residence: str
    relation: str
    household_id: int | None
    dwelling_id: int | None
    region_code: str

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone_masked


class PersonDetailOut(PersonOut):
    ethnicity: str
    tags: list[TagOut]

    @staticmethod
    def resolve_tags(obj) -> list:
        return obj.visible_tags


class PersonIn(Schema):
    name: str
    id_number: str
    phone: str = ""
    dwelling_id: int | None = None
    household_id: int | None = None
    relation: str = ""
    residence: str = "registered"
    ethnicity: str = ""


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str


class DwellingOut(Schema):
    id: int
    code: str
    address: str
    lat: float | None
    lng: float | None
    use: str
    building_type: str
    village_code: str
    grid_code: str | None
    region_code: str

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.village.code

    @staticmethod
    def resolve_grid_code(obj) -> str | None:
        return obj.grid.code if obj.grid_id else None


class DwellingIn(Schema):
    code: str
    address: str
    lat: float | None = None
    lng: float | None = None
    village_code: str | None = None
    use: str = "owner"
    building_type: str = "house"
    owner_name: str = ""


class MemberOut(Schema):
    id: int
    name: str
    relation: str
    sex: str
    birth_year: int


class HouseholdOut(Schema):
    id: int
    number: str
    region_code: str
    dwelling_id: int | None
    group_id: int | None
    head_name: str | None

    @staticmethod
    def resolve_head_name(obj) -> str | None:
        return obj.head.name if obj.head_id else None


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj) -> list:
        return list(obj.members.all())


class HouseholdGroupOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    head_name: str | None
    households: int

    @staticmethod
    def resolve_head_name(obj) -> str | None:
        return obj.head.name if obj.head_id else None

    @staticmethod
    def resolve_households(obj) -> int:
        return getattr(obj, "household_count", None) or obj.households.count()


class LocatedOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    lat: float | None
    lng: float | None
    region_code: str


class OrganizationOut(LocatedOut):
    credit_code: str
    contact_name: str
    contact_phone: str
    employees: int | None

    @staticmethod
    def resolve_contact_phone(obj) -> str:
        return obj.contact_phone_masked


class PlaceOut(LocatedOut):
    risk: str


class FacilityOut(LocatedOut):
    code: str
    status: str


class LocatedIn(Schema):
    """Where a row lies: a point (the grid is found from it) or, without one, a village."""

    address: str = ""
    lat: float | None = None
    lng: float | None = None
    village_code: str | None = None


class OrganizationIn(LocatedIn):
    name: str
    kind: str
    credit_code: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    employees: int | None = None


class PlaceIn(LocatedIn):
    name: str
    kind: str
    risk: str = "low"


class FacilityIn(LocatedIn):
    code: str
    name: str
    kind: str
    status: str = "working"


class LocatedPatch(Schema):
    """Only the fields sent change; a point or village sent moves the row."""

    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    village_code: str | None = None


class OrganizationPatch(LocatedPatch):
    name: str | None = None
    kind: str | None = None
    credit_code: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    employees: int | None = None


class PlacePatch(LocatedPatch):
    name: str | None = None
    kind: str | None = None
    risk: str | None = None


class FacilityPatch(LocatedPatch):
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    status: str | None = None


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportOut(Schema):
    job_id: int | None = None
    kind: str = ""
    mode: str = ""
    total: int
    created: int
    unchanged: int
    written: bool
    error_rows: int = 0
    errors: list[RowErrorOut]  # the first 10,000; all of them: /import/jobs/{id}/errors.xlsx


class ImportJobOut(Schema):
    id: int
    kind: str
    mode: str
    filename: str
    state: str
    message: str
    rows_done: int
    created: int
    unchanged: int
    error_rows: int
    percent: int
