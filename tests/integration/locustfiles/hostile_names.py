"""Request names that try to break every reader of the reports: markup, table separators, code
fences, line breaks that start a GitHub workflow command, direction marks, NUL, a lone surrogate,
a 10,000-character name; with name= and as URLs requested without it."""

from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)

NAMES = [
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><script>alert(2)</script>",
    "a|b|c",
    "``` `tick` ```",
    "x\r\n::error::injected",
    "%0A::error::encoded",
    "\u202egnp.exe",
    "nul\x00byte",
    "lone\ud800surrogate",
    "[link](http://evil.example) **bold** _it_",
    "/long/" + "L" * 10_000,
]
URLS = ["/healthz?q=<b>x</b>|`y`", "/healthz?x=\r\n::error::url"]


class Hostile(HttpUser):
    wait_time = constant(0.2)

    @task
    def named(self) -> None:
        for name in NAMES:
            self.client.get("/healthz", name=name)

    @task
    def unnamed(self) -> None:
        for url in URLS:
            self.client.get(url)
