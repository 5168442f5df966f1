"""D29: an administrator names a processing agency of their own subtree only (engine.cases.offers refuses another
with 403). The offers page listed every department of the province in its "Cơ quan xử lý" list: a ward's
administrator who picked one got the refusal on submit. It lists the subtree's, and the one an offer already names.
"""
from __future__ import annotations

from conftest import PASSWORD
from test_admin_subtree_procedures import (  # noqa: F401 (fixtures: the demo province with its wards)
    PHU_XUAN, database_url, province_template, put_offers)
from web_support import Web

PAGE = "/quan-tri/thu-tuc/1.001612/noi-cung-cap"
SO_TAI_CHINH, SO_TU_PHAP = "000.00.10.H56", "000.00.12.H56"


def options(app, user: str) -> str:
    return Web(app.test_client()).login(user, PASSWORD).get(PAGE).get_data(as_text=True)


def test_a_ward_administrator_is_offered_no_department_outside_its_subtree(api, app):
    assert f'value="{SO_TAI_CHINH}"' in options(app, "demo.admin")  # the province's: every department
    page = options(app, "phuxuan.admin")
    assert f'value="{SO_TAI_CHINH}"' not in page and f'value="{SO_TU_PHAP}"' not in page


def test_the_processing_agency_an_offer_already_names_stays_in_the_list(api, app):
    r = put_offers(api, "demo.admin", {"agencies": [{"agency": "000.00.06.H56"},
                                                    {"agency": PHU_XUAN, "processing_agency": SO_TAI_CHINH}]})
    assert r.status_code == 200, r.get_json()
    page = options(app, "phuxuan.admin")
    assert f'value="{SO_TAI_CHINH}" selected' in page and f'value="{SO_TU_PHAP}"' not in page
