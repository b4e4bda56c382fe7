// A headless "user" for OAuth flows: follows redirects by hand with a cookie jar, approves the
// worker's consent page and picks a user on the sandbox's Microsoft sign-in page. Pages are
// parsed with small regular expressions on purpose: the forms are ours and simple, and a test
// that needs a DOM for them would be hiding a page that has grown too complex.
//
// The steps, each asserting what it goes through:
//   authorize(browser, url, opts)                  = GET the consent page, then the two below
//   approveConsent(browser, url, consentHtml)      → the upstream (Microsoft) authorize URL
//   signInAtMicrosoft(browser, upstreamUrl, opts)  → the redirect back to the client (a URL)
// and the client's side of the worker's endpoints: authorizeUrl, registerClient, tokenRequest.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

/** The user picked on the sandbox sign-in page unless a test says otherwise. */
export const DEFAULT_USER = 'Adele Vance';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export class Browser {
  constructor() { this.cookies = new Map(); }

  cookieHeader(url) {
    const host = new URL(url).host;
    const jar = this.cookies.get(host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  remember(url, resp) {
    const host = new URL(url).host;
    const set = resp.headers.getSetCookie?.() ?? [];
    if (!set.length) return;
    const jar = this.cookies.get(host) ?? new Map();
    for (const c of set) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    this.cookies.set(host, jar);
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers ?? {});
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set('cookie', cookie);
    const resp = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.remember(url, resp);
    return resp;
  }

  /** Submit a simple HTML form found in `html` (hidden inputs plus the clicked button). */
  async submitForm(pageUrl, html, { button }) {
    const form = html.match(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i);
    if (!form) throw new Error(`no form on ${pageUrl}:\n${html.slice(0, 500)}`);
    const action = new URL(decodeEntities(form[1]), pageUrl).toString();
    const body = new URLSearchParams();
    for (const m of form[2].matchAll(/<input[^>]*>/gi)) {
      const name = m[0].match(/name="([^"]*)"/i)?.[1];
      const value = m[0].match(/value="([^"]*)"/i)?.[1] ?? '';
      if (name) body.append(decodeEntities(name), decodeEntities(value));
    }
    if (button) body.append(button.name, button.value);
    return this.request(action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}

export function decodeEntities(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The target of the worker's continue page (the 200 answer to the consent POST, which navigates
 * by `<meta http-equiv="refresh">`; `render_continue_page` in core/src/oauth/consent.rs). */
export function continuePageTarget(html) {
  const m = html.match(/http-equiv="refresh" content="0;url=([^"]+)"/);
  assert.ok(m, `not a continue page:\n${html.slice(0, 500)}`);
  return decodeEntities(m[1]);
}

/** The worker's /authorize URL: `params` (client_id, redirect_uri, state, code_challenge, and any
 * overrides) over the defaults (S256, resource `<workerUrl>/mcp`, scope `User.Read Mail.Read`). */
export function authorizeUrl(workerUrl, { client_id, redirect_uri, state, code_challenge, ...extra }) {
  const p = new URLSearchParams({
    response_type: 'code', client_id, redirect_uri, state,
    code_challenge, code_challenge_method: 'S256', resource: `${workerUrl}/mcp`, scope: 'User.Read Mail.Read', ...extra,
  });
  return `${workerUrl}/authorize?${p}`;
}

