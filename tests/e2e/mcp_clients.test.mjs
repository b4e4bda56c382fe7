// Real MCP clients against the worker, with tokens from the real authorization flow: the
// official TypeScript SDK over Streamable HTTP and over the legacy HTTP+SSE transport.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startStack } from './harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

async function exercise(client) {
  const tools = await client.listTools();
  const profile = tools.tools.find((t) => t.name === 'get_profile');
  assert.ok(profile, 'get_profile is listed');
  assert.equal(profile.annotations.readOnlyHint, true);
  assert.equal(profile.inputSchema.type, 'object');
  const result = await client.callTool({ name: 'get_profile', arguments: {} });
  assert.notEqual(result.isError, true, JSON.stringify(result));
  const text = result.content.map((c) => c.text).join('\n');
  assert.match(text, /Adele Vance/);
  return { tools, result };
}

describe('MCP clients', () => {
  test('TypeScript SDK over Streamable HTTP (session era)', async () => {
    const serverUrl = `${stack.url}/mcp`;
    const provider = await sdkSignIn(stack.url, serverUrl);
    const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider });
    const client = new Client({ name: 'e2e-streamable', version: '1.0.0' });
    await client.connect(transport);
    assert.ok(transport.sessionId, 'a session id was issued');
    assert.ok(client.getInstructions()?.length > 100, 'server instructions are given');
    const { result } = await exercise(client);
    assert.equal(result.structuredContent.displayName, 'Adele Vance');
    await client.ping();
    await transport.terminateSession();
    await client.close();
  });

  test('TypeScript SDK over HTTP+SSE (2024-11-05)', async () => {
    const serverUrl = `${stack.url}/sse`;
    const provider = await sdkSignIn(stack.url, serverUrl, { clientName: 'SSE Client' });
    const transport = new SSEClientTransport(new URL(serverUrl), { authProvider: provider });
    const client = new Client({ name: 'e2e-sse', version: '1.0.0' });
    await client.connect(transport);
    await exercise(client);
    await client.close();
  });

  test('a plain JSON-RPC POST to /sse gets a JSON answer', async () => {
    const provider = await sdkSignIn(stack.url, `${stack.url}/sse`, { clientName: 'curl' });
    const r = await fetch(`${stack.url}/sse`, {
      method: 'POST',
      headers: { authorization: `Bearer ${provider.store.tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'curl', version: '0' } } }),
    });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.id, 1);
    assert.equal(body.result.protocolVersion, '2025-03-26');
  });
});
