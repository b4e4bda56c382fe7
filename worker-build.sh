#!/usr/bin/env bash
# Builds the worker into build/ (build/index.js + build/index_bg.wasm): wrangler's [build] command.
#
# Installs missing tools first (scripts/setup-toolchain.sh; a fast no-op once in place), then runs
# worker-build with local wasm-bindgen and esbuild, so nothing is downloaded at build time.
# wasm-opt is used only if one is on PATH (or WASM_OPT_BIN is set); otherwise --no-opt.
#
# Usage: bash worker-build.sh [extra worker-build / cargo args]
# Environment:
#   BUILD_REVISION    exported for build.rs; default: git rev (12 hex, + "-dirty" if tracked
#                     files have uncommitted changes), or "unknown" outside git / before a commit
#   M365_NO_WASM_OPT  1 = never run wasm-opt
#   NO_MINIFY         set = do not minify build/index.js (worker-build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

die() { echo "worker-build.sh: error: $*" >&2; exit 1; }

bash "$ROOT/scripts/setup-toolchain.sh" --quiet || die "toolchain setup failed (see above)"
[[ -f "$ROOT/.tools/env" ]] || die ".tools/env missing after scripts/setup-toolchain.sh"
# shellcheck source=/dev/null
. "$ROOT/.tools/env"

[[ -x "${M365_WORKER_BUILD:-}" ]] || die "worker-build not found (M365_WORKER_BUILD='${M365_WORKER_BUILD:-}')"
[[ -x "${WASM_BINDGEN_BIN:-}" ]] || die "wasm-bindgen not found (WASM_BINDGEN_BIN='${WASM_BINDGEN_BIN:-}')"
export WASM_BINDGEN_BIN
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
[[ -x "$ESBUILD_BIN" ]] || die "esbuild missing at node_modules/.bin/esbuild (run: npm ci)"
command -v cargo >/dev/null || die "cargo not on PATH"
command -v rustc >/dev/null || die "rustc not on PATH"

opt_args=()
if [[ "${M365_NO_WASM_OPT:-0}" != 1 ]] && { [[ -n "${WASM_OPT_BIN:-}" ]] || command -v wasm-opt >/dev/null; }; then
  export WASM_OPT_BIN="${WASM_OPT_BIN:-$(command -v wasm-opt)}"
else
  unset WASM_OPT_BIN
  opt_args+=(--no-opt)
fi

if [[ -z "${BUILD_REVISION:-}" ]]; then
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    BUILD_REVISION="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
      BUILD_REVISION="$BUILD_REVISION-dirty"
    fi
  else
    BUILD_REVISION=unknown
  fi
fi
export BUILD_REVISION

echo "worker-build.sh: $(rustc --version) via $(command -v cargo), revision $BUILD_REVISION${WASM_OPT_BIN:+, wasm-opt $WASM_OPT_BIN}" >&2
"$M365_WORKER_BUILD" --release ${opt_args[@]+"${opt_args[@]}"} "$@" || die "worker-build failed"

[[ -f build/index.js ]] || die "build/index.js was not produced"
shopt -s nullglob
wasms=(build/*.wasm)
((${#wasms[@]} > 0)) || die "no build/*.wasm was produced"
for w in "${wasms[@]}"; do
  raw=$(wc -c <"$w"); gz=$(gzip -9c "$w" | wc -c)
  printf 'worker-build.sh: %s %d bytes (%d KiB), gzip %d bytes (%d KiB)\n' \
    "$w" "$raw" $(((raw + 1023) / 1024)) "$gz" $(((gz + 1023) / 1024))
done
