// Client ID metadata documents (CIMD; MCP authorization §Client ID Metadata Documents) end to end,
// in workerd against the sandbox. The documents are served by a small HTTP server this file starts
// on 127.0.0.1: the worker admits http loopback document URLs only because it runs on loopback
// itself (`Settings::loopback_origin`, `CimdPolicy { allow_loopback }`); everywhere else a client
// id must be an https URL on a public host, checked before anything is fetched.
import assert from 'node:assert/strict';
import { createServer, get as httpGet } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startStack } from './harness.mjs';
import { approveConsent, authorize, authorizeUrl as buildAuthorizeUrl, Browser, decodeEntities, pkce, signInAtMicrosoft, tokenRequest as postToken } from './oauth_user.mjs';

const REDIRECT = 'http://127.0.0.1:9/callback';
/** The worker's limits (src/oauth/clients.rs). */
const MAX_BYTES = 5 * 1024;
const TIMEOUT_SECONDS = 5;

let stack;
let docs;

/** A document server: `route(path, handler)` installs a handler, `hits(path)` counts requests. */
async function startDocServer() {
  const routes = new Map();
  const counts = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    handler(req, res);
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    url: (path) => `${base}${path}`,
    route: (path, handler) => routes.set(path, handler),
    /** Serve `doc` (an object, serialized) with status 200 and extra headers. */
    json: (path, doc, headers = {}) => routes.set(path, (_req, res) => {
      const body = Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
      res.end(body);
    }),
    hits: (path) => counts.get(path) ?? 0,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve); }),
  };
}

/** A valid metadata document for `path` on the document server. */
function documentFor(path, extra = {}) {
  return {
    client_id: docs.url(path),
    client_name: 'CIMD Test App',
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...extra,
  };
}

before(async () => {
  docs = await startDocServer();
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
  await docs?.close();
});

const authorizeUrl = (clientId, challenge, extra = {}) => buildAuthorizeUrl(stack.url, { client_id: clientId, redirect_uri: REDIRECT, state: 'st-cimd', code_challenge: challenge, ...extra });

const tokenRequest = (params) => postToken(stack.url, params);

/** GET /authorize in a fresh browser and expect the error page (400, no redirect). Returns its
 * message. */
async function expectErrorPage(clientId, extra = {}) {
  const r = await new Browser().request(authorizeUrl(clientId, pkce().challenge, extra));
  const html = await r.text();
  assert.equal(r.status, 400, `expected the error page, got ${r.status}:\n${html.slice(0, 400)}`);
  assert.equal(r.headers.get('location'), null, 'an unverified client is never redirected to');
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const message = html.match(/<p id="error-message">([\s\S]*?)<\/p>/)?.[1];
  assert.ok(message, `the error page has a message:\n${html.slice(0, 400)}`);
  return decodeEntities(message);
}

/** A complete authorization in a new browser: consent, sign-in, back to the client. */
const authorizeFresh = (clientId, challenge) => authorize(new Browser(), authorizeUrl(clientId, challenge), { workerUrl: stack.url });

