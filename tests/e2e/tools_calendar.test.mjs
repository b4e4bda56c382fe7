// Calendar tools end to end: the worker in workerd (wrangler dev), the sandbox, the official
// TypeScript SDK client signed in as Adele (mailbox zone Pacific Standard Time). Every calendar
// tool with its happy and error paths, the Graph calls it makes (percent-encoded ids, $select,
// the immutable-id and outlook.timezone preferences), a New York weekly meeting seen from London
// across both DST gaps, and all-day events that keep their dates in every zone.
//
// The sandbox's seed is anchored to today's date, so seeded meetings are found by subject and
// their dates read back; events this file creates use fixed dates.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { toolStack, assertGraphHygiene } from './tools_harness.mjs';
import { sdkSignIn } from './oauth_user.mjs';

const CALENDAR_TOOLS = [
  'list_calendars', 'create_calendar', 'list_events', 'search_events', 'get_event', 'create_event',
  'update_event', 'delete_event', 'respond_to_event', 'find_meeting_times', 'get_schedule',
  'list_reminders', 'list_event_attachments', 'add_event_attachment',
];

// Seeded subjects (sandbox/src/seed/calendar.rs).
const EASTERN_MEETING = 'Marketing plan review'; // Megan, 13:00 Eastern; Adele accepted
const LONDON_MEETING = 'Partnership pricing workshop'; // Alex, 16:00 London, 90 min
const ATTACHMENT_EVENT = 'Quarterly business review'; // Adele's, with files
const GO_NO_GO = 'Alpha launch go/no-go'; // Adele organises, in the "alpha" calendar
const CANCELLED = 'Budget sync'; // cancelled by Nestor
const SEEDED_SERIES = 'Contoso / Fabrikam weekly partnership sync'; // Megan, Tuesdays 11:00 New York

