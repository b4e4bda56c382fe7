//! Calendars and events. Meetings are defined once for the whole world and copied into the
//! calendar of everyone who takes part (same `iCalUId`, per-mailbox ids), so free/busy and
//! cross-tenant invitations agree. Times are stored as Graph returns them without a `Prefer`
//! header — in UTC — while `originalStartTimeZone`/`originalEndTimeZone` and the recurrence's
//! `recurrenceTimeZone` keep the organizer's zone (all-day events keep the owner's zone and
//! midnight boundaries).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use serde_json::{json, Value};

use super::contacts::BIRTHDAYS;
use super::directory::{self, person, Person};
use super::files::{self, file_attachment, FileSpec};
use super::mail::Invite;
use super::util::{
    at, b64, change_key, digest, dtz, dtz_utc, esc, etag, exchange_id, guid, hex_upper, html_doc,
    iso_7, next_weekday, preview, text_to_html_paras, to_utc, url_encode, weekday_name,
    weekday_on_or_after, ymd, IdKind, Rng,
};
use super::{CONTOSO_TENANT_ID, FABRIKAM_TENANT_ID};
use crate::store::AccountKind;

/// The weekly series organized in Eastern time that crosses US and EU DST changes.
pub const DST_SERIES_SUBJECT: &str = "Contoso / Fabrikam weekly partnership sync";
/// A meeting organized in Eastern time (a zone other than Adele's).
pub const EASTERN_MEETING_SUBJECT: &str = "Marketing plan review";
/// A meeting organized by Alex in London time.
pub const LONDON_MEETING_SUBJECT: &str = "Partnership pricing workshop";
/// An event with file attachments.
pub const ATTACHMENT_EVENT_SUBJECT: &str = "Quarterly business review";
/// The Teams meeting that also exists as an `onlineMeeting` (and has a meeting chat).
pub const GO_NO_GO_SUBJECT: &str = "Alpha launch go/no-go";
/// A cancelled meeting (with a cancellation message in Adele's inbox).
pub const CANCELLED_SUBJECT: &str = "Budget sync";

#[derive(Debug, Clone)]
pub struct Loc {
    pub display: &'static str,
    pub kind: &'static str,
    pub email: &'static str,
    pub address: Option<[&'static str; 5]>,
}

#[derive(Debug, Clone)]
pub struct Rec {
    pub pattern: Value,
    /// `endDate`, `noEnd` or `numbered`.
    pub range_type: &'static str,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub count: u32,
}

#[derive(Debug, Clone)]
pub struct Meeting {
    pub key: String,
    pub subject: String,
    pub body: String,
    pub organizer: &'static Person,
    /// (person, attendee type, response).
    pub attendees: Vec<(&'static Person, &'static str, &'static str)>,
    /// Windows zone the organizer scheduled it in.
    pub tz: &'static str,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub all_day: bool,
    pub recurrence: Option<Rec>,
    pub online: bool,
    pub location: Option<Loc>,
    pub categories: Vec<String>,
    pub importance: &'static str,
    pub sensitivity: &'static str,
    pub show_as: &'static str,
    /// `calendar`, `alpha` or `birthdays`.
    pub calendar: &'static str,
    pub reminder: i64,
    pub files: Vec<FileSpec>,
    pub cancelled: bool,
    pub created: DateTime<Utc>,
}

impl Meeting {
    #[allow(clippy::too_many_arguments)]
    fn new(
        key: &str,
        subject: &str,
        organizer: &str,
        tz: &'static str,
        date: NaiveDate,
        (h, m): (u32, u32),
        minutes: i64,
        anchor: DateTime<Utc>,
    ) -> Self {
        let start = at(date, h, m);
        let d = digest(&["created", key]);
        let start_utc = to_utc(start, tz);
        let lead = 3 + (d[0] % 20) as i64;
        let mut created = start_utc - Duration::days(lead) - Duration::minutes((d[1] as i64) * 3);
        if created > anchor - Duration::hours(6) {
            created =
                anchor - Duration::days(1 + (d[2] % 5) as i64) - Duration::minutes(d[3] as i64);
        }
        let created = created - Duration::milliseconds(d[4] as i64 * 211 + d[5] as i64);
        Self {
            key: key.to_string(),
            subject: subject.to_string(),
            body: String::new(),
            organizer: person(organizer),
            attendees: Vec::new(),
            tz,
            start,
            end: start + Duration::minutes(minutes),
            all_day: false,
            recurrence: None,
            online: false,
            location: None,
            categories: Vec::new(),
            importance: "normal",
            sensitivity: "normal",
            show_as: "busy",
            calendar: "calendar",
            reminder: 15,
            files: Vec::new(),
            cancelled: false,
            created,
        }
    }

    fn with(mut self, people: &[(&str, &'static str, &'static str)]) -> Self {
        self.attendees = people.iter().map(|(k, t, r)| (person(k), *t, *r)).collect();
        self
    }

    fn body(mut self, text: &str) -> Self {
        self.body = text.to_string();
        self
    }

    fn teams(mut self) -> Self {
        self.online = true;
        self
    }

    fn at_loc(mut self, l: Loc) -> Self {
        self.location = Some(l);
        self
    }

