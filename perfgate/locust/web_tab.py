"""The perfgate tab of Locust's web UI (Locust 2.x's React UI, no change to Locust): its table is
declared in the page's template arguments (`extended_tabs`, `extended_tables`), its rows ride on the
`/stats/requests` payload the UI polls every 2 s (`extended_stats`), and each judged test's
reports are served under /perfgate/tests/<n>/ (the latest also under /perfgate/latest/), below
Locust's --web-base-path as its own pages are."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, abort, request, send_from_directory

from perfgate.report.live_view import COLUMNS

TAB = "perfgate"
REPORTS = ("report.html", "result.json", "junit.xml", "summary.md")


def install(web_ui: Any, rows: Callable[[], list[dict[str, str]]], folder: Callable[[int | None], Path | None]) -> None:
    """`rows`: the tab's rows now; `folder(n)`: where test n's reports are (None: the latest test),
    or None when there is no such test."""
    web_ui.template_args.update(
        extended_tabs=[{"title": "perfgate", "key": TAB}],
        extended_tables=[{"key": TAB, "structure": [{"key": key, "title": title} for key, title in COLUMNS]}],
        extended_csv_files=[
            {"href": f"./perfgate/latest/{name}", "title": f"perfgate {name} (latest test)"} for name in REPORTS
        ],
    )
    app = web_ui.app
    base = base_path(web_ui.environment.parsed_options)

    @app.after_request
    def with_perfgate_rows(response: Response) -> Response:
        if not request.path.endswith("/stats/requests") or response.status_code != 200:
            return response
        payload = json.loads(response.get_data())
        payload["extended_stats"] = [{"key": TAB, "data": rows()}]
        response.set_data(json.dumps(payload))
        return response

    def serve(test: int | None, name: str) -> Response:
        where = folder(test)
        if name not in REPORTS or where is None or not (where / name).is_file():
            abort(404)
        return send_from_directory(where, name)

    app.add_url_rule(
        f"{base}/perfgate/tests/<int:test>/<name>", "perfgate_test_report", web_ui.auth_required_if_enabled(serve)
    )
    app.add_url_rule(
        f"{base}/perfgate/latest/<name>",
        "perfgate_latest_report",
        web_ui.auth_required_if_enabled(lambda name: serve(None, name)),
    )


def links(test: int, options: Any) -> dict[str, str]:
    return {name: f"{base_path(options)}/perfgate/tests/{test}/{name}" for name in REPORTS}


def base_path(options: Any) -> str:
    """Locust's --web-base-path ("/locust" behind a proxy's prefix), or "" for the root."""
    return (getattr(options, "web_base_path", None) or "").rstrip("/")
