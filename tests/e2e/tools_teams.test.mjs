// The Teams tools end to end (core/src/mcp/tools/teams/: teams, channels, channel posts and
// replies, chats, online meetings): the worker in workerd, the sandbox, the official TypeScript
// SDK client signed in through OAuth, and the sandbox's request log for the Graph calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

const MEGAN_ID = '96a4cd0e-afb5-40a7-b771-36519a94954c';
const LEE_ID = '677b5d20-efa3-4f60-b2b7-9fa34d53eee6';
const ALPHA_CHAT_TOPIC = 'Alpha launch crew';

const TEAMS_TOOLS = [
  'list_joined_teams', 'list_channels', 'list_channel_messages', 'send_channel_message',
  'reply_to_channel_message', 'list_chats', 'list_chat_messages', 'send_chat_message', 'create_online_meeting',
];
const SEND_TOOLS = ['send_channel_message', 'reply_to_channel_message', 'send_chat_message'];

/** How core puts an id into a path: everything but RFC 3986 unreserved characters escaped. */
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const query = (r) => decodeURIComponent(r.query || '');
const graph = (reqs) => reqs.filter((r) => r.path.startsWith('/v1.0'));
const body = (r) => JSON.parse(r.body);

async function traced(t, name, args) {
  const since = await t.mark();
  const result = await t.call(name, args);
  const reqs = graph(await t.graphRequests(since));
  return { result, reqs };
}

