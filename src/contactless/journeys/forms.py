"""Step forms: field types the built-ins share, the JSON Schema and page fields of a step, and
server-side validation with messages in the customer's language."""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationError

from contactless.customers import service as customers
from contactless.identity import service as identity
from contactless.journeys.declaration import Choice, Gettext, Msg, Upload, render_text
from contactless.journeys.errors import StepInvalid
from contactless.journeys.schemas import ChoiceView, FieldView
from contactless.platform.errors import ContactlessError


def _wrap(check: Any) -> Any:
    """Run a domain check inside Pydantic: its ContactlessError becomes a field error whose
    message id is translated for the customer."""

    def run(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("enter text")  # noqa: TRY004 - a field error, not a type bug
        try:
            return check(value)
        except ContactlessError as error:
            raise ValueError(error.message) from error

    return run


def parse_amount(value: Any) -> Decimal:
    """A positive amount in yuan with at most two decimals; never a float."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("enter the amount as text, such as 1000.00")
    text = str(value).strip().replace(",", "")
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", text):
        raise ValueError("enter an amount in yuan with at most two decimals")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("enter an amount in yuan with at most two decimals") from exc
    if amount <= 0:
        raise ValueError("the amount must be more than zero")
    return amount


def _card_number(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if not re.fullmatch(r"\d{16,19}", digits) or not luhn_valid(digits):
        raise ValueError("enter the 16 to 19 digit card number (check the digits)")
    return digits


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2 == 1:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _code(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{6}", value):
        raise ValueError("enter the 6-digit code")
    return value


def _agree(value: Any) -> bool:
    if value in (True, "true", "on", "yes", "1", 1):
        return True
    raise ValueError("you must agree to continue")


Amount = Annotated[Decimal, BeforeValidator(parse_amount)]
MobileNumber = Annotated[str, BeforeValidator(_wrap(identity.check_mobile))]
IdNumber = Annotated[str, BeforeValidator(_wrap(customers.check_id_number))]
PersonName = Annotated[str, BeforeValidator(_wrap(customers.check_name))]
CardNumber = Annotated[str, BeforeValidator(_wrap(_card_number))]
OneTimeCode = Annotated[str, BeforeValidator(_wrap(_code))]
Agreement = Annotated[bool, BeforeValidator(_agree)]

# Pydantic error types → message ids (the rest are "this value is not valid")
_GENERIC: dict[str, str] = {
    "missing": "this field is required",
    "string_too_short": "this field is required",
    "string_too_long": "this text is too long",
    "literal_error": "choose one of the options",
    "enum": "choose one of the options",
    "int_parsing": "enter a whole number",
    "int_type": "enter a whole number",
    "int_from_float": "enter a whole number",
    "greater_than_equal": "enter a larger number",
    "greater_than": "enter a larger number",
    "less_than_equal": "enter a smaller number",
    "less_than": "enter a smaller number",
    "bool_parsing": "choose yes or no",
    "bool_type": "choose yes or no",
    "date_parsing": "enter a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "enter a date as YYYY-MM-DD",
    "date_type": "enter a date as YYYY-MM-DD",
    "extra_forbidden": "this field is not part of the step",
    "string_type": "enter text",
    "uuid_parsing": "choose one of the options",
}


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """Each failing field with its message id (translated at the web edge, with the error)."""
    found: list[dict[str, str]] = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ())) or "data"
        kind = item.get("type", "")
        if kind == "value_error":
            cause = (item.get("ctx") or {}).get("error")
            message = str(cause) if cause is not None else "this value is not valid"
        else:
            message = _GENERIC.get(kind, "this value is not valid")
        found.append({"field": location, "message": message})
    return found


def invalid(errors: list[dict[str, str]]) -> StepInvalid:
    return StepInvalid("some answers need attention", errors=errors)


def validate_form(model: type[BaseModel], uploads: tuple[Upload, ...], data: dict[str, Any],
                  choices: dict[str, list[Choice]]) -> BaseModel:
    """Validate the answers with the step's model, then the fields with per-customer choices;
    refused with :class:`StepInvalid` and each field's message id."""
    names = set(model.model_fields)
    values = {name: value for name, value in data.items() if name in names}
    extra = sorted(set(data) - names - {upload.name for upload in uploads})
    errors = [{"field": name, "message": "this field is not part of the step"}
              for name in extra]
    form: BaseModel | None = None
    try:
        form = model.model_validate(values)
    except ValidationError as error:
        errors.extend(field_errors(error))
    if form is not None:
        for name, options in choices.items():
            value = getattr(form, name, None)
            if value is not None and str(value) not in {option.value for option in options}:
                errors.append({"field": name, "message": "choose one of the options"})
    if errors or form is None:
        raise invalid(errors)
    return form


def _widget(schema: dict[str, Any], extra: dict[str, Any]) -> str:
    if "widget" in extra:
        return str(extra["widget"])
    kind = schema.get("type")
    if "enum" in schema or "$ref" in schema:
        return "radio"
    if kind == "boolean":
        return "checkbox"
    if kind == "integer":
        return "number"
    if schema.get("format") == "date":
        return "date"
    return "text"


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], defs)
    return schema


