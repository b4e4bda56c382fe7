// mcp-remote (the stdio ↔ remote proxy that desktop clients use for remote servers) against the
// worker: it discovers the authorization server, registers itself dynamically with a
// `http://localhost:<port>/oauth/callback` redirect URI, opens the authorization URL through
// `$BROWSER` (via xdg-open), receives the code on its own loopback callback server and then
// proxies MCP. The "browser" is scripted_browser.mjs: it approves our consent page, signs in at
// the sandbox and follows the redirect to mcp-remote's callback. The test then speaks JSON-RPC
// over mcp-remote's stdio (initialize, notifications/initialized, tools/list, tools/call).
//
// mcp-remote keeps its state under $HOME/.mcp-auth (MCP_REMOTE_CONFIG_DIR): each run here gets
// a temporary HOME, and no desktop-environment variables, so xdg-open goes straight to $BROWSER.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, startStack } from './harness.mjs';

const PROXY = join(ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');
const SCRIPTED_BROWSER = join(ROOT, 'tests', 'e2e', 'scripted_browser.mjs');
/** Time for mcp-remote to start, sign in through the scripted browser and connect. */
const CONNECT_TIMEOUT_MS = 90_000;
/** Time for one JSON-RPC answer once connected. */
const RPC_TIMEOUT_MS = 30_000;
/** Variables that make xdg-open hand the URL to a desktop environment instead of $BROWSER. */
const DESKTOP_VARS = ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'XDG_SESSION_DESKTOP', 'DESKTOP_SESSION',
  'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'MATE_DESKTOP_SESSION_ID', 'LXQT_SESSION_CONFIG', 'DESKTOP',
  'DBUS_SESSION_BUS_ADDRESS', 'WSL_DISTRO_NAME', 'WSL_INTEROP'];

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A temporary HOME with an executable `browser` (the scripted browser) and its report file. */
function makeHome() {
  const home = mkdtempSync(join(tmpdir(), 'm365-mcp-remote-'));
  const browser = join(home, 'browser');
  const report = join(home, 'browser-report.jsonl');
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(browser, `#!/bin/sh\nexec ${q(process.execPath)} ${q(SCRIPTED_BROWSER)} "$@" 2>>${q(join(home, 'browser-stderr.log'))}\n`);
  chmodSync(browser, 0o755);
  return {
    dir: home,
    browser,
    configDir: join(home, '.mcp-auth'),
    /** The scripted browser's runs so far (one object per opened URL). */
    browserRuns() {
      if (!existsSync(report)) return [];
      return readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    reportFile: report,
    remove() { rmSync(home, { recursive: true, force: true }); },
  };
}

/**
 * Start mcp-remote for `serverUrl` with callback port `port` and `args`, with HOME = `home`.
 * Returns a handle that sends JSON-RPC lines on its stdin and matches answers by id.
 */
function startMcpRemote(serverUrl, { home, port, args = [] }) {
  const env = { ...process.env };
  for (const v of DESKTOP_VARS) delete env[v];
  Object.assign(env, {
    HOME: home.dir,
    XDG_CONFIG_HOME: join(home.dir, '.config'),
    XDG_DATA_HOME: join(home.dir, '.local', 'share'),
    MCP_REMOTE_CONFIG_DIR: home.configDir,
    BROWSER: home.browser,
    SCRIPTED_BROWSER_REPORT: home.reportFile,
  });
  const child = spawn(process.execPath, [PROXY, serverUrl, String(port), '--allow-http', '--host', 'localhost', ...args], {
    cwd: home.dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true,
  });
  const proc = { child, stderr: '', stdout: '', messages: [], exited: null, waiters: new Set() };
  const wake = () => { for (const w of proc.waiters) w(); };
  let buffer = '';
  child.stdout.on('data', (d) => {
    proc.stdout += d.toString();
    buffer += d.toString();
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (!line) continue;
      try { proc.messages.push(JSON.parse(line)); } catch { proc.messages.push({ unparsed: line }); }
    }
    wake();
  });
  child.stderr.on('data', (d) => { proc.stderr += d.toString(); wake(); });
  child.on('exit', (code, signal) => { proc.exited = { code, signal }; wake(); });

  const diagnostics = () => `mcp-remote stderr (last 4000 chars):\n${proc.stderr.slice(-4000)}\n`
    + `browser runs: ${JSON.stringify(home.browserRuns(), null, 1)}\n`
    + `browser stderr: ${existsSync(join(home.dir, 'browser-stderr.log')) ? readFileSync(join(home.dir, 'browser-stderr.log'), 'utf8').slice(-2000) : ''}`;

  /** Wait until `pred()` returns a truthy value (re-checked on every output), or fail after `ms`. */
  async function until(pred, ms, what) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (proc.exited) throw new Error(`mcp-remote exited (${JSON.stringify(proc.exited)}) while waiting for ${what}\n${diagnostics()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${diagnostics()}`);
      await new Promise((resolve) => {
        const w = () => { proc.waiters.delete(w); clearTimeout(t); resolve(); };
        const t = setTimeout(w, Math.min(left, 500));
        proc.waiters.add(w);
      });
    }
  }

  let nextId = 1;
  return {
    proc,
    diagnostics,
    /** Resolves once mcp-remote says the proxy is up (after any sign-in). */
    connected: () => until(() => /Proxy established successfully/.test(proc.stderr), CONNECT_TIMEOUT_MS, 'the proxy to connect'),
    send(message) { child.stdin.write(`${JSON.stringify(message)}\n`); },
    async request(method, params, ms = RPC_TIMEOUT_MS) {
      const id = nextId++;
      this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
      return until(() => proc.messages.find((m) => m.id === id), ms, `the answer to ${method} (id ${id})`);
    },
    /** Close stdin (mcp-remote then shuts down), then SIGTERM and SIGKILL its process group if needed. */
    async stop() {
      if (proc.exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      const term = setTimeout(() => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } }, 5000);
      const kill = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10000);
      await done;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}

