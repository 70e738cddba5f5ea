"""The API against its own OpenAPI document: every operation, generated requests (valid
and invalid), a bearer token of a role allowed to call it, a database with real objects.
No answer may be a server error, and every answer must be one the document declares:
status code, content type (problem+json for errors) and body schema."""

from __future__ import annotations

import re
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.api.conftest import ROLES
from voucher.api.core import PUBLIC_ENDPOINTS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    missing_required_header,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    unsupported_method,
]


@pytest.fixture
def app_config(app_config):
    # More unknown codes before the scan limit blocks: the fuzzer sends many.
    return dict(app_config, UNKNOWN_CODE_SLOW_AFTER=1000, UNKNOWN_CODE_BLOCK_AFTER=2000)


@pytest.fixture
def api_schema(app, seed):
    config = schemathesis.Config.from_dict(
        {
            # The token comes from the test (a role allowed for the operation).
            "generation": {"with-security-parameters": False},
            # A missing Idempotency-Key is a field error like any other.
            "checks": {"missing_required_header": {"expected-statuses": [422]}},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


def _roles(app, path: str, method: str) -> list[str]:
    """The roles the view allows (role_required), in a stable order."""
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    endpoint, _args = app.url_map.bind("vales.test").match(concrete, method.upper())
    allowed = getattr(app.view_functions[endpoint], "allowed_roles", set())
    return [role for role in ROLES if role in allowed]


def _open_to_anyone(app, path: str, method: str) -> bool:
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    endpoint, _args = app.url_map.bind("vales.test").match(concrete, method.upper())
    return endpoint in PUBLIC_ENDPOINTS


def _fuzzed_valid_path(case) -> bool:
    meta = case.meta
    if meta is None or meta.phase.name.value != "fuzzing":
        return False
    path = meta.components.get(ParameterLocation.PATH)
    return path is not None and path.mode.is_positive


def _pick(options: list, *material: object):
    """A stable choice derived from the generated request, so a failure replays (the
    coverage phase, which POSTs get, runs only without hypothesis' `data`)."""
    return options[zlib.crc32(repr(material).encode()) % len(options)]


FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@FUZZ
@schema.exclude(method="GET").parametrize()
def test_writes_conform_to_the_document(case, app, seed):
    """Every method but GET: explicit examples, the coverage phase (boundaries, wrong
    types, missing fields, other methods) and random requests."""
    _call_and_validate(case, app, seed, lambda roles: _pick(roles, case.query, case.body))


@FUZZ
@schema.include(method="GET").parametrize()
@schema.given(data=st.data())
def test_reads_conform_to_the_document(case, data, app, seed):
    """GETs: explicit examples and random requests. (The coverage phase is left out:
    its wrong-type values for query strings take seconds each and cannot exist, as
    every query value is a string.)"""
    _call_and_validate(case, app, seed, lambda roles: data.draw(st.sampled_from(roles)))


def _call_and_validate(case, app, seed, choose):
    if case.media_type == "multipart/form-data" and not isinstance(case.body, dict):
        return  # a multipart body is named parts: no client can send a list or a number as one
    roles = _roles(app, case.operation.path, case.operation.method)
    if _open_to_anyone(app, case.operation.path, case.operation.method):
        assert not roles, case.operation.label
        case.call_and_validate(checks=CHECKS)  # a phone pairing itself: no token
        return
    assert roles, f"{case.operation.label} has no role_required"
    role = choose(roles)
    for name, value in (case.path_parameters or {}).items():
        known = seed.ids.get(name)
        # Half the valid generated ids become ids of real objects (some of another parish).
        if _fuzzed_valid_path(case) and known and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = known[(value // 2) % len(known)]
    case.call_and_validate(headers={"Authorization": f"Bearer {seed.tokens[role]}"}, checks=CHECKS)
