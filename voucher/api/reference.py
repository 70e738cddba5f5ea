"""The API's readable reference page (/api/v1/docs), drawn from the OpenAPI document."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from flask import render_template
from markupsafe import Markup, escape

from voucher.api.core import bp
from voucher.api.docs import PROBLEM_DESCRIPTIONS, SCHEMAS, openapi_document


def type_label(schema: dict[str, Any] | None) -> dict[str, Any]:
    """A schema as a short label (`integer`, `string (date)`, `FamilyOut[]`, `"food" |
    "hygiene"`) and the component it points to, if any, for a link."""
    schema = schema or {}
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(SCHEMAS)
        return {"label": name, "ref": name}
    if "anyOf" in schema:
        parts = [type_label(option) for option in schema["anyOf"]]
        ref = next((p["ref"] for p in parts if p["ref"]), None)
        return {"label": " | ".join(p["label"] for p in parts), "ref": ref}
    if "enum" in schema:
        return {
            "label": " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"]),
            "ref": None,
        }
    kind = schema.get("type", "any")
    if kind == "array":
        inner = type_label(schema.get("items"))
        return {"label": f"{inner['label']}[]", "ref": inner["ref"]}
    detail = schema.get("format")
    limits = []
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '…')}..{schema.get('maximum', '…')}")
    if "maxLength" in schema:
        limits.append(f"≤ {schema['maxLength']}")
    if "maxItems" in schema:
        limits.append(f"≤ {schema['maxItems']}")
    extra = ", ".join(x for x in (detail, *limits) if x and x != "int64" and x != "int32")
    return {"label": f"{kind} ({extra})" if extra else str(kind), "ref": None}


def prose(text: str) -> Markup:
    """Docstring text for HTML: escaped, with `backticks` as code."""
    # Safe: the text is escaped first; only the <code> tags added here are markup.
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))  # noqa: S704


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_label(prop),
            "required": name in required,
            "description": prose(prop.get("description", "")),
            "default": json.dumps(prop["default"], ensure_ascii=False)
            if "default" in prop and prop["default"] is not None
            else None,
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def reference(document: dict[str, Any]) -> dict[str, Any]:
    """The document arranged for reading: operations by tag, then the schemas."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {})
            sections.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": prose(op.get("summary", "")),
                    "description": prose(op.get("description", "")),
                    "roles": op.get("x-roles", []),
                    "public": not op.get("security"),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_label(p.get("schema")),
                            "description": prose(p.get("description", "")),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [
                        {"media": media, "type": type_label(c.get("schema"))}
                        for media, c in body.items()
                    ],
                    "responses": [
                        {
                            "code": code,
                            "phrase": HTTPStatus(int(code)).phrase,
                            "content": [
                                {"media": media, "type": type_label(c.get("schema"))}
                                for media, c in (answer.get("content") or {}).items()
                            ],
                            "headers": sorted(answer.get("headers", {})),
                        }
                        for code, answer in op.get("responses", {}).items()
                    ],
                }
            )
    schemas = [
        {
            "name": name,
            "description": schema.get("description", ""),
            "fields": _fields(schema),
            "closed": schema.get("additionalProperties") is False,
            "examples": [
                json.dumps(e, ensure_ascii=False, indent=2) for e in schema.get("examples", [])
            ],
        }
        for name, schema in sorted(document.get("components", {}).get("schemas", {}).items())
    ]
    return {"sections": sorted(sections.items()), "schemas": schemas}


@bp.get("/docs")
def docs():
    document = openapi_document()
    return render_template(
        "api/docs.html",
        document=document,
        reference=reference(document),
        intro=prose(document["info"].get("description", "")),
        problems={code: prose(text) for code, text in PROBLEM_DESCRIPTIONS.items()},
    )
