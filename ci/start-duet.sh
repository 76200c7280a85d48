#!/usr/bin/env bash
# Starts a duet's two sides on this runner, side by side, and waits until both answer: this
# checkout's build on $PERF_HOST (the candidate) and $PERF_BASELINE_REF's build (default
# origin/main) on $PERF_BASELINE_HOST (the baseline), each in its own process and virtualenv.
# The templates call it with the demo API; for your system start the two images instead, e.g.
#   docker run -d -p 8080:8080 "app:$GITHUB_SHA"; docker run -d -p 8081:8080 app:main
set -euo pipefail
: "${PERF_BASELINE_HOST:?set PERF_BASELINE_HOST to the baseline side URL, e.g. http://127.0.0.1:8081}"
ref="${PERF_BASELINE_REF:-origin/main}"
ci/start-demo-api.sh
baseline="$(mktemp -d)/baseline"
git worktree add --detach "$baseline" "$ref" > /dev/null
python3 -m venv "$baseline/.venv"
"$baseline/.venv/bin/pip" install --quiet "$baseline"
cd "$baseline"
PATH="$baseline/.venv/bin:$PATH" PERF_HOST="$PERF_BASELINE_HOST" ci/start-demo-api.sh
