// The people tools end to end (core/src/mcp/tools/people/: get_profile, lookup_people, the
// contact and contact-folder tools, time zones and languages): the worker in workerd, the
// sandbox, the official TypeScript SDK client signed in as Adele through OAuth, and the
// sandbox's request log for the Graph calls each tool made.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';
import { authorize, Browser, MemoryProvider } from './oauth_user.mjs';

const ADELE_ID = '6adadd97-a7e1-4098-bd78-47512fb97401';
const MEGAN_ID = '96a4cd0e-afb5-40a7-b771-36519a94954c';

/** How core puts an id into a path: everything but RFC 3986 unreserved characters escaped. */
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** The decoded query string of a logged request. */
const query = (r) => decodeURIComponent(r.query || '');
const graph = (reqs) => reqs.filter((r) => r.path.startsWith('/v1.0'));
const body = (r) => JSON.parse(r.body);

const PEOPLE_TOOLS = [
  'get_profile', 'lookup_people', 'list_contacts', 'get_contact', 'create_contact', 'update_contact',
  'delete_contact', 'list_contact_folders', 'create_contact_folder', 'list_supported_time_zones',
  'list_supported_languages',
];

/** Runs `fn(t)` and returns `{ result, reqs }`: the tool result and the Graph requests it made. */
async function traced(t, name, args) {
  const since = await t.mark();
  const result = await t.call(name, args);
  const reqs = graph(await t.graphRequests(since));
  return { result, reqs };
}

