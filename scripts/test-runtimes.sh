#!/usr/bin/env bash
# `npm run test:runtimes [-- MAJOR…]`: runs the unit tests and a start-up smoke test on other Node majors
# (default 22 and 24; Node 20 is what `npm test` runs on). For each major it takes the newest Node from the
# npm registry's `node-linux-<arch>` package (binary and headers; cached in
# ${XDG_CACHE_HOME:-~/.cache}/boxoffice/node-<version>), builds better-sqlite3 for that Node's ABI against
# those headers (cached as better-sqlite3-<version>-abi<N>-linux-<arch>.node), and runs, with that Node, in
# a copy of the working tree whose node_modules links to the project's except for its own better-sqlite3:
#   - test/unit/*.test.ts with node's test runner (TAP reporter), and
#   - scripts/runtime-smoke.mjs: the origin on unused loopback ports with a fresh data folder, /healthz,
#     a channel created through the admin API, /api/catalog, SIGTERM by PID and a clean exit.
# The project's own node_modules is never written to. Prints a summary line per Node; exits 1 if any failed
# (the copy is then kept, with its logs, and its path printed).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
majors=("$@")
((${#majors[@]} > 0)) || majors=(22 24)
for m in "${majors[@]}"; do
  [[ "$m" =~ ^[0-9]+$ ]] || { echo "test-runtimes: '$m' is not a Node major version (e.g. 22)" >&2; exit 2; }
done
started=$SECONDS

bash scripts/ensure-deps.sh || exit 1
# node-gyp needs Python, make and a C++ compiler
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != "0" ]]; then
    echo "test-runtimes: missing ${missing[*]} (to build better-sqlite3); install it with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "test-runtimes: installing ${missing[*]} from Debian…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit 1
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "test-runtimes: no node-linux-* package for $(uname -m)" >&2; exit 1 ;;
esac
cache=${XDG_CACHE_HOME:-$HOME/.cache}/boxoffice
mkdir -p "$cache" || exit 1
bs_version=$(node -p 'require("./node_modules/better-sqlite3/package.json").version') || exit 1
# node-gyp: the one npm bundles (the one `npm install` uses)
node_gyp=""
for c in "${npm_config_node_gyp:-}" "$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js" \
  "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"; do
  [[ -n "$c" && -f "$c" ]] && { node_gyp=$c; break; }
done
[[ -n "$node_gyp" ]] || { echo "test-runtimes: cannot find npm's node-gyp" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/boxoffice-runtimes.XXXXXX") || exit 1
keep=0
prep_pids=()
cleanup() {
  local p
  for p in "${prep_pids[@]}"; do kill -- "-$p" 2>/dev/null; done
  if ((keep)); then echo "test-runtimes: logs and the tested copy kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The newest release of a major on the registry; offline, the newest one in the cache.
latest_of() {
  local v
  v=$(npm view "node-linux-$arch@$1" version --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const list = [].concat(JSON.parse(s || "[]")).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
      const key = (v) => v.split(".").map(Number);
      list.sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
      if (list.length) console.log(list.at(-1));
    });' 2>/dev/null)
  [[ -n "$v" ]] || v=$(find "$cache" -maxdepth 1 -name "node-$1.*" -printf '%f\n' 2>/dev/null | sed 's/^node-//' | sort -V | tail -1)
  echo "$v"
}

# Fetches Node $1 into the cache (once) and builds better-sqlite3 for its ABI (once). Output goes to the log.
prepare() {
  local v=$1 dir="$cache/node-$1" tmp abi out build
  if [[ ! -x "$dir/bin/node" ]]; then
    echo "fetching node-linux-$arch@$v from the npm registry"
    tmp=$(mktemp -d "$cache/.fetch.XXXXXX") || return 1
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$v" >/dev/null) || { rm -rf "$tmp"; return 1; }
    mkdir "$tmp/node" && tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp/node" --strip-components=1 || { rm -rf "$tmp"; return 1; }
    if [[ ! -f "$tmp/node/include/node/common.gypi" ]]; then
      echo "node-linux-$arch@$v has no include/node headers"
      rm -rf "$tmp"
      return 1
    fi
    "$tmp/node/bin/node" --version || { rm -rf "$tmp"; return 1; }
    rm -rf "$dir" && mv "$tmp/node" "$dir" && rm -rf "$tmp" || return 1
    # older releases of the same major are not needed any more
    find "$cache" -maxdepth 1 -name "node-${v%%.*}.*" ! -name "node-$v" -exec rm -rf {} +
  fi
  abi=$("$dir/bin/node" -p process.versions.modules) || return 1
  out="$cache/better-sqlite3-$bs_version-abi$abi-linux-$arch.node"
  # a cached binary that this Node cannot load (damaged, or built wrongly) is built again
  [[ -f "$out" ]] && ! "$dir/bin/node" -e 'process.dlopen({ exports: {} }, process.argv[1])' "$out" 2>/dev/null && rm -f "$out"
  if [[ ! -f "$out" ]]; then
    echo "building better-sqlite3 $bs_version for Node $v (ABI $abi)"
    build=$(mktemp -d "$work/build-$v.XXXXXX") || return 1
    cp -r "$ROOT"/node_modules/better-sqlite3/{package.json,binding.gyp,src,deps} "$build/" || return 1
    # npm exports its `nodedir` setting (an npmrc may name another Node's headers) and node-gyp lets
    # npm_config_* override its command line: name this Node's own headers both ways
    (cd "$build" && PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" "$dir/bin/node" "$node_gyp" rebuild --release --nodedir="$dir" -j 2) || return 1
    "$dir/bin/node" -e 'process.dlopen({ exports: {} }, process.argv[1])' "$build/build/Release/better_sqlite3.node" || return 1
    cp "$build/build/Release/better_sqlite3.node" "$out.tmp" && mv "$out.tmp" "$out" || return 1
    rm -rf "$build"
  fi
  echo "ready: $dir/bin/node, $out"
}

# 1. which Node of each major, then fetch and build for all of them at once (the build is one compiler
#    process, so two run side by side on two cores)
versions=()
for m in "${majors[@]}"; do
  v=$(latest_of "$m")
  [[ -n "$v" ]] || { echo "test-runtimes: no Node $m found on the registry nor in $cache" >&2; exit 1; }
  versions+=("$v")
done
set -m # these jobs in process groups of their own, so that an interrupted run can stop a build whole
for v in "${versions[@]}"; do
  ( t=$SECONDS; prepare "$v"; rc=$?; echo "prepare took $((SECONDS - t)) s"; exit $rc ) >"$work/prepare-$v.log" 2>&1 &
  prep_pids+=($!)
done
set +m

# 2. the copy of the working tree (one snapshot for every Node, so they test the same files)
tree="$work/tree"
mkdir -p "$tree/node_modules" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | tar -c --null -T - --ignore-failed-read 2>/dev/null | tar -x -C "$tree" || exit 1
else
  tar -c --exclude=./node_modules --exclude=./data --exclude=./media --exclude=./test-results --exclude=./player/dist . | tar -x -C "$tree" || exit 1
fi
for e in "$ROOT"/node_modules/* "$ROOT"/node_modules/.bin "$ROOT"/node_modules/.package-lock.json; do
  [[ -e "$e" ]] || continue
  [[ "$(basename "$e")" == better-sqlite3 ]] && continue
  ln -s "$e" "$tree/node_modules/$(basename "$e")" || exit 1
done
mkdir -p "$tree/node_modules/better-sqlite3/build/Release" &&
  cp -r "$ROOT"/node_modules/better-sqlite3/{package.json,lib} "$tree/node_modules/better-sqlite3/" || exit 1

# 3. each Node in turn
summary=()
failed=0
mapfile -t unit < <(cd "$tree" && find test/unit -name '*.test.ts' | sort)
for i in "${!versions[@]}"; do
  v=${versions[$i]}
  wait "${prep_pids[$i]}"
  rc=$?
  if ((rc == 0)); then
    grep -E '^(fetching|building|ready|prepare took)' "$work/prepare-$v.log" | sed 's/^/  /'
  else
    tail -n 40 "$work/prepare-$v.log" | sed 's/^/  /'
    summary+=("node $v: FAILED to fetch Node or build better-sqlite3 (see $work/prepare-$v.log)")
    failed=1
    continue
  fi
  dir="$cache/node-$v"
  abi=$("$dir/bin/node" -p process.versions.modules)
  cp "$cache/better-sqlite3-$bs_version-abi$abi-linux-$arch.node" "$tree/node_modules/better-sqlite3/build/Release/better_sqlite3.node" || exit 1

  echo "test-runtimes: node $v: unit tests…"
  t=$SECONDS
  (cd "$tree" && PATH="$dir/bin:$PATH" node --import tsx --test --test-reporter=tap --test-concurrency=1 "${unit[@]}") >"$work/unit-$v.log" 2>&1
  unit_rc=$?
  unit_s=$((SECONDS - t))
  pass=$(awk '/^# pass /{s+=$3} END{print s+0}' "$work/unit-$v.log")
  fail=$(awk '/^# fail /{s+=$3} END{print s+0}' "$work/unit-$v.log")
  if ((unit_rc != 0 || pass == 0)); then
    grep -E '^ *not ok ' "$work/unit-$v.log" | head -20
    tail -n 15 "$work/unit-$v.log"
  fi
  grep -E '^\(node:[0-9]+\) [A-Za-z]*Warning' "$work/unit-$v.log" | sort -u | sed 's/^/  warning: /' | head -10

  echo "test-runtimes: node $v: start-up smoke test…"
  t=$SECONDS
  smoke=$(cd "$tree" && PATH="$dir/bin:$PATH" node scripts/runtime-smoke.mjs 2>&1)
  smoke_rc=$?
  smoke_s=$((SECONDS - t))
  echo "$smoke" | sed 's/^/  /'

  if ((unit_rc == 0 && pass > 0 && smoke_rc == 0)); then result=ok; else result=FAILED; failed=1; fi
  summary+=("node $v (ABI $abi): $result: unit tests ${pass} passed, ${fail} failed (${unit_s} s); $(echo "$smoke" | head -n 1) (${smoke_s} s)")
done

echo
for line in "${summary[@]}"; do echo "$line"; done
echo "test-runtimes: $((SECONDS - started)) s in all"
keep=$failed
exit "$failed"
