// The mail reading tools end to end: the worker in workerd (wrangler dev), the sandbox, the
// official TypeScript SDK client signed in as Adele. Every tool of core/src/mcp/tools/mail/read/
// (list_messages, search_messages, get_message, get_thread, list_attachments, get_attachment,
// list_mail_folders, get_mail_tips, list_categories, get_mailbox_settings, list_message_rules,
// whats_new and ChatGPT's search and fetch) with happy and error paths and the Graph calls each
// makes (sandbox request log). One stack, the default preset (draft): it holds every reading
// tool plus mark_read / move_message / create_draft, used to change the inbox under whats_new.
//
// Raw Graph reads for comparisons (the size test, attachment bytes, hidden text in the seed) use
// a token of our own, obtained the ordinary way: an authorization-code sign-in of Adele at the
// sandbox's Entra with the sandbox app (the same app the worker is configured with). No token is
// forged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';
import { Browser, decodeEntities, pkce } from './oauth_user.mjs';

// Seed constants (sandbox/src/seed/{newsletter,mail,mod}.rs).
const INJECTION_SUBJECT = 'Relecloud Cloud Digest #47: Serverless at scale, cold starts and your cloud bill';
const INJECTION_ADDRESS = 'attacker@evil.example';
const LONGEST_THREAD_SUBJECT = 'Alpha beta feedback roundup';
const CROSS_TENANT_THREAD_SUBJECT = 'Partnership pricing proposal';
const LARGE_ZIP_SUBJECT = 'Alpha site survey photos (full set)';
const LARGE_CSV_SUBJECT = 'Full shipments export for the Contoso data migration';
const INLINE_IMAGE_SUBJECT = 'New Alpha logo options (inline preview)';
const ITEM_ATTACHMENT_SUBJECT = 'FW: Late deliveries (original message attached)';
const SUPPORT_DAMAGED_SUBJECT = 'Order #48213 arrived damaged';
const PHISHING_SUBJECT = 'Action required: verify your Woodgrove account within 24 hours';
const SUPPORT_UPN = 'support@contoso.example';

// The sandbox app (wrangler.toml ENTRA_CLIENT_ID; the secret tools_harness/harness.mjs passes).
const SANDBOX_CLIENT_ID = '6e2f1c3a-5b7d-4e8f-9a0b-5a1db0c5e365';
const SANDBOX_CLIENT_SECRET = 'sandbox-secret-not-for-production';

const READ_TOOLS = [
  'list_messages', 'search_messages', 'get_message', 'get_thread', 'list_attachments', 'get_attachment',
  'list_mail_folders', 'get_mail_tips', 'list_categories', 'get_mailbox_settings', 'list_message_rules',
  'whats_new', 'search', 'fetch',
];

