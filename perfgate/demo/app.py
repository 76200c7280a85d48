"""The demo DevOps SaaS API: routes, authentication rules and JSON bodies, independent of the server.

`DemoApi.handle(request)` is a plain function of a parsed request; `server.py` puts it behind a
real HTTP server and applies the latency/error injections around it.
"""

from __future__ import annotations

import json
import re
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from perfgate.demo.database import DAY_S, Database
from perfgate.demo.security import InvalidToken, TokenClaims, TokenSigner, hash_password, verify_password

USERS = {
    "ci-bot@example.com": (
        "SuperSecurePassword123!",
        "projects:read builds:read builds:write artifacts:read deployments:read reports:read",
    ),
    "release-manager@example.com": (
        "ReleasePassword456!",
        "projects:read builds:read deployments:read deployments:write reports:read",
    ),
}
CLIENTS = {"ci-runner": ("ci-runner-secret", "builds:read builds:write artifacts:read")}
SESSION_USERS = {"analytics-bot": "AnalyticsPassword789!"}
REFRESH_TTL_S = 24 * 3600.0
SESSION_TTL_S = 8 * 3600.0
PROJECT_SORTS = {"updated_at", "created_at", "name", "id"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encoded(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":")).encode()


class HttpError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.response = Response(status, {"error": error, "message": message})


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise HttpError(422, "invalid_body", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HttpError(422, "invalid_body", "expected a JSON object")
    return body


def _fields(body: dict[str, Any], required: dict[str, type], optional: dict[str, type] | None = None) -> dict:
    problems = [f"{name} ({kind.__name__}) is required" for name, kind in required.items() if name not in body]
    for name, kind in {**required, **(optional or {})}.items():
        if name in body and not isinstance(body[name], kind):
            problems.append(f"{name} must be a {kind.__name__}")
    if problems:
        raise HttpError(422, "invalid_body", "; ".join(problems))
    return body


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise HttpError(400, "invalid_parameter", f"{name} must be an integer from {low} to {high}, got {text!r}")
    return int(text)


def _window_s(request: Request, default_days: int) -> float:
    text = request.query.get("window", f"{default_days}d")
    match = re.fullmatch(r"(\d{1,4})d", text)
    if not match:
        raise HttpError(400, "invalid_parameter", f"window must look like 30d, got {text!r}")
    return int(match.group(1)) * DAY_S


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # the name a Locust user gives the request, e.g. /api/v1/builds/:id/status
    handler: Callable[..., Response]
    scope: str | None  # None: no authentication
    session_ok: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>\\d+)", self.template) + "$")