/** A path segment encoded like the worker does (RFC 3986 unreserved kept, uppercase hex). */
function enc(id) {
  return Array.from(new TextEncoder().encode(id), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

const q = (r) => decodeURIComponent(r.query || '');
const body = (r) => JSON.parse(r.body || 'null');
const graph = (reqs) => reqs.filter((r) => r.path.startsWith('/v1.0'));
const show = (reqs) => JSON.stringify(reqs.map((r) => `${r.method} ${r.path}?${q(r)}`));
/** `[start, end]` of the listed events with `subject`. */
const timesOf = (listed, subject) => listed.events.filter((e) => e.subject === subject).map((e) => [e.start, e.end]);
const preferOf = (r) => r.headers?.prefer || '';

/** A second SDK client on the same worker (same sandbox), signed in as `userName`; `call` like t.call. */
async function connectAs(stack, userName) {
  const serverUrl = `${stack.url}/mcp`;
  const provider = await sdkSignIn(stack.url, serverUrl, { clientName: `Calendar e2e (${userName})`, userName });
  const client = new Client({ name: `Calendar e2e (${userName})`, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
  return {
    client,
    async call(name, args = {}) {
      const r = await client.callTool({ name, arguments: args });
      return {
        text: (r.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n'),
        structured: r.structuredContent,
        isError: r.isError === true,
      };
    },
  };
}
/** `yyyy-mm-ddThh:mm` wall-clock time of the instant `ms` in `zone` (Node's ICU as the oracle). */
function wallClock(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
/** The instant of wall-clock time `local` (`yyyy-mm-ddThh:mm`) in `zone`. */
function instantOf(local, zone) {
  const want = Date.parse(`${local}:00Z`);
  let ms = want;
  for (let i = 0; i < 4; i++) ms += want - Date.parse(`${wallClock(ms, zone)}:00Z`);
  return ms;
}
/** `local` in `from` as wall-clock time in `to`, shifted by `minutes`. */
const convert = (local, from, to, minutes = 0) => wallClock(instantOf(local, from) + minutes * 60e3, to);
/** `yyyy-mm-dd`, `days` after `date`. */
const plusDays = (date, days) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400e3).toISOString().slice(0, 10);
/** A Tuesday one to two weeks from today (the sandbox's seed is anchored to today): Megan's seeded
 * weekly series (11:00 New York) takes place on it. */
const NEXT_TUESDAY = (() => {
  let d = plusDays(new Date().toISOString().slice(0, 10), 7);
  while (new Date(`${d}T00:00:00Z`).getUTCDay() !== 2) d = plusDays(d, 1);
  return d;
})();

describe('calendar tools (full preset)', () => {
  let t;
  let megan;
  let firstMark;
  before(async () => {
    t = await toolStack({ vars: { TOOL_PRESET: 'full' }, extraScopes: ['Calendars.Read.Shared'] });
    megan = await connectAs(t.stack, 'Megan Bowen');
    firstMark = await t.mark();
  });
  after(async () => {
    await megan?.client.close().catch(() => {});
    await t?.close();
  });

  /** Megan's matches for `query` on `day` (her own calendar, through her own session). */
  async function megansMatches(query, day) {
    const r = await megan.call('search_events', { query, start: day, end: day });
    assert.equal(r.isError, false, r.text);
    return r.structured.matches.filter((m) => m.subject === query);
  }

  /** A call that must succeed. */
  async function ok(name, args) {
    const r = await t.call(name, args);
    assert.equal(r.isError, false, `${name} ${JSON.stringify(args)} failed: ${r.text}`);
    assert.ok(r.structured, `${name} returns structured content`);
    return r;
  }
  /** A call that must fail (a tool error or a protocol-level refusal); returns the message. */
  async function err(name, args) {
    let r;
    try {
      r = await t.call(name, args);
    } catch (e) {
      if (e instanceof McpError) return e.message;
      throw e;
    }
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${r.text}`);
    assert.ok(r.text.length > 0);
    return r.text;
  }
  /** Graph requests made by `fn`, checked for hygiene. */
  async function during(fn) {
    const since = await t.mark();
    const out = await fn();
    const reqs = graph(await t.graphRequests(since));
    assertGraphHygiene(assert, reqs);
    return { out, reqs };
  }
  /** The first search match for `query` in the default window. */
  async function find(query, extra = {}) {
    const r = await ok('search_events', { query, limit: 5, ...extra });
    const m = r.structured.matches.find((x) => x.subject === query) || r.structured.matches[0];
    assert.ok(m, `no match for ${query}: ${r.text}`);
    return m;
  }

  /** Every event list_events returns for the window, following the cursor. */
  async function listAll(args) {
    const events = [];
    let cursor;
    for (let page = 0; page < 30; page++) {
      const r = await ok('list_events', { ...args, limit: 100, ...(cursor ? { cursor } : {}) });
      events.push(...r.structured.events);
      cursor = r.structured.nextCursor;
      if (!cursor) return events;
    }
    assert.fail('list_events kept returning cursors');
  }

  test('the full preset registers every calendar tool', async () => {
    const names = await t.toolNames();
    for (const n of CALENDAR_TOOLS) assert.ok(names.includes(n), `${n} missing from ${names.join()}`);
  });

  test('list_calendars: the calendars with $select; a Graph outage is reported', async () => {
    const { out, reqs } = await during(() => ok('list_calendars', {}));
    const cals = out.structured.calendars;
    assert.ok(cals.length >= 2, out.text);
    assert.equal(cals.filter((c) => c.isDefault === true).length, 1, out.text);
    assert.ok(cals.every((c) => typeof c.id === 'string' && c.id && typeof c.canEdit === 'boolean'));
    assert.equal(reqs.length, 1, show(reqs));
    assert.equal(reqs[0].method, 'GET');
    assert.equal(reqs[0].path, '/v1.0/me/calendars');
    assert.match(q(reqs[0]), /\$select=id,name,isDefaultCalendar/);

    await t.setFaults({ gateway_timeout_rate: 1, path_prefix: '/me/calendars' });
    try {
      const text = await err('list_calendars', {});
      assert.match(text, /timed out|time out|unavailable|try again|504|Graph/i, text);
    } finally {
      await t.clearFaults();
    }
  });

  test('create_calendar: creates, refuses duplicates and unknown colours; events go into it', async () => {
    const { out, reqs } = await during(() => ok('create_calendar', { name: 'Project Zeta', color: 'lightGreen' }));
    const cal = out.structured.calendar;
    assert.equal(cal.name, 'Project Zeta');
    assert.ok(cal.id);
    const post = reqs.find((r) => r.method === 'POST');
    assert.ok(post, show(reqs));
    assert.equal(post.path, '/v1.0/me/calendars');
    assert.equal(body(post).name, 'Project Zeta');
    assert.equal(body(post).color, 'lightGreen');
    const listed = await ok('list_calendars', {});
    assert.ok(listed.structured.calendars.some((c) => c.id === cal.id && c.name === 'Project Zeta' && c.canEdit), listed.text);

    const dup = await err('create_calendar', { name: 'project zeta' });
    assert.match(dup, /already exists/, dup);
    const plaid = await err('create_calendar', { name: 'Tartan', color: 'plaid' });
    assert.match(plaid, /color|plaid/, plaid);
    const after = await ok('list_calendars', {});
    assert.ok(!after.structured.calendars.some((c) => c.name === 'Tartan'), 'nothing created on error');
    const blank = await err('create_calendar', { name: '  ' });
    assert.match(blank, /name/, blank);

    // An event created in it shows there and not in the default calendar.
    await ok('create_event', { subject: 'Zeta kickoff', start: '2026-06-15T10:00', calendar_id: cal.id });
    const { out: inZeta, reqs: viewReqs } = await during(() =>
      ok('list_events', { start: '2026-06-15', end: '2026-06-15', calendar_id: cal.id }));
    assert.equal(timesOf(inZeta.structured, 'Zeta kickoff').length, 1, inZeta.text);
    assert.ok(viewReqs.some((r) => r.path === `/v1.0/me/calendars/${enc(cal.id)}/calendarView`), show(viewReqs));
    const inDefault = await ok('list_events', { start: '2026-06-15', end: '2026-06-15' });
    assert.deepEqual(timesOf(inDefault.structured, 'Zeta kickoff'), []);
  });

  test('a weekly New York meeting is shown at the right London times across both DST gaps', async () => {
    const created = {};
    for (const [subject, zone] of [['NY sync (IANA)', 'America/New_York'], ['NY sync (Windows)', 'Eastern Standard Time']]) {
      const { out, reqs } = await during(() => ok('create_event', {
        subject, start: '2026-01-06T11:00', end: '2026-01-06T11:45', time_zone: zone,
        recurrence: { pattern: 'weekly', until: '2026-12-29' },
      }));
      const c = out.structured;
      assert.equal(c.start, '2026-01-06T11:00');
      assert.equal(c.end, '2026-01-06T11:45');
      assert.equal(c.timeZone, zone);
      assert.equal(c.recurrence, 'seriesMaster');
      assert.equal(c.repeats, `weekly on tuesday, every 1 week(s), from 2026-01-06 until 2026-12-29 (${zone})`);
      const post = reqs.find((r) => r.method === 'POST');
      assert.equal(post.path, '/v1.0/me/events', show(reqs));
      const b = body(post);
      assert.equal(b.subject, subject);
      assert.equal(b.start.dateTime, '2026-01-06T11:00:00');
      assert.equal(b.end.dateTime, '2026-01-06T11:45:00');
      assert.match(b.start.timeZone, /^(America\/New_York|Eastern Standard Time)$/, JSON.stringify(b.start));
      assert.equal(b.recurrence.pattern.type, 'weekly');
      assert.deepEqual(b.recurrence.pattern.daysOfWeek, ['tuesday']);
      assert.equal(b.recurrence.range.type, 'endDate');
      assert.equal(b.recurrence.range.startDate, '2026-01-06');
      assert.equal(b.recurrence.range.endDate, '2026-12-29');
      created[subject] = c.id;
    }

    // March: the US switches on the 8th, the UK on the 29th — for three weeks it is 15:00 in London.
    const spring = [
      ['2026-02-24T16:00', '2026-02-24T16:45'],
      ['2026-03-03T16:00', '2026-03-03T16:45'],
      ['2026-03-10T15:00', '2026-03-10T15:45'],
      ['2026-03-17T15:00', '2026-03-17T15:45'],
      ['2026-03-24T15:00', '2026-03-24T15:45'],
      ['2026-03-31T16:00', '2026-03-31T16:45'],
      ['2026-04-07T16:00', '2026-04-07T16:45'],
    ];
    // Autumn: the UK switches back on 25 October, the US on 1 November — one week at 15:00.
    const autumn = [
      ['2026-10-13T16:00', '2026-10-13T16:45'],
      ['2026-10-20T16:00', '2026-10-20T16:45'],
      ['2026-10-27T15:00', '2026-10-27T15:45'],
      ['2026-11-03T16:00', '2026-11-03T16:45'],
      ['2026-11-10T16:00', '2026-11-10T16:45'],
    ];
    for (const [start, end, expected] of [['2026-02-24', '2026-04-07', spring], ['2026-10-13', '2026-11-10', autumn]]) {
      const { out, reqs } = await during(() => ok('list_events', { start, end, time_zone: 'Europe/London', limit: 100 }));
      assert.equal(out.structured.timeZone, 'Europe/London');
      for (const subject of Object.keys(created)) {
        assert.deepEqual(timesOf(out.structured, subject), expected, `${subject} in London, ${start}..${end}`);
      }
      const view = reqs.find((r) => r.method === 'GET' && r.path === '/v1.0/me/calendarView');
      assert.ok(view, show(reqs));
      assert.match(preferOf(view), /outlook\.timezone="Europe\/London"/);
      const query = q(view);
      assert.match(query, /\$select=id,subject,start,end,isAllDay/);
      assert.match(query, /startDateTime=/);
      assert.match(query, /endDateTime=/);
      assert.match(query, /\$orderby=start\/dateTime/);
    }
    // The text a model reads names the weekday and the London times.
    const gap = await ok('list_events', { start: '2026-03-10', end: '2026-03-10', time_zone: 'Europe/London' });
    assert.ok(gap.text.includes('Tue 2026-03-10 15:00–15:45 · NY sync (IANA)'), gap.text);
    const gapAutumn = await ok('list_events', { start: '2026-10-27', end: '2026-10-27', time_zone: 'Europe/London' });
    assert.ok(gapAutumn.text.includes('Tue 2026-10-27 15:00–15:45 · NY sync (IANA)'), gapAutumn.text);

    // In New York time it never moves.
    const ny = await ok('list_events', { start: '2026-03-01', end: '2026-04-05', time_zone: 'America/New_York', limit: 100 });
    const nyTimes = timesOf(ny.structured, 'NY sync (IANA)');
    assert.deepEqual(nyTimes.map(([s]) => s), ['2026-03-03', '2026-03-10', '2026-03-17', '2026-03-24', '2026-03-31'].map((d) => `${d}T11:00`));
    assert.ok(nyTimes.every(([, e]) => e.endsWith('T11:45')), JSON.stringify(nyTimes));

    // One occurrence read on its own, in London during the gap, and the series master.
    const occ = ny.structured.events.find((e) => e.subject === 'NY sync (IANA)' && e.start === '2026-03-17T11:00');
    const { out: one, reqs: getReqs } = await during(() => ok('get_event', { event_id: occ.id, time_zone: 'Europe/London' }));
    assert.equal(one.structured.start, '2026-03-17T15:00');
    assert.equal(one.structured.end, '2026-03-17T15:45');
    const get = getReqs.find((r) => r.method === 'GET' && r.path.startsWith('/v1.0/me/events/'));
    assert.equal(get.path, `/v1.0/me/events/${enc(occ.id)}`);
    assert.match(preferOf(get), /outlook\.timezone="Europe\/London"/);
    const master = await ok('get_event', { event_id: created['NY sync (IANA)'] });
    assert.match(master.structured.repeats, /^weekly on tuesday/, master.text);
  });

  test('every occurrence of the year matches an independent zone conversion, in zones with odd offsets and DST', async () => {
    const tuesdays = [];
    for (let d = '2026-01-06'; d <= '2026-12-29'; d = plusDays(d, 7)) tuesdays.push(d);
    assert.equal(tuesdays.length, 52);
    for (const zone of ['Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Asia/Tokyo']) {
      const events = await listAll({ start: '2026-01-01', end: '2026-12-31', time_zone: zone });
      const got = events.filter((e) => e.subject === 'NY sync (IANA)').map((e) => [e.start, e.end]);
      const want = tuesdays.map((d) => [convert(`${d}T11:00`, 'America/New_York', zone), convert(`${d}T11:00`, 'America/New_York', zone, 45)]);
      assert.deepEqual(got, want, zone);
    }

    // The seeded partnership sync (Megan, 11:00 New York, Tuesdays, anchored to today): each
    // occurrence, as listed in New York time, is where London expects it.
    const today = new Date().toISOString().slice(0, 10);
    const window = { start: plusDays(today, -190), end: plusDays(today, 190) };
    const inNy = (await listAll({ ...window, time_zone: 'America/New_York' })).filter((e) => e.subject === SEEDED_SERIES);
    const inLondon = (await listAll({ ...window, time_zone: 'Europe/London' })).filter((e) => e.subject === SEEDED_SERIES);
    assert.ok(inNy.length >= 40, `${inNy.length} occurrences`);
    assert.ok(inNy.every((e) => e.start.endsWith('T11:00') && new Date(`${e.start.slice(0, 10)}T00:00:00Z`).getUTCDay() === 2), JSON.stringify(inNy.map((e) => e.start)));
    assert.deepEqual(inLondon.map((e) => e.start), inNy.map((e) => convert(e.start, 'America/New_York', 'Europe/London')));
    const moved = inLondon.filter((e) => e.start.endsWith('T15:00')).length;
    assert.ok(moved >= 1 && moved <= 4, `${moved} occurrences in a DST gap`);
  });

  test('an all-day event stays on its date in every zone', async () => {
    const { out, reqs } = await during(() => ok('create_event', { subject: 'Offsite', start: '2026-06-24', end: '2026-06-25', all_day: true }));
    assert.equal(out.structured.start, '2026-06-24');
    assert.equal(out.structured.end, '2026-06-26');
    assert.equal(out.structured.allDay, true);
    const id = out.structured.id;
    const post = reqs.find((r) => r.method === 'POST' && r.path === '/v1.0/me/events');
    assert.ok(post, show(reqs));
    const b = body(post);
    assert.equal(b.isAllDay, true);
    assert.equal(b.start.dateTime, '2026-06-24T00:00:00');
    assert.equal(b.end.dateTime, '2026-06-26T00:00:00');
    assert.equal(b.start.timeZone, 'Pacific Standard Time');

    for (const zone of ['Asia/Tokyo', 'Pacific/Honolulu', 'Europe/London', 'Pacific/Kiritimati', 'America/New_York']) {
      const { out: listed, reqs: lr } = await during(() => ok('list_events', { start: '2026-06-23', end: '2026-06-27', time_zone: zone }));
      assert.deepEqual(timesOf(listed.structured, 'Offsite'), [['2026-06-24', '2026-06-26']], zone);
      assert.ok(listed.text.includes('Wed 2026-06-24 – Thu 2026-06-25 (all day) · Offsite'), `${zone}: ${listed.text}`);
      const view = lr.find((r) => r.path === '/v1.0/me/calendarView');
      assert.ok(preferOf(view).includes(`outlook.timezone="${zone}"`), preferOf(view));
      // A range ending the day before does not show it; one starting the day after neither.
      const before = await ok('list_events', { start: '2026-06-20', end: '2026-06-23', time_zone: zone });
      assert.deepEqual(timesOf(before.structured, 'Offsite'), [], `${zone}: ${before.text}`);
      const later = await ok('list_events', { start: '2026-06-26', end: '2026-06-28', time_zone: zone });
      assert.deepEqual(timesOf(later.structured, 'Offsite'), [], `${zone}: ${later.text}`);
      const got = await ok('get_event', { event_id: id, time_zone: zone });
      assert.equal(got.structured.start, '2026-06-24', zone);
      assert.equal(got.structured.end, '2026-06-26', zone);
    }
    const e = await err('create_event', { subject: 'x', start: '2026-06-03T10:00', all_day: true });
    assert.match(e, /start/, e);
  });

  test('list_events: mailbox zone by default, pages in order, another calendar, bad arguments named', async () => {
    const { out: first, reqs } = await during(() => ok('list_events', { start: '2026-06-01', end: '2026-06-30', limit: 2 }));
    assert.equal(first.structured.timeZone, 'Pacific Standard Time');
    assert.equal(first.structured.events.length, 2);
    let cursor = first.structured.nextCursor;
    assert.ok(cursor, 'more than one page');
    const all = [...first.structured.events];
    let pages = 1;
    while (cursor && pages < 20) {
      const next = await ok('list_events', { start: '2026-06-01', end: '2026-06-30', limit: 2, cursor });
      all.push(...next.structured.events);
      cursor = next.structured.nextCursor;
      pages += 1;
    }
    assert.ok(!cursor, 'paging ends');
    const ids = all.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'pages do not overlap');
    assert.ok(!all.some((e) => e.subject === 'Zeta kickoff'), 'events of another calendar are not listed');
    assert.ok(all.some((e) => e.subject === 'Offsite'), 'created all-day event listed');
    const starts = all.map((e) => e.start);
    assert.deepEqual(starts, [...starts].sort(), 'oldest first');
    assert.ok(starts.every((s) => s >= '2026-06-01' && s < '2026-07-01'), JSON.stringify(starts));
    assert.ok(reqs.filter((r) => r.path === '/v1.0/me/mailboxSettings').length <= 1, 'the mailbox zone is cached');
    const view = reqs.find((r) => r.path === '/v1.0/me/calendarView');
    assert.ok(view, show(reqs));
    assert.match(preferOf(view), /outlook\.timezone="Pacific Standard Time"/);
    assert.match(q(view), /\$select=/);
    // Without a zone database the window is widened to cover every UTC offset (−12…+14 h).
    assert.match(q(view), /startDateTime=2026-05-31T10:00:00Z&endDateTime=2026-07-01T14:00:00Z/);

    // A seeded meeting in Eastern time shows at Redmond time by default, New York time on request.
    const review = await find(EASTERN_MEETING);
    const day = review.start.slice(0, 10);
    assert.equal(review.start, `${day}T10:00`, JSON.stringify(review));
    const inNy = await ok('list_events', { start: day, end: day, time_zone: 'America/New_York' });
    const r = inNy.structured.events.find((e) => e.subject === EASTERN_MEETING);
    assert.equal(r.start, `${day}T13:00`, inNy.text);
    assert.equal(r.end, `${day}T14:00`);
    assert.equal(r.organizer.address, 'megan@contoso.example');

    // Another calendar by id: the go/no-go lives in "alpha".
    const cals = (await ok('list_calendars', {})).structured.calendars;
    let found = false;
    for (const c of cals.filter((x) => !x.isDefault)) {
      const l = await ok('list_events', { start: day, end: new Date(Date.parse(day) + 30 * 86400e3).toISOString().slice(0, 10), calendar_id: c.id });
      if (l.structured.events.some((e) => e.subject === GO_NO_GO)) found = true;
    }
    assert.ok(found, 'the go/no-go is listed in its own calendar');

    for (const [args, field] of [
      [{ start: '2026-06-01', time_zone: 'Mars/Olympus' }, 'time_zone'],
      [{ start: '2026-06-01', time_zone: 'EST' }, 'time_zone'],
      [{ start: '2026-06-01T09:00:00Z' }, 'start'],
      [{ start: 'next monday' }, 'start'],
      [{ start: '2026-06-05', end: '2026-06-01' }, 'end'],
      [{ start: '2026-01-01', end: '2027-06-01' }, 'end'],
      [{ start: '2026-06-01', cursor: 'garbage' }, 'cursor'],
    ]) {
      const since = await t.mark();
      const text = await err('list_events', args);
      assert.ok(text.includes(field), `${JSON.stringify(args)}: ${text}`);
      const views = (await t.graphRequests(since)).filter((x) => x.path.endsWith('/calendarView'));
      assert.deepEqual(views, [], `no calendar read for ${JSON.stringify(args)}`);
    }
    const bad = await err('list_events', { start: '2026-06-01', calendar_id: 'AAMkNoSuchCalendar' });
    assert.ok(bad.includes('calendar_id') && bad.includes('list_calendars'), bad);
  });

  test('search_events: words in subject, body, attendees; no $search; bad arguments', async () => {
    const { out, reqs } = await during(() => ok('search_events', { query: 'pricing WORKSHOP' }));
    const m = out.structured.matches;
    assert.equal(m.length, 1, out.text);
    assert.equal(m[0].subject, LONDON_MEETING);
    assert.deepEqual(m[0].matchedIn, ['subject', 'body']);
    // 16:00 London is 08:00 in Redmond.
    assert.match(m[0].start, /T08:00$/, JSON.stringify(m[0]));
    const views = reqs.filter((r) => r.path.endsWith('/calendarView'));
    assert.ok(views.length >= 1, show(reqs));
    for (const v of views) {
      assert.ok(!q(v).includes('$search') && !q(v).includes('$filter'), q(v));
      assert.ok(q(v).includes('bodyPreview') && q(v).includes('attendees'), q(v));
      assert.match(preferOf(v), /outlook\.timezone="Pacific Standard Time"/);
    }
    // In London time, and by attendee name: every occurrence of our NY series is a match.
    const london = await ok('search_events', { query: 'pricing workshop', time_zone: 'Europe/London' });
    assert.match(london.structured.matches[0].start, /T16:00$/, london.text);
    const series = await ok('search_events', { query: 'NY sync (IANA)', start: '2026-03-01', end: '2026-03-31', time_zone: 'Europe/London', limit: 50 });
    assert.deepEqual(series.structured.matches.filter((x) => x.subject === 'NY sync (IANA)').map((x) => x.start),
      ['2026-03-03T16:00', '2026-03-10T15:00', '2026-03-17T15:00', '2026-03-24T15:00', '2026-03-31T16:00']);
    const none = await ok('search_events', { query: 'zebra unicorn' });
    assert.deepEqual(none.structured.matches, []);
    assert.ok(none.structured.scanned > 5, none.text);

    assert.match(await err('search_events', { query: '  ' }), /query/);
    assert.match(await err('search_events', { query: 'x', time_zone: 'Nowhere/Land' }), /time_zone/);
    assert.match(await err('search_events', { query: 'x', start: '2026-06-05', end: '2026-06-01' }), /end/);
  });

  test('get_event: details in the asked zone, the id percent-encoded, unknown ids named', async () => {
    const hit = await find(LONDON_MEETING);
    const { out, reqs } = await during(() => ok('get_event', { event_id: hit.id, time_zone: 'Europe/London' }));
    const d = out.structured;
    assert.match(d.start, /T16:00$/);
    assert.match(d.end, /T17:30$/);
    assert.ok(d.body.includes('reseller pricing tiers'), JSON.stringify(d));
    assert.ok(!d.body.includes('<'), 'no HTML');
    assert.match(d.joinUrl, /^https:\/\/teams\.microsoft\.com\//);
    assert.ok(d.attendees.some((a) => a.address === 'megan@contoso.example' && a.response === 'tentativelyAccepted'), JSON.stringify(d.attendees));
    assert.equal(d.organizer.address, 'alex@fabrikam.example');
    assert.ok(out.text.includes('Teams link:') && out.text.includes('Attendees:'), out.text);
    const get = reqs.find((r) => r.method === 'GET' && r.path.startsWith('/v1.0/me/events/'));
    assert.ok(get, show(reqs));
    assert.equal(get.path, `/v1.0/me/events/${enc(hit.id)}`);
    assert.match(preferOf(get), /outlook\.timezone="Europe\/London"/);
    assert.ok(q(get).includes('$select=') && q(get).includes('body') && q(get).includes('attendees'), q(get));

    const gone = await err('get_event', { event_id: 'AAMkAGVmMDEzNotThere=' });
    assert.ok(gone.includes('event_id') && gone.includes('list_events'), gone);
    assert.match(await err('get_event', { event_id: '..' }), /event_id/);
    assert.match(await err('get_event', { event_id: hit.id, time_zone: 'Mars/Olympus' }), /time_zone/);
  });

  test('create_event: invitations, Teams, another zone; invalid arguments are named', async () => {
    const { out, reqs } = await during(() => ok('create_event', {
      subject: 'Design review', start: '2026-06-03T14:00', end: '2026-06-03T15:00',
      body: 'Walk through the <new> layout.', attendees: ['megan@contoso.example'],
      optional_attendees: ['lee@contoso.example'], resources: ['baker@contoso.example'],
      location: 'Conf Room Baker', teams_meeting: true, reminder_minutes: 5,
    }));
    const c = out.structured;
    assert.equal(c.start, '2026-06-03T14:00');
    assert.equal(c.timeZone, 'Pacific Standard Time');
    assert.deepEqual(c.notified, ['megan@contoso.example', 'lee@contoso.example']);
    assert.match(c.joinUrl, /teams\.microsoft\.com/);
    assert.ok(out.text.includes('Invitations/updates sent to'), out.text);
    const post = reqs.find((r) => r.method === 'POST');
    assert.equal(post.path, '/v1.0/me/events');
    const b = body(post);
    assert.deepEqual(b.start, { dateTime: '2026-06-03T14:00:00', timeZone: 'Pacific Standard Time' });
    assert.equal(b.isOnlineMeeting, true);
    assert.equal(b.onlineMeetingProvider, 'teamsForBusiness');
    assert.equal(b.reminderMinutesBeforeStart, 5);
    assert.deepEqual(b.body, { contentType: 'text', content: 'Walk through the <new> layout.' });
    assert.deepEqual(b.attendees.map((a) => a.type), ['required', 'optional', 'resource']);
    const inMegans = await megansMatches('Design review', '2026-06-03');
    assert.equal(inMegans.length, 1, 'the invitation reached Megan');
    const read = await ok('get_event', { event_id: c.id });
    assert.equal(read.structured.location, 'Conf Room Baker');
    assert.ok(read.structured.attendees.some((a) => a.address === 'megan@contoso.example'));

    // A Windows zone name in any case; 30 minutes by default.
    const tokyo = await ok('create_event', { subject: 'Tokyo call', start: '2026-06-04T09:00', time_zone: 'tokyo standard time' });
    assert.equal(tokyo.structured.timeZone, 'Tokyo Standard Time');
    assert.equal(tokyo.structured.end, '2026-06-04T09:30');
    // 09:00 in Tokyo (UTC+9) is 17:00 the day before in Redmond (UTC−7).
    const here = await ok('list_events', { start: '2026-06-03', end: '2026-06-03' });
    assert.deepEqual(timesOf(here.structured, 'Tokyo call'), [['2026-06-03T17:00', '2026-06-03T17:30']]);

    const since = await t.mark();
    for (const [args, field] of [
      [{ subject: 'x', start: '2026-06-03T10:00', time_zone: 'Mars/Olympus' }, 'time_zone'],
      [{ subject: 'x', start: '2026-06-03T10:00Z' }, 'start'],
      [{ subject: 'x', start: '2026-06-03T10:00', end: '2026-06-03T09:00' }, 'end'],
      [{ subject: 'x', start: '2026-06-03' }, 'start'],
      [{ subject: 'x', start: '2026-06-03T10:00', attendees: ['Megan Bowen'] }, 'attendees'],
      [{ subject: ' ', start: '2026-06-03T10:00' }, 'subject'],
      [{ subject: 'x', start: '2026-06-03T10:00', recurrence: { pattern: 'weekly', count: 3, until: '2026-07-01' } }, 'recurrence'],
      [{ subject: 'x', start: '2026-06-03T10:00', reminder_minutes: 5, no_reminder: true }, 'reminder_minutes'],
    ]) {
      const text = await err('create_event', args);
      assert.ok(text.includes(field), `${JSON.stringify(args)}: ${text}`);
    }
    const writes = (await t.graphRequests(since)).filter((r) => r.method !== 'GET');
    assert.deepEqual(writes.map((r) => r.path), [], 'invalid arguments create nothing');
    assert.match(await err('create_event', { subject: 'x', start: '2026-06-03T10:00', calendar_id: 'AAMkNope' }), /calendar_id/);
  });

  test('create_event draft: nothing sent until attendees are added with update_event', async () => {
    const { out, reqs } = await during(() => ok('create_event', {
      subject: 'Budget planning (draft)', start: '2026-06-05T10:00', attendees: ['megan@contoso.example'],
      body: 'Numbers for Q3.', draft: true,
    }));
    assert.equal(out.structured.draft, true);
    assert.equal(out.structured.notified, undefined);
    assert.ok(out.text.includes('no invitations were sent'), out.text);
    const b = body(reqs.find((r) => r.method === 'POST'));
    assert.equal(b.attendees, undefined);
    assert.equal(b.showAs, 'tentative');
    assert.equal(b.body.content, 'Numbers for Q3.\n\n[Draft: invitations not sent yet. Intended attendees: megan@contoso.example (required)]');
    assert.deepEqual(await megansMatches('Budget planning (draft)', '2026-06-05'), [], 'a draft invites nobody');
    const id = out.structured.id;
    const u = await ok('update_event', { event_id: id, add_attendees: ['megan@contoso.example'], show_as: 'busy' });
    assert.deepEqual(u.structured.notified, ['megan@contoso.example']);
    assert.equal(u.structured.showAs, 'busy');
    assert.ok(u.text.includes('This was a draft'), u.text);
    const got = await ok('get_event', { event_id: id });
    assert.equal(got.structured.body, 'Numbers for Q3.');
    assert.equal((await megansMatches('Budget planning (draft)', '2026-06-05')).length, 1, 'inviting later sends the invitation');
  });

  test('list_events: wall-clock windows are exact although Graph is asked for a wider UTC range', async () => {
    // 2026-06-04 in Redmond: Graph is asked for 06-03T10:00Z…06-05T14:00Z, which holds the design
    // review (06-03 14:00) and the Tokyo call (06-03 17:00); neither is on the 4th in Redmond.
    const all = await listAll({ start: '2026-06-04', end: '2026-06-04' });
    assert.ok(all.every((e) => e.start.slice(0, 10) <= '2026-06-04' && e.end > '2026-06-04'), JSON.stringify(all.map((e) => [e.subject, e.start, e.end])));
    assert.ok(!all.some((e) => ['Design review', 'Tokyo call'].includes(e.subject)), JSON.stringify(all));
    // Page by page with one event per page the same holds, and paging still reaches the end.
    let cursor;
    const seen = [];
    for (let i = 0; i < 40; i++) {
      const r = await ok('list_events', { start: '2026-06-04', end: '2026-06-04', limit: 1, ...(cursor ? { cursor } : {}) });
      assert.ok(r.structured.events.length <= 1);
      seen.push(...r.structured.events);
      cursor = r.structured.nextCursor;
      if (r.structured.events.length === 0 && cursor) assert.match(r.text, /More events: call again/, r.text);
      if (!cursor) break;
    }
    assert.equal(cursor, undefined, 'paging ends');
    assert.deepEqual(seen.map((e) => e.id), all.map((e) => e.id));
    // In Tokyo the call is on the 4th.
    const tokyo = await ok('list_events', { start: '2026-06-04', end: '2026-06-04', time_zone: 'Asia/Tokyo' });
    assert.deepEqual(timesOf(tokyo.structured, 'Tokyo call'), [['2026-06-04T09:00', '2026-06-04T09:30']]);
    // 14:00 on the 3rd in Redmond (UTC−7) is 06:00 on the 4th in Tokyo.
    assert.deepEqual(timesOf(tokyo.structured, 'Design review'), [['2026-06-04T06:00', '2026-06-04T07:00']]);
    // Date-time bounds: [start, end) against the event's local start and end.
    const at = (start, end) => ok('list_events', { start, end, time_zone: 'Europe/London' })
      .then((r) => timesOf(r.structured, 'NY sync (IANA)'));
    assert.deepEqual(await at('2026-03-10T15:44', '2026-03-10T18:00'), [['2026-03-10T15:00', '2026-03-10T15:45']]);
    assert.deepEqual(await at('2026-03-10T15:45', '2026-03-10T18:00'), []);
    assert.deepEqual(await at('2026-03-10T12:00', '2026-03-10T15:00'), []);
    assert.deepEqual(await at('2026-03-10T12:00', '2026-03-10T15:01'), [['2026-03-10T15:00', '2026-03-10T15:45']]);
  });

  test('list_reminders: reminders firing on a day, in the asked zone', async () => {
    const review = await find(EASTERN_MEETING);
    const day = review.start.slice(0, 10);
    const { out, reqs } = await during(() => ok('list_reminders', { start: day, time_zone: 'America/New_York' }));
    assert.equal(out.structured.timeZone, 'America/New_York');
    const rem = out.structured.reminders;
    const r = rem.find((x) => x.subject === EASTERN_MEETING);
    assert.ok(r, out.text);
    assert.equal(r.eventStart, `${day}T13:00`);
    assert.equal(r.fires, `${day}T12:45`);
    assert.ok(rem.every((x) => x.fires.startsWith(day)), out.text);
    const rv = reqs.find((x) => x.path.includes('reminderView'));
    assert.ok(rv, show(reqs));
    assert.equal(rv.method, 'GET');
    assert.ok(rv.path.startsWith('/v1.0/me/reminderView%28startDateTime%3D%27'), rv.path);
    assert.match(preferOf(rv), /outlook\.timezone="America\/New_York"/);

    assert.match(await err('list_reminders', { start: '2026-06-08', end: '2026-08-08' }), /end/);
    assert.match(await err('list_reminders', { start: 'tomorrow' }), /start/);
  });

  test('update_event: moves keeping the length, adds attendees; organiser-only changes refused', async () => {
    const c = await ok('create_event', { subject: '1:1', start: '2026-06-09T09:00', end: '2026-06-09T09:45', attendees: ['lee@contoso.example'] });
    const id = c.structured.id;
    const { out: u, reqs } = await during(() => ok('update_event', {
      event_id: id, start: '2026-06-10T13:00', location: 'Café',
      add_optional_attendees: ['megan@contoso.example'], remove_attendees: ['nobody@contoso.example'],
    }));
    assert.equal(u.structured.start, '2026-06-10T13:00');
    assert.equal(u.structured.end, '2026-06-10T13:45');
    assert.equal(u.structured.location, 'Café');
    assert.deepEqual(u.structured.notified, ['lee@contoso.example', 'megan@contoso.example']);
    assert.ok(u.text.includes('nobody@contoso.example was not an attendee'), u.text);
    const patch = reqs.find((r) => r.method === 'PATCH');
    assert.ok(patch, show(reqs));
    assert.equal(patch.path, `/v1.0/me/events/${enc(id)}`);
    const b = body(patch);
    assert.deepEqual(b.end, { dateTime: '2026-06-10T13:45:00', timeZone: 'Pacific Standard Time' });
    assert.equal(b.attendees.length, 2);
    const read = reqs.find((r) => r.method === 'GET' && r.path.startsWith('/v1.0/me/events/'));
    assert.ok(read, show(reqs));
    assert.match(preferOf(read), /outlook\.timezone=/);
    assert.match(q(read), /\$select=/);
    // Read back from London: 21:00.
    const london = await ok('get_event', { event_id: id, time_zone: 'Europe/London' });
    assert.equal(london.structured.start, '2026-06-10T21:00');
    assert.equal(london.structured.location, 'Café');

    // Adele only attends Megan's review: a time change is refused, her reminder is hers to set.
    const review = await find(EASTERN_MEETING);
    const since = await t.mark();
    const refused = await err('update_event', { event_id: review.id, start: `${review.start.slice(0, 10)}T11:00` });
    assert.ok(refused.includes('organiser') && refused.includes('respond_to_event'), refused);
    assert.deepEqual((await t.graphRequests(since)).filter((r) => r.method === 'PATCH'), [], 'no PATCH when refused');
    await ok('update_event', { event_id: review.id, reminder_minutes: 30 });
    const rem = await ok('list_reminders', { start: review.start.slice(0, 10) });
    const fires = rem.structured.reminders.find((x) => x.subject === EASTERN_MEETING);
    assert.equal(fires.fires, `${review.start.slice(0, 10)}T09:30`, rem.text);

    assert.match(await err('update_event', { event_id: id }), /nothing to change/);
    assert.match(await err('update_event', { event_id: id, end: '2026-06-10T12:00' }), /end/);
    assert.match(await err('update_event', { event_id: 'AAMkGone', subject: 'x' }), /event_id/);
    assert.match(await err('update_event', { event_id: id, teams_meeting: false }), /teams_meeting/);
  });

  test('respond_to_event: tentative with a proposal, accept silently, decline; refusals explained', async () => {
    const review = await find(EASTERN_MEETING);
    const day = review.start.slice(0, 10);
    const { out: r, reqs } = await during(() => ok('respond_to_event', {
      event_id: review.id, response: 'tentative', comment: 'May be late',
      propose_start: `${day}T11:00`, propose_end: `${day}T12:00`,
    }));
    assert.equal(r.structured.response, 'tentativelyAccepted');
    assert.equal(r.structured.sent, true);
    const post = reqs.find((x) => x.method === 'POST');
    assert.ok(post, show(reqs));
    assert.equal(post.path, `/v1.0/me/events/${enc(review.id)}/tentativelyAccept`);
    const b = body(post);
    assert.equal(b.comment, 'May be late');
    assert.equal(b.sendResponse, true);
    assert.deepEqual(b.proposedNewTime.start, { dateTime: `${day}T11:00:00`, timeZone: 'Pacific Standard Time' });
    const seen = await ok('get_event', { event_id: review.id });
    assert.equal(seen.structured.response, 'tentativelyAccepted', seen.text);

    const { out: quiet, reqs: qreqs } = await during(() => ok('respond_to_event', { event_id: review.id, response: 'accept', send_response: false }));
    assert.ok(quiet.text.includes('without telling the organiser'), quiet.text);
    const acc = qreqs.find((x) => x.method === 'POST');
    assert.equal(acc.path, `/v1.0/me/events/${enc(review.id)}/accept`);
    assert.equal(body(acc).sendResponse, false);
    assert.equal((await ok('get_event', { event_id: review.id })).structured.response, 'accepted');

    assert.match(await err('respond_to_event', { event_id: review.id, response: 'accept', propose_start: `${day}T11:00`, propose_end: `${day}T12:00` }), /propose_start/);
    assert.match(await err('respond_to_event', { event_id: review.id, response: 'decline', propose_start: `${day}T11:00` }), /propose_end/);
    assert.match(await err('respond_to_event', { event_id: 'AAMkGone', response: 'accept' }), /event_id/);
    assert.match(await err('respond_to_event', { event_id: review.id, response: 'maybe' }), /response|maybe/);

    // Adele organises the go/no-go (in another calendar): nothing to answer.
    const goNoGo = await find(GO_NO_GO).catch(() => null);
    let ownId = goNoGo?.subject === GO_NO_GO ? goNoGo.id : null;
    if (!ownId) {
      for (const c of (await ok('list_calendars', {})).structured.calendars) {
        const from = new Date().toISOString().slice(0, 10);
        const to = new Date(Date.now() + 40 * 86400e3).toISOString().slice(0, 10);
        const l = await ok('list_events', { start: from, end: to, calendar_id: c.id, limit: 100 });
        ownId = l.structured.events.find((e) => e.subject === GO_NO_GO)?.id || ownId;
      }
    }
    assert.ok(ownId, 'the go/no-go was found');
    assert.match(await err('respond_to_event', { event_id: ownId, response: 'accept' }), /organises this meeting/);

    const declined = await ok('respond_to_event', { event_id: review.id, response: 'decline', comment: 'Clash' });
    assert.equal(declined.structured.response, 'declined');
    const post2 = await ok('search_events', { query: EASTERN_MEETING });
    assert.ok(!post2.structured.matches.some((m) => m.subject === EASTERN_MEETING), `a declined meeting leaves the calendar: ${post2.text}`);

    // Declining one occurrence of Megan's weekly series leaves the others.
    const week = plusDays(NEXT_TUESDAY, 7);
    const occs = await ok('list_events', { start: week, end: plusDays(week, 7), time_zone: 'America/New_York' });
    const [occ, nextOcc] = occs.structured.events.filter((e) => e.subject === SEEDED_SERIES);
    assert.ok(occ && nextOcc, occs.text);
    assert.equal(occ.start, `${week}T11:00`);
    const { reqs: dreqs } = await during(() => ok('respond_to_event', { event_id: occ.id, response: 'decline', send_response: false }));
    assert.ok(dreqs.some((r) => r.method === 'POST' && r.path === `/v1.0/me/events/${enc(occ.id)}/decline`), show(dreqs));
    const left = await ok('list_events', { start: week, end: plusDays(week, 7), time_zone: 'America/New_York' });
    assert.deepEqual(left.structured.events.filter((e) => e.subject === SEEDED_SERIES).map((e) => e.start), [nextOcc.start], left.text);

    // A meeting its organiser cancelled: nothing to answer.
    const cancelled = await find(CANCELLED);
    assert.equal(cancelled.cancelled, true, JSON.stringify(cancelled));
    assert.match(await err('respond_to_event', { event_id: cancelled.id, response: 'accept' }), /cancelled by its organiser/);
  });

  test('delete_event: cancels as organiser, removes as attendee, deletes own appointments', async () => {
    const c = await ok('create_event', { subject: 'Retro', start: '2026-06-11T15:00', attendees: ['megan@contoso.example'] });
    const id = c.structured.id;
    const [invited] = await megansMatches('Retro', '2026-06-11');
    assert.ok(invited && invited.cancelled !== true, JSON.stringify(invited));
    const { out: d, reqs } = await during(() => ok('delete_event', { event_id: id, comment: 'Skipping this sprint' }));
    assert.equal(d.structured.action, 'cancelled');
    assert.deepEqual(d.structured.notified, ['megan@contoso.example']);
    const cancel = reqs.find((r) => r.method === 'POST');
    assert.ok(cancel, show(reqs));
    assert.equal(cancel.path, `/v1.0/me/events/${enc(id)}/cancel`);
    assert.deepEqual(body(cancel), { comment: 'Skipping this sprint' });
    assert.match(await err('get_event', { event_id: id }), /Not found/);
    const meg = await megan.call('search_events', { query: 'Retro', start: '2026-06-11', end: '2026-06-11' });
    const told = meg.structured.matches.filter((m) => m.subject.endsWith('Retro'));
    assert.equal(told.length, 1, meg.text);
    assert.equal(told[0].cancelled, true, `Megan's copy is cancelled: ${JSON.stringify(told)}`);
    assert.match(told[0].subject, /^Cancell?ed: Retro$/);

    // As an attendee (Alex's workshop): removed from Adele's calendar, never a cancel.
    const review = await find(LONDON_MEETING);
    const { out: rm, reqs: rreqs } = await during(() => ok('delete_event', { event_id: review.id, comment: "Can't make it" }));
    assert.equal(rm.structured.action, 'removed');
    assert.match(rm.structured.note, /respond_to_event/);
    assert.ok(rreqs.some((r) => r.method === 'DELETE' && r.path === `/v1.0/me/events/${enc(review.id)}`), show(rreqs));
    assert.ok(!rreqs.some((r) => r.path.endsWith('/cancel')), show(rreqs));
    const gone = await ok('search_events', { query: LONDON_MEETING });
    assert.ok(!gone.structured.matches.some((m) => m.subject === LONDON_MEETING), gone.text);

    // A cancelled meeting can be removed.
    const cancelled = await find(CANCELLED);
    const dc = await ok('delete_event', { event_id: cancelled.id });
    assert.equal(dc.structured.action, 'removed');

    // Own appointment: a plain delete, no note.
    const own = await ok('create_event', { subject: 'Dentist', start: '2026-06-12T08:00' });
    const { out: dd, reqs: dreqs } = await during(() => ok('delete_event', { event_id: own.structured.id }));
    assert.equal(dd.structured.action, 'removed');
    assert.equal(dd.structured.note, undefined);
    assert.ok(dreqs.some((r) => r.method === 'DELETE' && r.path === `/v1.0/me/events/${enc(own.structured.id)}`), show(dreqs));
    const day = await ok('list_events', { start: '2026-06-12', end: '2026-06-12' });
    assert.deepEqual(timesOf(day.structured, 'Dentist'), []);

    // One occurrence of Adele's own series (no attendees): only that week goes.
    const march = await ok('list_events', { start: '2026-03-01', end: '2026-03-31', time_zone: 'Europe/London' });
    const occ = march.structured.events.find((e) => e.subject === 'NY sync (Windows)' && e.start === '2026-03-17T15:00');
    assert.ok(occ, march.text);
    const { out: od, reqs: oreqs } = await during(() => ok('delete_event', { event_id: occ.id }));
    assert.equal(od.structured.action, 'removed');
    assert.ok(oreqs.some((r) => r.method === 'DELETE' && r.path === `/v1.0/me/events/${enc(occ.id)}`), show(oreqs));
    const after = await ok('list_events', { start: '2026-03-01', end: '2026-03-31', time_zone: 'Europe/London' });
    assert.deepEqual(timesOf(after.structured, 'NY sync (Windows)').map(([st]) => st),
      ['2026-03-03T16:00', '2026-03-10T15:00', '2026-03-24T15:00', '2026-03-31T16:00']);
    assert.equal(timesOf(after.structured, 'NY sync (IANA)').length, 5, 'the other series is untouched');

    assert.match(await err('delete_event', { event_id: 'AAMkGone' }), /event_id/);
  });

  test('find_meeting_times: suggestions in the asked zone; bad attendees refused', async () => {
    const start = NEXT_TUESDAY;
    const { out: f, reqs } = await during(() => ok('find_meeting_times', {
      attendees: ['megan@contoso.example'], duration_minutes: 60, start, end: plusDays(start, 1), time_zone: 'America/New_York',
    }));
    assert.equal(f.structured.timeZone, 'America/New_York');
    const s = f.structured.suggestions;
    assert.ok(s.length > 0, f.text);
    for (const x of s) {
      assert.ok(x.start >= start && x.start < plusDays(start, 2), JSON.stringify(x));
      assert.equal(x.attendees[0].address, 'megan@contoso.example');
    }
    const post = reqs.find((r) => r.path === '/v1.0/me/findMeetingTimes');
    assert.ok(post, show(reqs));
    assert.equal(post.method, 'POST');
    assert.match(preferOf(post), /outlook\.timezone="America\/New_York"/);
    const b = body(post);
    assert.equal(b.meetingDuration, 'PT1H0M');
    assert.deepEqual(b.timeConstraint.timeSlots[0].end, { dateTime: `${plusDays(start, 2)}T00:00:00`, timeZone: 'America/New_York' });
    assert.equal(b.timeConstraint.activityDomain, 'work');

    const since = await t.mark();
    assert.match(await err('find_meeting_times', { attendees: [], start }), /attendees/);
    assert.match(await err('find_meeting_times', { attendees: ['megan'], start }), /attendees/);
    assert.match(await err('find_meeting_times', { attendees: ['megan@contoso.example'], start, time_zone: 'Mars/Olympus' }), /time_zone/);
    assert.deepEqual((await t.graphRequests(since)).filter((r) => r.path.endsWith('findMeetingTimes')), []);
  });

  test('get_schedule: free/busy per address, unknown addresses reported, ranges limited', async () => {
    const { out: g, reqs } = await during(() => ok('get_schedule', {
      addresses: ['megan@contoso.example', 'ghost@nowhere.example'], start: NEXT_TUESDAY, interval_minutes: 60,
    }));
    const sch = g.structured.schedules;
    assert.equal(sch.length, 2);
    assert.equal(sch[0].address, 'megan@contoso.example');
    assert.equal(sch[0].availabilityView.length, 24);
    assert.equal(typeof sch[1].error, 'string', g.text);
    assert.ok(g.text.includes('not available'), g.text);
    const post = reqs.find((r) => r.path === '/v1.0/me/calendar/getSchedule');
    assert.ok(post, show(reqs));
    assert.equal(post.method, 'POST');
    assert.match(preferOf(post), /outlook\.timezone="Pacific Standard Time"/);
    assert.equal(body(post).availabilityViewInterval, 60);
    assert.deepEqual(body(post).schedules, ['megan@contoso.example', 'ghost@nowhere.example']);

    // Megan's busy blocks include the seeded series she organises (Tuesdays 11:00 New York).
    const tue = await ok('get_schedule', { addresses: ['megan@contoso.example'], start: NEXT_TUESDAY, time_zone: 'America/New_York' });
    assert.equal(tue.structured.timeZone ?? 'America/New_York', 'America/New_York');
    assert.ok(tue.structured.schedules[0].items.some((i) => i.start === `${NEXT_TUESDAY}T11:00`), tue.text);

    assert.match(await err('get_schedule', { addresses: [], start: NEXT_TUESDAY }), /addresses/);
    assert.match(await err('get_schedule', { addresses: ['megan@contoso.example'], start: NEXT_TUESDAY, end: plusDays(NEXT_TUESDAY, 100) }), /end/);
  });

  test('list_event_attachments and add_event_attachment', async () => {
    const from = new Date(Date.now() - 80 * 86400e3).toISOString().slice(0, 10);
    const qbr = await find(ATTACHMENT_EVENT, { start: from });
    const id = qbr.id;
    const { out: before, reqs } = await during(() => ok('list_event_attachments', { event_id: id }));
    const n = before.structured.attachments.length;
    assert.ok(n > 0, before.text);
    assert.ok(before.structured.attachments.every((a) => a.name && a.size > 0), before.text);
    const get = reqs.find((r) => r.method === 'GET');
    assert.equal(get.path, `/v1.0/me/events/${enc(id)}/attachments`);
    assert.match(q(get), /\$select=id,name,contentType,size,isInline/);

    const { out: added, reqs: areqs } = await during(() => ok('add_event_attachment', {
      event_id: id, name: 'agenda.txt', data: 'data:text/plain;base64,QWdlbmRhOiBwcmljaW5n',
    }));
    assert.equal(added.structured.attachment.name, 'agenda.txt');
    assert.ok(added.structured.attachment.size > 0);
    const post = areqs.find((r) => r.method === 'POST');
    assert.ok(post, show(areqs));
    assert.equal(post.path, `/v1.0/me/events/${enc(id)}/attachments`);
    const b = body(post);
    assert.equal(b['@odata.type'], '#microsoft.graph.fileAttachment');
    assert.equal(b.name, 'agenda.txt');
    assert.equal(b.contentType, 'text/plain');
    assert.equal(b.contentBytes, 'QWdlbmRhOiBwcmljaW5n');
    const after = await ok('list_event_attachments', { event_id: id });
    assert.equal(after.structured.attachments.length, n + 1);
    assert.ok(after.structured.attachments.some((a) => a.name === 'agenda.txt' && a.contentType === 'text/plain'), after.text);

    const since = await t.mark();
    assert.match(await err('add_event_attachment', { event_id: id, name: 'a.txt', data: 'QWdlbmRh' }), /data/);
    assert.deepEqual((await t.graphRequests(since)).filter((r) => r.method === 'POST'), [], 'nothing uploaded');
    assert.match(await err('add_event_attachment', { event_id: 'AAMkGone', name: 'a.txt', data: 'data:text/plain;base64,QQ==' }), /event_id/);
    assert.match(await err('list_event_attachments', { event_id: 'AAMkGone' }), /event_id/);
    const still = await ok('list_event_attachments', { event_id: id });
    assert.equal(still.structured.attachments.length, n + 1);
  });
  test('every calendar read of this file asked Graph for times in a zone', async () => {
    const reqs = graph(await t.graphRequests(firstMark));
    assertGraphHygiene(assert, reqs);
    // Event reads that return times (no $select, or one naming start/end; reminderView always).
    const timed = (r) => {
      const sel = q(r).match(/\$select=([^&]*)/)?.[1].split(',');
      return r.path.includes('reminderView') || !sel || sel.includes('start') || sel.includes('end');
    };
    const reads = reqs.filter((r) => r.method === 'GET' && timed(r)
      && /^\/v1\.0\/me\/(calendarView|calendars\/[^/]+\/calendarView|events\/[^/]+|reminderView.*)$/.test(r.path));
    assert.ok(reads.length > 50, `${reads.length} calendar reads`);
    for (const r of reads) assert.match(preferOf(r), /outlook\.timezone="[^"]+"/, `${r.path}?${q(r)} lacks outlook.timezone`);
    for (const r of reqs.filter((x) => x.method === 'GET' && !x.path.includes('reminderView'))) {
      assert.match(q(r), /\$select=/, `${r.path} has no $select`);
    }
  });
});

describe('calendar tools for a personal Microsoft account', () => {
  let t;
  before(async () => { t = await toolStack({ vars: { TOOL_PRESET: 'full' }, userName: 'Sam Taylor', extraScopes: ['Calendars.Read.Shared'] }); });
  after(async () => { await t?.close(); });

  test('free/busy and meeting suggestions need a work or school account; Teams links are unavailable', async () => {
    const since = await t.mark();
    for (const [name, args] of [
      ['get_schedule', { addresses: ['megan@contoso.example'], start: '2026-06-08' }],
      ['find_meeting_times', { attendees: ['megan@contoso.example'], start: '2026-06-08' }],
    ]) {
      const r = await t.call(name, args);
      assert.equal(r.isError, true, `${name}: ${r.text}`);
      assert.match(r.text, /work or school/, r.text);
    }
    // Graph refuses both for a personal account; the tool says why instead of passing the error on.
    const reqs = graph(await t.graphRequests(since));
    for (const path of ['/v1.0/me/calendar/getSchedule', '/v1.0/me/findMeetingTimes']) {
      const r = reqs.find((x) => x.path === path);
      assert.ok(r, show(reqs));
      assert.ok(r.status >= 400, `${path}: ${r.status}`);
    }

    const c = await t.call('create_event', { subject: 'Call with Jordan', start: '2026-06-08T18:00', teams_meeting: true });
    assert.equal(c.isError, false, c.text);
    assert.equal(c.structured.joinUrl, undefined);
    assert.equal(c.structured.timeZone, 'Central Standard Time', 'the mailbox zone');
    assert.match(c.structured.notes[0], /Teams/, c.text);
    const listed = await t.call('list_events', { start: '2026-06-08', end: '2026-06-08', time_zone: 'Europe/London' });
    assert.equal(listed.isError, false, listed.text);
    // 18:00 Chicago (UTC−5 in June) is 00:00 the next day in London (UTC+1).
    assert.deepEqual(timesOf(listed.structured, 'Call with Jordan'), []);
    const next = await t.call('list_events', { start: '2026-06-09', end: '2026-06-09', time_zone: 'Europe/London' });
    assert.deepEqual(timesOf(next.structured, 'Call with Jordan'), [['2026-06-09T00:00', '2026-06-09T00:30']], next.text);
  });
});
