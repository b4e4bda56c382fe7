// Edge cases of the MCP endpoint, over raw fetch with real tokens from the authorization flow
// (the headless user signs in through the TypeScript SDK's auth()). What a well-behaved SDK
// client never sends, and what a dropped connection does:
//
//  1. Resumption (2025-11-25 transports §Resumability and Redelivery). Event ids are a cursor
//     within one stream (`<stream>.<seq>`). A GET with `Last-Event-ID: X` replays the messages of
//     X's stream that came after X, each exactly once, never a message of another stream, and
//     then the stream goes on (a POST's stream ends with its response, so a resumed POST stream
//     whose response has been replayed ends too). Resuming twice from the same X replays the same
//     messages again: the client says it saw nothing after X, and "replay messages that would
//     have been sent after the last event ID" is exactly that; a client that did see the response
//     resumes from the response's id and gets nothing. "Exactly once" is per resumption and
//     cursor: no duplicates within a replay, no gaps, nothing from another stream.
//  2. A session is bound to the user *and* the OAuth client that created it; any other token gets
//     404, as for an unknown id (security best practices §Session Hijacking: "bind session IDs to
//     user-specific information"; answering 404 rather than 403 means a valid id cannot be
//     told from an invalid one by probing with another token, and 404 is what makes a client
//     start a new session of its own).
//  3. Protocol version and standard header checks (400; -32020 in 2026-07-28).
//  4. Origin (403 for a foreign one).
//  5. JSON-RPC errors, ids, sizes, notifications, batches; the worker keeps serving.
//  6. DELETE ends the session (404 afterwards; open streams end).
//  7. The stateless 2026-07-28 revision on the same endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack } from './harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

const SESSION_VERSION = '2025-11-25';
const MODERN = '2026-07-28';
const BOTH = 'application/json, text/event-stream';

let stack;
let mcpUrl;
/** Adele with the main client; Adele with a second client; Megan Bowen. */
let adele;
let adeleOther;
let megan;

before(async () => {
  stack = await startStack();
  mcpUrl = `${stack.url}/mcp`;
  const token = async (opts) => (await sdkSignIn(stack.url, mcpUrl, opts)).store.tokens.access_token;
  adele = await token({ clientName: 'Edge Client' });
  adeleOther = await token({ clientName: 'Edge Client Two' });
  megan = await token({ clientName: 'Edge Client Megan', userName: 'Megan Bowen' });
});
after(async () => {
  // EDGE_WORKER_LOG=<file>: keep the worker's log for debugging.
  if (process.env.EDGE_WORKER_LOG && stack) (await import('node:fs')).writeFileSync(process.env.EDGE_WORKER_LOG, stack.logs());
  await stack?.stop();
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** A raw request to /mcp. `body` is sent as is when a string (or stream), else as JSON. */
async function call(token, { method = 'POST', body, headers = {}, signal, url = mcpUrl } = {}) {
  const h = { authorization: `Bearer ${token}`, ...headers };
  if (method === 'POST') {
    h['content-type'] ??= 'application/json';
    h.accept ??= BOTH;
  }
  const init = { method, headers: h, signal };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof ReadableStream || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (body instanceof ReadableStream) init.duplex = 'half';
  }
  return fetch(url, init);
}

/** POST `body` in session `sid` (JSON answer expected); returns { status, json, text, headers }. */
async function rpc(token, sid, body, { headers = {}, accept = 'application/json' } = {}) {
  const h = { accept, ...headers };
  if (sid) h['mcp-session-id'] = sid;
  if (sid && !('mcp-protocol-version' in h)) h['mcp-protocol-version'] = SESSION_VERSION;
  for (const [k, v] of Object.entries(h)) if (v === null) delete h[k];
  const r = await call(token, { body, headers: h });
  const text = await r.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: r.status, json, text, headers: r.headers, contentType: r.headers.get('content-type') ?? '' };
}

/** initialize + notifications/initialized; returns the session id. */
async function openSession(token, version = SESSION_VERSION) {
  const init = await rpc(token, null, {
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'edge', version: '1.0.0' } },
  });
  assert.equal(init.status, 200, init.text);
  assert.equal(init.json.result.protocolVersion, version);
  const sid = init.headers.get('mcp-session-id');
  assert.match(sid, /^[\x21-\x7e]{16,}$/, 'a visible-ASCII session id');
  const note = await rpc(token, sid, { jsonrpc: '2.0', method: 'notifications/initialized' }, { headers: { 'mcp-protocol-version': version } });
  assert.equal(note.status, 202, note.text);
  assert.equal(note.text, '');
  return sid;
}

function modernMeta(extra = {}) {
  return { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'edge', version: '1.0.0' }, ...extra };
}

