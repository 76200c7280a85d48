#!/usr/bin/env bash
# Posts perfgate's summary.md as one comment on the pull request, and updates that same comment on
# later runs (found by the marker in its first line) instead of adding another. Needs only the gh
# CLI of GitHub's runners and the job's token (GH_TOKEN, with pull-requests: write), PR_NUMBER and
# GITHUB_REPOSITORY. It never fails the job: a fork's read-only token or an API outage is reported
# as a warning and the gate's own result stands.
set -uo pipefail
summary=${1:-perfgate-results/summary.md}
marker='<!-- perfgate: pull-request summary -->'
warn() { echo "::warning title=perfgate comment::$*"; exit 0; }
[ -f "$summary" ] || warn "$summary not found: the gate wrote no summary, nothing was posted"
[ -n "${PR_NUMBER:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ] || warn "PR_NUMBER and GITHUB_REPOSITORY must be set"
body=$(mktemp)
trap 'rm -f "$body"' EXIT
{ printf '%s\n' "$marker"; cat "$summary"; } > "$body"
comments="repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments"
found=$(gh api --paginate "$comments" --jq ".[] | select(.body | startswith(\"$marker\")) | .id") \
    || warn "could not list the comments of pull request #$PR_NUMBER (is pull-requests: write granted?)"
id=${found%%$'\n'*}
if [ -n "$id" ]; then
    gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" > /dev/null \
        || warn "could not update comment $id on pull request #$PR_NUMBER"
    echo "perfgate: updated the summary comment on pull request #$PR_NUMBER"
else
    gh api --method POST "$comments" -F "body=@$body" > /dev/null \
        || warn "could not comment on pull request #$PR_NUMBER"
    echo "perfgate: commented the summary on pull request #$PR_NUMBER"
fi
