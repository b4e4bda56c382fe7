// The consent page in a real browser: headless Chromium (Debian's, driven by playwright-core)
// opens /authorize, checks what the page tells the user, approves, follows the meta refresh to the
// sandbox's Microsoft sign-in page, picks a user, and lands on the client's redirect URI (a local
// HTTP server of this test) with our code, which is then exchanged at /token. Screenshots of the
// consent and sign-in pages are kept in target/e2e-artifacts/ (and one of the page on failure).
//
// Chromium is installed by `scripts/setup-toolchain.sh --with-browser` (what scripts/test.sh
// runs). A missing browser fails this test; set M365_ALLOW_NO_BROWSER=1 to skip it instead on a
// machine without one. M365_CHROMIUM overrides the browser path (default /usr/bin/chromium).
// Never `npx playwright install`: it downloads a browser, which this project's machines cannot.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, startStack } from './harness.mjs';
import { pkce } from './oauth_user.mjs';

const CHROMIUM = process.env.M365_CHROMIUM || '/usr/bin/chromium';
const HAVE_BROWSER = existsSync(CHROMIUM);
const SKIP = !HAVE_BROWSER && process.env.M365_ALLOW_NO_BROWSER === '1'
  ? `no browser at ${CHROMIUM} (M365_ALLOW_NO_BROWSER=1)`
  : false;