/** Signs Adele in at the sandbox's Entra (authorization code + PKCE) and returns a Graph token. */
async function directGraphToken(sandboxUrl) {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const redirect = 'http://127.0.0.1:9/direct-graph-callback';
  const scope = 'openid offline_access User.Read Mail.ReadWrite Mail.Read.Shared MailboxSettings.Read';
  const authorize = `${sandboxUrl}/common/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: SANDBOX_CLIENT_ID, response_type: 'code', redirect_uri: redirect, response_mode: 'query',
    scope, state: 'direct', code_challenge: challenge, code_challenge_method: 'S256',
  })}`;
  let r = await browser.request(authorize);
  assert.equal(r.status, 200, 'sandbox sign-in page');
  const page = await r.text();
  const button = [...page.matchAll(/<button[^>]*name="user"[^>]*value="([^"]+)"[^>]*>([\s\S]*?)<\/button>/g)].find((m) => m[2].includes('Adele Vance'));
  assert.ok(button, 'the sign-in page lists Adele');
  r = await browser.submitForm(authorize, page, { button: { name: 'user', value: decodeEntities(button[1]) } });
  assert.equal(r.status, 302, `sign-in redirects back: ${r.status}`);
  const back = new URL(r.headers.get('location'));
  const code = back.searchParams.get('code');
  assert.ok(code, back.toString());
  r = await fetch(`${sandboxUrl}/common/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET,
      code, redirect_uri: redirect, code_verifier: verifier, scope,
    }),
  });
  const tok = await r.json();
  assert.equal(r.status, 200, JSON.stringify(tok));
  return tok.access_token;
}

/** The path segment `value` must appear as in a request path: every byte outside [A-Za-z0-9-_.~]
 * percent-encoded (so no raw "/", "=", "+", "?" from an id can reach Graph's path). */
function assertEncodedIn(path, value, what = 'id') {
  const segments = path.split('/');
  const seg = segments.find((s) => { try { return decodeURIComponent(s) === value; } catch { return false; } });
  assert.ok(seg, `${what} ${value} is not one segment of ${path}`);
  assert.match(seg, /^[A-Za-z0-9\-_.~%]*$/, `${what} not percent-encoded in ${path}`);
}

const q = (r) => decodeURIComponent(r.query || '');
const graphOnly = (reqs) => reqs.filter((r) => r.path.startsWith('/v1.0'));
const topLevel = (reqs) => graphOnly(reqs).filter((r) => !r.batch);
const line = (r) => `${r.method} ${r.path}?${q(r)}`;

/** Every GET for data names its fields ($select), except downloads ($value) and Graph's own
 * delta links (whose token carries the original query). */
function assertSelects(reqs) {
  for (const r of graphOnly(reqs)) {
    if (r.method !== 'GET' || r.path.endsWith('/$value') || /deltatoken/i.test(r.query || '')) continue;
    assert.match(q(r), /\$select=/, `GET without $select: ${line(r)}`);
  }
}

describe('mail reading tools', () => {
  let t;
  let token;
  /** A raw Graph GET with our own token: `{ status, json, bytes }`. */
  async function graph(path, init = {}) {
    const r = await fetch(`${t.stack.sandbox.url}/v1.0${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, prefer: 'IdType="ImmutableId"', ...(init.headers || {}) },
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, json, bytes: Buffer.byteLength(text), text };
  }
  /** Messages with exactly this subject, newest first. */
  async function bySubject(subject, root = '/me') {
    const filter = `subject eq '${subject.replace(/'/g, "''")}'`;
    const r = await graph(`${root}/messages?$filter=${encodeURIComponent(filter)}&$select=id,subject,receivedDateTime,conversationId,parentFolderId,isRead&$top=100`);
    assert.equal(r.status, 200, r.text);
    const list = r.json.value.sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime));
    assert.ok(list.length > 0, `no message with subject ${subject}`);
    return list;
  }
  const idOf = async (subject) => (await bySubject(subject))[0].id;
  /** Calls a tool and returns it with the Graph requests it made. */
  async function traced(name, args) {
    const since = await t.mark();
    const out = await t.call(name, args);
    const reqs = graphOnly(await t.graphRequests(since));
    // Every traced call: the immutable-id preference, no $search with $filter/$orderby, $select.
    assertGraphHygiene(assert, reqs);
    assertSelects(reqs);
    return { ...out, reqs };
  }
  const ok = (out, what = '') => { assert.equal(out.isError, false, `${what} ${out.text}`); return out; };
  const err = (out, pattern, what = '') => {
    assert.equal(out.isError, true, `${what} should fail: ${out.text}`);
    assert.match(out.text, pattern, what);
    return out;
  };

  before(async () => {
    t = await toolStack({ extraScopes: ['Mail.Read.Shared'] });
    token = await directGraphToken(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('every reading tool is listed, read-only, with an input schema', async () => {
    const { tools } = await t.client.listTools();
    for (const name of READ_TOOLS) {
      const tool = tools.find((x) => x.name === name);
      assert.ok(tool, `${name} is not listed`);
      assert.equal(tool.annotations?.readOnlyHint, true, name);
      assert.equal(tool.inputSchema?.type, 'object', name);
      assert.match(tool.description, /Example/, name);
    }
  });

  test('list_messages: pages, filters, $select, and errors', async () => {
    const first = ok(await traced('list_messages', { limit: 5 }));
    assert.equal(first.structured.messages.length, 5);
    assert.ok(first.structured.nextCursor, 'a cursor for the next page');
    assert.match(first.text, /id: /);
    assertGraphHygiene(assert, first.reqs);
    assert.equal(first.reqs.length, 1, first.reqs.map(line).join('\n'));
    const [r] = first.reqs;
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/v1.0/me/mailFolders/inbox/messages');
    assert.match(q(r), /\$select=id,subject,from,receivedDateTime/);
    assert.match(q(r), /\$top=5/);
    for (const m of first.structured.messages) {
      for (const k of ['id', 'subject', 'isRead', 'conversationId']) assert.ok(k in m, `${k} in ${JSON.stringify(m)}`);
    }
    const times = first.structured.messages.map((m) => m.received);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

    const second = ok(await traced('list_messages', { limit: 5, cursor: first.structured.nextCursor }));
    const seen = new Set(first.structured.messages.map((m) => m.id));
    assert.equal(second.structured.messages.length, 5);
    assert.ok(second.structured.messages.every((m) => !seen.has(m.id)), 'pages do not overlap');
    assertGraphHygiene(assert, second.reqs);
    assert.equal(second.reqs[0].path, '/v1.0/me/mailFolders/inbox/messages');

    const unread = ok(await traced('list_messages', { unread: true, limit: 50 }));
    assert.ok(unread.structured.messages.length > 0);
    for (const m of unread.structured.messages) assert.equal(m.isRead, false, m.subject);
    const uq = q(unread.reqs[0]);
    assert.match(uq, /\$filter=receivedDateTime .*isRead eq false/, uq);
    assert.match(uq, /\$orderby=receivedDateTime desc/, uq);
    assert.ok(!uq.includes('$search'), uq);

    const old = ok(await traced('list_messages', { order: 'oldest_first', received_after: '2020-01-01', limit: 3 }));
    const oldTimes = old.structured.messages.map((m) => m.received);
    assert.deepEqual(oldTimes, [...oldTimes].sort(), 'oldest first');

    err(await traced('list_messages', { received_after: 'yesterday' }), /received_after/);
    err(await traced('list_messages', { folder: 'No Such Folder' }), /list_mail_folders/);
    err(await traced('list_messages', { limit: 500 }), /limit/);
    err(await traced('list_messages', { foo: 1 }), /foo/);
    err(await traced('list_messages', { cursor: 'aHR0cHM6Ly9ldmlsLmV4YW1wbGUv' }), /cursor/);
  });

  test('list_messages: a page of 25 is at most 30% of the raw Graph JSON', async (tc) => {
    const out = ok(await traced('list_messages', { limit: 25 }));
    assert.equal(out.structured.messages.length, 25);
    const toolBytes = Buffer.byteLength(out.text) + Buffer.byteLength(JSON.stringify(out.structured));
    const raw = await graph('/me/mailFolders/inbox/messages?$top=25');
    assert.equal(raw.status, 200);
    assert.equal(raw.json.value.length, 25);
    // The same 25 messages.
    assert.deepEqual(out.structured.messages.map((m) => m.id), raw.json.value.map((m) => m.id));
    const rawBytes = Buffer.byteLength(JSON.stringify(raw.json));
    tc.diagnostic(`list_messages limit 25: ${toolBytes} bytes (text + structuredContent) vs raw Graph ${rawBytes} bytes = ${((toolBytes * 100) / rawBytes).toFixed(1)}%`);
    assert.ok(toolBytes * 100 <= rawBytes * 30, `tool ${toolBytes} bytes vs raw ${rawBytes} bytes (${Math.round((toolBytes * 100) / rawBytes)}%)`);
  });

  test('search_messages: KQL in $search without $filter/$orderby, paging, Microsoft Search, errors', async () => {
    const out = ok(await traced('search_messages', { subject: CROSS_TENANT_THREAD_SUBJECT, from: 'alex' }));
    assert.equal(out.structured.kql, `from:alex AND subject:"${CROSS_TENANT_THREAD_SUBJECT}"`);
    assert.ok(out.structured.messages.length > 0, out.text);
    for (const m of out.structured.messages) {
      assert.match(m.subject, /Partnership pricing proposal/);
      assert.match(m.from.address, /^alex/);
    }
    assertGraphHygiene(assert, out.reqs);
    assert.equal(out.reqs.length, 1, out.reqs.map(line).join('\n'));
    assert.equal(out.reqs[0].method, 'GET');
    assert.equal(out.reqs[0].path, '/v1.0/me/messages');
    const sq = q(out.reqs[0]);
    assert.ok(sq.includes('$search="from:alex AND subject:\\"Partnership pricing proposal\\""'), sq);
    assert.match(sq, /\$select=/);
    assert.ok(!sq.includes('$filter') && !sq.includes('$orderby'), sq);

    const args = { query: 'Alpha', folder: 'sentitems', received_after: '2026-01-01', limit: 2 };
    const p1 = ok(await traced('search_messages', args));
    assert.equal(p1.structured.messages.length, 2, p1.text);
    assert.ok(p1.structured.nextCursor);
    assert.equal(p1.reqs[0].path, '/v1.0/me/mailFolders/sentitems/messages');
    assert.match(q(p1.reqs[0]), /received>=2026-01-01/);
    assertGraphHygiene(assert, p1.reqs);
    const p2 = ok(await traced('search_messages', { ...args, cursor: p1.structured.nextCursor }));
    const ids = new Set(p1.structured.messages.map((m) => m.id));
    assert.ok(p2.structured.messages.length > 0 && p2.structured.messages.every((m) => !ids.has(m.id)), 'pages do not overlap');
    assertGraphHygiene(assert, p2.reqs);

    const deep = ok(await traced('search_messages', { query: 'pricing', include_attachment_contents: true, limit: 5 }));
    const found = deep.structured.messages;
    assert.ok(found.length > 0 && found.length <= 5, deep.text);
    assert.equal(deep.reqs.length, 1);
    assert.equal(`${deep.reqs[0].method} ${deep.reqs[0].path}`, 'POST /v1.0/search/query');
    const body = JSON.parse(deep.reqs[0].body);
    assert.deepEqual(body.requests[0].entityTypes, ['message']);
    assert.equal(body.requests[0].query.queryString, 'pricing');
    assert.equal(body.requests[0].size, 5);
    assertGraphHygiene(assert, deep.reqs);
    ok(await traced('get_message', { id: found[0].id }), 'a Microsoft Search hit opens with get_message');

    err(await traced('search_messages', {}), /list_messages/);
    err(await traced('search_messages', { query: 'x', received_before: 'soon' }), /received_before/);
    err(await traced('search_messages', { query: 'x', limit: 500 }), /limit/);
    err(await traced('search_messages', { query: 'x', cursor: 'aHR0cHM6Ly9ldmlsLmV4YW1wbGUv' }), /cursor/);
    err(await traced('search_messages', { query: 'x', folder: 'No Such Folder' }), /list_mail_folders/);
    err(await traced('search_messages', { query: 'x', include_attachment_contents: true, folder: 'inbox' }), /folder/);
    const denied = err(await traced('search_messages', { query: 'x', mailbox: 'megan@contoso.example' }), /Mail\.Read\.Shared/);
    assert.equal(denied.reqs.at(-1).status, 403);
    assert.ok(denied.reqs.at(-1).path.startsWith('/v1.0/users/megan%40contoso.example/') || denied.reqs.at(-1).path.startsWith('/v1.0/users/megan@contoso.example/'), denied.reqs.at(-1).path);
  });

  test('get_message: one $batch, encoded id, new text vs full thread, headers', async () => {
    const thread = await bySubject(`RE: ${LONGEST_THREAD_SUBJECT}`);
    const id = thread[0].id;
    const out = ok(await traced('get_message', { id }));
    assertGraphHygiene(assert, out.reqs);
    const top = topLevel(out.reqs);
    assert.equal(top.length, 1, out.reqs.map(line).join('\n'));
    assert.equal(`${top[0].method} ${top[0].path}`, 'POST /v1.0/$batch');
    const subs = out.reqs.filter((r) => r.batch);
    assert.equal(subs.length, 2, subs.map(line).join('\n'));
    const msgReq = subs.find((r) => !r.path.endsWith('/attachments'));
    const attReq = subs.find((r) => r.path.endsWith('/attachments'));
    assert.ok(msgReq && attReq, subs.map(line).join('\n'));
    assertEncodedIn(msgReq.path, id);
    assertEncodedIn(attReq.path, id);
    assert.match(q(msgReq), /\$select=.*uniqueBody/);
    assert.ok(!/\$select=[^&]*\bbody\b/.test(q(msgReq)), `only uniqueBody is read: ${q(msgReq)}`);
    assert.match(msgReq.headers.prefer, /outlook\.body-content-type="html"/);
    assert.match(q(attReq), /\$select=/);

    assert.equal(out.structured.bodyScope, 'new_text');
    assert.equal(out.structured.id, id);
    assert.ok(!out.structured.body.includes('Subject:'), out.text);
    assert.match(out.text, /full_thread/);
    assert.equal(out.structured.headers, undefined);

    const full = ok(await traced('get_message', { id, full_thread: true }));
    assert.equal(full.structured.bodyScope, 'full');
    assert.ok(out.structured.totalChars > 0 && out.structured.totalChars < full.structured.totalChars,
      `${out.structured.totalChars} vs ${full.structured.totalChars}`);
    assert.match(full.structured.body, /From:/);

    const withHeaders = ok(await traced('get_message', { id, headers: true }));
    const names = withHeaders.structured.headers.map((h) => h.name);
    assert.ok(names.includes('Authentication-Results') && names.includes('Message-ID'), names.join());
    assert.match(withHeaders.text, /Headers:/);
  });

  test('get_message: the prompt-injection newsletter comes back without its hidden text', async () => {
    const id = await idOf(INJECTION_SUBJECT);
    // The seed really carries the injection (so the check below means something).
    const raw = await graph(`/me/messages/${encodeURIComponent(id)}?$select=body`);
    assert.equal(raw.status, 200);
    assert.ok(raw.json.body.content.includes(INJECTION_ADDRESS), 'the seeded newsletter hides the injection');

    const out = ok(await traced('get_message', { id, max_chars: 40000 }));
    assert.ok(!out.text.includes(INJECTION_ADDRESS), 'hidden injection leaked into the text');
    assert.ok(!JSON.stringify(out.structured).includes(INJECTION_ADDRESS), 'hidden injection leaked into structuredContent');
    assert.ok(!/ignore previous instructions/i.test(out.text), 'hidden instructions leaked');
    assert.ok(out.structured.hiddenRemoved > 0, 'the removal is counted');
    assert.ok(!/<\/(div|p|span|td|style|script)>/i.test(out.text), 'no HTML in the text');
    // The full-thread body and fetch (deep research) are clean too.
    const full = ok(await traced('get_message', { id, max_chars: 40000, full_thread: true }));
    assert.ok(!JSON.stringify(full.structured).includes(INJECTION_ADDRESS));
    const f = ok(await traced('fetch', { id }));
    assert.ok(!f.text.includes(INJECTION_ADDRESS), 'fetch leaked the hidden injection');

    const phish = ok(await traced('get_message', { id: await idOf(PHISHING_SUBJECT) }));
    assert.ok(phish.structured.suspiciousLinks.length > 0, phish.text);
    assert.match(phish.text, /Warning: a link shows/);
    assert.match(phish.text, /Warning: replies go to winner@lucky-prizes\.example/);
  });

  test('get_message: long bodies in chunks, and errors', async () => {
    const id = await idOf(INJECTION_SUBJECT);
    const first = ok(await traced('get_message', { id, max_chars: 1000 }));
    const total = first.structured.totalChars;
    assert.ok(total > 1000, `the newsletter is long: ${total}`);
    const next = first.structured.nextOffset;
    assert.ok(next > 0 && next <= 1000, `nextOffset ${next}`);
    assert.ok(first.text.includes(`offset ${next}`), first.text.slice(-300));
    const second = ok(await traced('get_message', { id, max_chars: 1000, offset: next }));
    assert.notEqual(second.structured.body, first.structured.body);
    assert.ok(!second.structured.nextOffset || second.structured.nextOffset > next);
    err(await traced('get_message', { id, offset: total + 10 }), /offset/);
    err(await traced('get_message', { id, max_chars: 10 }), /max_chars/);

    // A hostile id stays one encoded path segment and ends as "not found".
    const evil = 'AAMkAGI2TG93AAA=/../../me?x';
    const gone = err(await traced('get_message', { id: evil }), /deleted/);
    const msgReq = gone.reqs.find((r) => r.batch && !r.path.endsWith('/attachments')) || gone.reqs.find((r) => r.path.includes('/messages/'));
    assert.ok(msgReq, gone.reqs.map(line).join('\n'));
    assertEncodedIn(msgReq.path, evil);
    assert.ok(gone.reqs.every((r) => !r.path.endsWith('/me') && !q(r).startsWith('x')), gone.reqs.map(line).join('\n'));
    err(await traced('get_message', { id: '  ' }), /id/);
    err(await traced('get_message', {}), /id/);
    err(await traced('get_message', { id, mailbox: 'not an address' }), /mailbox/);
  });

  test('get_thread: oldest first across folders, pages, encoded conversation filter, errors', async () => {
    const any = await bySubject(`RE: ${LONGEST_THREAD_SUBJECT}`);
    const id = any[0].id;
    const conv = any[0].conversationId;
    const out = ok(await traced('get_thread', { id, limit: 25 }));
    const msgs = out.structured.messages;
    assert.equal(msgs.length, 8, out.text);
    const times = msgs.map((m) => m.received);
    assert.deepEqual(times, [...times].sort(), 'oldest first');
    assert.ok(msgs.some((m) => m.from?.address === 'adele@contoso.example'), "the user's own replies (Sent Items) belong to the thread");
    assert.ok(msgs.every((m) => !m.text.includes('From:')), 'only what each message added');
    assert.equal(out.structured.conversationId, conv);
    assertGraphHygiene(assert, out.reqs);
    assert.equal(out.reqs.length, 2, out.reqs.map(line).join('\n'));
    assertEncodedIn(out.reqs[0].path, id);
    assert.match(q(out.reqs[0]), /\$select=[^&]*conversationId/);
    assert.equal(out.reqs[1].path, '/v1.0/me/messages');
    assert.ok(q(out.reqs[1]).includes(`conversationId eq '${conv}'`), q(out.reqs[1]));
    assert.match(q(out.reqs[1]), /\$orderby=receivedDateTime asc/);
    assert.match(q(out.reqs[1]), /\$select=/);
    assert.match(out.reqs[1].headers.prefer, /outlook\.body-content-type="html"/);

    const p1 = ok(await traced('get_thread', { conversation_id: conv, limit: 3 }));
    assert.equal(p1.structured.messages.length, 3);
    assert.ok(p1.structured.nextCursor);
    const p2 = ok(await traced('get_thread', { conversation_id: conv, limit: 3, cursor: p1.structured.nextCursor }));
    assert.equal(p2.structured.messages[0].id, msgs[3].id);

    err(await traced('get_thread', {}), /conversation_id/);
    err(await traced('get_thread', { conversation_id: 'AAQkNoSuchConversation=' }), /deleted/);
    err(await traced('get_thread', { id: 'AAMkNoSuchMessage=' }), /Not found/);
    err(await traced('get_thread', { id, limit: 100 }), /limit/);
  });

  test('list_attachments and get_attachment: binary chunks with Range, text, items, inline images, errors', async () => {
    const mid = await idOf(LARGE_ZIP_SUBJECT);
    const list = ok(await traced('list_attachments', { message_id: mid }));
    assertGraphHygiene(assert, list.reqs);
    assert.equal(list.reqs.length, 1);
    assert.equal(list.reqs[0].method, 'GET');
    assertEncodedIn(list.reqs[0].path, mid);
    assert.ok(list.reqs[0].path.endsWith('/attachments'), list.reqs[0].path);
    assert.match(q(list.reqs[0]), /\$select=/);
    assert.ok(!/contentBytes/.test(q(list.reqs[0])), 'the list does not download contents');
    const zip = list.structured.attachments.find((a) => a.name.endsWith('.zip'));
    assert.ok(zip, list.text);
    assert.ok(zip.size > 100000);

    const c1 = ok(await traced('get_attachment', { message_id: mid, attachment_id: zip.id, length: 16384 }));
    assert.equal(c1.structured.encoding, 'base64');
    assert.equal(c1.structured.total, zip.size);
    assert.equal(c1.structured.offset, 0);
    assert.equal(c1.structured.nextOffset, 16384);
    const bytes1 = Buffer.from(c1.structured.content, 'base64');
    assert.equal(bytes1.length, 16384);
    assertGraphHygiene(assert, c1.reqs);
    const valueReq = c1.reqs.find((r) => r.path.endsWith('/$value'));
    assert.ok(valueReq, c1.reqs.map(line).join('\n'));
    assert.equal(valueReq.headers.range, 'bytes=0-16383');
    assertEncodedIn(valueReq.path, mid);
    assertEncodedIn(valueReq.path, zip.id, 'attachment id');
    for (const r of c1.reqs.filter((x) => !x.path.endsWith('/$value'))) assert.match(q(r), /\$select=/, line(r));

    const c2 = ok(await traced('get_attachment', { message_id: mid, attachment_id: zip.id, offset: 16384, length: 100 }));
    assert.equal(c2.structured.offset, 16384);
    assert.equal(c2.structured.nextOffset, 16484);
    const raw = await graph(`/me/messages/${encodeURIComponent(mid)}/attachments/${encodeURIComponent(zip.id)}`);
    assert.equal(raw.status, 200);
    const all = Buffer.from(raw.json.contentBytes, 'base64');
    assert.ok(bytes1.equals(all.subarray(0, 16384)), 'first chunk matches Graph');
    assert.ok(Buffer.from(c2.structured.content, 'base64').equals(all.subarray(16384, 16484)), 'second chunk matches Graph');
    err(await traced('get_attachment', { message_id: mid, attachment_id: zip.id, offset: zip.size }), /offset/);
    err(await traced('get_attachment', { message_id: mid, attachment_id: zip.id, length: 100000 }), /length/);
    err(await traced('get_attachment', { message_id: mid, attachment_id: 'AAMkNoSuchAttachment=' }), /deleted/);

    // A CSV in Adele's mailbox comes back as text, whole or in character chunks.
    const withAtts = await graph(`/me/messages?$filter=${encodeURIComponent('hasAttachments eq true')}&$select=id&$top=200`);
    assert.equal(withAtts.status, 200, withAtts.text);
    let csvMid; let csv;
    for (const msg of withAtts.json.value) {
      const a = await graph(`/me/messages/${encodeURIComponent(msg.id)}/attachments?$select=id,name,size`);
      csv = a.json?.value?.find((x) => x.name.endsWith('.csv') && x.size < 10000);
      if (csv) { csvMid = msg.id; break; }
    }
    assert.ok(csv, 'a small CSV attachment in the seed');
    const whole = ok(await traced('get_attachment', { message_id: csvMid, attachment_id: csv.id }));
    assert.equal(whole.structured.encoding, 'text', whole.text.slice(0, 300));
    assert.ok(whole.structured.content.includes(','), whole.structured.content);
    assert.ok(whole.text.includes(csv.name), whole.text.slice(0, 300));
    assert.equal(whole.structured.nextOffset, undefined);
    const part = ok(await traced('get_attachment', { message_id: csvMid, attachment_id: csv.id, length: 10 }));
    assert.equal(part.structured.encoding, 'text');
    assert.ok([...part.structured.content].length <= 10);
    assert.ok(whole.structured.content.startsWith(part.structured.content));
    assert.ok(part.structured.nextOffset > 0);
    assert.match(part.text, /offset/);

    // The forward with the original attached as an Outlook item: described, no content.
    const fwd = await idOf(ITEM_ATTACHMENT_SUBJECT);
    const l = ok(await traced('list_attachments', { message_id: fwd }));
    const item = l.structured.attachments.find((a) => a.kind === 'item');
    assert.ok(item, l.text);
    assert.match(l.text, /item\) id:/);
    const d = ok(await traced('get_attachment', { message_id: fwd, attachment_id: item.id }));
    assert.equal(d.structured.encoding, 'none');
    assert.equal(d.structured.content, undefined);

    // Inline images are listed by get_message and read with get_attachment.
    const imgMsg = await idOf(INLINE_IMAGE_SUBJECT);
    const m = ok(await traced('get_message', { id: imgMsg }));
    const img = m.structured.attachments.find((a) => a.isInline === true);
    assert.ok(img, m.text);
    assert.match(m.text, /get_attachment/);
    const got = ok(await traced('get_attachment', { message_id: imgMsg, attachment_id: img.id }));
    assert.equal(got.structured.encoding, 'base64');
    assert.match(got.structured.mediaType, /^image\//);

    const badMsg = err(await traced('list_attachments', { message_id: 'AAMk/Nope=' }), /Not found/);
    assertEncodedIn(badMsg.reqs[0].path, 'AAMk/Nope=');
    err(await traced('list_attachments', {}), /message_id/);
    err(await traced('get_attachment', { message_id: mid }), /attachment_id/);
  });

  test('list_mail_folders: the tree with counts, child levels batched, ids usable', async () => {
    const out = ok(await traced('list_mail_folders', {}));
    const folders = out.structured.folders;
    const inbox = folders.find((f) => f.name === 'Inbox');
    assert.ok(inbox, out.text);
    const raw = await graph('/me/mailFolders/inbox?$select=unreadItemCount,totalItemCount');
    assert.equal(inbox.unread, raw.json.unreadItemCount);
    assert.equal(inbox.total, raw.json.totalItemCount);
    const alpha = folders.find((f) => f.path === 'Inbox/Projects/Alpha');
    assert.ok(alpha, 'nested folders');
    assert.equal(alpha.depth, 2);
    assert.ok(out.text.includes('    - Alpha ('), out.text);
    assertGraphHygiene(assert, out.reqs);
    const top = topLevel(out.reqs);
    assert.equal(top[0].path, '/v1.0/me/mailFolders');
    assert.match(q(top[0]), /\$select=/);
    assert.ok(top.some((r) => r.path === '/v1.0/$batch'), 'child levels are batched');
    const subs = out.reqs.filter((r) => r.batch);
    assert.ok(subs.length > 0 && subs.every((r) => r.path.endsWith('/childFolders')), subs.map(line).join('\n'));
    for (const r of subs) assert.match(q(r), /\$select=/, line(r));

    // A folder id works with list_messages and goes into the path encoded.
    const inAlpha = ok(await traced('list_messages', { folder: alpha.id, limit: 3 }));
    assertEncodedIn(inAlpha.reqs.at(-1).path, alpha.id, 'folder id');
    // …and so does a display name one level down, resolved to that folder's id.
    const projects = folders.find((f) => f.path === 'Inbox/Projects');
    assert.ok(projects, out.text);
    const byName = ok(await traced('list_messages', { folder: 'Projects', limit: 3 }));
    assertGraphHygiene(assert, byName.reqs);
    assertEncodedIn(byName.reqs.at(-1).path, projects.id, 'folder id');
    assert.ok(byName.reqs.filter((r) => r.path.includes('mailFolders') && r.method === 'GET').every((r) => /\$select=/.test(q(r))), byName.reqs.map(line).join('\n'));

    err(await traced('list_mail_folders', { mailbox: 'not an address' }), /mailbox/);
    err(await traced('list_mail_folders', { mailbox: 'megan@contoso.example' }), /Mail\.Read\.Shared/);
    err(await traced('list_mail_folders', { depth: 3 }), /depth/);
  });

  test('get_mail_tips: out of office and external recipients, errors', async () => {
    const out = ok(await traced('get_mail_tips', { recipients: ['nestor@contoso.example', 'alex@fabrikam.example', 'lee@contoso.example'] }));
    const tips = out.structured.tips;
    assert.equal(tips.length, 3);
    assert.match(tips[0].automaticReply, /visiting sites/);
    assert.equal(tips[0].external, undefined);
    assert.equal(tips[1].external, true);
    assert.equal(tips[2].automaticReply, undefined);
    assert.match(out.text, /nestor@contoso\.example: automatic reply on/);
    assertGraphHygiene(assert, out.reqs);
    assert.equal(out.reqs.length, 1);
    assert.equal(`${out.reqs[0].method} ${out.reqs[0].path}`, 'POST /v1.0/me/getMailTips');
    const body = JSON.parse(out.reqs[0].body);
    assert.deepEqual(body.EmailAddresses, ['nestor@contoso.example', 'alex@fabrikam.example', 'lee@contoso.example']);
    assert.match(body.MailTipsOptions, /automaticReplies/);

    err(await traced('get_mail_tips', { recipients: [] }), /recipients/);
    err(await traced('get_mail_tips', { recipients: ['Megan Bowen'] }), /lookup_people/);
    err(await traced('get_mail_tips', {}), /recipients/);
  });

  test('list_categories, get_mailbox_settings, list_message_rules: contents, Graph calls, errors', async () => {
    const cats = ok(await traced('list_categories', {}));
    const names = cats.structured.categories.map((c) => c.name);
    assert.ok(names.includes('Project Alpha') && names.includes('Red category'), names.join());
    assert.match(cats.text, /Red category \(red\)/);
    assertGraphHygiene(assert, cats.reqs);
    assert.equal(`${cats.reqs[0].method} ${cats.reqs[0].path}`, 'GET /v1.0/me/outlook/masterCategories');

    const s = ok(await traced('get_mailbox_settings', {}));
    assert.equal(s.structured.timeZone, 'Pacific Standard Time');
    assert.equal(s.structured.workingHours.start, '08:00');
    assert.equal(s.structured.automaticReplies.status, 'disabled');
    assert.match(s.text, /Working hours: monday/);
    assertGraphHygiene(assert, s.reqs);
    assert.equal(`${s.reqs[0].method} ${s.reqs[0].path}`, 'GET /v1.0/me/mailboxSettings');

    const rules = ok(await traced('list_message_rules', {}));
    const list = rules.structured.rules;
    assert.equal(list.length, 2, rules.text);
    assert.equal(list[0].name, 'Newsletters to their folder');
    assert.match(list[0].conditions, /senderContains: WEEKLYBYTE@LUCERNEPUBLISHING\.EXAMPLE/);
    assert.match(list[0].actions, /moveToFolder: Newsletters/, 'folder ids are shown by name');
    assert.ok(rules.text.includes('[on]') && rules.text.includes('except importance: high'), rules.text);
    assertGraphHygiene(assert, rules.reqs);
    assert.equal(`${rules.reqs[0].method} ${rules.reqs[0].path}`, 'GET /v1.0/me/mailFolders/inbox/messageRules');

    for (const tool of ['list_categories', 'get_mailbox_settings', 'list_message_rules']) {
      err(await traced(tool, { x: 1 }), /\bx\b/, tool);
    }
    // Graph failing (504 on every attempt): a clear "try again" error, retried within budget.
    for (const [tool, prefix] of [['list_categories', '/me/outlook/masterCategories'], ['get_mailbox_settings', '/me/mailboxSettings'], ['list_message_rules', '/me/mailFolders/inbox/messageRules']]) {
      await t.setFaults({ path_prefix: prefix, script: Array(8).fill('gateway_timeout') });
      try {
        const out = err(await traced(tool, {}), /temporarily unavailable|try again/i, tool);
        const hits = out.reqs.filter((r) => r.path.startsWith(`/v1.0${prefix}`));
        assert.ok(hits.length >= 2 && hits.length <= 4, `${tool}: ${hits.length} attempts`);
        assert.ok(hits.every((r) => r.status === 504), tool);
      } finally {
        await t.clearFaults();
      }
    }
  });

  test('search and fetch: exactly the shapes ChatGPT deep research requires', async () => {
    const since = await t.mark();
    const raw = await t.client.callTool({ name: 'search', arguments: { query: 'partnership pricing' } });
    assert.notEqual(raw.isError, true, JSON.stringify(raw));
    assert.equal(raw.content.length, 1, 'exactly one content item');
    assert.equal(raw.content[0].type, 'text');
    const parsed = JSON.parse(raw.content[0].text);
    assert.deepEqual(Object.keys(parsed), ['results']);
    assert.deepEqual(parsed, raw.structuredContent);
    assert.ok(parsed.results.length > 0);
    for (const r of parsed.results) {
      assert.deepEqual(Object.keys(r), ['id', 'title', 'url'], JSON.stringify(r));
      assert.ok(typeof r.id === 'string' && r.id && typeof r.title === 'string' && r.title, JSON.stringify(r));
      assert.match(r.url, /^https:\/\//);
    }
    assert.ok(parsed.results.some((r) => /Partnership pricing proposal/.test(r.title)), JSON.stringify(parsed));
    const reqs = graphOnly(await t.graphRequests(since));
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'GET /v1.0/me/messages');
    assert.ok(q(reqs[0]).includes('$search="(partnership pricing)"'), q(reqs[0]));
    assert.match(q(reqs[0]), /\$select=/);

    const hit = parsed.results.find((r) => /Partnership pricing proposal/.test(r.title));
    const since2 = await t.mark();
    const f = await t.client.callTool({ name: 'fetch', arguments: { id: hit.id } });
    assert.notEqual(f.isError, true, JSON.stringify(f));
    assert.equal(f.content.length, 1, 'exactly one content item');
    assert.equal(f.content[0].type, 'text');
    const doc = JSON.parse(f.content[0].text);
    assert.deepEqual(doc, f.structuredContent);
    assert.deepEqual(Object.keys(doc), ['id', 'title', 'text', 'url', 'metadata']);
    assert.equal(doc.id, hit.id);
    assert.equal(doc.title, hit.title);
    assert.ok(doc.text.length > 0);
    assert.match(doc.url, /^https:\/\//);
    assert.equal(typeof doc.metadata, 'object');
    assert.match(doc.metadata.from, /@/);
    const freqs = graphOnly(await t.graphRequests(since2));
    assertGraphHygiene(assert, freqs);
    assert.equal(freqs.length, 1);
    assert.equal(freqs[0].method, 'GET');
    assertEncodedIn(freqs[0].path, hit.id);
    assert.match(q(freqs[0]), /\$select=[^&]*body/);

    err(await traced('search', { query: '  ' }), /query/);
    err(await traced('search', {}), /query/);
    const gone = err(await traced('fetch', { id: 'AAMk/Nope=' }), /deleted/);
    assertEncodedIn(gone.reqs[0].path, 'AAMk/Nope=');
    err(await traced('fetch', {}), /id/);
  });

  test('shared mailbox: reading support@contoso.example', async () => {
    const mb = SUPPORT_UPN;
    const found = ok(await traced('search_messages', { subject: 'arrived damaged', mailbox: mb }));
    const msgs = found.structured.messages;
    assert.ok(msgs.length > 0, found.text);
    assert.ok(found.reqs[0].path.startsWith('/v1.0/users/support%40contoso.example/messages') || found.reqs[0].path.startsWith('/v1.0/users/support@contoso.example/messages'), found.reqs[0].path);
    assertGraphHygiene(assert, found.reqs);
    const original = msgs.find((m) => m.subject === SUPPORT_DAMAGED_SUBJECT);
    assert.ok(original, found.text);
    const id = original.id;

    const listed = ok(await traced('list_messages', { mailbox: mb, limit: 10 }));
    assert.ok(listed.structured.messages.some((m) => m.id === id), listed.text);
    assert.ok(/^\/v1\.0\/users\/support(%40|@)contoso\.example\/mailFolders\/inbox\/messages$/.test(listed.reqs[0].path), listed.reqs[0].path);

    const m = ok(await traced('get_message', { id, mailbox: mb }));
    assert.match(m.text, /Order #48213/);
    assert.ok(m.reqs.filter((r) => r.batch).every((r) => /^\/v1\.0\/users\/support(%40|@)contoso\.example\/messages\//.test(r.path)), m.reqs.map(line).join('\n'));
    const th = ok(await traced('get_thread', { id, mailbox: mb }));
    assert.equal(th.structured.messages[0].id, id, th.text);
    const folders = ok(await traced('list_mail_folders', { mailbox: mb }));
    assert.ok(folders.structured.folders.some((f) => f.name === 'Inbox'));
    const atts = ok(await traced('list_attachments', { message_id: id, mailbox: mb }));
    const pdf = ok(await traced('get_attachment', { message_id: id, attachment_id: atts.structured.attachments[0].id, mailbox: mb, length: 1000 }));
    assert.equal(pdf.structured.encoding, 'base64', pdf.text);
    const w = ok(await traced('whats_new', { mailbox: mb }));
    assert.equal(w.structured.baseline, true);
    // The shared mailbox's message is not in Adele's own mailbox.
    err(await traced('get_message', { id }), /Not found|deleted/);
  });

  test('whats_new: baseline, quiet, then a read change and a new arrival', async () => {
    const first = ok(await traced('whats_new', {}));
    assert.equal(first.structured.baseline, true);
    assert.equal(first.structured.folder, 'inbox');
    assert.ok(first.structured.new.length > 0, first.text);
    for (const m of first.structured.new) assert.equal(m.isRead, false, 'the baseline returns unread messages');
    assert.ok(!first.text.includes('deltatoken') && !JSON.stringify(first.structured).includes('deltatoken'), 'the delta link stays server-side');
    assertGraphHygiene(assert, first.reqs);
    assert.ok(first.reqs.length >= 1 && first.reqs.every((r) => r.path === '/v1.0/me/mailFolders/inbox/messages/delta'), first.reqs.map(line).join('\n'));
    assert.match(q(first.reqs[0]), /\$filter=receivedDateTime ge /);
    assert.match(q(first.reqs[0]), /\$select=/);

    const quiet = ok(await traced('whats_new', {}));
    assert.equal(quiet.structured.baseline, undefined);
    assert.deepEqual(quiet.structured.new, [], quiet.text);
    assert.equal(quiet.structured.changed, undefined, quiet.text);
    assert.match(q(quiet.reqs[0]), /deltatoken/, 'the stored link is followed');
    assertGraphHygiene(assert, quiet.reqs);

    // Change the inbox with other tools: mark one read, and move a fresh draft into it (the
    // read preset cannot send; a draft created now is a message that "arrives" after the
    // previous call).
    const inbox = ok(await traced('list_messages', { unread: true, limit: 5 }));
    const target = inbox.structured.messages[0];
    ok(await traced('mark_read', { message_ids: [target.id], read: true }));
    const draft = ok(await traced('create_draft', { subject: 'Fresh arrival for whats_new', body: 'hello', to: ['megan@contoso.example'] }));
    const draftId = draft.structured.id;
    assert.ok(draftId, JSON.stringify(draft.structured));
    const moved = ok(await traced('move_message', { message_ids: [draftId], folder: 'inbox' }));
    assert.equal(moved.structured.changed.length, 1, moved.text);
    const movedId = moved.structured.changed[0].newId ?? moved.structured.changed[0].id;

    const later = ok(await traced('whats_new', { folder: 'inbox' }));
    const newSubjects = later.structured.new.map((m) => m.subject);
    assert.deepEqual(newSubjects, ['Fresh arrival for whats_new'], later.text);
    assert.equal(later.structured.new[0].id, movedId);
    assert.ok((later.structured.changed || []).some((m) => m.id === target.id && m.isRead === true), later.text);
    assert.match(later.text, /1 new/);
    assertGraphHygiene(assert, later.reqs);
    assert.ok(later.reqs.every((r) => r.path === '/v1.0/me/mailFolders/inbox/messages/delta'), later.reqs.map(line).join('\n'));
    assert.match(q(later.reqs[0]), /deltatoken/);

    // Moving it away again shows up as removed.
    ok(await traced('move_message', { message_ids: [later.structured.new[0].id], folder: 'archive' }));
    const away = ok(await traced('whats_new', {}));
    assert.ok((away.structured.removed || []).includes(later.structured.new[0].id), away.text);

    // Another folder keeps its own state.
    const sent = ok(await traced('whats_new', { folder: 'sentitems' }));
    assert.equal(sent.structured.baseline, true);

    err(await traced('whats_new', { folder: 'No Such Folder' }), /list_mail_folders/);
    err(await traced('whats_new', { mailbox: 'not an address' }), /mailbox/);
    err(await traced('whats_new', { since: 'yesterday' }), /since/);
  });
});