class DemoApi:
    def __init__(
        self, db: Database, access_ttl_s: float = 30.0, auth_cost_factor: int = 1, rotate_refresh_tokens: bool = False
    ) -> None:
        self.db = db
        self.access_ttl_s = access_ttl_s
        self.auth_cost_factor = auth_cost_factor
        # Many APIs keep a refresh token valid until it expires; rotation with reuse detection (each
        # refresh returns a new one and refuses the old) is a choice some make: both are testable.
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.signer = TokenSigner()
        self._lock = threading.Lock()
        self._refresh_tokens: dict[str, tuple[str, frozenset[str], float]] = {}
        self._used_refresh_tokens: set[str] = set()
        self._sessions: dict[str, tuple[str, float]] = {}
        self._password_hashes = {email: hash_password(pw) for email, (pw, _) in USERS.items()}
        self._client_hashes = {cid: hash_password(secret) for cid, (secret, _) in CLIENTS.items()}
        self._session_hashes = {name: hash_password(pw) for name, pw in SESSION_USERS.items()}
        self.routes = [
            Route("POST", "/api/v1/auth/login", self.login, None),
            Route("POST", "/api/v1/auth/refresh", self.refresh, None),
            Route("POST", "/api/v1/auth/token", self.client_token, None),
            Route("POST", "/api/v1/session/login", self.session_login, None),
            Route("GET", "/api/v1/projects", self.list_projects, "projects:read"),
            Route("GET", "/api/v1/projects/:id/builds", self.project_builds, "builds:read"),
            Route("POST", "/api/v1/builds", self.create_build, "builds:write"),
            Route("POST", "/api/v1/builds/:id/retry", self.retry_build, "builds:write"),
            Route("GET", "/api/v1/builds/:id/status", self.build_status, "builds:read"),
            Route("GET", "/api/v1/builds/:id/artifacts", self.build_artifacts, "artifacts:read"),
            Route("GET", "/api/v1/deployments", self.list_deployments, "deployments:read"),
            Route("GET", "/api/v1/deployments/:id", self.deployment_detail, "deployments:read"),
            Route("GET", "/api/v1/reports/deployment-frequency", self.deployment_frequency, "reports:read", True),
            Route("GET", "/api/v1/reports/change-failure-rate", self.change_failure_rate, "reports:read", True),
            Route("GET", "/api/v1/reports/lead-time", self.lead_time, "reports:read", True),
        ]
        self._compiled = [(route, route.regex) for route in self.routes]

    # --- dispatch ----------------------------------------------------------------------------

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, int], bool]:
        """The route for (method, path), its path ids, and whether the path exists for another method."""
        path_known = False
        for route, regex in self._compiled:
            match = regex.match(path)
            if match:
                if route.method == method:
                    return route, {k: int(v) for k, v in match.groupdict().items()}, True
                path_known = True
        return None, {}, path_known

    def handle(self, request: Request, resolved: tuple[Route | None, dict[str, int], bool] | None = None) -> Response:
        route, ids, path_known = resolved or self.resolve(request.method, request.path)
        try:
            if route is None:
                if path_known:
                    raise HttpError(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}")
                raise HttpError(404, "not_found", f"no route for {request.method} {request.path}")
            principal = self._authenticate(request, route)
            return route.handler(request, principal, **ids)
        except HttpError as error:
            return error.response

    def _authenticate(self, request: Request, route: Route) -> TokenClaims | str | None:
        if route.scope is None:
            return None
        authorization = request.headers.get("authorization", "")
        if route.session_ok and not authorization:
            session_id = _cookie(request, "session_id")
            with self._lock:
                session = self._sessions.get(session_id or "")
            if session and session[1] > time.time():
                return session[0]
            raise HttpError(401, "unauthenticated", "a bearer token or a valid session cookie is required")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HttpError(401, "unauthenticated", "a bearer token is required")
        try:
            claims = self.signer.verify(token.strip())
        except InvalidToken as exc:
            raise HttpError(401, str(exc), "the access token is invalid or expired") from None
        if route.scope not in claims.scopes:
            raise HttpError(403, "insufficient_scope", f"this endpoint needs the scope {route.scope}")
        return claims

    # --- auth --------------------------------------------------------------------------------

    def _token_pair(self, subject: str, scopes: frozenset[str]) -> dict[str, Any]:
        refresh_token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[refresh_token] = (subject, scopes, time.time() + REFRESH_TTL_S)
        return {**self._access_token(subject, scopes), "refresh_token": refresh_token}

    def _access_token(self, subject: str, scopes: frozenset[str]) -> dict[str, Any]:
        return {
            "access_token": self.signer.issue(subject, scopes, self.access_ttl_s),
            "token_type": "Bearer",
            "expires_in": self.access_ttl_s,
            "scope": " ".join(sorted(scopes)),
        }

    def login(self, request: Request, _principal: None) -> Response:
        body = _fields(_json_body(request), {"email": str, "password": str})
        stored = self._password_hashes.get(body["email"])
        if stored is None or not verify_password(body["password"], stored, self.auth_cost_factor):
            raise HttpError(401, "invalid_credentials", "unknown email or wrong password")
        return Response(200, self._token_pair(body["email"], frozenset(USERS[body["email"]][1].split())))

    def refresh(self, request: Request, _principal: None) -> Response:
        """A new access token; with rotation also a new refresh token, and the used one is refused
        from then on. Without rotation the refresh token stays valid and is not sent again (RFC 6749
        section 6: the client keeps it)."""
        token = _fields(_json_body(request), {"refresh_token": str})["refresh_token"]
        with self._lock:
            if token in self._used_refresh_tokens:
                raise HttpError(401, "invalid_grant", "this refresh token was already used")
            if self.rotate_refresh_tokens:
                entry = self._refresh_tokens.pop(token, None)
                if entry is not None:
                    self._used_refresh_tokens.add(token)
            else:
                entry = self._refresh_tokens.get(token)
        if entry is None:
            raise HttpError(401, "invalid_grant", "unknown refresh token")
        subject, scopes, expires_at = entry
        if expires_at <= time.time():
            raise HttpError(401, "invalid_grant", "the refresh token has expired")
        if self.rotate_refresh_tokens:
            return Response(200, self._token_pair(subject, scopes))
        return Response(200, self._access_token(subject, scopes))

    def client_token(self, request: Request, _principal: None) -> Response:
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body: dict[str, Any] = dict(parse_qsl(request.body.decode(errors="replace")))
        else:
            body = _json_body(request)
        body = _fields(body, {"client_id": str, "client_secret": str, "grant_type": str}, {"scope": str})
        if body["grant_type"] != "client_credentials":
            raise HttpError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        stored = self._client_hashes.get(body["client_id"])
        if stored is None or not verify_password(body["client_secret"], stored, self.auth_cost_factor):
            raise HttpError(401, "invalid_client", "unknown client or wrong secret")
        allowed = frozenset(CLIENTS[body["client_id"]][1].split())
        requested = frozenset(body.get("scope", "").split()) or allowed
        granted = requested & allowed
        if not granted:
            raise HttpError(400, "invalid_scope", f"none of the requested scopes is allowed for {body['client_id']}")
        token = self.signer.issue(body["client_id"], granted, self.access_ttl_s)
        payload = {"access_token": token, "token_type": "Bearer", "expires_in": self.access_ttl_s}
        return Response(200, {**payload, "scope": " ".join(sorted(granted))})

    def session_login(self, request: Request, _principal: None) -> Response:
        body = _fields(_json_body(request), {"username": str, "password": str})
        stored = self._session_hashes.get(body["username"])
        if stored is None or not verify_password(body["password"], stored, self.auth_cost_factor):
            raise HttpError(401, "invalid_credentials", "unknown user or wrong password")
        session_id = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[session_id] = (body["username"], time.time() + SESSION_TTL_S)
        cookie = f"session_id={session_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={int(SESSION_TTL_S)}"
        return Response(200, {"username": body["username"]}, [("Set-Cookie", cookie)])

    # --- projects and builds -----------------------------------------------------------------

    def list_projects(self, request: Request, _principal: TokenClaims) -> Response:
        limit = _int_param(request, "limit", 20, 1, 100)
        offset = _int_param(request, "offset", 0, 0, 1_000_000)
        column, _, direction = request.query.get("sort", "updated_at:desc").partition(":")
        if column not in PROJECT_SORTS or direction not in ("", "asc", "desc"):
            raise HttpError(400, "invalid_parameter", f"sort must be one of {sorted(PROJECT_SORTS)} with :asc or :desc")
        items = self.db.projects(limit, offset, column, direction == "desc")
        total = self.db.count("projects")
        following = f"/api/v1/projects?limit={limit}&offset={offset + limit}" if offset + limit < total else None
        return Response(200, {"items": items, "total": total, "limit": limit, "offset": offset, "next": following})

    def project_builds(self, request: Request, _principal: TokenClaims, id: int) -> Response:
        limit = _int_param(request, "limit", 20, 1, 100)
        if not self.db.project_exists(id):
            raise HttpError(404, "not_found", f"project {id} does not exist")
        items = self.db.project_builds(id, request.query.get("status"), limit)
        return Response(200, {"project_id": id, "items": items, "count": len(items)})

    def create_build(self, request: Request, principal: TokenClaims) -> Response:
        body = _fields(
            _json_body(request),
            {"project_id": int, "branch": str, "commit_sha": str},
            {"pipeline_source": str, "variables": dict},
        )
        if not re.fullmatch(r"[0-9a-f]{7,40}", body["commit_sha"]):
            raise HttpError(422, "invalid_body", "commit_sha must be 7 to 40 hexadecimal characters")
        fields = {
            **body,
            "pipeline_source": body.get("pipeline_source", "api"),
            "variables": body.get("variables", {}),
            "triggered_by": principal.subject,
        }
        try:
            build = self.db.create_build(fields)
        except LookupError as exc:
            raise HttpError(422, "invalid_body", str(exc)) from None
        return Response(201, _build_json(build), [("Location", f"/api/v1/builds/{build['id']}/status")])

    def retry_build(self, request: Request, principal: TokenClaims, id: int) -> Response:
        body = _fields(_json_body(request), {}, {"reason": str, "triggered_by": str})
        build = self.db.retry_build(id, body.get("reason", ""), body.get("triggered_by", principal.subject))
        if build is None:
            raise HttpError(404, "not_found", f"build {id} does not exist")
        return Response(202, _build_json(build))

    def build_status(self, _request: Request, _principal: TokenClaims, id: int) -> Response:
        build = self.db.build(id)
        if build is None:
            raise HttpError(404, "not_found", f"build {id} does not exist")
        duration = build["finished_at"] - build["created_at"] if build["finished_at"] else None
        body = {"id": id, "status": build["status"], "attempt": build["attempt"], "duration_s": duration}
        return Response(200, {**body, "started_at": build["created_at"], "finished_at": build["finished_at"]})

    def build_artifacts(self, request: Request, _principal: TokenClaims, id: int) -> Response:
        if self.db.build(id) is None:
            raise HttpError(404, "not_found", f"build {id} does not exist")
        items = self.db.artifacts(id, request.query.get("type"))
        return Response(200, {"build_id": id, "items": items})

    # --- deployments and reports -------------------------------------------------------------

    def list_deployments(self, request: Request, _principal: TokenClaims) -> Response:
        limit = _int_param(request, "limit", 20, 1, 100)
        items = self.db.deployments(request.query.get("environment"), request.query.get("status"), limit)
        return Response(200, {"items": items, "count": len(items)})

    def deployment_detail(self, _request: Request, _principal: TokenClaims, id: int) -> Response:
        deployment = self.db.deployment(id)
        if deployment is None:
            raise HttpError(404, "not_found", f"deployment {id} does not exist")
        return Response(200, deployment)

    def deployment_frequency(self, request: Request, _principal: object) -> Response:
        team = _required_param(request, "team")
        window_s = _window_s(request, 30)
        days = self.db.deployment_frequency(team, time.time() - window_s)
        total = sum(day["deployments"] for day in days)
        per_day = total / (window_s / DAY_S)
        return Response(200, {"team": team, "deployments": total, "per_day": round(per_day, 3), "days": days})

    def change_failure_rate(self, request: Request, _principal: object) -> Response:
        service = _required_param(request, "service")
        counts = self.db.change_failure_rate(service, time.time() - _window_s(request, 30))
        rate = counts["failed"] / counts["deployments"] if counts["deployments"] else 0.0
        return Response(200, {"service": service, **counts, "change_failure_rate": round(rate, 4)})

    def lead_time(self, request: Request, _principal: object) -> Response:
        repository = _required_param(request, "repository")
        branch = request.query.get("branch", "main")
        lead_times = self.db.lead_times_s(repository, branch, time.time() - _window_s(request, 90))
        median = statistics.median(lead_times) if lead_times else None
        body = {"repository": repository, "branch": branch, "changes": len(lead_times), "median_s": median}
        return Response(200, {**body, "max_s": max(lead_times, default=None)})


def _required_param(request: Request, name: str) -> str:
    value = request.query.get(name)
    if not value:
        raise HttpError(400, "invalid_parameter", f"the query parameter {name} is required")
    return value


def _cookie(request: Request, name: str) -> str | None:
    jar = SimpleCookie()
    jar.load(request.headers.get("cookie", ""))
    morsel = jar.get(name)
    return morsel.value if morsel else None


def _build_json(build: dict[str, Any]) -> dict[str, Any]:
    return {**build, "variables": json.loads(build["variables"])}
