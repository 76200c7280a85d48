"""Password hashing and signed bearer tokens for the demo API (stdlib only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass

HASH_ROUNDS = 20_000
# `slow-auth` multiplies the cost the way a team raising its bcrypt/PBKDF2 work factor would.
SLOW_AUTH_FACTOR = 10


def hash_password(password: str, rounds: int = HASH_ROUNDS) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    return f"pbkdf2_sha256${rounds}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str, rounds_factor: int = 1) -> bool:
    """Checks a password in constant time; `rounds_factor` > 1 spends the extra work of slow-auth."""
    _, rounds, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds))
    for _ in range(rounds_factor - 1):
        hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds))
    return hmac.compare_digest(candidate.hex(), digest)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    scopes: frozenset[str]
    expires_at: float


class InvalidToken(Exception):
    """The token is malformed, tampered with or expired; the message says which."""


class TokenSigner:
    """HMAC-SHA256 signed access tokens (a compact JWT-like format: payload.signature)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def issue(self, subject: str, scopes: frozenset[str], ttl_s: float) -> str:
        payload = {"sub": subject, "scope": " ".join(sorted(scopes)), "exp": time.time() + ttl_s}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str) -> TokenClaims:
        body, _, signature = token.partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            raise InvalidToken("invalid_token")
        try:
            payload = json.loads(_unb64(body))
            claims = TokenClaims(payload["sub"], frozenset(payload["scope"].split()), float(payload["exp"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidToken("invalid_token") from exc
        if claims.expires_at <= time.time():
            raise InvalidToken("token_expired")
        return claims

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
