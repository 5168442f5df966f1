"""The schemathesis run of the OpenAPI contract (tests/test_openapi_contract.py explains what it checks), one file
per role: tests/test_openapi_contract_as_<role>.py. Each file is a unit a worker takes whole (setup.cfg:
--dist loadfile), so the nine runs of a minute or more each are shared between the workers instead of all
falling to one. A file names its role and imports the fixtures and the test from here:

    from contract_support import backend, contract_schema, schema_test  # noqa: F401 (fixtures)
    ROLE = "citizen"
    test_the_api_matches_its_openapi = schema_test()
"""
from __future__ import annotations

import pytest
import schemathesis
from conftest import CITIZEN, Api
from schemathesis.checks import positive_data_acceptance

ROLES = {"anonymous": None, "citizen": CITIZEN, "receiving_officer": "demo.tiepnhan",
         "specialist": "demo.chuyenvien", "department_leader": "demo.lanhdao", "head_of_agency": "demo.thutruong",
         "centre_director": "demo.giamdoc", "clerk": "demo.vanthu", "administrator": "demo.admin"}
SEED = 20261123
MAX_EXAMPLES = 6     # fuzzing examples per operation and role (examples and coverage phases come on top)


@pytest.fixture
def backend():
    """The schemathesis run is SQLite only (PostgreSQL's behaviour is covered by the other API tests)."""
    return "sqlite"


@pytest.fixture
def contract_schema(app, request):
    """The schema as served, loaded through the app itself, sending the token of the module's ``ROLE`` with every
    request."""
    role = request.module.ROLE
    api = Api(app.test_client())
    api.file()  # one real dossier: its tasks and documents are ids 1, 2, ... which the fuzzer tries first
    headers = api.headers(ROLES[role]) if ROLES[role] else {}
    config = schemathesis.Config.from_dict({
        "seed": SEED, "headers": headers,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    })
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


def rule_refusals_only(ctx, response, case):
    """positive_data_acceptance, except a 422 that a rule the operation's 422 lists in ``x-rules`` explains:
    every field the answer names (or its code) is one of them. Rules across fields, of the calendar or of the
    dossier's state cannot be said in JSON Schema; anything else that refuses valid data still fails."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code != 422:
            raise
        rules = set(case.operation.definition.raw["responses"]["422"].get("x-rules", []))
        error = response.json()["error"]
        if error["code"] in rules or (error["fields"] and set(error["fields"]) <= rules):
            return None
        raise


def schema_test():
    """The test of one role's file: every operation, every check, as that role."""
    lazy = schemathesis.pytest.from_fixture("contract_schema")

    @lazy.parametrize()
    def test_the_api_matches_its_openapi(case):
        case.call_and_validate(excluded_checks=[positive_data_acceptance], additional_checks=[rule_refusals_only])

    return test_the_api_matches_its_openapi
