"""Domain errors: a code, a message a person understands, and the field it concerns."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = _("The request is not valid.")

    def __init__(self, message=None, *, code: str | None = None, field: str | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.field = field
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "field": self.field}


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("Your role does not allow this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found, or outside your jurisdiction.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("Someone changed this at the same time; reload and try again.")


class OutsideJurisdiction(DomainError):
    status = 404
    code = "outside_jurisdiction"
    default_message = _("The point lies outside every grid of the jurisdiction.")


def clean_or_fail(obj, *, exclude: list[str] | None = None) -> None:
    """Run model validation and turn Django's error into a ValidationFailed for the first field."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(
            f"{field}: {' '.join(messages)}", field=None if field == "__all__" else field
        ) from exc
