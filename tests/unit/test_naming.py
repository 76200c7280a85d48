"""Endpoint keys and what a profile key matches, whichever way a locustfile names its requests."""

import json
from pathlib import Path

import pytest

from perfgate.core.naming import canonical_key, canonical_keys, endpoint_key, key_matches, mentions, suggestions
from perfgate.store.history import endpoint_series, record, runs
from perfgate.store.results import read_baseline

COMPAT = Path(__file__).parents[1] / "data" / "compat" / "guide-before-key-change.json"


@pytest.mark.parametrize(
    ("method", "name", "key"),
    [
        ("GET", "/api/v1/projects", "GET /api/v1/projects"),  # name= without the method
        ("POST", "POST /api/v1/auth/login", "POST /api/v1/auth/login"),  # the guide: the method inside
        ("GET", "/api/v1/projects?limit=20", "GET /api/v1/projects?limit=20"),  # no name=: the URL
        ("get", "/api/v1/projects", "GET /api/v1/projects"),  # client.request("get", ...)
        ("get", "get /x", "GET /x"),
        ("grpc", "helloworld.Greeter/SayHello", "grpc helloworld.Greeter/SayHello"),  # events.request.fire
        ("GET", "deployment detail", "GET deployment detail"),  # a name with spaces
        ("", "Aggregated", "Aggregated"),
    ],
)
def test_the_endpoint_key_writes_the_method_once(method, name, key):
    assert endpoint_key(method, name) == key


@pytest.mark.parametrize(
    ("key", "method", "name"),
    [
        ("GET /api/v1/projects", "GET", "/api/v1/projects"),
        ("GET /api/v1/projects", "GET", "GET /api/v1/projects"),
        ("GET /api/v1/projects", "GET", "/api/v1/projects?limit=20&sort=updated_at:desc"),
        ("GET /api/v1/projects", "get", "/api/v1/projects"),
        ("get /api/v1/projects", "GET", "/api/v1/projects"),  # the method as the entry's, in capitals
        ("Post /api/v1/auth/login", "POST", "POST /api/v1/auth/login"),
        ("get user:*", "redis", "get user:42"),  # a custom client's name that begins with the word
        ("/api/v1/projects", "GET", "GET /api/v1/projects"),
        ("/api/v1/projects", "POST", "/api/v1/projects"),
        ("GET /api/v1/reports/*", "GET", "GET /api/v1/reports/lead-time"),
        ("*/reports/*", "GET", "/api/v1/reports/lead-time?team=x"),
        ("GET *", "GET", "POST-like name"),
        ("grpc helloworld.Greeter/SayHello", "grpc", "helloworld.Greeter/SayHello"),
        ("Health Check", "grpc", "Health Check"),
        ("GET /api/v1/projects?limit=20", "GET", "/api/v1/projects?limit=20"),
    ],
)
def test_a_key_matches_every_naming_style_of_its_endpoint(key, method, name):
    assert key_matches(key, method, name)


@pytest.mark.parametrize(
    ("key", "method", "name"),
    [
        ("GET /api/v1/projects", "POST", "/api/v1/projects"),  # another method
        ("GET /api/v1/projects", "POST", "POST /api/v1/projects"),
        ("GET /api/v1/projects", "GET", "/api/v1/projects/101/builds"),  # ids are not globbed for you
        ("GET /api/v1/projects?limit=20", "GET", "/api/v1/projects?limit=50"),  # a query in a key is literal
        ("/api/v1/project", "GET", "/api/v1/projects"),
        ("get /api/v1/projects", "POST", "/api/v1/projects"),
    ],
)
def test_a_key_does_not_match_another_endpoint(key, method, name):
    assert not key_matches(key, method, name)


def test_keys_stored_before_the_change_are_the_same_endpoints():
    assert canonical_key("POST POST /api/v1/auth/login") == "POST /api/v1/auth/login"
    assert canonical_key("GET /api/v1/projects") == "GET /api/v1/projects"
    assert canonical_key("grpc grpc health") == "grpc health"
    # two Locust entries that were one endpoint keep apart: nothing is merged or lost
    assert canonical_keys({"POST POST /x": 1, "POST /x": 2}) == {"POST POST /x": 1, "POST /x": 2}
    assert canonical_keys({"POST POST /x": 1, "GET /y": 2}) == {"POST /x": 1, "GET /y": 2}


def test_a_baseline_stored_before_the_change_is_read_with_todays_keys():
    stored = json.loads(COMPAT.read_text())
    (run,) = read_baseline(COMPAT).runs
    assert "POST POST /api/v1/auth/login" in stored["endpoints"]
    assert set(run.endpoints) == {endpoint_key(e["method"], e["name"]) for e in stored["endpoints"].values()}
    assert "POST /api/v1/auth/login" in run.endpoints


def test_history_recorded_before_the_change_continues_the_same_series(tmp_path):
    database = tmp_path / "history.db"
    stored = json.loads(COMPAT.read_text())
    record(database, stored, "main", "old")
    today = dict(stored, endpoints={endpoint_key(e["method"], e["name"]): e for e in stored["endpoints"].values()})
    record(database, today, "main", "new")
    series = endpoint_series(database, [r.id for r in runs(database)])
    assert "POST POST /api/v1/auth/login" not in series
    assert len(series["POST /api/v1/auth/login"]) == 2  # one series, both runs


REQUESTED = {
    "GET /api/v1/projects": ("GET", "GET /api/v1/projects"),
    "GET /api/v1/projects/101/builds?status=failed": ("GET", "/api/v1/projects/101/builds?status=failed"),
    "GET /api/v1/projects/102/builds?status=failed": ("GET", "/api/v1/projects/102/builds?status=failed"),
    "POST /api/v1/builds": ("POST", "/api/v1/builds"),
}


def test_a_key_that_matches_nothing_names_the_closest_endpoints():
    hint = suggestions("GET /api/v1/project", REQUESTED)
    assert "closest names that got requests: 'GET /api/v1/projects'" in hint
    assert "with or without the method; * globs" in hint


def test_ids_in_urls_are_pointed_at_name_or_a_glob():
    hint = suggestions("GET /api/v1/projects/:id/builds", REQUESTED)
    assert "'GET /api/v1/projects/101/builds?status=failed' and 1 more are this endpoint" in hint
    assert "name='/api/v1/projects/:id/builds'" in hint and "'GET /api/v1/projects/*/builds*'" in hint


@pytest.mark.parametrize("key", ["GET /api/v1/builds", "get /api/v1/builds"])
def test_a_key_with_another_method_says_which_method_was_used(key):
    hint = suggestions(key, REQUESTED)
    assert "made with another method: 'POST /api/v1/builds'" in hint


def test_a_key_with_its_method_in_any_case_is_found_in_the_locustfile():
    assert mentions("get /api/v1/projects", "/api/v1/projects") and mentions("GET /x", "/x")
    assert not mentions("get /api/v1/projects", "/api/v1/builds")


def test_nothing_close_suggests_nothing():
    assert suggestions("DELETE /totally/else", REQUESTED) == ""
    assert suggestions("GET /x", {}) == ""
