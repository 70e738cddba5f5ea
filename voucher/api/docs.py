"""The OpenAPI 3.1 document and a readable reference page, both generated from the code."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, jsonify, render_template

from voucher.api.core import bp, spec

# Endpoints whose success is a file, not JSON: (path, method) -> media type.
FILE_RESPONSES: dict[tuple[str, str], str] = {}


def file_response(path: str, method: str, media_type: str) -> None:
    """Declare that ``method path`` answers 200 with a file of ``media_type``."""
    FILE_RESPONSES[(path, method.lower())] = media_type


def openapi_document() -> dict[str, Any]:
    spec.app = current_app
    document = copy.deepcopy(spec.spec)
    document["openapi"] = "3.1.0"
    document["servers"] = [{"url": current_app.config["VOUCHER_BASE_URL"].rstrip("/")}]
    for (path, method), media_type in FILE_RESPONSES.items():
        operation = document.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        operation.setdefault("responses", {})["200"] = {
            "description": "OK",
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for code, answer in operation.get("responses", {}).items():
                if code.startswith(("4", "5")) and "content" in answer:
                    answer["content"] = {"application/problem+json": next(iter(answer["content"].values()))}
    return document


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", document=openapi_document())