/** A stateless 2026-07-28 request with matching standard headers (overridable). */
async function modern(token, method, params = {}, { id = 1, headers = {} } = {}) {
  const h = { 'mcp-protocol-version': MODERN, 'mcp-method': method };
  if (method === 'tools/call') h['mcp-name'] = params.name;
  Object.assign(h, headers);
  for (const [k, v] of Object.entries(h)) if (v === null) delete h[k];
  return rpc(token, null, { jsonrpc: '2.0', id, method, params: { ...params, _meta: modernMeta(params._meta) } }, { headers: h, accept: BOTH });
}

/**
 * Reads a `text/event-stream` body event by event (WHATWG §9.2.6 framing). Every block is
 * returned, including the priming event (id, empty data) that a browser would not dispatch, and
 * keep-alive comments are counted, not returned.
 */
class SseReader {
  constructor(response) {
    this.reader = response.body.getReader();
    this.decoder = new TextDecoder();
    this.buffer = '';
    this.ended = false;
    this.comments = 0;
    this.pending = null;
  }

  /** The next event, `null` at the end of the stream; rejects after `ms` without one. */
  async next(ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const block = this.takeBlock();
      if (block !== undefined) {
        const ev = this.parse(block);
        if (ev) return ev;
        continue;
      }
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${ms} ms (buffer: ${JSON.stringify(this.buffer)})`);
      this.pending ??= this.reader.read();
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), left); });
      const res = await Promise.race([this.pending, timeout]);
      clearTimeout(timer);
      if (res === 'timeout') continue;
      this.pending = null;
      if (res.done) {
        this.ended = true;
        this.buffer += this.decoder.decode();
        if (this.buffer.trim() !== '') this.buffer += '\n\n';
      } else {
        this.buffer += this.decoder.decode(res.value, { stream: true });
      }
    }
  }

  takeBlock() {
    const m = this.buffer.match(/\r\n\r\n|\n\n|\r\r/);
    if (!m) return undefined;
    const block = this.buffer.slice(0, m.index);
    this.buffer = this.buffer.slice(m.index + m[0].length);
    return block;
  }

  parse(block) {
    const ev = { id: undefined, event: undefined, data: undefined, retry: undefined };
    let fields = 0;
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === '') continue;
      if (line.startsWith(':')) { this.comments += 1; continue; }
      const i = line.indexOf(':');
      const name = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      fields += 1;
      if (name === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
      else if (name === 'id') ev.id = value;
      else if (name === 'event') ev.event = value;
      else if (name === 'retry') ev.retry = Number(value);
    }
    if (!fields) return null;
    ev.message = ev.data ? JSON.parse(ev.data) : undefined;
    return ev;
  }

  /** Every remaining event until the stream ends (rejects if it does not end within `ms`). */
  async rest(ms = 10000) {
    const out = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const ev = await this.next(Math.max(1, deadline - Date.now()));
      if (ev === null) return out;
      out.push(ev);
    }
  }

  async cancel() {
    try { await this.reader.cancel(); } catch { /* already closed */ }
  }
}

/** GET /mcp for session `sid` (optionally resuming after `lastEventId`). */
async function openGet(token, sid, { lastEventId, headers = {}, signal } = {}) {
  const h = { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION, ...headers };
  if (lastEventId !== undefined) h['last-event-id'] = lastEventId;
  for (const [k, v] of Object.entries(h)) if (v === null) delete h[k];
  return call(token, { method: 'GET', headers: h, signal });
}

const isResponse = (m) => m && 'id' in m && ('result' in m || 'error' in m);

function assertPriming(ev, what) {
  assert.ok(ev, `${what}: an event`);
  assert.ok(ev.id, `${what}: the priming event has an id: ${JSON.stringify(ev)}`);
  assert.ok(!ev.data, `${what}: the priming event has empty data: ${JSON.stringify(ev)}`);
}

function profileText(result) {
  return result.content.map((c) => c.text).join('\n');
}

// ---------------------------------------------------------------------------------------------

describe('1. SSE streams and resumption', () => {
  test('a dropped tools/call stream is resumed with Last-Event-ID; missed events once per cursor', async () => {
    const sid = await openSession(adele);
    const ac = new AbortController();
    const resp = await call(adele, {
      body: { jsonrpc: '2.0', id: 'resume-1', method: 'tools/call', params: { name: 'get_profile', arguments: {} } },
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION, accept: BOTH },
      signal: ac.signal,
    });
    assert.equal(resp.status, 200);
    assert.match(resp.headers.get('content-type'), /^text\/event-stream/);
    const sse = new SseReader(resp);
    const prime = await sse.next();
    assertPriming(prime, 'POST stream');
    assert.ok(prime.retry > 0, 'a retry hint comes with the priming event');
    // Drop the connection right after the priming event: whatever followed is "missed".
    ac.abort();
    await sse.cancel();

    const stream = prime.id.split('.')[0];
    const r1 = await openGet(adele, sid, { lastEventId: prime.id });
    assert.equal(r1.status, 200, 'resumption is accepted');
    assert.match(r1.headers.get('content-type'), /^text\/event-stream/);
    const replay1 = await new SseReader(r1).rest();
    const messages1 = replay1.filter((e) => e.message);
    assert.equal(messages1.length, 1, `exactly the one missed message: ${JSON.stringify(replay1)}`);
    const [answer] = messages1;
    assert.ok(isResponse(answer.message));
    assert.equal(answer.message.id, 'resume-1');
    assert.match(profileText(answer.message.result), /Adele Vance/);
    assert.equal(answer.id.split('.')[0], stream, 'the event id names the same stream');
    assert.notEqual(answer.id, prime.id);
    assert.ok(!replay1.some((e) => e.id === prime.id), 'the event the client saw is not replayed');

    // The client saw the response: resuming from it delivers nothing (and the stream, whose
    // request is answered, ends).
    const r2 = await openGet(adele, sid, { lastEventId: answer.id });
    assert.equal(r2.status, 200);
    const replay2 = await new SseReader(r2).rest();
    assert.deepEqual(replay2.filter((e) => e.message), [], 'nothing after the response');

    // The same cursor again (the client crashed before it processed the replay): the same
    // message, again exactly once, with the same event id: a client that tracks ids can tell
    // it has it.
    const r3 = await openGet(adele, sid, { lastEventId: prime.id });
    assert.equal(r3.status, 200);
    const replay3 = (await new SseReader(r3).rest()).filter((e) => e.message);
    assert.equal(replay3.length, 1);
    assert.equal(replay3[0].id, answer.id);
    assert.deepEqual(replay3[0].message, answer.message);
  });

  test('a stream dropped while the tool is still running: the response comes on the resumed stream', async () => {
    const sid = await openSession(adele);
    // Graph answers slowly, so the drop and the resumption both happen before the response.
    const faults = (body) => fetch(`${stack.sandbox.url}/_admin/faults`, { method: body ? 'POST' : 'DELETE', headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    assert.ok((await faults({ latency_ms: 2000 })).ok);
    try {
      const ac = new AbortController();
      const started = Date.now();
      const resp = await call(adele, {
        body: { jsonrpc: '2.0', id: 'slow-1', method: 'tools/call', params: { name: 'get_profile', arguments: {} } },
        headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION, accept: BOTH },
        signal: ac.signal,
      });
      const sse = new SseReader(resp);
      const prime = await sse.next();
      assertPriming(prime, 'POST stream');
      assert.ok(Date.now() - started < 1500, 'the priming event comes before the slow tool finishes');
      ac.abort();
      await sse.cancel();

      const resumed = await openGet(adele, sid, { lastEventId: prime.id });
      assert.equal(resumed.status, 200);
      const events = await new SseReader(resumed).rest(15000);
      const messages = events.filter((e) => e.message);
      assert.equal(messages.length, 1, JSON.stringify(events));
      assert.equal(messages[0].message.id, 'slow-1');
      assert.match(profileText(messages[0].message.result), /Adele Vance/);
      assert.equal(messages[0].id.split('.')[0], prime.id.split('.')[0]);
      assert.ok(Date.now() - started >= 1900, 'it really was still running when the client resumed');
    } finally {
      await faults(null);
    }
  });

  test('a stream read to its end closes after the response; resumption never crosses streams', async () => {
    const sid = await openSession(adele);
    // The standalone GET stream: priming at once.
    const started = Date.now();
    const get = await openGet(adele, sid);
    assert.equal(get.status, 200);
    assert.match(get.headers.get('content-type'), /^text\/event-stream/);
    const getSse = new SseReader(get);
    const getPrime = await getSse.next(5000);
    const elapsed = Date.now() - started;
    assertPriming(getPrime, 'GET stream');
    assert.ok(elapsed < 3000, `the first bytes come at once (${elapsed} ms)`);

    const resp = await call(adele, {
      body: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_profile', arguments: {} } },
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION, accept: BOTH },
    });
    const events = await new SseReader(resp).rest();
    assertPriming(events[0], 'POST stream');
    const answers = events.filter((e) => isResponse(e.message));
    assert.equal(answers.length, 1, 'one response, then the stream ends');
    assert.equal(answers[0].message.id, 7);
    assert.notEqual(getPrime.id.split('.')[0], events[0].id.split('.')[0], 'each stream has its own ids');

    // The GET stream got nothing of it (no broadcast), and resuming it replays nothing of the
    // POST stream either.
    await assert.rejects(getSse.next(1000), /no SSE event/);
    await getSse.cancel();
    const resumed = await openGet(adele, sid, { lastEventId: getPrime.id });
    assert.equal(resumed.status, 200);
    const rs = new SseReader(resumed);
    await assert.rejects(rs.next(1500), /no SSE event/, 'a resumed GET stream stays open, empty');
    await rs.cancel();

    // Ids that are not ours are refused rather than guessed at.
    for (const bad of ['nonsense', 's99.1', `${events[0].id.split('.')[0]}.999999`]) {
      const r = await openGet(adele, sid, { lastEventId: bad });
      assert.equal(r.status, 400, `Last-Event-ID ${bad}: ${r.status}`);
      await r.body?.cancel();
    }
  });
});

describe('2. sessions are bound to user and client', () => {
  test("another user's token or another client's token gets 404 for the session", async () => {
    const sid = await openSession(adele);
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    for (const [who, token] of [['Megan Bowen', megan], ['Adele with another client', adeleOther]]) {
      const p = await rpc(token, sid, list);
      assert.equal(p.status, 404, `${who} POST: ${p.text}`);
      assert.equal(p.json.error.code, -32600);
      const g = await openGet(token, sid);
      assert.equal(g.status, 404, `${who} GET`);
      await g.body?.cancel();
      const d = await call(token, { method: 'DELETE', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION } });
      assert.equal(d.status, 404, `${who} DELETE`);
      // Indistinguishable from an id that never existed.
      const unknown = await rpc(token, 'A'.repeat(43), list);
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, p.json);
    }
    const mine = await rpc(adele, sid, list);
    assert.equal(mine.status, 200, 'the owner still has the session');
    assert.ok(mine.json.result.tools.length > 0);
  });
});

describe('3. protocol version and standard headers', () => {
  test('an unsupported MCP-Protocol-Version on a session request is 400', async () => {
    const sid = await openSession(adele);
    for (const v of ['1999-01-01', 'garbage', MODERN]) {
      const r = await rpc(adele, sid, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { headers: { 'mcp-protocol-version': v } });
      assert.equal(r.status, 400, `${v}: ${r.text}`);
      assert.ok(r.json.error, r.text);
    }
    const g = await openGet(adele, sid, { headers: { 'mcp-protocol-version': '1999-01-01' } });
    assert.equal(g.status, 400);
    await g.body?.cancel();
    const ok = await rpc(adele, sid, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { headers: { 'mcp-protocol-version': '2025-06-18' } });
    assert.equal(ok.status, 200, 'another supported version is accepted (the negotiated one is served)');
  });

  test('2026-07-28: header and _meta disagree → 400 -32020; Mcp-Method / Mcp-Name mismatch → 400 -32020', async () => {
    const cases = [
      ['MCP-Protocol-Version differs from _meta', 'tools/list', {}, { 'mcp-protocol-version': SESSION_VERSION }],
      ['Mcp-Method differs from the body', 'tools/list', {}, { 'mcp-method': 'prompts/list' }],
      ['Mcp-Method missing', 'tools/list', {}, { 'mcp-method': null }],
      ['Mcp-Name differs from the tool', 'tools/call', { name: 'get_profile', arguments: {} }, { 'mcp-name': 'send_mail' }],
      ['Mcp-Name missing', 'tools/call', { name: 'get_profile', arguments: {} }, { 'mcp-name': null }],
    ];
    for (const [what, method, params, headers] of cases) {
      const r = await modern(adele, method, params, { id: 'hm', headers });
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.json.error.code, -32020, `${what}: ${r.text}`);
      assert.equal(r.json.id, 'hm', `${what}: the id is echoed`);
    }
    // An unsupported version in both places: -32022 with the supported list.
    const r = await rpc(adele, null, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: modernMeta({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }) } }, { headers: { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, -32022);
    assert.deepEqual(r.json.error.data.supported, [MODERN]);
  });
});

describe('4. Origin', () => {
  test('a foreign Origin is 403 on every method; our own origin is served', async () => {
    const evil = { origin: 'https://evil.example' };
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: SESSION_VERSION, capabilities: {}, clientInfo: { name: 'edge', version: '1' } } };
    const p = await rpc(adele, null, init, { headers: evil });
    assert.equal(p.status, 403, p.text);
    assert.equal(p.headers.get('mcp-session-id'), null, 'no session was created');
    const sid = await openSession(adele);
    const g = await openGet(adele, sid, { headers: evil });
    assert.equal(g.status, 403);
    await g.body?.cancel();
    const d = await call(adele, { method: 'DELETE', headers: { ...evil, 'mcp-session-id': sid } });
    assert.equal(d.status, 403);
    const m = await modern(adele, 'server/discover', {}, { headers: evil });
    assert.equal(m.status, 403);
    const legacy = await call(adele, { method: 'GET', url: `${stack.url}/sse`, headers: { ...evil, accept: 'text/event-stream' } });
    assert.equal(legacy.status, 403, 'the legacy SSE endpoint too');
    await legacy.body?.cancel();
    // Our own origin (what a browser page served by this worker would send) is allowed.
    const own = await rpc(adele, null, init, { headers: { origin: stack.url } });
    assert.equal(own.status, 200, own.text);
    assert.ok(own.headers.get('mcp-session-id'));
    const still = await rpc(adele, sid, { jsonrpc: '2.0', id: 2, method: 'ping' }, { headers: { origin: stack.url } });
    assert.equal(still.status, 200, 'the refused DELETE did not end the session');
    // An origin the deployment allows (ALLOWED_ORIGINS; the harness sets one) is served too.
    const allowed = await rpc(adele, sid, { jsonrpc: '2.0', id: 3, method: 'ping' }, { headers: { origin: 'https://allowed-client.example' } });
    assert.equal(allowed.status, 200, allowed.text);
  });
});

describe('5. JSON-RPC done right, and the worker keeps serving', () => {
  let sid;
  before(async () => { sid = await openSession(adele); });

  test('malformed JSON is 400 -32700 with id null', async () => {
    for (const body of ['{"jsonrpc":"2.0","id":1,', 'hello', '{"jsonrpc":"2.0","id":1,"method":"ping"}}', '\u0000', '['.repeat(5000) + ']'.repeat(5000)]) {
      const r = await rpc(adele, sid, body);
      assert.equal(r.status, 400, `${body.slice(0, 40)}: ${r.text}`);
      assert.equal(r.json.error.code, -32700, r.text);
      assert.equal(r.json.id, null);
      assert.equal(r.json.jsonrpc, '2.0');
    }
    const binary = await rpc(adele, sid, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    assert.equal(binary.status, 400);
    assert.equal(binary.json.error.code, -32700);
  });

  test('invalid requests are -32600: wrong jsonrpc, id of the wrong type, empty batch', async () => {
    const cases = [
      [{ jsonrpc: '1.0', id: 1, method: 'ping' }, 1],
      [{ id: 2, method: 'ping' }, 2],
      [{ jsonrpc: '2.0', id: 1.5, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: { a: 1 }, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: true, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: null, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: 3, method: 5 }, 3],
      [{ jsonrpc: '2.0', id: 4, method: 'ping', params: 'x' }, 4],
      [[], null],
      ['"just a string"', null],
    ];
    for (const [body, id] of cases) {
      const r = await rpc(adele, sid, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.code, -32600, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.id, id, `${JSON.stringify(body)}: id`);
    }
    // A number too big for an integer id is refused too, not rounded.
    const huge = await rpc(adele, sid, '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}');
    assert.equal(huge.status, 400);
    assert.equal(huge.json.error.code, -32600);
  });

  test('unknown method: -32601, in-band (200) in a session, 404 in 2026-07-28', async () => {
    const s = await rpc(adele, sid, { jsonrpc: '2.0', id: 'u1', method: 'no/such/method' });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.error.code, -32601);
    assert.equal(s.json.id, 'u1');
    // server/discover is 2026-07-28 only.
    const d = await rpc(adele, sid, { jsonrpc: '2.0', id: 'u2', method: 'server/discover' });
    assert.equal(d.json.error.code, -32601);
    const m = await modern(adele, 'no/such/method', {}, { id: 'u3' });
    assert.equal(m.status, 404, m.text);
    assert.equal(m.json.error.code, -32601);
    assert.equal(m.json.id, 'u3');
    // ping and initialize do not exist in 2026-07-28.
    const p = await modern(adele, 'ping', {}, { id: 'u4' });
    assert.equal(p.status, 404, p.text);
  });

  test('params of the wrong type are -32602', async () => {
    const cases = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 42 } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call' },
      { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { cursor: 5 } },
      { jsonrpc: '2.0', id: 5, method: 'tools/list', params: { cursor: 'not-a-cursor' } },
      { jsonrpc: '2.0', id: 6, method: 'logging/setLevel', params: { level: 'LOUD' } },
    ];
    for (const body of cases) {
      const r = await rpc(adele, sid, body);
      assert.equal(r.status, 200, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error?.code, -32602, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.id, body.id);
    }
    // Bad tool arguments are a tool error (isError), which the model can read and correct.
    const bad = await rpc(adele, sid, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_profile', arguments: 'x' } });
    assert.equal(bad.status, 200);
    assert.equal(bad.json.result.isError, true, bad.text);
    // 2026-07-28 without the required _meta: -32602 with HTTP 400.
    const m = await rpc(adele, null, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, { headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' } });
    assert.equal(m.status, 400, m.text);
    assert.equal(m.json.error.code, -32602);
  });

  test('a body over the size limit is 413 with a clear error, with or without Content-Length', async () => {
    const pad = 'x'.repeat(17 * 1024 * 1024);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad } });
    const r = await rpc(adele, sid, body);
    assert.equal(r.status, 413, r.text.slice(0, 300));
    assert.equal(r.json.error.code, -32600);
    assert.match(r.json.error.message, /limit/);
    assert.equal(r.json.error.data.maxBytes, 16 * 1024 * 1024);
    // Chunked (no Content-Length): the body is read, measured and refused the same way.
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 256 * 1024) c.enqueue(bytes.slice(i, i + 256 * 1024));
        c.close();
      },
    });
    const chunked = await call(adele, { body: stream, headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION } });
    const text = await chunked.text();
    assert.equal(chunked.status, 413, text.slice(0, 300));
    assert.equal(JSON.parse(text).error.data.maxBytes, 16 * 1024 * 1024);
  });

  test('notifications are 202 with an empty body', async () => {
    for (const body of [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'never-sent', reason: 'test' } },
      { jsonrpc: '2.0', method: 'notifications/something/unknown', params: { x: 1 } },
      { jsonrpc: '2.0', id: 'srv-1', result: {} },
    ]) {
      const r = await rpc(adele, sid, body);
      assert.equal(r.status, 202, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.text, '');
    }
    const m = await rpc(adele, null, { jsonrpc: '2.0', method: 'notifications/initialized', params: { _meta: modernMeta() } }, { headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'notifications/initialized' } });
    assert.equal(m.status, 202, m.text);
    assert.equal(m.text, '');
  });

  test('request ids are echoed exactly: string, number, large number, in JSON and in SSE', async () => {
    for (const raw of ['"abc"', '7', '0', '-1', '9007199254740993', '"9007199254740993"', '""']) {
      const r = await rpc(adele, sid, `{"jsonrpc":"2.0","id":${raw},"method":"ping"}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.text.includes(`"id":${raw}`), `id ${raw} echoed verbatim: ${r.text}`);
    }
    const resp = await call(adele, {
      body: '{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"get_profile","arguments":{}}}',
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION, accept: BOTH },
    });
    const events = await new SseReader(resp).rest();
    const answer = events.find((e) => e.data && e.data.includes('"result"'));
    assert.ok(answer, JSON.stringify(events));
    assert.ok(answer.data.includes('"id":9007199254740993'), answer.data.slice(0, 200));
    const m = await rpc(adele, null, `{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/list","params":{"_meta":${JSON.stringify(modernMeta())}}}`, { headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' } });
    assert.equal(m.status, 200, m.text);
    assert.ok(m.text.includes('"id":9007199254740993'));
    // The session keeps working: the response it keeps for replay holds that id (it used to make
    // storing the session fail, and every later request of the session a 500).
    const after = await rpc(adele, sid, { jsonrpc: '2.0', id: 'after-big-id', method: 'tools/list' });
    assert.equal(after.status, 200, after.text);
    const cancel = await rpc(adele, sid, '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":18446744073709551615}}');
    assert.equal(cancel.status, 202, cancel.text);
    const still = await rpc(adele, sid, { jsonrpc: '2.0', id: 'after-big-cancel', method: 'ping' });
    assert.equal(still.status, 200, still.text);
  });

  test('a session whose client capabilities hold a huge integer works', async () => {
    const init = await rpc(adele, null, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":{"x":{"n":12345678901234567890}}},"clientInfo":{"name":"edge","version":"1"}}}');
    assert.equal(init.status, 200, init.text);
    const s = init.headers.get('mcp-session-id');
    const r = await rpc(adele, s, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    assert.equal(r.status, 200, r.text);
  });

  test('batches: accepted on 2025-03-26, refused on 2025-11-25', async () => {
    const old = await openSession(adele, '2025-03-26');
    const batch = [
      { jsonrpc: '2.0', id: 'b1', method: 'tools/list' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'zzz' } },
      { jsonrpc: '2.0', id: 'b2', method: 'ping' },
      { jsonrpc: '1.0', id: 'b3', method: 'ping' },
      { jsonrpc: '2.0', id: 'b4', method: 'tools/call', params: { name: 'get_profile', arguments: {} } },
    ];
    for (const header of ['2025-03-26', null]) {
      const r = await rpc(adele, old, batch, { headers: { 'mcp-protocol-version': header } });
      assert.equal(r.status, 200, r.text);
      assert.ok(Array.isArray(r.json), r.text);
      assert.deepEqual(r.json.map((x) => x.id), ['b1', 'b2', 'b3', 'b4'], 'one answer per request, in order, none for the notification');
      assert.ok(r.json[0].result.tools.length > 0);
      assert.deepEqual(r.json[1].result, {});
      assert.equal(r.json[2].error.code, -32600);
      assert.match(profileText(r.json[3].result), /Adele Vance/);
    }
    const notes = await rpc(adele, old, [{ jsonrpc: '2.0', method: 'notifications/initialized' }], { headers: { 'mcp-protocol-version': '2025-03-26' } });
    assert.equal(notes.status, 202, 'a batch of notifications only');
    assert.equal(notes.text, '');
    const refused = await rpc(adele, sid, batch);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.code, -32600);
    assert.match(refused.json.error.message, /batch/i);
  });

  test('after all of that the worker still serves /health and tools/list', async () => {
    const h = await fetch(`${stack.url}/health`);
    assert.equal(h.status, 200);
    await h.body?.cancel();
    const r = await rpc(adele, sid, { jsonrpc: '2.0', id: 'final', method: 'tools/list' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.result.tools.some((t) => t.name === 'get_profile'));
    const fresh = await openSession(adele);
    const again = await rpc(adele, fresh, { jsonrpc: '2.0', id: 'final2', method: 'tools/list' });
    assert.equal(again.status, 200);
    assert.doesNotMatch(stack.logs(), /panicked at/, 'no panic in the worker log');
  });
});