def describe_form(model: type[BaseModel], uploads: tuple[Upload, ...], *,
                  choices: dict[str, list[Choice]], prefill: dict[str, str],
                  gettext: Gettext) -> tuple[list[FieldView], dict[str, Any]]:
    """The step's fields for a page and its JSON Schema for the API (titles translated, the
    customer's own choices as ``enum``)."""
    fields: list[FieldView] = []
    schema = copy.deepcopy(model.model_json_schema())
    defs = schema.pop("$defs", {})
    schema.setdefault("required", [])
    schema.setdefault("properties", {})
    for name, info in model.model_fields.items():
        prop = _resolve(schema["properties"].get(name, {}), defs)
        extra = dict(info.json_schema_extra) if isinstance(info.json_schema_extra,
                                                            dict) else {}
        label = render_text(_msg(info.title), gettext) if info.title else name
        prop["title"] = label
        if info.description:
            prop["description"] = render_text(Msg(info.description), gettext)
        options = _options(name, prop, extra, choices, gettext)
        if options:
            prop["enum"] = [option.value for option in options]
            prop["x-choices"] = [option.model_dump() for option in options]
        for key in ("widget", "labels"):
            prop.pop(key, None)
        schema["properties"][name] = prop
        fields.append(FieldView(
            name=name, label=label, widget=_widget(prop, extra),
            required=name in schema["required"], choices=options,
            value=prefill.get(name, _default(info.default)),
            help=render_text(Msg(info.description), gettext) if info.description else None,
            max_length=prop.get("maxLength"),
        ))
    for upload in uploads:
        fields.append(_upload_field(upload, gettext))
        schema["properties"][upload.name] = {
            "title": render_text(upload.label, gettext), "type": "object",
            "properties": {"filename": {"type": "string"}, "content_type": {"type": "string"},
                           "content_base64": {"type": "string", "contentEncoding": "base64"}},
            "x-accept": sorted(upload.kinds), "x-max-bytes": upload.max_bytes,
        }
        if upload.required:
            schema["required"].append(upload.name)
    schema.pop("title", None)
    return fields, schema


def _msg(value: str) -> Msg:
    return value if isinstance(value, Msg) else Msg(str(value))


def _default(value: Any) -> str | None:
    if value is None or type(value).__name__ == "PydanticUndefinedType":
        return None
    if isinstance(value, bool):
        return "true" if value else None
    return str(getattr(value, "value", value))


def _options(name: str, prop: dict[str, Any], extra: dict[str, Any],
             choices: dict[str, list[Choice]], gettext: Gettext) -> list[ChoiceView]:
    if name in choices:
        return [ChoiceView(value=option.value, label=render_text(option.label, gettext),
                           detail=render_text(option.detail, gettext) if option.detail else None)
                for option in choices[name]]
    labels: dict[str, str] = extra.get("labels", {})
    values = prop.get("enum")
    if not values:
        return []
    return [ChoiceView(value=str(value),
                       label=render_text(Msg(labels[str(value)]), gettext)
                       if str(value) in labels else str(value)) for value in values]


def _upload_field(upload: Upload, gettext: Gettext) -> FieldView:
    accept = ",".join(sorted(
        ({"image/jpeg", "image/png", "image/webp"} if "image" in upload.kinds else set())
        | ({"application/pdf"} if "pdf" in upload.kinds else set())))
    return FieldView(name=upload.name, label=render_text(upload.label, gettext), widget="file",
                     required=upload.required, accept=accept,
                     help=render_text(upload.help, gettext) if upload.help else None)
