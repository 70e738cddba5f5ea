"""The OpenAPI 3.1 document and a readable reference page, both generated from the code.

spectree builds the document from the views' pydantic models; what it cannot know is
added here, from the same code: who may call each operation (``role_required``), which
POSTs take an Idempotency-Key (``idempotent``), the problem answers every operation
may give, file responses, readable schema names and request examples.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from flask import current_app, jsonify

from voucher.api.core import MAX_ID, PUBLIC_ENDPOINTS, bp, is_id, spec

# Endpoints whose success is a file, not JSON: (path, method) -> media type.
FILE_RESPONSES: dict[tuple[str, str], str] = {}

SCHEMAS = "#/components/schemas/"
PROBLEM_MEDIA = "application/problem+json"
ROLE_ORDER = ("admin", "staff", "treasurer", "shopkeeper", "diocese")

# What each problem status means on this API (the `reason` field says more).
PROBLEM_DESCRIPTIONS = {
    "401": "Missing, unknown or revoked bearer token (`reason`: unauthenticated).",
    "403": "The token's role may not do this, or a shop refusal such as "
    "`category_not_accepted` / `shop_not_enrolled`.",
    "404": "No such object in your parish (another parish's objects answer 404 too).",
    "405": "This path does not take that method (see the Allow header).",
    "409": "Not possible in the object's current state; `reason` says why.",
    "410": "The voucher can no longer be used: `expired`, or `cancelled` (also a replaced code).",
    "413": "The body is larger than 1 MB.",
    "415": "The body is not JSON: send Content-Type: application/json.",
    "422": "Invalid data: `errors` lists each field with a message in your language "
    "(unknown fields are refused too); `reason` idempotency_key_reused for a key sent "
    "before with another body.",
    "429": "Too many attempts; wait the seconds in Retry-After.",
}

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": (
        "One value per operation (e.g. a UUID), at most 100 characters, not blank. A retry "
        "with the same key and the same body answers the first response again, with the header "
        "Idempotent-Replayed: true, and moves no money twice; the same key with another "
        "body is a 422 `idempotency_key_reused`."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
}

REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request "
        "with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}

# Request examples for models whose modules declare none (by schema name).
EXAMPLES: dict[str, dict[str, Any]] = {
    "ShopIn": {
        "name": "Almacén Don Lucho",
        "rut": "76.086.428-5",
        "categories": ["food", "hygiene"],
        "owner_name": "Luis Pérez",
        "phone": "+56 9 8765 4321",
    },
    "RedemptionIn": {"code": "7K2M-9QXA-3VHD-F", "amount": 5000},
    "VoidIn": {"reason": "Monto equivocado"},
    "FundIn": {
        "program_id": 1,
        "amount": 1500000,
        "received_on": "2026-03-02",
        "source": "Colecta de marzo",
        "reference": "Depósito 4411",
    },
    "SettlementIn": {
        "shop_id": 1,
        "through": "2026-03-31",
        "method": "transfer",
        "reference": "TEF 99812",
    },
    "ReasonIn": {"reason": "Pago duplicado"},
}


def file_response(path: str, method: str, media_type: str) -> None:
    """Declare that ``method path`` answers 200 with a file of ``media_type``."""
    FILE_RESPONSES[(path, method.lower())] = media_type


def openapi_document() -> dict[str, Any]:
    spec.app = current_app
    document = copy.deepcopy(spec.spec)
    document["openapi"] = "3.1.0"
    document["servers"] = [{"url": current_app.config["VOUCHER_BASE_URL"].rstrip("/")}]
    views = _views()
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            endpoint, view = views[(path, method)]
            _describe(operation, endpoint, view)
            _file_answer(operation, FILE_RESPONSES.get((path, method)))
            _problems(operation, method)
            if getattr(view, "idempotent", False):
                _idempotency(operation, required=getattr(view, "idempotency_required", False))
    _readable_names(document)
    schemas = document.get("components", {}).get("schemas", {})
    _add_examples(schemas)
    _id_bounds(schemas)
    return document


def _views() -> dict[tuple[str, str], tuple[str, Any]]:
    """(path as in the document, method) -> (endpoint, view function)."""
    found = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(bp.url_prefix or "/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(path, method.lower())] = (
                rule.endpoint,
                current_app.view_functions[rule.endpoint],
            )
    return found


def _describe(operation: dict[str, Any], endpoint: str, view: Any) -> None:
    """A stable operationId (the view's name), a one-line summary, the roles, bearer."""
    operation["operationId"] = endpoint.removeprefix(f"{bp.name}.")
    text = " ".join((operation.get("summary") or "").split())
    if text.endswith(">"):  # spectree's stand-in for a view without a docstring
        text = endpoint.removeprefix(f"{bp.name}.").replace("_", " ").capitalize()
    first, *rest = re.split(r"(?<!e\.g)(?<!i\.e)\.\s", text, maxsplit=1)
    operation["summary"] = first.rstrip(".") + "." if first else endpoint
    description = " ".join([*rest, operation.get("description") or ""]).strip()
    operation["description"] = description
    roles = getattr(view, "allowed_roles", set())
    operation["x-roles"] = [role for role in ROLE_ORDER if role in roles]
    # An endpoint open to anyone (a phone pairing itself with its link's token) needs
    # no bearer token.
    operation["security"] = [] if endpoint in PUBLIC_ENDPOINTS else [{"bearer": []}]
    for parameter in operation.get("parameters", []):
        parameter["schema"] = _without_null(parameter["schema"])
        if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
            # Flask's int converter takes digits only; a larger id cannot exist (core).
            parameter["schema"] = {
                "type": "integer",
                "format": "int32",
                "minimum": 1,
                "maximum": MAX_ID,
            }
        if not parameter.get("description"):
            parameter["description"] = parameter["schema"].get("description", "")


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot carry null: `X | None` there means only "may be left out"."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if len(options) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    if schema.get("default") is not None:
        rest["default"] = schema["default"]
    return {**options[0], **rest}


def _file_answer(operation: dict[str, Any], media_type: str | None) -> None:
    if media_type is None:
        return
    operation.setdefault("responses", {})["200"] = {
        "description": "The file.",
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


def _problems(operation: dict[str, Any], method: str) -> None:
    """Every error answer is problem+json; add those any operation may give."""
    responses = operation.setdefault("responses", {})
    problem = next(
        (a["content"] for c, a in responses.items() if c.startswith("4") and "content" in a),
        None,
    )
    problem_schema = next(iter(problem.values()))["schema"] if problem else None
    codes = {"405"}
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        codes.add("404")
    if method in ("post", "put", "patch"):
        codes |= {"413", "415"}
    for code in codes:
        responses.setdefault(code, {"content": {PROBLEM_MEDIA: {"schema": problem_schema}}})
    for code, answer in responses.items():
        if code.startswith(("4", "5")):
            answer["description"] = PROBLEM_DESCRIPTIONS.get(code, answer.get("description", ""))
            if "content" in answer:
                schema = next(iter(answer["content"].values()))["schema"]
                answer["content"] = {PROBLEM_MEDIA: {"schema": schema}}
    operation["responses"] = dict(sorted(responses.items()))


def _idempotency(operation: dict[str, Any], *, required: bool) -> None:
    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_HEADER, required=required))
    for code, answer in operation.get("responses", {}).items():
        if code.startswith("2"):
            answer["headers"] = copy.deepcopy(REPLAYED_HEADER)