describe('client ID metadata documents', () => {
  test('the authorization server advertises CIMD support', async () => {
    const as = await (await fetch(`${stack.url}/.well-known/oauth-authorization-server`)).json();
    assert.equal(as.client_id_metadata_document_supported, true);
  });

  test('a valid document: consent names the verified host, full flow, tokens for the URL client id', async () => {
    const path = '/apps/valid/client.json';
    docs.json(path, documentFor(path));
    const clientId = docs.url(path);
    const { verifier, challenge } = pkce();
    const browser = new Browser();
    const url = authorizeUrl(clientId, challenge);
    const r = await browser.request(url);
    const consent = await r.text();
    assert.equal(r.status, 200, consent.slice(0, 400));
    assert.match(consent, /id="client-name">CIMD Test App</);
    assert.match(consent, /id="verified-domain">127\.0\.0\.1</, 'the document host is shown as the verified domain');
    assert.ok(consent.includes(`id="client-id">${clientId}<`), 'the client id URL is shown');
    assert.equal(docs.hits(path), 1, 'the document was fetched');

    const upstream = await approveConsent(browser, url, consent);
    const back = await signInAtMicrosoft(browser, upstream, { workerUrl: stack.url });
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('state'), 'st-cimd');
    assert.equal(back.searchParams.get('iss'), stack.url);
    const code = back.searchParams.get('code');
    assert.ok(code);

    const t = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId, resource: `${stack.url}/mcp` });
    assert.equal(t.status, 200, JSON.stringify(t.json));
    const tokens = t.json;
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.access_token);
    assert.ok(tokens.refresh_token);

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
    assert.ok(refreshed.json.access_token);

    // The access token works at the resource server, bound to the URL client id.
    const me = await fetch(`${stack.url}/__test/graph-me`, { headers: { authorization: `Bearer ${refreshed.json.access_token}` } });
    assert.equal(me.status, 200, await me.clone().text());
    assert.equal((await me.json()).client_id, clientId);

    // A code issued to the URL client cannot be redeemed by another (valid) URL client.
    const otherPath = '/apps/valid/other.json';
    docs.json(otherPath, documentFor(otherPath));
    const second = pkce();
    const back2 = await authorizeFresh(clientId, second.challenge);
    const stolen = await tokenRequest({ grant_type: 'authorization_code', code: back2.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: second.verifier, client_id: docs.url(otherPath) });
    assert.equal(stolen.status, 400, JSON.stringify(stolen.json));
    assert.equal(stolen.json.error, 'invalid_grant');
  });

  test("a document whose client_id is not its URL is refused with a page", async () => {
    const path = '/apps/mismatch/client.json';
    docs.json(path, documentFor(path, { client_id: docs.url('/apps/mismatch/other.json') }));
    const message = await expectErrorPage(docs.url(path));
    assert.match(message, /client_id in the metadata document does not match the URL/);
    assert.equal(docs.hits(path), 1);
  });

  test('a redirect_uri the document does not list is refused with a page', async () => {
    const path = '/apps/redirects/client.json';
    docs.json(path, documentFor(path));
    await expectErrorPage(docs.url(path), { redirect_uri: 'http://127.0.0.1:9/elsewhere' });
  });

  test('documents that break the rules are refused: secret, no name, not JSON', async () => {
    const cases = [
      ['/apps/secret/client.json', (p) => documentFor(p, { client_secret: 'shh' }), /must not contain client_secret/],
      ['/apps/noname/client.json', (p) => documentFor(p, { client_name: undefined }), /client_name/],
      ['/apps/notjson/client.json', () => '<html>hello</html>', /./],
      ['/apps/secretauth/client.json', (p) => documentFor(p, { token_endpoint_auth_method: 'client_secret_basic' }), /token_endpoint_auth_method/],
    ];
    for (const [path, doc, why] of cases) {
      docs.json(path, doc(path));
      assert.match(await expectErrorPage(docs.url(path)), why, path);
    }
  });

  describe('fetching', () => {
    test('a document larger than 5 KB is refused (declared length)', async () => {
      const path = '/apps/big/client.json';
      docs.json(path, documentFor(path, { padding: 'x'.repeat(MAX_BYTES) }));
      assert.match(await expectErrorPage(docs.url(path)), /larger than 5 KB/);
    });

    test('a document larger than 5 KB is refused (chunked, no length)', async () => {
      const path = '/apps/big-chunked/client.json';
      const body = JSON.stringify(documentFor(path, { padding: 'x'.repeat(MAX_BYTES) }));
      docs.route(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < body.length; i += 1000) res.write(body.slice(i, i + 1000));
        res.end();
      });
      assert.match(await expectErrorPage(docs.url(path)), /larger than 5 KB/);
    });

    test('an endless document is cut off after 5 KB, not read to the end', { timeout: 60_000 }, async () => {
      const path = '/apps/endless/client.json';
      let sent = 0;
      let closed;
      const closedP = new Promise((r) => { closed = r; });
      docs.route(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"client_id":"');
        const chunk = Buffer.alloc(16 * 1024, 'a');
        const pump = () => {
          while (!res.destroyed && sent < 256 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return;
          }
          res.end();
        };
        res.on('drain', pump);
        res.on('close', () => closed(sent));
        pump();
      });
      const started = Date.now();
      assert.match(await expectErrorPage(docs.url(path)), /larger than 5 KB/);
      assert.ok(Date.now() - started < TIMEOUT_SECONDS * 1000 + 3000, 'refused promptly');
      const total = await Promise.race([closedP, new Promise((r) => setTimeout(() => r(null), 5000))]);
      assert.ok(total !== null, 'the worker closed the connection');
      assert.ok(total < 64 * 1024 * 1024, `the worker stopped reading early (server had sent ${total} bytes)`);
    });

    test('a document that never finishes is refused after the timeout', { timeout: 60_000 }, async () => {
      const path = '/apps/slow/client.json';
      const open = new Set();
      docs.route(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"client_id":');
        open.add(res);
        res.on('close', () => open.delete(res));
      });
      const started = Date.now();
      const message = await expectErrorPage(docs.url(path));
      const elapsed = Date.now() - started;
      assert.match(message, /took longer than 5 seconds/);
      assert.ok(elapsed >= TIMEOUT_SECONDS * 1000 - 500, `not before the timeout (${elapsed} ms)`);
      assert.ok(elapsed < TIMEOUT_SECONDS * 1000 + 10_000, `soon after the timeout (${elapsed} ms)`);
      for (const res of open) res.destroy();
    });

    test('a redirect is not followed', async () => {
      const path = '/apps/moved/client.json';
      const target = '/apps/moved/target.json';
      // The target would be a perfectly valid document for the original URL.
      docs.json(target, documentFor(path));
      docs.route(path, (_req, res) => {
        res.writeHead(302, { location: docs.url(target) });
        res.end();
      });
      assert.match(await expectErrorPage(docs.url(path)), /HTTP 302/);
      assert.equal(docs.hits(path), 1);
      assert.equal(docs.hits(target), 0, 'the redirect target was never requested');
    });

    test('a missing document (404) is refused', async () => {
      const path = '/apps/missing/client.json';
      assert.match(await expectErrorPage(docs.url(path)), /HTTP 404/);
      assert.equal(docs.hits(path), 1);
    });
  });

  test('client ids on private addresses are refused before any fetch', async () => {
    const started = Date.now();
    for (const id of [
      'https://10.0.0.1/client.json',
      'https://192.168.1.5/x',
      'https://172.16.0.1/client.json',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/client.json',
      'https://0.0.0.0/client.json',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://[::ffff:10.0.0.1]/x',
    ]) {
      assert.match(await expectErrorPage(id), /is not a public address/, id);
    }
    for (const [id, why] of [
      ['https://printer.local/client.json', /not a public host/],
      ['https://metadata.internal/client.json', /not a public host/],
      ['https://intranet/client.json', /fully qualified/],
      ['https://2130706433/client.json', /non-canonical numeric host/],
      // Outside loopback, plain http is refused before anything is fetched.
      ['http://example.com/client.json', /must use https/],
    ]) {
      assert.match(await expectErrorPage(id), why, id);
    }
    // Unroutable private addresses would take the whole fetch timeout each; all of these together
    // answered faster than one such fetch.
    assert.ok(Date.now() - started < TIMEOUT_SECONDS * 1000, `refused without fetching (${Date.now() - started} ms)`);
  });

  test('loopback documents are allowed only while the server itself is on loopback', async () => {
    const path = '/apps/loopback-only/client.json';
    docs.json(path, documentFor(path));
    // The same worker, reached under a public host name: its origin is no longer loopback.
    const asPublic = (clientId) => new Promise((resolve, reject) => {
      const target = new URL(authorizeUrl(clientId, pkce().challenge));
      httpGet(target, { headers: { host: 'm365.example.com' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, body }));
      }).on('error', reject);
    });
    for (const [id, why] of [
      [docs.url(path), /must use https/],
      [docs.url(path).replace('http://', 'https://'), /is not a public address/],
      [docs.url(path).replace('127.0.0.1', 'localhost'), /must use https/],
    ]) {
      const r = await asPublic(id);
      assert.equal(r.status, 400, id);
      assert.equal(r.location, undefined);
      assert.match(decodeEntities(r.body.match(/<p id="error-message">([\s\S]*?)<\/p>/)?.[1] ?? ''), why, id);
    }
    assert.equal(docs.hits(path), 0, 'nothing was fetched');
    // On its loopback origin the same document is fine.
    const r = await new Browser().request(authorizeUrl(docs.url(path), pkce().challenge));
    assert.equal(r.status, 200);
    assert.equal(docs.hits(path), 1);
  });

  test('client id URLs that are not usable document URLs are refused', async () => {
    for (const [id, why] of [
      [`${docs.base}/`, /must contain a path/],
      [docs.base, /must contain a path/],
      [`${docs.url('/apps/q/client.json')}?v=1`, /must not contain a query/],
      [`${docs.url('/apps/f/client.json')}#frag`, /must not contain a fragment/],
      [docs.url('/apps/../client.json'), /dot path segments/],
      [docs.url('/apps/u/client.json').replace('http://', 'http://user@'), /userinfo/],
    ]) {
      assert.match(await expectErrorPage(id), why, id);
    }
  });

  test('a document is fetched once for several authorizations and the token request', async () => {
    const path = '/apps/cached/client.json';
    docs.json(path, documentFor(path, { client_name: 'Cached App' }));
    const clientId = docs.url(path);
    for (let i = 0; i < 2; i++) {
      const r = await new Browser().request(authorizeUrl(clientId, pkce().challenge));
      assert.equal(r.status, 200);
      assert.match(await r.text(), /Cached App/);
    }
    assert.equal(docs.hits(path), 1, 'the second authorization used the cached document');
    const { verifier, challenge } = pkce();
    const back = await authorizeFresh(clientId, challenge);
    const t = await tokenRequest({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId });
    assert.equal(t.status, 200, JSON.stringify(t.json));
    assert.equal(docs.hits(path), 1, 'the token endpoint used the cached document');
  });

  test('invalid documents and failed fetches are not cached', async () => {
    // Invalid (client_id mismatch), then fixed: the fix is seen at once.
    const path = '/apps/fixed/client.json';
    docs.json(path, documentFor(path, { client_id: docs.url('/apps/fixed/wrong.json') }));
    await expectErrorPage(docs.url(path));
    assert.equal(docs.hits(path), 1);
    docs.json(path, documentFor(path, { client_name: 'Fixed App' }));
    let r = await new Browser().request(authorizeUrl(docs.url(path), pkce().challenge));
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Fixed App/);
    assert.equal(docs.hits(path), 2, 'the invalid document was not cached');
    r = await new Browser().request(authorizeUrl(docs.url(path), pkce().challenge));
    assert.equal(r.status, 200);
    assert.equal(docs.hits(path), 2, 'the valid one is');

    // Not found, then published.
    const later = '/apps/later/client.json';
    await expectErrorPage(docs.url(later));
    docs.json(later, documentFor(later));
    r = await new Browser().request(authorizeUrl(docs.url(later), pkce().challenge));
    assert.equal(r.status, 200);
    assert.equal(docs.hits(later), 2, 'the 404 was not cached');
  });
});
