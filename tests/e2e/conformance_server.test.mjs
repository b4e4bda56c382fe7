// The official MCP conformance suite's server scenarios (`@modelcontextprotocol/conformance`,
// pinned in package.json: `conformance server`) against the worker's /mcp in workerd, for the
// requirement sets of 2025-11-25 (the initialize/session wire) and 2026-07-28 (the stateless wire).
//
// How the suite's server mode works (read from its dist/index.js, 0.2.0-alpha.12):
// * `conformance server --url <mcp endpoint> --requirements <revision>` runs exactly the server
//   scenarios that revision requires, at that revision's wire, plus the "not scored" ones of the
//   set (extensions, pending, added after release), which it runs and reports without scoring.
//   `conformance list --requirements <revision>` names both groups.
// * `-o <dir>` writes `<dir>/server-<scenario>-<timestamp>/checks.json` per scenario; a scenario
//   that threw has a summary line (`✗ <scenario>: …`) but no file. `--timeout` is per scenario.
// * Its `--expected-failures <yaml>` baseline (`server:` list of `<scenario>` or
//   `<scenario>:<check-id>`) applies to scored scenarios only; WARNING counts as failing there,
//   and a listed check that now passes is stale. This test applies
//   conformance-server-expected-failures.txt itself, to every scenario that ran (scored or not),
//   with the same semantics and SKIPPED also counting as failing, and also hands the suite the
//   same entries as YAML, whose verdict (exit code) must agree.
// * Server mode has no header or token option, so the suite talks to a test-only proxy
//   (bearer_proxy.mjs) that adds a real access token from the SDK sign-in flow; the proxy passes
//   `Origin` through, so `dns-rebinding-protection` exercises the worker's own Origin check.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBearerProxy } from './bearer_proxy.mjs';
import { ROOT, startStack } from './harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

const CLI = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const EXPECTED_FAILURES = join(ROOT, 'tests', 'e2e', 'conformance-server-expected-failures.txt');
const REVISIONS = ['2025-11-25', '2026-07-28'];
/** Check statuses that count as passing. WARNING (a SHOULD not met) and SKIPPED do not. */
const PASSING = new Set(['SUCCESS', 'INFO']);
/** Worst first, for checks the suite reports more than once under one id. */
const SEVERITY = { FAILURE: 4, WARNING: 3, SKIPPED: 2, SUCCESS: 1 };
/** Per scenario, and for a whole run of the CLI. */
const SCENARIO_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 240_000;

let stack;
let proxy;
let token;

before(async () => {
  stack = await startStack();
  const provider = await sdkSignIn(stack.url, `${stack.url}/mcp`, { clientName: 'Conformance (server scenarios)' });
  token = provider.store.tokens.access_token;
  assert.ok(token, 'the sign-in produced an access token');
  proxy = await startBearerProxy(stack.url, token);
});
after(async () => {
  await proxy?.close();
  await stack?.stop();
});

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** `<scenario>` or `<scenario>:<check-id>` entries, each with its reason, from the baseline. */
function readExpectedFailures() {
  const entries = [];
  for (const [i, raw] of readFileSync(EXPECTED_FAILURES, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([^\s:]+)(?::(\S+))?\s+(\S.*)$/);
    assert.ok(m, `${EXPECTED_FAILURES}:${i + 1}: expected "<scenario>[:<check-id>] <reason>", got ${JSON.stringify(line)}`);
    entries.push({ scenario: m[1], checkId: m[2], reason: m[3], line: i + 1 });
  }
  const keys = entries.map((e) => (e.checkId ? `${e.scenario}:${e.checkId}` : e.scenario));
  const dup = keys.filter((k, i) => keys.indexOf(k) !== i);
  assert.deepEqual(dup, [], `${EXPECTED_FAILURES}: duplicate entries`);
  const whole = new Set(entries.filter((e) => !e.checkId).map((e) => e.scenario));
  const redundant = entries.filter((e) => e.checkId && whole.has(e.scenario));
  assert.deepEqual(redundant.map((e) => e.line), [], `${EXPECTED_FAILURES}: per-check entries of a scenario that is listed whole`);
  return entries;
}

