"""Secrets out of request names, error messages and hosts."""

import pytest

from perfgate.core.redact import RedactedNames, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/api/v1/export?access_token=eyJzdWIiOiJ4In0.c2ln&format=csv", "/api/v1/export?access_token=***&format=csv"),
        ("/login?user=ci&password=SuperSecurePassword123!", "/login?user=ci&password=***"),
        ("/files?X-Amz-Signature=abc123&X-Amz-Credential=AKIA", "/files?X-Amz-Signature=***&X-Amz-Credential=***"),
        ("https://ci-bot:hunter2@api.example.com/v1", "https://***@api.example.com/v1"),
        (
            "HTTPError('401 for url: http://h/x?api_key=k-123&page=2')",
            "HTTPError('401 for url: http://h/x?api_key=***&page=2')",
        ),
        ("{'Authorization': 'Bearer eyJzdWIiOiJ4In0.c2ln'}", "{'Authorization': '***'}"),
        ("sent Bearer eyJzdWIiOiJ4In0.c2lnbmF0dXJl to the server", "sent Bearer *** to the server"),
        ("Cookie: session=abc; theme=dark", "Cookie: ***"),
        ("client_secret=ci-runner-secret", "client_secret=***"),
        ("/oauth/callback?code=4f1c2a9e&state=xyz", "/oauth/callback?code=***&state=xyz"),
        ("/oauth/callback?code=4711", "/oauth/callback?code=***"),
    ],
)
def test_secrets_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "/api/v1/projects/:id/builds",
        "/api/v1/projects?limit=20&sort=updated_at:desc",
        "/api/v1/reports/lead-time?repository=acme/web&branch=main",
        "ConnectionRefusedError(111, 'Connection refused')",
        "HTTPError('500 Server Error: INTERNAL SERVER ERROR for url: /api/v1/builds')",
        "/api/v1/builds/:id/retry",
        "LocustBadStatusCode(code=401)",  # FastHttpUser's error for a status it did not expect
    ],
)
def test_names_and_messages_without_secrets_are_unchanged(text):
    assert RedactedNames()[text] == text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("access_token", True),
        ("apiKey", True),
        ("X-Amz-Signature", True),
        ("code", True),
        ("status_code", False),
        ("author", False),
        ("side", False),
        ("keyword", False),
        ("page", False),
    ],
)
def test_a_parameter_is_secret_when_a_word_of_its_name_is(name, secret):
    from perfgate.core.redact import is_secret

    assert is_secret(name) is secret


def test_remembered_names_stay_bounded():
    names = RedactedNames()
    names.MAX = 3
    for index in range(7):
        assert names[f"/x?token=t{index}"] == "/x?token=***"
    assert len(names) <= 3
