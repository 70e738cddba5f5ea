"""The JSON API's shared machinery: the OpenAPI document (spectree + pydantic: the
same models validate requests and describe them), bearer-token auth, problem+json
validation errors, pagination and Idempotency-Key replay."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from datetime import date
from enum import Enum
from functools import wraps
from typing import Any, TypeVar, get_args

import flask_babel
import sqlalchemy as sa
from flask import Blueprint, current_app, g, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from spectree import Response as SpecResponse
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from werkzeug.exceptions import UnsupportedMediaType

from voucher.api.idempotency import remember, replay, stage_idempotency, stored_answer
from voucher.auth.access import Unauthenticated
from voucher.auth.services import user_for_token
from voucher.db import MAX_ID
from voucher.errors import Forbidden, NotFound, ValidationFailed
from voucher.extensions import csrf, db
from voucher.text_input import fields_with_control_characters, has_control_characters, too_deep
from voucher.uploads import apply_upload_limit, upload_limit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.url_value_preprocessor(apply_upload_limit)

PUBLIC_ENDPOINTS = {"api.openapi", "api.docs", "api.complete_pairing"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _before(req: Any, resp: Any, error: Any, instance: Any, *args: Any) -> None:
    if error is not None:
        raise ValidationFailed([(field, message) for field, message in field_errors(error)])


spec = SpecTree(
    "flask",
    title="Vales API",
    version="1.0.0",
    description=(
        "Vouchers for parishes: families, programs, vouchers, redemptions at shops, "
        "funds and settlements. Money is integer pesos; dates YYYY-MM-DD; times ISO 8601 "
        "with offset. Bodies are JSON objects of at most 1 MB. Errors are "
        "application/problem+json (RFC 9457) with a stable `reason`; messages follow "
        "Accept-Language (Spanish or English). Unknown JSON fields are rejected with 422. "
        "Lists answer `{items, next}`: pass `next` back as `cursor` (and `limit`, 1-200) "
        "for the following page. POSTs that move money take an Idempotency-Key."
    ),
    mode="strict",
    annotations=True,
    page_templates={},
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer")),
    ],
    security={"bearer": []},
    before=_before,
    validation_error_status=422,
)


def example(body: dict[str, Any]) -> ConfigDict:
    """A request or answer model's configuration that shows ``body`` as its example in
    the OpenAPI document."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class Strict(BaseModel):
    """Request bodies and queries: unknown fields are refused, never silently dropped; a
    date is exactly YYYY-MM-DD (pydantic alone also takes 0 or "86400" as a Unix time, or
    a date with a time of day); an id (`id`, `…_id`) fits the database's INTEGER column."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _dates_and_ids(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None or value is None:
            return value
        if date in (field.annotation, *get_args(field.annotation)):
            if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
                raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")
        elif is_id(info.field_name) and type(value) is int and value > MAX_ID:
            raise PydanticCustomError(
                "less_than_equal", "Input should be at most {le}", {"le": MAX_ID}
            )
        return value


def is_id(name: str | None) -> bool:
    return bool(name) and (name == "id" or name.endswith("_id"))


Out = TypeVar("Out", bound=BaseModel)


def out_of(model: type[Out], obj: Any, **given: Any) -> Out:
    """An answer model filled from the attributes of the same names on ``obj`` (an enum
    as its value); ``given`` names the fields that are not plain attributes."""
    values = {}
    for name in model.model_fields:
        if name in given:
            continue
        value = getattr(obj, name)
        values[name] = value.value if isinstance(value, Enum) else value
    return model(**values, **given)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = example(
        {
            "type": "https://vales.example/problems/validation",
            "title": "Datos no válidos",
            "status": 422,
            "detail": "Revise los datos marcados.",
            "reason": "validation",
            "errors": [{"field": "amount", "message": "Debe ser un número entero."}],
        }
    )

    type: str = Field(examples=["https://vales.example/problems/unknown_code"])
    title: str
    status: int
    detail: str
    reason: str | None = Field(None, examples=["unknown_code"])
    errors: list[FieldError] | None = None
    existing_id: int | None = None


def responses(*, problems: tuple[int, ...] = (), **codes: Any) -> SpecResponse:
    """Success models plus the problem answers every endpoint may give, and the other
    statuses (``problems``, as 404 and 409) it may answer with a problem."""
    merged: dict[str, Any] = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_422": Problem}
    merged.update({k: (Problem if v is Problem else v) for k, v in codes.items()})
    merged.update({f"HTTP_{status}": Problem for status in problems})
    return SpecResponse(**merged)


_MESSAGES = {
    "missing": _l("Este campo es obligatorio."),
    "extra_forbidden": _l("Campo desconocido."),
    "int_type": _l("Debe ser un número entero."),
    "int_parsing": _l("Debe ser un número entero."),
    "int_from_float": _l("Debe ser un número entero."),
    "string_type": _l("Debe ser texto."),
    "bool_type": _l("Debe ser true o false."),
    "bool_parsing": _l("Debe ser true o false."),
    "date_from_datetime_parsing": _l("Fecha inválida: use AAAA-MM-DD."),
    "date_parsing": _l("Fecha inválida: use AAAA-MM-DD."),
    "date_type": _l("Fecha inválida: use AAAA-MM-DD."),
    "date_from_datetime_inexact": _l("Fecha inválida: use AAAA-MM-DD."),
    "literal_error": _l("Valor no permitido."),
    "enum": _l("Valor no permitido."),
    "list_type": _l("Debe ser una lista."),
    "model_type": _l("Debe ser un objeto JSON."),
    "dict_type": _l("Debe ser un objeto JSON."),
    "too_deep": _l("Demasiados niveles de objetos anidados."),
    "control_characters": _l("Contiene caracteres no permitidos (de control)."),
}


def field_errors(error: Any) -> list[tuple[str, str]]:
    result = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ())]
        field = ".".join(loc) or "body"
        kind = item.get("type", "")
        ctx = item.get("ctx") or {}
        if kind in ("string_too_long", "too_long"):
            message = str(_l("Demasiado largo (máximo %(n)s).", n=ctx.get("max_length", "?")))
        elif kind in ("string_too_short", "too_short"):
            message = str(_l("Demasiado corto (mínimo %(n)s).", n=ctx.get("min_length", "?")))
        elif kind == "greater_than":
            message = str(_l("Debe ser mayor que %(n)s.", n=ctx.get("gt", "?")))
        elif kind == "greater_than_equal":
            message = str(_l("Debe ser al menos %(n)s.", n=ctx.get("ge", "?")))
        elif kind == "less_than":
            message = str(_l("Debe ser menor que %(n)s.", n=ctx.get("lt", "?")))
        elif kind == "less_than_equal":
            message = str(_l("Debe ser a lo más %(n)s.", n=ctx.get("le", "?")))
        elif kind in ("literal_error", "enum"):
            message = str(
                _l("Valor no permitido: use %(options)s.", options=ctx.get("expected", ""))
            )
        else:
            message = str(_MESSAGES.get(kind, _l("Valor no válido.")))
        result.append((field, message))
    return result


@bp.before_request
def authenticate() -> None:
    for name in ("idempotency", "idempotency_record", "idempotency_restore"):
        g.pop(name, None)  # never carried over from an earlier request
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        raise Unauthenticated()
    user = user_for_token(db.session, token.strip())
    if user is None:
        raise Unauthenticated()
    g.api_user = user
    # The language may be the user's own choice, known only now.
    flask_babel.refresh()
    # Roles are declared once, by role_required on the view; checking them here, before
    # the body is validated, keeps other roles from probing an endpoint's inputs.
    allowed = getattr(current_app.view_functions.get(request.endpoint or ""), "allowed_roles", None)
    if allowed is not None and user.role not in allowed:
        raise Forbidden()
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        raise NotFound()  # no such id can exist
    check_body()


def check_body() -> None:
    """A body must be JSON (415 otherwise) and a well-formed object (422 on `body`):
    spectree would read anything else as an empty object, or hand the view no body."""
    bad_args = [name for name, value in request.args.items() if has_control_characters(value)]
    if bad_args:
        raise ValidationFailed([(name, _MESSAGES["control_characters"]) for name in bad_args])
    if request.method not in BODY_METHODS:
        return
    if upload_limit(request.endpoint) is not None:
        # A file upload: multipart only; the form is parsed (and limited) by the view.
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType()
        return
    data = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    if not data.strip():
        return  # validated as {}: the fields it lacks are named
    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):  # every body is an object, even an empty one
        raise ValidationFailed([("body", _MESSAGES["model_type"])])
    if too_deep(body):
        raise ValidationFailed([("body", _MESSAGES["too_deep"])])
    if bad := list(fields_with_control_characters(body)):
        raise ValidationFailed([(field, _MESSAGES["control_characters"]) for field in bad])


# --- pagination -----------------------------------------------------------------------


class Page(BaseModel):
    next: str | None = Field(None, description="Cursor for the next page, or null at the end.")


class PageQuery(Strict):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=40)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([("cursor", _l("Cursor no válido."))]) from None
    if not 0 < value <= MAX_ID:
        raise ValidationFailed([("cursor", _l("Cursor no válido."))])
    return value


def paginate(
    query: sa.Select, id_column: Any, limit: int, cursor: str | None
) -> tuple[list, str | None]:
    """Newest first by id; the cursor is the last id seen."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(id_column < after)
    rows = list(
        db.session.scalars(query.order_by(None).order_by(id_column.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


# --- Idempotency-Key -----------------------------------------------------------------------


def _canonical_body() -> bytes:
    """The body as its meaning: parsed JSON with sorted keys (a retry may order its fields
    or space them differently), or the bytes when it is not JSON."""
    data = request.get_data()
    try:
        parsed = json.loads(data)
    except ValueError:
        return data
    return json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()


def idempotent(
    *,
    required: bool = False,
    redact: Callable[[Any], Any] | None = None,
    restore: Callable[[Any], Any] | None = None,
) -> Callable:
    """Replay the first response to a POST retried with the same Idempotency-Key;
    refuse (422) the same key with a different body.

    ``redact`` takes out of the stored body what the database must never hold in clear
    (a voucher's code); ``restore`` puts it back, from its safe form, on replay.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            sent = request.headers.get("Idempotency-Key")
            key = (sent or "").strip()
            if not key:
                if required or sent is not None:  # an empty key is a client's bug
                    raise ValidationFailed(
                        [
                            (
                                "Idempotency-Key",
                                _l("Envíe la cabecera Idempotency-Key (una por operación)."),
                            )
                        ]
                    )
                return view(*args, **kwargs)
            if len(key) > 100:
                raise ValidationFailed(
                    [("Idempotency-Key", _l("Demasiado largo (máximo %(n)s).", n=100))]
                )
            user = g.api_user
            body_hash = hashlib.sha256(
                b"|".join([request.method.encode(), request.path.encode(), _canonical_body()])
            ).hexdigest()
            g.idempotency_restore = restore
            stored = stored_answer(user.id, key)
            if stored is not None:
                return replay(stored, body_hash)
            response = view(*args, **kwargs)
            return remember(user.id, key, body_hash, response, redact)

        wrapper.idempotent = True  # type: ignore[attr-defined]
        wrapper.idempotency_required = required  # type: ignore[attr-defined]
        return wrapper

    return decorate


bp.after_request(stage_idempotency)
