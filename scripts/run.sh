#!/usr/bin/env bash
# Run the whole product locally: the Microsoft 365 sandbox (Entra ID + Graph stand-in) and the
# worker in workerd (`wrangler dev`, local Durable Objects and KV persisted under .state/),
# wired to each other. Ctrl-C stops both.
#
# Environment: PORT (worker, default 8787), SANDBOX_PORT (default 8790).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8787}"
SANDBOX_PORT="${SANDBOX_PORT:-8790}"
STATE_DIR="$ROOT/.state"
mkdir -p "$STATE_DIR"

step "Building the Microsoft 365 sandbox"
native_cargo build --release -p m365-sandbox
SANDBOX_BIN="$ROOT/target/release/m365-sandbox"

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

pids=()
cleanup() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap cleanup INT TERM EXIT

step "Starting the sandbox on 127.0.0.1:$SANDBOX_PORT"
"$SANDBOX_BIN" --host 127.0.0.1 --port "$SANDBOX_PORT" >"$STATE_DIR/sandbox.log" 2>&1 &
pids+=($!)
wait_for_url "http://127.0.0.1:$SANDBOX_PORT/_admin" 30 "$STATE_DIR/sandbox.log"

step "Starting the worker (wrangler dev) on 127.0.0.1:$PORT"
node "$ROOT/node_modules/wrangler/wrangler-dist/cli.js" dev \
  --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE_DIR/wrangler" \
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
    npx @modelcontextprotocol/inspector        then connect to $BASE/mcp (Streamable HTTP)
  Claude Desktop (claude_desktop_config.json), through mcp-remote:
    { "mcpServers": { "m365": { "command": "npx", "args": ["mcp-remote", "$BASE/mcp"] } } }

  Sign-in goes to the sandbox's Microsoft sign-in page; pick a seeded user.
  Press Ctrl-C to stop.

MSG
curl -fsS "$BASE/health" && echo
wait -n "${pids[@]}"
echo "a process exited; see .state/*.log" >&2
