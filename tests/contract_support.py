"""The schemathesis run of the OpenAPI contract (tests/test_openapi_contract.py explains what it checks), one file
per role: tests/test_openapi_contract_as_<role>.py. Each file is a unit a worker takes whole (setup.cfg:
--dist loadfile), so the nine runs of a minute or more each are shared between the workers instead of all
falling to one. A file names its role and imports the fixtures and the test from here:

    from contract_support import backend, contract_schema, schema_test  # noqa: F401 (fixtures)
    ROLE = "citizen"
    test_the_api_matches_its_openapi = schema_test()

What each role runs (PHASES). Every role runs every operation with every check, in the examples phase (the
schema's own examples) and the fuzzing phase (MAX_EXAMPLES generated cases per operation). The coverage phase
(explicit boundary values and schema-violating cases of every parameter and field) runs for one role of each
group of roles that reach the same operations, because what it adds over fuzzing is the request validation of
each operation, which is the same code whoever calls once the call gets past the checks of sign-in and role:

- citizen, receiving_officer, clerk, department_leader, administrator: all three phases. Measured with one
  request per operation and role (the demo and one filed dossier), these five between them reach every
  operation any role reaches: the citizen alone its documents (GET /me/documents) and the reading of its
  notices (POST /me/notifications/{id}/read); the citizen and the receiving officer the filing (POST /dossiers);
  the receiving officer alone, among the officers, the dossier's task (GET /tasks/{id}, claim, complete,
  release) and, with the administrator, the desk registration (POST /citizens/desk); the
  administrator the administration (agencies, officers, incidents, procedures, versions, offers, migrate,
  resume, suspend, terminate) and the reports; the officers other than the administrator the register (GET
  /register, 403 to the administrator); the clerk stands for the officers without the reports, the department
  leader for the leaders, who also reach the reports (their own agency's, engine/web/report_scope.py: reach).
- specialist: examples and fuzzing. It reaches the same operations as the clerk (403 on the same ones: the
  reports, the receiving officer's task, the desk registration and the administration).
- head_of_agency, centre_director: examples and fuzzing. They reach the same operations as the department
  leader, through the same rules (report_scope.LEADERS: each sees their own agency).
- anonymous: examples and fuzzing. Every operation but the public ones (the catalogue, openapi.json, sign-in,
  registration, the gateways' IPN) answers 401 before reading anything of the request, so boundary values add
  nothing there; the public ones answer the same to every caller and get the coverage phase from the others.

The coverage phase is about half of a role's time (measured, one file alone: 45 s of CPU with it, 24 s
without), so leaving it out for these four saves about 80 s of the suite's time.
"""
from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from conftest import CITIZEN, Api
from schemathesis.checks import positive_data_acceptance

ROLES = {"anonymous": None, "citizen": CITIZEN, "receiving_officer": "demo.tiepnhan",
         "specialist": "demo.chuyenvien", "department_leader": "demo.lanhdao", "head_of_agency": "demo.thutruong",
         "centre_director": "demo.giamdoc", "clerk": "demo.vanthu", "administrator": "demo.admin"}
SEED = 20261123
MAX_EXAMPLES = 6     # fuzzing examples per operation and role (examples and coverage phases come on top)
ALL_PHASES = ("examples", "coverage", "fuzzing")
LIGHTER = ("examples", "fuzzing")
PHASES = {"anonymous": LIGHTER, "citizen": ALL_PHASES, "receiving_officer": ALL_PHASES, "specialist": LIGHTER,
          "department_leader": ALL_PHASES, "head_of_agency": LIGHTER, "centre_director": LIGHTER,
          "clerk": ALL_PHASES, "administrator": ALL_PHASES}


@pytest.fixture
def backend():
    """The schemathesis run is SQLite only (PostgreSQL's behaviour is covered by the other API tests)."""
    return "sqlite"


@pytest.fixture
def contract_schema(app, request):
    """The schema as served, loaded through the app itself, sending the token of the module's ``ROLE`` with every
    request.

    The token is given as the credentials of the schema's ``bearer`` scheme, not as a fixed header: schemathesis
    then knows it is real, and its ignored_auth check sends each accepted request again without it and with a
    wrong one (both must be refused: 401 or 403). Given as a header, it was told apart from a generated one by
    comparing the case's headers before and after generation, which an operation with a header of its own
    (Idempotency-Key) defeats: a 201 of POST /citizens/desk with a drawn key was then read as "accepts invalid
    authentication"."""
    role = request.module.ROLE
    api = Api(app.test_client())
    api.file()  # one real dossier: its tasks and documents are ids 1, 2, ... which the fuzzer tries first
    token = api.headers(ROLES[role])["Authorization"].removeprefix("Bearer ") if ROLES[role] else None
    config = schemathesis.Config.from_dict({
        "seed": SEED, **({"auth": {"openapi": {"bearer": {"bearer": token}}}} if token else {}),
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True},
        "phases": {phase: {"enabled": phase in PHASES[role]} for phase in ALL_PHASES},
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
    # An operation whose parameters are many patterned texts (GET /reports/indicators) has most drawn values
    # filtered out; Hypothesis calls that a health failure at 25 examples (measured), which says nothing of the API
    @hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.filter_too_much])
    def test_the_api_matches_its_openapi(case):
        case.call_and_validate(excluded_checks=[positive_data_acceptance], additional_checks=[rule_refusals_only])

    return test_the_api_matches_its_openapi
