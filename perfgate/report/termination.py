"""Kubernetes: the verdict in one line at the container's termination-message path, where
`kubectl describe pod` and the pod's status (`containerStatuses[].state.terminated.message`) show
it beside the exit code. The master Job of deploy/kubernetes sets PERFGATE_TERMINATION_MESSAGE_PATH
to the path its container declares (Kubernetes reads at most 4 KiB of it)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from perfgate.core.model import CONFIG_ERROR_EXIT_CODE, REFUSED, UNRESOLVED, Refusal, Result, Status, Verdict
from perfgate.report.text import checks_counted

PATH_VARIABLE = "PERFGATE_TERMINATION_MESSAGE_PATH"
LIMIT_BYTES = 4096
DECIDING = {
    Verdict.FAIL: (Status.FAIL,),
    Verdict.REGRESSION: (Status.REGRESSION,),
    Verdict.INCONCLUSIVE: UNRESOLVED,
}


def applies(environ: Mapping[str, str]) -> bool:
    return bool(environ.get(PATH_VARIABLE))


def message(result: Result) -> str:
    """ "FAIL: GET /api/v1/projects p95 742ms breaks the limit < 500ms; exit 3": the verdict, the
    first check that decided it and how many more did, the exit code; one line."""
    verdict = result.verdict.upper()
    deciding = [c for c in result.checks if c.status in DECIDING.get(result.verdict, ())]
    if deciding:
        first = deciding[0]
        more = f" (and {len(deciding) - 1} more)" if len(deciding) > 1 else ""
        return _one_line(f"{verdict}: {first.endpoint} {first.message}{more}", result.exit_code)
    return _one_line(f"{verdict}: {checks_counted(len(result.checks))} passed", result.exit_code)


def refusal_message(refusal: Refusal) -> str:
    """ "REFUSED: invalid profile: thresholds/ci.yaml:3 ... (and 1 more); exit 2"."""
    more = f" (and {len(refusal.problems) - 1} more)" if len(refusal.problems) > 1 else ""
    first = f": {refusal.problems[0]}{more}" if refusal.problems else ""
    return _one_line(f"{REFUSED.upper()}: {refusal.what}{first}", CONFIG_ERROR_EXIT_CODE)


def _one_line(said: str, exit_code: int) -> str:
    ending = f"; exit {exit_code}"
    room = LIMIT_BYTES - len(ending) - 1  # the newline
    said = " ".join(said.split())  # one line, whatever the names hold
    return said.encode()[:room].decode(errors="ignore") + ending


def publish(result: Result, report_dir: Path, environ: Mapping[str, str], out: TextIO) -> None:
    Path(environ[PATH_VARIABLE]).write_text(message(result) + "\n", encoding="utf-8")


def publish_refusal(refusal: Refusal, report_dir: Path, environ: Mapping[str, str], out: TextIO) -> None:
    Path(environ[PATH_VARIABLE]).write_text(refusal_message(refusal) + "\n", encoding="utf-8")
