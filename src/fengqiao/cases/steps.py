"""Taking a step of the transition table from any transport.

Each `Step` (cases/workflow.py and the tables the case kinds register) names its service and
its input form. `perform` is the one way a page or the API takes a step: the step is checked
first (403/409 whatever was typed), the input read by the step's form (400 naming the field),
then the service runs. `page_form` describes a step's form for the generic renderer
(`cases/_step_form.html`); `action_body` builds the API's documented body from the forms.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import ConfigDict, ValidationError, create_model, field_validator

from fengqiao.cases import workflow
from fengqiao.cases.models import Case
from fengqiao.core.errors import NotFound, ValidationFailed

# What a parse error says when the form gives no message of its own for the field.
PARSE_MESSAGES = {
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_parsing": _("Enter a number."),
    "bool_parsing": _("Choose yes or no."),
    "datetime_parsing": _("Enter a date and time."),
    "datetime_from_date_parsing": _("Enter a date and time."),
    "date_parsing": _("Enter a date."),
    "missing": _("This field is required."),
    "string_too_long": _("This text is too long."),
    "literal_error": _("Choose one of the options."),
    "enum": _("Choose one of the options."),
}


def _without_nul(value):
    # PostgreSQL text cannot hold NUL; it never means anything in a form.
    return value.replace("\x00", "") if isinstance(value, str) else value


class StepForm(Schema):
    """The input of one step: its fields are what the step's form asks for.

    `arguments` turns the parsed input into the service's keyword arguments, resolving
    codes and ids to rows the actor may use (raising core errors with `field`). The rules of
    the step stay in its service; a form only reads and resolves.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    labels: ClassVar[dict[str, Any]] = {}  # field → label (lazy, translated)
    widgets: ClassVar[dict[str, str]] = {}  # field → widget; default by type
    required: ClassVar[frozenset[str]] = frozenset()  # fields the page marks required
    messages: ClassVar[dict[str, Any]] = {}  # field → message for any parse error
    attrs: ClassVar[dict[str, dict[str, Any]]] = {}  # field → extra HTML attributes (min, max…)
    photos: ClassVar[bool] = False  # the page form also takes photos (attached after)

    strip_nul = field_validator("*", mode="before")(_without_nul)

    def arguments(self, actor, case: Case) -> dict:
        return self.model_dump()

    @classmethod
    def choices(cls, name: str, actor, case: Case) -> list[tuple[Any, Any]] | None:
        """Options of a select field, for the page (None: not a select)."""
        return None

    @classmethod
    def initial(cls, actor, case: Case) -> dict[str, Any]:
        """Values the page form starts with (e.g. the case's current priority)."""
        return {}


@cache
def _load(path: str):
    return import_string(path)


def form_class(found: workflow.Step) -> type[StepForm]:
    return _load(found.form)


def service_of(found: workflow.Step):
    return _load(found.service)


def _step_named(case: Case, action: str) -> workflow.Step:
    """Any step of the case's table with this action (forms and services are shared by name);
    a kind's step that only changes who may take a general step keeps its service and form."""
    for table in (workflow.table_for(case.kind), workflow.TRANSITIONS):
        for (_status, name), found in table.items():
            if name == action and found.service:
                return found
    raise NotFound(
        _("Unknown action %(action)s.") % {"action": action},
        code="unknown_action",
        field="action",
    )


def takes_form(case: Case, action: str) -> bool:
    """Whether the step is taken through a step form (not e.g. the attachments upload)."""
    try:
        _step_named(case, action)
    except NotFound:
        return False
    return True


def _raw(form: type[StepForm], data) -> dict:
    """Input as the form reads it: a page's QueryDict (blank means not given) or a dict."""
    if hasattr(data, "getlist"):
        names = set()
        for name, field in form.model_fields.items():
            names.add(name)
            alias = field.validation_alias
            names.update(getattr(alias, "choices", [alias] if isinstance(alias, str) else []))
        return {name: data.get(name) for name in names if data.get(name) not in (None, "")}
    if not isinstance(data, Mapping):
        raise ValidationFailed(_("The body must be an object."))
    return {key: value for key, value in data.items() if value is not None}


def read(form: type[StepForm], data) -> StepForm:
    """Parse `data` with `form`, or a ValidationFailed naming the first field at fault."""
    try:
        return form.model_validate(_raw(form, data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        message = form.messages.get(field or "") or PARSE_MESSAGES.get(
            first["type"], _("This value is not valid.")
        )
        label = form.labels.get(field or "", field)
        text = f"{label}: {message}" if label and field not in form.messages else message
        raise ValidationFailed(text, field=field) from exc


def perform(*, actor, case: Case, action: str, data) -> Case:
    """Take `action` on `case` with the input `data` (a QueryDict from a page, or a dict)."""
    named = _step_named(case, action)
    workflow.step(case, action, actor)  # role, person and state first: 403/409
    form = read(form_class(named), data)
    return service_of(named)(actor=actor, case_id=case.pk, **form.arguments(actor, case))


def _widget(form: type[StepForm], name: str, field) -> str:
    if name in form.widgets:
        return form.widgets[name]
    annotation = field.annotation
    if annotation in (int, int | None, float, float | None):
        return "number"
    if annotation in (bool, bool | None):
        return "checkbox"
    return "textarea"


def page_form(
    *, actor, case: Case, action: str, label, error=None, failed: str = "", data=None
) -> dict:
    """What the generic renderer draws for one step: fields with label, widget, options,
    the value typed before an error, and the error beside its own field."""
    named = _step_named(case, action)
    form = form_class(named)
    values = data if action == failed and data is not None else {}
    initial = form.initial(actor, case)
    fields = []
    for name, field in form.model_fields.items():
        value = values.get(name) if values else None
        if value is None:
            value = initial.get(name, field.get_default(call_default_factory=True))
        choices = form.choices(name, actor, case)
        fields.append(
            {
                "name": name,
                "label": form.labels.get(name, name),
                "widget": _widget(form, name, field),
                "required": name in form.required,
                "choices": None if choices is None else [(str(v), t) for v, t in choices],
                "value": "" if value is None else str(value),
                "attrs": form.attrs.get(name, {}),
            }
        )
    own_error = error if action == failed else None
    error_at = getattr(own_error, "field", None) if own_error else None
    return {
        "action": action,
        "label": label,
        "fields": fields,
        "caution": named.caution,
        "photos": form.photos,
        "template": named.template,
        "error": own_error,
        # An error about something the form does not ask for is shown under the form.
        "error_at": error_at if error_at in form.model_fields else None,
    }


def action_body(name: str, tables: list[Mapping]) -> type[Schema]:
    """One documented API body: every field of every step form of `tables`, all optional.
    Each step reads the fields it needs (its form validates them again)."""
    fields: dict[str, Any] = {}
    for table in tables:
        for found in table.values():
            if found is None or not found.form:
                continue
            for field_name, field in _load(found.form).model_fields.items():
                if field_name not in fields:
                    fields[field_name] = (field.annotation | None, None)
    return create_model(name, __base__=Schema, **fields)


def action_openapi(name: str, tables: list[Mapping]) -> dict:
    """The `openapi_extra` of an action endpoint: its body documented as one object built by
    `action_body`, while the endpoint takes it untyped so that the step is checked first
    (403/409) and its own form then reads the fields it needs (400 naming the field)."""
    schema = action_body(name, tables).model_json_schema()
    return {"requestBody": {"content": {"application/json": {"schema": schema}}, "required": False}}
