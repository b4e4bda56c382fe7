// The README's run command, as a newcomer uses it: scripts/run.sh brings up the sandbox and the
// worker wired together, /health is green, the sign-in page of the sandbox answers, and Ctrl-C
// (SIGINT) stops everything it started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './harness.mjs';

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function portAnswers(port) {
  try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      return false;
    }
  }

  test('scripts/run.sh starts sandbox + worker, shows /health green, and Ctrl-C stops both', { timeout: 600_000 }, async () => {
    const [port, sandboxPort, inspectorPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn('bash', [join(ROOT, 'scripts', 'run.sh')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), SANDBOX_PORT: String(sandboxPort), INSPECTOR_PORT: String(inspectorPort), SANDBOX_PROFILE: 'dev' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  try {
    const deadline = Date.now() + 540_000;
    while (!out.includes('Press Ctrl-C to stop')) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`run.sh did not come up:\n${out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(out, new RegExp(`MCP URL: +http://127\\.0\\.0\\.1:${port}/mcp`));
    assert.match(out, /mcp-remote/);
    assert.match(out, /inspector/i);

    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    assert.equal(health.status, 'ok', JSON.stringify(health));
    const signin = await fetch(`http://127.0.0.1:${sandboxPort}/common/oauth2/v2.0/authorize?client_id=6e2f1c3a-5b7d-4e8f-9a0b-5a1db0c5e365&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A${port}%2Foauth%2Fcallback&scope=openid%20offline_access%20Mail.Read&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`);
    assert.equal(signin.status, 200);
    assert.match(await signin.text(), /adele@contoso\.example/);
  } catch (e) {
    child.kill('SIGINT');
    await exited;
    throw e;
  }

  child.kill('SIGINT');
  const result = await exited;
  assert.equal(result.code, 0, `run.sh exit ${JSON.stringify(result)}:\n${out.slice(-2000)}`);
  assert.match(out, /stopped\./);
  for (let i = 0; i < 50 && ((await portAnswers(port)) || (await portAnswers(sandboxPort))); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(await portAnswers(port), false, 'the worker is stopped');
  assert.equal(await portAnswers(sandboxPort), false, 'the sandbox is stopped');
});