def _readable_names(document: dict[str, Any]) -> None:
    """spectree names schemas `Model.<module hash>[.Nested]`; name them `Model` where
    that is unambiguous (the same schema everywhere it appears)."""
    schemas = document.get("components", {}).get("schemas", {})
    groups: dict[str, list[str]] = {}
    for name in schemas:
        parts = name.split(".")
        groups.setdefault(parts[-1] if len(parts) > 2 else parts[0], []).append(name)
    renames = {name: short for short, names in groups.items() for name in names}
    changed = True
    while changed:  # keeping one clash's full names can make other groups differ
        changed = False
        for names in groups.values():
            bodies = {_dumps(_renamed(schemas[n], renames)) for n in names}
            if len(bodies) > 1 and any(renames[n] != n for n in names):
                renames.update({n: n for n in names})
                changed = True
    for key in list(document):
        if key != "components":
            document[key] = _renamed(document[key], renames)
    document["components"]["schemas"] = {
        renames[name]: _renamed(body, renames) for name, body in schemas.items()
    }


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            name = ref[len(SCHEMAS) :]
            return {**value, "$ref": SCHEMAS + renames.get(name, name)}
        return {k: _renamed(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renames) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _id_bounds(schemas: dict[str, Any]) -> None:
    """Request ids are refused beyond MAX_ID (core.Strict); say so."""
    for schema in schemas.values():
        if schema.get("additionalProperties") is not False:
            continue
        for name, prop in schema.get("properties", {}).items():
            for option in [prop, *prop.get("anyOf", [])]:
                if is_id(name) and option.get("type") == "integer":
                    option.setdefault("maximum", MAX_ID)


def _add_examples(schemas: dict[str, Any]) -> None:
    for name, example in EXAMPLES.items():
        schema = schemas.get(name)
        if schema is not None and "examples" not in schema:
            schema["examples"] = [example]


# --- the readable reference ---------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
