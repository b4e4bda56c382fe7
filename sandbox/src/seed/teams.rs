//! Teams: teams with channels, posts and replies; 1:1, group and meeting chats; and the
//! `onlineMeeting` objects behind Adele's Teams meetings.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::calendar::{teams_join, Meeting};
use super::directory::{person, Person};
use super::text::fill;
use super::util::{
    at, b64, digest, esc, guid, hex, iso_7, iso_ms, to_utc, url_encode, weekday_on_or_before, Rng,
};
use super::{CONTOSO_TENANT_ID, FABRIKAM_TENANT_ID};
use crate::store::{Chat, Team};

/// Topic of Adele's main group chat.
pub const ALPHA_CHAT_TOPIC: &str = "Alpha launch crew";
/// Subject of the standalone online meeting (no calendar event).
pub const OFFICE_HOURS_SUBJECT: &str = "Customer onboarding office hours";

fn user_identity(p: &Person, with_name: bool) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
        "id": p.user_id,
        "displayName": if with_name { json!(p.display) } else { Value::Null },
        "userIdentityType": "aadUser",
        "tenantId": p.tenant_id,
    })
}

fn from_user(p: &Person) -> Value {
    json!({ "application": null, "device": null, "user": user_identity(p, true) })
}

/// Message ids are the creation time in epoch milliseconds; keep them unique.
struct Clock {
    used: std::collections::BTreeSet<i64>,
}

impl Clock {
    fn id(&mut self, t: DateTime<Utc>) -> (String, DateTime<Utc>) {
        let mut ms = t.timestamp_millis();
        if ms % 1000 == 0 {
            // Real timestamps are not whole seconds: a deterministic sub-second part.
            ms += (ms / 1000).wrapping_mul(7919).rem_euclid(997) + 1;
        }
        while !self.used.insert(ms) {
            ms += 1;
        }
        let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(t);
        (ms.to_string(), t)
    }
}

