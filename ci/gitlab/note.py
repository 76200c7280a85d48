#!/usr/bin/env python3
"""Posts perfgate's summary.md as one note on the merge request, and updates that same note on later
pipelines (found by the marker in its first line) instead of adding another; a pipeline that wrote
no summary replaces it with a line that says so. Through GitLab's REST API with a project access
token (PERFGATE_GITLAB_TOKEN, scope api, role Reporter or more) and the job's own variables.
Standard library only. It never fails the job: run it in after_script, whose failures GitLab
ignores, and every problem is a warning line."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

MARKER = "<!-- perfgate: merge-request summary -->"


def call(method: str, url: str, token: str, body: dict | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"PRIVATE-TOKEN": token, "Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def main(summary: str) -> str:
    env = os.environ
    token, iid = env.get("PERFGATE_GITLAB_TOKEN"), env.get("CI_MERGE_REQUEST_IID")
    if not token or not iid:
        return "not posted: PERFGATE_GITLAB_TOKEN and CI_MERGE_REQUEST_IID (a merge-request pipeline) are needed"
    path = Path(summary)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:  # the job ended before the gate wrote one: an earlier pipeline's verdict must not stand
        print(f"perfgate: warning: {summary} not found: the note now says that this pipeline wrote no summary")
        text = (
            f"### ⚠️ perfgate · no summary: this pipeline wrote none (`{summary}` not found), so no verdict is "
            "shown; the job's log says why\n"
        )
    project = urllib.parse.quote(env["CI_PROJECT_ID"], safe="")
    notes = f"{env['CI_API_V4_URL']}/projects/{project}/merge_requests/{iid}/notes"
    body = {"body": f"{MARKER}\n{text}"}
    page, found = 1, None
    while found is None:
        listed = call("GET", f"{notes}?per_page=100&page={page}", token)
        if not isinstance(listed, list) or not listed:
            break
        found = next((note["id"] for note in listed if str(note.get("body", "")).startswith(MARKER)), None)
        page += 1
    if found is not None:
        call("PUT", f"{notes}/{found}", token, body)
        return f"updated the summary note on merge request !{iid}"
    call("POST", notes, token, body)
    return f"added the summary note to merge request !{iid}"


if __name__ == "__main__":
    try:
        print(f"perfgate: {main(sys.argv[1] if len(sys.argv) > 1 else 'perfgate-results/summary.md')}")
    except (urllib.error.URLError, OSError, ValueError, KeyError) as problem:
        print(f"perfgate: warning: the merge-request note was not posted: {problem}")
