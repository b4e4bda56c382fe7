// The official MCP conformance suite's authorization-server scenarios
// (`@modelcontextprotocol/conformance`, pinned in package.json: `conformance authorization`)
// against the worker in workerd and the sandbox.
//
// How the suite's authorization mode works (read from its dist/index.js, 0.2.0-alpha.12):
// * `conformance list --authorization` names the scenarios; run without `--scenario`, the CLI runs
//   all of them in order and hands each successful scenario's details to the later ones.
//   `authorization-code-grant` needs the metadata that `authorization-server-metadata-endpoint`
//   fetched, so it only works in a full run (alone it always fails with "Invalid authorization
//   server metadata").
// * `authorization-server-metadata-endpoint` GETs `/.well-known/oauth-authorization-server`,
//   then the OpenID locations, at the `--url` issuer: 200, JSON, issuer equal to the URL,
//   authorization/token endpoints, `response_types_supported` with `code`, S256 PKCE, and a
//   WARNING check unless `client_id_metadata_document_supported` is true.
// * `authorization-code-grant` needs a client the server already knows (`--client-id`, here one
//   registered through /register, or a client ID metadata document URL) with redirect URI
//   `http://127.0.0.1:<port>/callback`. It starts a callback server on that port, prints the
//   authorization URL and waits (5 minutes) for a browser; this test plays the browser (consent
//   page, sandbox sign-in) and follows the redirect to the suite's callback. The suite then checks
//   state/code/iss, redeems the code at /token (client auth `none` whenever the server lists it,
//   even if a secret was given) and checks the token response (200, JSON, `no-store`,
//   access_token, token_type).
// * Neither scenario touches the MCP endpoint: they test the authorization server only.
// * The authorization command has no `--expected-failures`; this file applies
//   conformance-auth-expected-failures.txt itself, with the suite's baseline semantics (listed
//   scenarios or checks must fail; an entry that passes is stale and fails the test).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, startStack } from './harness.mjs';
import { authorize, Browser, registerClient } from './oauth_user.mjs';

const CLI = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const EXPECTED_FAILURES = join(ROOT, 'tests', 'e2e', 'conformance-auth-expected-failures.txt');
/** Check statuses that count as passing. WARNING (a SHOULD not met) and SKIPPED do not. */
const PASSING = new Set(['SUCCESS', 'INFO']);

let stack;
let docServer;
let docBase;
const documents = new Map();

before(async () => {
  docServer = createHttpServer((req, res) => {
    const doc = documents.get(new URL(req.url, 'http://x').pathname);
    if (!doc) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  await new Promise((r) => docServer.listen(0, '127.0.0.1', r));
  docBase = `http://127.0.0.1:${docServer.address().port}`;
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
  await new Promise((r) => (docServer ? docServer.close(r) : r()));
});

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

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** `<scenario>` or `<scenario>:<check-id>` entries, each with its reason, from the baseline. */
function readExpectedFailures() {
  const entries = [];
  for (const [i, raw] of readFileSync(EXPECTED_FAILURES, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^(\S+?)(?::(\S+))?\s+(\S.*)$/);
    assert.ok(m, `${EXPECTED_FAILURES}:${i + 1}: expected "<scenario>[:<check-id>] <reason>", got ${JSON.stringify(line)}`);
    entries.push({ scenario: m[1], checkId: m[2], reason: m[3], line: i + 1 });
  }
  return entries;
}

function runCli(args, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`conformance ${args.join(' ')} timed out:\n${out}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out: stripAnsi(out) }); });
  });
}

async function listScenarios() {
  const { code, out } = await runCli(['list', '--authorization']);
  assert.equal(code, 0, out);
  return [...out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

/** Play the user for the suite's authorization URL: consent page, sandbox sign-in, then the
 * redirect back, which lands on the suite's callback server. */
async function playBrowser(authorizeUrl) {
  const back = await authorize(new Browser(), authorizeUrl, { workerUrl: stack.url });
  // The suite's callback server answers and hands the URL to the waiting scenario.
  const done = await fetch(back);
  assert.equal(done.status, 200, `suite callback at ${back}`);
}

/**
 * Run every authorization scenario (one full `conformance authorization` run) with a client the
 * worker knows and return { code, out, scenarios: Map(name → checks[]) }.
 */
async function runSuite({ clientId, port, resource }) {
  const outDir = mkdtempSync(join(tmpdir(), 'm365-conformance-auth-'));
  const args = ['authorization', '--url', stack.url, '--client-id', clientId, '--port', String(port), '--output-dir', outDir];
  if (resource) args.push('--resource', resource);
  try {
    const result = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let browser = null;
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the conformance run did not finish in time:\n${out}`)); }, 120_000);
      const onData = (d) => {
        out += d;
        const url = stripAnsi(out).match(/^(https?:\/\/\S+\/authorize\?\S+)$/m)?.[1];
        if (url && !browser) {
          browser = playBrowser(url).catch((e) => {
            // Without the callback the suite would wait 5 minutes: stop it and report why.
            child.kill('SIGKILL');
            reject(new Error(`driving the authorization URL failed: ${e.stack}\n--- suite output ---\n${out}`));
          });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', async (code) => {
        clearTimeout(timer);
        if (browser) await browser;
        resolve({ code, out: stripAnsi(out), drove: browser !== null });
      });
    });
    const scenarios = new Map();
    for (const dir of readdirSync(outDir)) {
      const name = dir.replace(/^authorization-server-/, '').replace(/-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/, '');
      scenarios.set(name, JSON.parse(readFileSync(join(outDir, dir, 'checks.json'), 'utf8')));
    }
    // A scenario that threw has a summary line but no checks.json.
    for (const m of result.out.matchAll(/^[✓✗] (\S+): \d+ passed, \d+ failed$/gm)) {
      if (!scenarios.has(m[1])) scenarios.set(m[1], [{ id: m[1], status: 'FAILURE', errorMessage: 'the scenario did not run (see the suite output)' }]);
    }
    return { ...result, scenarios };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Every listed scenario ran; everything passes except what the baseline expects to fail, and
 * every baseline entry still fails. */
