// The mail drafting and sending tools end to end: the official TypeScript SDK client, the worker
// in workerd (wrangler dev), the sandbox. Each tool's happy and error paths, the Graph calls in the
// sandbox's request log, effects read back independently (a separate sign-in at the sandbox), and
// the send policy: presets, own-drafts, direct, allowlist, daily cap, never sending twice, faults.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';
import { graphReader, msgPath, graphCalls, count, describe as show, body, assertSelects, dataUri } from './mail_e2e_helpers.mjs';

const MEGAN = 'megan@contoso.example';
const LEE = 'lee@contoso.example';
const OUTSIDER = 'someone@fabrikam.example';
const ADELE = 'adele@contoso.example';
const MISSING_ID = 'AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYbvZmAAA=';

const SEND_TOOLS = ['send_draft', 'send_email', 'reply', 'reply_all', 'forward'];
const DRAFT_TOOLS = ['create_draft', 'update_draft', 'add_attachment', 'create_reply_draft', 'create_reply_all_draft', 'create_forward_draft', 'list_drafts', 'delete_draft'];

/** Messages of a folder as Graph has them. */
async function folder(g, name, root = '/me') {
  const { status, json } = await g.get(`${root}/mailFolders/${name}/messages?$select=id,subject,isDraft,from,toRecipients,ccRecipients,bccRecipients,parentFolderId,hasAttachments&$top=200`);
  assert.equal(status, 200, JSON.stringify(json));
  return json.value;
}

const addr = (list) => (list || []).map((r) => r.emailAddress.address);

/** An inbox message from `domain` (with Cc recipients when `wantCc`). */
async function inboxMessage(g, { wantCc = false, domain = '' } = {}) {
  const m = (await folder(g, 'inbox')).find((x) => (x.from?.emailAddress?.address || '').endsWith(domain) && (!wantCc || (x.ccRecipients || []).length > 0));
  assert.ok(m, `an inbox message from ${domain}${wantCc ? ' with Cc' : ''}`);
  return m;
}

/** How many messages with `subject` are in `reader`'s inbox (delivered). */
async function delivered(reader, subject) {
  return (await folder(reader, 'inbox')).filter((m) => m.subject === subject).length;
}

async function ok(t, name, args) {
  const r = await t.call(name, args);
  assert.equal(r.isError, false, `${name}: ${r.text}`);
  return r;
}

async function err(t, name, args) {
  const r = await t.call(name, args);
  assert.equal(r.isError, true, `${name} should fail: ${r.text}`);
  return r;
}

/** Calls `name` and returns the result with the Graph requests it made. */
async function traced(t, name, args) {
  const since = await t.mark();
  const r = await t.call(name, args);
  const reqs = await t.graphRequests(since);
  return { ...r, reqs };
}

