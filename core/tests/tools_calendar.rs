//! Calendar tools against the sandbox: time zones across DST changes, all-day dates, every
//! tool's happy and error paths, and the Graph calls they make.
mod common;
use common::*;
use m365_sandbox::seed;
use serde_json::Value;

/// The first search_events match for `query` (default range around the anchor).
async fn find(h: &Harness, query: &str) -> Value {
    let r = h
        .call("search_events", json!({"query": query, "limit": 5}))
        .await
        .ok();
    r.structured["matches"][0].clone()
}

/// `(start, end)` of the listed events whose subject is `subject`.
fn times_of(listed: &Value, subject: &str) -> Vec<(String, String)> {
    listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == subject)
        .map(|e| {
            (
                e["start"].as_str().unwrap().to_owned(),
                e["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn body_json(r: &m365_sandbox::admin::RecordedRequest) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null)
}

/// The sandbox logs the raw query; `$` may be percent-encoded.
fn query_of(r: &m365_sandbox::admin::RecordedRequest) -> String {
    r.query.clone().unwrap_or_default().replace("%24", "$")
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_york_weekly_meeting_moves_in_london_between_the_dst_switches() {
    let h = Harness::new();
    // One series per way of naming New York time.
    for (subject, zone) in [
        ("NY sync (IANA)", "America/New_York"),
        ("NY sync (Windows)", "Eastern Standard Time"),
    ] {
        let created = h
            .call(
                "create_event",
                json!({
                    "subject": subject,
                    "start": "2026-01-06T11:00",
                    "end": "2026-01-06T11:45",
                    "time_zone": zone,
                    "recurrence": {"pattern": "weekly", "until": "2026-12-29"},
                }),
            )
            .await
            .ok();
        assert_eq!(created.structured["start"], "2026-01-06T11:00");
        assert_eq!(created.structured["timeZone"], zone);
        assert_eq!(created.structured["recurrence"], "seriesMaster");
        assert_eq!(
            created.structured["repeats"],
            format!(
                "weekly on tuesday, every 1 week(s), from 2026-01-06 until 2026-12-29 ({zone})"
            )
        );
    }
    // March: the US switches on the 8th, the UK on the 29th; in between the meeting is at 15:00
    // in London instead of 16:00.
    let spring = json!([
        ["2026-02-24T16:00", "2026-02-24T16:45"],
        ["2026-03-03T16:00", "2026-03-03T16:45"],
        ["2026-03-10T15:00", "2026-03-10T15:45"],
        ["2026-03-17T15:00", "2026-03-17T15:45"],
        ["2026-03-24T15:00", "2026-03-24T15:45"],
        ["2026-03-31T16:00", "2026-03-31T16:45"],
        ["2026-04-07T16:00", "2026-04-07T16:45"],
    ]);
    // Autumn: the UK switches back on 25 October, the US on 1 November.
    let autumn = json!([
        ["2026-10-13T16:00", "2026-10-13T16:45"],
        ["2026-10-20T16:00", "2026-10-20T16:45"],
        ["2026-10-27T15:00", "2026-10-27T15:45"],
        ["2026-11-03T16:00", "2026-11-03T16:45"],
        ["2026-11-10T16:00", "2026-11-10T16:45"],
    ]);
    let as_pairs = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect()
    };
    for (london, start, end, expected) in [
        ("Europe/London", "2026-02-24", "2026-04-07", &spring),
        ("GMT Standard Time", "2026-10-13", "2026-11-10", &autumn),
    ] {
        let mark = h.mark();
        let listed = h
            .call(
                "list_events",
                json!({"start": start, "end": end, "time_zone": london, "limit": 100}),
            )
            .await
            .ok();
        assert_eq!(listed.structured["timeZone"], london);
        for subject in ["NY sync (IANA)", "NY sync (Windows)"] {
            assert_eq!(
                times_of(&listed.structured, subject),
                as_pairs(expected),
                "{subject} in {london}"
            );
        }
        // The seeded partnership sync (also 11:00 New York time, Tuesdays) moves the same way.
        let seeded = times_of(&listed.structured, seed::fixtures::DST_SERIES_SUBJECT);
        assert_eq!(seeded.len(), as_pairs(expected).len(), "{seeded:?}");
        for ((s, _), (want, _)) in seeded.iter().zip(as_pairs(expected)) {
            assert_eq!(s, &want);
        }
        let reqs = h.requests(mark);
        assert_graph_hygiene(&reqs);
        let view = reqs
            .iter()
            .find(|r| r.path == "/v1.0/me/calendarView")
            .unwrap_or_else(|| {
                panic!(
                    "{:?}",
                    reqs.iter()
                        .map(|r| (&r.method, &r.path))
                        .collect::<Vec<_>>()
                )
            });
        let prefer = view.headers.get("prefer").cloned().unwrap_or_default();
        assert!(
            prefer.contains(&format!("outlook.timezone=\"{london}\"")),
            "{prefer}"
        );
        let q = query_of(view);
        assert!(q.contains("$select=id,subject,start,end,isAllDay"), "{q}");
        assert!(
            q.contains("startDateTime=") && q.contains("$orderby=start/dateTime"),
            "{q}"
        );
    }
    // Listed in New York time it never moves.
    let ny = h
        .call(
            "list_events",
            json!({"start": "2026-03-01", "end": "2026-04-05", "time_zone": "America/New_York", "limit": 100}),
        )
        .await
        .ok();
    let times = times_of(&ny.structured, "NY sync (IANA)");
    assert_eq!(times.len(), 5);
    assert!(
        times.iter().all(|(s, _)| s.ends_with("T11:00")),
        "{times:?}"
    );
    // The text a model reads carries the weekday and the local times.
    assert!(
        ny.text
            .contains("Tue 2026-03-10 11:00–11:45 · NY sync (IANA)"),
        "{}",
        ny.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn all_day_events_stay_on_their_dates_in_every_zone() {
    let h = Harness::new();
    let created = h
        .call(
            "create_event",
            json!({"subject": "Offsite", "start": "2026-06-24", "end": "2026-06-25", "all_day": true}),
        )
        .await
        .ok();
    assert_eq!(created.structured["start"], "2026-06-24");
    assert_eq!(created.structured["end"], "2026-06-26");
    assert_eq!(created.structured["allDay"], true);
    let id = created.structured["id"].as_str().unwrap().to_owned();
    let post = h
        .requests(0)
        .into_iter()
        .rev()
        .find(|r| r.method == "POST" && r.path == "/v1.0/me/events")
        .unwrap();
    let b = body_json(&post);
    assert_eq!(b["isAllDay"], true);
    assert_eq!(b["start"]["dateTime"], "2026-06-24T00:00:00");
    assert_eq!(b["end"]["dateTime"], "2026-06-26T00:00:00");
    assert_eq!(b["start"]["timeZone"], "Pacific Standard Time");
    for zone in [
        "Asia/Tokyo",
        "Pacific/Honolulu",
        "Europe/London",
        "Pacific/Kiritimati",
    ] {
        let listed = h
            .call(
                "list_events",
                json!({"start": "2026-06-23", "end": "2026-06-27", "time_zone": zone}),
            )
            .await
            .ok();
        assert_eq!(
            times_of(&listed.structured, "Offsite"),
            pairs(&[("2026-06-24", "2026-06-26")]),
            "{zone}"
        );
        assert!(
            listed
                .text
                .contains("Wed 2026-06-24 – Thu 2026-06-25 (all day) · Offsite"),
            "{}",
            listed.text
        );
        // A range that ends the day before does not show it, wherever the zone is.
        let before = h
            .call(
                "list_events",
                json!({"start": "2026-06-20", "end": "2026-06-23", "time_zone": zone}),
            )
            .await
            .ok();
        assert!(times_of(&before.structured, "Offsite").is_empty(), "{zone}");
        let got = h
            .call("get_event", json!({"event_id": id, "time_zone": zone}))
            .await
            .ok();
        assert_eq!(got.structured["start"], "2026-06-24");
    }
    // The seeded PTO (Adele, Pacific, five days from 2026-06-26).
    let pto = h
        .call(
            "list_events",
            json!({"start": "2026-06-26", "end": "2026-06-26", "time_zone": "Australia/Sydney"}),
        )
        .await
        .ok();
    let pto = times_of(&pto.structured, "Adele – PTO");
    assert_eq!(pto, pairs(&[("2026-06-26", "2026-07-01")]));
}

#[tokio::test(flavor = "current_thread")]
async fn list_events_defaults_to_the_mailbox_zone_pages_and_names_bad_arguments() {
    let h = Harness::new();
    let mark = h.mark();
    let first = h
        .call(
            "list_events",
            json!({"start": "2026-06-01", "end": "2026-06-12", "limit": 4}),
        )
        .await
        .ok();
    assert_eq!(first.structured["timeZone"], "Pacific Standard Time");
    let events = first.structured["events"].as_array().unwrap();
    assert!(!events.is_empty());
    // The Eastern-time marketing review (13:00 New York) is at 10:00 in Redmond.
    let cursor = first.structured["nextCursor"]
        .as_str()
        .expect("more")
        .to_owned();
    let mut all: Vec<Value> = events.clone();
    let mut cursor = Some(cursor);
    while let Some(c) = cursor {
        let next = h
            .call(
                "list_events",
                json!({"start": "2026-06-01", "end": "2026-06-12", "limit": 4, "cursor": c}),
            )
            .await
            .ok();
        all.extend(
            next.structured["events"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        cursor = next.structured["nextCursor"].as_str().map(str::to_owned);
    }
    let review: Vec<&Value> = all
        .iter()
        .filter(|e| e["subject"] == seed::fixtures::EASTERN_MEETING_SUBJECT)
        .collect();
    assert_eq!(review.len(), 1);
    assert_eq!(review[0]["start"], "2026-06-08T10:00");
    assert_eq!(review[0]["response"], "accepted");
    assert_eq!(review[0]["organizer"]["address"], "megan@contoso.example");
    let starts: Vec<&str> = all.iter().map(|e| e["start"].as_str().unwrap()).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "oldest first");
    assert!(
        starts
            .iter()
            .all(|s| *s >= "2026-06-01" && *s < "2026-06-13"),
        "{starts:?}"
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    // The mailbox zone is read once, then cached.
    assert_eq!(
        reqs.iter()
            .filter(|r| r.path == "/v1.0/me/mailboxSettings")
            .count(),
        1
    );
    for r in reqs.iter().filter(|r| r.path.ends_with("/calendarView")) {
        let prefer = r.headers.get("prefer").cloned().unwrap_or_default();
        assert!(
            prefer.contains("outlook.timezone=\"Pacific Standard Time\""),
            "{prefer}"
        );
    }

    // Another calendar, by id.
    let cals = h.call("list_calendars", json!({})).await.ok();
    let alpha = cals.structured["calendars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] != "Calendar" && c["isDefault"].is_null() && c["canEdit"] == true)
        .cloned()
        .unwrap();
    let in_alpha = h
        .call(
            "list_events",
            json!({"start": "2026-06-01", "end": "2026-06-30", "calendar_id": alpha["id"]}),
        )
        .await
        .ok();
    assert!(
        in_alpha.structured["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["subject"] == seed::fixtures::GO_NO_GO_SUBJECT),
        "{}",
        in_alpha.text
    );

    for (args, field) in [
        (
            json!({"start": "2026-06-01", "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
        (
            json!({"start": "2026-06-01", "time_zone": "EST"}),
            "time_zone",
        ),
        (json!({"start": "2026-06-01T09:00:00Z"}), "start"),
        (json!({"start": "next monday"}), "start"),
        (json!({"start": "2026-06-05", "end": "2026-06-01"}), "end"),
        (json!({"start": "2026-01-01", "end": "2027-06-01"}), "end"),
    ] {
        let e = h.call("list_events", args.clone()).await.err();
        assert!(e.text.contains(field), "{args}: {}", e.text);
    }
    let e = h
        .call(
            "list_events",
            json!({"start": "2026-06-01", "calendar_id": "AAMkNoSuchCalendar"}),
        )
        .await
        .err();
    assert!(
        e.text.contains("calendar_id") && e.text.contains("list_calendars"),
        "{}",
        e.text
    );
    let e = h
        .call(
            "list_events",
            json!({"start": "2026-06-01", "cursor": "garbage"}),
        )
        .await
        .err();
    assert!(e.text.contains("cursor"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn search_events_matches_words_in_expanded_occurrences() {
    let h = Harness::new();
    let mark = h.mark();
    let r = h
        .call("search_events", json!({"query": "pricing WORKSHOP"}))
        .await
        .ok();
    let m = r.structured["matches"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{}", r.text);
    assert_eq!(m[0]["subject"], seed::fixtures::LONDON_MEETING_SUBJECT);
    assert_eq!(m[0]["matchedIn"], json!(["subject", "body"]));
    // 16:00 London on Wed 10 June is 08:00 in Redmond.
    assert_eq!(m[0]["start"], "2026-06-10T08:00");
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    for r in reqs.iter().filter(|r| r.path.ends_with("/calendarView")) {
        let q = query_of(r);
        assert!(!q.contains("$search") && !q.contains("$filter"), "{q}");
        assert!(q.contains("bodyPreview") && q.contains("attendees"), "{q}");
    }
    // By attendee and location words; recurring occurrences are each found.
    let by_person = h
        .call(
            "search_events",
            json!({"query": "johanna", "start": "2026-06-01", "end": "2026-06-30", "time_zone": "Europe/London"}),
        )
        .await
        .ok();
    let subjects: Vec<&str> = by_person.structured["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&seed::fixtures::DST_SERIES_SUBJECT),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&seed::fixtures::LONDON_MEETING_SUBJECT),
        "{subjects:?}"
    );
    let weekly = by_person.structured["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == seed::fixtures::DST_SERIES_SUBJECT)
        .count();
    assert!(weekly >= 4, "{}", by_person.text);
    let none = h
        .call("search_events", json!({"query": "zebra unicorn"}))
        .await
        .ok();
    assert_eq!(none.structured["matches"], json!([]));
    assert!(none.structured["scanned"].as_u64().unwrap() > 20);
    let e = h.call("search_events", json!({"query": "  "})).await.err();
    assert!(e.text.contains("query"), "{}", e.text);
    let e = h
        .call(
            "search_events",
            json!({"query": "x", "time_zone": "Nowhere/Land"}),
        )
        .await
        .err();
    assert!(e.text.contains("time_zone"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn get_event_reads_attendees_body_and_teams_link_and_encodes_the_id() {
    let h = Harness::new();
    let hit = find(&h, seed::fixtures::LONDON_MEETING_SUBJECT).await;
    let id = hit["id"].as_str().unwrap().to_owned();
    let mark = h.mark();
    let got = h
        .call(
            "get_event",
            json!({"event_id": id, "time_zone": "Europe/London"}),
        )
        .await
        .ok();
    let d = &got.structured;
    assert_eq!(d["start"], "2026-06-10T16:00");
    assert_eq!(d["end"], "2026-06-10T17:30");
    assert!(
        d["body"]
            .as_str()
            .unwrap()
            .contains("reseller pricing tiers"),
        "{d}"
    );
    assert!(!d["body"].as_str().unwrap().contains('<'), "no HTML: {d}");
    assert!(d["joinUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://teams.microsoft.com/"));
    let attendees = d["attendees"].as_array().unwrap();
    assert!(
        attendees
            .iter()
            .any(|a| a["address"] == "megan@contoso.example"
                && a["response"] == "tentativelyAccepted")
    );
    assert_eq!(d["organizer"]["address"], "alex@fabrikam.example");
    assert!(
        got.text.contains("Teams link:") && got.text.contains("Attendees:"),
        "{}",
        got.text
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let r = reqs
        .iter()
        .find(|r| r.method == "GET" && r.path.starts_with("/v1.0/me/events/"))
        .unwrap_or_else(|| {
            panic!(
                "{:?}",
                reqs.iter()
                    .map(|r| (&r.method, &r.path))
                    .collect::<Vec<_>>()
            )
        });
    let encoded: String = id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_eq!(r.path, format!("/v1.0/me/events/{encoded}"));
    assert!(r.headers["prefer"].contains("outlook.timezone=\"Europe/London\""));
    let q = query_of(r);
    assert!(
        q.contains("$select=") && q.contains("body") && q.contains("attendees"),
        "{q}"
    );

    // A recurring series master describes its pattern.
    let series = find(&h, seed::fixtures::DST_SERIES_SUBJECT).await;
    let master = series["seriesMasterId"].as_str().unwrap();
    let m = h.call("get_event", json!({"event_id": master})).await.ok();
    assert!(
        m.structured["repeats"]
            .as_str()
            .unwrap()
            .starts_with("weekly on tuesday"),
        "{}",
        m.text
    );

    let e = h
        .call("get_event", json!({"event_id": "AAMkAGVmMDEzNotThere="}))
        .await
        .err();
    assert!(
        e.text.contains("event_id") && e.text.contains("list_events"),
        "{}",
        e.text
    );
    let e = h.call("get_event", json!({"event_id": ".."})).await.err();
    assert!(e.text.contains("event_id"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn create_event_invites_adds_teams_and_never_defaults_to_utc() {
    let h = Harness::new();
    let mark = h.mark();
    let created = h
        .call(
            "create_event",
            json!({
                "subject": "Design review",
                "start": "2026-06-03T14:00",
                "end": "2026-06-03T15:00",
                "body": "Walk through the <new> layout.",
                "attendees": ["megan@contoso.example"],
                "optional_attendees": ["lee@contoso.example"],
                "resources": ["baker@contoso.example"],
                "location": "Conf Room Baker",
                "teams_meeting": true,
                "reminder_minutes": 5,
            }),
        )
        .await
        .ok();
    let c = &created.structured;
    assert_eq!(c["start"], "2026-06-03T14:00");
    assert_eq!(c["timeZone"], "Pacific Standard Time");
    assert_eq!(
        c["notified"],
        json!(["megan@contoso.example", "lee@contoso.example"])
    );
    assert!(c["joinUrl"]
        .as_str()
        .unwrap()
        .contains("teams.microsoft.com"));
    assert!(
        created.text.contains("Invitations/updates sent to"),
        "{}",
        created.text
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let post = reqs.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.path, "/v1.0/me/events");
    let b = body_json(post);
    assert_eq!(
        b["start"],
        json!({"dateTime": "2026-06-03T14:00:00", "timeZone": "Pacific Standard Time"})
    );
    assert_eq!(b["isOnlineMeeting"], true);
    assert_eq!(b["onlineMeetingProvider"], "teamsForBusiness");
    assert_eq!(b["reminderMinutesBeforeStart"], 5);
    assert_eq!(
        b["body"],
        json!({"contentType": "text", "content": "Walk through the <new> layout."})
    );
    let types: Vec<&str> = b["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["required", "optional", "resource"]);
    // Megan got the invitation on her calendar.
    h.become_user(seed::MEGAN_ID, ALL_SCOPES);
    let megan = h
        .call(
            "search_events",
            json!({"query": "Design review", "start": "2026-06-03", "end": "2026-06-03"}),
        )
        .await
        .ok();
    assert_eq!(
        megan.structured["matches"].as_array().unwrap().len(),
        1,
        "{}",
        megan.text
    );
    h.become_user(seed::ADELE_ID, ALL_SCOPES);

    // In another zone, given as a Windows name.
    let tokyo = h
        .call(
            "create_event",
            json!({"subject": "Tokyo call", "start": "2026-06-04T09:00", "time_zone": "tokyo standard time"}),
        )
        .await
        .ok();
    assert_eq!(tokyo.structured["timeZone"], "Tokyo Standard Time");
    assert_eq!(tokyo.structured["end"], "2026-06-04T09:30");
    let here = h
        .call(
            "list_events",
            json!({"start": "2026-06-03", "end": "2026-06-03"}),
        )
        .await
        .ok();
    // 09:00 in Tokyo (UTC+9) is 17:00 the day before in Redmond (UTC−7).
    assert_eq!(
        times_of(&here.structured, "Tokyo call"),
        pairs(&[("2026-06-03T17:00", "2026-06-03T17:30")])
    );

    // A mailbox whose zone is UTC (or unset) gets its times read as UTC, and is told so.
    let utc = Harness::new();
    let store: &dyn m365_core::store::UserStore = &utc.store;
    store.put("mailbox_time_zone", json!("UTC")).await.unwrap();
    let c = utc
        .call(
            "create_event",
            json!({"subject": "x", "start": "2026-06-03T10:00"}),
        )
        .await
        .ok();
    assert_eq!(c.structured["timeZone"], "UTC");
    assert!(
        c.structured["notes"][0].as_str().unwrap().contains("UTC"),
        "{}",
        c.text
    );
    let c = utc
        .call(
            "create_event",
            json!({"subject": "x", "start": "2026-06-03T10:00", "time_zone": "UTC"}),
        )
        .await
        .ok();
    assert!(c.structured.get("notes").is_none(), "{}", c.text);

    for (args, field) in [
        (
            json!({"subject": "x", "start": "2026-06-03T10:00", "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
        (
            json!({"subject": "x", "start": "2026-06-03T10:00Z"}),
            "start",
        ),
        (
            json!({"subject": "x", "start": "2026-06-03T10:00", "end": "2026-06-03T09:00"}),
            "end",
        ),
        (json!({"subject": "x", "start": "2026-06-03"}), "start"),
        (
            json!({"subject": "x", "start": "2026-06-03T10:00", "all_day": true}),
            "start",
        ),
        (
            json!({"subject": "x", "start": "2026-06-03T10:00", "attendees": ["Megan Bowen"]}),
            "attendees",
        ),
        (
            json!({"subject": " ", "start": "2026-06-03T10:00"}),
            "subject",
        ),
        (
            json!({"subject": "x", "start": "2026-06-03T10:00", "recurrence": {"pattern": "weekly", "count": 3, "until": "2026-07-01"}}),
            "recurrence",
        ),
        (
            json!({"subject": "x", "start": "2026-06-03T10:00", "reminder_minutes": 5, "no_reminder": true}),
            "reminder_minutes",
        ),
    ] {
        let e = h.call("create_event", args.clone()).await.err();
        assert!(e.text.contains(field), "{args}: {}", e.text);
    }
    let e = h
        .call(
            "create_event",
            json!({"subject": "x", "start": "2026-06-03T10:00", "calendar_id": "AAMkNope"}),
        )
        .await
        .err();
    assert!(e.text.contains("calendar_id"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn draft_events_send_nothing_and_list_the_intended_attendees() {
    let h = Harness::new();
    let mark = h.mark();
    let d = h
        .call(
            "create_event",
            json!({
                "subject": "Budget planning (draft)",
                "start": "2026-06-05T10:00",
                "attendees": ["megan@contoso.example"],
                "body": "Numbers for Q3.",
                "draft": true,
            }),
        )
        .await
        .ok();
    assert_eq!(d.structured["draft"], true);
    assert!(d.structured.get("notified").is_none());
    assert!(d.text.contains("no invitations were sent"), "{}", d.text);
    let post = h
        .requests(mark)
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let b = body_json(&post);
    assert!(b.get("attendees").is_none(), "{b}");
    assert_eq!(b["showAs"], "tentative");
    assert_eq!(
        b["body"]["content"],
        "Numbers for Q3.\n\n[Draft: invitations not sent yet. Intended attendees: megan@contoso.example (required)]"
    );
    h.become_user(seed::MEGAN_ID, ALL_SCOPES);
    let megan = h
        .call(
            "search_events",
            json!({"query": "Budget planning", "start": "2026-06-05", "end": "2026-06-05"}),
        )
        .await
        .ok();
    assert_eq!(megan.structured["matches"], json!([]));
    h.become_user(seed::ADELE_ID, ALL_SCOPES);
    // Inviting later sends the invitation.
    let id = d.structured["id"].as_str().unwrap();
    let u = h
        .call(
            "update_event",
            json!({"event_id": id, "add_attendees": ["megan@contoso.example"], "show_as": "busy"}),
        )
        .await
        .ok();
    assert_eq!(u.structured["notified"], json!(["megan@contoso.example"]));
    assert_eq!(u.structured["showAs"], "busy");
    assert!(u.text.contains("This was a draft"), "{}", u.text);
    let got = h.call("get_event", json!({"event_id": id})).await.ok();
    assert_eq!(got.structured["body"], "Numbers for Q3.");
    h.become_user(seed::MEGAN_ID, ALL_SCOPES);
    let megan = h
        .call(
            "search_events",
            json!({"query": "Budget planning", "start": "2026-06-05", "end": "2026-06-05"}),
        )
        .await
        .ok();
    assert_eq!(megan.structured["matches"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn update_event_keeps_the_length_and_refuses_attendee_edits() {
    let h = Harness::new();
    let c = h
        .call(
            "create_event",
            json!({"subject": "1:1", "start": "2026-06-09T09:00", "end": "2026-06-09T09:45",
                   "attendees": ["lee@contoso.example"]}),
        )
        .await
        .ok();
    let id = c.structured["id"].as_str().unwrap().to_owned();
    let mark = h.mark();
    let u = h
        .call(
            "update_event",
            json!({"event_id": id, "start": "2026-06-10T13:00", "location": "Café",
                   "add_optional_attendees": ["megan@contoso.example"], "remove_attendees": ["nobody@contoso.example"]}),
        )
        .await
        .ok();
    assert_eq!(u.structured["start"], "2026-06-10T13:00");
    assert_eq!(u.structured["end"], "2026-06-10T13:45");
    assert_eq!(u.structured["location"], "Café");
    assert_eq!(
        u.structured["notified"],
        json!(["lee@contoso.example", "megan@contoso.example"])
    );
    assert!(
        u.text
            .contains("nobody@contoso.example was not an attendee"),
        "{}",
        u.text
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let patch = reqs.iter().find(|r| r.method == "PATCH").unwrap();
    let b = body_json(patch);
    assert_eq!(
        b["end"],
        json!({"dateTime": "2026-06-10T13:45:00", "timeZone": "Pacific Standard Time"})
    );
    assert_eq!(b["attendees"].as_array().unwrap().len(), 2);
    let read = reqs
        .iter()
        .find(|r| r.method == "GET" && r.path.starts_with("/v1.0/me/events/"))
        .unwrap();
    assert!(read.headers["prefer"].contains("outlook.timezone="));
    // Seen from London the moved meeting is at 21:00.
    let london = h
        .call(
            "get_event",
            json!({"event_id": id, "time_zone": "Europe/London"}),
        )
        .await
        .ok();
    assert_eq!(london.structured["start"], "2026-06-10T21:00");

    // Adele is only an attendee of Megan's review: time changes are refused, a reminder is fine.
    let review = find(&h, seed::fixtures::EASTERN_MEETING_SUBJECT).await;
    let rid = review["id"].as_str().unwrap();
    let e = h
        .call(
            "update_event",
            json!({"event_id": rid, "start": "2026-06-08T11:00"}),
        )
        .await
        .err();
    assert!(
        e.text.contains("organiser") && e.text.contains("respond_to_event"),
        "{}",
        e.text
    );
    h.call(
        "update_event",
        json!({"event_id": rid, "reminder_minutes": 30}),
    )
    .await
    .ok();
    let e = h.call("update_event", json!({"event_id": id})).await.err();
    assert!(e.text.contains("nothing to change"), "{}", e.text);
    let e = h
        .call(
            "update_event",
            json!({"event_id": id, "end": "2026-06-10T12:00"}),
        )
        .await
        .err();
    assert!(e.text.contains("end"), "{}", e.text);
    let e = h
        .call(
            "update_event",
            json!({"event_id": "AAMkGone", "subject": "x"}),
        )
        .await
        .err();
    assert!(e.text.contains("event_id"), "{}", e.text);
    let e = h
        .call(
            "update_event",
            json!({"event_id": id, "teams_meeting": false}),
        )
        .await
        .err();
    assert!(e.text.contains("teams_meeting"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn delete_event_cancels_as_organiser_and_removes_as_attendee() {
    let h = Harness::new();
    let c = h
        .call(
            "create_event",
            json!({"subject": "Retro", "start": "2026-06-11T15:00", "attendees": ["megan@contoso.example"]}),
        )
        .await
        .ok();
    let id = c.structured["id"].as_str().unwrap().to_owned();
    let mark = h.mark();
    let d = h
        .call(
            "delete_event",
            json!({"event_id": id, "comment": "Skipping this sprint"}),
        )
        .await
        .ok();
    assert_eq!(d.structured["action"], "cancelled");
    assert_eq!(d.structured["notified"], json!(["megan@contoso.example"]));
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let cancel = reqs.iter().find(|r| r.method == "POST").unwrap();
    assert!(cancel.path.ends_with("/cancel"), "{}", cancel.path);
    assert_eq!(
        body_json(cancel),
        json!({"comment": "Skipping this sprint"})
    );
    let e = h.call("get_event", json!({"event_id": id})).await.err();
    assert!(e.text.contains("Not found"), "{}", e.text);

    // As an attendee: removed from Adele's calendar only, never a cancel (which Graph refuses).
    let review = find(&h, seed::fixtures::EASTERN_MEETING_SUBJECT).await;
    let rid = review["id"].as_str().unwrap();
    let mark = h.mark();
    let d = h
        .call(
            "delete_event",
            json!({"event_id": rid, "comment": "Can't make it"}),
        )
        .await
        .ok();
    assert_eq!(d.structured["action"], "removed");
    assert!(d.structured["note"]
        .as_str()
        .unwrap()
        .contains("respond_to_event"));
    let reqs = h.requests(mark);
    assert!(reqs.iter().any(|r| r.method == "DELETE"));
    assert!(!reqs.iter().any(|r| r.path.ends_with("/cancel")));

    // The user's own appointment: a plain delete.
    let own = h
        .call(
            "create_event",
            json!({"subject": "Dentist", "start": "2026-06-12T08:00"}),
        )
        .await
        .ok();
    let d = h
        .call("delete_event", json!({"event_id": own.structured["id"]}))
        .await
        .ok();
    assert_eq!(d.structured["action"], "removed");
    assert!(d.structured.get("note").is_none());
    let e = h
        .call("delete_event", json!({"event_id": "AAMkGone"}))
        .await
        .err();
    assert!(e.text.contains("event_id"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn respond_to_event_answers_invitations_and_explains_refusals() {
    let h = Harness::new();
    let review = find(&h, seed::fixtures::EASTERN_MEETING_SUBJECT).await;
    let rid = review["id"].as_str().unwrap().to_owned();
    let mark = h.mark();
    let r = h
        .call(
            "respond_to_event",
            json!({"event_id": rid, "response": "tentative", "comment": "May be late",
                   "propose_start": "2026-06-08T11:00", "propose_end": "2026-06-08T12:00"}),
        )
        .await
        .ok();
    assert_eq!(r.structured["response"], "tentativelyAccepted");
    assert_eq!(r.structured["sent"], true);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let post = reqs.iter().find(|r| r.method == "POST").unwrap();
    assert!(post.path.ends_with("/tentativelyAccept"), "{}", post.path);
    let b = body_json(post);
    assert_eq!(b["comment"], "May be late");
    assert_eq!(b["sendResponse"], true);
    assert_eq!(
        b["proposedNewTime"]["start"],
        json!({"dateTime": "2026-06-08T11:00:00", "timeZone": "Pacific Standard Time"})
    );
    let r = h
        .call(
            "respond_to_event",
            json!({"event_id": rid, "response": "accept", "send_response": false}),
        )
        .await
        .ok();
    assert!(
        r.text.contains("without telling the organiser"),
        "{}",
        r.text
    );
    let e = h
        .call(
            "respond_to_event",
            json!({"event_id": rid, "response": "accept", "propose_start": "2026-06-08T11:00", "propose_end": "2026-06-08T12:00"}),
        )
        .await
        .err();
    assert!(e.text.contains("propose_start"), "{}", e.text);
    let e = h
        .call(
            "respond_to_event",
            json!({"event_id": rid, "response": "decline", "propose_start": "2026-06-08T11:00"}),
        )
        .await
        .err();
    assert!(e.text.contains("propose_end"), "{}", e.text);
    // Adele organises the go/no-go: nothing to answer.
    let own = find(&h, seed::fixtures::GO_NO_GO_SUBJECT).await;
    let own_id = if own.is_null() {
        // It lives in another calendar; find it there.
        let cals = h.call("list_calendars", json!({})).await.ok();
        let mut id = String::new();
        for c in cals.structured["calendars"].as_array().unwrap() {
            let l = h
                .call(
                    "list_events",
                    json!({"start": "2026-06-01", "end": "2026-06-30", "calendar_id": c["id"]}),
                )
                .await
                .ok();
            if let Some(e) = l.structured["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["subject"] == seed::fixtures::GO_NO_GO_SUBJECT)
            {
                id = e["id"].as_str().unwrap().to_owned();
            }
        }
        id
    } else {
        own["id"].as_str().unwrap().to_owned()
    };
    let e = h
        .call(
            "respond_to_event",
            json!({"event_id": own_id, "response": "accept"}),
        )
        .await
        .err();
    assert!(e.text.contains("organises this meeting"), "{}", e.text);
    let r = h
        .call(
            "respond_to_event",
            json!({"event_id": rid, "response": "decline", "comment": "Clash"}),
        )
        .await
        .ok();
    assert_eq!(r.structured["response"], "declined");
    // A meeting its organiser cancelled: nothing to answer, but it can be deleted.
    let cancelled = find(&h, seed::fixtures::CANCELLED_SUBJECT).await;
    assert_eq!(cancelled["cancelled"], true, "{cancelled}");
    let cid = cancelled["id"].as_str().unwrap();
    let e = h
        .call(
            "respond_to_event",
            json!({"event_id": cid, "response": "accept"}),
        )
        .await
        .err();
    assert!(e.text.contains("cancelled by its organiser"), "{}", e.text);
    let d = h.call("delete_event", json!({"event_id": cid})).await.ok();
    assert_eq!(d.structured["action"], "removed");
    let e = h
        .call(
            "respond_to_event",
            json!({"event_id": "AAMkGone", "response": "accept"}),
        )
        .await
        .err();
    assert!(e.text.contains("event_id"), "{}", e.text);
    let e = h
        .call(
            "respond_to_event",
            json!({"event_id": rid, "response": "maybe"}),
        )
        .await
        .err();
    assert!(
        e.text.contains("response") || e.text.contains("maybe"),
        "{}",
        e.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn find_meeting_times_and_get_schedule_use_the_zone_and_report_unknowns() {
    let h = Harness::new();
    let mark = h.mark();
    let f = h
        .call(
            "find_meeting_times",
            json!({"attendees": ["megan@contoso.example"], "duration_minutes": 60,
                   "start": "2026-06-09", "end": "2026-06-10", "time_zone": "America/New_York"}),
        )
        .await
        .ok();
    let s = f.structured["suggestions"].as_array().unwrap();
    assert!(!s.is_empty(), "{}", f.text);
    for x in s {
        assert!(x["start"].as_str().unwrap() >= "2026-06-09", "{x}");
        assert_eq!(x["attendees"][0]["address"], "megan@contoso.example");
    }
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let post = reqs
        .iter()
        .find(|r| r.path == "/v1.0/me/findMeetingTimes")
        .unwrap();
    assert!(post.headers["prefer"].contains("outlook.timezone=\"America/New_York\""));
    let b = body_json(post);
    assert_eq!(b["meetingDuration"], "PT1H0M");
    assert_eq!(
        b["timeConstraint"]["timeSlots"][0]["end"],
        json!({"dateTime": "2026-06-11T00:00:00", "timeZone": "America/New_York"})
    );
    assert_eq!(b["timeConstraint"]["activityDomain"], "work");
    let e = h
        .call(
            "find_meeting_times",
            json!({"attendees": [], "start": "2026-06-09"}),
        )
        .await
        .err();
    assert!(e.text.contains("attendees"), "{}", e.text);
    let e = h
        .call(
            "find_meeting_times",
            json!({"attendees": ["megan"], "start": "2026-06-09"}),
        )
        .await
        .err();
    assert!(e.text.contains("attendees"), "{}", e.text);

    let mark = h.mark();
    let g = h
        .call(
            "get_schedule",
            json!({"addresses": ["megan@contoso.example", "ghost@nowhere.example"],
                   "start": "2026-06-08", "interval_minutes": 60}),
        )
        .await
        .ok();
    let sch = g.structured["schedules"].as_array().unwrap();
    assert_eq!(sch.len(), 2);
    assert_eq!(sch[0]["availabilityView"].as_str().unwrap().len(), 24);
    assert!(sch[1]["error"].as_str().is_some(), "{}", g.text);
    assert!(g.text.contains("not available"), "{}", g.text);
    let post = h
        .requests(mark)
        .into_iter()
        .find(|r| r.path == "/v1.0/me/calendar/getSchedule")
        .unwrap();
    assert!(post.headers["prefer"].contains("outlook.timezone=\"Pacific Standard Time\""));
    assert_eq!(body_json(&post)["availabilityViewInterval"], 60);
    let e = h
        .call(
            "get_schedule",
            json!({"addresses": [], "start": "2026-06-08"}),
        )
        .await
        .err();
    assert!(e.text.contains("addresses"), "{}", e.text);
    let e = h
        .call("get_schedule", json!({"addresses": ["megan@contoso.example"], "start": "2026-06-08", "end": "2026-09-30"}))
        .await
        .err();
    assert!(e.text.contains("end"), "{}", e.text);

    // Personal accounts have neither.
    let p = Harness::with(seed::PERSONAL_USER_ID, ALL_SCOPES, h.deployment.clone());
    let e = p
        .call(
            "get_schedule",
            json!({"addresses": ["megan@contoso.example"], "start": "2026-06-08"}),
        )
        .await
        .err();
    assert!(e.text.contains("work or school"), "{}", e.text);
    let e = p
        .call(
            "find_meeting_times",
            json!({"attendees": ["megan@contoso.example"], "start": "2026-06-08"}),
        )
        .await
        .err();
    assert!(e.text.contains("work or school"), "{}", e.text);
    // A Teams link is not available on a personal calendar: the event is created, and the
    // reply says there is no link.
    let c = p
        .call(
            "create_event",
            json!({"subject": "Call with Jordan", "start": "2026-06-08T18:00", "teams_meeting": true}),
        )
        .await
        .ok();
    assert!(c.structured.get("joinUrl").is_none());
    assert!(
        c.structured["notes"][0].as_str().unwrap().contains("Teams"),
        "{}",
        c.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn reminders_calendars_and_attachments() {
    let h = Harness::new();
    let mark = h.mark();
    let r = h
        .call(
            "list_reminders",
            json!({"start": "2026-06-08", "time_zone": "America/New_York"}),
        )
        .await
        .ok();
    let rem = r.structured["reminders"].as_array().unwrap();
    let review = rem
        .iter()
        .find(|x| x["subject"] == seed::fixtures::EASTERN_MEETING_SUBJECT)
        .expect("the review's reminder");
    assert_eq!(review["eventStart"], "2026-06-08T13:00");
    assert_eq!(review["fires"], "2026-06-08T12:45");
    assert!(
        rem.iter()
            .all(|x| x["fires"].as_str().unwrap().starts_with("2026-06-08")),
        "{}",
        r.text
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let rv = reqs
        .iter()
        .find(|r| r.path.contains("reminderView"))
        .unwrap();
    assert!(
        rv.path
            .starts_with("/v1.0/me/reminderView%28startDateTime%3D%272026-06-07T10%3A00%3A00Z%27"),
        "{}",
        rv.path
    );
    assert!(rv.headers["prefer"].contains("outlook.timezone=\"America/New_York\""));
    let e = h
        .call(
            "list_reminders",
            json!({"start": "2026-06-08", "end": "2026-08-08"}),
        )
        .await
        .err();
    assert!(e.text.contains("end"), "{}", e.text);

    let mark = h.mark();
    let cals = h.call("list_calendars", json!({})).await.ok();
    let list = cals.structured["calendars"].as_array().unwrap();
    assert!(list.iter().any(|c| c["isDefault"] == true), "{}", cals.text);
    let q = query_of(&h.requests(mark)[0]);
    assert!(q.contains("$select=id,name,isDefaultCalendar"), "{q}");
    let made = h
        .call(
            "create_calendar",
            json!({"name": "Project Zeta", "color": "lightGreen"}),
        )
        .await
        .ok();
    let cal_id = made.structured["calendar"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let e = h
        .call("create_calendar", json!({"name": "project zeta"}))
        .await
        .err();
    assert!(e.text.contains("already exists"), "{}", e.text);
    let e = h
        .call("create_calendar", json!({"name": "x", "color": "plaid"}))
        .await
        .err();
    assert!(
        e.text.contains("color") || e.text.contains("plaid"),
        "{}",
        e.text
    );
    h.call(
        "create_event",
        json!({"subject": "Zeta kickoff", "start": "2026-06-15T10:00", "calendar_id": cal_id}),
    )
    .await
    .ok();
    let in_zeta = h
        .call(
            "list_events",
            json!({"start": "2026-06-15", "end": "2026-06-15", "calendar_id": cal_id}),
        )
        .await
        .ok();
    assert_eq!(times_of(&in_zeta.structured, "Zeta kickoff").len(), 1);
    let default_view = h
        .call(
            "list_events",
            json!({"start": "2026-06-15", "end": "2026-06-15"}),
        )
        .await
        .ok();
    assert!(times_of(&default_view.structured, "Zeta kickoff").is_empty());

    // Attachments.
    let qbr = h
        .call("search_events", json!({"query": seed::fixtures::ATTACHMENT_EVENT_SUBJECT, "start": "2026-03-01", "end": "2026-05-31"}))
        .await
        .ok();
    let qid = qbr.structured["matches"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = h
        .call("list_event_attachments", json!({"event_id": qid}))
        .await
        .ok();
    let n = before.structured["attachments"].as_array().unwrap().len();
    assert!(n > 0, "{}", before.text);
    let mark = h.mark();
    let added = h
        .call(
            "add_event_attachment",
            json!({"event_id": qid, "name": "agenda.txt", "data": "data:text/plain;base64,QWdlbmRhOiBwcmljaW5n"}),
        )
        .await
        .ok();
    assert_eq!(added.structured["attachment"]["name"], "agenda.txt");
    assert!(added.structured["attachment"]["size"].as_u64().unwrap() > 0);
    let post = h
        .requests(mark)
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let b = body_json(&post);
    assert_eq!(b["@odata.type"], "#microsoft.graph.fileAttachment");
    assert_eq!(b["contentType"], "text/plain");
    assert_eq!(b["contentBytes"], "QWdlbmRhOiBwcmljaW5n");
    let after = h
        .call("list_event_attachments", json!({"event_id": qid}))
        .await
        .ok();
    assert_eq!(
        after.structured["attachments"].as_array().unwrap().len(),
        n + 1
    );
    let e = h
        .call(
            "add_event_attachment",
            json!({"event_id": qid, "name": "a.txt", "data": "QWdlbmRh"}),
        )
        .await
        .err();
    assert!(e.text.contains("data"), "{}", e.text);
    let e = h
        .call("list_event_attachments", json!({"event_id": "AAMkGone"}))
        .await
        .err();
    assert!(e.text.contains("event_id"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn missing_permissions_and_presets() {
    let read_only = Harness::with(
        seed::ADELE_ID,
        &["User.Read", "MailboxSettings.Read", "Calendars.Read"],
        Harness::new().deployment,
    );
    let e = read_only
        .call(
            "create_event",
            json!({"subject": "x", "start": "2026-06-03T10:00"}),
        )
        .await
        .err();
    assert!(e.text.contains("Calendars.ReadWrite"), "{}", e.text);
    read_only
        .call("list_events", json!({"start": "2026-06-01"}))
        .await
        .ok();
    let e = read_only
        .call(
            "find_meeting_times",
            json!({"attendees": ["megan@contoso.example"], "start": "2026-06-08"}),
        )
        .await
        .err();
    assert!(e.text.contains("Calendars.Read.Shared"), "{}", e.text);

    // The read preset offers only the reads; draft adds create/update/respond but not delete.
    let read = m365_core::mcp::deployment::Deployment::from_vars(|k| {
        (k == "TOOL_PRESET").then(|| "read".to_owned())
    })
    .unwrap();
    let names: Vec<&str> = m365_core::mcp::tool::ToolRegistry::for_deployment(&read)
        .iter()
        .map(|t| t.name())
        .collect();
    for n in [
        "list_events",
        "search_events",
        "get_event",
        "get_schedule",
        "list_reminders",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    for n in [
        "create_event",
        "update_event",
        "delete_event",
        "respond_to_event",
        "add_event_attachment",
    ] {
        assert!(!names.contains(&n), "{n}");
    }
    let draft = m365_core::mcp::deployment::Deployment::default();
    let names: Vec<&str> = m365_core::mcp::tool::ToolRegistry::for_deployment(&draft)
        .iter()
        .map(|t| t.name())
        .collect();
    assert!(names.contains(&"create_event") && !names.contains(&"delete_event"));

    // Invitations only to allowed domains when the deployment restricts them.
    let limited = m365_core::mcp::deployment::Deployment::from_vars(|k| match k {
        "TOOL_PRESET" => Some("full".into()),
        "SEND_ALLOWED_DOMAINS" => Some("contoso.example".into()),
        _ => None,
    })
    .unwrap();
    let h = Harness::with(seed::ADELE_ID, ALL_SCOPES, limited);
    let e = h
        .call(
            "create_event",
            json!({"subject": "x", "start": "2026-06-03T10:00", "attendees": ["alex@fabrikam.example"]}),
        )
        .await
        .err();
    assert!(e.text.contains("contoso.example"), "{}", e.text);
    h.call(
        "create_event",
        json!({"subject": "x", "start": "2026-06-03T10:00", "attendees": ["megan@contoso.example"]}),
    )
    .await
    .ok();
}
