// A headless "user" for OAuth flows: follows redirects by hand with a cookie jar, approves the
// worker's consent page and picks a user on the sandbox's Microsoft sign-in page. Pages are
// parsed with small regular expressions on purpose: the forms are ours and simple, and a test
// that needs a DOM for them would be hiding a page that has grown too complex.
import { createHash, randomBytes } from 'node:crypto';

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
