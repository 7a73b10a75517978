#!/usr/bin/env bash
# Bundles the web player (player/src, hls.js full build) into player/dist with esbuild: content-hashed
# file names (app.<hash>.js, styles.<hash>.css, cacheable for a year) and manifest.json naming them.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf player/dist
npx --no-install esbuild app=player/src/main.ts styles=player/styles.css --bundle --format=esm --target=es2020,safari15 --minify --sourcemap \
  --outdir=player/dist --entry-names='[name].[hash]' --metafile=player/dist/meta.json --log-level=warning
node -e '
const fs = require("node:fs");
const outputs = JSON.parse(fs.readFileSync("player/dist/meta.json", "utf8")).outputs;
const manifest = {};
for (const [file, out] of Object.entries(outputs)) {
  if (!out.entryPoint) continue;
  const name = out.entryPoint.endsWith(".css") ? "styles.css" : "app.js";
  manifest[name] = file.slice("player/dist/".length);
}
fs.writeFileSync("player/dist/manifest.json", JSON.stringify(manifest, null, 2) + "\n");
fs.rmSync("player/dist/meta.json");
'