const ARTIFACTS = join(ROOT, 'target', 'e2e-artifacts');
const CLIENT_NAME = 'Browser E2E Client';
// Chromium's own background traffic is refused on these machines (and pointless in a test).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A stand-in for the MCP client's loopback redirect URI: records each request, answers "done". */
async function startRedirectServer() {
  const hits = [];
  let notify = () => {};
  const server = createServer((req, res) => {
    hits.push(new URL(req.url, 'http://127.0.0.1'));
    notify();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('done');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const uri = `http://127.0.0.1:${server.address().port}/oauth/callback`;
  return {
    uri,
    hits,
    /** The first request to the callback path (waits up to `ms`). */
    async callback(ms) {
      const find = () => hits.find((u) => u.pathname === '/oauth/callback');
      const deadline = Date.now() + ms;
      while (!find() && Date.now() < deadline) {
        await new Promise((r) => { notify = r; setTimeout(r, 250); });
      }
      return find();
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

function elapsed(start) { return `${((Date.now() - start) / 1000).toFixed(2)} s`; }

let stack;
let redirect;
let context;
let profileDir;
before(async () => {
  if (SKIP) return;
  assert.ok(HAVE_BROWSER, `no browser at ${CHROMIUM}: run \`bash scripts/setup-toolchain.sh --with-browser\` `
    + '(installs Debian\'s chromium), or set M365_ALLOW_NO_BROWSER=1 to skip this test');
  mkdirSync(ARTIFACTS, { recursive: true });
  [stack, redirect] = await Promise.all([startStack(), startRedirectServer()]);
});
after(async () => {
  await context?.close().catch(() => {});
  await redirect?.close();
  await stack?.stop();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

describe('consent page in headless Chromium', () => {
  test('open, check, approve, sign in at Microsoft (sandbox), code at the redirect URI, token', { skip: SKIP, timeout: 180_000 }, async (t) => {
    const { chromium } = await import('playwright-core');
    // HOME, the config/cache dirs and the profile all live in one temp dir, removed afterwards.
    profileDir = mkdtempSync(join(tmpdir(), 'm365-chromium-'));
    const home = join(profileDir, 'home');
    mkdirSync(home);
    let start = Date.now();
    context = await chromium.launchPersistentContext(join(profileDir, 'profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 60_000,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') },
      viewport: { width: 900, height: 800 },
      colorScheme: 'light',
    });
    context.setDefaultTimeout(30_000);
    context.setDefaultNavigationTimeout(30_000);
    t.diagnostic(`chromium ${context.browser()?.version() ?? ''} started in ${elapsed(start)}`);

    // Content-Security-Policy violations, from the DOM event (reported through a binding, which
    // the page's CSP cannot block) and from the console; plus page errors and failed loads.
    const problems = [];
    await context.exposeBinding('__m365ReportCsp', ({ page }, v) => {
      problems.push(`CSP violation on ${page.url()}: ${JSON.stringify(v)}`);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__m365ReportCsp({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, sample: e.sample });
      });
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) problems.push(`console ${m.type()} on ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    const failedRequests = [];
    page.on('requestfailed', (r) => failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));

    const screenshot = async (name) => {
      const path = join(ARTIFACTS, name);
      await page.screenshot({ path, fullPage: true });
      t.diagnostic(`screenshot: ${path}`);
      console.log(`screenshot: ${path}`);
      return path;
    };

    try {
      // Register a client whose redirect URI is our loopback server.
      const reg = await fetch(`${stack.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: CLIENT_NAME, redirect_uris: [redirect.uri], token_endpoint_auth_method: 'none' }),
      });
      const client = await reg.json();
      assert.equal(reg.status, 201, JSON.stringify(client));

      const { verifier, challenge } = pkce();
      const state = `st-${Date.now()}`;
      const authorize = `${stack.url}/authorize?${new URLSearchParams({
        response_type: 'code', client_id: client.client_id, redirect_uri: redirect.uri, state,
        code_challenge: challenge, code_challenge_method: 'S256', resource: `${stack.url}/mcp`,
        scope: 'User.Read Mail.Read',
      })}`;

      // 1. The consent page.
      start = Date.now();
      const resp = await page.goto(authorize, { waitUntil: 'load' });
      assert.equal(resp.status(), 200, `consent page: HTTP ${resp.status()}`);
      const headers = resp.headers();
      assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/);
      t.diagnostic(`consent page loaded in ${elapsed(start)}`);

      assert.equal((await page.locator('#client-name').innerText()).trim(), CLIENT_NAME);
      assert.match(await page.locator('h1').innerText(), new RegExp(`Allow ${CLIENT_NAME}`));
      assert.match(await page.locator('#redirect-host').innerText(), /127\.0\.0\.1/, 'the redirect host is shown');
      assert.equal((await page.locator('#redirect-uri').innerText()).trim(), redirect.uri);
      const scopeCodes = (await page.locator('#scopes li code').allInnerTexts()).map((s) => s.trim());
      for (const s of ['User.Read', 'Mail.Read', 'openid profile', 'offline_access']) {
        assert.ok(scopeCodes.includes(s), `permission ${s} listed (got ${JSON.stringify(scopeCodes)})`);
      }
      assert.match(await page.locator('#scopes').innerText(), /Read your mail/);
      assert.equal((await page.locator('#client-id').innerText()).trim(), client.client_id);
      // The style block is allowed by its CSP hash: if the hash were wrong the page would be
      // unstyled (and a violation reported). The Approve button has the accent colour.
      const approveBg = await page.locator('#approve').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(approveBg, 'rgb(15, 108, 189)', 'the page style applied (CSP style hash)');
      assert.ok(await page.locator('#deny').isVisible(), 'a Deny button is shown');
      await screenshot('consent-page.png');
      assert.deepEqual(problems, [], 'no CSP violations or errors on the consent page');

      // 2. Approve: the POST answers 200 with a meta refresh to the sandbox's sign-in page.
      start = Date.now();
      const consentPost = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/authorize/consent');
      const atMicrosoft = page.waitForURL((u) => u.origin === stack.sandbox.url && u.pathname.endsWith('/oauth2/v2.0/authorize'), { waitUntil: 'load' });
      await page.locator('#approve').click();
      const posted = await consentPost;
      assert.equal(posted.status(), 200, 'the consent POST answers a 200 page (meta refresh, not a 303)');
      await atMicrosoft;
      const upstream = new URL(page.url());
      assert.equal(upstream.searchParams.get('resource'), null, 'no resource parameter goes to Microsoft');
      assert.equal(upstream.searchParams.get('code_challenge_method'), 'S256');
      assert.match(upstream.searchParams.get('scope') ?? '', /offline_access/);
      t.diagnostic(`approve -> sandbox sign-in page in ${elapsed(start)}`);

      // 3. The sandbox's Microsoft sign-in page: pick Adele Vance.
      await page.locator('#accounts').waitFor();
      assert.equal(await page.title(), 'Sign in to your account');
      const adele = page.locator('#accounts button[name="user"]', { hasText: 'Adele Vance' });
      assert.equal(await adele.count(), 1, 'the sign-in page lists Adele Vance');
      await screenshot('sandbox-sign-in.png');

      start = Date.now();
      const atClient = page.waitForURL((u) => u.href.startsWith(`${redirect.uri}?`), { waitUntil: 'load' });
      await adele.click();
      await atClient;
      assert.equal((await page.locator('body').innerText()).trim(), 'done');
      const back = await redirect.callback(5_000);
      assert.ok(back, `the client's redirect URI was called (hits: ${redirect.hits.map(String).join(', ')})`);
      t.diagnostic(`sign-in -> /callback -> client redirect URI in ${elapsed(start)}`);
      assert.equal(back.searchParams.get('error'), null, `no error: ${back.search}`);
      const code = back.searchParams.get('code');
      assert.match(code ?? '', /^m365_ac_/);
      assert.equal(back.searchParams.get('state'), state);
      assert.equal(back.searchParams.get('iss'), stack.url);
      assert.deepEqual(problems, [], 'no CSP violations or errors during the flow');
      assert.deepEqual(failedRequests, [], 'no failed requests in the browser');

      // 4. The code works.
      const tok = await fetch(`${stack.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect.uri, code_verifier: verifier, client_id: client.client_id, resource: `${stack.url}/mcp` }),
      });
      const tokens = await tok.json();
      assert.equal(tok.status, 200, JSON.stringify(tokens));
      assert.equal(tokens.token_type, 'Bearer');
      assert.match(tokens.access_token, /^m365_at_/);
      assert.match(tokens.refresh_token, /^m365_rt_/);
    } catch (e) {
      await screenshot('consent-browser-failure.png').catch(() => {});
      if (problems.length) t.diagnostic(`browser problems:\n${problems.join('\n')}`);
      throw e;
    }
  });
});
