"""A small council service directory in Open Referral UK form (made up), for the import's tests and stories."""

from __future__ import annotations

import copy
import json
from typing import Any

_ORG = {
    "id": "org-vcs",
    "name": "Riverside Council for Voluntary Service",
    "description": "",
    "url": "",
    "email": "",
}
_COUNCIL = {
    "id": "org-rmbc",
    "name": "Riverside Metropolitan Borough Council",
    "description": "",
    "url": "",
    "email": "",
}


def _service(n: int, name: str, organization: dict[str, Any], **extra: Any) -> dict[str, Any]:
    service = {
        "id": f"svc-{n}",
        "name": name,
        "description": f"{name}: open to everyone.",
        "url": f"https://directory.example.org/services/{n}",
        "email": f"hello{n}@example.org",
        "status": "active",
        "organization": organization,
        "phones": [{"id": f"ph-{n}", "number": "01632 960000"}],
        "regular_schedules": [{"id": f"rs-{n}", "byday": "TU", "opens_at": "10:00", "closes_at": "12:00"}],
        "service_areas": [{"id": f"sa-{n}", "service_area": "Eastmarsh"}],
        "eligibilitys": [],
        "service_at_locations": [
            {
                "id": f"sal-{n}",
                "location": {
                    "id": f"loc-{n}",
                    "name": name,
                    "latitude": 53.41 + n / 1000,
                    "longitude": -1.47 - n / 1000,
                    "physical_addresses": [
                        {
                            "id": f"pa-{n}",
                            "address_1": f"{n} High Street",
                            "city": "Eastmarsh",
                            "postal_code": "s1 2hh",
                            "country": "GB",
                        }
                    ],
                    "accessibility_for_disabilities": [
                        {"id": f"ad-{n}", "accessibility": "Step-free entrance"}
                    ],
                },
            }
        ],
        "service_taxonomys": [
            {
                "id": f"st-{n}",
                "taxonomy": {"id": "esd-123", "name": "Social activities", "vocabulary": "esdServiceTypes"},
            }
        ],
    }
    service.update(extra)
    return service


def council_directory() -> dict[str, Any]:
    """Three services of a council's directory: a lunch club, a walking group and a library."""
    return {
        "totalElements": 3,
        "totalPages": 1,
        "number": 1,
        "size": 3,
        "first": True,
        "last": True,
        "content": [
            _service(1, "Eastmarsh Lunch Club", _ORG),
            _service(
                2,
                "Eastmarsh Walking for Health",
                _ORG,
                service_taxonomys=[
                    {
                        "id": "st-2",
                        "taxonomy": {"id": "abcd:associations", "name": "Associations", "vocabulary": "ABCD"},
                    }
                ],
            ),
            _service(
                3,
                "Eastmarsh Library",
                _COUNCIL,
                eligibilitys=[{"id": "el-3", "eligibility": "Unpaid carers"}],
            ),
        ],
    }


def council_json() -> bytes:
    return json.dumps(council_directory()).encode()


def with_bad_rows() -> bytes:
    """The directory with two bad services: one without a name, one with a postcode and latitude that are wrong."""
    data = copy.deepcopy(council_directory())
    data["content"][0]["name"] = ""
    location = data["content"][2]["service_at_locations"][0]["location"]
    location["latitude"] = 123
    location["physical_addresses"][0]["postal_code"] = "EASTMARSH"
    return json.dumps(data).encode()
