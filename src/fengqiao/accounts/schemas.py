"""API schemas for accounts."""

from datetime import datetime

from ninja import Schema


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    expires_at: datetime


class RevokedOut(Schema):
    revoked: int


class JurisdictionOut(Schema):
    code: str
    name: str
    kind: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    is_superuser: bool
    jurisdictions: list[JurisdictionOut]
    person_id: int | None
