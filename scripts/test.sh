#!/usr/bin/env bash
# `npm test`: installs what is missing (Chromium too), typechecks, builds the player, runs the unit and
# integration tests with node's runner, then the browser tests, and prints the combined count.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --browser || exit 1
npx --no-install tsc --noEmit || exit 1
bash scripts/build-player.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
mapfile -t files < <(find test/unit test/integration -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=tap --test-concurrency=1 "${files[@]}" | tee "$log"
status=${PIPESTATUS[0]}
mapfile -t e2e < <(find test/e2e -name '*.test.ts' | sort)
if ((${#e2e[@]} > 0)); then
  node --import tsx --test --test-reporter=tap --test-concurrency=1 "${e2e[@]}" | tee -a "$log"
  ((PIPESTATUS[0] == 0)) || status=1
fi
# both runs print their own summary (TAP, named: Node 23+ defaults to the spec reporter even when piped,
# whose summary reads "ℹ pass N"); this line is the total
pass=$(awk '/^# pass /{s+=$3} END{print s+0}' "$log")
fail=$(awk '/^# fail /{s+=$3} END{print s+0}' "$log")
echo "${pass} passed, ${fail} failed"
exit "$status"
