// The mail organising tools end to end: the official TypeScript SDK client, the worker in workerd
// (wrangler dev), the sandbox. Each tool's happy and error paths, the Graph calls in the sandbox's
// request log, and effects read back independently (a separate sign-in at the sandbox); presets:
// the read preset can change nothing, delete_message needs full, permanent deletes need consent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';
import { graphReader, msgPath, graphCalls, describe as show, body, assertSelects } from './mail_e2e_helpers.mjs';

const ORGANIZE_TOOLS = [
  'move_message', 'copy_message', 'mark_read', 'set_flag', 'set_categories', 'create_mail_folder',
  'rename_mail_folder', 'delete_mail_folder', 'create_category', 'create_message_rule',
  'delete_message_rule', 'update_mailbox_settings',
];
const MISSING = 'AAMkAGI2TG93AAA/does+not=exist';

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

async function traced(t, name, args) {
  const since = await t.mark();
  const r = await t.call(name, args);
  const reqs = await t.graphRequests(since);
  return { ...r, reqs };
}

const batches = (reqs) => reqs.filter((r) => r.path === '/v1.0/$batch').length;
const subs = (reqs) => reqs.filter((r) => r.batch);

/** The first `n` inbox messages as Graph has them. */
async function inbox(g, n, skip = 0) {
  const { status, json } = await g.get(`/me/mailFolders/inbox/messages?$select=id,isRead,categories,flag,parentFolderId,subject&$top=${n}&$skip=${skip}`);
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.value.length, n);
  return json.value;
}

async function folderId(g, name) {
  const { status, json } = await g.get(`/me/mailFolders/${name}?$select=id`);
  assert.equal(status, 200, JSON.stringify(json));
  return json.id;
}

async function message(g, id, select) {
  return g.get(`${msgPath(id)}?$select=${select}`);
}

const folderPath = (id) => `/me/mailFolders/${encodeURIComponent(id)}`;