function runCli(args, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`conformance ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stripAnsi(out)}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out: stripAnsi(out) }); });
  });
}

/** The server scenarios a requirement set runs: { scored, notScored }. */
async function listRequirements(revision) {
  const { code, out } = await runCli(['list', '--requirements', revision]);
  assert.equal(code, 0, out);
  const section = out.split(/^Server scenarios \(test against a server\):$/m)[1]?.split(/\n\s*\n/)[0] ?? '';
  const scored = [...section.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]);
  const notScored = [...out.matchAll(/^\s+- (\S+) \[server\]$/gm)].map((m) => m[1]);
  assert.ok(scored.length > 0, `no server scenarios listed for ${revision}:\n${out}`);
  return { scored, notScored };
}

/**
 * One `conformance server --requirements <revision>` run through the proxy, with the baseline
 * as YAML. Returns { code, out, scenarios: Map(name → checks[]) }.
 */
async function runRequirements(revision) {
  const outDir = mkdtempSync(join(tmpdir(), `m365-conformance-server-${revision}-`));
  const baseline = join(outDir, 'expected-failures.yaml');
  const keys = readExpectedFailures().map((e) => (e.checkId ? `${e.scenario}:${e.checkId}` : e.scenario));
  writeFileSync(baseline, `server:\n${keys.map((k) => `  - ${JSON.stringify(k)}`).join('\n')}\n`);
  const results = join(outDir, 'results');
  try {
    const run = await runCli([
      'server', '--url', `${proxy.url}/mcp`, '--requirements', revision,
      '--timeout', String(SCENARIO_TIMEOUT_MS), '-o', results, '--expected-failures', baseline,
    ], { timeoutMs: RUN_TIMEOUT_MS });
    const scenarios = new Map();
    for (const dir of existsSync(results) ? readdirSync(results) : []) {
      const name = dir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
      const file = join(results, dir, 'checks.json');
      if (existsSync(file)) scenarios.set(name, JSON.parse(readFileSync(file, 'utf8')));
    }
    // A scenario that threw has a summary line but no checks.json.
    for (const m of run.out.matchAll(/^[✓✗] (\S+): \d+ passed, \d+ failed$/gm)) {
      if (!scenarios.has(m[1])) scenarios.set(m[1], [{ id: m[1], status: 'FAILURE', errorMessage: 'the scenario did not finish (see the suite output)' }]);
    }
    return { ...run, scenarios };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** A scenario's checks with one entry per check id, the worst status winning (the suite reports
 * some ids several times, once per probe). INFO lines are narration and are left out. */
function worstPerId(checks) {
  const byId = new Map();
  for (const c of checks) {
    if (c.status === 'INFO') continue;
    const seen = byId.get(c.id);
    if (!seen || (SEVERITY[c.status] ?? 5) >= (SEVERITY[seen.status] ?? 5)) byId.set(c.id, c);
  }
  return [...byId.values()];
}

/** Everything that ran passes except what the baseline expects to fail; every baseline entry of
 * a scenario that ran still fails; the suite's own baseline verdict agrees. */
function assertAgainstBaseline(revision, run, { scored, notScored }) {
  const expected = readExpectedFailures();
  const report = [];
  const unexpected = [];
  const stillFailing = new Set();
  for (const name of [...scored, ...notScored]) {
    const checks = run.scenarios.get(name);
    if (!checks) { unexpected.push(`${name}: did not run`); continue; }
    const wholeExpected = expected.some((e) => e.scenario === name && !e.checkId);
    const tag = scored.includes(name) ? '' : ' (not scored)';
    for (const c of worstPerId(checks)) {
      report.push(`${name}:${c.id} ${c.status}${tag}${c.errorMessage ? ` (${c.errorMessage})` : ''}`);
      if (PASSING.has(c.status)) continue;
      if (wholeExpected) stillFailing.add(name);
      else if (expected.some((e) => e.scenario === name && e.checkId === c.id)) stillFailing.add(`${name}:${c.id}`);
      else unexpected.push(`${name}:${c.id} ${c.status}${tag}: ${c.errorMessage ?? c.description}\n    details: ${JSON.stringify(c.details ?? {}).slice(0, 1500)}`);
    }
  }
  const ran = new Set([...scored, ...notScored]);
  const stale = expected
    .filter((e) => ran.has(e.scenario))
    .map((e) => (e.checkId ? `${e.scenario}:${e.checkId}` : e.scenario))
    .filter((k) => !stillFailing.has(k));
  const context = `\n--- checks (${revision}) ---\n${report.join('\n')}\n--- suite output ---\n${run.out}`;
  assert.deepEqual(unexpected, [], `${revision}: unexpected failures (a real bug: fix it; list it in ${EXPECTED_FAILURES} only if it needs a fixture this server does not have)${context}`);
  assert.deepEqual(stale, [], `${revision}: stale entries in ${EXPECTED_FAILURES} (they pass now: remove them)${context}`);
  // The suite's own verdict over the scored scenarios with the same baseline.
  assert.equal(run.code, 0, `${revision}: the suite's baseline check failed (exit ${run.code})${context}`);
  assert.match(run.out, /Baseline check passed: all failures are expected\./, context);
}

