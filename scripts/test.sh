#!/usr/bin/env bash
# `npm test`: installs what is missing, typechecks, then runs unit and integration tests with node's runner.
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G "test/e2e/*.spec.ts" >/dev/null; then bash scripts/ensure-deps.sh --browser; else bash scripts/ensure-deps.sh; fi
npx --no-install tsc --noEmit
mapfile -t files < <(find test/unit test/integration -name '*.test.ts' | sort)
node --import tsx --test --test-concurrency=1 "${files[@]}"
