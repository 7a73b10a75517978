#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the origin (RTMP ingest, live transcoder, HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/build-player.sh
exec node --import tsx server/main.ts
