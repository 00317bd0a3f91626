#!/usr/bin/env bash
# Refreshes the README's screenshots of the console (docs/console/*.png): runs the console's
# browser tests, which photograph every page at 1280×800 into test-results/console/ (git-ignored),
# then copies the one picture per page that the README links.
#
#   scripts/console-screenshots.sh              build, run the browser tests, copy
#   scripts/console-screenshots.sh --copy-only  copy what the last run of the tests left
#
# Needs Debian's chromium (apt-get install chromium) like the tests themselves; a test that
# skips for want of it leaves no picture, and the copy then says which one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SOURCE=test-results/console
TARGET=docs/console

# README picture ← the test screenshot it is taken from (the test that writes it in brackets).
PICTURES=(
  "sign-in:sign-in"                # quickstart
  "jobs:page-jobs"                 # pages, every page passes axe-core
  "job:job-succeeded"              # quickstart
  "task:failed-instance"           # pages, a failed instance shows its failure reason
  "logs:setup-log"                 # setup-log
  "templates:template-form"        # quickstart
  "builder:builder"                # quickstart
  "environments:page-environments" # pages
  "nodes:nodes-history"            # nodes-history
  "storage:page-storage"           # pages
  "admin:page-admin"               # pages
)

if [[ "${1:-}" != "--copy-only" ]]; then
  make build
  npx tap dist/test/console/quickstart.test.js dist/test/console/pages.test.js \
    dist/test/console/nodes-history.test.js dist/test/console/setup-log.test.js
fi

mkdir -p "$TARGET"
missing=0
for picture in "${PICTURES[@]}"; do
  name=${picture%%:*}
  from=$SOURCE/${picture#*:}.png
  if [[ -f "$from" ]]; then
    cp "$from" "$TARGET/$name.png"
  else
    echo "missing: $from (for $TARGET/$name.png): did its test run, or skip?" >&2
    missing=1
  fi
done
ls -l "$TARGET"
exit "$missing"
