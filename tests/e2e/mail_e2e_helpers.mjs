// Helpers for the mail tool end-to-end tests: an independent Graph reader (its own sign-in at the
// sandbox's Entra, not through the worker) to check effects, and request-log utilities.
import assert from 'node:assert/strict';
import { Browser, decodeEntities, pkce } from './oauth_user.mjs';

/** The sandbox's registered app (sandbox/src/entra/mod.rs: SANDBOX_CLIENT_ID / _SECRET). */
const CLIENT_ID = '6e2f1c3a-5b7d-4e8f-9a0b-5a1db0c5e365';
const CLIENT_SECRET = 'sandbox-secret-not-for-production';
const REDIRECT = 'http://127.0.0.1:9/graph-reader';
const SCOPES = 'openid offline_access User.Read Mail.ReadWrite Mail.ReadWrite.Shared MailboxSettings.ReadWrite';

/** Signs `userName` in at the sandbox directly and returns `get(path)` → `{ status, json }` for
 * Graph reads (`path` after `/v1.0`). Its requests land in the request log too; tests read
 * through it only outside the windows they check, or filter by method. */
export async function graphReader(sandboxUrl, userName = 'Adele Vance') {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const authorize = `${sandboxUrl}/common/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: CLIENT_ID, redirect_uri: REDIRECT, response_type: 'code', scope: SCOPES,
    code_challenge: challenge, code_challenge_method: 'S256', state: 'reader',
  })}`;
  let r = await browser.request(authorize);
  assert.equal(r.status, 200, 'sandbox sign-in page');
  const page = await r.text();
  const button = [...page.matchAll(/<button[^>]*name="user"[^>]*value="([^"]+)"[^>]*>([\s\S]*?)<\/button>/g)].find((m) => m[2].includes(userName));
  assert.ok(button, `sign-in page lists ${userName}`);
  r = await browser.submitForm(authorize, page, { button: { name: 'user', value: decodeEntities(button[1]) } });
  assert.equal(r.status, 302, 'redirect with a code');
  const code = new URL(r.headers.get('location')).searchParams.get('code');
  assert.ok(code, r.headers.get('location'));
  const tok = await fetch(`${sandboxUrl}/common/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET, code_verifier: verifier, scope: SCOPES,
    }),
  });
  const tj = await tok.json();
  assert.equal(tok.status, 200, JSON.stringify(tj));
  const token = tj.access_token;
  return {
    async get(path) {
      const resp = await fetch(`${sandboxUrl}/v1.0${path}`, {
        headers: { authorization: `Bearer ${token}`, prefer: 'IdType="ImmutableId"' },
      });
      const text = await resp.text();
      let json = null;
      try { json = JSON.parse(text); } catch { json = text; }
      return { status: resp.status, json };
    },
  };
}

/** `/me/messages/{id}` with the id percent-encoded as Graph paths must be (core's GraphPath::id). */
export function msgPath(id, root = '/me') {
  return `${root}/messages/${encodeURIComponent(id)}`;
}

/** Requests that are Graph calls (not the `$batch` envelope), in log order. */
export function graphCalls(reqs) {
  return reqs.filter((r) => r.path.startsWith('/v1.0') && r.path !== '/v1.0/$batch');
}

export function count(reqs, method, suffix) {
  return reqs.filter((r) => r.method === method && r.path.endsWith(suffix)).length;
}

export function describe(reqs) {
  return reqs.map((r) => `${r.method} ${r.path}${r.query ? `?${decodeURIComponent(r.query)}` : ''} ${r.status}${r.batch ? ' (batch)' : ''}`).join('\n');
}

export function body(r) {
  try { return JSON.parse(r.body ?? 'null'); } catch { return null; }
}

/** Every GET of entities (plain or in a batch) carries a `$select`. (`supportedTimeZones` is a
 * function returning two-field complex values, where `$select` has nothing to trim.) */
export function assertSelects(reqs) {
  for (const r of reqs) {
    if (r.method !== 'GET' || !r.path.startsWith('/v1.0') || r.path.includes('/outlook/supportedTimeZones')) continue;
    assert.match(decodeURIComponent(r.query || ''), /\$select=/, `GET ${r.path} lacks $select`);
  }
}

export function dataUri(media, bytes) {
  return `data:${media};base64,${Buffer.from(bytes).toString('base64')}`;
}