/** initialize → notifications/initialized → tools/list → tools/call get_profile, with assertions. */
async function exercise(remote, { protocolVersion = '2025-06-18' } = {}) {
  const init = await remote.request('initialize', {
    protocolVersion, capabilities: {}, clientInfo: { name: 'e2e-mcp-remote', version: '1.0.0' },
  });
  assert.ok(init.result, `initialize: ${JSON.stringify(init)}`);
  assert.equal(init.result.serverInfo.name, 'm365-mcp');
  assert.equal(init.result.protocolVersion, protocolVersion);
  assert.ok(init.result.capabilities.tools, 'the server offers tools');
  remote.send({ jsonrpc: '2.0', method: 'notifications/initialized' });

  const list = await remote.request('tools/list', {});
  assert.ok(list.result, `tools/list: ${JSON.stringify(list)}`);
  const profile = list.result.tools.find((t) => t.name === 'get_profile');
  assert.ok(profile, `get_profile is listed: ${list.result.tools.map((t) => t.name)}`);
  assert.equal(profile.inputSchema.type, 'object');

  const call = await remote.request('tools/call', { name: 'get_profile', arguments: {} });
  assert.ok(call.result, `tools/call: ${JSON.stringify(call)}`);
  assert.notEqual(call.result.isError, true, JSON.stringify(call.result));
  assert.match(call.result.content.map((c) => c.text).join('\n'), /Adele Vance/);
  // structuredContent exists from 2025-06-18 on; an older session gets text content only.
  if (protocolVersion >= '2025-06-18') assert.equal(call.result.structuredContent.displayName, 'Adele Vance');
  else assert.equal(call.result.structuredContent, undefined);
  return { init, list, call };
}

/** mcp-remote's stored state for one server: { hash → { file → parsed JSON } }. */
function storedState(configDir) {
  const out = {};
  if (!existsSync(configDir)) return out;
  for (const version of readdirSync(configDir, { withFileTypes: true })) {
    if (!version.isDirectory()) continue;
    for (const f of readdirSync(join(configDir, version.name))) {
      const m = f.match(/^([0-9a-f]{32})_(.+\.json)$/);
      if (!m) continue;
      try { (out[m[1]] ??= {})[m[2]] = JSON.parse(readFileSync(join(configDir, version.name, f), 'utf8')); } catch { /* partial */ }
    }
  }
  return out;
}

let stack;
const homes = [];
before(async () => { stack = await startStack(); });
after(async () => {
  await stack?.stop();
  for (const h of homes) h.remove();
});

function elapsed(start) { return `${((Date.now() - start) / 1000).toFixed(2)} s`; }

