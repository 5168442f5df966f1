"""The OpenAPI contract's schemathesis run (tests/test_openapi_contract.py) as the head_of_agency (contract_support.py)."""
from contract_support import backend, contract_schema, schema_test  # noqa: F401 (fixtures)

ROLE = "head_of_agency"
test_the_api_matches_its_openapi = schema_test()
