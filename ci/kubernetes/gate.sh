#!/usr/bin/env bash
# The gate on a Kubernetes cluster, for any CI system: apply the Job, wait until it completes or
# fails, read the master's exit code and one-line verdict from its pod, copy the reports out, clean
# up, and exit with the gate's code (0 pass, 2 configuration, 3 threshold, 4 regression,
# 5 inconclusive). kubectl must point at the cluster; the image must be pullable there.
#
#   ci/kubernetes/gate.sh [KUSTOMIZE_DIR] [REPORT_DIR]      (defaults deploy/kubernetes, reports)
#   PERFGATE_NAMESPACE (default: kubectl's), PERFGATE_TIMEOUT (seconds, default 900),
#   PERFGATE_POLL (seconds between two looks at the Job, default 5)
set -uo pipefail
dir=${1:-deploy/kubernetes}
reports=${2:-reports}
timeout=${PERFGATE_TIMEOUT:-900}
poll=${PERFGATE_POLL:-5}
kube=(kubectl ${PERFGATE_NAMESPACE:+--namespace "$PERFGATE_NAMESPACE"})
job=perfgate-master

"${kube[@]}" delete job "$job" perfgate-workers --ignore-not-found --wait=true >/dev/null
"${kube[@]}" apply -k "$dir" || exit 2

# A Job ends Complete or Failed; wait for either (kubectl wait takes one condition at a time).
deadline=$((SECONDS + timeout))
state=""
while [ -z "$state" ]; do
    conditions=$("${kube[@]}" get job "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')
    case " $conditions " in
        *" Complete "*) state=complete ;;
        *" Failed "*) state=failed ;;
    esac
    if [ -z "$state" ] && [ "$SECONDS" -ge "$deadline" ]; then
        echo "perfgate: the Job $job did not finish within ${timeout}s" >&2
        state=timeout
    fi
    [ -z "$state" ] && sleep "$poll"
done

pod=$("${kube[@]}" get pods -l "job-name=$job" -o jsonpath='{.items[0].metadata.name}')
terminated='{.status.containerStatuses[?(@.name=="master")].state.terminated'
code=$("${kube[@]}" get pod "$pod" -o jsonpath="${terminated}.exitCode}")
verdict=$("${kube[@]}" get pod "$pod" -o jsonpath="${terminated}.message}")
echo "perfgate: Job $job $state; master pod $pod exited ${code:-?}: ${verdict:-no verdict}"

# The reports are on the volume; a short-lived pod mounts it so that kubectl cp can read it. It runs
# the master's image (pullable there, whatever an overlay made of it).
image=$("${kube[@]}" get pod "$pod" -o jsonpath='{.spec.containers[?(@.name=="master")].image}')
mkdir -p "$reports"
kubectl set image --local -f "$dir/tools/reports-reader.yaml" "reader=$image" -o yaml |
    "${kube[@]}" apply -f - >/dev/null &&
    "${kube[@]}" wait --for=condition=Ready pod/perfgate-reports-reader --timeout=120s >/dev/null &&
    "${kube[@]}" cp perfgate-reports-reader:/reports "$reports" ||
    echo "perfgate: could not copy the reports out of the cluster" >&2
"${kube[@]}" delete pod perfgate-reports-reader --ignore-not-found --wait=false >/dev/null
"${kube[@]}" delete job "$job" perfgate-workers --ignore-not-found --wait=false >/dev/null

if [ "$state" = timeout ] || [ -z "$code" ]; then
    exit 5
fi
exit "$code"