describe('default preset (draft): organising tools', () => {
  let t;
  let g;
  before(async () => {
    t = await toolStack();
    g = await graphReader(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('every organising tool is listed; delete_message is not and cannot be called', async () => {
    const { tools } = await t.client.listTools();
    const names = tools.map((x) => x.name);
    for (const n of ORGANIZE_TOOLS) {
      const tool = tools.find((x) => x.name === n);
      assert.ok(tool, `${n} listed`);
      assert.equal(tool.annotations?.readOnlyHint, false, n);
    }
    for (const n of ['delete_mail_folder', 'delete_message_rule', 'update_mailbox_settings']) {
      assert.equal(tools.find((x) => x.name === n).annotations?.destructiveHint, true, n);
    }
    assert.ok(!names.includes('delete_message'));
    const since = await t.mark();
    await assert.rejects(() => t.client.callTool({ name: 'delete_message', arguments: { message_ids: ['x'] } }), /Unknown tool/);
    assert.deepEqual(await t.graphRequests(since), []);
  });

  test('move_message: a well-known folder (one POST …/move), a display name (lookup + one $batch)', async () => {
    const msgs = await inbox(g, 3);
    const id = msgs[0].id;
    const archive = await folderId(g, 'archive');
    const out = await traced(t, 'move_message', { message_ids: [id], folder: 'archive' });
    assert.equal(out.isError, false, out.text);
    assert.equal(out.structured.changed[0].id, id);
    assert.equal(out.structured.changed[0].newId, id, 'immutable ids survive the move');
    assert.ok(out.text.includes(id), out.text);
    assertGraphHygiene(assert, out.reqs);
    const calls = graphCalls(out.reqs);
    assert.equal(calls.length, 1, show(out.reqs));
    assert.equal(calls[0].method, 'POST');
    assert.equal(calls[0].path, `/v1.0${msgPath(id)}/move`);
    assert.deepEqual(body(calls[0]), { destinationId: 'archive' });
    assert.equal((await message(g, id, 'parentFolderId')).json.parentFolderId, archive);

    const two = [msgs[1].id, msgs[2].id];
    const many = await traced(t, 'move_message', { message_ids: two, folder: 'newsletters' });
    assert.equal(many.isError, false, many.text);
    assert.equal(many.structured.changed.length, 2);
    assertGraphHygiene(assert, many.reqs);
    assertSelects(many.reqs);
    const lookup = many.reqs.find((r) => r.method === 'GET' && r.path === '/v1.0/me/mailFolders');
    assert.ok(lookup, show(many.reqs));
    assert.match(decodeURIComponent(lookup.query), /\$filter=displayName eq 'newsletters'/);
    assert.equal(batches(many.reqs), 1, show(many.reqs));
    const moves = subs(many.reqs);
    assert.deepEqual(moves.map((s) => `${s.method} ${s.path}`), two.map((i) => `POST /v1.0${msgPath(i)}/move`));
    const newsletters = body(moves[0]).destinationId;
    for (const i of two) assert.equal((await message(g, i, 'parentFolderId')).json.parentFolderId, newsletters);
    const listed = await ok(t, 'list_messages', { folder: 'Newsletters', limit: 50 });
    assert.ok(two.every((i) => listed.structured.messages.some((m) => m.id === i)), 'in Newsletters');
  });

  test('move_message errors: unknown folder, unknown id, partial failure, argument checks', async () => {
    const [m] = await inbox(g, 1);
    let e = await err(t, 'move_message', { message_ids: [m.id], folder: 'No Such Folder' });
    assert.match(e.text, /list_mail_folders/);
    const gone = await traced(t, 'move_message', { message_ids: [MISSING], folder: 'archive' });
    assert.equal(gone.isError, true);
    assert.match(gone.text, /Not found/);
    assert.equal(gone.reqs[0].path, `/v1.0${msgPath(MISSING)}/move`, 'the id is percent-encoded in the path');
    assert.ok(gone.reqs[0].path.includes('%2F') && gone.reqs[0].path.includes('%2B') && gone.reqs[0].path.includes('%3D'));
    const partial = await ok(t, 'move_message', { message_ids: [m.id, MISSING], folder: 'archive' });
    assert.equal(partial.structured.changed[0].id, m.id);
    assert.equal(partial.structured.failed[0].id, MISSING);
    assert.match(partial.text, /Not changed/);
    const since = await t.mark();
    e = await err(t, 'move_message', { message_ids: [], folder: 'archive' });
    assert.match(e.text, /message_ids/);
    e = await err(t, 'move_message', { message_ids: Array.from({ length: 21 }, (_, i) => `id${i}`), folder: 'archive' });
    assert.match(e.text, /message_ids/);
    e = await err(t, 'move_message', { message_ids: [m.id], folder: 'archive', permanent: true });
    assert.match(e.text, /permanent/);
    assert.deepEqual(await t.graphRequests(since), [], 'argument errors make no call');
  });

  test('copy_message: a new copy in the folder, the original stays', async () => {
    const [m] = await inbox(g, 1);
    const out = await traced(t, 'copy_message', { message_ids: [m.id], folder: 'archive' });
    assert.equal(out.isError, false, out.text);
    const copy = out.structured.changed[0].newId;
    assert.ok(copy && copy !== m.id, JSON.stringify(out.structured));
    assert.ok(out.text.includes(copy), out.text);
    assertGraphHygiene(assert, out.reqs);
    const calls = graphCalls(out.reqs);
    assert.equal(calls.length, 1, show(out.reqs));
    assert.equal(calls[0].method, 'POST');
    assert.equal(calls[0].path, `/v1.0${msgPath(m.id)}/copy`);
    assert.deepEqual(body(calls[0]), { destinationId: 'archive' });
    assert.equal((await message(g, m.id, 'parentFolderId')).json.parentFolderId, await folderId(g, 'inbox'));
    const c = await message(g, copy, 'parentFolderId,subject');
    assert.equal(c.status, 200);
    assert.equal(c.json.parentFolderId, await folderId(g, 'archive'));
    assert.equal(c.json.subject, m.subject);
    const e = await err(t, 'copy_message', { message_ids: [MISSING], folder: 'archive' });
    assert.match(e.text, /Not found/);
    const e2 = await err(t, 'copy_message', { message_ids: [m.id], folder: 'Nowhere Folder' });
    assert.match(e2.text, /list_mail_folders/);
  });

  test('mark_read: one $batch of PATCHes for several ids, a plain PATCH for one', async () => {
    const msgs = await inbox(g, 3);
    const ids = msgs.map((m) => m.id);
    const out = await traced(t, 'mark_read', { message_ids: ids, read: false });
    assert.equal(out.isError, false, out.text);
    assert.equal(out.structured.changed.length, 3);
    assert.match(out.text, /unread/);
    assertGraphHygiene(assert, out.reqs);
    assert.equal(batches(out.reqs), 1, show(out.reqs));
    assert.deepEqual(subs(out.reqs).map((s) => [s.method, s.path, body(s)]), ids.map((i) => ['PATCH', `/v1.0${msgPath(i)}`, { isRead: false }]));
    for (const i of ids) assert.equal((await message(g, i, 'isRead')).json.isRead, false);
    const unread = await ok(t, 'list_messages', { unread: true, limit: 50 });
    assert.ok(ids.every((i) => unread.structured.messages.some((m) => m.id === i && m.isRead === false)));

    const one = await traced(t, 'mark_read', { message_ids: [ids[0]] });
    assert.equal(one.isError, false, one.text);
    assert.equal(batches(one.reqs), 0);
    assert.deepEqual(one.reqs.map((r) => [r.method, r.path, body(r)]), [['PATCH', `/v1.0${msgPath(ids[0])}`, { isRead: true }]]);
    assert.equal((await message(g, ids[0], 'isRead')).json.isRead, true, 'read defaults to true');

    let e = await err(t, 'mark_read', { message_ids: [MISSING] });
    assert.match(e.text, /Not found/);
    e = await err(t, 'mark_read', { message_ids: [ids[0]], read: 'yes' });
    assert.match(e.text, /read/);
  });

  test('set_flag: a due date in the mailbox time zone, complete, clear; errors', async () => {
    const msgs = await inbox(g, 2);
    const id = msgs[0].id;
    const out = await traced(t, 'set_flag', { message_ids: [id], flag: 'flagged', due: '2026-06-10' });
    assert.equal(out.isError, false, out.text);
    assert.match(out.text, /2026-06-10/);
    assertGraphHygiene(assert, out.reqs);
    assertSelects(out.reqs);
    const patch = out.reqs.find((r) => r.method === 'PATCH');
    assert.equal(patch.path, `/v1.0${msgPath(id)}`);
    let { json: m } = await message(g, id, 'flag');
    assert.equal(m.flag.flagStatus, 'flagged');
    assert.equal(m.flag.dueDateTime.dateTime, '2026-06-10T17:00:00');
    assert.equal(m.flag.dueDateTime.timeZone, 'Pacific Standard Time', "Adele's mailbox zone");

    await ok(t, 'set_flag', { message_ids: [id], flag: 'complete' });
    ({ json: m } = await message(g, id, 'flag'));
    assert.equal(m.flag.flagStatus, 'complete');

    const clear = await traced(t, 'set_flag', { message_ids: [id, msgs[1].id], flag: 'not_flagged' });
    assert.equal(clear.isError, false, clear.text);
    assert.equal(batches(clear.reqs), 1, show(clear.reqs));
    for (const s of subs(clear.reqs)) assert.deepEqual(body(s), { flag: { flagStatus: 'notFlagged' } });
    ({ json: m } = await message(g, id, 'flag'));
    assert.equal(m.flag.flagStatus, 'notFlagged');

    const since = await t.mark();
    let e = await err(t, 'set_flag', { message_ids: [id], flag: 'complete', due: '2026-06-10' });
    assert.match(e.text, /due/);
    e = await err(t, 'set_flag', { message_ids: [id], flag: 'flagged', due: 'next friday' });
    assert.match(e.text, /due/);
    e = await err(t, 'set_flag', { message_ids: [id], flag: 'urgent' });
    assert.match(e.text, /flag/);
    assert.deepEqual(await t.graphRequests(since), [], 'bad arguments make no calls');
  });

  test('set_categories: replace, add (with a warning for an unknown name), remove; errors', async () => {
    const [m] = await inbox(g, 1, 5);
    const id = m.id;
    const rep = await traced(t, 'set_categories', { message_ids: [id], categories: ['Travel'], mode: 'replace' });
    assert.equal(rep.isError, false, rep.text);
    assert.equal(rep.structured.warnings, undefined, JSON.stringify(rep.structured));
    assertGraphHygiene(assert, rep.reqs);
    assertSelects(rep.reqs);
    assert.equal(batches(rep.reqs), 1, show(rep.reqs));
    const s = subs(rep.reqs);
    assert.equal(s.length, 2, show(rep.reqs));
    assert.equal(s[0].path, '/v1.0/me/outlook/masterCategories');
    assert.equal(s[1].method, 'PATCH');
    assert.equal(s[1].path, `/v1.0${msgPath(id)}`);
    assert.deepEqual(body(s[1]), { categories: ['Travel'] });
    assert.deepEqual((await message(g, id, 'categories')).json.categories, ['Travel']);

    const add = await ok(t, 'set_categories', { message_ids: [id], categories: ['Project Alpha', 'Made Up Label'] });
    assert.equal(add.structured.warnings.length, 1, JSON.stringify(add.structured));
    assert.match(add.structured.warnings[0], /Made Up Label/);
    assert.match(add.text, /create_category/);
    assert.deepEqual(add.structured.changed[0].categories, ['Travel', 'Project Alpha', 'Made Up Label']);
    assert.deepEqual((await message(g, id, 'categories')).json.categories, ['Travel', 'Project Alpha', 'Made Up Label']);
    const byCategory = await ok(t, 'list_messages', { category: 'Made Up Label', limit: 50 });
    assert.ok(byCategory.structured.messages.some((x) => x.id === id));

    await ok(t, 'set_categories', { message_ids: [id], categories: ['made up label'], mode: 'remove' });
    assert.deepEqual((await message(g, id, 'categories')).json.categories, ['Travel', 'Project Alpha']);
    const same = await traced(t, 'set_categories', { message_ids: [id], categories: ['travel'] });
    assert.equal(same.isError, false, same.text);
    assert.ok(same.reqs.every((r) => r.method !== 'PATCH'), `nothing to change:\n${show(same.reqs)}`);
    await ok(t, 'set_categories', { message_ids: [id], categories: [], mode: 'replace' });
    assert.deepEqual((await message(g, id, 'categories')).json.categories, []);

    let e = await err(t, 'set_categories', { message_ids: [id], categories: [] });
    assert.match(e.text, /categories/);
    e = await err(t, 'set_categories', { message_ids: [MISSING], categories: ['Travel'] });
    assert.match(e.text, /Not found/);
    e = await err(t, 'set_categories', { message_ids: [id], categories: ['Travel'], mode: 'toggle' });
    assert.match(e.text, /mode/);
  });

  let topId;
  test('create_mail_folder: top level and under a parent; duplicates and bad parents refused', async () => {
    const top = await traced(t, 'create_mail_folder', { name: 'Invoices 2026' });
    assert.equal(top.isError, false, top.text);
    topId = top.structured.id;
    assert.ok(top.text.includes(topId), top.text);
    assertGraphHygiene(assert, top.reqs);
    assert.deepEqual(top.reqs.map((r) => [r.method, r.path, body(r)]), [['POST', '/v1.0/me/mailFolders', { displayName: 'Invoices 2026' }]]);
    const f = await g.get(`${folderPath(topId)}?$select=displayName`);
    assert.equal(f.status, 200);
    assert.equal(f.json.displayName, 'Invoices 2026');

    const child = await traced(t, 'create_mail_folder', { name: 'Receipts archive', parent_folder: 'inbox' });
    assert.equal(child.isError, false, child.text);
    assert.equal(child.reqs[0].path, '/v1.0/me/mailFolders/inbox/childFolders');
    assert.equal(child.structured.parentFolderId, await folderId(g, 'inbox'));

    let e = await err(t, 'create_mail_folder', { name: 'invoices 2026' });
    assert.match(e.text, /already exists/);
    e = await err(t, 'create_mail_folder', { name: '  ' });
    assert.match(e.text, /name/);
    e = await err(t, 'create_mail_folder', { name: 'X', parent_folder: 'Nowhere' });
    assert.match(e.text, /list_mail_folders/);
  });

  test('rename_mail_folder: by display name; clashes and built-in folders refused', async () => {
    const r = await traced(t, 'rename_mail_folder', { folder: 'Invoices 2026', new_name: 'Invoices (2026)' });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.structured.id, topId);
    assert.equal(r.structured.name, 'Invoices (2026)');
    assertGraphHygiene(assert, r.reqs);
    assertSelects(r.reqs);
    const patch = r.reqs.filter((x) => x.method === 'PATCH');
    assert.deepEqual(patch.map((x) => [x.path, body(x)]), [[`/v1.0${folderPath(topId)}`, { displayName: 'Invoices (2026)' }]]);
    assert.equal((await g.get(`${folderPath(topId)}?$select=displayName`)).json.displayName, 'Invoices (2026)');

    let e = await err(t, 'rename_mail_folder', { folder: topId, new_name: 'newsletters' });
    assert.match(e.text, /already named/);
    const wk = await traced(t, 'rename_mail_folder', { folder: 'Inbox', new_name: 'My inbox' });
    assert.equal(wk.isError, true);
    assert.match(wk.text, /built-in/);
    assert.deepEqual(wk.reqs, [], 'refused before any call');
    e = await err(t, 'rename_mail_folder', { folder: 'Nope', new_name: 'Still nope' });
    assert.match(e.text, /list_mail_folders/);
    assert.equal((await g.get(`${folderPath(topId)}?$select=displayName`)).json.displayName, 'Invoices (2026)', 'unchanged by the refusals');
  });

  test('delete_mail_folder: to Deleted Items with its messages; built-ins and repeats refused', async () => {
    const [m] = await inbox(g, 1);
    await ok(t, 'move_message', { message_ids: [m.id], folder: topId });
    const d = await traced(t, 'delete_mail_folder', { folder: topId });
    assert.equal(d.isError, false, d.text);
    assert.equal(d.structured.name, 'Invoices (2026)');
    assert.equal(d.structured.messageCount, 1);
    assert.match(d.text, /Deleted Items/);
    assertGraphHygiene(assert, d.reqs);
    assertSelects(d.reqs);
    assert.equal(batches(d.reqs), 1, show(d.reqs));
    assert.ok(subs(d.reqs).every((r) => r.method === 'GET'));
    const last = d.reqs.filter((r) => r.path !== '/v1.0/$batch').at(-1);
    assert.deepEqual([last.method, last.path], ['DELETE', `/v1.0${folderPath(topId)}`]);
    const f = await g.get(`${folderPath(topId)}?$select=parentFolderId`);
    assert.equal(f.status, 200, 'recoverable');
    assert.equal(f.json.parentFolderId, await folderId(g, 'deleteditems'));

    const since = await t.mark();
    for (const wk of ['inbox', 'Sent Items', 'deleteditems']) {
      const e = await err(t, 'delete_mail_folder', { folder: wk });
      assert.match(e.text, /built-in/);
    }
    assert.deepEqual(await t.graphRequests(since), []);
    const byId = await err(t, 'delete_mail_folder', { folder: await folderId(g, 'inbox') });
    assert.match(byId.text, /built-in/);
    const again = await traced(t, 'delete_mail_folder', { folder: topId });
    assert.equal(again.isError, true);
    assert.match(again.text, /already in Deleted Items/);
    assert.ok(again.reqs.every((r) => r.method === 'GET' || r.path === '/v1.0/$batch'), show(again.reqs));
    assert.equal((await g.get(`${folderPath(topId)}?$select=id`)).status, 200, 'still there');
    const missing = await err(t, 'delete_mail_folder', { folder: 'AAMkAGI2TG93AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/missing=' });
    assert.match(missing.text, /Not found/);
  });

  test('create_category: POST masterCategories; duplicates and bad colours refused', async () => {
    const c = await traced(t, 'create_category', { name: 'Board prep', color: 'preset7' });
    assert.equal(c.isError, false, c.text);
    assert.equal(c.structured.color, 'preset7');
    assert.match(c.text, /blue/);
    assertGraphHygiene(assert, c.reqs);
    assert.deepEqual(c.reqs.map((r) => [r.method, r.path, body(r)]), [['POST', '/v1.0/me/outlook/masterCategories', { displayName: 'Board prep', color: 'preset7' }]]);
    const { json } = await g.get('/me/outlook/masterCategories?$select=displayName,color');
    assert.ok(json.value.some((x) => x.displayName === 'Board prep' && x.color === 'preset7'));
    // The new category is known now: applying it gives no warning.
    const [m] = await inbox(g, 1, 6);
    const applied = await ok(t, 'set_categories', { message_ids: [m.id], categories: ['Board prep'] });
    assert.equal(applied.structured.warnings, undefined, JSON.stringify(applied.structured));

    let e = await err(t, 'create_category', { name: 'travel' });
    assert.match(e.text, /already exists/);
    const since = await t.mark();
    e = await err(t, 'create_category', { name: 'X', color: 'blue' });
    assert.match(e.text, /color/);
    assert.deepEqual(await t.graphRequests(since), []);
  });

  let ruleId;
  test('create_message_rule: conditions and actions, after the existing rules; errors', async () => {
    const out = await traced(t, 'create_message_rule', {
      name: 'Vendor invoices', from_addresses: ['billing@fabrikam.example'], subject_contains: ['invoice'],
      has_attachments: true, move_to_folder: 'archive', mark_as_read: true, categories: ['Receipts'], stop_processing: true,
    });
    assert.equal(out.isError, false, out.text);
    ruleId = out.structured.id;
    assert.ok(out.text.includes(ruleId), out.text);
    assertGraphHygiene(assert, out.reqs);
    assertSelects(out.reqs);
    assert.equal(batches(out.reqs), 1, show(out.reqs));
    const post = out.reqs.find((r) => r.method === 'POST' && r.path.endsWith('/messageRules'));
    assert.equal(post.path, '/v1.0/me/mailFolders/inbox/messageRules');
    const b = body(post);
    const archive = await folderId(g, 'archive');
    assert.equal(b.displayName, 'Vendor invoices');
    assert.equal(b.actions.moveToFolder, archive);
    assert.equal(b.actions.markAsRead, true);
    assert.deepEqual(b.actions.assignCategories, ['Receipts']);
    assert.equal(b.actions.stopProcessingRules, true);
    assert.equal(b.actions.forwardTo, undefined);
    assert.equal(b.conditions.fromAddresses[0].emailAddress.address, 'billing@fabrikam.example');
    assert.deepEqual(b.conditions.subjectContains, ['invoice']);
    assert.equal(b.conditions.hasAttachments, true);
    const { json: rules } = await g.get('/me/mailFolders/inbox/messageRules?$select=id,displayName,sequence');
    const created = rules.value.find((r) => r.id === ruleId);
    assert.ok(created);
    const maxOther = Math.max(0, ...rules.value.filter((r) => r.id !== ruleId).map((r) => r.sequence ?? 0));
    assert.equal(created.sequence, maxOther + 1);
    assert.equal(out.structured.sequence, created.sequence);

    // Forwarding is refused under the draft preset's send policy, before any call.
    const since = await t.mark();
    let e = await err(t, 'create_message_rule', { name: 'Fwd', subject_contains: ['x'], forward_to: ['someone@elsewhere.example'] });
    assert.match(e.text, /send policy/);
    e = await err(t, 'create_message_rule', { name: 'All', mark_as_read: true });
    assert.match(e.text, /condition/);
    e = await err(t, 'create_message_rule', { name: 'Nothing', sent_to_me: true });
    assert.match(e.text, /action/);
    assert.deepEqual(await t.graphRequests(since), []);
    e = await err(t, 'create_message_rule', { name: 'X', sent_to_me: true, move_to_folder: 'Nowhere' });
    assert.match(e.text, /list_mail_folders/);
  });

  test('delete_message_rule: one DELETE; the rule is gone; a repeat says how to find rules', async () => {
    const d = await traced(t, 'delete_message_rule', { rule_id: ruleId });
    assert.equal(d.isError, false, d.text);
    assert.equal(d.structured.id, ruleId);
    assertGraphHygiene(assert, d.reqs);
    assert.deepEqual(d.reqs.map((r) => [r.method, r.path]), [['DELETE', `/v1.0/me/mailFolders/inbox/messageRules/${encodeURIComponent(ruleId)}`]]);
    const { json: rules } = await g.get('/me/mailFolders/inbox/messageRules?$select=id');
    assert.ok(!rules.value.some((r) => r.id === ruleId));
    const again = await err(t, 'delete_message_rule', { rule_id: ruleId });
    assert.match(again.text, /list_message_rules/);
    const e = await err(t, 'delete_message_rule', {});
    assert.match(e.text, /rule_id/);
  });

  test('update_mailbox_settings: automatic replies, working hours, time zone, language; errors', async () => {
    const out = await traced(t, 'update_mailbox_settings', {
      automatic_replies: {
        status: 'scheduled', start: '2026-07-01', end: '2026-07-15T12:00',
        internal_message: 'Away until 15 July.\nAsk Megan.', external_audience: 'contacts_only',
      },
      working_hours: { days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], start_time: '08:30', end_time: '16:30' },
      time_zone: 'eastern standard time',
      language: 'en-GB',
    });
    assert.equal(out.isError, false, out.text);
    assert.deepEqual(out.structured.updated, ['automaticReplies', 'workingHours', 'timeZone', 'language']);
    assert.equal(out.structured.timeZone, 'Eastern Standard Time');
    assertGraphHygiene(assert, out.reqs);
    assertSelects(out.reqs);
    // The two time-zone lists (Windows and IANA names) in one $batch, then one PATCH.
    assert.equal(batches(out.reqs), 1, show(out.reqs));
    assert.equal(subs(out.reqs).length, 2, show(out.reqs));
    assert.ok(subs(out.reqs).every((r) => r.method === 'GET' && r.path.startsWith('/v1.0/me/outlook/supportedTimeZones')), show(out.reqs));
    const patches = out.reqs.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 1, show(out.reqs));
    assert.equal(patches[0].path, '/v1.0/me/mailboxSettings');
    const { json: s } = await g.get('/me/mailboxSettings?$select=automaticRepliesSetting,workingHours,timeZone,language');
    const auto = s.automaticRepliesSetting;
    assert.equal(auto.status, 'scheduled');
    assert.equal(auto.externalAudience, 'contactsOnly');
    assert.equal(auto.scheduledStartDateTime.dateTime, '2026-07-01T00:00:00');
    assert.equal(auto.scheduledEndDateTime.dateTime, '2026-07-15T12:00:00');
    assert.equal(auto.scheduledStartDateTime.timeZone, 'Eastern Standard Time');
    assert.equal(auto.internalReplyMessage, 'Away until 15 July.<br>Ask Megan.');
    assert.equal(s.workingHours.startTime, '08:30:00.0000000');
    assert.equal(s.workingHours.daysOfWeek.length, 5);
    assert.equal(s.timeZone, 'Eastern Standard Time');
    assert.equal(s.language.locale, 'en-GB');

    // A new flag due date is in the new zone (the worker forgot the cached one).
    const [m] = await inbox(g, 1);
    const flagged = await traced(t, 'set_flag', { message_ids: [m.id], flag: 'flagged', due: '2026-06-12' });
    assert.equal(flagged.isError, false, flagged.text);
    assert.equal((await message(g, m.id, 'flag')).json.flag.dueDateTime.timeZone, 'Eastern Standard Time');

    const since = await t.mark();
    for (const [args, field] of [
      [{}, 'nothing to change'],
      [{ language: 'English' }, 'language'],
      [{ automatic_replies: { status: 'scheduled', start: '2026-07-01' } }, 'start and end'],
      [{ working_hours: { days: ['monday'], start_time: '17:00', end_time: '09:00' } }, 'end_time'],
      [{ working_hours: { days: ['monday'], start_time: '9am', end_time: '17:00' } }, 'start_time'],
    ]) {
      const e = await err(t, 'update_mailbox_settings', args);
      assert.ok(e.text.includes(field), `${field}: ${e.text}`);
    }
    assert.deepEqual(await t.graphRequests(since), [], 'argument errors make no calls');
    const e = await err(t, 'update_mailbox_settings', { time_zone: 'Mars/Olympus Mons' });
    assert.match(e.text, /time_zone/);
    assert.equal((await g.get('/me/mailboxSettings?$select=timeZone')).json.timeZone, 'Eastern Standard Time', 'unchanged');
  });
});

