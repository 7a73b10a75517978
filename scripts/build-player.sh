#!/usr/bin/env bash
# Bundles the web player (player/src, hls.js full build) into player/dist and the operator console (console/src)
# into console/dist with esbuild: content-hashed file names (app.<hash>.js, styles.<hash>.css; console.<hash>.js,
# console.<hash>.css; cacheable for a year) and in each folder a manifest.json naming them (`app.js` → `app.<hash>.js`).
set -euo pipefail
cd "$(dirname "$0")/.."

# bundle <folder> <entry>...: builds the entries (name=path) into <folder>/dist and writes its manifest
bundle() {
  local dir=$1
  shift
  rm -rf "$dir/dist"
  npx --no-install esbuild "$@" --bundle --format=esm --target=es2020,safari15 --minify --sourcemap \
    --outdir="$dir/dist" --entry-names='[name].[hash]' --metafile="$dir/dist/meta.json" --log-level=warning
  node -e '
const fs = require("node:fs");
const dist = process.argv[1] + "/dist/";
const outputs = JSON.parse(fs.readFileSync(dist + "meta.json", "utf8")).outputs;
const manifest = {};
for (const [file, out] of Object.entries(outputs)) {
  if (!out.entryPoint) continue;
  const built = file.slice(dist.length);
  manifest[built.replace(/\.[A-Z0-9]{8}\./, ".")] = built; // app.ABCD2345.js → app.js
}
fs.writeFileSync(dist + "manifest.json", JSON.stringify(manifest, null, 2) + "\n");
fs.rmSync(dist + "meta.json");
' "$dir"
}

bundle player app=player/src/main.ts styles=player/styles.css
bundle console console=console/src/main.ts console=console/styles.css