/** A call that must fail (a tool error or a JSON-RPC error); its message. */
async function failure(t, name, args) {
  try {
    const r = await t.call(name, args);
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${r.text}`);
    return r.text;
  } catch (e) {
    return String(e.message);
  }
}

/** Error texts are read by a model: no runs of spaces from broken line continuations. */
function assertClean(text) {
  assert.doesNotMatch(text, / {2,}/, `runs of spaces in: ${text}`);
}

describe('Teams tools (full preset, direct send, administrator consented)', () => {
  let t;
  let names;
  let alpha; // { id, name }
  let general; // the General channel of Project Alpha
  let chatId; // the Alpha launch crew chat
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full', SEND_POLICY: 'direct' } });
    names = await t.toolNames();
  });
  after(async () => { await t?.close(); });

  test('every Teams tool is listed; reads are read-only; the sign-in asks for their permissions', async () => {
    const { tools } = await t.client.listTools();
    const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
    for (const name of TEAMS_TOOLS) {
      assert.ok(byName[name], `${name} is listed`);
      assert.match(byName[name].description, /[Ww]ork or school accounts only/, name);
    }
    for (const name of ['list_joined_teams', 'list_channels', 'list_channel_messages', 'list_chats', 'list_chat_messages']) {
      assert.equal(byName[name].annotations?.readOnlyHint, true, name);
    }
    for (const name of [...SEND_TOOLS, 'create_online_meeting']) assert.equal(byName[name].annotations?.readOnlyHint, false, name);
    const meta = await (await fetch(`${t.stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    for (const scope of ['Team.ReadBasic.All', 'Channel.ReadBasic.All', 'ChannelMessage.Read.All', 'ChannelMessage.Send',
      'Chat.Read', 'ChatMessage.Send', 'OnlineMeetings.ReadWrite', 'User.ReadBasic.All']) {
      assert.ok(meta.scopes_supported.includes(scope), `${scope} in ${meta.scopes_supported}`);
    }
  });

  test('list_joined_teams: the user\'s teams from /me/joinedTeams (no query options)', async () => {
    const { result, reqs } = await traced(t, 'list_joined_teams', {});
    assert.equal(result.isError, false, result.text);
    const teams = result.structured.teams;
    assert.deepEqual(teams.map((x) => x.name).sort(), ['Contoso All Company', 'Contoso Marketing', 'Project Alpha']);
    alpha = teams.find((x) => x.name === 'Project Alpha');
    assert.match(result.text, new RegExp(`Project Alpha .*id: ${alpha.id}`));
    assertGraphHygiene(assert, reqs);
    assert.deepEqual(reqs.map((r) => `${r.method} ${r.path} ${r.query}`), ['GET /v1.0/me/joinedTeams null']);
  });

  test('list_joined_teams: Graph unavailable is an error, not an empty list', async () => {
    await t.setFaults({ unavailable_rate: 1, retry_after_seconds: 1, path_prefix: '/me/joinedTeams' });
    try {
      const r = await t.call('list_joined_teams', {});
      assert.equal(r.isError, true, r.text);
      assert.doesNotMatch(r.text, /member of 0 team/);
      assert.doesNotMatch(r.text, /personal Microsoft account/, 'a work account is not called personal');
    } finally {
      await t.clearFaults();
    }
  });

  test('list_channels: channels with membership; the team id percent-encoded; $select', async () => {
    const { result, reqs } = await traced(t, 'list_channels', { team_id: alpha.id });
    assert.equal(result.isError, false, result.text);
    const channels = result.structured.channels;
    general = channels.find((c) => c.name === 'General');
    assert.ok(general, result.text);
    assert.ok(channels.some((c) => c.membership === 'private'), 'the private channel is listed as such');
    assert.match(result.text, /\[private\]/);
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].method} ${reqs[0].path}`, `GET /v1.0/teams/${enc(alpha.id)}/channels`);
    assert.equal(query(reqs[0]), '$select=id,displayName,description,membershipType');
  });

  test('list_channels: an unknown team and a blank id', async () => {
    const text = await failure(t, 'list_channels', { team_id: '00000000-0000-0000-0000-000000000000' });
    assert.match(text, /list_joined_teams/);
    assertClean(text);
    const since = await t.mark();
    assert.match(await failure(t, 'list_channels', { team_id: ' ' }), /team_id/);
    assert.match(await failure(t, 'list_channels', {}), /team_id/);
    assert.deepEqual(graph(await t.graphRequests(since)), []);
  });

  test('list_channel_messages: clean text, newest first, older pages, replies of a post', async () => {
    const { result, reqs } = await traced(t, 'list_channel_messages', { team_id: alpha.id, channel_id: general.id, limit: 2 });
    assert.equal(result.isError, false, result.text);
    const msgs = result.structured.messages;
    assert.equal(msgs.length, 2);
    for (const m of msgs) assert.doesNotMatch(m.text, /<p>|<at|<\/|&amp;/, m.text);
    assert.doesNotMatch(result.text, /<p>/);
    assert.ok(msgs[0].created >= msgs[1].created, 'newest first');
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    // The channel id (19:…@thread.tacv2) is escaped in the path.
    assert.equal(reqs[0].path, `/v1.0/teams/${enc(alpha.id)}/channels/${enc(general.id)}/messages`);
    assert.match(reqs[0].path, /19%3A.*%40thread\.tacv2/);
    assert.equal(query(reqs[0]), '$top=2');
    assert.ok(result.structured.nextCursor, 'more posts');
    const older = await t.call('list_channel_messages', { team_id: alpha.id, channel_id: general.id, limit: 2, cursor: result.structured.nextCursor });
    assert.equal(older.isError, false, older.text);
    assert.ok(older.structured.messages[0].created <= msgs[1].created, 'the next page is older');
    assert.ok(!older.structured.messages.some((m) => msgs.some((x) => x.id === m.id)));

    // A post with replies.
    const all = (await t.call('list_channel_messages', { team_id: alpha.id, channel_id: general.id, limit: 50 })).structured.messages;
    let replies;
    for (const post of all) {
      const { result: r, reqs: rr } = await traced(t, 'list_channel_messages', { team_id: alpha.id, channel_id: general.id, message_id: post.id });
      assert.equal(r.isError, false, r.text);
      assert.equal(rr[0].path, `/v1.0/teams/${enc(alpha.id)}/channels/${enc(general.id)}/messages/${enc(post.id)}/replies`);
      if (r.structured.messages.length) { replies = r.structured.messages; break; }
    }
    assert.ok(replies?.length, 'some post has replies');
    for (const r of replies) assert.ok(r.replyToId, 'replies name their post');
  });

  test('list_channel_messages: unknown channel, unknown post, bad limit', async () => {
    const ch = await failure(t, 'list_channel_messages', { team_id: alpha.id, channel_id: '19:nope@thread.tacv2' });
    assert.match(ch, /list_channels/);
    assert.match(await failure(t, 'list_channel_messages', { team_id: alpha.id, channel_id: general.id, message_id: '123' }), /No such post/);
    const since = await t.mark();
    assert.match(await failure(t, 'list_channel_messages', { team_id: alpha.id, channel_id: general.id, limit: 51 }), /limit|maximum/i);
    assert.match(await failure(t, 'list_channel_messages', { team_id: alpha.id, channel_id: ' ' }), /channel_id/);
    assert.deepEqual(graph(await t.graphRequests(since)), []);
  });

  let postId;
  test('send_channel_message: mentions resolved, the chatMessage body, read back as the newest post', async () => {
    const { result, reqs } = await traced(t, 'send_channel_message', {
      team_id: alpha.id, channel_id: general.id, subject: 'Deck',
      message: '@Megan Bowen the deck is ready.\nThanks!',
      mentions: [{ name: 'Megan Bowen', user: 'megan@contoso.example' }, { name: 'Lee Gu', user: LEE_ID }],
      importance: 'high',
    });
    assert.equal(result.isError, false, result.text);
    postId = result.structured.id;
    assert.ok(postId);
    assert.deepEqual(result.structured.mentioned, ['Megan Bowen', 'Lee Gu']);
    assertGraphHygiene(assert, reqs);
    // The address was resolved to a directory id (Lee was given by id: no lookup).
    const lookups = reqs.filter((r) => r.method === 'GET');
    assert.deepEqual(lookups.map((r) => r.path), ['/v1.0/users/megan%40contoso.example']);
    assert.equal(query(lookups[0]), '$select=id');
    const posts = reqs.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1);
    assert.equal(posts[0].path, `/v1.0/teams/${enc(alpha.id)}/channels/${enc(general.id)}/messages`);
    assert.equal(posts[0].status, 201);
    const b = body(posts[0]);
    assert.deepEqual(b.body, {
      contentType: 'html',
      content: '<at id="1">Lee Gu</at> <at id="0">Megan Bowen</at> the deck is ready.<br>Thanks!',
    });
    assert.equal(b.mentions[0].mentioned.user.id, MEGAN_ID);
    assert.equal(b.mentions[1].mentioned.user.id, LEE_ID);
    assert.equal(b.subject, 'Deck');
    assert.equal(b.importance, 'high');

    const page = await t.call('list_channel_messages', { team_id: alpha.id, channel_id: general.id, limit: 1 });
    const newest = page.structured.messages[0];
    assert.equal(newest.id, postId);
    assert.equal(newest.text, 'Lee Gu Megan Bowen the deck is ready.\nThanks!');
    assert.deepEqual(newest.mentions, ['Megan Bowen', 'Lee Gu']);
    assert.equal(newest.subject, 'Deck');
    assert.equal(newest.importance, 'high');
    assert.equal(newest.from, 'Adele Vance');
  });

  test('send_channel_message: bad arguments, outsiders and unknown channels post nothing', async () => {
    const since = await t.mark();
    assert.match(await failure(t, 'send_channel_message', { team_id: alpha.id, channel_id: general.id, message: '  ' }), /message/);
    assert.deepEqual(graph(await t.graphRequests(since)), [], 'nothing sent for a bad argument');
    const outsider = await failure(t, 'send_channel_message', {
      team_id: alpha.id, channel_id: general.id, message: 'hi', mentions: [{ name: 'Nobody', user: 'nobody@contoso.example' }],
    });
    assert.match(outsider, /Cannot mention/);
    assertClean(outsider);
    const byName = await failure(t, 'send_channel_message', {
      team_id: alpha.id, channel_id: general.id, message: 'hi', mentions: [{ name: 'Megan', user: 'Megan Bowen' }],
    });
    assert.match(byName, /lookup_people/);
    assertClean(byName);
    const unknown = await failure(t, 'send_channel_message', { team_id: alpha.id, channel_id: '19:nope@thread.tacv2', message: 'hi there' });
    assert.match(unknown, /nothing was posted/);
    assertClean(unknown);
    assert.match(await failure(t, 'send_channel_message', { team_id: alpha.id, channel_id: general.id, message: 'x', importance: 'critical' }), /importance|critical/);
    const posted = graph(await t.graphRequests(since)).filter((r) => r.method === 'POST' && r.status < 300);
    assert.deepEqual(posted, [], 'nothing posted');
  });

  test('reply_to_channel_message: the reply body as text, read back in the thread', async () => {
    const { result, reqs } = await traced(t, 'reply_to_channel_message', {
      team_id: alpha.id, channel_id: general.id, message_id: postId, message: 'Looks <good> & done',
    });
    assert.equal(result.isError, false, result.text);
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].method} ${reqs[0].path}`, `POST /v1.0/teams/${enc(alpha.id)}/channels/${enc(general.id)}/messages/${enc(postId)}/replies`);
    assert.deepEqual(body(reqs[0]), { body: { contentType: 'text', content: 'Looks <good> & done' } });
    const replies = await t.call('list_channel_messages', { team_id: alpha.id, channel_id: general.id, message_id: postId });
    assert.equal(replies.structured.messages[0].id, result.structured.id);
    assert.equal(replies.structured.messages[0].text, 'Looks <good> & done');
    assert.equal(replies.structured.messages[0].replyToId, postId);
  });

  test('reply_to_channel_message: an unknown post or an empty reply sends nothing', async () => {
    const since = await t.mark();
    const text = await failure(t, 'reply_to_channel_message', { team_id: alpha.id, channel_id: general.id, message_id: '42', message: 'hi' });
    assert.match(text, /nothing was sent/);
    assertClean(text);
    assert.match(await failure(t, 'reply_to_channel_message', { team_id: alpha.id, channel_id: general.id, message_id: postId, message: '' }), /message/);
    assert.match(await failure(t, 'reply_to_channel_message', { team_id: alpha.id, channel_id: general.id, message: 'x' }), /message_id/);
    const ok = graph(await t.graphRequests(since)).filter((r) => r.method === 'POST' && r.status < 300);
    assert.deepEqual(ok, []);
  });

  test('list_chats: members expanded, most recently active first, no $select (chat-list has none)', async () => {
    const { result, reqs } = await traced(t, 'list_chats', { limit: 50 });
    assert.equal(result.isError, false, result.text);
    const chats = result.structured.chats;
    const crew = chats.find((c) => c.topic === ALPHA_CHAT_TOPIC);
    assert.ok(crew, result.text);
    assert.ok(crew.members.includes('Adele Vance') && crew.members.includes('Megan Bowen'), JSON.stringify(crew));
    chatId = crew.id;
    const times = chats.map((c) => c.lastUpdated).filter(Boolean);
    assert.deepEqual(times, [...times].sort().reverse());
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'GET /v1.0/me/chats');
    assert.equal(query(reqs[0]), '$expand=members&$top=50');
    const one = await t.call('list_chats', { limit: 1 });
    assert.equal(one.structured.chats.length, 1);
    assert.ok(one.structured.nextCursor);
    const next = await t.call('list_chats', { limit: 1, cursor: one.structured.nextCursor });
    assert.notEqual(next.structured.chats[0].id, one.structured.chats[0].id);
  });

  test('list_chats: bad limit and a bad cursor', async () => {
    assert.match(await failure(t, 'list_chats', { limit: 0 }), /limit|minimum/i);
    const cursor = await failure(t, 'list_chats', { cursor: 'not-a-cursor' });
    assert.match(cursor, /cursor/i);
    assert.doesNotMatch(cursor, /\.\./, cursor);
  });

  test('list_chat_messages: newest first as clean text, the chat id escaped', async () => {
    const { result, reqs } = await traced(t, 'list_chat_messages', { chat_id: chatId, limit: 5 });
    assert.equal(result.isError, false, result.text);
    const msgs = result.structured.messages;
    assert.ok(msgs.length > 0 && msgs.length <= 5);
    for (const m of msgs) assert.doesNotMatch(m.text, /<\//, m.text);
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].method} ${reqs[0].path}`, `GET /v1.0/chats/${enc(chatId)}/messages`);
    assert.equal(query(reqs[0]), '$top=5&$orderby=createdDateTime desc');
  });

  test('list_chat_messages: an unknown chat', async () => {
    const text = await failure(t, 'list_chat_messages', { chat_id: '19:none@unq.gbl.spaces' });
    assert.match(text, /list_chats/);
    assert.match(await failure(t, 'list_chat_messages', { chat_id: '' }), /chat_id/);
  });

  test('send_chat_message: an HTML message posted once, read back; a repeat sends nothing again', async () => {
    const args = { chat_id: chatId, message: '<b>Running</b> late', format: 'html' };
    const { result, reqs } = await traced(t, 'send_chat_message', args);
    assert.equal(result.isError, false, result.text);
    assertGraphHygiene(assert, reqs);
    // The chat's members are checked (SEND_ALLOWED_DOMAINS unset: nothing to refuse), then one POST.
    const posts = reqs.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1);
    assert.equal(posts[0].path, `/v1.0/chats/${enc(chatId)}/messages`);
    assert.deepEqual(body(posts[0]), { body: { contentType: 'html', content: '<b>Running</b> late' } });
    const newest = await t.call('list_chat_messages', { chat_id: chatId, limit: 1 });
    assert.equal(newest.structured.messages[0].id, result.structured.id);
    assert.equal(newest.structured.messages[0].text, 'Running late');

    const again = await traced(t, 'send_chat_message', args);
    assert.equal(again.result.isError, false, again.result.text);
    assert.equal(again.result.structured.id, result.structured.id);
    assert.match(again.result.text, /sent nothing again/);
    assert.deepEqual(again.reqs.filter((r) => r.method === 'POST'), [], 'one message in Teams');
  });

  test('send_chat_message: unknown chat, bad format, a mention of an outsider', async () => {
    const since = await t.mark();
    const unknown = await failure(t, 'send_chat_message', { chat_id: '19:none@unq.gbl.spaces', message: 'x' });
    assert.match(unknown, /nothing was sent/);
    assert.match(await failure(t, 'send_chat_message', { chat_id: chatId, message: 'x', format: 'markdown' }), /format|markdown/);
    assert.match(await failure(t, 'send_chat_message', { chat_id: chatId, message: 'x', mentions: [{ name: 'N', user: 'nobody@contoso.example' }] }), /Cannot mention/);
    const ok = graph(await t.graphRequests(since)).filter((r) => r.method === 'POST' && r.status < 300);
    assert.deepEqual(ok, [], 'nothing sent');
  });

  test('create_online_meeting: times converted to UTC, the join link returned', async () => {
    const { result, reqs } = await traced(t, 'create_online_meeting', {
      subject: 'Design sync', start: '2026-06-03T15:00:00-07:00', end: '2026-06-03T15:30:00-07:00', attendees: ['megan@contoso.example'],
    });
    assert.equal(result.isError, false, result.text);
    const m = result.structured;
    assert.match(m.joinUrl, /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    assert.ok(result.text.includes(m.joinUrl));
    assert.match(result.text, /No calendar event/);
    assert.equal(m.subject, 'Design sync');
    assert.ok(m.start.startsWith('2026-06-03T22:00:00'), m.start);
    assert.ok(m.end.startsWith('2026-06-03T22:30:00'), m.end);
    assert.ok(m.passcode && m.meetingId);
    assertGraphHygiene(assert, reqs);
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].method} ${reqs[0].path}`, 'POST /v1.0/me/onlineMeetings');
    assert.equal(reqs[0].status, 201);
    const b = body(reqs[0]);
    assert.equal(b.subject, 'Design sync');
    assert.equal(b.startDateTime, '2026-06-03T22:00:00Z');
    assert.equal(b.endDateTime, '2026-06-03T22:30:00Z');
    assert.equal(b.participants.attendees[0].upn, 'megan@contoso.example');
  });

  test('create_online_meeting: times without an offset or in the wrong order create nothing', async () => {
    const since = await t.mark();
    const noOffset = await failure(t, 'create_online_meeting', { subject: 'x', start: '2026-06-03T15:00:00', end: '2026-06-03T16:00:00Z' });
    assert.match(noOffset, /start/);
    assert.match(noOffset, /offset/);
    assert.match(await failure(t, 'create_online_meeting', { subject: 'x', start: '2026-06-03T16:00:00Z', end: '2026-06-03T15:00:00Z' }), /after/);
    assert.match(await failure(t, 'create_online_meeting', { start: '2026-06-03T15:00:00Z', end: '2026-06-03T16:00:00Z' }), /subject/);
    assert.deepEqual(graph(await t.graphRequests(since)), []);
  });

  describe('a personal Microsoft account', () => {
    let sam;
    let samClient;
    before(async () => {
      const serverUrl = `${t.stack.url}/mcp`;
      const provider = await sdkSignIn(t.stack.url, serverUrl, { clientName: 'Personal Client', userName: 'Sam Taylor' });
      samClient = new Client({ name: 'Personal Client', version: '1.0.0' });
      await samClient.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
      sam = {
        async call(name, args) {
          const r = await samClient.callTool({ name, arguments: args });
          return { text: (r.content || []).map((c) => c.text).join('\n'), isError: r.isError === true, structured: r.structuredContent };
        },
      };
    });
    after(async () => { await samClient?.close(); });

    test('every Teams tool says it needs a work or school account, and nothing is created', async () => {
      const profile = await sam.call('get_profile', {});
      assert.equal(profile.structured.email, 'sam.personal@outlook.example', profile.text);
      const calls = [
        ['list_joined_teams', {}],
        ['list_channels', { team_id: alpha.id }],
        ['list_channel_messages', { team_id: alpha.id, channel_id: general.id }],
        ['send_channel_message', { team_id: alpha.id, channel_id: general.id, message: 'hi from Sam' }],
        ['reply_to_channel_message', { team_id: alpha.id, channel_id: general.id, message_id: postId, message: 'hi from Sam' }],
        ['list_chats', {}],
        ['list_chat_messages', { chat_id: chatId }],
        ['send_chat_message', { chat_id: chatId, message: 'hi from Sam' }],
        ['create_online_meeting', { subject: 'x', start: '2026-06-03T15:00:00Z', end: '2026-06-03T16:00:00Z' }],
      ];
      for (const [name, args] of calls) {
        const since = await t.mark();
        const r = await sam.call(name, args);
        assert.equal(r.isError, true, `${name}: ${r.text}`);
        assert.match(r.text, /work or school/, name);
        assert.match(r.text, /personal Microsoft account/, name);
        assert.match(r.text, /Do not retry/, name);
        assertClean(r.text);
        const reqs = graph(await t.graphRequests(since));
        assert.ok(reqs.length >= 1, `${name} asked Graph`);
        assert.ok(reqs.every((r) => r.status >= 400 || r.method === 'GET'), `${name}: nothing created`);
        // Graph's answer does not name the account kind: the tool asked who the user is.
        assert.ok(reqs.some((r) => r.path === '/v1.0/me' && query(r) === '$select=id' && r.status === 200), `${name}: ${reqs.map((r) => `${r.method} ${r.path} ${r.status}`)}`);
      }
      // Adele's channel and chat did not get Sam's messages.
      const posts = await t.call('list_channel_messages', { team_id: alpha.id, channel_id: general.id, limit: 5 });
      assert.ok(!posts.text.includes('hi from Sam'));
      const chat = await t.call('list_chat_messages', { chat_id: chatId, limit: 5 });
      assert.ok(!chat.text.includes('hi from Sam'));
    });
  });
});

