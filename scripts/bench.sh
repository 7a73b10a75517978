#!/usr/bin/env bash
# `npm run bench`: installs the peers when missing (nginx, nginx-rtmp, wrk, Chromium from Debian), builds the
# player, runs test/bench/run.ts (pass --quick for shorter loads).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --browser
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
[[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]] || missing+=(libnginx-mod-rtmp)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != "0" ]]; then echo "boxoffice: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash scripts/build-player.sh
exec node --import tsx test/bench/run.ts "$@"
