#!/usr/bin/env bash
# Posts perfgate's summary.md as one comment on the pull request, and updates that same comment on
# later runs (found by the marker in its first line) instead of adding another; a run that wrote no
# summary replaces it with a line that says so. Needs only the gh CLI of GitHub's runners and the
# job's token (GH_TOKEN, with pull-requests: write), PR_NUMBER and GITHUB_REPOSITORY. It never
# fails the job: a fork's read-only token or an API outage is reported as a warning and the gate's
# own result stands.
set -uo pipefail
summary=${1:-perfgate-results/summary.md}
marker='<!-- perfgate: pull-request summary -->'
warn() { echo "::warning title=perfgate comment::$*"; exit 0; }
[ -n "${PR_NUMBER:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ] || warn "PR_NUMBER and GITHUB_REPOSITORY must be set"
body=$(mktemp)
trap 'rm -f "$body"' EXIT
if [ -f "$summary" ]; then
    { printf '%s\n' "$marker"; cat "$summary"; } > "$body"
else
    # the job ended before the gate wrote a summary (a locustfile that did not load, a cancelled
    # step): an earlier run's verdict must not stand on the pull request as if it were this one's
    echo "::warning title=perfgate comment::$summary not found: the comment now says that this run wrote no summary"
    missing="### ⚠️ perfgate · no summary: this run wrote none (\`$summary\` not found), so no verdict is shown; the job's log says why"
    printf '%s\n%s\n' "$marker" "$missing" > "$body"
fi
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