describe('6. DELETE', () => {
  test('DELETE ends the session: open streams end, and the id gets 404 afterwards', async () => {
    const sid = await openSession(adele);
    const get = await openGet(adele, sid);
    const sse = new SseReader(get);
    const prime = await sse.next();
    assertPriming(prime, 'GET stream');
    const d = await call(adele, { method: 'DELETE', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': SESSION_VERSION } });
    assert.ok(d.status === 200 || d.status === 204, `DELETE: ${d.status}`);
    await d.body?.cancel();
    assert.equal(await sse.next(5000), null, 'the open GET stream ends with the session');

    const p = await rpc(adele, sid, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(p.status, 404, p.text);
    const n = await rpc(adele, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(n.status, 404);
    const g = await openGet(adele, sid);
    assert.equal(g.status, 404);
    await g.body?.cancel();
    const resumed = await openGet(adele, sid, { lastEventId: prime.id });
    assert.equal(resumed.status, 404);
    await resumed.body?.cancel();
    const again = await call(adele, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    assert.equal(again.status, 404);
    const nosid = await call(adele, { method: 'DELETE' });
    assert.equal(nosid.status, 400, 'DELETE without a session id');
  });
});

describe('7. stateless 2026-07-28', () => {
  test('server/discover, tools/list with cache hints, tools/call without a session', async () => {
    const d = await modern(adele, 'server/discover', {}, { id: 'd1' });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.headers.get('mcp-session-id'), null, 'no session');
    assert.ok(d.json.result.supportedVersions.includes(MODERN));
    assert.equal(d.json.result.resultType, 'complete');
    assert.ok(d.json.result.capabilities.tools);
    assert.ok(d.json.result._meta['io.modelcontextprotocol/serverInfo'].name);

    const l = await modern(adele, 'tools/list', {}, { id: 'l1' });
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.result.resultType, 'complete');
    assert.equal(typeof l.json.result.ttlMs, 'number');
    assert.ok(l.json.result.ttlMs > 0);
    assert.ok(l.json.result.tools.some((t) => t.name === 'get_profile'));

    const c = await modern(adele, 'tools/call', { name: 'get_profile', arguments: {} }, { id: 'c1' });
    assert.equal(c.status, 200, c.text);
    const result = c.contentType.startsWith('text/event-stream')
      ? c.text.split('\n').filter((x) => x.startsWith('data: ')).map((x) => JSON.parse(x.slice(6))).find(isResponse).result
      : c.json.result;
    assert.equal(result.resultType, 'complete');
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.match(profileText(result), /Adele Vance/);
    // Megan's token gets Megan's profile: nothing leaks between stateless requests.
    const mc = await modern(megan, 'tools/call', { name: 'get_profile', arguments: {} }, { id: 'c2' });
    assert.equal(mc.status, 200, mc.text);
    assert.match(mc.text, /Megan Bowen/);
    assert.doesNotMatch(mc.text, /Adele Vance/);
    // A session id sent along is ignored (2026-07-28 §Backward Compatibility).
    const ignored = await modern(adele, 'tools/list', {}, { id: 'l2', headers: { 'mcp-session-id': 'not-a-session' } });
    assert.equal(ignored.status, 200, ignored.text);
  });

  test('GET and DELETE are 405 in 2026-07-28', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await call(adele, { method, headers: { 'mcp-protocol-version': MODERN, accept: 'text/event-stream' } });
      assert.equal(r.status, 405, `${method}: ${r.status}`);
      await r.body?.cancel();
    }
  });
});

describe('step-up authorization', () => {
  test('a tool needing an ungranted permission answers 403 insufficient_scope; re-authorizing with it works', async () => {
    const { authorize, Browser, pkce, registerClient, tokenRequest, authorizeUrl } = await import('./oauth_user.mjs');
    const redirect = 'http://127.0.0.1:9/cb';
    const { json: client } = await registerClient(stack.url, { client_name: 'Step-up Client', redirect_uris: [redirect], token_endpoint_auth_method: 'none' });
    const browser = new Browser();
    const signIn = async (scope) => {
      const { verifier, challenge } = pkce();
      const url = authorizeUrl(stack.url, { client_id: client.client_id, redirect_uri: redirect, state: 's', code_challenge: challenge, scope, resource: `${stack.url}/mcp` });
      const back = await authorize(browser, url, { workerUrl: stack.url });
      const t = await tokenRequest(stack.url, { grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: redirect, code_verifier: verifier, client_id: client.client_id });
      assert.equal(t.status, 200, JSON.stringify(t.json));
      return t.json.access_token;
    };
    const call = async (token) => fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json',
        'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get_profile',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_profile', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    const narrow = await signIn('User.Read');
    const refused = await call(narrow);
    assert.equal(refused.status, 403);
    const challenge = refused.headers.get('www-authenticate');
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="User\.Read MailboxSettings\.Read"/);
    assert.match(challenge, /resource_metadata="/);
    // The client asks again with the scopes from the challenge: the consent page lists the new
    // permission (this browser approved only User.Read) and Microsoft is asked for it.
    const wide = await signIn('User.Read MailboxSettings.Read');
    const ok = await call(wide);
    assert.equal(ok.status, 200);
    const body = await ok.json();
    assert.notEqual(body.result.isError, true, JSON.stringify(body));
    assert.equal(body.result.structuredContent.displayName, 'Adele Vance');
  });
});

describe('stateless streaming', () => {
  test('a 2026-07-28 tools/call with a progressToken streams as SSE and ends with the result', async () => {
    const provider = await sdkSignIn(stack.url, `${stack.url}/mcp`, { clientName: 'Stream Client' });
    const r = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${provider.store.tokens.access_token}`, 'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get_profile',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'p1', method: 'tools/call', params: { name: 'get_profile', arguments: {}, _meta: { progressToken: 'tok-1', 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const text = await r.text(); // the stream ends after the result
    const events = text.split('\n\n').filter((e) => e.includes('data:')).map((e) => JSON.parse(e.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')));
    const last = events.at(-1);
    assert.equal(last.id, 'p1');
    assert.equal(last.result.structuredContent.displayName, 'Adele Vance');
    for (const e of events.slice(0, -1)) assert.equal(e.method, 'notifications/progress');
  });
});

describe('Graph throttling', () => {
  test('a 429 from Graph is retried after Retry-After and the tool call succeeds', async () => {
    const provider = await sdkSignIn(stack.url, `${stack.url}/mcp`, { clientName: 'Throttle Client' });
    const since = (await (await fetch(`${stack.sandbox.url}/_admin/requests`)).json()).last;
    await fetch(`${stack.sandbox.url}/_admin/faults`, { method: 'POST', body: JSON.stringify({ script: ['throttle'], retry_after_seconds: 1, path_prefix: '/$batch' }) });
    try {
      const started = Date.now();
      const r = await fetch(`${stack.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${provider.store.tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json',
          'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get_profile',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_profile', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
      });
      const body = await r.json();
      assert.equal(r.status, 200);
      assert.notEqual(body.result.isError, true, JSON.stringify(body));
      assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
      const log = (await (await fetch(`${stack.sandbox.url}/_admin/requests?since=${since}`)).json()).requests;
      const batches = log.filter((q) => q.path === '/v1.0/$batch' && !q.batch);
      assert.equal(batches.length, 2, 'one throttled attempt, one retry');
      assert.equal(batches[0].status, 429);
      assert.equal(batches[1].status, 200);
    } finally {
      await fetch(`${stack.sandbox.url}/_admin/faults`, { method: 'DELETE' });
    }
  });
});
