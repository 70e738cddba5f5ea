"""The import endpoints against the OpenAPI document, as tests/api/test_schemathesis.py
does for every operation (run here alone, so a change to imports is checked quickly)."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.api.test_schemathesis import FUZZ, _call_and_validate, _pick, api_schema, schema

__all__ = ["api_schema"]
PATHS = "/families/imports"
WRITES = schema.include(path_regex=PATHS, method="POST")
READS = schema.include(path_regex=PATHS, method="GET")


@FUZZ
@WRITES.parametrize()
def test_import_writes_conform_to_the_document(case, app, seed):
    _call_and_validate(case, app, seed, lambda roles: _pick(roles, case.query, case.body))


@FUZZ
@READS.parametrize()
@READS.given(data=st.data())
def test_import_reads_conform_to_the_document(case, data, app, seed):
    _call_and_validate(case, app, seed, lambda roles: data.draw(st.sampled_from(roles)))