/** Open a request through the proxy and return the response with its body still streaming. */
function openThroughProxy(path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${proxy.url}${path}`, { method, headers }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

describe('conformance suite: server scenarios through a bearer-token proxy', () => {
  const requirements = new Map();
  const listed = async (revision) => {
    if (!requirements.has(revision)) requirements.set(revision, await listRequirements(revision));
    return requirements.get(revision);
  };

  test('the proxy adds the token, keeps Origin, and streams SSE as it comes', { timeout: 60_000 }, async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'proxy-check', version: '0' } } };
    const post = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    // Without the proxy the endpoint wants a token; through it the same request is served.
    const direct = await fetch(`${stack.url}/mcp`, { method: 'POST', headers: post, body: JSON.stringify(initialize) });
    assert.equal(direct.status, 401);
    const init = await fetch(`${proxy.url}/mcp`, { method: 'POST', headers: post, body: JSON.stringify(initialize) });
    assert.equal(init.status, 200, await init.clone().text());
    const session = init.headers.get('mcp-session-id');
    assert.ok(session, 'a session id came back through the proxy');
    await init.body?.cancel();
    const sessionHeaders = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const ack = await fetch(`${proxy.url}/mcp`, { method: 'POST', headers: { ...post, ...sessionHeaders }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    assert.equal(ack.status, 202);
    // The worker's Origin check sees the client's Origin, not one the proxy made up.
    const foreign = await fetch(`${proxy.url}/mcp`, { method: 'POST', headers: { ...post, ...sessionHeaders, origin: 'http://evil.example.com' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) });
    assert.equal(foreign.status, 403);
    // The standalone GET stream never ends by itself: its first event (the priming event) can
    // only arrive if the proxy passes chunks on as they come.
    const stream = await openThroughProxy('/mcp', { headers: { accept: 'text/event-stream', ...sessionHeaders } });
    try {
      assert.equal(stream.statusCode, 200);
      assert.match(stream.headers['content-type'], /^text\/event-stream/);
      const first = await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no SSE bytes through the proxy within 10 s')), 10_000);
        stream.once('data', (d) => { clearTimeout(t); resolve(d.toString()); });
        stream.once('end', () => { clearTimeout(t); reject(new Error('the stream ended before its first event')); });
      });
      assert.match(first, /^(id|retry|data|event|:)/m, first);
    } finally {
      stream.destroy();
    }
    const del = await fetch(`${proxy.url}/mcp`, { method: 'DELETE', headers: sessionHeaders });
    assert.equal(del.status, 204);
  });

  test('every baseline entry names a scenario of a requirement set', async () => {
    const known = new Set();
    for (const revision of REVISIONS) {
      const { scored, notScored } = await listed(revision);
      for (const s of [...scored, ...notScored]) known.add(s);
    }
    for (const e of readExpectedFailures()) {
      assert.ok(known.has(e.scenario), `${EXPECTED_FAILURES}:${e.line}: ${e.scenario} is in no requirement set of ${REVISIONS.join(', ')}`);
    }
  });

  for (const revision of REVISIONS) {
    test(`--requirements ${revision}`, { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
      const sets = await listed(revision);
      const run = await runRequirements(revision);
      assertAgainstBaseline(revision, run, sets);
    });
  }
});
