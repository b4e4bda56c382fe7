// The worker's first surface, in workerd: /health with real binding checks, routing, structured
// logs with request ids and no secrets, and recovery after a panic.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack } from './harness.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

describe('worker in workerd', () => {
  test('GET /health is green with build identity and binding checks', async () => {
    const r = await fetch(`${stack.url}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
    const h = await r.json();
    assert.equal(h.status, 'ok');
    assert.equal(h.name, 'm365-mcp');
    assert.match(h.version, /^\d+\.\d+\.\d+$/);
    assert.ok(h.revision && h.revision !== '', 'revision present');
    assert.equal(h.checks.durable_object.ok, true, JSON.stringify(h.checks));
    assert.equal(h.checks.kv.ok, true, JSON.stringify(h.checks));
  });

  test('HEAD /health answers without a body; other methods get 405 with Allow', async () => {
    const head = await fetch(`${stack.url}/health`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.text()), '');
    const post = await fetch(`${stack.url}/health`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await post.json()).error, 'method_not_allowed');
  });

  test('unknown paths are a JSON 404', async () => {
    const r = await fetch(`${stack.url}/no/such/thing`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error, 'not_found');
  });

  test('each request is logged as one JSON line with its request id, and secrets are not logged', async () => {
    const secret = 'Sup3rSecretBearerValue-e2e';
    const r = await fetch(`${stack.url}/health?code=${secret}`, { headers: { authorization: `Bearer ${secret}` } });
    const id = r.headers.get('x-request-id');
    await r.arrayBuffer();
    let line;
    for (let i = 0; i < 50 && !line; i++) {
      line = stack.logs().split('\n').find((l) => l.includes(id));
      if (!line) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(line, `a log line carries request id ${id}`);
    const json = JSON.parse(line.slice(line.indexOf('{')));
    assert.equal(json.request_id, id);
    assert.equal(json.path, '/health');
    assert.equal(json.status, 200);
    assert.equal(typeof json.duration_ms, 'number');
    assert.ok(!stack.logs().includes(secret), 'the secret appears nowhere in the logs');
  });

  test('a panic becomes a 500 and the next request still works', async () => {
    const boom = await fetch(`${stack.url}/__test/panic`);
    assert.equal(boom.status, 500);
    await boom.arrayBuffer();
    const again = await fetch(`${stack.url}/health`);
    assert.equal(again.status, 200);
    assert.equal((await again.json()).status, 'ok');
    // The panic message reaches the log (a moment later: it is written by the runtime).
    for (let i = 0; i < 50 && !/panic requested through \/__test\/panic/.test(stack.logs()); i++) {
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.match(stack.logs(), /panic requested through \/__test\/panic/);
    // And recovery is durable: several more requests, including a Durable Object round trip.
    for (let i = 0; i < 3; i++) {
      const h = await (await fetch(`${stack.url}/health`)).json();
      assert.equal(h.checks.durable_object.ok, true);
    }
  });
});
