// Starts the sandbox and the worker (wrangler dev, i.e. workerd) on free loopback ports, wired
// to each other, and stops exactly what it started. Used by every end-to-end test file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

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

/** A child process whose output is kept for assertions and failure reports. */
function startProcess(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc = { name, child, output: '', exited: null };
  for (const s of [child.stdout, child.stderr]) s.on('data', (d) => { proc.output += d.toString(); });
  child.on('exit', (code, signal) => { proc.exited = { code, signal }; });
  return proc;
}

async function stopProcess(proc) {
  if (!proc || proc.exited) return;
  const done = new Promise((r) => proc.child.once('exit', r));
  try { process.kill(-proc.child.pid, 'SIGTERM'); } catch { /* already gone */ }
  const timer = setTimeout(() => { try { process.kill(-proc.child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await done;
  clearTimeout(timer);
}

async function waitFor(url, proc, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exited) throw new Error(`${proc.name} exited (${JSON.stringify(proc.exited)}):\n${proc.output.slice(-4000)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) { last = e.message; }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out after ${seconds}s waiting for ${url} (${last}):\n${proc.output.slice(-4000)}`);
}

/** Start the sandbox alone. */
export async function startSandbox() {
  const bin = process.env.M365_SANDBOX_BIN
    || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'debug', 'm365-sandbox');
  const port = await freePort();
  const proc = startProcess('sandbox', bin, ['--host', '127.0.0.1', '--port', String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/_admin`, proc, 30);
  return { url, proc, stop: () => stopProcess(proc) };
}

/** Start the sandbox and the worker in workerd, wired together. `vars` are extra worker
 * variables (e.g. `{ TOOL_PRESET: 'full', SEND_POLICY: 'direct' }`). */
export async function startStack({ vars = {} } = {}) {
  const sandbox = await startSandbox();
  const port = await freePort();
  const inspectorPort = await freePort();
  const persist = mkdtempSync(join(tmpdir(), 'm365-e2e-'));
  const wrangler = join(ROOT, 'node_modules', 'wrangler', 'wrangler-dist', 'cli.js');
  const worker = startProcess('worker', process.execPath, [
    wrangler, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--persist-to', persist, '--show-interactive-dev-session=false',
    '--var', `ENTRA_AUTHORITY:${sandbox.url}`, '--var', `GRAPH_BASE_URL:${sandbox.url}/v1.0`,
    '--var', 'ENTRA_CLIENT_SECRET:sandbox-secret-not-for-production',
    '--var', 'TOKEN_ENCRYPTION_KEY:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    '--var', 'ALLOWED_ORIGINS:https://allowed-client.example',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ], { env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_MINIFY: '1' } });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/health`, worker, 240);
  } catch (e) {
    await stopProcess(worker);
    await sandbox.stop();
    throw e;
  }
  return {
    url,
    sandbox,
    worker,
    persistDir: persist,
    /** Worker log output since start. */
    logs: () => worker.output,
    async stop() {
      await stopProcess(worker);
      await sandbox.stop();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
