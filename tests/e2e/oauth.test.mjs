// The authorization server end to end, in workerd against the sandbox: discovery, dynamic
// registration, /authorize → consent page → Microsoft (sandbox) sign-in → /callback → our code →
// /token → refresh with rotation → revocation, and the negative cases the spec cares about.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startStack } from './harness.mjs';
import { authorize, authorizeUrl as buildAuthorizeUrl, Browser, continuePageTarget, pkce, registerClient, tokenRequest as postToken } from './oauth_user.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const REDIRECT = 'http://127.0.0.1:9/callback';

const register = (body = {}) => registerClient(stack.url, { client_name: 'E2E Client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...body });

const authorizeUrl = (clientId, challenge, extra = {}) => buildAuthorizeUrl(stack.url, { client_id: clientId, redirect_uri: REDIRECT, state: 'st-123', code_challenge: challenge, ...extra });

const tokenRequest = (params) => postToken(stack.url, params);

/** Run the whole browser part: consent (approve) and sandbox sign-in. Returns the final redirect
 * to the client. */
function signIn(browser, url) {
  return authorize(browser, url, {
    workerUrl: stack.url,
    checkConsent: (consent) => {
      assert.match(consent, /E2E Client/);
      assert.match(consent, /127\.0\.0\.1/, 'the redirect host is shown');
    },
    checkUpstream: (up) => {
      assert.equal(up.searchParams.get('resource'), null, 'no resource parameter goes to Microsoft');
      assert.equal(up.searchParams.get('code_challenge_method'), 'S256');
    },
  });
}

describe('authorization server', () => {
  test('discovery documents are consistent and honest', async () => {
    const prm = await (await fetch(`${stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.equal(prm.resource, `${stack.url}/mcp`);
    assert.deepEqual(prm.authorization_servers, [stack.url]);
    const as = await (await fetch(`${stack.url}/.well-known/oauth-authorization-server`)).json();
    assert.equal(as.issuer, stack.url);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint']) {
      assert.ok(as[k].startsWith(stack.url), k);
    }
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    const suffixed = await (await fetch(`${stack.url}/.well-known/oauth-authorization-server/mcp`)).json();
    assert.equal(suffixed.issuer, stack.url);
    const oidc = await fetch(`${stack.url}/.well-known/openid-configuration`);
    assert.equal(oidc.status, 200);
  });

  test('registration validates redirect URIs', async () => {
    const ok = await register();
    assert.equal(ok.status, 201);
    assert.match(ok.json.client_id, /^mcp_/);
    const js = await register({ redirect_uris: ['javascript:alert(1)'] });
    assert.equal(js.status, 400);
    assert.equal(js.json.error, 'invalid_redirect_uri');
    const plainHttp = await register({ redirect_uris: ['http://evil.example/cb'] });
    assert.equal(plainHttp.status, 400);
  });

  test('full flow: register, consent, Microsoft sign-in, code, tokens, refresh rotation, revocation', async () => {
    const { json: client } = await register();
    const { verifier, challenge } = pkce();
    const browser = new Browser();
    const back = await signIn(browser, authorizeUrl(client.client_id, challenge));
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('state'), 'st-123');
    assert.equal(back.searchParams.get('iss'), stack.url);
    const code = back.searchParams.get('code');
    assert.match(code, /^m365_ac_/);

    // Redirect URI mismatch at the token endpoint.
    const mismatch = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/other', code_verifier: verifier, client_id: client.client_id });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error, 'invalid_grant');
    // Wrong verifier.
    const wrong = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce().verifier, client_id: client.client_id });
    assert.equal(wrong.json.error, 'invalid_grant');

    const t = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.client_id, resource: `${stack.url}/mcp` });
    assert.equal(t.status, 200, JSON.stringify(t.json));
    assert.equal(t.headers.get('cache-control'), 'no-store');
    assert.equal(t.json.token_type, 'Bearer');
    assert.match(t.json.access_token, /^m365_at_/);
    assert.match(t.json.refresh_token, /^m365_rt_/);

    // Two concurrent refreshes with the same token both succeed.
    const refresh = (rt) => tokenRequest({ grant_type: 'refresh_token', refresh_token: rt, client_id: client.client_id });
    const [a, b] = await Promise.all([refresh(t.json.refresh_token), refresh(t.json.refresh_token)]);
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.equal(b.status, 200, JSON.stringify(b.json));
    // Using one replacement retires the old token; presenting it afterwards revokes the grant.
    const c = await refresh(a.json.refresh_token);
    assert.equal(c.status, 200, JSON.stringify(c.json));
    const replay = await refresh(t.json.refresh_token);
    assert.equal(replay.status, 400);
    assert.equal(replay.json.error, 'invalid_grant');
    const afterReplay = await refresh(c.json.refresh_token);
    assert.equal(afterReplay.json.error, 'invalid_grant', 'the whole grant was revoked');

    // A reused code is refused.
    const reuse = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.client_id });
    assert.equal(reuse.json.error, 'invalid_grant');
  });

  test('a user who approved a client is not asked again; deny returns access_denied', async () => {
    const { json: client } = await register();
    const browser = new Browser();
    await signIn(browser, authorizeUrl(client.client_id, pkce().challenge));
    // Second authorization in the same browser: straight to Microsoft, no consent page.
    const again = await browser.request(authorizeUrl(client.client_id, pkce().challenge));
    assert.equal(again.status, 302, 'consent skipped');
    assert.ok(again.headers.get('location').includes('/oauth2/v2.0/authorize'));

    const { json: other } = await register({ client_name: 'Other Client' });
    const fresh = new Browser();
    const url = authorizeUrl(other.client_id, pkce().challenge);
    const page = await (await fresh.request(url)).text();
    const r = await fresh.submitForm(url, page, { button: { name: 'decision', value: 'deny' } });
    const target = new URL(continuePageTarget(await r.text()));
    assert.equal(target.searchParams.get('error'), 'access_denied');
    assert.equal(target.searchParams.get('state'), 'st-123');
    assert.equal(target.searchParams.get('iss'), stack.url);
  });

  test('authorize errors: page when the redirect cannot be trusted, redirect otherwise', async () => {
    const { json: client } = await register();
    const browser = new Browser();
    const badRedirect = await browser.request(authorizeUrl(client.client_id, pkce().challenge, { redirect_uri: 'http://127.0.0.1:9/elsewhere' }));
    assert.equal(badRedirect.status, 400);
    assert.equal(badRedirect.headers.get('location'), null);
    const unknown = await browser.request(authorizeUrl('mcp_doesnotexist0000000000', pkce().challenge));
    assert.equal(unknown.status, 400);
    for (const extra of [{ code_challenge: '', code_challenge_method: '' }, { code_challenge_method: 'plain' }]) {
      const r = await browser.request(authorizeUrl(client.client_id, pkce().challenge, extra));
      assert.equal(r.status, 302);
      const loc = new URL(r.headers.get('location'));
      assert.equal(loc.searchParams.get('error'), 'invalid_request');
    }
    const otherResource = await browser.request(authorizeUrl(client.client_id, pkce().challenge, { resource: 'https://other.example/mcp' }));
    assert.equal(new URL(otherResource.headers.get('location')).searchParams.get('error'), 'invalid_target');
  });

  test('consent POST without the CSRF token is refused', async () => {
    const { json: client } = await register();
    const browser = new Browser();
    const url = authorizeUrl(client.client_id, pkce().challenge);
    const page = await (await browser.request(url)).text();
    const forged = page.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="forged"');
    const r = await browser.submitForm(url, forged, { button: { name: 'decision', value: 'approve' } });
    assert.equal(r.status, 403);
    // Another browser (no binding cookie) cannot replay the real form either.
    const r2 = await new Browser().submitForm(url, page, { button: { name: 'decision', value: 'approve' } });
    assert.equal(r2.status, 403);
  });

  test('the consent page is protected by CSP, no framing and no caching', async () => {
    const { json: client } = await register({ client_name: '<script>alert(1)</script>' });
    const r = await new Browser().request(authorizeUrl(client.client_id, pkce().challenge));
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const html = await r.text();
    assert.ok(!html.includes('<script>alert(1)</script>'), 'client name is escaped');
  });

  test('nothing under the persistence directory holds a token in plain text', async () => {
    const { json: client } = await register();
    const { verifier, challenge } = pkce();
    const back = await signIn(new Browser(), authorizeUrl(client.client_id, challenge));
    const t = await tokenRequest({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.client_id });
    assert.equal(t.status, 200);
    // What Microsoft (the sandbox) issued, from its request log: the token responses' values are
    // not logged there, so ask the sandbox for the user's live refresh tokens indirectly: every
    // JWT-looking string (Microsoft access tokens are JWTs) and our own tokens must be absent.
    const needles = [t.json.access_token, t.json.refresh_token, t.json.access_token.slice(8, 40)];
    const files = [];
    const walk = (d) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else files.push(p); } };
    walk(stack.persistDir);
    assert.ok(files.length > 0, 'the persistence directory has files');
    for (const f of files) {
      const content = readFileSync(f).toString('latin1');
      for (const n of needles) assert.ok(!content.includes(n), `${f} contains a token`);
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./.test(content), `${f} contains a JWT (a Microsoft token in plain text)`);
      // The sandbox's Microsoft refresh tokens look like Entra's: `1.AQ` + opaque base64url.
      // Its authorization codes share the prefix; a used, PKCE-bound code in the /callback URL
      // that wrangler's local trace store records is not a token, so `code=` is excluded.
      assert.ok(!/(?<!code=)1\.AQ[A-Za-z0-9_-]{100,}/.test(content), `${f} contains a Microsoft refresh token in plain text`);
    }
  });

  test('resource server: 401 challenges, audience binding, Graph through the vault with one refresh', async () => {
    const graphMe = (token) => fetch(`${stack.url}/__test/graph-me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const none = await graphMe();
    assert.equal(none.status, 401);
    const challenge = none.headers.get('www-authenticate');
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, new RegExp(`resource_metadata="${stack.url}/\\.well-known/oauth-protected-resource/mcp"`));
    assert.match(challenge, /scope="/);
    assert.doesNotMatch(challenge, /error=/, 'no error when no token was sent');
    const bogus = await graphMe('m365_at_not-a-real-token');
    assert.equal(bogus.status, 401);
    assert.match(bogus.headers.get('www-authenticate'), /error="invalid_token"/);

    const { json: client } = await register();
    const { verifier, challenge: pk } = pkce();
    const back = await signIn(new Browser(), authorizeUrl(client.client_id, pk));
    const t = await tokenRequest({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.client_id });
    const ok = await graphMe(t.json.access_token);
    assert.equal(ok.status, 200, await ok.clone().text());
    const body = await ok.json();
    assert.equal(body.me.displayName, 'Adele Vance');
    assert.equal(body.client_id, client.client_id);

    // What reached Graph: the Microsoft token (a JWT from the sandbox), never ours.
    const log = await (await fetch(`${stack.sandbox.url}/_admin/requests`)).json();
    const graphCalls = log.requests.filter((r) => r.path === '/v1.0/me');
    assert.ok(graphCalls.length >= 1);
    for (const r of graphCalls) assert.match(r.headers.authorization, /^Bearer <\d+ chars/);
    assert.ok(!JSON.stringify(log).includes(t.json.access_token), 'our token never reaches Microsoft');

    // A token bound to another resource (/sse) is refused at /mcp.
    const { verifier: v2, challenge: c2 } = pkce();
    const sseBack = await signIn(new Browser(), authorizeUrl(client.client_id, c2, { resource: `${stack.url}/sse` }));
    const sseTok = await tokenRequest({ grant_type: 'authorization_code', code: sseBack.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: v2, client_id: client.client_id });
    const wrongAud = await graphMe(sseTok.json.access_token);
    assert.equal(wrongAud.status, 401);
    assert.match(wrongAud.headers.get('www-authenticate'), /invalid_token/);

    // Microsoft access tokens that are about to expire are refreshed once, however many
    // requests arrive together.
    const since = (await (await fetch(`${stack.sandbox.url}/_admin/requests`)).json()).last;
    await fetch(`${stack.sandbox.url}/_admin/entra`, { method: 'POST', body: JSON.stringify({ access_token_lifetime_seconds: 60 }) });
    const { verifier: v3, challenge: c3 } = pkce();
    const b3 = await signIn(new Browser(), authorizeUrl(client.client_id, c3));
    const t3 = await tokenRequest({ grant_type: 'authorization_code', code: b3.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: v3, client_id: client.client_id });
    await fetch(`${stack.sandbox.url}/_admin/entra`, { method: 'POST', body: JSON.stringify({ access_token_lifetime_seconds: 3599 }) });
    const results = await Promise.all(Array.from({ length: 5 }, () => graphMe(t3.json.access_token)));
    for (const r of results) assert.equal(r.status, 200);
    const after = (await (await fetch(`${stack.sandbox.url}/_admin/requests?since=${since}`)).json()).requests;
    const refreshes = after.filter((r) => r.path.endsWith('/oauth2/v2.0/token') && (r.body ?? '').includes('grant_type=refresh_token'));
    assert.equal(refreshes.length, 1, `exactly one upstream refresh for 5 concurrent calls, saw ${refreshes.length}`);

    // Microsoft revokes the user's sessions: the next refresh fails, the vault asks for
    // re-consent, and the client is told to authorize again.
    await fetch(`${stack.sandbox.url}/_admin/entra`, { method: 'POST', body: JSON.stringify({ access_token_lifetime_seconds: 60 }) });
    const { verifier: v4, challenge: c4 } = pkce();
    const b4 = await signIn(new Browser(), authorizeUrl(client.client_id, c4));
    const t4 = await tokenRequest({ grant_type: 'authorization_code', code: b4.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: v4, client_id: client.client_id });
    const users = (await (await fetch(`${stack.sandbox.url}/_admin`)).json()).users;
    const adele = users.find((u) => u.displayName === 'Adele Vance');
    await fetch(`${stack.sandbox.url}/_admin/entra`, { method: 'POST', body: JSON.stringify({ revoke_user: adele.id, access_token_lifetime_seconds: 3599 }) });
    const revoked = await graphMe(t4.json.access_token);
    assert.equal(revoked.status, 401);
    assert.match(revoked.headers.get('www-authenticate'), /invalid_token/);
    assert.match(await revoked.text(), /authorize again/);
  });
});