function assertAgainstBaseline(run, listed) {
  const expected = readExpectedFailures();
  const report = [];
  const unexpected = [];
  const stillFailing = new Set();
  for (const name of listed) {
    const checks = run.scenarios.get(name);
    if (!checks) { unexpected.push(`${name}: did not run`); continue; }
    const wholeExpected = expected.some((e) => e.scenario === name && !e.checkId);
    for (const c of checks) {
      report.push(`${name}:${c.id} ${c.status}${c.errorMessage ? ` (${c.errorMessage})` : ''}`);
      if (PASSING.has(c.status)) continue;
      const entry = wholeExpected ? `${name}` : `${name}:${c.id}`;
      if (wholeExpected || expected.some((e) => e.scenario === name && e.checkId === c.id)) stillFailing.add(entry);
      else unexpected.push(`${name}:${c.id} ${c.status}: ${c.errorMessage ?? c.description}`);
    }
  }
  const stale = expected
    .filter((e) => listed.includes(e.scenario))
    .map((e) => (e.checkId ? `${e.scenario}:${e.checkId}` : e.scenario))
    .filter((k) => !stillFailing.has(k));
  const context = `\n--- checks ---\n${report.join('\n')}\n--- suite output ---\n${run.out}`;
  assert.deepEqual(unexpected, [], `unexpected failures (fix them or list them with a reason in ${EXPECTED_FAILURES})${context}`);
  assert.deepEqual(stale, [], `stale entries in ${EXPECTED_FAILURES} (they pass now: remove them)${context}`);
  // The CLI's exit code agrees: nonzero exactly when some check failed.
  const anyFailure = [...run.scenarios.values()].flat().some((c) => c.status === 'FAILURE');
  assert.equal(run.code, anyFailure ? 1 : 0, `exit code ${run.code}${context}`);
}

async function registerPublicClient(redirectUri, name) {
  const { status, json } = await registerClient(stack.url, { client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', application_type: 'native' });
  assert.equal(status, 201, JSON.stringify(json));
  return json.client_id;
}

describe('conformance suite: authorization server scenarios', () => {
  let listed;

  test('the suite lists its authorization scenarios; every baseline entry names one', async () => {
    listed = await listScenarios();
    assert.ok(listed.includes('authorization-server-metadata-endpoint'), listed.join(', '));
    assert.ok(listed.includes('authorization-code-grant'), listed.join(', '));
    for (const e of readExpectedFailures()) {
      assert.ok(listed.includes(e.scenario), `${EXPECTED_FAILURES}:${e.line}: unknown scenario ${e.scenario}`);
    }
  });

  test('a dynamically registered public client, with the resource parameter', { timeout: 180_000 }, async () => {
    listed ??= await listScenarios();
    const port = await freePort();
    const clientId = await registerPublicClient(`http://127.0.0.1:${port}/callback`, 'Conformance (DCR)');
    const run = await runSuite({ clientId, port, resource: `${stack.url}/mcp` });
    assert.ok(run.drove, `the suite printed an authorization URL:\n${run.out}`);
    assertAgainstBaseline(run, listed);
  });

  test('a dynamically registered public client, without the resource parameter', { timeout: 180_000 }, async () => {
    listed ??= await listScenarios();
    const port = await freePort();
    const clientId = await registerPublicClient(`http://127.0.0.1:${port}/callback`, 'Conformance (no resource)');
    const run = await runSuite({ clientId, port });
    assert.ok(run.drove, `the suite printed an authorization URL:\n${run.out}`);
    assertAgainstBaseline(run, listed);
  });

  test('a client ID metadata document client', { timeout: 180_000 }, async () => {
    listed ??= await listScenarios();
    const port = await freePort();
    const path = '/conformance/client.json';
    const clientId = `${docBase}${path}`;
    documents.set(path, {
      client_id: clientId,
      client_name: 'Conformance (CIMD)',
      redirect_uris: [`http://127.0.0.1:${port}/callback`],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    const run = await runSuite({ clientId, port, resource: `${stack.url}/mcp` });
    assert.ok(run.drove, `the suite printed an authorization URL:\n${run.out}`);
    assertAgainstBaseline(run, listed);
  });
});
