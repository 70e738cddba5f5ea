"""The OpenAPI document cannot drift from the code: every route is in it with its
methods, parameters, roles, security and problem answers; it is valid OpenAPI 3.1; its
examples match their schemas; the readable reference shows all of it."""

from __future__ import annotations

import re

import jsonschema
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31

PUBLIC = {"/api/v1/openapi.json", "/api/v1/docs"}
PROBLEM = "application/problem+json"

# Every endpoint of shared/design/api.md (path parameters written {…}).
CONTRACT = """
GET /api/v1/me
POST /api/v1/programs
GET /api/v1/programs
POST /api/v1/families
GET /api/v1/families
POST /api/v1/programs/{…}/enrolments
POST /api/v1/vouchers
GET /api/v1/vouchers/{…}
POST /api/v1/vouchers/{…}/cancel
POST /api/v1/vouchers/{…}/replace
GET /api/v1/vouchers/{…}/pdf
POST /api/v1/vouchers/print
POST /api/v1/programs/{…}/rounds
GET /api/v1/rounds/{…}/pdf
POST /api/v1/shops
POST /api/v1/shops/{…}/enrolment
GET /api/v1/vouchers/by-code/{…}
POST /api/v1/redemptions
POST /api/v1/redemptions/{…}/void
GET /api/v1/redemptions
POST /api/v1/funds
GET /api/v1/shops/{…}/balance
POST /api/v1/settlements
GET /api/v1/settlements/{…}/remittance.pdf
GET /api/v1/shops/{…}/statement.pdf
GET /api/v1/shops/{…}/statement.csv
GET /api/v1/reports/trial-balance
GET /api/v1/reports/programs
GET /api/v1/reports/impact
GET /api/v1/reports/impact.pdf
GET /api/v1/reports/impact.csv
GET /api/v1/settlements/bank-file
GET /api/v1/funds/{…}/statement.pdf
GET /api/v1/ledger/export
POST /api/v1/shops/{…}/pairings
POST /api/v1/pairings/{…}
GET /api/v1/shops/{…}/devices
DELETE /api/v1/devices/{…}
"""
# Documented, and open to anyone: a phone pairs itself with its link's token.
OPEN = {"api.complete_pairing"}
FILES = {
    ("get", "/api/v1/vouchers/{…}/pdf"): "application/pdf",
    ("post", "/api/v1/vouchers/print"): "application/pdf",
    ("get", "/api/v1/rounds/{…}/pdf"): "application/pdf",
    ("get", "/api/v1/rounds/{…}/delivery.pdf"): "application/pdf",
    ("get", "/api/v1/rounds/{…}/delivery.csv"): "text/csv",
    ("get", "/api/v1/settlements/{…}/remittance.pdf"): "application/pdf",
    ("get", "/api/v1/shops/{…}/statement.pdf"): "application/pdf",
    ("get", "/api/v1/shops/{…}/statement.csv"): "text/csv",
    ("get", "/api/v1/ledger/export"): "text/plain",
    ("get", "/api/v1/families/imports/template.csv"): "text/csv",
    ("get", "/api/v1/families/imports/template.xlsx"): (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ("get", "/api/v1/shops/imports/template.csv"): "text/csv",
    ("get", "/api/v1/shops/imports/template.xlsx"): (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ("get", "/api/v1/reports/impact.pdf"): "application/pdf",
    ("get", "/api/v1/reports/impact.csv"): "text/csv",
    ("get", "/api/v1/settlements/bank-file"): "text/csv",
    ("get", "/api/v1/funds/{…}/statement.pdf"): "application/pdf",
}


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    """The app's document and reference page (no database needed: built once)."""
    from tests.conftest import _config
    from voucher import create_app

    key_file = tmp_path_factory.mktemp("keys") / "voucher_key"
    app = create_app(dict(_config("sqlite://"), VOUCHER_KEY_FILE=str(key_file)))
    with app.test_client() as client:
        answer = client.get("/api/v1/openapi.json")
        page = client.get("/api/v1/docs")
    assert answer.status_code == page.status_code == 200
    return app, answer.get_json(), page.get_data(as_text=True)


def _routes(app):
    """(document path, method, rule, view) for every API route but the public ones."""
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if not path.startswith("/api/v1/") or path in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), rule, app.view_functions[rule.endpoint]


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{…}", path)


def test_every_route_is_in_the_document_and_nothing_else(document):
    app, doc, _page = document
    routes = {(path, method) for path, method, _rule, _view in _routes(app)}
    documented = {(path, method) for path, method, _op in _operations(doc)}
    assert routes == documented
    assert not PUBLIC & set(doc["paths"])


def test_the_contract_is_all_there(document):
    _app, doc, _page = document
    documented = {f"{method.upper()} {_shape(path)}" for path, method, _op in _operations(doc)}
    missing = [line for line in CONTRACT.strip().splitlines() if line not in documented]
    assert not missing


def test_every_operation_declares_auth_roles_parameters_and_problems(document):
    app, doc, _page = document
    for path, method, rule, view in _routes(app):
        operation = doc["paths"][path][method]
        label = f"{method.upper()} {path}"
        if rule.endpoint in OPEN:
            assert operation["security"] == [] and operation["x-roles"] == [], label
        else:
            assert operation["security"] == [{"bearer": []}], label
            assert set(operation["x-roles"]) == set(view.allowed_roles), label
        assert operation["summary"] and not operation["summary"].endswith(">"), label
        in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert in_path == set(rule.arguments), label
        expected = {"401", "403", "405", "422"}
        if rule.arguments:
            expected.add("404")
        if method == "post":
            expected |= {"413", "415"}
            assert "requestBody" in operation or not _takes_json(view), label
        answers = operation["responses"]
        assert expected <= set(answers), (label, expected - set(answers))
        for code, answer in answers.items():
            if code.startswith(("4", "5")):
                schema = answer["content"][PROBLEM]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (label, code)
        successes = [code for code in answers if code.startswith("2")]
        assert len(successes) == TWO_SUCCESSES.get(label, 1), label


# Enrolled at once (201), or asked to join a shop another parish owns (202, pending).
TWO_SUCCESSES = {"POST /api/v1/shops/{shop_id}/enrolment": 2}


def _takes_json(view) -> bool:
    return "json" in getattr(view, "__annotations__", {})


def test_idempotent_posts_declare_the_key(document):
    app, doc, _page = document
    idempotent = set()
    for path, method, _rule, view in _routes(app):
        operation = doc["paths"][path][method]
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if getattr(view, "idempotent", False):
            idempotent.add(f"{method.upper()} {_shape(path)}")
            key = headers["Idempotency-Key"]
            assert key["required"] is view.idempotency_required, path
            assert key["schema"]["maxLength"] == 100
            success = next(a for c, a in operation["responses"].items() if c.startswith("2"))
            assert "Idempotent-Replayed" in success["headers"]
        else:
            assert "Idempotency-Key" not in headers, path
    # Every POST that moves money (domain.md) takes one; a redemption requires it.
    assert {
        "POST /api/v1/funds",
        "POST /api/v1/vouchers",
        "POST /api/v1/programs/{…}/rounds",
        "POST /api/v1/redemptions",
        "POST /api/v1/redemptions/{…}/void",
        "POST /api/v1/settlements",
        "POST /api/v1/vouchers/{…}/cancel",
    } <= idempotent
    redemption = doc["paths"]["/api/v1/redemptions"]["post"]["parameters"]
    assert next(p for p in redemption if p["name"] == "Idempotency-Key")["required"] is True


def test_file_answers_are_declared_with_their_media_type(document):
    _app, doc, _page = document
    for path, method, operation in _operations(doc):
        media = FILES.get((method, _shape(path)))
        if media is not None:
            assert list(operation["responses"]["200"]["content"]) == [media], path
        else:
            code, success = next(
                (c, a) for c, a in operation["responses"].items() if c.startswith("2")
            )
            if code == "204":  # nothing to say: no body
                assert "content" not in success, path
            else:
                assert list(success["content"]) == ["application/json"], path


def test_the_document_is_valid_openapi_3_1(document):
    _app, doc, _page = document
    assert doc["openapi"] == "3.1.0"
    jsonschema.Draft202012Validator(OPENAPI_31).validate(doc)
    for name, schema in doc["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert re.fullmatch(r"[A-Z][A-Za-z]+", name), f"unreadable schema name {name}"
    operation_ids = [op["operationId"] for _p, _m, op in _operations(doc)]
    assert len(operation_ids) == len(set(operation_ids))


def test_request_bodies_refuse_unknown_fields_and_examples_match(document):
    _app, doc, _page = document
    schemas = doc["components"]["schemas"]
    for path, method, operation in _operations(doc):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schemas[name].get("additionalProperties") is False, (method, path)
    with_examples = [name for name, schema in schemas.items() if schema.get("examples")]
    assert {
        "FamilyIn",
        "ProgramIn",
        "VoucherIn",
        "RedemptionIn",
        "FundIn",
        "SettlementIn",
        "Problem",
    } <= set(with_examples)
    for name in with_examples:
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": doc["components"]},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        for example in schemas[name]["examples"]:
            validator.validate(example)


def test_the_reference_page_shows_every_operation(document):
    _app, doc, page = document
    for path, method, operation in _operations(doc):
        start = page.index(f'id="{operation["operationId"]}"')
        section = page[start : page.index("</section>", start)]
        assert f"{method.upper()} {path}" in section
        for role in operation["x-roles"]:
            assert f'<span class="badge">{role}</span>' in section
        for code in operation["responses"]:
            assert f"<strong>{code}</strong>" in section, (path, code)
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            name = body["schema"]["$ref"].rsplit("/", 1)[1]
            assert f'href="#schema-{name}"' in section
        for parameter in operation.get("parameters", []):
            assert f"<code>{parameter['name']}</code>" in section
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in page


def test_the_reference_page_loads_nothing_from_elsewhere(document):
    _app, _doc, page = document
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<style" not in page and " style=" not in page
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/js/forms.js" defer>',
        '<script src="/static/js/menu.js" defer>',
    ]
