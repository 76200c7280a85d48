#!/usr/bin/env bash
# Starts the embedded demo API in the background on the port of $PERF_HOST and waits until it
# answers. The CI templates call it; in your pipeline, start your own system under test instead.
set -euo pipefail
port="${PERF_HOST##*:}"
nohup perfgate demo-api --host 127.0.0.1 --port "$port" > demo-api.log 2>&1 &
if ! perfgate wait-for "$PERF_HOST/healthz" --timeout 30; then
    cat demo-api.log
    exit 1
fi