/** A tool call that must fail as a tool error (isError) or as a JSON-RPC error; its message. */
async function failure(t, name, args) {
  try {
    const r = await t.call(name, args);
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${r.text}`);
    return r.text;
  } catch (e) {
    return String(e.message);
  }
}

/** Signs `userName` in on `t`'s stack with only `scope` (SDK `auth()`), and connects a client.
 * (Another user than Adele: a narrower sign-in of the same user replaces the Microsoft token her
 * other connections use.) */
async function narrowClient(t, scope, userName) {
  const { auth } = await import('@modelcontextprotocol/sdk/client/auth.js');
  const serverUrl = `${t.stack.url}/mcp`;
  const provider = new MemoryProvider('Narrow Client');
  assert.equal(await auth(provider, { serverUrl, scope }), 'REDIRECT');
  const back = await authorize(new Browser(), provider.store.authorizationUrl.toString(), { workerUrl: t.stack.url, userName });
  assert.equal(await auth(provider, { serverUrl, authorizationCode: back.searchParams.get('code'), scope }), 'AUTHORIZED');
  const client = new Client({ name: 'Narrow Client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
  return { client, provider };
}

/** Every page of a listing tool: the items under `key`. */
async function allPages(t, name, args, key) {
  const items = [];
  let cursor;
  for (let i = 0; i < 100; i++) {
    const r = await t.call(name, { ...args, ...(cursor ? { cursor } : {}) });
    assert.equal(r.isError, false, `${name}: ${r.text}`);
    items.push(...r.structured[key]);
    cursor = r.structured.nextCursor;
    if (!cursor) return items;
  }
  throw new Error(`${name}: too many pages`);
}

/** Every address Adele's own data holds, read through the tools: her contacts (every folder)
 * and the senders and recipients of every message in every mail folder. Lowercased. */
async function addressesInAdelesData(t) {
  const known = new Set();
  const add = (a) => { if (a) known.add(a.toLowerCase()); };
  const folders = (await t.call('list_contact_folders', {})).structured.folders;
  for (const folder of [undefined, ...folders.map((f) => f.id)]) {
    for (const c of await allPages(t, 'list_contacts', { limit: 100, ...(folder ? { folder } : {}) }, 'contacts')) {
      for (const e of c.emails || []) add(e);
    }
  }
  const mailFolders = (await t.call('list_mail_folders', {})).structured.folders;
  const ids = new Set();
  for (const f of mailFolders) {
    if (f.total === 0) continue;
    for (const m of await allPages(t, 'list_messages', { folder: f.id, limit: 50 }, 'messages')) {
      ids.add(m.id);
      add(m.from?.address);
    }
  }
  const queue = [...ids];
  const worker = async () => {
    while (queue.length) {
      const id = queue.shift();
      const m = await t.call('get_message', { id, max_chars: 1000 });
      assert.equal(m.isError, false, m.text);
      for (const p of [m.structured.from, ...(m.structured.to || []), ...(m.structured.cc || []),
        ...(m.structured.bcc || []), ...(m.structured.replyTo || [])]) add(p?.address);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  assert.ok(ids.size >= 100, `read ${ids.size} messages`);
  return known;
}

describe('people tools (full preset, direct send)', () => {
  let t;
  let toolNames;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full', SEND_POLICY: 'direct' } });
    toolNames = await t.toolNames();
  });
  after(async () => { await t?.close(); });

  test('every people tool is listed with honest annotations', async () => {
    const { tools } = await t.client.listTools();
    for (const name of PEOPLE_TOOLS) assert.ok(toolNames.includes(name), `${name} is listed`);
    const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
    for (const name of ['get_profile', 'lookup_people', 'list_contacts', 'get_contact', 'list_contact_folders',
      'list_supported_time_zones', 'list_supported_languages']) {
      assert.equal(byName[name].annotations?.readOnlyHint, true, name);
    }
    for (const name of ['create_contact', 'update_contact', 'create_contact_folder', 'delete_contact']) {
      assert.equal(byName[name].annotations?.readOnlyHint, false, name);
    }
    assert.equal(byName.delete_contact.annotations?.destructiveHint, true);
    assert.equal(byName.create_contact.annotations?.destructiveHint, false);
    assert.deepEqual(byName.lookup_people.inputSchema.required, ['name']);
    assert.match(byName.lookup_people.description, /never\s+invent or guess an address/);
  });

  test('get_profile: who Adele is, her mailbox settings and every granted permission, in one $batch', async () => {
    const { result: p, reqs } = await traced(t, 'get_profile', {});
    assert.equal(p.isError, false, p.text);
    const s = p.structured;
    assert.equal(s.displayName, 'Adele Vance');
    assert.equal(s.email, 'adele@contoso.example');
    assert.equal(s.id, ADELE_ID);
    assert.equal(s.timeZone, 'Pacific Standard Time');
    assert.equal(s.language, 'en-US');
    // The permissions the worker asked Microsoft for at sign-in, all granted.
    const meta = await (await fetch(`${t.stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.deepEqual([...s.grantedPermissions].sort(), [...meta.scopes_supported].sort());
    for (const perm of ['User.Read', 'People.Read', 'Contacts.ReadWrite', 'Team.ReadBasic.All', 'ChannelMessage.Read.All']) {
      assert.ok(s.grantedPermissions.includes(perm), perm);
      assert.ok(p.text.includes(perm), `${perm} in the text`);
    }
    assert.equal(s.toolsReady, toolNames.length);
    assert.ok(p.text.includes(`${toolNames.length} of ${toolNames.length} tools are ready`), p.text);
    assert.equal(s.needsConsent, undefined, 'nothing needs consent');
    assert.doesNotMatch(p.text, /Still needing consent/);

    assertGraphHygiene(assert, reqs);
    const outer = reqs.filter((r) => !r.batch);
    assert.deepEqual(outer.map((r) => `${r.method} ${r.path}`), ['POST /v1.0/$batch'], 'one round trip');
    const subs = reqs.filter((r) => r.batch);
    assert.equal(subs.length, 2);
    const me = subs.find((r) => r.path === '/v1.0/me');
    assert.equal(query(me), '$select=displayName,mail,userPrincipalName,id,jobTitle,preferredLanguage');
    const settings = subs.find((r) => r.path === '/v1.0/me/mailboxSettings');
    assert.equal(query(settings), '$select=timeZone,language');
    for (const r of body(outer[0]).requests) assert.match(r.headers.Prefer, /IdType="ImmutableId"/);
  });

  test('get_profile: a narrower sign-in reports what is granted and which tools still need consent', async () => {
    const { client } = await narrowClient(t, 'User.Read MailboxSettings.Read', 'Megan Bowen');
    try {
      const r = await client.callTool({ name: 'get_profile', arguments: {} });
      assert.notEqual(r.isError, true, JSON.stringify(r));
      const s = r.structuredContent;
      const text = r.content.map((c) => c.text).join('\n');
      assert.equal(s.displayName, 'Megan Bowen');
      assert.deepEqual(s.grantedPermissions, ['User.Read', 'MailboxSettings.Read']);
      assert.ok(s.toolsReady >= 3 && s.toolsReady < toolNames.length, `${s.toolsReady} of ${toolNames.length}`);
      const toolsFor = (perm) => s.needsConsent.find((n) => n.permission === perm)?.tools ?? [];
      assert.ok(toolsFor('Contacts.Read').includes('list_contacts'), JSON.stringify(s.needsConsent));
      assert.ok(toolsFor('Contacts.ReadWrite').includes('create_contact'));
      assert.ok(toolsFor('People.Read').includes('lookup_people'));
      assert.ok(toolsFor('Team.ReadBasic.All').includes('list_joined_teams'));
      assert.deepEqual(toolsFor('User.Read'), []);
      assert.deepEqual(toolsFor('MailboxSettings.Read'), []);
      assert.match(text, /Still needing consent/);
      assert.match(text, /\n- Contacts\.Read: .*list_contacts/);
      // A tool whose permission is missing is not run: the client is asked to authorize again.
      const since = await t.mark();
      await assert.rejects(() => client.callTool({ name: 'list_contacts', arguments: {} }));
      const reqs = graph(await t.graphRequests(since));
      assert.ok(!reqs.some((r) => r.path.startsWith('/v1.0/me/contacts')), 'no contact was read');
    } finally {
      await client.close();
    }
  });

  test('get_profile: Graph failing is reported, not a made-up profile; extra arguments are refused', async () => {
    await t.setFaults({ unavailable_rate: 1, retry_after_seconds: 1, path_prefix: '/$batch' });
    try {
      const r = await t.call('get_profile', {});
      assert.equal(r.isError, true, r.text);
      assert.doesNotMatch(r.text, /Adele Vance/);
      assert.match(r.text, /unavailable|try again/i);
    } finally {
      await t.clearFaults();
    }
    const text = await failure(t, 'get_profile', { user: 'megan@contoso.example' });
    assert.match(text, /user|argument|propert/i);
  });

  describe('lookup_people', () => {
    let known;
    const seen = [];
    /** lookup_people, remembering every address it returned for the final check. */
    const lookup = async (args) => {
      const r = await traced(t, 'lookup_people', args);
      assert.equal(r.result.isError, false, r.result.text);
      for (const m of r.result.structured.matches) seen.push({ query: args.name, address: m.address });
      return r;
    };

    before(async () => { known = await addressesInAdelesData(t); });

    test('a misspelled name ("Meagan Bowan") finds Megan Bowen, from one $batch of four reads', async () => {
      const { result, reqs } = await lookup({ name: 'Meagan Bowan' });
      const first = result.structured.matches[0];
      assert.equal(first.address, 'megan@contoso.example', result.text);
      assert.equal(first.name, 'Megan Bowen');
      assert.equal(first.userId, MEGAN_ID);
      assert.ok(first.score >= 0.85, result.text);
      assert.ok(['high', 'medium'].includes(first.confidence));
      assert.ok(first.sources.includes('people'));
      assert.ok(result.text.includes('Megan Bowen <megan@contoso.example>'), result.text);
      assert.match(result.text, /use these addresses exactly/);

      assertGraphHygiene(assert, reqs);
      const outer = reqs.filter((r) => !r.batch);
      assert.deepEqual(outer.map((r) => `${r.method} ${r.path}`), ['POST /v1.0/$batch'], 'one round trip');
      const subs = reqs.filter((r) => r.batch);
      assert.equal(subs.length, 4);
      for (const r of subs) assert.equal(r.method, 'GET');
      const search = subs.find((r) => query(r).includes('$search'));
      assert.equal(search.path, '/v1.0/me/people');
      assert.match(query(search), /\$search="Meagan Bowan"/);
      const people = subs.find((r) => r.path === '/v1.0/me/people' && r !== search);
      for (const r of [search, people]) assert.match(query(r), /\$select=id,displayName,givenName,surname,scoredEmailAddresses/);
      assert.match(query(subs.find((r) => r.path === '/v1.0/me/contacts')), /\$select=id,displayName,givenName,surname,emailAddresses/);
      const mail = subs.find((r) => r.path === '/v1.0/me/messages');
      assert.match(query(mail), /\$select=from,toRecipients,ccRecipients/);
      assert.match(query(mail), /\$orderby=receivedDateTime desc/);
      for (const r of subs) assert.equal(r.status, 200, `${r.path} ${r.status}`);
    });

    test('partial names find the colleague', async () => {
      for (const name of ['Meg', 'bowen', 'megan', 'Megan B']) {
        const { result } = await lookup({ name });
        assert.equal(result.structured.matches[0]?.address, 'megan@contoso.example', `${name}: ${result.text}`);
      }
      const { result } = await lookup({ name: 'Lee' });
      assert.equal(result.structured.matches[0].address, 'lee@contoso.example', result.text);
      assert.equal(result.structured.matches[0].userId, '677b5d20-efa3-4f60-b2b7-9fa34d53eee6');
    });

    test('an external correspondent, misspelled, and a contact found with its contact id', async () => {
      const { result } = await lookup({ name: 'Katharine Jonson', limit: 10 });
      assert.ok(result.structured.matches.some((m) => m.address.startsWith('katherine.johnson@')), result.text);
      assert.ok(result.structured.matches.length <= 10);
      const alex = await lookup({ name: 'Alex Wilbur' });
      const m = alex.result.structured.matches[0];
      assert.equal(m.address, 'alex@fabrikam.example', alex.result.text);
      assert.ok(m.sources.includes('contacts') && m.contactId, alex.result.text);
      // The contact id leads to the same person through get_contact.
      const c = await t.call('get_contact', { id: m.contactId });
      assert.equal(c.isError, false, c.text);
      assert.ok(c.structured.emails.some((e) => e.address.toLowerCase() === 'alex@fabrikam.example'), c.text);
    });

    test('nothing close: an empty answer that says not to guess; an unseen address is never echoed', async () => {
      const { result } = await lookup({ name: 'Xqzvbn Plorfitz' });
      assert.deepEqual(result.structured.matches, []);
      assert.match(result.text, /No one/);
      assert.match(result.text, /Do not guess/);
      const unseen = await lookup({ name: 'megan.bowen@contoso.example' });
      assert.ok(!unseen.result.structured.matches.some((x) => x.address.toLowerCase() === 'megan.bowen@contoso.example'), unseen.result.text);
      assert.ok(!known.has('megan.bowen@contoso.example'), 'the address really is unseen');
      const limited = await lookup({ name: 'a', limit: 3 });
      assert.ok(limited.result.structured.matches.length <= 3);
    });

    test('bad arguments are refused before any Graph call', async () => {
      const since = await t.mark();
      assert.match(await failure(t, 'lookup_people', { name: ' ,; ' }), /name/);
      assert.match(await failure(t, 'lookup_people', { name: 'Megan', limit: 0 }), /limit|minimum/i);
      assert.match(await failure(t, 'lookup_people', { name: 'Megan', limit: 11 }), /limit|maximum/i);
      assert.match(await failure(t, 'lookup_people', {}), /name/);
      assert.deepEqual(graph(await t.graphRequests(since)), []);
    });

    test('a source that fails is skipped and named; the others still answer', async () => {
      await t.setFaults({ unavailable_rate: 1, retry_after_seconds: 1, path_prefix: '/me/contacts' });
      try {
        const { result } = await lookup({ name: 'Megan Bowen' });
        assert.equal(result.structured.matches[0].address, 'megan@contoso.example', result.text);
        assert.deepEqual(result.structured.unavailableSources, ['contacts']);
        assert.match(result.text, /Not searched .*contacts/);
      } finally {
        await t.clearFaults();
      }
    });

    test('every address lookup_people returned is in Adele\'s own data', async () => {
      assert.ok(known.has('megan@contoso.example') && known.has('alex@fabrikam.example'), 'the data was read');
      for (const name of ['Patti', 'Nestor Wilkie', 'Johana Lorenz', 'Chloe', 'Bjorn Odegard', 'Amara', 'Catherine', 'contoso']) {
        await lookup({ name, limit: 10 });
      }
      assert.ok(seen.length >= 15, `${seen.length} matches checked`);
      for (const { query: q, address } of seen) {
        assert.ok(known.has(address.toLowerCase()), `lookup_people(${JSON.stringify(q)}) returned ${address}, which is not in the user's data`);
      }
    });
  });

  describe('contacts and contact folders', () => {
    let anaId;
    let suppliers;

    test('list_contacts: sorted pages with a cursor and the intended Graph call', async () => {
      const { result: first, reqs } = await traced(t, 'list_contacts', { limit: 5 });
      assert.equal(first.isError, false, first.text);
      assert.equal(first.structured.contacts.length, 5);
      assert.ok(first.structured.nextCursor);
      assertGraphHygiene(assert, reqs);
      assert.equal(reqs.length, 1);
      assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'GET /v1.0/me/contacts');
      assert.equal(query(reqs[0]), '$select=id,displayName,emailAddresses,companyName,jobTitle,mobilePhone,businessPhones&$top=5&$orderby=displayName');
      const names = first.structured.contacts.map((c) => c.name);
      assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));
      const second = await t.call('list_contacts', { limit: 5, cursor: first.structured.nextCursor });
      assert.equal(second.isError, false, second.text);
      const ids = new Set(first.structured.contacts.map((c) => c.id));
      assert.ok(second.structured.contacts.length > 0 && second.structured.contacts.every((c) => !ids.has(c.id)), 'pages do not overlap');
    });

    test('list_contacts: search by the start of a name and by an exact address', async () => {
      const { result, reqs } = await traced(t, 'list_contacts', { search: 'Wilb' });
      assert.equal(result.isError, false, result.text);
      assert.ok(result.structured.contacts.some((c) => c.emails?.includes('alex@fabrikam.example')), result.text);
      assert.match(query(reqs[0]), /\$filter=startswith\(displayName,'Wilb'\) or startswith\(givenName,'Wilb'\) or startswith\(surname,'Wilb'\)/);
      assert.doesNotMatch(query(reqs[0]), /\$search|\$orderby/);
      const { result: byAddress, reqs: r2 } = await traced(t, 'list_contacts', { search: 'alex@fabrikam.example' });
      assert.equal(byAddress.structured.contacts.length, 1, byAddress.text);
      assert.equal(byAddress.structured.contacts[0].name, 'Alex Wilber');
      assert.match(query(r2[0]), /\$filter=emailAddresses\/any\(a:a\/address eq 'alex@fabrikam\.example'\)/);
      const none = await t.call('list_contacts', { search: 'Zzzq' });
      assert.deepEqual(none.structured.contacts, []);
      assert.match(none.text, /lookup_people/);
    });

    test('list_contacts: errors name the fix', async () => {
      const since = await t.mark();
      assert.match(await failure(t, 'list_contacts', { folder: 'No Such Folder' }), /list_contact_folders/);
      const reqs = graph(await t.graphRequests(since));
      assert.equal(reqs.length, 1, 'only the folder lookup');
      assert.equal(reqs[0].path, '/v1.0/me/contactFolders');
      assert.match(query(reqs[0]), /\$filter=displayName eq 'No Such Folder'/);
      assert.match(await failure(t, 'list_contacts', { search: 'x'.repeat(101) }), /search/);
      assert.match(await failure(t, 'list_contacts', { limit: 101 }), /limit|maximum/i);
    });

    test('list_contact_folders: the folders with ids; Graph failure is an error', async () => {
      const { result, reqs } = await traced(t, 'list_contact_folders', {});
      assert.equal(result.isError, false, result.text);
      assert.ok(result.structured.folders.some((f) => f.name === 'Vendors'), result.text);
      assertGraphHygiene(assert, reqs);
      assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'GET /v1.0/me/contactFolders');
      assert.equal(query(reqs[0]), '$select=id,displayName&$top=100');
      await t.setFaults({ unavailable_rate: 1, retry_after_seconds: 1, path_prefix: '/me/contactFolders' });
      try {
        const r = await t.call('list_contact_folders', {});
        assert.equal(r.isError, true, r.text);
        assert.doesNotMatch(r.text, /Vendors/);
      } finally {
        await t.clearFaults();
      }
    });

    test('list_contacts: a folder by name or by id lists the same contacts', async () => {
      const vendors = (await t.call('list_contact_folders', {})).structured.folders.find((f) => f.name === 'Vendors');
      const { result: byName, reqs } = await traced(t, 'list_contacts', { folder: 'Vendors' });
      assert.equal(byName.isError, false, byName.text);
      assert.ok(byName.structured.contacts.length > 0);
      assert.equal(reqs.at(-1).path, `/v1.0/me/contactFolders/${enc(vendors.id)}/contacts`);
      const byId = await t.call('list_contacts', { folder: vendors.id });
      assert.deepEqual(byId.structured.contacts, byName.structured.contacts);
      const main = new Set((await t.call('list_contacts', { limit: 100 })).structured.contacts.map((c) => c.id));
      assert.ok(byName.structured.contacts.every((c) => !main.has(c.id)), 'folder contacts are not the main folder\'s');
    });

    test('create_contact: the Graph body, then read back with get_contact, list_contacts and lookup_people', async () => {
      const { result, reqs } = await traced(t, 'create_contact', {
        given_name: 'Ana', surname: 'Lopez', emails: [{ address: 'ana.lopez@fabrikam.example' }],
        company: 'Fabrikam', business_phones: ['+1 206 555 0100'], birthday: '1990-04-21', notes: 'Met at the expo',
      });
      assert.equal(result.isError, false, result.text);
      anaId = result.structured.id;
      assert.ok(anaId);
      assert.equal(result.structured.displayName, 'Ana Lopez');
      assertGraphHygiene(assert, reqs);
      assert.equal(reqs.length, 1);
      assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'POST /v1.0/me/contacts');
      assert.deepEqual(body(reqs[0]), {
        givenName: 'Ana', surname: 'Lopez', companyName: 'Fabrikam', personalNotes: 'Met at the expo',
        emailAddresses: [{ address: 'ana.lopez@fabrikam.example' }], businessPhones: ['+1 206 555 0100'],
        birthday: '1990-04-21T00:00:00Z',
      });
      assert.equal(reqs[0].status, 201);

      const { result: got, reqs: getReqs } = await traced(t, 'get_contact', { id: anaId });
      assert.equal(got.isError, false, got.text);
      assert.equal(getReqs.length, 1);
      assert.equal(`${getReqs[0].method} ${getReqs[0].path}`, `GET /v1.0/me/contacts/${enc(anaId)}`);
      assert.match(query(getReqs[0]), /\$select=id,displayName,givenName,.*personalNotes/);
      assertGraphHygiene(assert, getReqs);
      assert.equal(got.structured.company, 'Fabrikam');
      assert.equal(got.structured.birthday, '1990-04-21');
      assert.equal(got.structured.notes, 'Met at the expo');
      assert.deepEqual(got.structured.businessPhones, ['+1 206 555 0100']);
      assert.equal(got.structured.emails[0].address, 'ana.lopez@fabrikam.example');
      assert.match(got.text, /ana\.lopez@fabrikam\.example/);

      const listed = await t.call('list_contacts', { search: 'Lopez' });
      assert.ok(listed.structured.contacts.some((c) => c.id === anaId), listed.text);
      const found = await t.call('lookup_people', { name: 'Anna Lopes' });
      const m = found.structured.matches.find((x) => x.address === 'ana.lopez@fabrikam.example');
      assert.ok(m, found.text);
      assert.equal(m.contactId, anaId);
    });

    test('create_contact: bad arguments are refused and nothing is created', async () => {
      const since = await t.mark();
      assert.match(await failure(t, 'create_contact', { notes: 'x' }), /name/);
      assert.match(await failure(t, 'create_contact', { given_name: 'X', emails: [{ address: 'not an address' }] }), /emails/);
      assert.match(await failure(t, 'create_contact', { given_name: 'X', birthday: 'April 21' }), /birthday/);
      const four = [1, 2, 3, 4].map((i) => ({ address: `x${i}@fabrikam.example` }));
      assert.match(await failure(t, 'create_contact', { given_name: 'X', emails: four }), /at most 3|emails|maxItems/i);
      assert.match(await failure(t, 'create_contact', { given_name: 'X', folder: 'No Such Folder' }), /list_contact_folders/);
      assert.deepEqual(graph(await t.graphRequests(since)).filter((r) => r.method !== 'GET'), []);
    });

    test('get_contact: a wrong id says how to get a current one', async () => {
      const text = await failure(t, 'get_contact', { id: 'AAMkAGnotacontactid=' });
      assert.match(text, /No contact has this id/);
      assert.match(text, /list_contacts/);
      assert.match(await failure(t, 'get_contact', { id: ' ' }), /id/);
    });

    test('update_contact: only the given fields, one PATCH, read back', async () => {
      const { result, reqs } = await traced(t, 'update_contact', { id: anaId, job_title: 'Buyer', company: '' });
      assert.equal(result.isError, false, result.text);
      assert.equal(result.structured.jobTitle, 'Buyer');
      assert.equal(result.structured.company, undefined);
      assertGraphHygiene(assert, reqs);
      assert.equal(reqs.length, 1, 'one PATCH, no read-back');
      assert.equal(`${reqs[0].method} ${reqs[0].path}`, `PATCH /v1.0/me/contacts/${enc(anaId)}`);
      assert.deepEqual(body(reqs[0]), { jobTitle: 'Buyer', companyName: null });
      const got = await t.call('get_contact', { id: anaId });
      assert.equal(got.structured.jobTitle, 'Buyer');
      assert.equal(got.structured.company, undefined);
      assert.equal(got.structured.emails[0].address, 'ana.lopez@fabrikam.example', 'untouched fields stay');
      assert.equal(got.structured.notes, 'Met at the expo');
    });

    test('update_contact: errors', async () => {
      const since = await t.mark();
      assert.match(await failure(t, 'update_contact', { id: anaId }), /at least one field/);
      assert.match(await failure(t, 'update_contact', { id: anaId, emails: [{ address: 'nope' }] }), /emails/);
      assert.deepEqual(graph(await t.graphRequests(since)), [], 'nothing sent for bad arguments');
      assert.match(await failure(t, 'update_contact', { id: 'AAMkAGnotacontactid=', notes: 'x' }), /No contact/);
    });

    test('create_contact_folder: top level, duplicate, child folder, and a contact created in it', async () => {
      const { result, reqs } = await traced(t, 'create_contact_folder', { name: 'Suppliers' });
      assert.equal(result.isError, false, result.text);
      suppliers = result.structured;
      assert.equal(suppliers.name, 'Suppliers');
      assertGraphHygiene(assert, reqs);
      assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'POST /v1.0/me/contactFolders');
      assert.deepEqual(body(reqs[0]), { displayName: 'Suppliers' });
      const listed = await t.call('list_contact_folders', {});
      assert.ok(listed.structured.folders.some((f) => f.id === suppliers.id && f.name === 'Suppliers'), listed.text);

      const again = await failure(t, 'create_contact_folder', { name: 'Suppliers' });
      assert.match(again, /already exists/);
      assert.match(again, /list_contact_folders/);

      const vendors = listed.structured.folders.find((f) => f.name === 'Vendors');
      const { result: child, reqs: childReqs } = await traced(t, 'create_contact_folder', { name: 'EU', parent: 'Vendors' });
      assert.equal(child.isError, false, child.text);
      const post = childReqs.find((r) => r.method === 'POST');
      assert.equal(post.path, `/v1.0/me/contactFolders/${enc(vendors.id)}/childFolders`);
      assert.deepEqual(body(post), { displayName: 'EU' });

      const { result: parts, reqs: partReqs } = await traced(t, 'create_contact', { display_name: 'Parts Inc', folder: 'Suppliers' });
      assert.equal(parts.isError, false, parts.text);
      assert.equal(partReqs.find((r) => r.method === 'POST').path, `/v1.0/me/contactFolders/${enc(suppliers.id)}/contacts`);
      const inFolder = await t.call('list_contacts', { folder: suppliers.id });
      assert.deepEqual(inFolder.structured.contacts.map((c) => c.id), [parts.structured.id]);
    });

    test('create_contact_folder: errors', async () => {
      const since = await t.mark();
      assert.match(await failure(t, 'create_contact_folder', { name: ' ' }), /name/);
      assert.deepEqual(graph(await t.graphRequests(since)), []);
      assert.match(await failure(t, 'create_contact_folder', { name: 'X', parent: 'No Such Folder' }), /list_contact_folders/);
      assert.ok(!graph(await t.graphRequests(since)).some((r) => r.method === 'POST'), 'nothing created');
    });

    test('delete_contact: one DELETE, then the contact is gone everywhere', async () => {
      const { result, reqs } = await traced(t, 'delete_contact', { id: anaId });
      assert.equal(result.isError, false, result.text);
      assert.deepEqual(result.structured, { id: anaId, deleted: true });
      assertGraphHygiene(assert, reqs);
      assert.equal(reqs.length, 1);
      assert.equal(`${reqs[0].method} ${reqs[0].path}`, `DELETE /v1.0/me/contacts/${enc(anaId)}`);
      assert.equal(reqs[0].status, 204);
      assert.match(await failure(t, 'get_contact', { id: anaId }), /deleted/);
      const listed = await t.call('list_contacts', { search: 'Lopez' });
      assert.ok(!listed.structured.contacts.some((c) => c.id === anaId), listed.text);
      const found = await t.call('lookup_people', { name: 'Ana Lopez' });
      assert.ok(!found.structured.matches.some((m) => m.contactId === anaId), found.text);
    });

    test('delete_contact: deleting again or a wrong id changes nothing and says what to do', async () => {
      assert.match(await failure(t, 'delete_contact', { id: anaId }), /list_contacts/);
      assert.match(await failure(t, 'delete_contact', { id: '' }), /id/);
    });
  });

  describe('time zones and languages', () => {
    test('list_supported_time_zones: Windows names filtered by a word', async () => {
      const { result, reqs } = await traced(t, 'list_supported_time_zones', { contains: 'pacific' });
      assert.equal(result.isError, false, result.text);
      const zones = result.structured.timeZones;
      assert.ok(zones.some((z) => z.name === 'Pacific Standard Time' && /Pacific Time \(US & Canada\)/.test(z.displayName)), result.text);
      for (const z of zones) assert.match(`${z.name} ${z.displayName ?? ''}`.toLowerCase(), /pacific/);
      assertGraphHygiene(assert, reqs);
      assert.deepEqual(reqs.map((r) => `${r.method} ${r.path} ${r.query}`), ['GET /v1.0/me/outlook/supportedTimeZones null']);
    });

    test('list_supported_time_zones: IANA names, no match, a bad standard', async () => {
      const { result, reqs } = await traced(t, 'list_supported_time_zones', { standard: 'iana', contains: 'london' });
      assert.equal(result.isError, false, result.text);
      assert.equal(result.structured.timeZones[0].name, 'Europe/London', result.text);
      assert.match(decodeURIComponent(reqs[0].path), /\/me\/outlook\/supportedTimeZones\(TimeZoneStandard=microsoft\.graph\.timeZoneStandard'Iana'\)$/);
      const none = await t.call('list_supported_time_zones', { contains: 'atlantis' });
      assert.equal(none.isError, false);
      assert.deepEqual(none.structured.timeZones, []);
      assert.match(none.text, /No zone matches/);
      const since = await t.mark();
      assert.match(await failure(t, 'list_supported_time_zones', { standard: 'posix' }), /standard|posix/);
      assert.deepEqual(graph(await t.graphRequests(since)), []);
    });

    test('list_supported_languages: locales with names; Graph failure is an error', async () => {
      const { result, reqs } = await traced(t, 'list_supported_languages', {});
      assert.equal(result.isError, false, result.text);
      const langs = result.structured.languages;
      assert.ok(langs.some((l) => l.locale === 'en-US' && /English/.test(l.name)));
      assert.ok(langs.some((l) => l.locale === 'de-DE'));
      assert.match(result.text, /de-DE \(German/);
      assertGraphHygiene(assert, reqs);
      assert.deepEqual(reqs.map((r) => `${r.method} ${r.path}`), ['GET /v1.0/me/outlook/supportedLanguages']);
      await t.setFaults({ unavailable_rate: 1, retry_after_seconds: 1, path_prefix: '/me/outlook' });
      try {
        const r = await t.call('list_supported_languages', {});
        assert.equal(r.isError, true, r.text);
        assert.doesNotMatch(r.text, /en-US/);
      } finally {
        await t.clearFaults();
      }
    });
  });
});
