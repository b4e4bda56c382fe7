// Tool presets, send policy, Graph hygiene and the fault model, end to end: the worker in
// workerd, the sandbox, the official TypeScript SDK client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';

describe('read preset', () => {
  let t;
  before(async () => { t = await toolStack({ vars: { TOOL_PRESET: 'read' } }); });
  after(async () => { await t?.close(); });

  test('only read-only tools are registered', async () => {
    const { tools } = await t.client.listTools();
    assert.ok(tools.length >= 2, 'read tools are listed');
    for (const tool of tools) {
      assert.equal(tool.annotations?.readOnlyHint, true, `${tool.name} is not read-only`);
      assert.equal(tool.annotations?.destructiveHint, false, tool.name);
    }
    for (const name of ['create_draft', 'send_draft', 'send_email', 'delete_message', 'move_message']) {
      assert.ok(!tools.some((x) => x.name === name), `${name} must be absent`);
    }
  });

  test('calling an unregistered tool is refused and changes nothing', async () => {
    const since = await t.mark();
    await assert.rejects(() => t.client.callTool({ name: 'create_draft', arguments: { subject: 'x' } }), /Unknown tool/);
    const writes = (await t.graphRequests(since)).filter((r) => r.method !== 'GET');
    assert.deepEqual(writes, []);
  });
});

describe('default preset (draft, own-drafts)', () => {
  let t;
  before(async () => { t = await toolStack(); });
  after(async () => { await t?.close(); });

  test('drafting tools are listed, sending and deleting are not', async () => {
    const names = await t.toolNames();
    assert.ok(names.includes('list_messages') && names.includes('get_profile'));
    for (const name of ['send_draft', 'send_email', 'reply', 'reply_all', 'forward', 'delete_message']) {
      assert.ok(!names.includes(name), `${name} must be absent`);
    }
  });

  test('list_messages: compact pages with a cursor, the intended Graph calls', async () => {
    const since = await t.mark();
    const first = await t.call('list_messages', { limit: 5 });
    assert.equal(first.isError, false, first.text);
    assert.equal(first.structured.messages.length, 5);
    assert.ok(first.structured.nextCursor);
    const second = await t.call('list_messages', { limit: 5, cursor: first.structured.nextCursor });
    assert.equal(second.isError, false, second.text);
    const ids = new Set(first.structured.messages.map((m) => m.id));
    assert.ok(second.structured.messages.every((m) => !ids.has(m.id)), 'pages do not overlap');
    const reqs = (await t.graphRequests(since)).filter((r) => r.path.startsWith('/v1.0'));
    assertGraphHygiene(assert, reqs);
    assert.ok(reqs.length === 2, `two Graph calls, got ${reqs.map((r) => r.path)}`);
    for (const r of reqs) assert.match(decodeURIComponent(r.query), /\$select=id,subject,from/);
    const bad = await t.call('list_messages', { received_after: 'last week' });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /received_after/);
  });

  test('the sign-in asks Microsoft for the permissions the registered tools need', async () => {
    const meta = await (await fetch(`${t.stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.ok(meta.scopes_supported.includes('Mail.ReadWrite'), JSON.stringify(meta.scopes_supported));
    assert.ok(!meta.scopes_supported.includes('Mail.Send'), 'no send permission without send tools');
    // Shared-mailbox permissions are asked for only when a call needs them (personal accounts
    // do not support them).
    assert.ok(!meta.scopes_supported.some((s) => s.endsWith('.Shared')), JSON.stringify(meta.scopes_supported));
  });

  test('naming a shared mailbox steps up to the .Shared permission; the own mailbox does not', async () => {
    const post = (args) => fetch(`${t.stack.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.provider.store.tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json',
        'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'list_messages',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_messages', arguments: args, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    const since = await t.mark();
    const shared = await post({ mailbox: 'support@contoso.example', limit: 1 });
    assert.equal(shared.status, 403);
    const challenge = shared.headers.get('www-authenticate');
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /Mail\.Read\.Shared/);
    assert.deepEqual(await t.graphRequests(since), [], 'no Graph call before the permission is granted');
    const own = await post({ mailbox: 'me', limit: 1 });
    assert.equal(own.status, 200);
    assert.notEqual((await own.json()).result.isError, true);
  });
});

describe('full preset', () => {
  test('own-drafts lists send_draft only; direct adds the direct send tools', async () => {
    const own = await toolStack({ vars: { TOOL_PRESET: 'full' } });
    try {
      const names = await own.toolNames();
      assert.ok(names.includes('send_draft') && names.includes('delete_message'), names.join());
      for (const name of ['send_email', 'reply', 'reply_all', 'forward']) assert.ok(!names.includes(name), name);
    } finally {
      await own.close();
    }
  });
});

describe('faults', () => {
  let t;
  before(async () => { t = await toolStack(); });
  after(async () => { await t?.close(); });

  test('concurrent tool calls of one user keep at most 4 Graph requests in flight', async () => {
    await t.setFaults({ latency_ms: 400, max_concurrent_per_mailbox: 4 });
    try {
      const since = await t.mark();
      const calls = await Promise.all(Array.from({ length: 8 }, (_, i) => t.call('list_messages', { limit: 3 + i })));
      for (const c of calls) assert.equal(c.isError, false, c.text);
      const reqs = await t.graphRequests(since);
      assert.ok(reqs.length >= 8);
      const refused = reqs.filter((r) => r.status === 429);
      assert.deepEqual(refused.map((r) => r.fault), [], 'no request exceeded the mailbox limit');
    } finally {
      await t.clearFaults();
    }
  });

  test('with 30% throttling and latency, reads succeed or say when to retry', async () => {
    await t.setFaults({ throttle_rate: 0.3, latency_ms: 100, retry_after_seconds: 1 });
    try {
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await t.call('list_messages', { limit: 5 }));
      for (const r of results) {
        if (r.isError) assert.match(r.text, /try again in \d+ s|throttl/i, r.text);
      }
      assert.ok(results.filter((r) => !r.isError).length >= 5, 'retries absorb most throttling');
    } finally {
      await t.clearFaults();
    }
  });
});