    fn involves(&self, p: &Person) -> bool {
        self.organizer.key == p.key || self.attendees.iter().any(|(a, ..)| a.key == p.key)
    }
}

const fn room(display: &'static str, email: &'static str) -> Loc {
    Loc {
        display,
        kind: "conferenceRoom",
        email,
        address: None,
    }
}

const fn place(display: &'static str, kind: &'static str, address: [&'static str; 5]) -> Loc {
    Loc {
        display,
        kind,
        email: "",
        address: Some(address),
    }
}

const CONTOSO_ROOMS: &[Loc] = &[
    room("Conf Room Rainier", "rainier@contoso.example"),
    room("Conf Room Baker", "baker@contoso.example"),
    room("Conf Room Adams", "adams@contoso.example"),
    room("Conf Room Olympus", "olympus@contoso.example"),
];
const FABRIKAM_ROOMS: &[Loc] = &[
    room("Thames Room", "thames@fabrikam.example"),
    room("Spree Room", "spree@fabrikam.example"),
];

/// The Teams meeting thread id and join URL for a meeting key.
pub fn teams_join(key: &str, organizer: &Person) -> (String, String) {
    let thread = format!(
        "19:meeting_{}@thread.v2",
        b64(guid(&format!("teams:{key}")).as_bytes()).trim_end_matches('=')
    );
    let url = format!(
        "https://teams.microsoft.com/l/meetup-join/{}/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
        url_encode(&thread).replace("%3A", "%3a"),
        organizer.tenant_id,
        organizer.user_id
    );
    (thread, url)
}

fn teams_block(join: &str, key: &str) -> String {
    let d = digest(&["teams-meeting-id", key]);
    let id = format!(
        "{} {} {} {}",
        200 + d[0] as u32,
        100 + d[1] as u32,
        100 + d[2] as u32,
        100 + d[3] as u32
    );
    let pass = format!("{}{}", hex_upper(&d[4..6]).to_lowercase(), 10 + d[6] % 90);
    format!(
        "<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">________________________________________________________________________________</span></div>\r\n<div class=\"me-email-text\" lang=\"en-US\" style=\"color:#252424;font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif\">\r\n<div style=\"margin-top:24px;margin-bottom:20px\"><span style=\"font-size:24px;color:#252424\">Microsoft Teams meeting</span></div>\r\n<div style=\"margin-bottom:20px\"><div style=\"margin-top:0px;margin-bottom:0px;font-weight:bold\"><span style=\"font-size:14px;color:#252424\">Join on your computer, mobile app or room device</span></div>\r\n<a href=\"{}\" class=\"me-email-headline\" style=\"font-size:14px;text-decoration:underline;color:#6264a7\" target=\"_blank\" rel=\"noreferrer noopener\">Click here to join the meeting</a></div>\r\n<div style=\"margin-bottom:20px;margin-top:20px\"><div style=\"margin-bottom:4px\"><span style=\"font-size:14px;color:#252424\">Meeting ID: <span style=\"font-size:16px;color:#252424\">{id}</span></span><br><span style=\"font-size:14px;color:#252424\">Passcode: </span><span style=\"font-size:16px;color:#252424\">{pass}</span></div></div>\r\n<div style=\"margin-bottom:24px;margin-top:20px\"><a href=\"https://aka.ms/JoinTeamsMeeting\" class=\"me-email-link\" style=\"font-size:14px;text-decoration:underline;color:#6264a7\" target=\"_blank\" rel=\"noreferrer noopener\">Learn More</a> | <a href=\"https://teams.microsoft.com/meetingOptions/\" class=\"me-email-link\" style=\"font-size:14px;text-decoration:underline;color:#6264a7\" target=\"_blank\" rel=\"noreferrer noopener\">Meeting options</a></div>\r\n</div>\r\n<div style=\"font-size:14px;margin-bottom:4px\"></div>\r\n<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">________________________________________________________________________________</span></div>\r\n",
        esc(join)
    )
}

fn weekly(days: &[Weekday], interval: u32) -> Value {
    json!({
        "type": "weekly",
        "interval": interval,
        "month": 0,
        "dayOfMonth": 0,
        "daysOfWeek": days.iter().map(|d| weekday_name(*d)).collect::<Vec<_>>(),
        "firstDayOfWeek": "sunday",
        "index": "first",
    })
}

/// The `index`-th (1-based; 5 = last) `wd` of the month containing `d`.
fn nth_weekday(year: i32, month: u32, wd: Weekday, index: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let mut d = next_weekday(first, wd) + Duration::weeks(index.min(5) as i64 - 1);
    while d.month() != month {
        d -= Duration::weeks(1);
    }
    d
}

fn add_months(y: i32, m: u32, k: u32) -> (i32, u32) {
    let z = (m - 1 + k) as i32;
    (y + z / 12, (z % 12) as u32 + 1)
}

/// Every meeting in the world, relative to the anchor.
pub fn meetings(anchor: DateTime<Utc>) -> Vec<Meeting> {
    let today = anchor.date_naive();
    let day = |n: i64| weekday_on_or_after(today + Duration::days(n));
    let mut v = Vec::new();

    // --- Recurring series -------------------------------------------------------------------
    // Weekly in Eastern time across both US (Mar/Nov) and EU (Mar/Oct) DST changes.
    let first = next_weekday(today - Duration::days(178), Weekday::Tue);
    let last = first + Duration::weeks(50);
    let mut m = Meeting::new("dst-series", DST_SERIES_SUBJECT, "megan", "Eastern Standard Time", first, (11, 0), 45, anchor)
        .with(&[("adele", "required", "accepted"), ("alex", "required", "accepted"), ("lee", "optional", "tentativelyAccepted"), ("johanna", "optional", "accepted")])
        .body("Weekly check-in on the reseller partnership: pipeline, joint campaigns and open contract items.\r\n\r\nNote for London colleagues: this meeting is anchored to New York time, so it moves by an hour for a few weeks in March and in October/November when the clocks change on different dates.")
        .teams();
    m.recurrence = Some(Rec {
        pattern: weekly(&[Weekday::Tue], 1),
        range_type: "endDate",
        start_date: first,
        end_date: Some(last),
        count: 0,
    });
    m.categories.push("Blue category".into());
    v.push(m);

    // Stand-up every weekday, no end.
    let first = next_weekday(today - Duration::days(150), Weekday::Mon);
    let mut m = Meeting::new(
        "standup",
        "Alpha daily stand-up",
        "lee",
        "Pacific Standard Time",
        first,
        (9, 30),
        15,
        anchor,
    )
    .with(&[
        ("adele", "required", "accepted"),
        ("megan", "optional", "accepted"),
        ("patti", "optional", "tentativelyAccepted"),
    ])
    .body("15 minutes: yesterday, today, blockers. Cameras optional.")
    .teams();
    m.recurrence = Some(Rec {
        pattern: weekly(
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            1,
        ),
        range_type: "noEnd",
        start_date: first,
        end_date: None,
        count: 0,
    });
    m.calendar = "alpha";
    m.categories.push("Project Alpha".into());
    m.reminder = 5;
    v.push(m);

    // Every other Thursday, 20 occurrences.
    let first = next_weekday(today - Duration::days(120), Weekday::Thu);
    let mut m = Meeting::new(
        "one-on-one",
        "Adele / Patti 1:1",
        "patti",
        "Pacific Standard Time",
        first,
        (14, 0),
        30,
        anchor,
    )
    .with(&[("adele", "required", "accepted")])
    .body("Standing 1:1. Agenda in our shared OneNote.")
    .at_loc(room("Patti's office (18/3001)", ""));
    m.sensitivity = "private";
    m.recurrence = Some(Rec {
        pattern: weekly(&[Weekday::Thu], 2),
        range_type: "numbered",
        start_date: first,
        end_date: None,
        count: 20,
    });
    v.push(m);

    // Second Thursday of every month.
    let (y, mo) = (
        (today - Duration::days(170)).year(),
        (today - Duration::days(170)).month(),
    );
    let (y, mo) = add_months(y, mo, 1);
    let first = nth_weekday(y, mo, Weekday::Thu, 2);
    let mut m = Meeting::new("all-hands", "Contoso monthly all-hands", "patti", "Pacific Standard Time", first, (10, 0), 60, anchor)
        .with(&[("adele", "required", "accepted"), ("megan", "required", "accepted"), ("lee", "required", "accepted"), ("nestor", "required", "tentativelyAccepted")])
        .body("Company update, product demos and open Q&A. Submit questions in advance through the Q&A form.")
        .teams();
    m.recurrence = Some(Rec {
        pattern: json!({"type": "relativeMonthly", "interval": 1, "month": 0, "dayOfMonth": 0, "daysOfWeek": ["thursday"], "firstDayOfWeek": "sunday", "index": "second"}),
        range_type: "endDate",
        start_date: first,
        end_date: Some(today + Duration::days(170)),
        count: 0,
    });
    v.push(m);

    // The 15th of every month, 12 occurrences (organized by Adele).
    let mut first = (today - Duration::days(160)).with_day(15).unwrap_or(today);
    if first < today - Duration::days(160) {
        let (y, mo) = add_months(first.year(), first.month(), 1);
        first = NaiveDate::from_ymd_opt(y, mo, 15).unwrap_or(first);
    }
    let mut m = Meeting::new("roadmap", "Product roadmap review", "adele", "Pacific Standard Time", first, (13, 0), 60, anchor)
        .with(&[("patti", "required", "accepted"), ("lee", "required", "accepted"), ("megan", "optional", "accepted"), ("nestor", "optional", "declined")])
        .body("Monthly review of the roadmap: what shipped, what slipped, what's next. Pre-read goes out two days before.")
        .at_loc(CONTOSO_ROOMS[0].clone());
    m.recurrence = Some(Rec {
        pattern: json!({"type": "absoluteMonthly", "interval": 1, "month": 0, "dayOfMonth": 15, "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"}),
        range_type: "numbered",
        start_date: first,
        end_date: None,
        count: 11,
    });
    v.push(m);

    // Daily focus time, 10 occurrences starting a few days ago.
    let first = today - Duration::days(4);
    let mut m = Meeting::new(
        "focus",
        "Focus time",
        "adele",
        "Pacific Standard Time",
        first,
        (7, 30),
        90,
        anchor,
    )
    .body("Heads-down time for the Alpha launch. Please don't book over this unless it's urgent.");
    m.show_as = "busy";
    m.reminder = 0;
    m.recurrence = Some(Rec {
        pattern: json!({"type": "daily", "interval": 1, "month": 0, "dayOfMonth": 0, "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"}),
        range_type: "numbered",
        start_date: first,
        end_date: None,
        count: 10,
    });
    v.push(m);

    // Alex: weekly ops review in London time, no end.
    let first = next_weekday(today - Duration::days(140), Weekday::Mon);
    let mut m = Meeting::new(
        "fab-ops",
        "Fabrikam operations review",
        "alex",
        "GMT Standard Time",
        first,
        (9, 0),
        60,
        anchor,
    )
    .with(&[("johanna", "required", "accepted")])
    .body("Weekly review of warehouse capacity, carrier performance and open incidents.")
    .at_loc(FABRIKAM_ROOMS[0].clone());
    m.recurrence = Some(Rec {
        pattern: weekly(&[Weekday::Mon], 1),
        range_type: "noEnd",
        start_date: first,
        end_date: None,
        count: 0,
    });
    v.push(m);

    // Sam: daily dog walk and a book club on the last Wednesday of the month.
    let first = today - Duration::days(90);
    let mut m = Meeting::new(
        "dog",
        "Walk the dog",
        "sam",
        "Central Standard Time",
        first,
        (7, 0),
        30,
        anchor,
    );
    m.show_as = "free";
    m.reminder = 10;
    m.recurrence = Some(Rec {
        pattern: json!({"type": "daily", "interval": 1, "month": 0, "dayOfMonth": 0, "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"}),
        range_type: "noEnd",
        start_date: first,
        end_date: None,
        count: 0,
    });
    v.push(m);
    let (y, mo) = (
        (today - Duration::days(100)).year(),
        (today - Duration::days(100)).month(),
    );
    let first = nth_weekday(y, mo, Weekday::Wed, 5);
    let mut m = Meeting::new(
        "bookclub",
        "Book club",
        "sam",
        "Central Standard Time",
        first,
        (19, 0),
        120,
        anchor,
    )
    .at_loc(place(
        "Jordan's place",
        "homeAddress",
        ["1420 Elm St", "Chicago", "IL", "United States", "60601"],
    ));
    m.recurrence = Some(Rec {
        pattern: json!({"type": "relativeMonthly", "interval": 1, "month": 0, "dayOfMonth": 0, "daysOfWeek": ["wednesday"], "firstDayOfWeek": "sunday", "index": "last"}),
        range_type: "noEnd",
        start_date: first,
        end_date: None,
        count: 0,
    });
    v.push(m);

    // --- Single meetings ----------------------------------------------------------------------
    let mut m = Meeting::new("go-no-go", GO_NO_GO_SUBJECT, "adele", "Pacific Standard Time", day(12), (10, 0), 60, anchor)
        .with(&[("lee", "required", "accepted"), ("megan", "required", "accepted"), ("patti", "required", "tentativelyAccepted"), ("nestor", "optional", "notResponded")])
        .body("Final go/no-go for the Alpha launch. Please review the launch checklist beforehand; each owner gives a one-line status.")
        .teams();
    m.calendar = "alpha";
    m.importance = "high";
    m.categories.push("Project Alpha".into());
    v.push(m);

    let mut m = Meeting::new(
        "design-review",
        "Alpha design review",
        "lee",
        "Pacific Standard Time",
        day(-20),
        (13, 30),
        90,
        anchor,
    )
    .with(&[
        ("adele", "required", "accepted"),
        ("megan", "optional", "accepted"),
        ("patti", "optional", "declined"),
    ])
    .body("Walkthrough of the simplified onboarding and notification settings.")
    .at_loc(CONTOSO_ROOMS[1].clone());
    m.calendar = "alpha";
    m.categories.push("Project Alpha".into());
    v.push(m);

    let m = Meeting::new("mkt-review", EASTERN_MEETING_SUBJECT, "megan", "Eastern Standard Time", day(5), (13, 0), 60, anchor)
        .with(&[("adele", "required", "accepted"), ("patti", "optional", "notResponded")])
        .body("Review the Q3 marketing plan before it goes to Patti for sign-off. Scheduled in Eastern time (1 pm in Charlotte, 10 am in Redmond).")
        .teams();
    v.push(m);

    let mut m = Meeting::new("pricing-workshop", LONDON_MEETING_SUBJECT, "alex", "GMT Standard Time", day(9), (16, 0), 90, anchor)
        .with(&[("adele", "required", "accepted"), ("megan", "required", "tentativelyAccepted"), ("johanna", "optional", "accepted")])
        .body("Working session on the reseller pricing tiers and the co-marketing fund. 4 pm London / 8 am Seattle.")
        .teams();
    m.categories.push("Blue category".into());
    v.push(m);

    let mut m = Meeting::new(
        "qbr",
        ATTACHMENT_EVENT_SUBJECT,
        "adele",
        "Pacific Standard Time",
        day(-40),
        (10, 0),
        120,
        anchor,
    )
    .with(&[
        ("patti", "required", "accepted"),
        ("nestor", "required", "accepted"),
        ("katherine", "required", "accepted"),
    ])
    .body("Quarterly business review with Northwind Traders. Agenda and metrics attached.")
    .at_loc(CONTOSO_ROOMS[3].clone());
    m.files.push(FileSpec::new(
        "QBR_agenda.pdf",
        "application/pdf",
        files::pdf(
            "QBR agenda",
            &[
                "1. Adoption and usage".to_string(),
                "2. Support cases".to_string(),
                "3. Roadmap".to_string(),
                "4. Commercials".to_string(),
            ],
        ),
    ));
    m.files.push(FileSpec::new(
        "QBR_metrics.csv",
        "text/csv",
        files::csv(
            &["metric", "q1", "q2"],
            &[
                vec!["active_users".into(), "1840".into(), "2312".into()],
                vec!["tickets".into(), "97".into(), "64".into()],
                vec!["nps".into(), "41".into(), "48".into()],
            ],
        ),
    ));
    v.push(m);

    let m = Meeting::new(
        "lunch-katherine",
        "Lunch with Katherine (Northwind)",
        "adele",
        "Pacific Standard Time",
        day(-25),
        (12, 0),
        75,
        anchor,
    )
    .with(&[("katherine", "required", "accepted")])
    .at_loc(place(
        "Harbor Street Bistro",
        "restaurant",
        ["1201 Harbor St", "Seattle", "WA", "United States", "98101"],
    ));
    v.push(m);

    let mut m = Meeting::new(
        "dentist",
        "Dentist appointment",
        "adele",
        "Pacific Standard Time",
        day(3),
        (8, 0),
        60,
        anchor,
    )
    .at_loc(place(
        "Bellevue Family Dental",
        "localBusiness",
        [
            "500 108th Ave NE",
            "Bellevue",
            "WA",
            "United States",
            "98004",
        ],
    ));
    m.sensitivity = "private";
    m.show_as = "oof";
    m.reminder = 60;
    v.push(m);

    let mut m = Meeting::new(
        "flight",
        "Flight to Chicago (BY 1187)",
        "adele",
        "Pacific Standard Time",
        day(20),
        (7, 10),
        255,
        anchor,
    )
    .at_loc(place(
        "Seattle-Tacoma International Airport",
        "default",
        [
            "17801 International Blvd",
            "Seattle",
            "WA",
            "United States",
            "98158",
        ],
    ));
    m.show_as = "oof";
    m.reminder = 180;
    v.push(m);

    let m = Meeting::new("tailspin-visit", "Customer visit – Tailspin Toys", "adele", "Central Standard Time", day(21), (10, 0), 120, anchor)
        .with(&[("jon", "required", "accepted"), ("nestor", "optional", "accepted")])
        .body("On-site visit to review the sync fixes and plan the next phase. Scheduled in Chicago time.")
        .at_loc(place("Tailspin Toys HQ", "businessAddress", ["233 S Wacker Dr", "Chicago", "IL", "United States", "60606"]));
    v.push(m);

    let m = Meeting::new("interview", "Interview: Senior PM candidate", "patti", "Pacific Standard Time", day(-27), (11, 0), 45, anchor)
        .with(&[("adele", "required", "accepted"), ("lee", "required", "accepted"), ("megan", "required", "accepted")])
        .body("Loop 2. Focus areas: Adele – customer empathy; Lee – technical depth; Megan – communication.")
        .at_loc(CONTOSO_ROOMS[2].clone());
    v.push(m);

    let m = Meeting::new(
        "sec-readout",
        "Security review readout",
        "lee",
        "Pacific Standard Time",
        day(2),
        (15, 0),
        30,
        anchor,
    )
    .with(&[
        ("adele", "required", "accepted"),
        ("nestor", "optional", "accepted"),
    ])
    .teams();
    v.push(m);

    let mut m = Meeting::new(
        "team-lunch",
        "Team lunch",
        "megan",
        "Pacific Standard Time",
        day(-3),
        (12, 15),
        60,
        anchor,
    )
    .with(&[("adele", "required", "accepted")])
    .at_loc(place(
        "Thai Basil, Redmond",
        "restaurant",
        [
            "16390 Redmond Way",
            "Redmond",
            "WA",
            "United States",
            "98052",
        ],
    ));
    m.show_as = "busy";
    v.push(m);

    let m = Meeting::new(
        "litware-demo",
        "Vendor demo: Litware analytics",
        "adele",
        "Pacific Standard Time",
        day(15),
        (9, 0),
        60,
        anchor,
    )
    .with(&[
        ("francois", "required", "accepted"),
        ("lee", "optional", "notResponded"),
    ])
    .teams();
    v.push(m);

    let mut m = Meeting::new(
        "budget-sync",
        CANCELLED_SUBJECT,
        "nestor",
        "Mountain Standard Time",
        day(4),
        (11, 0),
        30,
        anchor,
    )
    .with(&[
        ("adele", "required", "accepted"),
        ("patti", "required", "accepted"),
    ])
    .body("Cancelled: the numbers were reviewed over email instead.")
    .teams();
    m.cancelled = true;
    v.push(m);

    // Invitations Adele hasn't answered yet (each has a meeting request in her inbox).
    let m = Meeting::new(
        "offsite-planning",
        "Offsite planning",
        "patti",
        "Pacific Standard Time",
        day(18),
        (14, 0),
        60,
        anchor,
    )
    .with(&[
        ("adele", "required", "notResponded"),
        ("megan", "required", "accepted"),
        ("nestor", "required", "accepted"),
    ])
    .body("Let's finalise the agenda and logistics for the offsite at the Alpine Ski House lodge.")
    .at_loc(CONTOSO_ROOMS[0].clone());
    v.push(m);
    let m = Meeting::new(
        "design-critique",
        "Design critique: notification settings",
        "lee",
        "Pacific Standard Time",
        day(6),
        (16, 0),
        45,
        anchor,
    )
    .with(&[
        ("adele", "required", "notResponded"),
        ("megan", "optional", "notResponded"),
    ])
    .body("Critique of the new notification settings screens. Bring your strongest opinions.")
    .teams();
    v.push(m);
    let mut m = Meeting::new(
        "webinar",
        "Webinar: Relecloud serverless roadmap",
        "amara",
        "Eastern Standard Time",
        day(30),
        (12, 0),
        60,
        anchor,
    )
    .with(&[("adele", "optional", "notResponded")])
    .body("Join Relecloud's product team for a look at the serverless roadmap. Link to follow.");
    m.show_as = "tentative";
    v.push(m);

    // All-day events.
    let mut m = Meeting::new(
        "pto",
        "Adele – PTO",
        "adele",
        "Pacific Standard Time",
        day(25),
        (0, 0),
        0,
        anchor,
    );
    m.all_day = true;
    m.end = at(day(25) + Duration::days(5), 0, 0);
    m.show_as = "oof";
    m.reminder = 1080;
    v.push(m);
    let mut m = Meeting::new(
        "holiday",
        "Company holiday",
        "patti",
        "Pacific Standard Time",
        day(45),
        (0, 0),
        0,
        anchor,
    )
    .with(&[
        ("adele", "required", "accepted"),
        ("megan", "required", "accepted"),
        ("lee", "required", "accepted"),
        ("nestor", "required", "accepted"),
    ])
    .body("Offices closed.");
    m.all_day = true;
    m.end = at(day(45) + Duration::days(1), 0, 0);
    m.show_as = "free";
    m.reminder = 1080;
    v.push(m);
    let mut m = Meeting::new(
        "hackathon",
        "Contoso hackathon",
        "lee",
        "Pacific Standard Time",
        day(-60),
        (0, 0),
        0,
        anchor,
    )
    .with(&[
        ("adele", "optional", "accepted"),
        ("megan", "optional", "tentativelyAccepted"),
    ])
    .body("Two days of building whatever you like. Demos on day two at 4 pm.");
    m.all_day = true;
    m.end = at(day(-60) + Duration::days(2), 0, 0);
    m.show_as = "workingElsewhere";
    v.push(m);
    let mut m = Meeting::new(
        "quarter-end",
        "Quarter end",
        "adele",
        "Pacific Standard Time",
        day(-35),
        (0, 0),
        0,
        anchor,
    );
    m.all_day = true;
    m.end = at(day(-35) + Duration::days(1), 0, 0);
    m.show_as = "free";
    v.push(m);
    let mut m = Meeting::new(
        "alex-leave",
        "Annual leave",
        "alex",
        "GMT Standard Time",
        day(33),
        (0, 0),
        0,
        anchor,
    );
    m.all_day = true;
    m.end = at(day(33) + Duration::days(3), 0, 0);
    m.show_as = "oof";
    v.push(m);
    let mut m = Meeting::new(
        "sam-vacation",
        "Vacation – Lisbon",
        "sam",
        "Central Standard Time",
        day(40),
        (0, 0),
        0,
        anchor,
    );
    m.all_day = true;
    m.end = at(day(40) + Duration::days(7), 0, 0);
    m.show_as = "oof";
    v.push(m);
    v.push(
        Meeting::new(
            "sam-dinner",
            "Dinner with Jordan",
            "sam",
            "Central Standard Time",
            day(-6),
            (19, 30),
            120,
            anchor,
        )
        .at_loc(place(
            "Ramen Bar on 5th",
            "restaurant",
            ["25 W 5th Ave", "Chicago", "IL", "United States", "60605"],
        )),
    );
    v.push(
        Meeting::new(
            "sam-doctor",
            "Doctor appointment",
            "sam",
            "Central Standard Time",
            day(8),
            (9, 15),
            30,
            anchor,
        )
        .at_loc(place(
            "Lakeside Clinic",
            "localBusiness",
            [
                "300 E Randolph St",
                "Chicago",
                "IL",
                "United States",
                "60601",
            ],
        )),
    );
    v.push(
        Meeting::new(
            "sam-haircut",
            "Haircut",
            "sam",
            "Central Standard Time",
            day(-20),
            (17, 0),
            45,
            anchor,
        )
        .at_loc(place(
            "Clip Joint",
            "localBusiness",
            ["88 N Clark St", "Chicago", "IL", "United States", "60602"],
        )),
    );

    // Fabrikam singles.
    let m = Meeting::new(
        "fab-capacity",
        "Q4 capacity planning",
        "johanna",
        "W. Europe Standard Time",
        day(7),
        (10, 0),
        60,
        anchor,
    )
    .with(&[("alex", "required", "accepted")])
    .teams();
    v.push(m);
    let m = Meeting::new(
        "fab-contract",
        "Contract review with Contoso legal",
        "alex",
        "GMT Standard Time",
        day(11),
        (17, 0),
        60,
        anchor,
    )
    .with(&[
        ("adele", "required", "tentativelyAccepted"),
        ("johanna", "required", "accepted"),
    ])
    .body(
        "Clause-by-clause review of the reseller agreement, focusing on clause 9 (data residency).",
    )
    .teams();
    v.push(m);

    // Generated meetings inside each work tenant (past and future).
    generated(&mut v, anchor, CONTOSO_TENANT_ID, 36);
    generated(&mut v, anchor, FABRIKAM_TENANT_ID, 14);
    v
}

const GENERATED_SUBJECTS: &[&str] = &[
    "1:1",
    "Design review: onboarding flow",
    "Customer call – {company}",
    "Roadmap sync",
    "Pipeline review",
    "Budget check-in",
    "Hiring sync",
    "Demo dry run",
    "Vendor call – {company}",
    "Coffee chat",
    "Architecture review",
    "Release planning",
    "Brainstorm: partner programme",
    "Analytics deep dive",
    "Partner onboarding",
    "Support escalation review",
    "Pricing page copy review",
    "Campaign kickoff",
];

fn generated(v: &mut Vec<Meeting>, anchor: DateTime<Utc>, tenant: &str, n: usize) {
    let mut rng = Rng::from_label(&format!("meetings:{tenant}"));
    let users: Vec<&'static Person> = directory::USERS
        .iter()
        .filter(|u| u.tenant_id == tenant)
        .collect();
    let rooms = if tenant == CONTOSO_TENANT_ID {
        CONTOSO_ROOMS
    } else {
        FABRIKAM_ROOMS
    };
    let today = anchor.date_naive();
    for i in 0..n {
        // Adele organizes or attends most Contoso meetings.
        let organizer = users[rng.below(users.len() as u64) as usize];
        let mut attendees: Vec<&'static Person> = Vec::new();
        if tenant == CONTOSO_TENANT_ID && organizer.key != "adele" && rng.chance(70) {
            attendees.push(&directory::USERS[0]);
        }
        for u in &users {
            if u.key != organizer.key && !attendees.iter().any(|a| a.key == u.key) && rng.chance(35)
            {
                attendees.push(u);
            }
        }
        if attendees.is_empty() {
            let u = users
                .iter()
                .find(|u| u.key != organizer.key)
                .copied()
                .unwrap_or(organizer);
            attendees.push(u);
        }
        let offset = rng.range(-178, 178);
        let date = weekday_on_or_after(today + Duration::days(offset));
        let hour = rng.range(8, 17) as u32;
        let minute = rng.pick(&[0u32, 0, 30, 30, 15]);
        let minutes = rng.pick(&[30i64, 30, 45, 60, 60, 90]);
        let mut subject = rng.pick(GENERATED_SUBJECTS).to_string();
        if subject == "1:1" {
            subject = format!("{} / {} 1:1", organizer.first(), attendees[0].first());
        }
        let company = rng.pick(super::text::VENDORS).to_string();
        subject = subject.replace("{company}", &company);
        let future = offset > 0;
        let mut m = Meeting::new(
            &format!("gen-{tenant}-{i}"),
            &subject,
            organizer.key,
            organizer.tz,
            date,
            (hour, minute),
            minutes,
            anchor,
        );
        m.attendees = attendees
            .iter()
            .map(|a| {
                let r = rng.below(100);
                let response = if !future {
                    if r < 85 {
                        "accepted"
                    } else {
                        "tentativelyAccepted"
                    }
                } else if r < 60 {
                    "accepted"
                } else if r < 80 {
                    "tentativelyAccepted"
                } else {
                    "notResponded"
                };
                (
                    *a,
                    if rng.chance(80) {
                        "required"
                    } else {
                        "optional"
                    },
                    response,
                )
            })
            .collect();
        let mut body = super::text::fill(
            rng.pick(super::text::INTERNAL_PARAS),
            &mut rng,
            "",
            organizer.first(),
        );
        if rng.chance(50) {
            m.online = true;
        } else {
            m.location = Some(rooms[rng.below(rooms.len() as u64) as usize].clone());
        }
        if rng.chance(15) {
            body.clear();
        }
        m.body = body;
        if rng.chance(10) {
            m.categories.push(
                rng.pick(&["Red category", "Blue category", "Green category"])
                    .to_string(),
            );
        }
        v.push(m);
    }
}

/// Output of [`build`].
pub struct CalOut {
    pub calendars: Vec<Value>,
    pub events: Vec<Value>,
    pub attachments: BTreeMap<String, Vec<Value>>,
    pub invites: Vec<Invite>,
    /// Meeting key → event id in this mailbox.
    pub event_ids: BTreeMap<String, String>,
}

fn location_json(l: &Option<Loc>) -> Value {
    match l {
        None => {
            json!({ "displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {} })
        }
        Some(l) => {
            let mut o = json!({ "displayName": l.display, "locationType": l.kind });
            if !l.email.is_empty() {
                o["locationEmailAddress"] = json!(l.email);
                o["uniqueId"] = json!(l.email);
                o["uniqueIdType"] = json!("directory");
            } else {
                o["uniqueId"] = json!(l.display);
                o["uniqueIdType"] = json!("private");
            }
            if let Some([street, city, state, country, postal]) = l.address {
                o["address"] = json!({ "street": street, "city": city, "state": state, "countryOrRegion": country, "postalCode": postal });
            } else {
                o["address"] = json!({});
            }
            o["coordinates"] = json!({});
            o
        }
    }
}

fn teams_location() -> Value {
    json!({ "displayName": "Microsoft Teams Meeting", "locationType": "default", "uniqueId": "Microsoft Teams Meeting", "uniqueIdType": "private" })
}

fn calendar_json(
    owner: &Person,
    id: &str,
    name: &str,
    color: &str,
    hex: &str,
    default: bool,
    can_edit: bool,
) -> Value {
    let work = owner.kind() == AccountKind::Work;
    json!({
        "id": id,
        "name": name,
        "color": color,
        "hexColor": hex,
        "isDefaultCalendar": default,
        "changeKey": change_key(&format!("cal:{id}")),
        "canShare": can_edit,
        "canViewPrivateItems": true,
        "canEdit": can_edit,
        "allowedOnlineMeetingProviders": if work { json!(["teamsForBusiness"]) } else { json!([]) },
        "defaultOnlineMeetingProvider": if work { "teamsForBusiness" } else { "unknown" },
        "isTallyingResponses": default,
        "isRemovable": !default && name != "Birthdays",
        "owner": { "name": owner.display, "address": owner.address },
    })
}

/// Everything calendar-related in `owner`'s mailbox.
pub fn build(owner: &'static Person, anchor: DateTime<Utc>, all: &[Meeting]) -> CalOut {
    let cal_id = |k: &str| exchange_id(owner.user_id, IdKind::Folder, &format!("calendar:{k}"));
    let mut calendars = vec![calendar_json(
        owner,
        &cal_id("calendar"),
        "Calendar",
        "auto",
        "",
        true,
        true,
    )];
    let has_alpha = owner.key == "adele";
    if has_alpha {
        calendars.push(calendar_json(
            owner,
            &cal_id("alpha"),
            "Project Alpha",
            "lightOrange",
            "#f7a35c",
            false,
            true,
        ));
    }
    calendars.push(calendar_json(
        owner,
        &cal_id("birthdays"),
        "Birthdays",
        "lightGreen",
        "#87d28e",
        false,
        false,
    ));

    let mut own: Vec<Meeting> = all.iter().filter(|m| m.involves(owner)).cloned().collect();
    if owner.key == "adele" || owner.key == "sam" {
        own.extend(birthdays(owner, anchor));
    }
    let mut events = Vec::new();
    let mut attachments = BTreeMap::new();
    let mut invites = Vec::new();
    let mut event_ids = BTreeMap::new();
    for m in &own {
        let is_org = m.organizer.key == owner.key;
        // A cancelled meeting disappears from the organizer's calendar; attendees keep a
        // "Canceled:" copy until they remove it.
        if m.cancelled && is_org {
            continue;
        }
        let my_response = if is_org {
            "organizer"
        } else {
            m.attendees
                .iter()
                .find(|(p, ..)| p.key == owner.key)
                .map_or("none", |a| a.2)
        };
        let id = exchange_id(owner.user_id, IdKind::Item, &format!("event:{}", m.key));
        event_ids.insert(m.key.clone(), id.clone());
        let calendar = match m.calendar {
            "alpha" if has_alpha => "alpha",
            "birthdays" => "birthdays",
            _ => "calendar",
        };
        // Times: all-day in the owner's zone at midnight; others in UTC.
        let (start, end, zone) = if m.all_day {
            let z = owner.tz;
            (
                dtz(at(m.start.date(), 0, 0), z),
                dtz(at(m.end.date(), 0, 0), z),
                z,
            )
        } else {
            (
                dtz_utc(to_utc(m.start, m.tz)),
                dtz_utc(to_utc(m.end, m.tz)),
                m.tz,
            )
        };
        let d = digest(&["event-meta", &m.key]);
        let created = m.created;
        let modified = created + Duration::minutes(1 + (d[0] as i64) % 240);
        let modified = if modified >= anchor {
            created
        } else {
            modified
        };
        let ck = change_key(&format!("{}:{}:{}", owner.key, m.key, modified.timestamp()));
        let ical = format!(
            "040000008200E00074C5B7101A82E00800000000{}0000000000000000100000{}",
            hex_upper(&d[0..8]),
            hex_upper(&digest(&["ical", &m.key])[0..18])
        );
        let (join, body_html) = if m.online && owner.kind() == AccountKind::Work {
            let (_, join) = teams_join(&m.key, m.organizer);
            let inner = format!(
                "{}{}",
                text_to_html_paras(&m.body),
                teams_block(&join, &m.key)
            );
            (Some(join), inner)
        } else if m.body.is_empty() {
            (None, String::new())
        } else {
            (None, text_to_html_paras(&m.body))
        };
        let body_doc = html_doc(&body_html);
        let location = if m.online && m.location.is_none() && join.is_some() {
            teams_location()
        } else {
            location_json(&m.location)
        };
        let locations = if m.location.is_none() && join.is_none() {
            json!([])
        } else {
            json!([location.clone()])
        };
        let files: Vec<Value> = m
            .files
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, f)| file_attachment(&id, i, f, created))
            .collect();
        let has_attachments = !files.is_empty();
        if has_attachments {
            attachments.insert(id.clone(), files);
        }
        let show_as = if is_org {
            m.show_as
        } else {
            match my_response {
                "tentativelyAccepted" | "notResponded" => "tentative",
                _ => m.show_as,
            }
        };
        let response_time = if is_org || my_response == "notResponded" {
            "0001-01-01T00:00:00Z".to_string()
        } else {
            super::util::iso_z(created + Duration::hours(2 + (d[5] % 30) as i64))
        };
        let recurrence = m.recurrence.as_ref().map_or(Value::Null, |r| {
            json!({
                "pattern": r.pattern,
                "range": {
                    "type": r.range_type,
                    "startDate": ymd(r.start_date),
                    "endDate": r.end_date.map_or_else(|| "0001-01-01".to_string(), ymd),
                    "recurrenceTimeZone": zone,
                    "numberOfOccurrences": r.count,
                }
            })
        });
        let attendees: Vec<Value> = m
            .attendees
            .iter()
            .map(|(p, t, r)| {
                let time = if *r == "notResponded" || *r == "none" {
                    "0001-01-01T00:00:00Z".to_string()
                } else {
                    super::util::iso_z(created + Duration::hours(1 + (digest(&[&m.key, p.key])[0] % 40) as i64))
                };
                let shown = if *r == "notResponded" { "none" } else { r };
                json!({ "type": t, "status": { "response": shown, "time": time }, "emailAddress": p.email() })
            })
            .collect();
        let mut ev = json!({
            "@odata.etag": etag(&ck),
            "id": id,
            "createdDateTime": iso_7(created),
            "lastModifiedDateTime": iso_7(modified),
            "changeKey": ck,
            "categories": m.categories,
            "transactionId": null,
            "originalStartTimeZone": zone,
            "originalEndTimeZone": zone,
            "iCalUId": ical,
            "reminderMinutesBeforeStart": m.reminder,
            "isReminderOn": m.reminder > 0,
            "hasAttachments": has_attachments,
            "subject": if m.cancelled && !is_org { format!("Canceled: {}", m.subject) } else { m.subject.clone() },
            "bodyPreview": preview(&body_doc, true),
            "importance": m.importance,
            "sensitivity": m.sensitivity,
            "isAllDay": m.all_day,
            "isCancelled": m.cancelled,
            "isOrganizer": is_org,
            "responseRequested": true,
            "seriesMasterId": null,
            "showAs": if m.cancelled { "free" } else { show_as },
            "type": if m.recurrence.is_some() { "seriesMaster" } else { "singleInstance" },
            "webLink": format!(
                "{}/owa/?itemid={}&exvsurl=1&path=/calendar/item",
                if owner.kind() == AccountKind::Work { "https://outlook.office365.com" } else { "https://outlook.live.com" },
                url_encode(&id)
            ),
            "onlineMeetingUrl": null,
            "isOnlineMeeting": join.is_some(),
            "onlineMeetingProvider": if join.is_some() { "teamsForBusiness" } else { "unknown" },
            "allowNewTimeProposals": true,
            "isDraft": false,
        });
        let online_meeting = join
            .as_ref()
            .map_or(Value::Null, |j| json!({ "joinUrl": j }));
        let response_status = json!({ "response": my_response, "time": response_time });
        let rest = json!({
            "hideAttendees": false,
            "responseStatus": response_status,
            "body": { "contentType": "html", "content": body_doc },
            "start": start,
            "end": end,
            "location": location,
            "locations": locations,
            "recurrence": recurrence,
            "attendees": attendees,
            "organizer": m.organizer.recipient(),
            "onlineMeeting": online_meeting,
            "_calendarId": cal_id(calendar),
        });
        if let (Value::Object(a), Value::Object(b)) = (&mut ev, rest) {
            a.extend(b);
        }
        // Meeting messages for the owner as an attendee.
        if !is_org && (my_response == "notResponded" || m.cancelled) {
            let sent = if m.cancelled {
                (anchor - Duration::hours(20)).min(to_utc(m.start, m.tz) - Duration::days(1))
            } else {
                created
            };
            invites.push(Invite {
                event_id: id.clone(),
                kind: if m.cancelled {
                    "meetingCancelled"
                } else {
                    "meetingRequest"
                },
                subject: m.subject.clone(),
                body_html: body_html.clone(),
                organizer: m.organizer,
                to: m.attendees.iter().map(|a| a.0).collect(),
                sent,
                start: ev["start"].clone(),
                end: ev["end"].clone(),
                location: ev["location"].clone(),
                is_all_day: m.all_day,
                recurrence: ev["recurrence"].clone(),
                event_type: if m.recurrence.is_some() {
                    "seriesMaster"
                } else {
                    "singleInstance"
                },
                importance: m.importance,
            });
        }
        events.push(ev);
    }
    CalOut {
        calendars,
        events,
        attachments,
        invites,
        event_ids,
    }
}

/// Yearly all-day birthday series in the Birthdays calendar.
fn birthdays(owner: &'static Person, anchor: DateTime<Utc>) -> Vec<Meeting> {
    let today = anchor.date_naive();
    BIRTHDAYS
        .iter()
        .filter(|b| b.owner == owner.key)
        .map(|b| {
            let mut y = today.year() - 1;
            let mut first = NaiveDate::from_ymd_opt(y, b.month, b.day).unwrap_or(today);
            while first < today - Duration::days(180) {
                y += 1;
                first = NaiveDate::from_ymd_opt(y, b.month, b.day).unwrap_or(today);
            }
            let mut m = Meeting::new(&format!("birthday-{}-{}", owner.key, b.name), &format!("{}'s birthday", b.name), owner.key, owner.tz, first, (0, 0), 0, anchor);
            m.all_day = true;
            m.end = at(first + Duration::days(1), 0, 0);
            m.show_as = "free";
            m.calendar = "birthdays";
            m.reminder = 1080;
            m.recurrence = Some(Rec {
                pattern: json!({"type": "absoluteYearly", "interval": 1, "month": b.month, "dayOfMonth": b.day, "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"}),
                range_type: "noEnd",
                start_date: first,
                end_date: None,
                count: 0,
            });
            m
        })
        .collect()
}
