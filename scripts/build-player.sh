#!/usr/bin/env bash
# Bundles the web player (player/src, hls.js full build) into player/dist with esbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install esbuild player/src/main.ts --bundle --format=esm --target=es2020,safari15 --minify --sourcemap \
  --outfile=player/dist/app.js --log-level=warning
