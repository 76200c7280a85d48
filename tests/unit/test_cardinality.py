"""Ungrouped ids in request names: grouping suggestions and the busiest endpoints kept."""

from perfgate.core.cardinality import MAX_ENDPOINTS, busiest, warning
from perfgate.core.naming import grouped


def test_ids_uuids_and_hashes_in_paths_are_grouped_and_queries_dropped():
    assert grouped("/api/v1/builds/9001/status") == "/api/v1/builds/:id/status"
    assert grouped("/api/v1/artifacts/0b6f3c2e-8a1d-4c5e-9f00-1234567890ab") == "/api/v1/artifacts/:id"
    assert grouped("/commits/3f9a1c0d2e4b5a6978c1d2e3f4a5b6c7?x=1") == "/commits/:id"
    assert grouped("/api/v1/projects") == "/api/v1/projects" and grouped("/v2/items") == "/v2/items"


def test_a_few_hundred_endpoints_are_fine_more_say_how_to_group_them():
    assert warning([f"GET /api/v1/e{i}" for i in range(MAX_ENDPOINTS)]) is None
    keys = [f"GET /api/v1/builds/{i}/status" for i in range(900)] + [f"GET /api/v1/projects/{i}" for i in range(100)]
    message = warning(keys)
    assert message is not None and message.startswith("1000 distinct request names")
    assert "GET /api/v1/builds/:id/status (900 names); GET /api/v1/projects/:id (100 names)" in message
    assert "name='/builds/:id'" in message


def test_the_busiest_keys_are_kept_with_a_stable_order_on_ties():
    requests = {"a": 5, "b": 9, "c": 5, "d": 1}
    assert busiest(requests, 2) == {"b", "a"} and busiest(requests, 10) == set(requests)
