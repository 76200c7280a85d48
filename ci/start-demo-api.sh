#!/usr/bin/env bash
# Starts the embedded demo API in the background on the port of $PERF_HOST and waits until it
# answers. The CI templates call it; in your pipeline, start your own system under test instead.
set -euo pipefail
port="${PERF_HOST##*:}"
nohup perfgate demo-api --host 127.0.0.1 --port "$port" > demo-api.log 2>&1 &
for _ in $(seq 1 150); do
    if python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/healthz', timeout=1)" "$PERF_HOST" 2>/dev/null; then
        exit 0
    fi
    sleep 0.2
done
cat demo-api.log
echo "the demo API did not answer on $PERF_HOST within 30 s" >&2
exit 1
