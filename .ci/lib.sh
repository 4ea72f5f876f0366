# Shared by .ci/up, .ci/test, .ci/bench: install what is missing (and only that), build.
# Source it; it sets strict mode, the PATH and the helpers below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
STATE="$ROOT/.ci/state"
mkdir -p "$STATE"

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130

step() { printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "error: $* missing and apt-get is not available; install it by hand" >&2
    exit 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Temporary directories this project's runs make under /tmp. A run removes its own on exit; a run
# that was killed cannot, and on a machine that is reused their databases (hundreds of MB each, a
# PostgreSQL up to GBs) pile up until a later run fails with "no space left on device".
# Removes those no process uses any more: a PostgreSQL directory whose postmaster is not running,
# any other once no process has a file open in it.
reclaim_stale_temp() {
  local d pid freed=0
  for d in /tmp/kedao-pg.* /tmp/kedao-e2e-* /tmp/kedao-bench.*; do
    [ -d "$d" ] || continue
    if [ -f "$d/postmaster.pid" ]; then
      pid="$(head -n1 "$d/postmaster.pid" 2>/dev/null || true)"
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    elif { ls -l /proc/[0-9]*/fd/ 2>/dev/null || true; } | grep -F -- "-> $d/" >/dev/null; then
      continue
    fi
    rm -rf "$d" && freed=$((freed + 1))
  done
  [ "$freed" = 0 ] || echo "removed $freed temporary director(y/ies) left by earlier, interrupted runs"
}

# A clean clone's build and tests peaked at 4.4 GB (target/ 3.8 GB), plus databases in /tmp; the
# benchmarks' seeded databases add 3 GB. Says so plainly before hours are spent, instead of
# failing later on a write in the middle of a test.
check_disk_space() {
  local need_gb="${1:-8}" free_kb
  reclaim_stale_temp
  free_kb="$(df -Pk "$ROOT" | awk 'NR==2 {print $4}')"
  if [ "$free_kb" -lt $((need_gb * 1024 * 1024)) ]; then
    echo "warning: only $((free_kb / 1024 / 1024)) GB free on $(df -P "$ROOT" | awk 'NR==2 {print $6}'); this needs about $need_gb GB" >&2
  fi
  free_kb="$(df -Pk /tmp | awk 'NR==2 {print $4}')"
  if [ "$free_kb" -lt $((4 * 1024 * 1024)) ]; then
    echo "warning: only $((free_kb / 1024 / 1024)) GB free in /tmp (databases and PostgreSQL live there; about 4 GB are needed)" >&2
  fi
}

ensure_build_tools() {
  step "checking build tools"
  if ! command -v cargo >/dev/null; then
    echo "error: cargo (Rust) is required: https://rustup.rs" >&2
    exit 1
  fi
  # (grep without -q reads all input: with pipefail, an early exit would fail the producer.)
  if ! rustup target list --installed 2>/dev/null | grep -x wasm32-unknown-unknown >/dev/null; then
    step "installing the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
    cargo install --locked --features no_downloads "cargo-leptos@$CARGO_LEPTOS_VERSION"
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (must match the crate exactly)"
    # Not --locked: its lockfile wants a webpki-roots the registry no longer serves.
    cargo install --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  fi
  if ! command -v npm >/dev/null; then
    step "installing Node.js and npm"
    apt_install nodejs npm
  fi
  # npm packages: binaryen's wasm-opt (Debian's is too old and breaks hydration) and Playwright.
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "installing npm packages (end2end/package-lock.json)"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_test_tools() {
  # The test command checks formatting and lints.
  for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep "^$component" >/dev/null; then
      step "installing the Rust component $component"
      rustup component add "$component"
    fi
  done
  if [ ! -x /usr/bin/chromium ]; then
    step "installing Debian Chromium for Playwright"
    apt_install chromium chromium-driver
  fi
  # Chinese glyphs for screenshots and layout checks (phones have them; a bare server does not).
  if ! fc-list 2>/dev/null | grep "Noto Sans CJK" >/dev/null; then
    step "installing CJK fonts"
    apt_install fonts-noto-cjk fontconfig
  fi
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    step "installing PostgreSQL"
    apt_install postgresql
  fi
}

# --split: routes marked lazy (e.g. the admin screen) become separate wasm chunks loaded on demand,
# so the first download stays small.
build_release() {
  step "building Kedao (release: server + wasm split into lazy chunks + CSS)"
  mkdir -p "$STATE"
  # (--log wasm: the splitter's warnings are shown, and checked below.)
  cargo leptos --log wasm build --release --precompress --split 2>&1 | tee "$STATE/build.log"
  # The splitter keeps every chunk's constant data in the first download when it cannot lay it
  # out again, with only a warning (frontend/src/lib.rs says why and how it is avoided).
  if grep "Overlong segment" "$STATE/build.log" >/dev/null; then
    echo "error: the wasm splitter left the lazy chunks' data in the first download (\"Overlong segment\" above):" \
      "give it more room (WASM_SPLIT_DATA_SLACK in frontend/src/lib.rs)" >&2
    return 1
  fi
}

# The first download's budget in bytes as sent (brotli): what a phone fetches before the first
# screen (every screen's own code is a lazy chunk). `.ci/test` fails above it.
FIRST_DOWNLOAD_BUDGET=400000

# Measures the first download of the release build: the main wasm, its JS, the CSS and the split
# loader, raw and precompressed (exactly what the server sends). Sets FIRST_RAW, FIRST_BR, FIRST_GZ.
first_download() {
  local pkg="$ROOT/target/site/pkg" f enc files
  files=("$pkg/kedao.wasm" "$pkg/kedao.js" "$pkg/kedao.css")
  for f in "$pkg"/__wasm_split*.js; do
    if [ -f "$f" ]; then files+=("$f"); fi
  done
  FIRST_RAW=0 FIRST_BR=0 FIRST_GZ=0
  for f in "${files[@]}"; do
    for enc in "" .br .gz; do
      [ -f "$f$enc" ] || { echo "error: $f$enc missing after the build (cargo leptos build --precompress)" >&2; return 1; }
    done
    FIRST_RAW=$((FIRST_RAW + $(stat -c %s "$f")))
    FIRST_BR=$((FIRST_BR + $(stat -c %s "$f.br")))
    FIRST_GZ=$((FIRST_GZ + $(stat -c %s "$f.gz")))
  done
}

# Starts a throw-away PostgreSQL on a loopback port; sets PG_URL. Stopped by stop_postgres.
start_postgres() {
  local bindir port datadir runas
  bindir="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")"
  port="${KEDAO_TEST_PG_PORT:-55432}"
  datadir="$(mktemp -d /tmp/kedao-pg.XXXXXX)"
  PG_DATADIR="$datadir"
  PG_BINDIR="$bindir"
  # PostgreSQL refuses to run as root.
  runas=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$datadir"
    runas=(runuser -u postgres --)
  fi
  PG_RUNAS=("${runas[@]}")
  step "starting PostgreSQL on 127.0.0.1:$port"
  "${runas[@]}" "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${runas[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_postgres() {
  if [ -n "${PG_DATADIR:-}" ]; then
    "${PG_RUNAS[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DATADIR" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATADIR"
    PG_DATADIR=""
  fi
}
