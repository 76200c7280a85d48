"""Authentication helpers for locustfiles (`from perfgate.auth import password_auth`): the public
name of perfgate.locust.auth, where they live beside the rest of perfgate's Locust side."""

from perfgate.locust.auth import (
    DEFAULT_CREDENTIALS,
    Authenticator,
    Grant,
    LoginFailed,
    client_credentials_auth,
    credential,
    password_auth,
    post_for_grant,
    session_auth,
)

__all__ = [
    "DEFAULT_CREDENTIALS",
    "Authenticator",
    "Grant",
    "LoginFailed",
    "client_credentials_auth",
    "credential",
    "password_auth",
    "post_for_grant",
    "session_auth",
]
