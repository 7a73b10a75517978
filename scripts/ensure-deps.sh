#!/usr/bin/env bash
# Installs what the project needs and is missing: npm dependencies, ffmpeg (and with --browser,
# Chromium, and OBS Studio with Xvfb for the OBS tests) from Debian. As root it installs; otherwise
# it says in one line what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 20.19+, 22.12+ or 24 (package.json "engines"; README "Node versions"). Older ones cannot require()
# the ES-module-only packages among the dependencies (cookie 2, which fastify's inject loads). Without node
# on PATH the checks below say what is missing first.
if command -v node >/dev/null 2>&1; then
case "$(node -p '
  const [major, minor] = process.versions.node.split(".").map(Number);
  (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major === 24 ? "ok"
    : major <= 22 ? "old" : "untested"')" in
  ok) ;;
  old) echo "boxoffice: Node $(node --version) is not supported: use Node 20.19+, 22.12+ or 24" >&2; exit 1 ;;
  *) echo "boxoffice: Node $(node --version) is untested (supported: 20.19+, 22.12+, 24); carrying on" >&2 ;;
esac
fi

packages=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || packages+=(ffmpeg)
if [[ "${1:-}" == "--browser" ]]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  # the OBS tests: real OBS Studio under a virtual X server with software GL
  # (xauth, which xvfb-run needs, is only a recommendation of xvfb)
  command -v obs >/dev/null 2>&1 || packages+=(obs-studio libgl1-mesa-dri)
  if ! command -v xvfb-run >/dev/null 2>&1; then packages+=(xvfb xauth)
  elif ! command -v xauth >/dev/null 2>&1; then packages+=(xauth); fi
  # the TLS tests make their certificate with openssl; the edge tests put nginx in front as the CDN
  command -v openssl >/dev/null 2>&1 || packages+=(openssl)
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || packages+=(nginx)
fi

if ((${#packages[@]} > 0)); then
  if [[ "$(id -u)" != "0" ]]; then
    echo "boxoffice: missing ${packages[*]}; install it with: sudo apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "boxoffice: installing ${packages[*]} from Debian…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# better-sqlite3 is compiled when no prebuilt binary can be downloaded; build it against the running Node's
# own headers when that Node ships them (nodejs.org builds, nvm and Debian all do), never against another
# Node's headers that an npmrc `nodedir` may name (that binary would not load), and without a download.
node_prefix=$(node -p 'require("node:path").resolve(process.execPath, "../..")')
if [[ -f "$node_prefix/include/node/node_version.h" ]] &&
  [[ "$(awk '/^#define NODE_(MAJOR|MINOR|PATCH)_VERSION /{printf "%s%s", sep, $3; sep="."}' "$node_prefix/include/node/node_version.h")" == "$(node -p process.versions.node)" ]]; then
  export npm_config_nodedir="$node_prefix"
fi

# npm dependencies: (re)install when node_modules is missing or older than the lockfile.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "boxoffice: installing npm dependencies…"
  npm ci --no-audit --no-fund --loglevel=error
fi

# better-sqlite3's binary is built for one Node ABI: after switching Node (say 20 to 24) rebuild it.
if [[ -d node_modules/better-sqlite3 ]] && ! node -e 'require("better-sqlite3")(":memory:").close()' >/dev/null 2>&1; then
  echo "boxoffice: building better-sqlite3 for Node $(node --version)…"
  npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=error >/dev/null || true
  if ! err=$(node -e 'require("better-sqlite3")(":memory:").close()' 2>&1); then
    echo "boxoffice: better-sqlite3 does not load on Node $(node --version): $(grep -m1 -E 'Error|error' <<<"$err")" >&2
    exit 1
  fi
fi