describe('full preset (direct sending): delete_message and forwarding rules', () => {
  let t;
  let g;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full', SEND_POLICY: 'direct' } });
    g = await graphReader(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('delete_message: to Deleted Items in one $batch; permanent refused without consent; errors', async () => {
    const ids = (await inbox(g, 3)).map((m) => m.id);
    const bin = await folderId(g, 'deleteditems');
    const out = await traced(t, 'delete_message', { message_ids: [ids[0], ids[1]] });
    assert.equal(out.isError, false, out.text);
    assert.match(out.text, /Deleted Items/);
    assertGraphHygiene(assert, out.reqs);
    assert.equal(batches(out.reqs), 1, show(out.reqs));
    assert.deepEqual(subs(out.reqs).map((s) => [s.method, s.path, body(s)]), ids.slice(0, 2).map((i) => ['POST', `/v1.0${msgPath(i)}/move`, { destinationId: 'deleteditems' }]));
    for (const i of ids.slice(0, 2)) {
      const r = await message(g, i, 'parentFolderId');
      assert.equal(r.status, 200, 'recoverable');
      assert.equal(r.json.parentFolderId, bin);
    }
    const refused = await traced(t, 'delete_message', { message_ids: [ids[2]], permanent: true });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /not enabled/);
    assert.deepEqual(refused.reqs, []);
    assert.equal((await message(g, ids[2], 'id')).status, 200);
    const gone = await err(t, 'delete_message', { message_ids: ['AAMkAGI2TG93AAA/missing='] });
    assert.match(gone.text, /Not found/);
  });

  test('create_message_rule may forward inside direct sending', async () => {
    const fwd = await traced(t, 'create_message_rule', { name: 'Fwd', subject_contains: ['urgent'], forward_to: ['megan@contoso.example'], sequence: 9 });
    assert.equal(fwd.isError, false, fwd.text);
    const post = fwd.reqs.find((r) => r.method === 'POST' && r.path === '/v1.0/me/mailFolders/inbox/messageRules');
    assert.ok(post, show(fwd.reqs));
    assert.equal(body(post).actions.forwardTo[0].emailAddress.address, 'megan@contoso.example');
    const r = await g.get(`/me/mailFolders/inbox/messageRules/${encodeURIComponent(fwd.structured.id)}?$select=actions,sequence`);
    assert.equal(r.json.actions.forwardTo[0].emailAddress.address, 'megan@contoso.example');
    assert.equal(r.json.sequence, 9);
  });
});

