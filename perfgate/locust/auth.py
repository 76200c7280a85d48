"""Authentication helpers for Locust user classes: password login, client credentials and session
cookies, with token refresh before expiry and once more on a 401.

Every authenticated request goes through `Authenticator.request`. It asks Locust's client for an
unreported response (`catch_response=True`): a request answered 401 is dropped unreported, the
credentials are renewed and the request is sent again, so the statistics count it once. A login
that fails is reported as a failed request and the user backs off before trying again instead of
hammering endpoints without a token. No credential or token is ever put in a log or a failure text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent
from locust.exception import RescheduleTask

# The demo API's accounts, overridable so the same user classes can run against a staging API.
DEFAULT_CREDENTIALS = {
    "PERFGATE_USER_EMAIL": "ci-bot@example.com",
    "PERFGATE_USER_PASSWORD": "SuperSecurePassword123!",
    "PERFGATE_RELEASE_EMAIL": "release-manager@example.com",
    "PERFGATE_RELEASE_PASSWORD": "ReleasePassword456!",
    "PERFGATE_CLIENT_ID": "ci-runner",
    "PERFGATE_CLIENT_SECRET": "ci-runner-secret",
    "PERFGATE_CLIENT_SCOPE": "builds:read builds:write artifacts:read",
    "PERFGATE_SESSION_USER": "analytics-bot",
    "PERFGATE_SESSION_PASSWORD": "AnalyticsPassword789!",
}


def credential(name: str) -> str:
    """The value of env `name`, or the demo API's default for it."""
    return os.environ.get(name) or DEFAULT_CREDENTIALS[name]


class LoginFailed(Exception):
    """Credentials could not be obtained; the failed request is already in Locust's statistics."""


@dataclass
class Grant:
    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: float = float("inf")  # time.monotonic() deadline
    lifetime_s: float = float("inf")


def _grant_from(body: dict[str, Any]) -> Grant:
    lifetime = float(body.get("expires_in") or 0) or float("inf")
    return Grant(body.get("access_token"), body.get("refresh_token"), time.monotonic() + lifetime, lifetime)


def post_for_grant(client: Any, path: str, payload: dict[str, Any]) -> Grant:
    """POSTs credentials and returns the grant; a non-2xx answer is reported as a failure, never its body."""
    with client.request("POST", path, json=payload, name=path, catch_response=True) as response:
        if response.status_code // 100 != 2:
            # no answer at all (status 0): the connection error is the message, not "answered 0"
            why = f"got no answer: {response.error}" if not response.status_code else f"answered {response.status_code}"
            response.failure(f"POST {path} {why}")
            raise LoginFailed(f"POST {path} {why}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        response.success()
        return _grant_from(body if isinstance(body, dict) else {})


class Authenticator:
    """Holds one Locust user's credentials and sends its authenticated requests.

    `obtain` gets fresh credentials (a login); `renew` may use a refresh token and falls back to
    `obtain`. Tokens are renewed `refresh_margin_s` before they expire, at most a fifth of their
    lifetime so that short-lived tokens are not renewed on every request. Back-off after a failed
    login doubles from `backoff_s` up to `max_backoff_s`.
    """

    def __init__(
        self,
        client: Any,
        obtain: Callable[[], Grant],
        renew: Callable[[Grant], Grant] | None = None,
        refresh_margin_s: float = 5.0,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
    ) -> None:
        self.client = client
        self._obtain = obtain
        self._renew = renew
        self.refresh_margin_s = refresh_margin_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.grant: Grant | None = None
        self.failed_logins = 0
        self.refreshes = 0

    def ensure(self) -> Grant:
        """Valid credentials, renewed ahead of expiry; on a failed login, backs off and reschedules."""
        if self.grant is None:
            self.login()
        elif self.grant.expires_at - time.monotonic() <= min(self.refresh_margin_s, self.grant.lifetime_s / 5):
            self.renew()
        assert self.grant is not None
        return self.grant

    def renew(self) -> None:
        if self.grant is not None and self.grant.refresh_token and self._renew is not None:
            try:
                self.grant = self._renew(self.grant)
                self.refreshes += 1
                return
            except LoginFailed:
                pass
        self.grant = None
        self.login()

    def login(self) -> None:
        """Fresh credentials (a new session); on failure backs off and reschedules the task."""
        try:
            self.grant = self._obtain()
        except LoginFailed:
            delay = min(self.max_backoff_s, self.backoff_s * 2**self.failed_logins)
            self.failed_logins += 1
            gevent.sleep(delay)
            raise RescheduleTask() from None
        self.failed_logins = 0

    def headers(self) -> dict[str, str]:
        token = self.ensure().access_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, url: str, *, name: str, catch_response: bool = False, **kwargs: Any) -> Any:
        extra_headers = kwargs.pop("headers", None) or {}
        response = self._send(method, url, name, extra_headers, kwargs)
        if response.status_code == 401:
            self.renew()
            response = self._send(method, url, name, extra_headers, kwargs)
        if not catch_response:
            response.__exit__(None, None, None)  # report it now, as Locust does without catch_response
        return response

    def _send(self, method: str, url: str, name: str, extra_headers: dict[str, str], kwargs: dict) -> Any:
        headers = {**self.headers(), **extra_headers}
        return self.client.request(method, url, name=name, headers=headers, catch_response=True, **kwargs)


def password_auth(
    client: Any,
    email: str,
    password: str,
    login_path: str = "/api/v1/auth/login",
    refresh_path: str = "/api/v1/auth/refresh",
) -> Authenticator:
    """Bearer tokens from a password login, refreshed with the refresh token (rotating or not)."""

    def obtain() -> Grant:
        return post_for_grant(client, login_path, {"email": email, "password": password})

    def renew(grant: Grant) -> Grant:
        renewed = post_for_grant(client, refresh_path, {"refresh_token": grant.refresh_token})
        # a server that rotates sends a new refresh token; one that does not, none: keep ours
        renewed.refresh_token = renewed.refresh_token or grant.refresh_token
        return renewed

    return Authenticator(client, obtain, renew)


def client_credentials_auth(
    client: Any, client_id: str, client_secret: str, scope: str, token_path: str = "/api/v1/auth/token"
) -> Authenticator:
    """OAuth2 client-credentials tokens; there is no refresh token, so renewing asks for a new one."""
    payload = {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}

    def obtain() -> Grant:
        return post_for_grant(client, token_path, {**payload, "scope": scope})

    return Authenticator(client, obtain)


def session_auth(client: Any, username: str, password: str, login_path: str = "/api/v1/session/login") -> Authenticator:
    """A session cookie kept by the client's cookie jar; a 401 logs in again."""

    def obtain() -> Grant:
        return post_for_grant(client, login_path, {"username": username, "password": password})

    return Authenticator(client, obtain)
