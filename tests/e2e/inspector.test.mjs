// The MCP Inspector's CLI (`@modelcontextprotocol/inspector` 2.x, Node >= 22.19) against the worker,
// over Streamable HTTP (`--transport http`, /mcp) and the legacy HTTP+SSE transport
// (`--transport sse`, /sse), each with a bearer token from the real authorization flow passed as
// `--header "Authorization: Bearer …"`: tools/list and tools/call get_profile.
//
// The CLI runs as `node <launcher> --cli …` (the package's own bin entry, not npx) with a time
// limit, and with HOME and every config/state location it knows pointed at a temporary directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, startStack } from './harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

const LAUNCHER = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
/** Time limit of one CLI run (it is killed after it). */
const CLI_TIMEOUT_MS = 60_000;
/** The CLI's documented exit code for "the server requires authorization". */
const EXIT_AUTH_REQUIRED = 3;

let stack;
let home;
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'm365-inspector-'));
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/**
 * Run `node <launcher> --cli <args…> --format json` with a time limit. Resolves to
 * { code, stdout, stderr, json, ms } (json: stdout parsed, or undefined); never rejects on a
 * non-zero exit, so tests can assert on it.
 */
function inspector(args) {
  const env = {
    ...process.env,
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    MCP_STORAGE_DIR: join(home, 'storage'),
    MCP_CATALOG_PATH: join(home, 'mcp.json'),
    MCP_CLIENT_CONFIG_PATH: join(home, 'client.json'),
    MCP_INSPECTOR_OAUTH_STATE_PATH: join(home, 'oauth-state.json'),
    NO_COLOR: '1',
  };
  const start = Date.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [LAUNCHER, '--cli', ...args, '--format', 'json'], {
      cwd: home, env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      if (error && error.killed) {
        reject(new Error(`inspector CLI killed after ${CLI_TIMEOUT_MS} ms: ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      if (error && typeof error.code !== 'number') { reject(error); return; }
      let json;
      try { json = JSON.parse(stdout); } catch { /* asserted by the caller */ }
      resolve({ code: error ? error.code : 0, stdout, stderr, json, ms: Date.now() - start });
    });
  });
}

function show(run) {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`;
}

/** tools/list and tools/call get_profile through the CLI at `url` over `transport` with `token`. */
async function listAndCall(t, { url, transport, token, extra = [] }) {
  const common = [url, '--transport', transport, '--header', `Authorization: Bearer ${token}`, ...extra];

  const list = await inspector([...common, '--method', 'tools/list']);
  t.diagnostic(`tools/list: ${list.ms} ms`);
  assert.equal(list.code, 0, show(list));
  assert.ok(list.json?.result, show(list));
  const profile = list.json.result.tools.find((tool) => tool.name === 'get_profile');
  assert.ok(profile, `get_profile is listed: ${show(list)}`);
  assert.equal(profile.title, 'Get my profile');
  assert.equal(profile.annotations.readOnlyHint, true);
  assert.equal(profile.inputSchema.type, 'object');

  const call = await inspector([...common, '--method', 'tools/call', '--tool-name', 'get_profile']);
  t.diagnostic(`tools/call get_profile: ${call.ms} ms`);
  assert.equal(call.code, 0, show(call));
  const result = call.json?.result;
  assert.ok(result, show(call));
  assert.notEqual(result.isError, true, show(call));
  assert.match(result.content.map((c) => c.text).join('\n'), /Adele Vance/);
  assert.equal(result.structuredContent.displayName, 'Adele Vance');
  assert.equal(result.structuredContent.email, 'adele@contoso.example');
  return { list, call };
}

describe('MCP Inspector CLI', () => {
  test('--transport http (Streamable HTTP at /mcp) with a bearer token: tools/list, tools/call', { timeout: 180_000 }, async (t) => {
    const provider = await sdkSignIn(stack.url, `${stack.url}/mcp`, { clientName: 'Inspector CLI (http)' });
    await listAndCall(t, { url: `${stack.url}/mcp`, transport: 'http', token: provider.store.tokens.access_token });
  });

  test('--transport sse (HTTP+SSE at /sse) with a bearer token: tools/list, tools/call', { timeout: 180_000 }, async (t) => {
    const provider = await sdkSignIn(stack.url, `${stack.url}/sse`, { clientName: 'Inspector CLI (sse)' });
    await listAndCall(t, { url: `${stack.url}/sse`, transport: 'sse', token: provider.store.tokens.access_token });
  });

  test('--transport http --protocol-era modern (stateless 2026-07-28): tools/list, tools/call', { timeout: 180_000 }, async (t) => {
    const provider = await sdkSignIn(stack.url, `${stack.url}/mcp`, { clientName: 'Inspector CLI (modern)' });
    const { call } = await listAndCall(t, {
      url: `${stack.url}/mcp`, transport: 'http', token: provider.store.tokens.access_token, extra: ['--protocol-era', 'modern'],
    });
    // A 2026-07-28 result carries the server's identity in `_meta` (there is no initialize).
    assert.equal(call.json.result._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'm365-mcp', show(call));
  });

  test('without a token, or with one we did not issue, the CLI reports auth_required', { timeout: 120_000 }, async () => {
    // --stored-auth-only: never start an interactive OAuth flow (it would wait for a browser).
    const none = await inspector([`${stack.url}/mcp`, '--transport', 'http', '--stored-auth-only', '--method', 'tools/list']);
    assert.equal(none.code, EXIT_AUTH_REQUIRED, show(none));
    assert.match(none.stderr, /auth_required/);

    const bogus = await inspector([`${stack.url}/mcp`, '--transport', 'http', '--stored-auth-only',
      '--header', 'Authorization: Bearer not-a-token-we-issued', '--method', 'tools/list']);
    assert.equal(bogus.code, EXIT_AUTH_REQUIRED, show(bogus));
    assert.match(bogus.stderr, /invalid_token/);
  });
});