describe('full preset with PERMANENT_DELETE', () => {
  let t;
  let g;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full', PERMANENT_DELETE: 'true' } });
    g = await graphReader(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('delete_message permanent: bodiless POST …/permanentDelete; gone', async () => {
    const [m] = await inbox(g, 1);
    const out = await traced(t, 'delete_message', { message_ids: [m.id], permanent: true });
    assert.equal(out.isError, false, out.text);
    assert.match(out.text, /Permanently/);
    assertGraphHygiene(assert, out.reqs);
    assert.equal(out.reqs.length, 1, show(out.reqs));
    assert.equal(out.reqs[0].method, 'POST');
    assert.equal(out.reqs[0].path, `/v1.0${msgPath(m.id)}/permanentDelete`);
    assert.ok(!out.reqs[0].body, 'no body');
    assert.equal((await message(g, m.id, 'id')).status, 404);

    const ids = (await inbox(g, 2)).map((x) => x.id);
    const two = await traced(t, 'delete_message', { message_ids: ids, permanent: true });
    assert.equal(two.isError, false, two.text);
    assert.equal(batches(two.reqs), 1);
    assert.deepEqual(subs(two.reqs).map((s) => s.path), ids.map((i) => `/v1.0${msgPath(i)}/permanentDelete`));
    for (const i of ids) assert.equal((await message(g, i, 'id')).status, 404);
  });
});

describe('read preset: nothing can change the mailbox', () => {
  let t;
  let g;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'read' }, extraScopes: ['Calendars.Read.Shared'] });
    g = await graphReader(t.stack.sandbox.url);
  });
  after(async () => { await t?.close(); });

  test('no organising or drafting tool is listed; calling any of them or every listed tool writes nothing', async () => {
    const { tools } = await t.client.listTools();
    const names = tools.map((x) => x.name);
    const writers = [...ORGANIZE_TOOLS, 'delete_message', 'create_draft', 'update_draft', 'add_attachment', 'create_reply_draft',
      'create_reply_all_draft', 'create_forward_draft', 'delete_draft', 'send_draft', 'send_email', 'reply', 'reply_all', 'forward'];
    for (const n of writers) assert.ok(!names.includes(n), `${n} must be absent`);
    const [m] = await inbox(g, 1);
    const since = await t.mark();
    for (const n of writers) {
      await assert.rejects(() => t.client.callTool({ name: n, arguments: { message_ids: [m.id], message_id: m.id, folder: 'archive', name: 'x', subject: 'x', to: ['megan@contoso.example'], comment: 'x' } }), /Unknown tool/, n);
    }
    // Every listed tool, with empty and with plausible arguments.
    const plausible = { message_ids: [m.id], message_id: m.id, folder: 'inbox', limit: 3 };
    for (const tool of tools) {
      await t.call(tool.name, {});
      const props = Object.keys(tool.inputSchema?.properties || {});
      const args = Object.fromEntries(Object.entries(plausible).filter(([k]) => props.includes(k)));
      if (Object.keys(args).length) await t.call(tool.name, args);
    }
    await ok(t, 'list_messages', { limit: 5 });
    const reqs = await t.graphRequests(since);
    assert.ok(reqs.length > 0, 'the read tools made Graph calls');
    // Graph reads that are POSTs by API design and change nothing.
    const readPosts = [/\/\$batch$/, /\/findMeetingTimes$/, /\/getSchedule$/];
    const writes = reqs.filter((r) => r.method !== 'GET' && !(r.method === 'POST' && !r.batch && readPosts.some((p) => p.test(r.path))));
    assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [], 'no request changed anything');
    assert.deepEqual(subs(reqs).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`), [], 'batches only read');
    const after = await message(g, m.id, 'parentFolderId,isRead');
    assert.equal(after.json.parentFolderId, m.parentFolderId);
    assert.equal(after.json.isRead, m.isRead);
  });
});
