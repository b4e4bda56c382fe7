//! Teams and online meeting tools against the sandbox.
mod common;
use common::*;
use m365_core::mcp::deployment::Deployment;
use m365_sandbox::seed;
use serde_json::Value;

/// The `seq` after which `h.requests` shows what comes next (`Harness::mark` is one too high
/// for `requests`, which keeps only larger `seq`s).
fn seq_now(h: &Harness) -> u64 {
    h.requests(0).last().map_or(0, |r| r.seq)
}

/// A deployment from `vars`, in a tenant whose administrator consented (so the channel-message
/// reader, which needs ChannelMessage.Read.All, is offered).
fn deployment(vars: &[(&str, &str)]) -> Deployment {
    let mut vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    vars.push(("ADMIN_CONSENTED".into(), "true".into()));
    Deployment::from_vars(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).unwrap()
}

fn full() -> Deployment {
    deployment(&[("TOOL_PRESET", "full"), ("SEND_POLICY", "direct")])
}

/// How core puts an id into a path: everything but RFC 3986 unreserved is escaped.
fn enc(s: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// A team with a channel that has posts: (team id, channel id).
async fn team_and_channel(h: &Harness) -> (String, String) {
    let teams = h.call("list_joined_teams", json!({})).await.ok();
    for t in teams.structured["teams"].as_array().unwrap() {
        let tid = t["id"].as_str().unwrap().to_owned();
        let channels = h.call("list_channels", json!({"team_id": tid})).await.ok();
        for c in channels.structured["channels"].as_array().unwrap() {
            let cid = c["id"].as_str().unwrap().to_owned();
            let posts = h
                .call(
                    "list_channel_messages",
                    json!({"team_id": tid, "channel_id": cid, "limit": 1}),
                )
                .await
                .ok();
            if !posts.structured["messages"].as_array().unwrap().is_empty() {
                return (tid, cid);
            }
        }
    }
    panic!("no channel with posts");
}

#[tokio::test(flavor = "current_thread")]
async fn teams_channels_and_channel_messages() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let teams = h.call("list_joined_teams", json!({})).await.ok();
    let list = teams.structured["teams"].as_array().unwrap();
    assert!(!list.is_empty(), "{}", teams.text);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs[0].path, "/v1.0/me/joinedTeams");
    assert_eq!(reqs[0].query, None, "joinedTeams takes no query options");
    assert!(teams.text.contains(list[0]["name"].as_str().unwrap()));

    let tid = list[0]["id"].as_str().unwrap();
    let mark = seq_now(&h);
    let channels = h.call("list_channels", json!({"team_id": tid})).await.ok();
    assert!(!channels.structured["channels"]
        .as_array()
        .unwrap()
        .is_empty());
    let r = &h.requests(mark)[0];
    assert_eq!(r.path, format!("/v1.0/teams/{}/channels", enc(tid)));
    assert!(r.query.as_deref().unwrap().contains("select="));

    let (tid, cid) = team_and_channel(&h).await;
    let mark = seq_now(&h);
    let page = h
        .call(
            "list_channel_messages",
            json!({"team_id": tid, "channel_id": cid, "limit": 2}),
        )
        .await
        .ok();
    let msgs = page.structured["messages"].as_array().unwrap().clone();
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(
        reqs[0].path,
        format!("/v1.0/teams/{}/channels/{}/messages", enc(&tid), enc(&cid))
    );
    assert!(reqs[0].query.as_deref().unwrap().contains("top=2"));
    // Clean text, never HTML; newest first.
    for m in &msgs {
        let t = m["text"].as_str().unwrap();
        assert!(!t.contains("<p>") && !t.contains("<at"), "{t}");
    }
    assert!(!page.text.contains("<p>"), "{}", page.text);
    let created: Vec<&str> = msgs
        .iter()
        .map(|m| m["created"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);
    if let Some(cursor) = page.structured["nextCursor"].as_str() {
        let older = h
            .call(
                "list_channel_messages",
                json!({"team_id": tid, "channel_id": cid, "limit": 2, "cursor": cursor}),
            )
            .await
            .ok();
        let first_older = older.structured["messages"][0]["created"].as_str().unwrap();
        assert!(
            first_older <= created[created.len() - 1],
            "older page is older"
        );
    }

    // Replies to one post.
    let post = msgs[0]["id"].as_str().unwrap();
    let mark = seq_now(&h);
    h.call(
        "list_channel_messages",
        json!({"team_id": tid, "channel_id": cid, "message_id": post}),
    )
    .await
    .ok();
    assert!(h.requests(mark)[0]
        .path
        .ends_with(&format!("/messages/{post}/replies")));

    // Not found: team, channel, post.
    let e = h
        .call(
            "list_channels",
            json!({"team_id": "00000000-0000-0000-0000-000000000000"}),
        )
        .await
        .err();
    assert!(e.text.contains("list_joined_teams"), "{}", e.text);
    let e = h
        .call(
            "list_channel_messages",
            json!({"team_id": tid, "channel_id": "19:nope@thread.tacv2"}),
        )
        .await
        .err();
    assert!(e.text.contains("list_channels"), "{}", e.text);
    let e = h
        .call(
            "list_channel_messages",
            json!({"team_id": tid, "channel_id": cid, "message_id": "123"}),
        )
        .await
        .err();
    assert!(e.text.contains("No such post"), "{}", e.text);
    let e = h.call("list_channels", json!({"team_id": " "})).await.err();
    assert!(e.text.contains("team_id"), "{}", e.text);
    let e = h
        .call(
            "list_channel_messages",
            json!({"team_id": tid, "channel_id": cid, "limit": 51}),
        )
        .await
        .err();
    assert!(
        e.text.contains("limit") || e.text.contains("maximum"),
        "{}",
        e.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn posting_and_replying_in_a_channel_with_mentions() {
    let h = Harness::new();
    let (tid, cid) = team_and_channel(&h).await;
    let mark = seq_now(&h);
    let sent = h
        .call(
            "send_channel_message",
            json!({"team_id": tid, "channel_id": cid, "subject": "Deck",
                   "message": "@Megan Bowen the deck is ready.\nThanks!",
                   "mentions": [{"name": "Megan Bowen", "user": "megan@contoso.example"},
                                {"name": "Lee Gu", "user": seed::LEE_ID}],
                   "importance": "high"}),
        )
        .await
        .ok();
    let id = sent.structured["id"].as_str().unwrap().to_owned();
    assert_eq!(
        sent.structured["mentioned"],
        json!(["Megan Bowen", "Lee Gu"])
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let lookup = reqs
        .iter()
        .find(|r| r.method == "GET" && r.path.starts_with("/v1.0/users/"))
        .expect("address resolved");
    assert!(
        lookup.path.contains("megan%40contoso.example")
            || lookup.path.contains("megan@contoso.example")
    );
    let post = reqs.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(
        post.path,
        format!("/v1.0/teams/{}/channels/{}/messages", enc(&tid), enc(&cid))
    );
    let body: Value = serde_json::from_str(post.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["body"]["contentType"], "html");
    assert_eq!(
        body["body"]["content"],
        "<at id=\"1\">Lee Gu</at> <at id=\"0\">Megan Bowen</at> the deck is ready.<br>Thanks!"
    );
    assert_eq!(
        body["mentions"][0]["mentioned"]["user"]["id"],
        seed::MEGAN_ID
    );
    assert_eq!(body["mentions"][1]["mentioned"]["user"]["id"], seed::LEE_ID);
    assert_eq!(body["subject"], "Deck");
    assert_eq!(body["importance"], "high");

    // It is the newest post now, shown as text with its mentions.
    let page = h
        .call(
            "list_channel_messages",
            json!({"team_id": tid, "channel_id": cid, "limit": 1}),
        )
        .await
        .ok();
    let newest = &page.structured["messages"][0];
    assert_eq!(newest["id"], id.as_str());
    assert_eq!(
        newest["text"],
        "Lee Gu Megan Bowen the deck is ready.\nThanks!"
    );
    assert_eq!(newest["mentions"], json!(["Megan Bowen", "Lee Gu"]));

    // Reply in its thread.
    let mark = seq_now(&h);
    let reply = h
        .call(
            "reply_to_channel_message",
            json!({"team_id": tid, "channel_id": cid, "message_id": id, "message": "Looks <good> & done"}),
        )
        .await
        .ok();
    let post = h
        .requests(mark)
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        post.path.ends_with(&format!("/messages/{id}/replies")),
        "{}",
        post.path
    );
    let body: Value = serde_json::from_str(post.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"body": {"contentType": "text", "content": "Looks <good> & done"}})
    );
    let replies = h
        .call(
            "list_channel_messages",
            json!({"team_id": tid, "channel_id": cid, "message_id": id}),
        )
        .await
        .ok();
    assert_eq!(
        replies.structured["messages"][0]["id"],
        reply.structured["id"]
    );
    assert_eq!(
        replies.structured["messages"][0]["text"],
        "Looks <good> & done"
    );

    // Errors: empty message, a mention outside the directory, a bad user, an unknown post.
    let mark = seq_now(&h);
    let e = h
        .call(
            "send_channel_message",
            json!({"team_id": tid, "channel_id": cid, "message": "  "}),
        )
        .await
        .err();
    assert!(e.text.contains("message"), "{}", e.text);
    assert!(
        h.requests(mark).is_empty(),
        "nothing sent for a bad argument"
    );
    let e = h
        .call(
            "send_channel_message",
            json!({"team_id": tid, "channel_id": cid, "message": "hi",
                   "mentions": [{"name": "Nobody", "user": "nobody@contoso.example"}]}),
        )
        .await
        .err();
    assert!(e.text.contains("Cannot mention"), "{}", e.text);
    assert!(!e.text.contains("  "), "no runs of spaces: {}", e.text);
    let e = h
        .call(
            "send_channel_message",
            json!({"team_id": tid, "channel_id": cid, "message": "hi",
                   "mentions": [{"name": "Megan", "user": "Megan Bowen"}]}),
        )
        .await
        .err();
    assert!(e.text.contains("lookup_people"), "{}", e.text);
    assert!(!e.text.contains("  "), "no runs of spaces: {}", e.text);
    assert!(
        !h.requests(mark).iter().any(|r| r.method == "POST"),
        "nothing posted"
    );
    let e = h
        .call(
            "reply_to_channel_message",
            json!({"team_id": tid, "channel_id": cid, "message_id": "42", "message": "hi"}),
        )
        .await
        .err();
    assert!(e.text.contains("nothing was sent"), "{}", e.text);
    let e = h
        .call(
            "send_channel_message",
            json!({"team_id": tid, "channel_id": "19:nope@thread.tacv2", "message": "hi"}),
        )
        .await
        .err();
    assert!(e.text.contains("nothing was posted"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn chats_list_read_and_send() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let chats = h.call("list_chats", json!({"limit": 50})).await.ok();
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs[0].path, "/v1.0/me/chats");
    let q = reqs[0].query.as_deref().unwrap();
    assert!(q.contains("expand=members") && !q.contains("select"), "{q}");
    let alpha = chats.structured["chats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == seed::fixtures::ALPHA_CHAT_TOPIC)
        .expect("the Alpha chat")
        .clone();
    assert!(
        alpha["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "Adele Vance"),
        "{alpha}"
    );
    let chat_id = alpha["id"].as_str().unwrap().to_owned();

    let mark = seq_now(&h);
    let msgs = h
        .call(
            "list_chat_messages",
            json!({"chat_id": chat_id, "limit": 5}),
        )
        .await
        .ok();
    let list = msgs.structured["messages"].as_array().unwrap().clone();
    assert!(!list.is_empty());
    let r = &h.requests(mark)[0];
    assert_eq!(r.path, format!("/v1.0/chats/{}/messages", enc(&chat_id)));
    let q = r.query.as_deref().unwrap();
    assert!(
        q.contains("top=5") && q.contains("orderby=createdDateTime"),
        "{q}"
    );
    for m in &list {
        assert!(!m["text"].as_str().unwrap().contains("</"), "{m}");
    }

    let mark = seq_now(&h);
    let sent = h
        .call(
            "send_chat_message",
            json!({"chat_id": chat_id, "message": "<b>Running</b> late", "format": "html"}),
        )
        .await
        .ok();
    let post = h
        .requests(mark)
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.path, format!("/v1.0/chats/{}/messages", enc(&chat_id)));
    let body: Value = serde_json::from_str(post.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"body": {"contentType": "html", "content": "<b>Running</b> late"}})
    );
    let newest = h
        .call(
            "list_chat_messages",
            json!({"chat_id": chat_id, "limit": 1}),
        )
        .await
        .ok();
    assert_eq!(
        newest.structured["messages"][0]["id"],
        sent.structured["id"]
    );
    assert_eq!(newest.structured["messages"][0]["text"], "Running late");

    let e = h
        .call(
            "list_chat_messages",
            json!({"chat_id": "19:none@unq.gbl.spaces"}),
        )
        .await
        .err();
    assert!(e.text.contains("list_chats"), "{}", e.text);
    let e = h
        .call(
            "send_chat_message",
            json!({"chat_id": "19:none@unq.gbl.spaces", "message": "x"}),
        )
        .await
        .err();
    assert!(e.text.contains("nothing was sent"), "{}", e.text);
    let e = h
        .call(
            "send_chat_message",
            json!({"chat_id": chat_id, "message": "x", "format": "markdown"}),
        )
        .await
        .err();
    assert!(
        e.text.contains("format") || e.text.contains("markdown"),
        "{}",
        e.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn online_meeting_is_created_with_utc_times() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let m = h
        .call(
            "create_online_meeting",
            json!({"subject": "Design sync", "start": "2026-06-03T15:00:00-07:00",
                   "end": "2026-06-03T15:30:00-07:00", "attendees": ["megan@contoso.example"]}),
        )
        .await
        .ok();
    let url = m.structured["joinUrl"].as_str().unwrap();
    assert!(
        url.starts_with("https://teams.microsoft.com/l/meetup-join/"),
        "{url}"
    );
    assert!(m.text.contains(url));
    assert!(m.text.contains("No calendar event"), "{}", m.text);
    assert!(m.structured["passcode"].is_string());
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/v1.0/me/onlineMeetings")
    );
    let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["startDateTime"], "2026-06-03T22:00:00Z");
    assert_eq!(body["endDateTime"], "2026-06-03T22:30:00Z");
    assert_eq!(
        body["participants"]["attendees"][0]["upn"],
        "megan@contoso.example"
    );
    // It exists: Graph finds it by its join URL.
    let (status, found) = h
        .graph_get(&format!(
            "/me/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
            enc(url)
        ))
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["value"][0]["subject"], "Design sync");

    let e = h
        .call(
            "create_online_meeting",
            json!({"subject": "x", "start": "2026-06-03T15:00:00", "end": "2026-06-03T16:00:00Z"}),
        )
        .await
        .err();
    assert!(
        e.text.contains("start") && e.text.contains("offset"),
        "{}",
        e.text
    );
    let e = h
        .call(
            "create_online_meeting",
            json!({"subject": "x", "start": "2026-06-03T16:00:00Z", "end": "2026-06-03T15:00:00Z"}),
        )
        .await
        .err();
    assert!(e.text.contains("after"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn personal_accounts_get_a_clear_error_from_every_teams_tool() {
    let h = Harness::with(seed::PERSONAL_USER_ID, ALL_SCOPES, full());
    let calls = [
        ("list_joined_teams", json!({})),
        ("list_channels", json!({"team_id": "t"})),
        (
            "list_channel_messages",
            json!({"team_id": "t", "channel_id": "c"}),
        ),
        (
            "send_channel_message",
            json!({"team_id": "t", "channel_id": "c", "message": "hi"}),
        ),
        (
            "reply_to_channel_message",
            json!({"team_id": "t", "channel_id": "c", "message_id": "1", "message": "hi"}),
        ),
        ("list_chats", json!({})),
        ("list_chat_messages", json!({"chat_id": "c"})),
        (
            "send_chat_message",
            json!({"chat_id": "c", "message": "hi"}),
        ),
        (
            "create_online_meeting",
            json!({"subject": "x", "start": "2026-06-03T15:00:00Z", "end": "2026-06-03T16:00:00Z"}),
        ),
    ];
    for (name, args) in calls {
        let e = h.call(name, args).await.err();
        assert!(
            e.text.contains("work or school") && e.text.contains("personal Microsoft account"),
            "{name}: {}",
            e.text
        );
        assert!(e.text.contains("Do not retry"), "{name}: {}", e.text);
    }
    // Graph's answer ("No authorization information present") does not name the account kind:
    // the tools asked who the user is.
    assert!(h.requests(0).iter().any(|r| r.path == "/v1.0/me"
        && matches!(r.query.as_deref(), Some("$select=id" | "%24select=id"))));
    // The descriptions say so too.
    for t in h.registry().iter() {
        if [
            "list_joined_teams",
            "list_channels",
            "list_channel_messages",
            "send_channel_message",
            "reply_to_channel_message",
            "list_chats",
            "list_chat_messages",
            "send_chat_message",
            "create_online_meeting",
        ]
        .contains(&t.name())
        {
            assert!(
                t.description().contains("Work or school accounts only")
                    || t.description().contains("work or school accounts only"),
                "{}",
                t.name()
            );
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn missing_permissions_are_named() {
    let h = Harness::with(seed::ADELE_ID, &["User.Read"], full());
    for (name, args, scope) in [
        ("list_joined_teams", json!({}), "Team.ReadBasic.All"),
        ("list_chats", json!({}), "Chat.Read"),
        (
            "create_online_meeting",
            json!({"subject": "x", "start": "2026-06-03T15:00:00Z", "end": "2026-06-03T16:00:00Z"}),
            "OnlineMeetings.ReadWrite",
        ),
    ] {
        let e = h.call(name, args).await.err();
        assert!(e.text.contains(scope), "{name}: {}", e.text);
    }
    // Reading channels but not allowed to post.
    let h = Harness::with(
        seed::ADELE_ID,
        &[
            "User.Read",
            "Team.ReadBasic.All",
            "Channel.ReadBasic.All",
            "ChannelMessage.Read.All",
        ],
        full(),
    );
    let (tid, cid) = team_and_channel(&h).await;
    let e = h
        .call(
            "send_channel_message",
            json!({"team_id": tid, "channel_id": cid, "message": "hi"}),
        )
        .await
        .err();
    assert!(e.text.contains("ChannelMessage.Send"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn channel_messages_need_the_administrator_consent_declaration() {
    let plain = Deployment::from_vars(|_| None).unwrap();
    let names: Vec<String> = m365_core::mcp::tool::ToolRegistry::for_deployment(&plain)
        .iter()
        .map(|t| t.name().to_owned())
        .collect();
    assert!(!names.contains(&"list_channel_messages".to_owned()));
    assert!(names.contains(&"list_channels".to_owned()));
}

#[tokio::test(flavor = "current_thread")]
async fn send_tools_follow_the_send_policy_and_daily_cap() {
    let sends = [
        "send_channel_message",
        "reply_to_channel_message",
        "send_chat_message",
    ];
    let reads = [
        "list_joined_teams",
        "list_channels",
        "list_channel_messages",
        "list_chats",
        "list_chat_messages",
    ];
    for d in [
        deployment(&[]),
        deployment(&[("TOOL_PRESET", "full")]),
        deployment(&[("TOOL_PRESET", "full"), ("SEND_POLICY", "none")]),
        deployment(&[("TOOL_PRESET", "draft"), ("SEND_POLICY", "direct")]),
    ] {
        let h = Harness::with(seed::ADELE_ID, ALL_SCOPES, d.clone());
        let names: Vec<&str> = h.registry().iter().map(|t| t.name()).collect();
        for s in sends {
            assert!(!names.contains(&s), "{s} registered under {d:?}");
        }
        for r in reads {
            assert!(names.contains(&r), "{r} missing under {d:?}");
        }
    }
    let default = Harness::with(seed::ADELE_ID, ALL_SCOPES, deployment(&[]));
    assert!(default.registry().get("create_online_meeting").is_some());
    let read = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[("TOOL_PRESET", "read")]),
    );
    assert!(read.registry().get("create_online_meeting").is_none());
    let direct = Harness::new();
    for s in sends {
        assert!(direct.registry().get(s).is_some(), "{s}");
    }

    // DAILY_SEND_CAP counts Teams sends.
    let h = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[
            ("TOOL_PRESET", "full"),
            ("SEND_POLICY", "direct"),
            ("DAILY_SEND_CAP", "1"),
        ]),
    );
    let chats = h.call("list_chats", json!({})).await.ok();
    let chat_id = chats.structured["chats"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.call(
        "send_chat_message",
        json!({"chat_id": chat_id, "message": "one"}),
    )
    .await
    .ok();
    let mark = seq_now(&h);
    let e = h
        .call(
            "send_chat_message",
            json!({"chat_id": chat_id, "message": "two"}),
        )
        .await
        .err();
    assert!(e.text.contains("at most 1"), "{}", e.text);
    assert!(!e.text.contains("  "), "no runs of spaces: {}", e.text);
    assert!(
        h.requests(mark).iter().all(|r| r.method != "POST"),
        "nothing sent over the cap"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_repeated_send_posts_once() {
    let mut h = Harness::new();
    let chats = h.call("list_chats", json!({})).await.ok();
    let chat_id = chats.structured["chats"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let args = json!({"chat_id": chat_id, "message": "On my way"});
    let mark = seq_now(&h);
    let first = h.call("send_chat_message", args.clone()).await.ok();
    let again = h.call("send_chat_message", args.clone()).await.ok();
    assert_eq!(again.structured["id"], first.structured["id"]);
    assert!(again.text.contains("sent nothing again"), "{}", again.text);
    let posts = h
        .requests(mark)
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "one message in Teams");
    // After the repeat window the same text is a new message.
    h.now_secs += 3600;
    let later = h.call("send_chat_message", args).await.ok();
    assert_ne!(later.structured["id"], first.structured["id"]);
    // A failed send is not remembered: repeating it fails the same way, not "in progress".
    for _ in 0..2 {
        let e = h
            .call(
                "send_chat_message",
                json!({"chat_id": "19:none@unq.gbl.spaces", "message": "x"}),
            )
            .await
            .err();
        assert!(e.text.contains("nothing was sent"), "{}", e.text);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn allowed_domains_restrict_chat_sends() {
    let h = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[
            ("TOOL_PRESET", "full"),
            ("SEND_POLICY", "direct"),
            ("SEND_ALLOWED_DOMAINS", "fabrikam.example"),
        ]),
    );
    let chats = h.call("list_chats", json!({"limit": 50})).await.ok();
    let alpha = chats.structured["chats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == seed::fixtures::ALPHA_CHAT_TOPIC)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mark = seq_now(&h);
    let e = h
        .call(
            "send_chat_message",
            json!({"chat_id": alpha, "message": "hi"}),
        )
        .await
        .err();
    assert!(
        e.text.contains("only sends to fabrikam.example"),
        "{}",
        e.text
    );
    assert!(e.text.contains("megan@contoso.example"), "{}", e.text);
    let reqs = h.requests(mark);
    assert!(reqs
        .iter()
        .any(|r| r.method == "GET" && r.path.ends_with("/members")));
    assert!(reqs.iter().all(|r| r.method != "POST"), "nothing sent");

    let h = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[
            ("TOOL_PRESET", "full"),
            ("SEND_POLICY", "direct"),
            ("SEND_ALLOWED_DOMAINS", "contoso.example"),
        ]),
    );
    h.call(
        "send_chat_message",
        json!({"chat_id": alpha, "message": "hi"}),
    )
    .await
    .ok();
}