describe('mcp-remote', () => {
  let httpHome;
  let httpPort;

  test('over Streamable HTTP: signs in through $BROWSER (consent + sandbox), then lists and calls tools', { timeout: 150_000 }, async (t) => {
    httpHome = makeHome();
    homes.push(httpHome);
    httpPort = await freePort();
    const start = Date.now();
    const remote = startMcpRemote(`${stack.url}/mcp`, { home: httpHome, port: httpPort, args: ['--transport', 'http-only'] });
    try {
      await remote.connected();
      t.diagnostic(`connected (with sign-in) in ${elapsed(start)}`);
      const runs = httpHome.browserRuns();
      assert.equal(runs.length, 1, `the browser was opened once: ${JSON.stringify(runs)}`);
      const [run] = runs;
      assert.equal(run.ok, true, JSON.stringify(run));
      assert.ok(run.url.startsWith(`${stack.url}/authorize?`), run.url);
      const authorizeParams = new URL(run.url).searchParams;
      assert.equal(authorizeParams.get('code_challenge_method'), 'S256');
      assert.equal(authorizeParams.get('resource'), `${stack.url}/mcp`);
      assert.equal(authorizeParams.get('redirect_uri'), `http://localhost:${httpPort}/oauth/callback`);
      assert.equal(run.consentShown, true);
      assert.equal(run.consentClientName, 'MCP CLI Proxy');
      assert.equal(run.upstream, `${stack.sandbox.url}/common/oauth2/v2.0/authorize`);
      assert.ok(run.redirect.startsWith(`http://localhost:${httpPort}/oauth/callback?`), run.redirect);
      assert.equal(new URL(run.redirect).searchParams.get('iss'), stack.url, 'RFC 9207 iss on the redirect');
      assert.equal(run.callbackStatus, 200);
      assert.match(run.callbackBody, /Authorization successful/);

      const t0 = Date.now();
      await exercise(remote);
      t.diagnostic(`initialize + tools/list + tools/call in ${elapsed(t0)}`);

      // What mcp-remote stored: a dynamic registration with its localhost redirect URI, and our tokens.
      const stored = storedState(httpHome.configDir);
      const state = Object.values(stored);
      assert.equal(state.length, 1, `one server's state under ${httpHome.configDir}: ${Object.keys(stored)}`);
      const [{ 'client_info.json': client, 'tokens.json': tokens }] = state;
      assert.deepEqual(client.redirect_uris, [`http://localhost:${httpPort}/oauth/callback`]);
      assert.ok(tokens.access_token && tokens.refresh_token, 'access and refresh tokens are stored');
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    } finally {
      await remote.stop();
    }
  });

  test('a second start reuses the stored tokens without opening the browser', { timeout: 90_000 }, async (t) => {
    assert.ok(httpHome, 'needs the previous test');
    const start = Date.now();
    const remote = startMcpRemote(`${stack.url}/mcp`, { home: httpHome, port: httpPort, args: ['--transport', 'http-only'] });
    try {
      await remote.connected();
      await exercise(remote);
      t.diagnostic(`connected and called a tool in ${elapsed(start)}`);
      assert.equal(httpHome.browserRuns().length, 1, 'no new browser run');
    } finally {
      await remote.stop();
    }
  });

  test('--protocol auto: mcp-remote finds the 2026-07-28 era by server/discover and bridges a 2025-era client', { timeout: 90_000 }, async (t) => {
    assert.ok(httpHome, 'needs the first test (its stored tokens)');
    const start = Date.now();
    const remote = startMcpRemote(`${stack.url}/mcp`, { home: httpHome, port: httpPort, args: ['--transport', 'http-only', '--protocol', 'auto'] });
    try {
      await remote.connected();
      await exercise(remote, { protocolVersion: '2025-11-25' });
      t.diagnostic(`connected and called a tool in ${elapsed(start)}`);
      assert.match(remote.proc.stderr, /Remote server speaks MCP 2026-07-28; answering the local client's handshake here/, remote.diagnostics());
      assert.equal(httpHome.browserRuns().length, 1, 'no new browser run');
    } finally {
      await remote.stop();
    }
  });

  // What most desktop configurations do (`npx mcp-remote https://host/sse`): the default strategy
  // tries Streamable HTTP first, i.e. POSTs JSON-RPC to /sse, which the worker answers as JSON.
  test('default strategy (http-first) against /sse: signs in and works over POSTs to /sse', { timeout: 150_000 }, async (t) => {
    const home = makeHome();
    homes.push(home);
    const port = await freePort();
    const start = Date.now();
    const remote = startMcpRemote(`${stack.url}/sse`, { home, port });
    try {
      await remote.connected();
      t.diagnostic(`connected (with sign-in) in ${elapsed(start)}`);
      assert.equal(home.browserRuns().length, 1);
      assert.equal(home.browserRuns()[0].ok, true, JSON.stringify(home.browserRuns()[0]));
      assert.match(remote.proc.stderr, /Connected to remote server using StreamableHTTPClientTransport/);
      await exercise(remote, { protocolVersion: '2025-06-18' });
    } finally {
      await remote.stop();
    }
  });

  test('over HTTP+SSE (2024-11-05): signs in through $BROWSER, then lists and calls tools', { timeout: 150_000 }, async (t) => {
    const home = makeHome();
    homes.push(home);
    const port = await freePort();
    const start = Date.now();
    const remote = startMcpRemote(`${stack.url}/sse`, { home, port, args: ['--transport', 'sse-only'] });
    try {
      await remote.connected();
      t.diagnostic(`connected (with sign-in) in ${elapsed(start)}`);
      const runs = home.browserRuns();
      assert.equal(runs.length, 1, `the browser was opened once: ${JSON.stringify(runs)}`);
      assert.equal(runs[0].ok, true, JSON.stringify(runs[0]));
      assert.equal(new URL(runs[0].url).searchParams.get('resource'), `${stack.url}/sse`);
      assert.match(remote.proc.stderr, /SSEClientTransport/);
      await exercise(remote, { protocolVersion: '2024-11-05' });
    } finally {
      await remote.stop();
    }
  });
});
