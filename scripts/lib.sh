# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not executed).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# wrangler must not phone home; the sandbox is all it talks to.
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "error: $*" >&2; exit 1; }

# Node, npm and wrangler come from the toolchain env (Node 22 from npm on machines whose Node is
# older). Load it in a subshell-safe way: only PATH and the tool variables matter here.
load_tool_env() {
  bash "$ROOT/scripts/setup-toolchain.sh" --quiet || die "toolchain setup failed"
  # shellcheck source=/dev/null
  . "$ROOT/.tools/env"
}

# The native cargo for the sandbox and unit tests: rustup's if present (the wasm toolchain from
# .tools/env may be Debian's, which would rebuild everything a second time).
native_cargo() {
  local path="${M365_BASE_PATH:-$PATH}"
  if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    env -u RUSTC -u CARGO -u RUSTFLAGS PATH="$HOME/.cargo/bin:$path" "$HOME/.cargo/bin/cargo" "$@"
  else
    env -u RUSTC -u CARGO -u RUSTFLAGS PATH="$path" cargo "$@"
  fi
}

# Wait until URL answers 2xx, up to N seconds; fail with the log tail otherwise.
wait_for_url() {
  local url=$1 seconds=$2 log=${3:-}
  local deadline=$((SECONDS + seconds))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s waiting for $url" >&2
      [[ -n "$log" && -f "$log" ]] && { echo "--- last lines of $log ---" >&2; tail -n 40 "$log" >&2; }
      return 1
    fi
    sleep 0.5
  done
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
