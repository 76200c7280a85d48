"""A User that makes no request at all (it only computes): nothing for a threshold to judge."""

import hashlib

from locust import User, constant, task

import perfgate  # noqa: F401  (registers the gate)


class Thinker(User):
    wait_time = constant(0.1)

    @task
    def think(self):
        hashlib.sha256(b"x" * 1000).hexdigest()