describe('Teams tools without the administrator consent declaration (ADMIN_CONSENTED=false)', () => {
  let t;
  before(async () => { t = await toolStack({ vars: { TOOL_PRESET: 'full', SEND_POLICY: 'direct', ADMIN_CONSENTED: 'false' } }); });
  after(async () => { await t?.close(); });

  test('list_channel_messages is not offered and ChannelMessage.Read.All is not asked for', async () => {
    const names = await t.toolNames();
    assert.ok(!names.includes('list_channel_messages'), 'list_channel_messages is absent');
    for (const name of TEAMS_TOOLS.filter((n) => n !== 'list_channel_messages')) assert.ok(names.includes(name), `${name} is still listed`);
    const meta = await (await fetch(`${t.stack.url}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.ok(!meta.scopes_supported.includes('ChannelMessage.Read.All'), JSON.stringify(meta.scopes_supported));
    assert.ok(meta.scopes_supported.includes('ChannelMessage.Send') && meta.scopes_supported.includes('Channel.ReadBasic.All'));
    const profile = await t.call('get_profile', {});
    assert.ok(!profile.structured.grantedPermissions.includes('ChannelMessage.Read.All'), profile.text);
    assert.equal(profile.structured.toolsReady, names.length);
  });

  test('calling it is refused without a Graph call; the other Teams tools work', async () => {
    const teams = await t.call('list_joined_teams', {});
    assert.equal(teams.isError, false, teams.text);
    const alpha = teams.structured.teams.find((x) => x.name === 'Project Alpha');
    const channels = await t.call('list_channels', { team_id: alpha.id });
    assert.equal(channels.isError, false, channels.text);
    const general = channels.structured.channels.find((c) => c.name === 'General');
    const since = await t.mark();
    await assert.rejects(
      () => t.client.callTool({ name: 'list_channel_messages', arguments: { team_id: alpha.id, channel_id: general.id } }),
      /Unknown tool|not found/i,
    );
    assert.deepEqual(graph(await t.graphRequests(since)), []);
    const sent = await t.call('send_channel_message', { team_id: alpha.id, channel_id: general.id, message: 'Posting still works' });
    assert.equal(sent.isError, false, sent.text);
  });
});
