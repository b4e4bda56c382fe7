#!/usr/bin/env bash
# Run the whole product locally: the Microsoft 365 sandbox (Entra ID + Graph stand-in) and the
# worker in workerd (`wrangler dev`, local Durable Objects and KV persisted under .state/),
# wired to each other. Ctrl-C stops both.
#
# Environment: PORT (worker, default 8787), SANDBOX_PORT (default 8790), INSPECTOR_PORT (9229).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8787}"
SANDBOX_PORT="${SANDBOX_PORT:-8790}"
STATE_DIR="$ROOT/.state"
mkdir -p "$STATE_DIR"

# SANDBOX_PROFILE=dev reuses the debug build the tests make (the e2e test of this script does).
SANDBOX_PROFILE="${SANDBOX_PROFILE:-release}"
step "Building the Microsoft 365 sandbox ($SANDBOX_PROFILE)"
native_cargo build --profile "$SANDBOX_PROFILE" -p m365-sandbox
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [[ $SANDBOX_PROFILE == dev ]]; then SANDBOX_BIN="$TARGET_DIR/debug/m365-sandbox"; else SANDBOX_BIN="$TARGET_DIR/$SANDBOX_PROFILE/m365-sandbox"; fi

step "Installing tools (first run only) and building the worker"
load_tool_env
bash "$ROOT/worker-build.sh"

# Local secrets for wrangler dev. The client secret is the sandbox's published fake secret; the
# encryption key is random per checkout.
if [[ ! -f "$ROOT/.dev.vars" ]]; then
  key=$(head -c 32 /dev/urandom | base64)
  printf 'ENTRA_CLIENT_SECRET="sandbox-secret-not-for-production"\nTOKEN_ENCRYPTION_KEY="%s"\n' "$key" >"$ROOT/.dev.vars"
  echo "wrote .dev.vars (local secrets; gitignored)"
fi

# Each child runs in its own process group (setsid) so that stopping it also stops what it
# spawned (wrangler runs workerd as a child).
pids=()
stopped=0
cleanup() {
  ((stopped)) && return
  stopped=1
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  echo "stopped."
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

step "Starting the sandbox on 127.0.0.1:$SANDBOX_PORT"
setsid "$SANDBOX_BIN" --host 127.0.0.1 --port "$SANDBOX_PORT" >"$STATE_DIR/sandbox.log" 2>&1 &
pids+=($!)
wait_for_url "http://127.0.0.1:$SANDBOX_PORT/_admin" 30 "$STATE_DIR/sandbox.log"

step "Starting the worker (wrangler dev) on 127.0.0.1:$PORT"
setsid node "$ROOT/node_modules/wrangler/wrangler-dist/cli.js" dev \
  --ip 127.0.0.1 --port "$PORT" --inspector-port "${INSPECTOR_PORT:-9229}" --persist-to "$STATE_DIR/wrangler" \
  --var "ENTRA_AUTHORITY:http://127.0.0.1:$SANDBOX_PORT" \
  --var "GRAPH_BASE_URL:http://127.0.0.1:$SANDBOX_PORT/v1.0" \
  --show-interactive-dev-session=false >"$STATE_DIR/worker.log" 2>&1 &
pids+=($!)
wait_for_url "http://127.0.0.1:$PORT/health" 180 "$STATE_DIR/worker.log"

BASE="http://127.0.0.1:$PORT"
cat <<MSG

  m365-mcp is running.

  Health:      $BASE/health
  MCP URL:     $BASE/mcp          (legacy SSE: $BASE/sse)
  Sandbox:     http://127.0.0.1:$SANDBOX_PORT/_admin   (seeded users, test controls)
  Logs:        .state/worker.log, .state/sandbox.log

  MCP Inspector:
    (. .tools/env && npx @modelcontextprotocol/inspector)   then connect to $BASE/mcp (Streamable HTTP)
    (.tools/env puts the project's Node 22 first; Inspector 2.x needs Node >= 22.19)
  Claude Desktop (claude_desktop_config.json), through mcp-remote:
    { "mcpServers": { "m365": { "command": "npx", "args": ["mcp-remote", "$BASE/mcp", "--allow-http"] } } }
    (--allow-http because the local server is plain http; not needed for an https deployment)

  Sign-in goes to the sandbox's Microsoft sign-in page; pick a seeded user.
  Press Ctrl-C to stop.

MSG
curl -fsS "$BASE/health" && echo
wait -n "${pids[@]}" || true
echo "a process exited; see .state/*.log" >&2
exit 1
