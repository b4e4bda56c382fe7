#!/usr/bin/env node
// A scripted "web browser" for clients that open the authorization URL themselves (mcp-remote
// launches `$BROWSER <url>` through xdg-open). Usage: node scripted_browser.mjs <authorize URL>.
//
// It does what a user would: opens the worker's /authorize URL, approves the consent page, picks
// a user on the sandbox's Microsoft sign-in page (the steps of oauth_user.mjs `authorize()`), and
// then *follows* the worker's final redirect to the client's own loopback callback
// (e.g. mcp-remote's http://localhost:<port>/oauth/callback?code=…), so the client receives the code.
//
// Its stdio is usually discarded by the launcher, so it reports through files:
//   SCRIPTED_BROWSER_REPORT  a file to which one JSON line per run is appended (what it saw);
//   SCRIPTED_BROWSER_USER    the user to pick at the sandbox sign-in (default: Adele Vance).
// Exit status 0 when the client's callback answered 2xx, 1 otherwise.
import { appendFileSync } from 'node:fs';
import { Browser, DEFAULT_USER, authorize, decodeEntities } from './oauth_user.mjs';

const MAX_CALLBACK_REDIRECTS = 5;

async function run(url) {
  const report = { pid: process.pid, started: new Date().toISOString(), url };
  const start = Date.now();
  try {
    const target = new URL(url);
    const workerUrl = target.origin;
    const browser = new Browser();
    const back = await authorize(browser, url, {
      workerUrl,
      userName: process.env.SCRIPTED_BROWSER_USER || DEFAULT_USER,
      checkConsent: (html) => {
        report.consentClientName = decodeEntities(html.match(/id="client-name">([^<]*)</)?.[1] ?? '');
        report.consentShown = true;
      },
      checkUpstream: (u) => { report.upstream = `${u.origin}${u.pathname}`; },
    });
    report.redirect = back.toString();
    // Follow the redirect back to the client, as a browser would (and any redirects it answers).
    let next = back;
    for (let i = 0; i <= MAX_CALLBACK_REDIRECTS; i++) {
      const r = await browser.request(next.toString());
      report.callbackStatus = r.status;
      report.callbackBody = (await r.text()).slice(0, 500);
      const location = r.status >= 300 && r.status < 400 ? r.headers.get('location') : null;
      if (!location) break;
      next = new URL(location, next);
    }
    report.ok = report.callbackStatus >= 200 && report.callbackStatus < 300;
  } catch (e) {
    report.ok = false;
    report.error = String(e?.stack || e);
  }
  report.ms = Date.now() - start;
  if (process.env.SCRIPTED_BROWSER_REPORT) {
    appendFileSync(process.env.SCRIPTED_BROWSER_REPORT, `${JSON.stringify(report)}\n`);
  } else {
    process.stderr.write(`${JSON.stringify(report)}\n`);
  }
  return report.ok;
}

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: scripted_browser.mjs <url>\n');
  process.exit(2);
}
process.exit((await run(url)) ? 0 : 1);