/** Dynamic client registration: POST `body` (JSON) to /register. Returns { status, json }. */
export async function registerClient(workerUrl, body) {
  const r = await fetch(`${workerUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

/** POST `params` (form-encoded) to /token. Returns { status, json, headers }. */
export async function tokenRequest(workerUrl, params) {
  const r = await fetch(`${workerUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
  return { status: r.status, json: await r.json(), headers: r.headers };
}

/** Approve the consent page `consentHtml` shown at `url`. The POST answers 200 with a continue
 * page; returns its target, the upstream (Microsoft) authorize URL, as a string. */
export async function approveConsent(browser, url, consentHtml) {
  const r = await browser.submitForm(url, consentHtml, { button: { name: 'decision', value: 'approve' } });
  const html = await r.text();
  assert.equal(r.status, 200, `consent approved: ${r.status}\n${html.slice(0, 500)}`);
  return continuePageTarget(html);
}

/** At the sandbox's Microsoft sign-in page `upstreamUrl`, pick `userName`; the sandbox redirects
 * to the worker's /callback (under `workerUrl`), which redirects back to the client. Returns that
 * last redirect's target as a URL (it is not followed). */
export async function signInAtMicrosoft(browser, upstreamUrl, { userName = DEFAULT_USER, workerUrl }) {
  assert.ok(workerUrl, 'signInAtMicrosoft needs the worker URL');
  let r = await browser.request(upstreamUrl);
  assert.equal(r.status, 200, 'sandbox sign-in page');
  const signin = await r.text();
  const button = [...signin.matchAll(/<button[^>]*name="user"[^>]*value="([^"]+)"[^>]*>([\s\S]*?)<\/button>/g)].find((m) => m[2].includes(userName));
  assert.ok(button, `sign-in page lists ${userName}`);
  r = await browser.submitForm(upstreamUrl, signin, { button: { name: 'user', value: decodeEntities(button[1]) } });
  assert.equal(r.status, 302, 'sandbox redirects to our callback');
  const callback = r.headers.get('location');
  assert.ok(callback.startsWith(`${workerUrl}/callback`), callback);
  r = await browser.request(callback);
  assert.equal(r.status, 302, `callback: ${r.status} ${await r.clone().text()}`);
  return new URL(r.headers.get('location'));
}

/**
 * The whole user part of an authorization at the worker's /authorize `url`: the consent page
 * (must be shown: 200), Approve, the sandbox sign-in as `userName`, /callback. Returns the
 * redirect back to the client as a URL. Optional checks on the way: `checkConsent(html)` on the
 * consent page, `checkUpstream(url)` on the upstream authorize URL (a URL).
 */
export async function authorize(browser, url, { userName = DEFAULT_USER, workerUrl, checkConsent, checkUpstream }) {
  const r = await browser.request(url);
  const consent = await r.text();
  assert.equal(r.status, 200, `consent page: ${r.status}\n${consent.slice(0, 500)}`);
  await checkConsent?.(consent);
  const upstream = await approveConsent(browser, url, consent);
  await checkUpstream?.(new URL(upstream));
  return signInAtMicrosoft(browser, upstream, { userName, workerUrl });
}

/** An OAuthClientProvider keeping everything in memory and recording the authorization URL. */
export class MemoryProvider {
  constructor(clientName = 'SDK Test Client') {
    this.redirectUrl = 'http://127.0.0.1:9/oauth/callback';
    this.clientMetadata = {
      client_name: clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
    this.store = {};
  }
  clientInformation() { return this.store.client; }
  saveClientInformation(c) { this.store.client = c; }
  tokens() { return this.store.tokens; }
  saveTokens(t) { this.store.tokens = t; }
  redirectToAuthorization(url) { this.store.authorizationUrl = url; }
  saveCodeVerifier(v) { this.store.verifier = v; }
  codeVerifier() { return this.store.verifier; }
  discoveryState() { return this.store.discovery; }
  saveDiscoveryState(d) { this.store.discovery = d; }
}


/** Sign in through the TypeScript SDK's `auth()` (discovery, registration, PKCE) with the
 * headless user; returns the provider holding the tokens. */
export async function sdkSignIn(workerUrl, serverUrl, { clientName = 'SDK Test Client', userName = DEFAULT_USER, scope } = {}) {
  const { auth } = await import('@modelcontextprotocol/sdk/client/auth.js');
  const provider = new MemoryProvider(clientName);
  const first = await auth(provider, { serverUrl, ...(scope ? { scope } : {}) });
  if (first !== 'REDIRECT') throw new Error(`expected REDIRECT, got ${first}`);
  const back = await authorize(new Browser(), provider.store.authorizationUrl.toString(), { workerUrl, userName });
  const done = await auth(provider, { serverUrl, authorizationCode: back.searchParams.get('code') });
  if (done !== 'AUTHORIZED') throw new Error(`expected AUTHORIZED, got ${done}`);
  return provider;
}
