import pytest

from perfgate.demo.injections import Injection, InjectionError, parse_injection, parse_injections


def test_route_globs_may_contain_colons_of_route_templates():
    injection = parse_injection("latency:GET /api/v1/builds/:id/status:450")
    assert (injection.kind, injection.route_glob, injection.amount) == ("latency", "GET /api/v1/builds/:id/status", 450)
    assert injection.matches("GET", "/api/v1/builds/:id/status")
    assert not injection.matches("GET", "/api/v1/builds/:id/artifacts")


def test_globs_match_with_or_without_method():
    assert parse_injection("errors:*:5").matches("POST", "/api/v1/builds")
    reports = parse_injection("latency:/api/v1/reports/*:10")
    assert reports.matches("GET", "/api/v1/reports/lead-time")
    assert not parse_injection("latency:GET /api/v1/projects:1").matches("GET", "/api/v1/projects/:id/builds")
    assert not parse_injection("latency:POST /api/v1/projects:1").matches("GET", "/api/v1/projects")


def test_timed_injections_are_active_only_in_their_window():
    injection = parse_injection("latency:*:100:after=2s:until=10s")
    assert (injection.after_s, injection.until_s) == (2.0, 10.0)
    assert [injection.active(t) for t in (1.0, 2.0, 9.9, 10.0)] == [False, True, True, False]
    assert injection.describe() == "latency:*:100:after=2s:until=10s"


def test_env_form_splits_on_semicolons():
    parsed = parse_injections(["drop-index; slow-auth", "errors:GET /x:50"])
    assert parsed == [Injection("drop-index"), Injection("slow-auth"), Injection("errors", "GET /x", 50.0)]


@pytest.mark.parametrize("spec", ["latency", "latency:*", "errors:*:101", "latency:*:-1", "latency::5", "warp:*:5"])
def test_malformed_specs_name_themselves(spec):
    with pytest.raises(InjectionError) as error:
        parse_injection(spec)
    assert repr(spec) in str(error.value)


def test_a_leak_adds_its_amount_once_a_minute_from_when_it_starts():
    leak = parse_injection("leak:GET /api/v1/projects:30:after=1m")
    assert (leak.kind, leak.amount, leak.after_s) == ("leak", 30.0, 60.0)
    assert [leak.delay_ms(t) for t in (60.0, 90.0, 180.0)] == [0.0, 15.0, 60.0]
    assert not leak.active(59.0) and leak.active(61.0)
    assert parse_injection("latency:/x:40").delay_ms(500.0) == 40.0
    assert parse_injection("errors:/x:5").delay_ms(500.0) == 0.0


def test_cpu_burns_its_milliseconds_and_adds_no_sleep():
    burner = parse_injection("cpu:GET /api/v1/projects:25:until=2m")
    assert (burner.kind, burner.amount, burner.until_s) == ("cpu", 25.0, 120.0)
    assert burner.delay_ms(10.0) == 0.0  # it costs CPU, not a sleep
    assert burner.matches("GET", "/api/v1/projects") and not burner.matches("POST", "/api/v1/builds")
