#!/usr/bin/env bash
# Installs what the project needs and is missing: npm dependencies, ffmpeg (and with --browser,
# Chromium, and OBS Studio with Xvfb for the OBS tests) from Debian. As root it installs; otherwise
# it says in one line what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

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

# npm dependencies: (re)install when node_modules is missing or older than the lockfile.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "boxoffice: installing npm dependencies…"
  npm ci --no-audit --no-fund --loglevel=error
fi