describe('default preset (draft, own-drafts): drafting tools', () => {
  let t;
  let g;
  before(async () => {
    t = await toolStack({ extraScopes: ['Mail.ReadWrite.Shared'] });
    g = await graphReader(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('drafting tools are listed; no send tool exists and none can be called', async () => {
    const names = await t.toolNames();
    for (const n of DRAFT_TOOLS) assert.ok(names.includes(n), `${n} listed`);
    for (const n of SEND_TOOLS) assert.ok(!names.includes(n), `${n} must be absent`);
    const since = await t.mark();
    for (const n of SEND_TOOLS) {
      await assert.rejects(() => t.client.callTool({ name: n, arguments: { message_id: 'x', to: [MEGAN], subject: 's', comment: 'c' } }), /Unknown tool/, n);
    }
    const reqs = await t.graphRequests(since);
    assert.deepEqual(reqs.filter((r) => r.method !== 'GET'), [], 'nothing written');
    const meta = await (await fetch(`${t.stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.ok(!meta.scopes_supported.includes('Mail.Send'), JSON.stringify(meta.scopes_supported));
  });

  let draftId;
  test('create_draft: one POST /me/messages with only the given fields; the draft exists', async () => {
    const c = await traced(t, 'create_draft', {
      to: [MEGAN], cc: [LEE], subject: 'Q3 report', body: '<p>Hi <b>Megan</b></p>', body_type: 'html', importance: 'high',
      attachments: [{ name: 'notes.txt', data: dataUri('text/plain', 'hello') }],
    });
    assert.equal(c.isError, false, c.text);
    draftId = c.structured.id;
    assert.ok(draftId);
    assert.ok(c.text.includes(draftId) && c.text.includes('send_draft'), c.text);
    assert.deepEqual(c.structured.to, [MEGAN]);
    assert.deepEqual(c.structured.cc, [LEE]);
    assert.equal(c.structured.attachments[0].method, 'inline');
    assert.equal(c.structured.attachments[0].size, 5);
    assertGraphHygiene(assert, c.reqs);
    assert.equal(c.reqs.length, 1, show(c.reqs));
    assert.equal(c.reqs[0].method, 'POST');
    assert.equal(c.reqs[0].path, '/v1.0/me/messages');
    const b = body(c.reqs[0]);
    assert.deepEqual(b.body, { contentType: 'html', content: '<p>Hi <b>Megan</b></p>' });
    assert.equal(b.importance, 'high');
    assert.deepEqual(addr(b.toRecipients), [MEGAN]);
    assert.equal(b.attachments[0].contentBytes, 'aGVsbG8=');
    assert.equal(b.bccRecipients, undefined, 'only given fields');

    const { status, json: m } = await g.get(`${msgPath(draftId)}?$select=isDraft,subject,hasAttachments,importance,ccRecipients`);
    assert.equal(status, 200);
    assert.equal(m.isDraft, true);
    assert.equal(m.subject, 'Q3 report');
    assert.equal(m.hasAttachments, true);
    assert.equal(m.importance, 'high');
    assert.deepEqual(addr(m.ccRecipients), [LEE]);
  });

  test('create_draft: bad arguments are refused before any Graph call; a foreign mailbox names the permission', async () => {
    const since = await t.mark();
    let e = await err(t, 'create_draft', { to: ['Megan Bowen'] });
    assert.match(e.text, /to:/);
    assert.match(e.text, /lookup_people/);
    e = await err(t, 'create_draft', { attachments: [{ name: 'a.pdf', data: 'JVBERi0x' }] });
    assert.ok(e.text.includes('attachments[0]') && e.text.includes('data:'), e.text);
    e = await err(t, 'create_draft', { body_type: 'rtf' });
    assert.match(e.text, /body_type/);
    e = await err(t, 'create_draft', { subject: 'x', mailbox: 'support' });
    assert.match(e.text, /mailbox/);
    assert.deepEqual(await t.graphRequests(since), [], 'bad arguments make no Graph call');

    const denied = await traced(t, 'create_draft', { subject: 'x', mailbox: MEGAN });
    assert.equal(denied.isError, true);
    assert.match(denied.text, /Mail\.ReadWrite\.Shared/);
    assert.equal(denied.reqs[0].path, '/v1.0/users/megan%40contoso.example/messages');
    assert.equal(denied.reqs[0].status, 403);
  });

  test('create_draft: a >3 MB attachment goes through an upload session in chunks', async () => {
    const big = Buffer.alloc(3_500_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const c = await traced(t, 'create_draft', {
      to: [MEGAN], subject: 'Photos',
      attachments: [
        { name: 'small.txt', data: dataUri('text/plain', 'tiny') },
        { name: 'big.zip', data: dataUri('application/zip', big) },
      ],
    });
    assert.equal(c.isError, false, c.text);
    const id = c.structured.id;
    assert.deepEqual(c.structured.attachments.map((a) => [a.name, a.method, a.size]), [
      ['small.txt', 'inline', 4], ['big.zip', 'upload_session', 3_500_000],
    ]);
    assertGraphHygiene(assert, c.reqs);
    const d = show(c.reqs);
    assert.equal(count(c.reqs, 'POST', '/me/messages'), 1, d);
    const sessions = c.reqs.filter((r) => r.method === 'POST' && r.path.endsWith('/attachments/createUploadSession'));
    assert.equal(sessions.length, 1, d);
    assert.equal(sessions[0].path, `/v1.0${msgPath(id)}/attachments/createUploadSession`);
    assert.deepEqual(body(sessions[0]).AttachmentItem, { attachmentType: 'file', name: 'big.zip', size: 3_500_000, contentType: 'application/zip' });
    const puts = c.reqs.filter((r) => r.method === 'PUT');
    assert.equal(puts.length, 2, `two chunks of at most 3,276,800 bytes:\n${d}`);
    assert.ok(puts.every((p) => p.path.startsWith('/upload/')), d);
    assert.ok(puts.every((p) => !('authorization' in p.headers)), 'the pre-authenticated upload URL gets no token');
    assert.equal(puts[0].headers['content-range'], 'bytes 0-3276799/3500000');
    assert.equal(puts[1].headers['content-range'], 'bytes 3276800-3499999/3500000');
    assert.equal(puts[1].status, 201);

    const { json: atts } = await g.get(`${msgPath(id)}/attachments?$select=name,size`);
    const sizes = atts.value.map((a) => [a.name, a.size]).sort();
    assert.deepEqual(sizes, [['big.zip', 3_500_000], ['small.txt', 4]]);
    const uploaded = atts.value.find((a) => a.name === 'big.zip');
    const { status, json: full } = await g.get(`${msgPath(id)}/attachments/${encodeURIComponent(uploaded.id)}`);
    assert.equal(status, 200);
    assert.ok(Buffer.from(full.contentBytes, 'base64').equals(big), 'the uploaded bytes are intact');
  });

  test('add_attachment: small (POST) and large (upload session), errors', async () => {
    const small = await traced(t, 'add_attachment', { message_id: draftId, name: 'n.txt', data: dataUri('text/plain', 'hi') });
    assert.equal(small.isError, false, small.text);
    assert.equal(small.structured.attachment.method, 'post');
    assert.equal(small.structured.attachment.size, 2);
    assert.ok(small.structured.attachment.id);
    assertGraphHygiene(assert, small.reqs);
    assert.deepEqual(small.reqs.map((r) => `${r.method} ${r.path}`), [`POST /v1.0${msgPath(draftId)}/attachments`]);
    assert.equal(body(small.reqs[0]).contentBytes, 'aGk=');

    const bigBytes = Buffer.alloc(3 * 1024 * 1024 + 1, 1);
    const large = await traced(t, 'add_attachment', { message_id: draftId, name: 'big.bin', data: dataUri('application/octet-stream', bigBytes) });
    assert.equal(large.isError, false, large.text);
    assert.equal(large.structured.attachment.method, 'upload_session');
    assert.equal(large.structured.attachment.size, 3 * 1024 * 1024 + 1);
    assert.equal(count(large.reqs, 'POST', '/attachments/createUploadSession'), 1, show(large.reqs));
    assert.equal(large.reqs.filter((r) => r.method === 'PUT').length, 1, show(large.reqs));

    const { json: atts } = await g.get(`${msgPath(draftId)}/attachments?$select=name,size`);
    assert.deepEqual(atts.value.map((a) => [a.name, a.size]).sort(), [['big.bin', 3 * 1024 * 1024 + 1], ['n.txt', 2], ['notes.txt', 5]]);

    let e = await err(t, 'add_attachment', { message_id: MISSING_ID, name: 'n.txt', data: dataUri('text/plain', 'hi') });
    assert.match(e.text, /list_drafts/);
    const since = await t.mark();
    e = await err(t, 'add_attachment', { message_id: draftId, name: 'x', data: 'data:text/plain,hi' });
    assert.match(e.text, /base64/);
    assert.deepEqual(await t.graphRequests(since), []);
  });

  test('update_draft: one batch read, one PATCH with only the given fields; refuses non-drafts', async () => {
    const u = await traced(t, 'update_draft', { message_id: draftId, subject: 'Q3 report (final)', cc: [] , bcc: [LEE] });
    assert.equal(u.isError, false, u.text);
    assert.equal(u.structured.subject, 'Q3 report (final)');
    assert.deepEqual(u.structured.to, [MEGAN], 'unchanged fields stay');
    assert.deepEqual(u.structured.bcc, [LEE]);
    assertGraphHygiene(assert, u.reqs);
    assertSelects(u.reqs);
    assert.equal(count(u.reqs, 'POST', '/$batch'), 1, show(u.reqs));
    const read = u.reqs.find((r) => r.batch && r.path === `/v1.0${msgPath(draftId)}`);
    assert.ok(read, show(u.reqs));
    assert.match(decodeURIComponent(read.query), /\$select=id,isDraft,subject,parentFolderId/);
    const patches = u.reqs.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 1, show(u.reqs));
    assert.equal(patches[0].path, `/v1.0${msgPath(draftId)}`);
    assert.deepEqual(body(patches[0]), { subject: 'Q3 report (final)', ccRecipients: [], bccRecipients: [{ emailAddress: { address: LEE } }] });
    const { json: m } = await g.get(`${msgPath(draftId)}?$select=subject,ccRecipients,bccRecipients,toRecipients`);
    assert.equal(m.subject, 'Q3 report (final)');
    assert.deepEqual(addr(m.ccRecipients), []);
    assert.deepEqual(addr(m.bccRecipients), [LEE]);
    assert.deepEqual(addr(m.toRecipients), [MEGAN]);

    const received = await inboxMessage(g);
    const refused = await traced(t, 'update_draft', { message_id: received.id, subject: 'hijack' });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /not a draft/);
    assert.equal(count(refused.reqs, 'PATCH', ''), 0);
    let e = await err(t, 'update_draft', { message_id: draftId });
    assert.match(e.text, /nothing to change/);
    e = await err(t, 'update_draft', { message_id: MISSING_ID, subject: 'x' });
    assert.match(e.text, /list_drafts/);
  });

  test('create_reply_draft / create_reply_all_draft / create_forward_draft: drafts from a received message', async () => {
    const original = await inboxMessage(g, { wantCc: true, domain: 'contoso.example' });
    const sender = original.from.emailAddress.address;
    const r = await traced(t, 'create_reply_draft', { message_id: original.id, comment: 'Thanks!' });
    assert.equal(r.isError, false, r.text);
    assert.notEqual(r.structured.id, original.id);
    assert.match(r.structured.subject, /^RE:/);
    assert.deepEqual(r.structured.to, [sender]);
    assertGraphHygiene(assert, r.reqs);
    assert.equal(r.reqs.length, 1, show(r.reqs));
    assert.equal(r.reqs[0].method, 'POST');
    assert.equal(r.reqs[0].path, `/v1.0${msgPath(original.id)}/createReply`);
    assert.deepEqual(body(r.reqs[0]), { comment: 'Thanks!' });

    const all = await traced(t, 'create_reply_all_draft', { message_id: original.id });
    assert.equal(all.isError, false, all.text);
    assert.equal(all.reqs.filter((x) => x.method === 'POST')[0].path, `/v1.0${msgPath(original.id)}/createReplyAll`);
    assert.ok(all.structured.cc.length > 0, JSON.stringify(all.structured));
    assert.ok(!all.structured.to.includes(ADELE), 'not to herself');

    const f = await traced(t, 'create_forward_draft', { message_id: original.id, to: [LEE], comment: 'FYI' });
    assert.equal(f.isError, false, f.text);
    assert.match(f.structured.subject, /^FW:/);
    assert.deepEqual(f.structured.to, [LEE]);
    assert.ok(f.reqs.some((x) => x.method === 'POST' && x.path === `/v1.0${msgPath(original.id)}/createForward`), show(f.reqs));
    assertGraphHygiene(assert, f.reqs);

    for (const d of [r, all, f]) {
      const { json: m } = await g.get(`${msgPath(d.structured.id)}?$select=isDraft,parentFolderId`);
      assert.equal(m.isDraft, true);
    }
    // All three are recorded as created here: list_drafts marks them.
    const listed = await ok(t, 'list_drafts', { limit: 50 });
    for (const d of [r, all, f]) {
      assert.equal(listed.structured.drafts.find((x) => x.id === d.structured.id)?.createdHere, true, d.structured.id);
    }

    let e = await err(t, 'create_forward_draft', { message_id: original.id, to: ['lee'] });
    assert.match(e.text, /to:/);
    e = await err(t, 'create_reply_draft', { message_id: MISSING_ID });
    assert.match(e.text, /No message/);
    e = await err(t, 'create_reply_all_draft', { message_id: MISSING_ID });
    assert.match(e.text, /No message/);
  });

  test('list_drafts: pages, marks which drafts this server created', async () => {
    const page = await traced(t, 'list_drafts', { limit: 50 });
    assert.equal(page.isError, false, page.text);
    const drafts = page.structured.drafts;
    const ours = drafts.find((d) => d.id === draftId);
    assert.ok(ours, 'our draft is listed');
    assert.equal(ours.createdHere, true);
    assert.equal(ours.subject, 'Q3 report (final)');
    assert.ok(drafts.some((d) => d.createdHere === false), 'seeded drafts are not ours');
    assert.match(page.text, /send_draft refuses it/);
    assertGraphHygiene(assert, page.reqs);
    assert.equal(page.reqs.length, 1, show(page.reqs));
    assert.equal(page.reqs[0].method, 'GET');
    assert.equal(page.reqs[0].path, '/v1.0/me/mailFolders/drafts/messages');
    const q = decodeURIComponent(page.reqs[0].query);
    assert.match(q, /\$select=id,subject,toRecipients/);
    assert.match(q, /\$orderby=lastModifiedDateTime desc/);
    const inGraph = await folder(g, 'drafts');
    assert.equal(drafts.length, inGraph.length, 'every draft in Drafts is listed');

    const first = await ok(t, 'list_drafts', { limit: 1 });
    assert.ok(first.structured.nextCursor, 'more pages');
    const second = await ok(t, 'list_drafts', { limit: 1, cursor: first.structured.nextCursor });
    assert.notEqual(first.structured.drafts[0].id, second.structured.drafts[0].id);
    const e = await err(t, 'list_drafts', { limit: 0 });
    assert.match(e.text, /limit|minimum/);
    const e2 = await err(t, 'list_drafts', { cursor: 'not-a-cursor' });
    assert.match(e2.text, /cursor/);
  });

  test('delete_draft: moves a draft to Deleted Items; refuses non-drafts; a repeat does nothing', async () => {
    const c = await ok(t, 'create_draft', { subject: 'Scrap' });
    const id = c.structured.id;
    const d = await traced(t, 'delete_draft', { message_id: id });
    assert.equal(d.isError, false, d.text);
    assert.equal(d.structured.subject, 'Scrap');
    assert.match(d.text, /Deleted Items/);
    assertGraphHygiene(assert, d.reqs);
    assertSelects(d.reqs);
    assert.equal(count(d.reqs, 'POST', '/$batch'), 1, show(d.reqs));
    const deletes = d.reqs.filter((r) => r.method === 'DELETE');
    assert.equal(deletes.length, 1, show(d.reqs));
    assert.equal(deletes[0].path, `/v1.0${msgPath(id)}`);
    const { json: m } = await g.get(`${msgPath(id)}?$select=parentFolderId`);
    const { json: bin } = await g.get('/me/mailFolders/deleteditems?$select=id');
    assert.equal(m.parentFolderId, bin.id, 'recoverable in Deleted Items');

    const again = await traced(t, 'delete_draft', { message_id: id });
    assert.equal(again.isError, false, again.text);
    assert.match(again.text, /already deleted/);
    assert.equal(count(again.reqs, 'DELETE', ''), 0, 'not deleted for good');
    let e = await err(t, 'update_draft', { message_id: id, subject: 'back' });
    assert.match(e.text, /was deleted/);

    const received = await inboxMessage(g);
    const refused = await traced(t, 'delete_draft', { message_id: received.id });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /not a draft/);
    assert.equal(count(refused.reqs, 'DELETE', ''), 0);
    assert.equal((await g.get(`${msgPath(received.id)}?$select=id`)).status, 200);
    e = await err(t, 'delete_draft', { message_id: MISSING_ID });
    assert.match(e.text, /No draft/);
  });
});

describe('full preset, own-drafts: send_draft', () => {
  let t;
  let g;
  let megan;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full' } });
    g = await graphReader(t.stack.sandbox.url);
    megan = await graphReader(t.stack.sandbox.url, 'Megan Bowen');
  });
  after(async () => { await t?.close(); });

  test('send_draft is listed, the direct send tools are not', async () => {
    const names = await t.toolNames();
    assert.ok(names.includes('send_draft'), names.join());
    for (const n of ['send_email', 'reply', 'reply_all', 'forward']) assert.ok(!names.includes(n), n);
  });

  test('send_draft refuses a draft this server did not create', async () => {
    const listed = await ok(t, 'list_drafts', { limit: 50 });
    const seeded = listed.structured.drafts.find((d) => d.createdHere === false && d.to?.length);
    assert.ok(seeded, 'a seeded draft with recipients');
    const r = await traced(t, 'send_draft', { message_id: seeded.id });
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /own-drafts/);
    assert.match(r.text, /create_draft/);
    assert.equal(count(r.reqs, 'POST', '/send'), 0, show(r.reqs));
    assert.deepEqual(r.reqs.filter((x) => x.method !== 'GET' && x.path !== '/v1.0/$batch'), []);
    const { json: m } = await g.get(`${msgPath(seeded.id)}?$select=isDraft`);
    assert.equal(m.isDraft, true, 'still a draft');
  });

  test('send_draft sends a draft created with create_draft exactly once', async () => {
    const subject = 'Own draft to Megan (e2e)';
    const c = await ok(t, 'create_draft', { to: [MEGAN], subject, body: 'Hello' });
    const id = c.structured.id;
    const s = await traced(t, 'send_draft', { message_id: id });
    assert.equal(s.isError, false, s.text);
    assert.equal(s.structured.status, 'sent');
    assert.deepEqual(s.structured.recipients, [MEGAN]);
    assert.match(s.text, /Sent/);
    assertGraphHygiene(assert, s.reqs);
    assertSelects(s.reqs);
    const sends = s.reqs.filter((r) => r.method === 'POST' && r.path.endsWith('/send'));
    assert.equal(sends.length, 1, show(s.reqs));
    assert.equal(sends[0].path, `/v1.0${msgPath(id)}/send`);
    assert.equal(sends[0].status, 202);
    assert.ok(!sends[0].body, 'message-send takes no body');
    const { json: m } = await g.get(`${msgPath(id)}?$select=isDraft`);
    assert.equal(m.isDraft, false, 'sent: same id, now in Sent Items');

    const again = await traced(t, 'send_draft', { message_id: id });
    assert.equal(again.isError, false, again.text);
    assert.equal(again.structured.status, 'already_sent');
    assert.match(again.text, /Already sent/);
    assert.equal(count(again.reqs, 'POST', '/send'), 0, show(again.reqs));
    assert.deepEqual(again.reqs, [], 'a repeat makes no Graph call at all');
    assert.equal(await delivered(megan, subject), 1, 'delivered once');
  });

  test('send_draft errors: not a draft, no recipients, deleted (not the policy refusal)', async () => {
    const received = await inboxMessage(g);
    const policy = await traced(t, 'send_draft', { message_id: received.id });
    assert.equal(policy.isError, true);
    assert.match(policy.text, /not a draft/, 'a received message is refused for what it is');
    assert.equal(count(policy.reqs, 'POST', '/send'), 0);
    const empty = (await ok(t, 'create_draft', { subject: 'nobody' })).structured.id;
    const r = await traced(t, 'send_draft', { message_id: empty });
    assert.equal(r.isError, true);
    assert.ok(r.text.includes('no recipients') && r.text.includes('update_draft'), r.text);
    assert.equal(count(r.reqs, 'POST', '/send'), 0);
    await ok(t, 'delete_draft', { message_id: empty });
    const e = await err(t, 'send_draft', { message_id: empty });
    assert.match(e.text, /was deleted/);
  });

  test('with 30% throttling and latency, send_draft succeeds or says why, and sends at most once', async () => {
    const subject = 'Throttled send (e2e)';
    const id = (await ok(t, 'create_draft', { to: [MEGAN], subject, body: 'x' })).structured.id;
    const since = await t.mark();
    await t.setFaults({ throttle_rate: 0.3, latency_ms: 100, retry_after_seconds: 1 });
    const results = [];
    try {
      for (let i = 0; i < 3; i++) {
        const r = await t.call('send_draft', { message_id: id });
        results.push(r);
        if (r.isError) {
          assert.match(r.text, /try again|throttl|not sent|Nothing was sent|in progress/i, r.text);
        } else {
          assert.ok(['sent', 'already_sent'].includes(r.structured.status), JSON.stringify(r.structured));
        }
      }
    } finally {
      await t.clearFaults();
    }
    const reqs = await t.graphRequests(since);
    assert.ok(reqs.some((r) => r.status === 429 && r.fault), `throttling was injected:\n${show(reqs)}`);
    const sent = reqs.filter((r) => r.method === 'POST' && r.path === `/v1.0${msgPath(id)}/send` && r.status === 202);
    assert.ok(sent.length <= 1, `sent at most once:\n${show(reqs)}`);
    // Without faults, a last call finishes the job if the throttled attempts did not.
    const last = await ok(t, 'send_draft', { message_id: id });
    assert.ok(['sent', 'already_sent'].includes(last.structured.status));
    const all = await t.graphRequests(since);
    assert.equal(all.filter((r) => r.method === 'POST' && r.path === `/v1.0${msgPath(id)}/send` && r.status === 202).length, 1, show(all));
    if (sent.length === 1) assert.equal(last.structured.status, 'already_sent');
    assert.equal(await delivered(megan, subject), 1, 'delivered exactly once');
  });
});

describe('full preset, direct sending', () => {
  let t;
  let g;
  let megan;
  let lee;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full', SEND_POLICY: 'direct' } });
    g = await graphReader(t.stack.sandbox.url);
    megan = await graphReader(t.stack.sandbox.url, 'Megan Bowen');
    lee = await graphReader(t.stack.sandbox.url, 'Lee Gu');
  });
  after(async () => { await t?.close(); });

  test('the direct send tools are listed and the sign-in asks for Mail.Send', async () => {
    const names = await t.toolNames();
    for (const n of SEND_TOOLS) assert.ok(names.includes(n), n);
    const meta = await (await fetch(`${t.stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.ok(meta.scopes_supported.includes('Mail.Send'), JSON.stringify(meta.scopes_supported));
  });

  test('send_email: a draft then its send; an identical repeat sends nothing', async () => {
    const subject = 'Lunch on Friday (e2e)';
    const args = { to: [MEGAN], subject, body: '12:30?', importance: 'low', attachments: [{ name: 'menu.txt', data: dataUri('text/plain', 'soup') }] };
    const s = await traced(t, 'send_email', args);
    assert.equal(s.isError, false, s.text);
    assert.equal(s.structured.status, 'sent');
    assert.deepEqual(s.structured.recipients, [MEGAN]);
    assertGraphHygiene(assert, s.reqs);
    assert.deepEqual(s.reqs.map((r) => r.method), ['POST', 'POST'], show(s.reqs));
    assert.equal(s.reqs[0].path, '/v1.0/me/messages');
    assert.equal(body(s.reqs[0]).importance, 'low');
    assert.equal(s.reqs[1].path, `/v1.0${msgPath(s.structured.messageId)}/send`);
    assert.equal(s.reqs[1].status, 202);
    assert.equal(await delivered(megan, subject), 1);

    const again = await traced(t, 'send_email', args);
    assert.equal(again.isError, false, again.text);
    assert.equal(again.structured.status, 'already_sent');
    assert.match(again.text, /Already sent/);
    assert.deepEqual(again.reqs, [], 'no Graph call, no second POST …/send');
    assert.equal(await delivered(megan, subject), 1, 'still delivered once');

    const changed = await ok(t, 'send_email', { ...args, body: '13:00?' });
    assert.equal(changed.structured.status, 'sent');
    assert.equal(await delivered(megan, subject), 2, 'a different message is sent');

    const since = await t.mark();
    let e = await err(t, 'send_email', { subject: 'x', body: 'y' });
    assert.match(e.text, /recipient/);
    e = await err(t, 'send_email', { to: [MEGAN], body: 'y' });
    assert.match(e.text, /subject/);
    e = await err(t, 'send_email', { to: ['not an address'], subject: 'x', body: 'y' });
    assert.match(e.text, /to/);
    assert.deepEqual(await t.graphRequests(since), [], 'refused before anything is created');
  });

  test('reply: createReply then send; a repeat sends nothing; errors', async () => {
    const original = await inboxMessage(g, { wantCc: true, domain: 'contoso.example' });
    const sender = original.from.emailAddress.address;
    const r = await traced(t, 'reply', { message_id: original.id, comment: 'Confirmed.' });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.structured.status, 'sent');
    assert.deepEqual(r.structured.recipients, [sender]);
    assertGraphHygiene(assert, r.reqs);
    const calls = graphCalls(r.reqs);
    assert.equal(calls[0].path, `/v1.0${msgPath(original.id)}/createReply`, show(r.reqs));
    assert.deepEqual(body(calls[0]), { comment: 'Confirmed.' });
    assert.equal(count(r.reqs, 'POST', '/send'), 1, show(r.reqs));
    const { json: sentReply } = await g.get(`${msgPath(r.structured.messageId)}?$select=isDraft,subject`);
    assert.equal(sentReply.isDraft, false);
    assert.match(sentReply.subject, /^RE:/);

    const again = await traced(t, 'reply', { message_id: original.id, comment: 'Confirmed.' });
    assert.equal(again.structured?.status, 'already_sent', again.text);
    assert.deepEqual(again.reqs, []);

    let e = await err(t, 'reply', { message_id: original.id, comment: ' ' });
    assert.match(e.text, /comment/);
    e = await err(t, 'reply', { message_id: MISSING_ID, comment: 'x' });
    assert.ok(e.text.includes('No message') && e.text.includes('Nothing was sent'), e.text);
  });

  test('reply_all: Graph computes the recipients; errors', async () => {
    const original = await inboxMessage(g, { wantCc: true, domain: 'contoso.example' });
    const r = await traced(t, 'reply_all', { message_id: original.id, comment: 'Thanks all' });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.structured.status, 'sent');
    assert.ok(r.structured.recipients.length >= 2, JSON.stringify(r.structured));
    assert.ok(!r.structured.recipients.includes(ADELE));
    assertGraphHygiene(assert, r.reqs);
    assert.equal(graphCalls(r.reqs)[0].path, `/v1.0${msgPath(original.id)}/createReplyAll`, show(r.reqs));
    assert.equal(count(r.reqs, 'POST', '/send'), 1, show(r.reqs));
    const again = await traced(t, 'reply_all', { message_id: original.id, comment: 'Thanks all' });
    assert.equal(again.structured?.status, 'already_sent', again.text);
    assert.equal(count(again.reqs, 'POST', '/send'), 0);
    let e = await err(t, 'reply_all', { message_id: MISSING_ID, comment: 'x' });
    assert.match(e.text, /No message/);
    e = await err(t, 'reply_all', { message_id: original.id, comment: '' });
    assert.match(e.text, /comment/);
  });

  test('forward: createForward with the recipients, then send; errors', async () => {
    const original = await inboxMessage(g, { domain: 'contoso.example' });
    const r = await traced(t, 'forward', { message_id: original.id, to: [LEE], comment: 'FYI' });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.structured.status, 'sent');
    assert.deepEqual(r.structured.recipients, [LEE]);
    assert.match(r.structured.subject, /^FW:/);
    assertGraphHygiene(assert, r.reqs);
    assert.equal(graphCalls(r.reqs)[0].path, `/v1.0${msgPath(original.id)}/createForward`, show(r.reqs));
    assert.equal(count(r.reqs, 'POST', '/send'), 1, show(r.reqs));
    assert.equal(await delivered(lee, r.structured.subject), 1, 'Lee got it');
    let e = await err(t, 'forward', { message_id: original.id, to: [] });
    assert.match(e.text, /to:/);
    e = await err(t, 'forward', { message_id: MISSING_ID, to: [LEE] });
    assert.match(e.text, /No message/);
  });

  test('send_draft errors under direct: not a draft, unknown id', async () => {
    const received = await inboxMessage(g);
    const r = await traced(t, 'send_draft', { message_id: received.id });
    assert.equal(r.isError, true);
    assert.match(r.text, /not a draft/);
    assert.equal(count(r.reqs, 'POST', '/send'), 0);
    const e = await err(t, 'send_draft', { message_id: MISSING_ID });
    assert.match(e.text, /No draft/);
  });

  test('send_draft under direct: any draft, including a seeded one', async () => {
    const seeded = (await folder(g, 'drafts')).find((m) => (m.toRecipients || []).length && m.isDraft);
    assert.ok(seeded);
    const s = await traced(t, 'send_draft', { message_id: seeded.id });
    assert.equal(s.isError, false, s.text);
    assert.equal(s.structured.status, 'sent');
    assert.equal(count(s.reqs, 'POST', '/send'), 1);
  });
});

describe('recipient allowlist and daily cap', () => {
  let t;
  let g;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full', SEND_POLICY: 'direct', SEND_ALLOWED_DOMAINS: 'contoso.example', DAILY_SEND_CAP: '2' } });
    g = await graphReader(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('SEND_ALLOWED_DOMAINS: send_email and send_draft refuse outside recipients', async () => {
    const direct = await traced(t, 'send_email', { to: [OUTSIDER], subject: 'x', body: 'y' });
    assert.equal(direct.isError, true, direct.text);
    assert.match(direct.text, /recipient policy/);
    assert.ok(direct.text.includes(OUTSIDER) && direct.text.includes('contoso.example'), direct.text);
    assert.deepEqual(direct.reqs, [], 'refused before anything is created');

    const id = (await ok(t, 'create_draft', { to: [MEGAN], bcc: [OUTSIDER], subject: 'leak' })).structured.id;
    const r = await traced(t, 'send_draft', { message_id: id });
    assert.equal(r.isError, true, r.text);
    assert.ok(r.text.includes(OUTSIDER) && r.text.includes('contoso.example'), r.text);
    assert.equal(count(r.reqs, 'POST', '/send'), 0, show(r.reqs));
    const { json: m } = await g.get(`${msgPath(id)}?$select=isDraft`);
    assert.equal(m.isDraft, true, 'not sent');

    const fwd = await traced(t, 'forward', { message_id: (await inboxMessage(g)).id, to: [OUTSIDER] });
    assert.equal(fwd.isError, true, fwd.text);
    assert.match(fwd.text, /recipient policy/);
    assert.equal(count(fwd.reqs, 'POST', '/send'), 0);
  });

  test('DAILY_SEND_CAP: the third send of the day is refused without a send', async () => {
    for (let i = 0; i < 2; i++) {
      const s = await ok(t, 'send_email', { to: [MEGAN], subject: `capped ${i}`, body: 'y' });
      assert.equal(s.structured.status, 'sent');
    }
    const third = await traced(t, 'send_email', { to: [MEGAN], subject: 'capped 2', body: 'y' });
    assert.equal(third.isError, true, third.text);
    assert.ok(third.text.includes('at most 2') && third.text.includes('per day'), third.text);
    assert.deepEqual(third.reqs, []);
    const id = (await ok(t, 'create_draft', { to: [MEGAN], subject: 'capped draft' })).structured.id;
    const r = await traced(t, 'send_draft', { message_id: id });
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /at most 2/);
    assert.equal(count(r.reqs, 'POST', '/send'), 0, show(r.reqs));
  });
});
