"""The OpenAPI contract's schemathesis run (tests/test_openapi_contract.py) as the administrator (contract_support.py)."""
from contract_support import backend, contract_schema, schema_test  # noqa: F401 (fixtures)

ROLE = "administrator"
test_the_api_matches_its_openapi = schema_test()
