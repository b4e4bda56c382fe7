#!/usr/bin/env bash
# The test command: native unit and sandbox tests, the wasm build, a deploy dry run with the
# bundle size, then end-to-end tests against the worker in workerd (wrangler dev) and the
# sandbox, which the e2e harness starts and stops itself. Exits non-zero on any failure and ends
# with a summary of every stage.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

declare -a NAMES=() RESULTS=() TIMES=()
failed=0
run_stage() {
  local name=$1; shift
  step "$name"
  local start=$SECONDS
  if "$@"; then RESULTS+=("ok"); else RESULTS+=("FAILED"); failed=1; fi
  NAMES+=("$name"); TIMES+=("$((SECONDS - start))s")
}
summary() {
  printf '\n\033[1m==> Summary\033[0m\n'
  for i in "${!NAMES[@]}"; do printf '  %-8s %-55s %s\n' "${RESULTS[$i]}" "${NAMES[$i]}" "${TIMES[$i]}"; done
  [[ -n "${BUNDLE_SIZE:-}" ]] && printf '  bundle: %s\n' "$BUNDLE_SIZE"
  if ((failed)); then echo "  RESULT: FAILED"; else echo "  RESULT: all stages passed"; fi
}

stage_toolchain() { M365_WITH_BROWSER=1 load_tool_env; }
stage_unit() { native_cargo test --workspace --quiet 2>&1 | tail -n 200; return "${PIPESTATUS[0]}"; }
stage_sandbox_bin() { native_cargo build -p m365-sandbox --quiet; }
stage_wasm() { bash "$ROOT/worker-build.sh"; }
stage_dry_run() {
  local out
  out=$(node "$ROOT/node_modules/wrangler/wrangler-dist/cli.js" deploy --dry-run --env production --outdir "$ROOT/target/dry-run" 2>&1)
  local rc=$?
  echo "$out" | tail -n 25
  BUNDLE_SIZE=$(echo "$out" | grep -Eo 'Total Upload: .*' | head -n 1)
  ((rc == 0)) && [[ -n "$BUNDLE_SIZE" ]]
}
stage_e2e() {
  # A hung test must fail the run, not stall CI: per-test and overall time limits.
  M365_SANDBOX_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/m365-sandbox" timeout --kill-after=30 1800 \
    node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "$ROOT"/tests/e2e/*.test.mjs
}

run_stage "toolchain (scripts/setup-toolchain.sh)" stage_toolchain
if ((failed)); then summary; exit 1; fi
run_stage "unit + sandbox tests (cargo test --workspace)" stage_unit
run_stage "sandbox binary (cargo build -p m365-sandbox)" stage_sandbox_bin
run_stage "wasm build (worker-build.sh)" stage_wasm
if [[ ${RESULTS[-1]} == ok ]]; then
  run_stage "deploy dry run (wrangler deploy --dry-run --env production)" stage_dry_run
  run_stage "end-to-end: worker in workerd + sandbox (node --test tests/e2e)" stage_e2e
fi
summary
exit "$failed"
