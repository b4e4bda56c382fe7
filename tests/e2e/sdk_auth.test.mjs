// The official MCP TypeScript SDK's OAuth client against the worker: discovery (RFC 9728 →
// RFC 8414), dynamic registration, PKCE, our consent page and the sandbox's Microsoft sign-in
// (driven headlessly), the code exchange, and a later refresh — then the token works on the
// resource server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { startStack } from './harness.mjs';
import { authorize, Browser, MemoryProvider } from './oauth_user.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

test('TypeScript SDK: discovery, registration, PKCE, consent, sign-in, token, refresh', async () => {
  const provider = new MemoryProvider();
  const serverUrl = `${stack.url}/mcp`;
  assert.equal(await auth(provider, { serverUrl }), 'REDIRECT');
  assert.match(provider.store.client.client_id, /^mcp_/, 'registered dynamically');
  const authUrl = provider.store.authorizationUrl;
  assert.equal(authUrl.origin + authUrl.pathname, `${stack.url}/authorize`);
  assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authUrl.searchParams.get('resource'), serverUrl);

  // The user: consent page, then the sandbox's Microsoft sign-in, then back to the client.
  const back = await authorize(new Browser(), authUrl.toString(), {
    workerUrl: stack.url,
    checkConsent: (page) => assert.match(page, /SDK Test Client/),
  });
  assert.equal(back.origin + back.pathname, provider.redirectUrl);
  assert.equal(back.searchParams.get('iss'), stack.url);

  assert.equal(await auth(provider, { serverUrl, authorizationCode: back.searchParams.get('code') }), 'AUTHORIZED');
  const first = provider.store.tokens;
  assert.match(first.access_token, /^m365_at_/);
  assert.ok(first.refresh_token);

  const me = async (token) => fetch(`${stack.url}/__test/graph-me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await me(first.access_token)).status, 200);

  // Later: the SDK refreshes with the refresh token (rotation: a new one comes back).
  assert.equal(await auth(provider, { serverUrl }), 'AUTHORIZED');
  const second = provider.store.tokens;
  assert.notEqual(second.access_token, first.access_token);
  assert.notEqual(second.refresh_token, first.refresh_token);
  const resp = await me(second.access_token);
  assert.equal(resp.status, 200);
  assert.equal((await resp.json()).me.displayName, 'Adele Vance');
});
