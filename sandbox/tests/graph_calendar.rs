//! Calendar over HTTP: calendarView with recurrence expansion across DST, event creation with
//! Windows/IANA/invalid zones, all-day events under `Prefer: outlook.timezone`, meeting responses
//! and cancellation between seeded users, reminders, getSchedule and findMeetingTimes for work
//! and personal accounts, calendars, attachments and the time-zone lists.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{code, enc, items, q, Env};
use m365_sandbox::seed::{self, fixtures};
use serde_json::{json, Value};

const ALL: &[&str] = &[
    "User.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Contacts.ReadWrite",
    "People.Read",
    "MailboxSettings.ReadWrite",
];

/// `YYYY-MM-DDTHH:MM` of a `dateTimeTimeZone`.
fn hm(dt: &Value) -> String {
    dt["dateTime"]
        .as_str()
        .unwrap_or("")
        .chars()
        .take(16)
        .collect()
}

/// The first event with `subject` in `user`'s default calendar (single or series master).
async fn event_id(env: &Env, token: &str, subject: &str) -> String {
    let path = format!(
        "/v1.0/me/events?{}",
        q(&[
            ("$filter", &format!("subject eq '{subject}'")),
            ("$select", "subject")
        ])
    );
    let (s, v) = env.get(&path, token).await;
    assert_eq!(s, 200, "{v}");
    items(&v)
        .first()
        .and_then(|e| e["id"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no event '{subject}': {v}"))
}

async fn create(env: &Env, token: &str, body: Value) -> Value {
    let (s, v) = env.post("/v1.0/me/events", token, body).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn series_in_view(env: &Env, token: &str, from: &str, to: &str, prefer: &str) -> Vec<Value> {
    let path = format!(
        "/v1.0/me/calendarView?{}",
        q(&[
            ("startDateTime", from),
            ("endDateTime", to),
            (
                "$filter",
                &format!("subject eq '{}'", fixtures::DST_SERIES_SUBJECT)
            ),
            ("$top", "100")
        ])
    );
    let (s, v) = env.call("GET", &path, token, None, Some(prefer)).await;
    assert_eq!(s, 200, "{v}");
    items(&v)
}

#[tokio::test]
async fn new_york_series_in_london_follows_both_dst_switches_in_march() {
    let env = Env::new();
    // Alex (London) attends Megan's weekly 11:00 New York series.
    let alex = env.token(seed::ALEX_ID, ALL);
    let occ = series_in_view(
        &env,
        &alex,
        "2026-03-01T00:00:00Z",
        "2026-04-08T00:00:00Z",
        "outlook.timezone=\"Europe/London\"",
    )
    .await;
    let shown: Vec<String> = occ.iter().map(|e| hm(&e["start"])).collect();
    // 16:00 London while both are on standard time, 15:00 in the three weeks between the US switch
    // (8 March) and the EU switch (29 March), 16:00 again after.
    assert_eq!(
        shown,
        [
            "2026-03-03T16:00",
            "2026-03-10T15:00",
            "2026-03-17T15:00",
            "2026-03-24T15:00",
            "2026-03-31T16:00",
            "2026-04-07T16:00"
        ]
    );
    for e in &occ {
        assert_eq!(e["type"], "occurrence");
        assert_eq!(e["start"]["timeZone"], "Europe/London");
        assert!(e["seriesMasterId"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(e["originalStartTimeZone"], "Eastern Standard Time");
    }
    // In New York time it is always 11:00.
    let ny = series_in_view(
        &env,
        &alex,
        "2026-03-01T00:00:00Z",
        "2026-04-08T00:00:00Z",
        "outlook.timezone=\"Eastern Standard Time\"",
    )
    .await;
    assert!(
        ny.iter().all(|e| hm(&e["start"]).ends_with("T11:00")),
        "{ny:?}"
    );
    // Occurrence ids are stable across requests and resolve.
    let again = series_in_view(
        &env,
        &alex,
        "2026-03-01T00:00:00Z",
        "2026-04-08T00:00:00Z",
        "outlook.timezone=\"UTC\"",
    )
    .await;
    assert_eq!(
        occ.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
        again.iter().map(|e| e["id"].clone()).collect::<Vec<_>>()
    );
    let id = occ[1]["id"].as_str().expect("id");
    let (s, one) = env
        .call(
            "GET",
            &format!("/v1.0/me/events/{}", enc(id)),
            &alex,
            None,
            Some("outlook.timezone=\"GMT Standard Time\""),
        )
        .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(hm(&one["start"]), "2026-03-10T15:00");
    assert_eq!(one["originalStart"], "2026-03-10T15:00:00Z");
}

#[tokio::test]
async fn new_york_series_in_london_in_the_autumn() {
    let env = Env::new();
    let alex = env.token(seed::ALEX_ID, ALL);
    let occ = series_in_view(
        &env,
        &alex,
        "2026-10-19T00:00:00Z",
        "2026-11-11T00:00:00Z",
        "outlook.timezone=\"GMT Standard Time\"",
    )
    .await;
    let shown: Vec<String> = occ.iter().map(|e| hm(&e["start"])).collect();
    // EU leaves DST on 25 October, the US on 1 November.
    assert_eq!(
        shown,
        [
            "2026-10-20T16:00",
            "2026-10-27T15:00",
            "2026-11-03T16:00",
            "2026-11-10T16:00"
        ]
    );
    // Without Prefer the view is in UTC: the UTC time moves with US DST.
    let utc = series_in_view(
        &env,
        &alex,
        "2026-10-19T00:00:00Z",
        "2026-11-11T00:00:00Z",
        "odata.maxpagesize=50",
    )
    .await;
    assert_eq!(
        utc.iter().map(|e| hm(&e["start"])).collect::<Vec<_>>(),
        [
            "2026-10-20T15:00",
            "2026-10-27T15:00",
            "2026-11-03T16:00",
            "2026-11-10T16:00"
        ]
    );
    assert!(utc.iter().all(|e| e["start"]["timeZone"] == "UTC"));
}

#[tokio::test]
async fn calendar_view_needs_a_window_and_lists_masters_separately() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let (s, v) = env.get("/v1.0/me/calendarView", &adele).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), "ErrorInvalidParameter");
    assert_eq!(v["error"]["message"], "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
    let (s, v) = env
        .get(
            "/v1.0/me/calendarView?startDateTime=2026-06-01T00:00:00Z",
            &adele,
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidParameter"));
    // /me/events has the series master (no occurrences).
    let path = format!(
        "/v1.0/me/events?{}",
        q(&[(
            "$filter",
            &format!("subject eq '{}'", fixtures::DST_SERIES_SUBJECT)
        )])
    );
    let (s, v) = env.get(&path, &adele).await;
    assert_eq!(s, 200, "{v}");
    let list = items(&v);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["type"], "seriesMaster");
    assert_eq!(list[0]["recurrence"]["pattern"]["type"], "weekly");
    // instances of the master.
    let id = list[0]["id"].as_str().expect("id");
    let path = format!(
        "/v1.0/me/events/{}/instances?{}",
        enc(id),
        q(&[
            ("startDateTime", "2026-06-01T00:00:00Z"),
            ("endDateTime", "2026-06-22T00:00:00Z")
        ])
    );
    let (s, v) = env.get(&path, &adele).await;
    assert_eq!(s, 200, "{v}");
    let inst = items(&v);
    assert_eq!(inst.len(), 3, "{v}");
    assert!(inst
        .iter()
        .all(|e| e["type"] == "occurrence" && e["seriesMasterId"] == list[0]["id"]));
    let (s, v) = env
        .get(&format!("/v1.0/me/events/{}/instances", enc(id)), &adele)
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidParameter"));
}

#[tokio::test]
async fn create_event_with_windows_iana_and_invalid_zones() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "Windows zone",
            "start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "2026-07-01T11:00:00", "timeZone": "Pacific Standard Time"},
            "attendees": [{"emailAddress": {"address": "priya.raman@trey-research.example", "name": "Priya Raman"}}],
        }),
    )
    .await;
    assert_eq!(
        ev["start"],
        json!({"dateTime": "2026-07-01T17:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(ev["originalStartTimeZone"], "Pacific Standard Time");
    assert_eq!(ev["type"], "singleInstance");
    assert_eq!(ev["isOrganizer"], true);
    assert_eq!(ev["responseRequested"], true);
    assert_eq!(
        ev["organizer"]["emailAddress"]["address"],
        "adele@contoso.example"
    );
    assert_eq!(ev["attendees"][0]["status"]["response"], "none");
    assert_eq!(ev["attendees"][0]["type"], "required");
    assert!(ev.get("_calendarId").is_none());
    // Shown in the requested zone.
    let id = ev["id"].as_str().expect("id");
    let (s, v) = env
        .call(
            "GET",
            &format!("/v1.0/me/events/{}", enc(id)),
            &adele,
            None,
            Some("outlook.timezone=\"Pacific Standard Time\""),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        v["start"],
        json!({"dateTime": "2026-07-01T10:00:00.0000000", "timeZone": "Pacific Standard Time"})
    );

    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "IANA zone",
            "start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "America/New_York"},
            "end": {"dateTime": "2026-07-01T10:30:00", "timeZone": "America/New_York"},
            "isOnlineMeeting": true,
            "onlineMeetingProvider": "teamsForBusiness",
        }),
    )
    .await;
    assert_eq!(hm(&ev["start"]), "2026-07-01T14:00");
    assert_eq!(ev["originalStartTimeZone"], "America/New_York");
    assert!(ev["onlineMeeting"]["joinUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://teams.microsoft.com/l/meetup-join/")));

    let (s, v) = env
        .post(
            "/v1.0/me/events",
            &adele,
            json!({"subject": "Bad zone", "start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "Greenwich Mean Time"}, "end": {"dateTime": "2026-07-01T11:00:00", "timeZone": "UTC"}}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "TimeZoneNotSupportedException"));
    assert_eq!(v["error"]["message"], "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'Greenwich Mean Time'.");

    let (s, v) = env
        .post(
            "/v1.0/me/events",
            &adele,
            json!({"subject": "Backwards", "start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-07-01T09:00:00", "timeZone": "UTC"}}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (400, "ErrorCalendarEndDateIsEarlierThanStartDate")
    );

    // Recurrence is validated and normalised.
    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "Weekly in Tokyo",
            "start": {"dateTime": "2026-07-06T09:00:00", "timeZone": "Tokyo Standard Time"},
            "end": {"dateTime": "2026-07-06T09:30:00", "timeZone": "Tokyo Standard Time"},
            "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}, "range": {"type": "numbered", "startDate": "2026-07-06", "numberOfOccurrences": 3}},
        }),
    )
    .await;
    assert_eq!(ev["type"], "seriesMaster");
    assert_eq!(
        ev["recurrence"]["range"]["recurrenceTimeZone"],
        "Tokyo Standard Time"
    );
    let (s, v) = env
        .post(
            "/v1.0/me/events",
            &adele,
            json!({
                "subject": "Bad recurrence",
                "start": {"dateTime": "2026-07-06T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-07-06T09:30:00", "timeZone": "UTC"},
                "recurrence": {"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2026-07-06"}},
            }),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorPropertyValidationFailure"));
    // Unknown properties are refused by the schema check.
    let (s, _) = env
        .post("/v1.0/me/events", &adele, json!({"subject": "x", "startTime": "2026-07-06T09:00:00Z", "start": {"dateTime": "2026-07-06T09:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-07-06T09:30:00", "timeZone": "UTC"}}))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn all_day_events_stay_on_their_dates_in_any_zone() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "Independence Day",
            "isAllDay": true,
            "start": {"dateTime": "2026-07-04T00:00:00", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "2026-07-05T00:00:00", "timeZone": "Pacific Standard Time"},
            "showAs": "oof",
        }),
    )
    .await;
    let id = ev["id"].as_str().expect("id").to_string();
    for zone in [
        "Tokyo Standard Time",
        "Hawaiian Standard Time",
        "Europe/London",
        "UTC",
    ] {
        let (s, v) = env
            .call(
                "GET",
                &format!("/v1.0/me/events/{}", enc(&id)),
                &adele,
                None,
                Some(&format!("outlook.timezone=\"{zone}\"")),
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(
            v["start"],
            json!({"dateTime": "2026-07-04T00:00:00.0000000", "timeZone": zone}),
            "{zone}"
        );
        assert_eq!(v["end"]["dateTime"], "2026-07-05T00:00:00.0000000");
    }
    // In the view too, and the window is matched in the event's own zone.
    let path = format!(
        "/v1.0/me/calendarView?{}",
        q(&[
            ("startDateTime", "2026-07-04T12:00:00Z"),
            ("endDateTime", "2026-07-04T13:00:00Z"),
            ("$filter", "isAllDay eq true")
        ])
    );
    let (s, v) = env
        .call(
            "GET",
            &path,
            &adele,
            None,
            Some("outlook.timezone=\"Tokyo Standard Time\""),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let found: Vec<&Value> = v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["subject"] == "Independence Day")
        .collect();
    assert_eq!(found.len(), 1, "{v}");
    assert_eq!(found[0]["start"]["dateTime"], "2026-07-04T00:00:00.0000000");
    // Seeded yearly birthdays (all-day recurring) stay on their date in the Birthdays calendar.
    let (s, cals) = env.get("/v1.0/me/calendars", &adele).await;
    assert_eq!(s, 200);
    let bday = items(&cals)
        .into_iter()
        .find(|c| c["name"] == "Birthdays")
        .expect("birthdays calendar");
    let path = format!(
        "/v1.0/me/calendars/{}/calendarView?{}",
        enc(bday["id"].as_str().expect("id")),
        q(&[
            ("startDateTime", "2026-06-01T00:00:00Z"),
            ("endDateTime", "2027-06-01T00:00:00Z"),
            ("$top", "100")
        ])
    );
    let (s, v) = env
        .call(
            "GET",
            &path,
            &adele,
            None,
            Some("outlook.timezone=\"Tokyo Standard Time\""),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let list = items(&v);
    assert!(!list.is_empty());
    for e in list {
        assert_eq!(e["isAllDay"], true);
        assert!(
            e["start"]["dateTime"]
                .as_str()
                .is_some_and(|d| d.ends_with("T00:00:00.0000000")),
            "{e}"
        );
        assert_eq!(e["type"], "occurrence");
    }
    // All-day events need midnight boundaries.
    let (s, v) = env
        .post(
            "/v1.0/me/events",
            &adele,
            json!({"subject": "x", "isAllDay": true, "start": {"dateTime": "2026-07-04T09:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-07-05T00:00:00", "timeZone": "UTC"}}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorPropertyValidationFailure"));
}

#[tokio::test]
async fn responses_follow_the_organizer_rules() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let patti = env.token(seed::PATTI_ID, ALL);
    // Adele organizes "Product roadmap review": she cannot answer it.
    let own = event_id(&env, &adele, "Product roadmap review").await;
    let (s, v) = env
        .post(
            &format!("/v1.0/me/events/{}/accept", enc(&own)),
            &adele,
            json!({"sendResponse": true}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidRequest"));
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("organizer")));
    // She was invited to "Offsite planning" by Patti and hasn't answered.
    let invite = event_id(&env, &adele, "Offsite planning").await;
    let (s, v) = env
        .post(
            &format!("/v1.0/me/events/{}/accept", enc(&invite)),
            &adele,
            json!({"comment": "See you there", "sendResponse": true}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (_, ev) = env
        .get(&format!("/v1.0/me/events/{}", enc(&invite)), &adele)
        .await;
    assert_eq!(ev["responseStatus"]["response"], "accepted");
    assert_eq!(ev["showAs"], "busy");
    // Patti sees the answer on her event and gets the response in her inbox.
    let theirs = event_id(&env, &patti, "Offsite planning").await;
    let (_, ev) = env
        .get(&format!("/v1.0/me/events/{}", enc(&theirs)), &patti)
        .await;
    let a = ev["attendees"]
        .as_array()
        .expect("attendees")
        .iter()
        .find(|a| a["emailAddress"]["address"] == "adele@contoso.example")
        .cloned()
        .expect("adele");
    assert_eq!(a["status"]["response"], "accepted");
    let path = format!(
        "/v1.0/me/messages?{}",
        q(&[("$filter", "subject eq 'Accepted: Offsite planning'")])
    );
    let (s, v) = env.get(&path, &patti).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v).len(), 1, "{v}");
    // An attendee cannot cancel.
    let (s, v) = env
        .post(
            &format!("/v1.0/me/events/{}/cancel", enc(&invite)),
            &adele,
            json!({"comment": "no"}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidRequest"));
    assert_eq!(
        v["error"]["message"],
        "Your request can't be completed. You need to be an organizer to cancel a meeting."
    );
    // Organizers cannot propose new times, and proposing needs the organizer to allow it.
    let critique = event_id(&env, &adele, "Design critique: notification settings").await;
    let proposal = json!({"start": {"dateTime": "2026-06-10T17:00:00", "timeZone": "Pacific Standard Time"}, "end": {"dateTime": "2026-06-10T17:45:00", "timeZone": "Pacific Standard Time"}});
    let (s, v) = env
        .post(
            &format!("/v1.0/me/events/{}/tentativelyAccept", enc(&critique)),
            &adele,
            json!({"sendResponse": true, "proposedNewTime": proposal}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (_, ev) = env
        .get(&format!("/v1.0/me/events/{}", enc(&critique)), &adele)
        .await;
    assert_eq!(ev["responseStatus"]["response"], "tentativelyAccepted");
    // Declining removes the meeting from the attendee's calendar.
    let (s, _) = env
        .post(
            &format!("/v1.0/me/events/{}/decline", enc(&critique)),
            &adele,
            json!({"sendResponse": false}),
        )
        .await;
    assert_eq!(s, 202);
    let (s, v) = env
        .get(&format!("/v1.0/me/events/{}", enc(&critique)), &adele)
        .await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));
}

#[tokio::test]
async fn invitations_and_cancellations_reach_seeded_attendees() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let lee = env.token(seed::LEE_ID, ALL);
    let megan = env.token(seed::MEGAN_ID, ALL);
    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "Launch retro",
            "body": {"contentType": "text", "content": "What went well?"},
            "start": {"dateTime": "2026-06-16T10:00:00", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "2026-06-16T11:00:00", "timeZone": "Pacific Standard Time"},
            "attendees": [
                {"type": "required", "emailAddress": {"address": "lee@contoso.example", "name": "Lee Gu"}},
                {"type": "optional", "emailAddress": {"address": "megan@contoso.example", "name": "Megan Bowen"}},
            ],
        }),
    )
    .await;
    let id = ev["id"].as_str().expect("id").to_string();
    // Lee has the meeting (tentative until he answers) and the request in his inbox.
    let lee_copy = event_id(&env, &lee, "Launch retro").await;
    let (_, copy) = env
        .get(&format!("/v1.0/me/events/{}", enc(&lee_copy)), &lee)
        .await;
    assert_eq!(copy["isOrganizer"], false);
    assert_eq!(copy["responseStatus"]["response"], "notResponded");
    assert_eq!(copy["showAs"], "tentative");
    assert_eq!(copy["iCalUId"], ev["iCalUId"]);
    let path = format!(
        "/v1.0/me/messages?{}",
        q(&[("$filter", "subject eq 'Launch retro'")])
    );
    let (_, v) = env.get(&path, &lee).await;
    assert_eq!(items(&v).len(), 1, "{v}");
    assert_eq!(items(&v)[0]["meetingMessageType"], "meetingRequest");
    // Lee accepts, Megan declines.
    let (s, _) = env
        .post(
            &format!("/v1.0/me/events/{}/accept", enc(&lee_copy)),
            &lee,
            json!({}),
        )
        .await;
    assert_eq!(s, 202);
    let megan_copy = event_id(&env, &megan, "Launch retro").await;
    let (s, _) = env
        .post(
            &format!("/v1.0/me/events/{}/decline", enc(&megan_copy)),
            &megan,
            json!({"comment": "OOO"}),
        )
        .await;
    assert_eq!(s, 202);
    let (_, mine) = env
        .get(&format!("/v1.0/me/events/{}", enc(&id)), &adele)
        .await;
    let status = |who: &str| {
        mine["attendees"]
            .as_array()
            .expect("attendees")
            .iter()
            .find(|a| a["emailAddress"]["address"] == who)
            .map(|a| a["status"]["response"].clone())
    };
    assert_eq!(status("lee@contoso.example"), Some(json!("accepted")));
    assert_eq!(status("megan@contoso.example"), Some(json!("declined")));
    // Adele cancels: her event goes, Lee's copy is marked cancelled, Lee gets the cancellation.
    let (s, v) = env
        .post(
            &format!("/v1.0/me/events/{}/cancel", enc(&id)),
            &adele,
            json!({"comment": "Moving this to the offsite."}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (s, _) = env
        .get(&format!("/v1.0/me/events/{}", enc(&id)), &adele)
        .await;
    assert_eq!(s, 404);
    let (_, copy) = env
        .get(&format!("/v1.0/me/events/{}", enc(&lee_copy)), &lee)
        .await;
    assert_eq!(copy["isCancelled"], true);
    assert_eq!(copy["subject"], "Canceled: Launch retro");
    let path = format!(
        "/v1.0/me/messages?{}",
        q(&[("$filter", "subject eq 'Canceled: Launch retro'")])
    );
    let (_, v) = env.get(&path, &lee).await;
    let msgs = items(&v);
    assert_eq!(msgs.len(), 1, "{v}");
    assert_eq!(msgs[0]["meetingMessageType"], "meetingCancelled");
    assert!(msgs[0]["bodyPreview"]
        .as_str()
        .is_some_and(|p| p.contains("Moving this to the offsite.")));
}

#[tokio::test]
async fn occurrences_can_be_changed_and_deleted() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "Daily check",
            "start": {"dateTime": "2026-08-03T09:00:00", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "2026-08-03T09:15:00", "timeZone": "Pacific Standard Time"},
            "recurrence": {"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "startDate": "2026-08-03", "endDate": "2026-08-07"}},
        }),
    )
    .await;
    let master = ev["id"].as_str().expect("id").to_string();
    let (_, v) = daily_view(&env, &adele).await;
    let occ = items(&v);
    assert_eq!(occ.len(), 5, "{v}");
    // Move Wednesday's to 10:00 and delete Thursday's.
    let wed = occ[2]["id"].as_str().expect("id").to_string();
    let thu = occ[3]["id"].as_str().expect("id").to_string();
    let (s, v) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/events/{}", enc(&wed)),
            &adele,
            Some(json!({"subject": "Daily check (moved)", "start": {"dateTime": "2026-08-05T10:00:00", "timeZone": "Pacific Standard Time"}, "end": {"dateTime": "2026-08-05T10:15:00", "timeZone": "Pacific Standard Time"}})),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["type"], "exception");
    let (s, _) = env
        .delete(&format!("/v1.0/me/events/{}", enc(&thu)), &adele)
        .await;
    assert_eq!(s, 204);
    let (_, v) = daily_view(&env, &adele).await;
    let occ = items(&v);
    let shown: Vec<(String, String)> = occ
        .iter()
        .map(|e| {
            (
                hm(&e["start"]),
                e["type"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("2026-08-03T09:00".to_string(), "occurrence".to_string()),
            ("2026-08-04T09:00".to_string(), "occurrence".to_string()),
            ("2026-08-05T10:00".to_string(), "exception".to_string()),
            ("2026-08-07T09:00".to_string(), "occurrence".to_string()),
        ]
    );
    let (s, _) = env
        .get(&format!("/v1.0/me/events/{}", enc(&thu)), &adele)
        .await;
    assert_eq!(s, 404);
    // Deleting the master removes the series.
    let (s, _) = env
        .delete(&format!("/v1.0/me/events/{}", enc(&master)), &adele)
        .await;
    assert_eq!(s, 204);
    let (_, v) = daily_view(&env, &adele).await;
    assert!(items(&v).is_empty());
}

#[tokio::test]
async fn reminders_can_be_listed_snoozed_and_dismissed() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let ev = create(
        &env,
        &adele,
        json!({
            "subject": "Reminder target",
            "start": {"dateTime": "2026-09-01T18:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-09-01T19:00:00", "timeZone": "UTC"},
            "reminderMinutesBeforeStart": 30,
        }),
    )
    .await;
    let id = ev["id"].as_str().expect("id").to_string();
    let reminders = |from: &str, to: &str| {
        format!("/v1.0/me/reminderView(startDateTime='{from}',endDateTime='{to}')")
    };
    let (s, v) = env
        .get(
            &reminders("2026-09-01T17:00:00Z", "2026-09-01T18:00:00Z"),
            &adele,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = items(&v)
        .into_iter()
        .find(|r| r["eventSubject"] == "Reminder target")
        .expect("reminder");
    assert_eq!(
        r["reminderFireTime"],
        json!({"dateTime": "2026-09-01T17:30:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(
        r["eventStartTime"]["dateTime"],
        "2026-09-01T18:00:00.0000000"
    );
    assert_eq!(r["eventId"], ev["id"]);
    // Snooze to 17:50.
    let (s, v) = env
        .post(
            &format!("/v1.0/me/events/{}/snoozeReminder", enc(&id)),
            &adele,
            json!({"newReminderTime": {"dateTime": "2026-09-01T17:50:00", "timeZone": "UTC"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = env
        .get(
            &reminders("2026-09-01T17:45:00Z", "2026-09-01T17:55:00Z"),
            &adele,
        )
        .await;
    assert!(
        items(&v)
            .iter()
            .any(|r| r["eventSubject"] == "Reminder target"),
        "{v}"
    );
    // Dismiss.
    let (s, _) = env
        .post(
            &format!("/v1.0/me/events/{}/dismissReminder", enc(&id)),
            &adele,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, v) = env
        .get(
            &reminders("2026-09-01T17:00:00Z", "2026-09-01T18:00:00Z"),
            &adele,
        )
        .await;
    assert!(!items(&v)
        .iter()
        .any(|r| r["eventSubject"] == "Reminder target"));
    // Without the parameters there is no such function.
    let (s, v) = env.get("/v1.0/me/reminderView", &adele).await;
    assert_eq!((s, code(&v)), (400, "BadRequest"));
}

#[tokio::test]
async fn get_schedule_for_work_accounts_only() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    // Megan's "Marketing plan review": Monday 8 June 2026, 13:00–14:00 Eastern (17:00–18:00 UTC).
    let body = json!({
        "schedules": ["megan@contoso.example", "alex@fabrikam.example", "nobody@contoso.example"],
        "startTime": {"dateTime": "2026-06-08T16:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2026-06-08T19:00:00", "timeZone": "UTC"},
        "availabilityViewInterval": 60,
    });
    let (s, v) = env
        .post("/v1.0/me/calendar/getSchedule", &adele, body.clone())
        .await;
    assert_eq!(s, 200, "{v}");
    let list = items(&v);
    assert_eq!(list.len(), 3);
    let megan = &list[0];
    assert_eq!(megan["scheduleId"], "megan@contoso.example");
    let view = megan["availabilityView"].as_str().expect("view");
    assert_eq!(view.len(), 3);
    assert_eq!(&view[1..2], "2", "{megan}");
    let item = megan["scheduleItems"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["subject"] == fixtures::EASTERN_MEETING_SUBJECT)
        .cloned()
        .expect("meeting");
    assert_eq!(item["status"], "busy");
    assert_eq!(
        item["start"],
        json!({"dateTime": "2026-06-08T17:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(megan["workingHours"]["startTime"], "09:00:00.0000000");
    assert_eq!(
        megan["workingHours"]["timeZone"]["name"],
        "Eastern Standard Time"
    );
    // Another tenant and unknown addresses come back as per-schedule errors.
    for other in &list[1..] {
        assert_eq!(other["error"]["responseCode"], "5009", "{other}");
        assert!(other.get("availabilityView").is_none());
    }
    // Prefer moves the times.
    let (_, v) = env
        .call(
            "POST",
            "/v1.0/me/calendar/getSchedule",
            &adele,
            Some(body.clone()),
            Some("outlook.timezone=\"Eastern Standard Time\""),
        )
        .await;
    let item = items(&v)[0]["scheduleItems"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["subject"] == fixtures::EASTERN_MEETING_SUBJECT)
        .cloned()
        .expect("meeting");
    assert_eq!(hm(&item["start"]), "2026-06-08T13:00");
    // Interval limits.
    let mut bad = body.clone();
    bad["availabilityViewInterval"] = json!(3);
    let (s, _) = env.post("/v1.0/me/calendar/getSchedule", &adele, bad).await;
    assert_eq!(s, 400);
    // Personal accounts: not supported.
    let sam = env.token(seed::PERSONAL_USER_ID, ALL);
    let (s, v) = env.post("/v1.0/me/calendar/getSchedule", &sam, body).await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
}

#[tokio::test]
async fn find_meeting_times_uses_real_free_slots() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let body = json!({
        "attendees": [{"type": "required", "emailAddress": {"address": "megan@contoso.example", "name": "Megan Bowen"}}],
        "timeConstraint": {"activityDomain": "work", "timeslots": [{"start": {"dateTime": "2026-06-08T08:00:00", "timeZone": "Pacific Standard Time"}, "end": {"dateTime": "2026-06-08T17:00:00", "timeZone": "Pacific Standard Time"}}]},
        "meetingDuration": "PT1H",
        "maxCandidates": 20,
        "minimumAttendeePercentage": 75,
        "returnSuggestionReasons": true,
    });
    let (s, v) = env
        .call(
            "POST",
            "/v1.0/me/findMeetingTimes",
            &adele,
            Some(body.clone()),
            Some("outlook.timezone=\"Pacific Standard Time\""),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let suggestions = v["meetingTimeSuggestions"].as_array().expect("suggestions");
    assert!(!suggestions.is_empty(), "{v}");
    assert_eq!(v["emptySuggestionsReason"], "");
    // Megan's schedule that day, to check every suggestion against.
    let (_, sched) = env
        .post(
            "/v1.0/me/calendar/getSchedule",
            &adele,
            json!({"schedules": ["megan@contoso.example", "adele@contoso.example"], "startTime": {"dateTime": "2026-06-08T00:00:00", "timeZone": "UTC"}, "endTime": {"dateTime": "2026-06-09T12:00:00", "timeZone": "UTC"}}),
        )
        .await;
    let busy: Vec<(DateTime<Utc>, DateTime<Utc>)> = items(&sched)
        .iter()
        .flat_map(|s| s["scheduleItems"].as_array().cloned().unwrap_or_default())
        .filter(|i| i["status"] == "busy" || i["status"] == "oof")
        .map(|i| (utc(&i["start"]), utc(&i["end"])))
        .collect();
    for sug in suggestions {
        let slot = &sug["meetingTimeSlot"];
        assert_eq!(slot["start"]["timeZone"], "Pacific Standard Time");
        let start = chrono_tz::America::Los_Angeles
            .from_local_datetime(&parse_local(&slot["start"]))
            .single()
            .expect("time")
            .with_timezone(&Utc);
        let end = start + Duration::hours(1);
        // Inside Adele's working hours (08:00–17:00 Pacific)…
        let local = hm(&slot["start"]);
        assert!(
            local.as_str() >= "2026-06-08T08:00" && local.as_str() <= "2026-06-08T16:00",
            "{local}"
        );
        // …and nobody busy (Megan works from 09:00 Eastern, i.e. from 06:00 Pacific).
        assert!(
            !busy.iter().any(|(s, e)| *s < end && *e > start),
            "{sug} overlaps {busy:?}"
        );
        assert_eq!(sug["attendeeAvailability"][0]["availability"], "free");
        // Free counts fully, tentative half (Adele's own tentative meetings lower it).
        let expected = if sug["organizerAvailability"] == "free" {
            100.0
        } else {
            75.0
        };
        assert_eq!(sug["confidence"], expected, "{sug}");
    }
    // On a Saturday there is no working time.
    let mut weekend = body.clone();
    weekend["timeConstraint"]["timeslots"] = json!([{"start": {"dateTime": "2026-06-13T08:00:00", "timeZone": "Pacific Standard Time"}, "end": {"dateTime": "2026-06-13T17:00:00", "timeZone": "Pacific Standard Time"}}]);
    let (s, v) = env.post("/v1.0/me/findMeetingTimes", &adele, weekend).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["meetingTimeSuggestions"]
        .as_array()
        .is_some_and(Vec::is_empty));
    assert_ne!(v["emptySuggestionsReason"], "");
    // Calendars.Read.Shared is required; personal accounts are refused.
    let narrow = env.token(seed::ADELE_ID, &["Calendars.ReadWrite"]);
    let (s, v) = env
        .post("/v1.0/me/findMeetingTimes", &narrow, body.clone())
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    let sam = env.token(seed::PERSONAL_USER_ID, ALL);
    let (s, v) = env.post("/v1.0/me/findMeetingTimes", &sam, body).await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
}

#[tokio::test]
async fn calendars_events_in_calendars_and_attachments() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let (s, cal) = env
        .post(
            "/v1.0/me/calendars",
            &adele,
            json!({"name": "Side project", "color": "lightBlue"}),
        )
        .await;
    assert_eq!(s, 201, "{cal}");
    let (s, v) = env
        .post(
            "/v1.0/me/calendars",
            &adele,
            json!({"name": "side project"}),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "ErrorFolderExists"));
    let cid = cal["id"].as_str().expect("id").to_string();
    let (s, ev) = env
        .post(
            &format!("/v1.0/me/calendars/{}/events", enc(&cid)),
            &adele,
            json!({"subject": "Side quest", "start": {"dateTime": "2026-06-20T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-06-20T11:00:00", "timeZone": "UTC"}}),
        )
        .await;
    assert_eq!(s, 201, "{ev}");
    let eid = ev["id"].as_str().expect("id").to_string();
    // Listed under its calendar, not in the default one.
    let (_, v) = env
        .get(&format!("/v1.0/me/calendars/{}/events", enc(&cid)), &adele)
        .await;
    assert_eq!(items(&v).len(), 1);
    let path = format!(
        "/v1.0/me/events?{}",
        q(&[("$filter", "subject eq 'Side quest'")])
    );
    let (_, v) = env.get(&path, &adele).await;
    assert!(items(&v).is_empty());
    // The default calendar and the calendar group.
    let (s, v) = env.get("/v1.0/me/calendar", &adele).await;
    assert_eq!(s, 200);
    assert_eq!(v["isDefaultCalendar"], true);
    let (s, v) = env.get("/v1.0/me/calendarGroups", &adele).await;
    assert_eq!(s, 200);
    assert_eq!(items(&v)[0]["name"], "My Calendars");
    // Attachments.
    let (s, a) = env
        .post(
            &format!("/v1.0/me/events/{}/attachments", enc(&eid)),
            &adele,
            json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "notes.txt", "contentBytes": "aGVsbG8="}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (_, v) = env
        .get(
            &format!("/v1.0/me/events/{}/attachments", enc(&eid)),
            &adele,
        )
        .await;
    assert_eq!(items(&v).len(), 1);
    let (_, e) = env
        .get(&format!("/v1.0/me/events/{}", enc(&eid)), &adele)
        .await;
    assert_eq!(e["hasAttachments"], true);
    let aid = a["id"].as_str().expect("id");
    let (s, _) = env
        .delete(
            &format!("/v1.0/me/events/{}/attachments/{}", enc(&eid), enc(aid)),
            &adele,
        )
        .await;
    assert_eq!(s, 204);
    // Deleting the calendar deletes its events; the default calendar cannot be deleted.
    let (s, _) = env
        .delete(&format!("/v1.0/me/calendars/{}", enc(&cid)), &adele)
        .await;
    assert_eq!(s, 204);
    let (s, _) = env
        .get(&format!("/v1.0/me/events/{}", enc(&eid)), &adele)
        .await;
    assert_eq!(s, 404);
    let (_, def) = env.get("/v1.0/me/calendar", &adele).await;
    let (s, _) = env
        .delete(
            &format!(
                "/v1.0/me/calendars/{}",
                enc(def["id"].as_str().expect("id"))
            ),
            &adele,
        )
        .await;
    assert_eq!(s, 400);
    // Read-only tokens cannot write.
    let ro = env.token(seed::ADELE_ID, &["Calendars.Read"]);
    let (s, v) = env
        .post("/v1.0/me/events", &ro, json!({"subject": "x"}))
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
}

#[tokio::test]
async fn supported_time_zones_in_both_standards() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, ALL);
    let (s, v) = env.get("/v1.0/me/outlook/supportedTimeZones", &adele).await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v)
        .iter()
        .any(|z| z["alias"] == "Pacific Standard Time"
            && z["displayName"] == "(UTC-08:00) Pacific Time (US & Canada)"));
    let (s, v) = env.get("/v1.0/me/outlook/supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')", &adele).await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v)
        .iter()
        .any(|z| z["alias"] == "America/Los_Angeles"));
    let (s, v) = env.get("/v1.0/me/outlook/supportedLanguages", &adele).await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v).iter().any(|l| l["locale"] == "en-GB"));
}

async fn daily_view(env: &Env, token: &str) -> (u16, Value) {
    let path = format!(
        "/v1.0/me/calendarView?{}",
        q(&[
            ("startDateTime", "2026-08-01T00:00:00Z"),
            ("endDateTime", "2026-08-10T00:00:00Z"),
            (
                "$filter",
                "subject eq 'Daily check' or subject eq 'Daily check (moved)'"
            ),
            ("$top", "50")
        ])
    );
    env.call(
        "GET",
        &path,
        token,
        None,
        Some("outlook.timezone=\"Pacific Standard Time\""),
    )
    .await
}

fn parse_local(dt: &Value) -> chrono::NaiveDateTime {
    let s = dt["dateTime"].as_str().expect("dateTime");
    chrono::NaiveDateTime::parse_from_str(&s[..19], "%Y-%m-%dT%H:%M:%S").expect("local time")
}

fn utc(dt: &Value) -> DateTime<Utc> {
    assert_eq!(dt["timeZone"], "UTC");
    Utc.from_utc_datetime(&parse_local(dt))
}