#[derive(Debug, Clone, Default)]
struct Post {
    author: &'static str,
    subject: Option<&'static str>,
    text: String,
    mentions: Vec<&'static str>,
    importance: &'static str,
    replies: Vec<(&'static str, String)>,
}

fn post(
    author: &'static str,
    subject: Option<&'static str>,
    text: &str,
    mentions: &[&'static str],
    replies: &[(&'static str, &str)],
) -> Post {
    Post {
        author,
        subject,
        text: text.to_string(),
        mentions: mentions.to_vec(),
        importance: "normal",
        replies: replies.iter().map(|(a, t)| (*a, t.to_string())).collect(),
    }
}

/// HTML body with `<at>` tags for mentions (`@Name` in the text becomes a mention).
fn body_with_mentions(text: &str, mentions: &[&'static str]) -> (String, Vec<Value>) {
    let mut html = esc(text);
    let mut out = Vec::new();
    for (i, k) in mentions.iter().enumerate() {
        let p = person(k);
        let needle = format!("@{}", p.display);
        let tag = format!("<at id=\"{i}\">{}</at>", esc(p.display));
        if html.contains(&needle) {
            html = html.replacen(&needle, &tag, 1);
        } else {
            html = format!("{tag} {html}");
        }
        out.push(json!({
            "id": i,
            "mentionText": p.display,
            "mentioned": { "application": null, "device": null, "conversation": null, "user": user_identity(p, true) },
        }));
    }
    (format!("<p>{html}</p>"), out)
}

const POST_POOL: &[&str] = &[
    "Reminder: timesheets are due {weekday}.",
    "Has anyone seen the latest numbers for {project}? The dashboard looks stale.",
    "Great demo today, everyone! 🎉",
    "I've uploaded today's notes to the Files tab.",
    "Who's owning the follow-up with {vendor}?",
    "Heads-up: staging will be down for maintenance tonight from 10 to 11 pm.",
    "The customer survey closes on {weekday} — {pct}% response rate so far.",
    "Welcome to the channel! Please pin anything important.",
    "Sharing a good read on {topic}. Worth ten minutes.",
    "Quick poll: should we move the weekly sync to mornings?",
    "Status update: {project} is at {pct}% of the milestone scope.",
    "Can someone review the {doc}? Needs two approvals.",
];

const REPLY_POOL: &[&str] = &[
    "Thanks!",
    "On it.",
    "+1",
    "I can take this.",
    "Looks good to me.",
    "Can we discuss in stand-up?",
    "Done ✅",
    "Great work, team!",
    "Let me check and get back to you.",
    "Added to the tracker.",
    "Mornings work better for me.",
    "Reviewed — left two comments.",
];

struct ChannelSpec {
    name: &'static str,
    description: &'static str,
    private: bool,
    posts: Vec<Post>,
    generated: usize,
}

struct TeamSpec {
    key: &'static str,
    name: &'static str,
    description: &'static str,
    visibility: &'static str,
    tenant: &'static str,
    members: Vec<&'static str>,
    channels: Vec<ChannelSpec>,
}

fn specs() -> Vec<TeamSpec> {
    vec![
        TeamSpec {
            key: "alpha",
            name: "Project Alpha",
            description: "Everything about the Alpha launch: design, engineering and go-to-market.",
            visibility: "private",
            tenant: CONTOSO_TENANT_ID,
            members: vec!["adele", "lee", "megan", "patti"],
            channels: vec![
                ChannelSpec {
                    name: "General",
                    description: "Project Alpha team-wide announcements.",
                    private: false,
                    posts: vec![
                        post("lee", Some("Launch checklist"), "The launch checklist is now pinned to this channel. @Adele Vance can you confirm the pricing page owner?", &["adele"], &[("adele", "Confirmed — that's me. Draft by Friday."), ("megan", "I'll review the copy once it's in.")]),
                        post("patti", Some("Go/no-go date"), "We're holding the go/no-go meeting as planned. Please have your one-line status ready.", &[], &[("lee", "Engineering is green except load testing."), ("adele", "Product is green."), ("megan", "Marketing is green.")]),
                        post("adele", None, "Beta feedback summary is in the Files tab: setup time and notification noise are the top two themes.", &[], &[("lee", "Parallel import should fix most of the setup pain.")]),
                    ],
                    generated: 8,
                },
                ChannelSpec {
                    name: "Design",
                    description: "Design reviews, mock-ups and research for Alpha.",
                    private: false,
                    posts: vec![post("megan", Some("Logo options"), "Two logo directions from the agency are up. @Adele Vance @Lee Gu which one do you prefer?", &["adele", "lee"], &[("adele", "Option A for me."), ("lee", "A, but with B's colours?")])],
                    generated: 5,
                },
                ChannelSpec {
                    name: "Launch war room",
                    description: "Private channel for launch-week coordination.",
                    private: true,
                    posts: vec![post("adele", Some("Launch day runbook"), "Launch-day runbook is final. On-call rota: Lee (engineering), Megan (comms), me (product).", &[], &[("lee", "Rollback plan tested twice.")])],
                    generated: 3,
                },
            ],
        },
        TeamSpec {
            key: "marketing",
            name: "Contoso Marketing",
            description: "Campaigns, events and brand for Contoso.",
            visibility: "public",
            tenant: CONTOSO_TENANT_ID,
            members: vec!["megan", "adele", "patti", "nestor"],
            channels: vec![
                ChannelSpec {
                    name: "General",
                    description: "Marketing team announcements.",
                    private: false,
                    posts: vec![post("megan", Some("Q3 plan approved"), "The Q3 marketing plan is approved. Thanks everyone for the quick reviews!", &[], &[("patti", "Nice work, Megan."), ("adele", "🎉")])],
                    generated: 6,
                },
                ChannelSpec { name: "Campaigns", description: "Campaign planning and results.", private: false, posts: vec![], generated: 6 },
            ],
        },
        TeamSpec {
            key: "allcompany",
            name: "Contoso All Company",
            description: "Company-wide news and announcements.",
            visibility: "public",
            tenant: CONTOSO_TENANT_ID,
            members: vec!["adele", "megan", "lee", "nestor", "patti"],
            channels: vec![
                ChannelSpec {
                    name: "General",
                    description: "Say hi!",
                    private: false,
                    posts: vec![{
                        let mut p = post("patti", Some("Office closure"), "All offices are closed for the company holiday. Enjoy the long weekend!", &[], &[("nestor", "Thanks Patti!")]);
                        p.importance = "high";
                        p
                    }],
                    generated: 5,
                },
                ChannelSpec { name: "Announcements", description: "Official announcements from leadership.", private: false, posts: vec![], generated: 4 },
            ],
        },
        TeamSpec {
            key: "fabops",
            name: "Fabrikam Operations",
            description: "Warehousing, logistics and carrier operations.",
            visibility: "private",
            tenant: FABRIKAM_TENANT_ID,
            members: vec!["alex", "johanna"],
            channels: vec![
                ChannelSpec {
                    name: "General",
                    description: "Fabrikam Operations announcements.",
                    private: false,
                    posts: vec![post("johanna", Some("Leeds overflow"), "Leeds overflow storage is live from next Monday. @Alex Wilber please let the Contoso team know.", &["alex"], &[("alex", "Will do — I'll mention it in the weekly sync.")])],
                    generated: 5,
                },
                ChannelSpec { name: "Logistics", description: "Carriers, routes and delays.", private: false, posts: vec![], generated: 5 },
            ],
        },
    ]
}

fn thread_id(label: &str) -> String {
    format!("19:{}@thread.tacv2", hex(&digest(&["thread", label])[..16]))
}

#[allow(clippy::too_many_arguments)]
fn chat_message(
    clock: &mut Clock,
    t: DateTime<Utc>,
    author: &Person,
    html: String,
    mentions: Vec<Value>,
    subject: Option<&str>,
    importance: &str,
    reply_to: Option<&str>,
    channel: Option<(&str, &str, &str)>,
    chat_id: Option<&str>,
) -> Value {
    let (id, t) = clock.id(t);
    let web_url = match channel {
        Some((team, ch, tenant)) => json!(format!(
            "https://teams.microsoft.com/l/message/{}/{id}?groupId={team}&tenantId={tenant}&createdTime={id}&parentMessageId={}",
            url_encode(ch),
            reply_to.unwrap_or(&id)
        )),
        None => Value::Null,
    };
    json!({
        "id": id,
        "replyToId": reply_to,
        "etag": id,
        "messageType": "message",
        "createdDateTime": iso_ms(t),
        "lastModifiedDateTime": iso_ms(t),
        "lastEditedDateTime": null,
        "deletedDateTime": null,
        "subject": subject,
        "summary": null,
        "chatId": chat_id,
        "importance": importance,
        "locale": "en-us",
        "webUrl": web_url,
        "channelIdentity": channel.map_or(Value::Null, |(team, ch, _)| json!({ "teamId": team, "channelId": ch })),
        "policyViolation": null,
        "eventDetail": null,
        "from": from_user(author),
        "body": { "contentType": "html", "content": html },
        "attachments": [],
        "mentions": mentions,
        "reactions": [],
        "messageHistory": [],
    })
}

fn add_reaction(msg: &mut Value, who: &Person, kind: &str, t: DateTime<Utc>) {
    let display = match kind {
        "heart" => "Heart",
        "laugh" => "Laugh",
        _ => "Like",
    };
    if let Some(a) = msg["reactions"].as_array_mut() {
        a.push(json!({
            "reactionType": kind,
            "displayName": display,
            "reactionContentUrl": null,
            "createdDateTime": iso_ms(t),
            "user": { "application": null, "device": null, "user": user_identity(who, false) },
        }));
    }
}

/// Teams, chats and Adele's online meetings.
pub fn build(
    anchor: DateTime<Utc>,
    meetings: &[Meeting],
    adele_event_ids: &BTreeMap<String, String>,
) -> (Vec<Team>, Vec<Chat>, Vec<Value>) {
    let mut clock = Clock {
        used: Default::default(),
    };
    let mut teams = Vec::new();
    for spec in specs() {
        let mut rng = Rng::from_label(&format!("team:{}", spec.key));
        let team_id = guid(&format!("team:{}", spec.key));
        let general_id = thread_id(&format!("{}:General", spec.key));
        let d = digest(&[spec.key]);
        let created = anchor - Duration::days(300 + d[0] as i64)
            + Duration::seconds(50_000 + d[1] as i64 * 97);
        let domain = if spec.tenant == CONTOSO_TENANT_ID {
            "contoso.example"
        } else {
            "fabrikam.example"
        };
        let team = json!({
            "id": team_id,
            "createdDateTime": iso_7(created),
            "displayName": spec.name,
            "description": spec.description,
            "internalId": general_id,
            "classification": null,
            "specialization": "none",
            "visibility": spec.visibility,
            "webUrl": format!("https://teams.microsoft.com/l/team/{}/conversations?groupId={team_id}&tenantId={}", url_encode(&general_id).replace("%3A", "%3a"), spec.tenant),
            "isArchived": false,
            "tenantId": spec.tenant,
            "memberSettings": { "allowCreateUpdateChannels": true, "allowDeleteChannels": true, "allowAddRemoveApps": true, "allowCreatePrivateChannels": true, "allowCreateUpdateRemoveTabs": true, "allowCreateUpdateRemoveConnectors": true },
            "guestSettings": { "allowCreateUpdateChannels": false, "allowDeleteChannels": false },
            "messagingSettings": { "allowUserEditMessages": true, "allowUserDeleteMessages": true, "allowOwnerDeleteMessages": true, "allowTeamMentions": true, "allowChannelMentions": true },
            "funSettings": { "allowGiphy": true, "giphyContentRating": "moderate", "allowStickersAndMemes": true, "allowCustomMemes": false },
        });
        let mut channels = Vec::new();
        let mut channel_messages = BTreeMap::new();
        let mut replies = BTreeMap::new();
        for (ci, ch) in spec.channels.iter().enumerate() {
            let ch_id = if ch.name == "General" {
                general_id.clone()
            } else {
                thread_id(&format!("{}:{}", spec.key, ch.name))
            };
            let ch_created = created + Duration::days(ci as i64 * 9);
            channels.push(json!({
                "id": ch_id,
                "createdDateTime": iso_7(ch_created),
                "displayName": ch.name,
                "description": ch.description,
                "isFavoriteByDefault": null,
                "email": if ch.private { String::new() } else { format!("{}.{domain}@amer.teams.example", &hex(&digest(&["chmail", &ch_id])[..4])) },
                "tenantId": spec.tenant,
                "webUrl": format!("https://teams.microsoft.com/l/channel/{}/{}?groupId={team_id}&tenantId={}", url_encode(&ch_id).replace("%3A", "%3a"), url_encode(ch.name), spec.tenant),
                "membershipType": if ch.private { "private" } else { "standard" },
                "isArchived": false,
            }));
            // Posts: generated filler first (older), then the scripted ones (recent).
            let mut posts: Vec<Post> = Vec::new();
            for _ in 0..ch.generated {
                let author = rng.pick(&spec.members);
                let text = fill(rng.pick(POST_POOL), &mut rng, "", "");
                let n_replies = rng.below(4) as usize;
                let reps = (0..n_replies)
                    .map(|_| {
                        let a = rng.pick(&spec.members);
                        (a, rng.pick(REPLY_POOL).to_string())
                    })
                    .collect();
                posts.push(Post {
                    author,
                    subject: None,
                    text,
                    mentions: vec![],
                    importance: "normal",
                    replies: reps,
                });
            }
            posts.extend(ch.posts.iter().cloned());
            let n = posts.len() as i64;
            let mut tops = Vec::new();
            for (pi, p) in posts.iter().enumerate() {
                let days = 2 + (n - pi as i64) * 6 + rng.below(4) as i64;
                let date = weekday_on_or_before((anchor - Duration::days(days)).date_naive());
                let author = person(p.author);
                let t = to_utc(
                    at(date, 9 + rng.below(8) as u32, rng.below(60) as u32),
                    author.tz,
                );
                let (html, mentions) = body_with_mentions(&p.text, &p.mentions);
                let mut top = chat_message(
                    &mut clock,
                    t,
                    author,
                    html,
                    mentions,
                    p.subject,
                    p.importance,
                    None,
                    Some((&team_id, &ch_id, spec.tenant)),
                    None,
                );
                let top_id = top["id"].as_str().unwrap_or_default().to_string();
                let mut reps = Vec::new();
                let mut rt = t;
                for (a, text) in &p.replies {
                    rt += Duration::minutes(5 + rng.below(180) as i64);
                    let who = person(a);
                    let (html, mentions) = body_with_mentions(text, &[]);
                    reps.push(chat_message(
                        &mut clock,
                        rt,
                        who,
                        html,
                        mentions,
                        None,
                        "normal",
                        Some(&top_id),
                        Some((&team_id, &ch_id, spec.tenant)),
                        None,
                    ));
                }
                if rng.chance(40) {
                    let who = person(rng.pick(&spec.members));
                    add_reaction(
                        &mut top,
                        who,
                        rng.pick(&["like", "heart", "laugh"]),
                        t + Duration::minutes(20),
                    );
                }
                // The last reply time is when the thread was last modified.
                if let Some(last) = reps.last() {
                    top["lastModifiedDateTime"] = last["createdDateTime"].clone();
                }
                if !reps.is_empty() {
                    replies.insert(top_id, reps);
                }
                tops.push(top);
            }
            channel_messages.insert(ch_id, tops);
        }
        let member_ids = spec
            .members
            .iter()
            .map(|k| person(k).user_id.to_string())
            .collect();
        teams.push(Team {
            team,
            channels,
            channel_messages,
            replies,
            member_ids,
        });
    }

    let chats = chats(anchor, &mut clock, meetings, adele_event_ids);
    let online = online_meetings(anchor, meetings);
    (teams, chats, online)
}

fn one_on_one_id(a: &Person, b: &Person) -> String {
    let (x, y) = if a.user_id < b.user_id {
        (a, b)
    } else {
        (b, a)
    };
    format!("19:{}_{}@unq.gbl.spaces", x.user_id, y.user_id)
}

fn chat_json(
    id: &str,
    topic: Option<&str>,
    chat_type: &str,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    tenant: &str,
    meeting: Value,
) -> Value {
    json!({
        "id": id,
        "topic": topic,
        "createdDateTime": iso_ms(created),
        "lastUpdatedDateTime": iso_ms(updated),
        "chatType": chat_type,
        "webUrl": format!("https://teams.microsoft.com/l/chat/{}/0?tenantId={tenant}", url_encode(id).replace("%3A", "%3a")),
        "tenantId": tenant,
        "onlineMeetingInfo": meeting,
        "isHiddenForAllMembers": false,
    })
}

type Script = &'static [(&'static str, &'static str)];

const ADELE_MEGAN: Script = &[
    (
        "megan",
        "Morning! Did you get a chance to look at the Q3 plan?",
    ),
    ("adele", "Yes — sent comments by email. Mostly slide 4."),
    ("megan", "Perfect, thanks. Lunch Friday still on?"),
    ("adele", "Absolutely. 12:15 at the Thai place."),
    (
        "megan",
        "Also, can you send me the beta quotes we're allowed to use?",
    ),
    (
        "adele",
        "Siobhán's is approved. Waiting on Farah for the second one.",
    ),
    ("megan", "👍"),
    ("adele", "Heads-up: go/no-go is confirmed for next week."),
    ("megan", "Great, I'll prep the comms timeline."),
];

const ADELE_LEE: Script = &[
    ("lee", "Load test results are in. p95 is 180 ms at 2x expected peak."),
    ("adele", "That's great. Any errors?"),
    ("lee", "0.02% — all 429s from the export endpoint, which is expected with the new rate limit."),
    ("adele", "Let's note that in the runbook so support isn't surprised."),
    ("lee", "Done. Also fixed the DST bug in the weekly series expansion."),
    ("adele", "The one that only shows up in March?"),
    ("lee", "That one. Europe and the US change clocks on different weekends, so for a couple of weeks the sync with Fabrikam is an hour off for them."),
    ("adele", "Thanks for chasing it down!"),
];

const ALPHA_GROUP: Script = &[
    ("adele", "Created this chat for launch-week coordination."),
    ("lee", "👋"),
    (
        "megan",
        "Press embargo lifts at 9 am Pacific on launch day.",
    ),
    (
        "patti",
        "Thanks all. Let's keep decisions here and post summaries in the channel.",
    ),
    ("lee", "Staging is frozen from Thursday."),
    ("adele", "Sharing the launch plan here for quick access."),
    ("megan", "Customer email is scheduled."),
    (
        "adele",
        "Go/no-go moved 30 minutes later — Patti has a conflict.",
    ),
    ("patti", "Appreciate it."),
    ("lee", "All green on engineering."),
];

const NO_TOPIC_GROUP: Script = &[
    (
        "nestor",
        "Quick one: who approves the Northwind invoice now that finance changed the process?",
    ),
    ("adele", "I think it's still me for anything under $25k."),
    ("megan", "Same for marketing vendors."),
    ("nestor", "Thanks — paid it this morning."),
];

const MEGAN_LEE: Script = &[
    (
        "megan",
        "Lee, do you have a screenshot of the new settings page for the blog?",
    ),
    (
        "lee",
        "Sending one now — it's still behind a flag in production.",
    ),
    ("megan", "Perfect, thanks."),
];

const ALEX_JOHANNA: Script = &[
    (
        "alex",
        "Johanna, are you joining the Contoso sync tomorrow?",
    ),
    (
        "johanna",
        "Yes, but note it's at 16:00 for us this week — the US hasn't changed clocks yet.",
    ),
    ("alex", "Good catch, I'd have been an hour early."),
    ("johanna", "Happens every year 🙂"),
];

#[allow(clippy::too_many_arguments)]
fn scripted_chat(
    clock: &mut Clock,
    anchor: DateTime<Utc>,
    id: &str,
    topic: Option<&str>,
    chat_type: &str,
    members: &[&'static str],
    script: Script,
    days_ago: i64,
    meeting: Value,
) -> Chat {
    let tenant = person(members[0]).tenant_id;
    let first = person(script[0].0);
    let start_date = weekday_on_or_before((anchor - Duration::days(days_ago)).date_naive());
    let mut t = to_utc(at(start_date, 9, 5), first.tz);
    let created = t - Duration::minutes(3);
    let mut messages = Vec::new();
    if chat_type == "group" {
        // A system event: members added when the chat was created.
        let (mid, mt) = clock.id(created);
        messages.push(json!({
            "id": mid,
            "replyToId": null,
            "etag": mid,
            "messageType": "systemEventMessage",
            "createdDateTime": iso_ms(mt),
            "lastModifiedDateTime": iso_ms(mt),
            "lastEditedDateTime": null,
            "deletedDateTime": null,
            "subject": null,
            "summary": null,
            "chatId": id,
            "importance": "normal",
            "locale": "en-us",
            "webUrl": null,
            "channelIdentity": null,
            "policyViolation": null,
            "eventDetail": {
                "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
                "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
                "members": members.iter().map(|k| { let p = person(k); json!({ "id": p.user_id, "displayName": null, "userIdentityType": "aadUser", "tenantId": p.tenant_id }) }).collect::<Vec<_>>(),
                "initiator": { "application": null, "device": null, "user": user_identity(person(members[0]), false) },
            },
            "from": null,
            "body": { "contentType": "html", "content": "<systemEventMessage/>" },
            "attachments": [],
            "mentions": [],
            "reactions": [],
            "messageHistory": [],
        }));
    }
    for (i, (who, text)) in script.iter().enumerate() {
        let d = digest(&[id, &i.to_string()]);
        t += Duration::minutes(1 + (d[0] % 40) as i64);
        if i > 0 && i % 4 == 0 {
            t += Duration::days(1 + (d[1] % 3) as i64);
        }
        if t >= anchor {
            t = anchor - Duration::minutes(60 - i as i64);
        }
        let p = person(who);
        let mut m = chat_message(
            clock,
            t,
            p,
            format!("<p>{}</p>", esc(text)),
            vec![],
            None,
            "normal",
            None,
            None,
            Some(id),
        );
        if text.starts_with("Sharing the launch plan") {
            let att_id = guid(&format!("att:{id}:{i}"));
            m["body"]["content"] = json!(format!(
                "<p>{}</p><attachment id=\"{att_id}\"></attachment>",
                esc(text)
            ));
            m["attachments"] = json!([{
                "id": att_id,
                "contentType": "reference",
                "contentUrl": "https://contoso.sharepoint.example/sites/ProjectAlpha/Shared%20Documents/Launch%20plan.docx",
                "content": null,
                "name": "Launch plan.docx",
                "thumbnailUrl": null,
                "teamsAppId": null,
            }]);
        }
        if text.starts_with("Go/no-go moved") {
            let edited = t + Duration::minutes(2);
            m["lastEditedDateTime"] = json!(iso_ms(edited));
            m["lastModifiedDateTime"] = json!(iso_ms(edited));
        }
        if d[2].is_multiple_of(5) {
            let other = members
                .iter()
                .map(|k| person(k))
                .find(|q| q.key != p.key)
                .unwrap_or(p);
            add_reaction(&mut m, other, "like", t + Duration::minutes(1));
        }
        messages.push(m);
    }
    // One deleted message in the Alpha group chat.
    if topic == Some(ALPHA_CHAT_TOPIC) {
        let mt = t + Duration::minutes(5);
        let mut m = chat_message(
            clock,
            mt,
            person("megan"),
            String::new(),
            vec![],
            None,
            "normal",
            None,
            None,
            Some(id),
        );
        m["deletedDateTime"] = json!(iso_ms(mt + Duration::minutes(1)));
        m["lastModifiedDateTime"] = json!(iso_ms(mt + Duration::minutes(1)));
        messages.push(m);
    }
    let updated = messages
        .iter()
        .filter_map(|m| {
            m["lastModifiedDateTime"]
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        })
        .map(|t| t.with_timezone(&Utc))
        .max()
        .unwrap_or(created);
    let chat = chat_json(id, topic, chat_type, created, updated, tenant, meeting);
    Chat {
        chat,
        messages,
        member_ids: members
            .iter()
            .map(|k| person(k).user_id.to_string())
            .collect(),
    }
}

fn chats(
    anchor: DateTime<Utc>,
    clock: &mut Clock,
    meetings: &[Meeting],
    adele_event_ids: &BTreeMap<String, String>,
) -> Vec<Chat> {
    let adele = person("adele");
    let mut out = vec![
        scripted_chat(
            clock,
            anchor,
            &one_on_one_id(adele, person("megan")),
            None,
            "oneOnOne",
            &["adele", "megan"],
            ADELE_MEGAN,
            9,
            Value::Null,
        ),
        scripted_chat(
            clock,
            anchor,
            &one_on_one_id(adele, person("lee")),
            None,
            "oneOnOne",
            &["adele", "lee"],
            ADELE_LEE,
            5,
            Value::Null,
        ),
        scripted_chat(
            clock,
            anchor,
            &format!(
                "19:{}@thread.v2",
                hex(&digest(&["chat", "alpha-crew"])[..16])
            ),
            Some(ALPHA_CHAT_TOPIC),
            "group",
            &["adele", "lee", "megan", "patti"],
            ALPHA_GROUP,
            14,
            Value::Null,
        ),
        scripted_chat(
            clock,
            anchor,
            &format!("19:{}@thread.v2", hex(&digest(&["chat", "invoice"])[..16])),
            None,
            "group",
            &["nestor", "adele", "megan"],
            NO_TOPIC_GROUP,
            30,
            Value::Null,
        ),
        scripted_chat(
            clock,
            anchor,
            &one_on_one_id(person("megan"), person("lee")),
            None,
            "oneOnOne",
            &["megan", "lee"],
            MEGAN_LEE,
            7,
            Value::Null,
        ),
        scripted_chat(
            clock,
            anchor,
            &one_on_one_id(person("alex"), person("johanna")),
            None,
            "oneOnOne",
            &["alex", "johanna"],
            ALEX_JOHANNA,
            4,
            Value::Null,
        ),
    ];
    // The meeting chat of the go/no-go Teams meeting.
    if let Some(m) = meetings.iter().find(|m| m.key == "go-no-go") {
        let (thread, join) = teams_join(&m.key, m.organizer);
        let info = json!({
            "calendarEventId": adele_event_ids.get("go-no-go").cloned().unwrap_or_default(),
            "joinWebUrl": join,
            "organizer": { "id": adele.user_id, "displayName": null, "userIdentityType": "aadUser", "tenantId": adele.tenant_id },
        });
        const SCRIPT: Script = &[
            (
                "adele",
                "Agenda: one-line status from each owner, then the decision.",
            ),
            (
                "lee",
                "Pre-read: load test summary is in the Alpha channel.",
            ),
            ("megan", "Comms are ready to go on a yes."),
        ];
        let mut c = scripted_chat(
            clock,
            anchor,
            &thread,
            Some(&m.subject),
            "meeting",
            &["adele", "lee", "megan", "patti", "nestor"],
            SCRIPT,
            2,
            info,
        );
        c.chat["topic"] = json!(m.subject);
        out.push(c);
    }
    out
}

fn online_meetings(anchor: DateTime<Utc>, meetings: &[Meeting]) -> Vec<Value> {
    let adele = person("adele");
    let mut out = Vec::new();
    let participant = |p: &Person, role: &str| {
        json!({
            "identity": { "application": null, "device": null, "user": { "id": p.user_id, "displayName": null, "tenantId": p.tenant_id } },
            "role": role,
            "upn": p.address,
        })
    };
    let meeting_json = |key: &str,
                        subject: &str,
                        start: DateTime<Utc>,
                        end: DateTime<Utc>,
                        created: DateTime<Utc>,
                        attendees: Vec<&'static Person>| {
        let (thread, join) = teams_join(key, adele);
        let d = digest(&["online-meeting", key]);
        let join_id: String = d[..12].iter().map(|b| char::from(b'0' + b % 10)).collect();
        let id = b64(format!("1*{}*0**{thread}", adele.user_id).as_bytes());
        json!({
            "id": id,
            "creationDateTime": iso_7(created),
            "startDateTime": iso_7(start),
            "endDateTime": iso_7(end),
            "joinWebUrl": join,
            "subject": subject,
            "isBroadcast": false,
            "isEntryExitAnnounced": true,
            "allowedPresenters": "everyone",
            "allowMeetingChat": "enabled",
            "allowTeamworkReactions": true,
            "allowAttendeeToEnableMic": true,
            "allowAttendeeToEnableCamera": true,
            "recordAutomatically": false,
            "externalId": null,
            "videoTeleconferenceId": null,
            "broadcastSettings": null,
            "audioConferencing": null,
            "lobbyBypassSettings": { "scope": "organization", "isDialInBypassEnabled": false },
            "joinMeetingIdSettings": { "isPasscodeRequired": true, "joinMeetingId": join_id, "passcode": format!("{}", 100_000 + (u32::from(d[12]) << 8 | u32::from(d[13])) % 900_000) },
            "chatInfo": { "threadId": thread, "messageId": "0", "replyChainMessageId": null },
            "joinInformation": { "content": format!("data:text/html,{}", url_encode(&format!("<p>Microsoft Teams meeting</p><p><a href=\"{join}\">Click here to join the meeting</a></p>"))), "contentType": "html" },
            "participants": {
                "organizer": participant(adele, "presenter"),
                "attendees": attendees.iter().map(|p| participant(p, "attendee")).collect::<Vec<_>>(),
            },
        })
    };
    if let Some(m) = meetings.iter().find(|m| m.key == "go-no-go") {
        out.push(meeting_json(
            &m.key,
            &m.subject,
            to_utc(m.start, m.tz),
            to_utc(m.end, m.tz),
            m.created,
            m.attendees.iter().map(|a| a.0).collect(),
        ));
    }
    let day = weekday_on_or_before((anchor + Duration::days(8)).date_naive());
    let start = to_utc(at(day, 16, 0), adele.tz);
    out.push(meeting_json(
        "office-hours",
        OFFICE_HOURS_SUBJECT,
        start,
        start + Duration::hours(1),
        anchor - Duration::days(3) + Duration::hours(17),
        vec![person("megan")],
    ));
    out
}
