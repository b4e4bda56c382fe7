//! Mail read tools against the sandbox.
mod common;
use common::*;

#[tokio::test(flavor = "current_thread")]
async fn list_messages_pages_filters_and_selects() {
    let h = Harness::new();
    let mark = h.mark();
    let first = h.call("list_messages", json!({"limit": 5})).await.ok();
    let msgs = first.structured["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 5);
    let cursor = first.structured["nextCursor"]
        .as_str()
        .expect("more pages")
        .to_owned();
    assert!(first.text.contains("id: "), "{}", first.text);
    let second = h
        .call("list_messages", json!({"limit": 5, "cursor": cursor}))
        .await
        .ok();
    let ids1: Vec<_> = msgs.iter().map(|m| m["id"].clone()).collect();
    for m in second.structured["messages"].as_array().unwrap() {
        assert!(!ids1.contains(&m["id"]), "pages overlap");
    }
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert!(
        reqs.iter()
            .all(|r| r.query.as_deref().unwrap_or("").contains("%24select")
                || r.query.as_deref().unwrap_or("").contains("$select")),
        "{:?}",
        reqs.iter().map(|r| &r.query).collect::<Vec<_>>()
    );

    let unread = h
        .call("list_messages", json!({"unread": true, "limit": 50}))
        .await
        .ok();
    for m in unread.structured["messages"].as_array().unwrap() {
        assert_eq!(m["isRead"], false);
    }
    let bad = h
        .call("list_messages", json!({"received_after": "yesterday"}))
        .await
        .err();
    assert!(bad.text.contains("received_after"), "{}", bad.text);
    let unknown = h
        .call("list_messages", json!({"folder": "No Such Folder"}))
        .await
        .err();
    assert!(
        unknown.text.contains("list_mail_folders"),
        "{}",
        unknown.text
    );
    let extra = h.call("list_messages", json!({"foo": 1})).await.err();
    assert!(extra.text.contains("foo"), "{}", extra.text);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

use base64::Engine as _;
use m365_core::graph::GraphClient as _;
use m365_core::graph::HttpRequest;
use m365_core::store::UserStore as _;
use m365_sandbox::seed::{self, fixtures};

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Messages (id, subject, receivedDateTime, parentFolderId, conversationId…) with this subject,
/// newest first.
async fn by_subject(h: &Harness, subject: &str) -> Vec<Value> {
    let filter = format!("subject eq '{}'", subject.replace('\'', "''"));
    let (status, v) = h
        .graph_get(&format!(
            "/me/messages?$filter={}&$select=id,subject,receivedDateTime,conversationId,hasAttachments,from,isRead&$top=100",
            enc(&filter)
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    let mut list = v["value"].as_array().cloned().unwrap_or_default();
    list.sort_by(|a, b| {
        b["receivedDateTime"]
            .as_str()
            .cmp(&a["receivedDateTime"].as_str())
    });
    assert!(!list.is_empty(), "no message with subject {subject:?}");
    list
}

async fn id_of(h: &Harness, subject: &str) -> String {
    by_subject(h, subject).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A raw Graph call as the current user (to change the mailbox under a tool).
async fn graph_send(
    h: &Harness,
    method: &'static str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut headers = vec![("Prefer".to_owned(), "IdType=\"ImmutableId\"".to_owned())];
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let req = HttpRequest {
        method,
        url: format!("{BASE}{path}"),
        headers,
        body: body.map(|b| b.to_string().into_bytes()),
    };
    let resp = h.graph.send(req).await.expect("sandbox");
    (
        resp.status,
        serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
    )
}

fn only_scopes(scopes: &[&str]) -> Harness {
    let h = Harness::new();
    Harness::with(seed::ADELE_ID, scopes, h.deployment)
}

fn queries(reqs: &[m365_sandbox::admin::RecordedRequest]) -> Vec<String> {
    reqs.iter()
        .map(|r| {
            let q = r.query.clone().unwrap_or_default();
            let q = percent_encoding::percent_decode_str(&q)
                .decode_utf8_lossy()
                .into_owned();
            format!("{} {}?{}", r.method, r.path, q)
        })
        .collect()
}

use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// list_messages: context economy
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn a_page_of_25_is_at_most_30_percent_of_raw_graph_json() {
    let h = Harness::new();
    let out = h.call("list_messages", json!({"limit": 25})).await.ok();
    assert_eq!(out.structured["messages"].as_array().unwrap().len(), 25);
    let tool_bytes = out.text.len() + out.structured.to_string().len();
    let (status, raw) = h.graph_get("/me/mailFolders/inbox/messages?$top=25").await;
    assert_eq!(status, 200);
    assert_eq!(raw["value"].as_array().unwrap().len(), 25);
    let raw_bytes = raw.to_string().len();
    assert!(
        tool_bytes * 100 <= raw_bytes * 30,
        "tool {tool_bytes} bytes vs raw {raw_bytes} bytes ({}%)",
        tool_bytes * 100 / raw_bytes
    );
}

// ---------------------------------------------------------------------------------------------
// search_messages
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn search_builds_kql_without_filter_or_orderby() {
    let h = Harness::new();
    let mark = h.mark();
    let out = h
        .call(
            "search_messages",
            json!({"subject": fixtures::CROSS_TENANT_THREAD_SUBJECT, "from": "alex"}),
        )
        .await
        .ok();
    assert_eq!(
        out.structured["kql"],
        "from:alex AND subject:\"Partnership pricing proposal\""
    );
    let msgs = out.structured["messages"].as_array().unwrap();
    assert!(!msgs.is_empty(), "{}", out.text);
    for m in msgs {
        assert!(
            m["subject"]
                .as_str()
                .unwrap()
                .contains("Partnership pricing proposal"),
            "{m}"
        );
        assert!(
            m["from"]["address"].as_str().unwrap().starts_with("alex"),
            "{m}"
        );
    }
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let q = queries(&reqs);
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(q[0].starts_with("GET /v1.0/me/messages?"), "{q:?}");
    assert!(
        q[0].contains("$search=\"from:alex AND subject:\\\"Partnership pricing proposal\\\"\""),
        "{q:?}"
    );
    assert!(
        !q[0].contains("$filter") && !q[0].contains("$orderby") && q[0].contains("$select="),
        "{q:?}"
    );

    // A folder, dates and paging.
    let mark = h.mark();
    let page1 = h
        .call(
            "search_messages",
            json!({"query": "Alpha", "folder": "sentitems", "received_after": "2026-01-01", "limit": 2}),
        )
        .await
        .ok();
    let first: Vec<Value> = page1.structured["messages"].as_array().unwrap().clone();
    assert_eq!(first.len(), 2, "{}", page1.text);
    let cursor = page1.structured["nextCursor"]
        .as_str()
        .expect("more")
        .to_owned();
    let page2 = h
        .call(
            "search_messages",
            json!({"query": "Alpha", "folder": "sentitems", "received_after": "2026-01-01", "limit": 2, "cursor": cursor}),
        )
        .await
        .ok();
    for m in page2.structured["messages"].as_array().unwrap() {
        assert!(!first.iter().any(|f| f["id"] == m["id"]), "pages overlap");
    }
    let q = queries(&h.requests(mark));
    assert!(
        q[0].contains("/me/mailFolders/sentitems/messages")
            && q[0].contains("received>=2026-01-01"),
        "{q:?}"
    );
    assert_graph_hygiene(&h.requests(mark));
}

#[tokio::test(flavor = "current_thread")]
async fn search_errors_name_the_argument() {
    let h = Harness::new();
    let none = h.call("search_messages", json!({})).await.err();
    assert!(none.text.contains("list_messages"), "{}", none.text);
    let date = h
        .call(
            "search_messages",
            json!({"query": "x", "received_before": "soon"}),
        )
        .await
        .err();
    assert!(date.text.contains("received_before"), "{}", date.text);
    let limit = h
        .call("search_messages", json!({"query": "x", "limit": 500}))
        .await
        .err();
    assert!(limit.text.contains("limit"), "{}", limit.text);
    let cursor = h
        .call(
            "search_messages",
            json!({"query": "x", "cursor": "aHR0cHM6Ly9ldmlsLmV4YW1wbGUv"}),
        )
        .await
        .err();
    assert!(cursor.text.contains("cursor"), "{}", cursor.text);
    // Another user's mailbox without delegated access: Graph's 403, named permission.
    let shared = h
        .call(
            "search_messages",
            json!({"query": "x", "mailbox": "megan@contoso.example"}),
        )
        .await
        .err();
    assert!(shared.text.contains("Mail.Read.Shared"), "{}", shared.text);
    let no_folder = h
        .call(
            "search_messages",
            json!({"query": "x", "folder": "No Such Folder"}),
        )
        .await
        .err();
    assert!(
        no_folder.text.contains("list_mail_folders"),
        "{}",
        no_folder.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn search_with_attachment_contents_uses_microsoft_search() {
    let h = Harness::new();
    // (The sandbox's Search API matches like $search; it does not read attachment contents, so
    // this checks the request and the shaping of the hits.)
    let mark = h.mark();
    let deep = h
        .call(
            "search_messages",
            json!({"query": "pricing", "include_attachment_contents": true, "limit": 5}),
        )
        .await
        .ok();
    let found = deep.structured["messages"].as_array().unwrap();
    assert!(!found.is_empty() && found.len() <= 5, "{}", deep.text);
    for m in found {
        assert!(m["subject"].is_string() && m["id"].is_string(), "{m}");
    }
    let reqs = h.requests(mark);
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/v1.0/search/query")
    );
    let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["requests"][0]["entityTypes"], json!(["message"]));
    assert_eq!(body["requests"][0]["query"]["queryString"], "pricing");
    assert_eq!(body["requests"][0]["size"], 5);
    // The id works with get_message.
    let id = found[0]["id"].as_str().unwrap();
    h.call("get_message", json!({"id": id})).await.ok();

    let folder = h
        .call(
            "search_messages",
            json!({"query": "x", "include_attachment_contents": true, "folder": "inbox"}),
        )
        .await
        .err();
    assert!(folder.text.contains("folder"), "{}", folder.text);

    // Personal accounts have no Microsoft Search.
    let personal = Harness::with(seed::PERSONAL_USER_ID, ALL_SCOPES, h.deployment.clone());
    let e = personal
        .call(
            "search_messages",
            json!({"query": "hello", "include_attachment_contents": true}),
        )
        .await
        .err();
    assert!(e.text.contains("work or school"), "{}", e.text);
    // …but the ordinary search works for them.
    personal
        .call("search_messages", json!({"query": "hello"}))
        .await
        .ok();
}

// ---------------------------------------------------------------------------------------------
// get_message
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn get_message_new_text_full_thread_headers_and_batch() {
    let h = Harness::new();
    let thread = by_subject(&h, &format!("RE: {}", fixtures::LONGEST_THREAD_SUBJECT)).await;
    let id = thread[0]["id"].as_str().unwrap();
    let mark = h.mark();
    let new_only = h.call("get_message", json!({"id": id})).await.ok();
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    // One $batch carrying the message read (uniqueBody, HTML) and the attachment list.
    let top: Vec<_> = reqs.iter().filter(|r| r.batch.is_none()).collect();
    assert_eq!(top.len(), 1, "{:?}", queries(&reqs));
    assert_eq!(top[0].path, "/v1.0/$batch");
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 2);
    let msg_req = subs
        .iter()
        .find(|r| !r.path.ends_with("/attachments"))
        .unwrap();
    let q = queries(&[(*msg_req).clone()]);
    assert!(
        q[0].contains("uniqueBody") && !q[0].contains(",body"),
        "{q:?}"
    );
    assert!(msg_req.headers["prefer"].contains("outlook.body-content-type=\"html\""));
    assert!(
        msg_req.path.contains(&enc(id)) || !id.contains('/'),
        "id not encoded: {}",
        msg_req.path
    );

    assert_eq!(new_only.structured["bodyScope"], "new_text");
    let full = h
        .call("get_message", json!({"id": id, "full_thread": true}))
        .await
        .ok();
    let new_len = new_only.structured["totalChars"].as_u64().unwrap();
    let full_len = full.structured["totalChars"].as_u64().unwrap();
    assert!(new_len > 0 && new_len < full_len, "{new_len} vs {full_len}");
    assert!(
        full.structured["body"].as_str().unwrap().contains("From:"),
        "{}",
        full.text
    );
    assert!(
        !new_only.structured["body"]
            .as_str()
            .unwrap()
            .contains("Subject:"),
        "{}",
        new_only.text
    );
    assert!(new_only.text.contains("full_thread"), "{}", new_only.text);
    assert!(new_only.structured.get("headers").is_none());

    let with_headers = h
        .call("get_message", json!({"id": id, "headers": true}))
        .await
        .ok();
    let names: Vec<&str> = with_headers.structured["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Authentication-Results") && names.contains(&"Message-ID"),
        "{names:?}"
    );
    assert!(with_headers.text.contains("Headers:"));
}

#[tokio::test(flavor = "current_thread")]
async fn get_message_removes_hidden_text_and_flags_links() {
    let h = Harness::new();
    let id = id_of(&h, fixtures::INJECTION_SUBJECT).await;
    let out = h
        .call("get_message", json!({"id": id, "max_chars": 40000}))
        .await
        .ok();
    assert!(
        !out.text.contains(fixtures::INJECTION_ADDRESS),
        "hidden injection leaked"
    );
    assert!(!out
        .structured
        .to_string()
        .contains(fixtures::INJECTION_ADDRESS));
    assert!(out.structured["hiddenRemoved"].as_u64().unwrap() > 0);
    assert!(
        !out.text.contains('<') || !out.text.contains("</"),
        "HTML in the text"
    );

    let phish = id_of(&h, fixtures::PHISHING_SUBJECT).await;
    let out = h.call("get_message", json!({"id": phish})).await.ok();
    assert!(
        !out.structured["suspiciousLinks"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        out.text
    );
    assert!(out.text.contains("Warning: a link shows"), "{}", out.text);
    assert!(
        out.text
            .contains("Warning: replies go to winner@lucky-prizes.example"),
        "{}",
        out.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn get_message_reads_long_bodies_in_chunks() {
    let h = Harness::new();
    let id = id_of(&h, fixtures::INJECTION_SUBJECT).await;
    let first = h
        .call("get_message", json!({"id": id, "max_chars": 1000}))
        .await
        .ok();
    let total = first.structured["totalChars"].as_u64().unwrap();
    assert!(total > 1000, "the newsletter should be long: {total}");
    let next = first.structured["nextOffset"].as_u64().expect("more");
    assert!(
        first.text.contains(&format!("offset {next}")),
        "{}",
        first.text
    );
    let mut offset = next;
    let mut seen = first.structured["body"].as_str().unwrap().chars().count() as u64;
    for _ in 0..200 {
        let part = h
            .call(
                "get_message",
                json!({"id": id, "max_chars": 1000, "offset": offset}),
            )
            .await
            .ok();
        seen += part.structured["body"].as_str().unwrap().chars().count() as u64;
        match part.structured["nextOffset"].as_u64() {
            Some(n) => {
                assert!(n > offset);
                offset = n;
            }
            None => break,
        }
    }
    assert!(
        seen <= total && seen + 200 >= total / 2,
        "{seen} of {total}"
    );
    let past = h
        .call("get_message", json!({"id": id, "offset": total + 10}))
        .await
        .err();
    assert!(past.text.contains("offset"), "{}", past.text);
}

#[tokio::test(flavor = "current_thread")]
async fn get_message_errors() {
    let h = Harness::new();
    let gone = h
        .call("get_message", json!({"id": "AAMkAGI2TG93AAA=/../../me?x"}))
        .await
        .err();
    assert!(gone.text.contains("deleted"), "{}", gone.text);
    let empty = h.call("get_message", json!({"id": "  "})).await.err();
    assert!(empty.text.contains("id"), "{}", empty.text);
    let missing = h.call("get_message", json!({})).await.err();
    assert!(missing.text.contains("id"), "{}", missing.text);
    let no_scope = only_scopes(&["User.Read"]);
    let id = id_of(&h, fixtures::PHISHING_SUBJECT).await;
    let denied = no_scope.call("get_message", json!({"id": id})).await.err();
    assert!(denied.text.contains("Mail.Read"), "{}", denied.text);
}

// ---------------------------------------------------------------------------------------------
// get_thread
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn get_thread_is_oldest_first_across_folders_and_pages() {
    let h = Harness::new();
    let any = by_subject(&h, &format!("RE: {}", fixtures::LONGEST_THREAD_SUBJECT)).await;
    let id = any[0]["id"].as_str().unwrap();
    let conv = any[0]["conversationId"].as_str().unwrap();
    let mark = h.mark();
    let out = h
        .call("get_thread", json!({"id": id, "limit": 25}))
        .await
        .ok();
    let msgs = out.structured["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 8, "{}", out.text);
    let times: Vec<&str> = msgs
        .iter()
        .map(|m| m["received"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    assert!(
        msgs.iter()
            .any(|m| m["from"]["address"] == "adele@contoso.example"),
        "the user's own replies (Sent Items) belong to the thread"
    );
    assert!(
        msgs.iter()
            .all(|m| !m["text"].as_str().unwrap().contains("From:")),
        "{}",
        out.text
    );
    assert_eq!(out.structured["conversationId"], conv);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let q = queries(&reqs);
    assert!(
        q[1].contains("conversationId eq '") && q[1].contains("$orderby=receivedDateTime asc"),
        "{q:?}"
    );
    assert!(reqs[1].headers["prefer"].contains("outlook.body-content-type=\"html\""));

    let p1 = h
        .call("get_thread", json!({"conversation_id": conv, "limit": 3}))
        .await
        .ok();
    assert_eq!(p1.structured["messages"].as_array().unwrap().len(), 3);
    let cursor = p1.structured["nextCursor"].as_str().unwrap().to_owned();
    let p2 = h
        .call(
            "get_thread",
            json!({"conversation_id": conv, "limit": 3, "cursor": cursor}),
        )
        .await
        .ok();
    assert_eq!(p2.structured["messages"][0]["id"], msgs[3]["id"]);

    let neither = h.call("get_thread", json!({})).await.err();
    assert!(neither.text.contains("conversation_id"), "{}", neither.text);
    let unknown = h
        .call(
            "get_thread",
            json!({"conversation_id": "AAQkNoSuchConversation="}),
        )
        .await
        .err();
    assert!(unknown.text.contains("deleted"), "{}", unknown.text);
    let bad_id = h
        .call("get_thread", json!({"id": "AAMkNoSuchMessage="}))
        .await
        .err();
    assert!(bad_id.text.contains("Not found"), "{}", bad_id.text);
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn attachments_text_binary_chunks_and_items() {
    let h = Harness::new();
    let msg = by_subject(&h, fixtures::LARGE_ZIP_SUBJECT).await;
    let mid = msg[0]["id"].as_str().unwrap();
    let list = h
        .call("list_attachments", json!({"message_id": mid}))
        .await
        .ok();
    let atts = list.structured["attachments"].as_array().unwrap();
    let zip = atts
        .iter()
        .find(|a| a["name"].as_str().unwrap().ends_with(".zip"))
        .expect("a zip");
    let size = zip["size"].as_u64().unwrap();
    assert!(size > 100_000);
    let aid = zip["id"].as_str().unwrap();

    // The zip in chunks, matching Graph's bytes.
    let mark = h.mark();
    let c1 = h
        .call(
            "get_attachment",
            json!({"message_id": mid, "attachment_id": aid, "length": 16384}),
        )
        .await
        .ok();
    assert_eq!(c1.structured["encoding"], "base64");
    assert_eq!(c1.structured["total"].as_u64().unwrap(), size);
    assert_eq!(c1.structured["nextOffset"].as_u64().unwrap(), 16384);
    let bytes1 = base64::engine::general_purpose::STANDARD
        .decode(c1.structured["content"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes1.len(), 16384);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let value_req = reqs
        .iter()
        .find(|r| r.path.ends_with("/$value"))
        .expect("$value");
    assert_eq!(value_req.headers["range"], "bytes=0-16383");
    let c2 = h
        .call(
            "get_attachment",
            json!({"message_id": mid, "attachment_id": aid, "offset": 16384, "length": 100}),
        )
        .await
        .ok();
    assert_eq!(c2.structured["offset"], 16384);
    assert_eq!(c2.structured["nextOffset"], 16484);
    let (_, raw) = h
        .graph_get(&format!(
            "/me/messages/{}/attachments/{}",
            enc(mid),
            enc(aid)
        ))
        .await;
    let all = base64::engine::general_purpose::STANDARD
        .decode(raw["contentBytes"].as_str().unwrap())
        .unwrap();
    let bytes2 = base64::engine::general_purpose::STANDARD
        .decode(c2.structured["content"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes1, all[..16384]);
    assert_eq!(bytes2, all[16384..16484]);
    let past = h
        .call(
            "get_attachment",
            json!({"message_id": mid, "attachment_id": aid, "offset": size}),
        )
        .await
        .err();
    assert!(past.text.contains("offset"), "{}", past.text);

    // A small CSV comes back as text.
    let (csv_mid, csv_aid, csv_name) = {
        let world = h.sb.world();
        let mb = &world.mailboxes[seed::ADELE_ID];
        mb.attachments
            .iter()
            .filter(|(mid, _)| mb.messages.iter().any(|m| m["id"] == mid.as_str()))
            .find_map(|(mid, list)| {
                list.iter()
                    .find(|a| {
                        a["name"].as_str().unwrap_or("").ends_with(".csv")
                            && a["size"].as_u64().unwrap_or(0) < 10_000
                    })
                    .map(|a| {
                        (
                            mid.clone(),
                            a["id"].as_str().unwrap().to_owned(),
                            a["name"].as_str().unwrap().to_owned(),
                        )
                    })
            })
            .expect("a small CSV attachment in the seed")
    };
    let t = h
        .call(
            "get_attachment",
            json!({"message_id": csv_mid, "attachment_id": csv_aid}),
        )
        .await
        .ok();
    assert_eq!(t.structured["encoding"], "text");
    assert!(
        t.structured["content"].as_str().unwrap().contains(','),
        "{}",
        t.text
    );
    assert!(t.text.contains(&csv_name), "{}", t.text);
    assert!(t.structured.get("nextOffset").is_none());
    let part = h
        .call(
            "get_attachment",
            json!({"message_id": csv_mid, "attachment_id": csv_aid, "length": 10}),
        )
        .await
        .ok();
    assert!(part.structured["content"].as_str().unwrap().chars().count() <= 10);
    assert!(part.text.contains("offset"), "{}", part.text);

    // The seeded forward with the original message attached as an item.
    let fwd = id_of(&h, fixtures::ITEM_ATTACHMENT_SUBJECT).await;
    let l = h
        .call("list_attachments", json!({"message_id": fwd}))
        .await
        .ok();
    let item = l.structured["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "item")
        .unwrap_or_else(|| panic!("an item attachment: {}", l.text))
        .clone();
    let d = h
        .call(
            "get_attachment",
            json!({"message_id": fwd, "attachment_id": item["id"]}),
        )
        .await
        .ok();
    assert_eq!(d.structured["encoding"], "none");

    // An attached Outlook item is described.
    let (status, item) = graph_send(
        &h,
        "POST",
        &format!("/me/messages/{}/attachments", enc(mid)),
        Some(
            json!({"@odata.type": "#microsoft.graph.itemAttachment", "name": "Original request",
            "item": {"@odata.type": "#microsoft.graph.message", "subject": "Original request"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{item}");
    let described = h
        .call(
            "get_attachment",
            json!({"message_id": mid, "attachment_id": item["id"]}),
        )
        .await
        .ok();
    assert_eq!(described.structured["encoding"], "none");
    assert!(
        described.text.contains("attached Outlook item"),
        "{}",
        described.text
    );
    let l = h
        .call("list_attachments", json!({"message_id": mid}))
        .await
        .ok();
    assert!(l.text.contains("item) id:"), "{}", l.text);

    let nope = h
        .call(
            "get_attachment",
            json!({"message_id": mid, "attachment_id": "AAMkNoSuchAttachment="}),
        )
        .await
        .err();
    assert!(nope.text.contains("deleted"), "{}", nope.text);
    let bad_msg = h
        .call("list_attachments", json!({"message_id": "AAMkNope="}))
        .await
        .err();
    assert!(bad_msg.text.contains("Not found"), "{}", bad_msg.text);
}

#[tokio::test(flavor = "current_thread")]
async fn get_message_lists_attachments_and_inline_images() {
    let h = Harness::new();
    let id = id_of(&h, fixtures::INLINE_IMAGE_SUBJECT).await;
    let out = h.call("get_message", json!({"id": id})).await.ok();
    let atts = out.structured["attachments"]
        .as_array()
        .expect("attachments");
    assert!(atts.iter().any(|a| a["isInline"] == true), "{}", out.text);
    assert!(out.text.contains("get_attachment"), "{}", out.text);
    let img = atts.iter().find(|a| a["isInline"] == true).unwrap();
    let got = h
        .call(
            "get_attachment",
            json!({"message_id": id, "attachment_id": img["id"]}),
        )
        .await
        .ok();
    assert_eq!(got.structured["encoding"], "base64");
    assert!(got.structured["mediaType"]
        .as_str()
        .unwrap()
        .starts_with("image/"));
}

// ---------------------------------------------------------------------------------------------
// Folders
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn folder_tree_with_counts() {
    let h = Harness::new();
    let mark = h.mark();
    let out = h.call("list_mail_folders", json!({})).await.ok();
    let folders = out.structured["folders"].as_array().unwrap();
    let inbox = folders
        .iter()
        .find(|f| f["name"] == "Inbox")
        .expect("Inbox");
    let (_, raw) = h
        .graph_get("/me/mailFolders/inbox?$select=unreadItemCount,totalItemCount")
        .await;
    assert_eq!(inbox["unread"], raw["unreadItemCount"]);
    assert_eq!(inbox["total"], raw["totalItemCount"]);
    let alpha = folders
        .iter()
        .find(|f| f["path"] == "Inbox/Projects/Alpha")
        .expect("nested folders");
    assert_eq!(alpha["depth"], 2);
    assert!(out.text.contains("    - Alpha ("), "{}", out.text);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert!(
        reqs.iter().any(|r| r.path == "/v1.0/$batch"),
        "child levels are batched"
    );
    assert!(reqs
        .iter()
        .filter(|r| r.batch.is_some())
        .all(|r| r.path.ends_with("/childFolders")));
    // The folder ids work with list_messages.
    h.call("list_messages", json!({"folder": alpha["id"], "limit": 3}))
        .await
        .ok();
    let denied = only_scopes(&["User.Read"])
        .call("list_mail_folders", json!({}))
        .await
        .err();
    assert!(denied.text.contains("Mail.Read"), "{}", denied.text);
}

// ---------------------------------------------------------------------------------------------
// whats_new
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn whats_new_keeps_the_delta_link_server_side() {
    let h = Harness::new();
    let first = h.call("whats_new", json!({})).await.ok();
    assert_eq!(first.structured["baseline"], true);
    for m in first.structured["new"].as_array().unwrap() {
        assert_eq!(m["isRead"], false, "the baseline returns unread messages");
    }
    assert!(
        !first.structured["new"].as_array().unwrap().is_empty(),
        "{}",
        first.text
    );
    let keys = h.store.keys();
    assert!(keys.contains(&"delta:me:inbox".to_owned()), "{keys:?}");
    assert!(
        !first.text.contains("deltatoken") && !first.structured.to_string().contains("deltatoken")
    );

    let quiet = h.call("whats_new", json!({})).await.ok();
    assert!(quiet.structured.get("baseline").is_none());
    assert!(
        quiet.structured["new"].as_array().unwrap().is_empty(),
        "{}",
        quiet.text
    );
    assert!(quiet.structured.get("changed").is_none(), "{}", quiet.text);

    // Change the inbox: one message read, one deleted, one new arrival.
    let (_, inbox) = h
        .graph_get("/me/mailFolders/inbox/messages?$select=id,isRead&$top=10")
        .await;
    let list = inbox["value"].as_array().unwrap();
    let changed_id = list[0]["id"].as_str().unwrap().to_owned();
    let deleted_id = list[1]["id"].as_str().unwrap().to_owned();
    let read = !list[0]["isRead"].as_bool().unwrap();
    let (s, _) = graph_send(
        &h,
        "PATCH",
        &format!("/me/messages/{}", enc(&changed_id)),
        Some(json!({"isRead": read})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = graph_send(
        &h,
        "DELETE",
        &format!("/me/messages/{}", enc(&deleted_id)),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, v) = graph_send(
        &h,
        "POST",
        "/me/sendMail",
        Some(json!({"message": {"subject": "Fresh arrival for whats_new", "body": {"contentType": "text", "content": "hi"},
            "toRecipients": [{"emailAddress": {"address": "adele@contoso.example"}}]}})),
    )
    .await;
    assert_eq!(s, 202, "{v}");

    let mark = h.mark();
    let later = h.call("whats_new", json!({"folder": "inbox"})).await.ok();
    let new: Vec<&str> = later.structured["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["Fresh arrival for whats_new"], "{}", later.text);
    let changed = later.structured["changed"].as_array().expect("changed");
    assert!(
        changed.iter().any(|m| m["id"] == changed_id.as_str()),
        "{}",
        later.text
    );
    assert_eq!(later.structured["removed"], json!([deleted_id]));
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert!(
        reqs.iter().all(|r| r.path.ends_with("/messages/delta")),
        "{:?}",
        queries(&reqs)
    );
    assert!(
        reqs[0]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("deltatoken"),
        "the stored link is followed"
    );

    // An expired sync state starts a new baseline instead of failing.
    h.store
        .run(m365_core::store::StoreOp::Put {
            key: "delta:me:inbox".into(),
            value: json!({"link": m365_core::graph::paging::Cursor::new(format!("{BASE}/me/mailFolders/inbox/messages/delta?$deltatoken=expired"), 0).encode(), "since": 0}),
        })
        .await
        .unwrap();
    let again = h.call("whats_new", json!({})).await.ok();
    assert_eq!(again.structured["baseline"], true, "{}", again.text);

    let bad = h
        .call("whats_new", json!({"folder": "No Such Folder"}))
        .await
        .err();
    assert!(bad.text.contains("list_mail_folders"), "{}", bad.text);
    let denied = only_scopes(&["User.Read"])
        .call("whats_new", json!({}))
        .await
        .err();
    assert!(denied.text.contains("Mail.Read"), "{}", denied.text);
}

// ---------------------------------------------------------------------------------------------
// Mail tips, categories, settings, rules
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn mail_tips_show_out_of_office_and_external() {
    let h = Harness::new();
    let mark = h.mark();
    let out = h
        .call(
            "get_mail_tips",
            json!({"recipients": ["nestor@contoso.example", "alex@fabrikam.example", "lee@contoso.example"]}),
        )
        .await
        .ok();
    let tips = out.structured["tips"].as_array().unwrap();
    assert_eq!(tips.len(), 3);
    assert!(
        tips[0]["automaticReply"]
            .as_str()
            .unwrap()
            .contains("visiting sites"),
        "{}",
        out.text
    );
    assert!(tips[0].get("external").is_none());
    assert_eq!(tips[1]["external"], true);
    assert!(tips[2].get("automaticReply").is_none());
    assert!(
        out.text
            .contains("nestor@contoso.example: automatic reply on"),
        "{}",
        out.text
    );
    let reqs = h.requests(mark);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/v1.0/me/getMailTips")
    );
    let empty = h
        .call("get_mail_tips", json!({"recipients": []}))
        .await
        .err();
    assert!(empty.text.contains("recipients"), "{}", empty.text);
    let name = h
        .call("get_mail_tips", json!({"recipients": ["Megan Bowen"]}))
        .await
        .err();
    assert!(name.text.contains("lookup_people"), "{}", name.text);
}

#[tokio::test(flavor = "current_thread")]
async fn categories_settings_and_rules() {
    let h = Harness::new();
    let cats = h.call("list_categories", json!({})).await.ok();
    let names: Vec<&str> = cats.structured["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Project Alpha") && names.contains(&"Red category"),
        "{names:?}"
    );
    assert!(cats.text.contains("Red category (red)"), "{}", cats.text);

    let s = h.call("get_mailbox_settings", json!({})).await.ok();
    assert_eq!(s.structured["timeZone"], "Pacific Standard Time");
    assert_eq!(s.structured["workingHours"]["start"], "08:00");
    assert_eq!(s.structured["automaticReplies"]["status"], "disabled");
    assert!(s.text.contains("Working hours: monday"), "{}", s.text);
    let nestor = Harness::with(seed::NESTOR_ID, ALL_SCOPES, h.deployment.clone());
    let ns = nestor.call("get_mailbox_settings", json!({})).await.ok();
    assert_eq!(ns.structured["automaticReplies"]["status"], "alwaysEnabled");
    assert!(ns.structured["automaticReplies"]["internalMessage"]
        .as_str()
        .unwrap()
        .contains("visiting sites"));
    assert!(!ns.text.contains("<p>"), "{}", ns.text);

    let mark = h.mark();
    let rules = h.call("list_message_rules", json!({})).await.ok();
    let list = rules.structured["rules"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "Newsletters to their folder");
    assert!(list[0]["conditions"]
        .as_str()
        .unwrap()
        .contains("senderContains: WEEKLYBYTE@LUCERNEPUBLISHING.EXAMPLE"));
    // Folder ids in actions are shown by name.
    assert!(
        list[0]["actions"]
            .as_str()
            .unwrap()
            .contains("moveToFolder: Newsletters"),
        "{}",
        rules.text
    );
    assert!(
        rules.text.contains("[on]") && rules.text.contains("except importance: high"),
        "{}",
        rules.text
    );
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs[0].path, "/v1.0/me/mailFolders/inbox/messageRules");

    let mail_only = only_scopes(&["User.Read", "Mail.Read"]);
    for tool in [
        "list_categories",
        "get_mailbox_settings",
        "list_message_rules",
    ] {
        let e = mail_only.call(tool, json!({})).await.err();
        assert!(
            e.text.contains("MailboxSettings.Read"),
            "{tool}: {}",
            e.text
        );
    }
    let extra = h.call("list_categories", json!({"x": 1})).await.err();
    assert!(extra.text.contains('x'), "{}", extra.text);
}

// ---------------------------------------------------------------------------------------------
// ChatGPT deep research: search and fetch
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn deep_research_search_and_fetch_shapes() {
    let h = Harness::new();
    let mark = h.mark();
    let s = h
        .call("search", json!({"query": "partnership pricing"}))
        .await
        .ok();
    let parsed: Value = serde_json::from_str(&s.text).expect("search text is JSON");
    assert_eq!(parsed, s.structured);
    let obj = parsed.as_object().unwrap();
    assert_eq!(obj.keys().collect::<Vec<_>>(), ["results"]);
    let results = parsed["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "title", "url"], "{r}");
        assert!(r["url"].as_str().unwrap().starts_with("https://"), "{r}");
    }
    let q = queries(&h.requests(mark));
    assert!(
        q[0].contains("$search=\"(partnership pricing)\"") && !q[0].contains("$filter"),
        "{q:?}"
    );

    let id = results[0]["id"].as_str().unwrap();
    let f = h.call("fetch", json!({"id": id})).await.ok();
    let doc: Value = serde_json::from_str(&f.text).expect("fetch text is JSON");
    assert_eq!(doc, f.structured);
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "title", "text", "url", "metadata"]);
    assert_eq!(doc["id"], id);
    assert!(!doc["text"].as_str().unwrap().is_empty());
    assert!(doc["metadata"]["from"].is_string());

    let registry = h.registry();
    for name in ["search", "fetch"] {
        assert!(registry.get(name).unwrap().annotations().read_only);
    }
    let e = h.call("search", json!({"query": "  "})).await.err();
    assert!(e.text.contains("query"), "{}", e.text);
    let e = h.call("fetch", json!({"id": "AAMkNope="})).await.err();
    assert!(e.text.contains("deleted"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn read_tools_are_in_the_read_preset_and_read_only() {
    let d = m365_core::mcp::deployment::Deployment::from_vars(|k| match k {
        "TOOL_PRESET" => Some("read".into()),
        _ => None,
    })
    .unwrap();
    let h = Harness::with(seed::ADELE_ID, ALL_SCOPES, d);
    let registry = h.registry();
    for name in [
        "list_messages",
        "search_messages",
        "get_message",
        "get_thread",
        "list_attachments",
        "get_attachment",
        "list_mail_folders",
        "whats_new",
        "get_mail_tips",
        "list_categories",
        "get_mailbox_settings",
        "list_message_rules",
        "search",
        "fetch",
    ] {
        let t = registry
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from the read preset"));
        assert!(t.annotations().read_only, "{name}");
        let d = t.description();
        assert!(
            d.len() <= 700 && d.contains("Example"),
            "{name}: {} chars",
            d.len()
        );
    }
}

/// The largest result each reading tool can be asked for stays within ~20k tokens, counting the
/// text and the structuredContent together (a client may pass both to the model).
#[tokio::test(flavor = "current_thread")]
async fn largest_results_stay_within_the_token_budget() {
    use m365_core::text::budget::approx_tokens;
    let h = Harness::new();
    let cost = |c: &Called| approx_tokens(&c.text) + approx_tokens(&c.structured.to_string());
    let newsletter = id_of(&h, fixtures::INJECTION_SUBJECT).await;
    let zip_msg = id_of(&h, fixtures::LARGE_ZIP_SUBJECT).await;
    let atts = h
        .call("list_attachments", json!({"message_id": zip_msg}))
        .await
        .ok();
    let zip = atts.structured["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"].as_str().unwrap().ends_with(".zip"))
        .unwrap()["id"]
        .clone();
    let thread = by_subject(&h, &format!("RE: {}", fixtures::LONGEST_THREAD_SUBJECT)).await;
    let calls = [
        ("list_messages", json!({"limit": 50})),
        ("search_messages", json!({"query": "the", "limit": 50})),
        (
            "get_message",
            json!({"id": newsletter, "max_chars": 40000, "full_thread": true, "headers": true}),
        ),
        (
            "get_thread",
            json!({"id": thread[0]["id"], "limit": 25, "max_chars_per_message": 8000}),
        ),
        (
            "get_attachment",
            json!({"message_id": zip_msg, "attachment_id": zip, "length": 16384}),
        ),
        ("list_mail_folders", json!({})),
        ("whats_new", json!({})),
        ("search", json!({"query": "the"})),
        ("fetch", json!({"id": newsletter})),
    ];
    for (tool, args) in calls {
        let out = h.call(tool, args).await.ok();
        let tokens = cost(&out);
        assert!(tokens <= 20_000, "{tool}: ~{tokens} tokens");
    }
}

// ---------------------------------------------------------------------------------------------
// Shared mailboxes
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn shared_mailbox_reads_need_the_shared_permission() {
    let h = Harness::new();
    let mb = seed::SUPPORT_UPN;
    let mark = h.mark();
    let found = h
        .call(
            "search_messages",
            json!({"subject": "arrived damaged", "mailbox": mb}),
        )
        .await
        .ok();
    let msgs = found.structured["messages"].as_array().unwrap();
    assert!(!msgs.is_empty(), "{}", found.text);
    let reqs = h.requests(mark);
    assert!(
        reqs[0]
            .path
            .starts_with("/v1.0/users/support%40contoso.example/messages")
            || reqs[0]
                .path
                .starts_with("/v1.0/users/support@contoso.example/messages"),
        "{}",
        reqs[0].path
    );
    let original = msgs
        .iter()
        .find(|m| m["subject"] == fixtures::SUPPORT_DAMAGED_SUBJECT)
        .expect("the customer's message");
    let id = original["id"].as_str().unwrap();
    let m = h
        .call("get_message", json!({"id": id, "mailbox": mb}))
        .await
        .ok();
    assert!(m.text.contains("Order #48213"), "{}", m.text);
    let t = h
        .call("get_thread", json!({"id": id, "mailbox": mb}))
        .await
        .ok();
    assert_eq!(t.structured["messages"][0]["id"], id, "{}", t.text);
    h.call("list_mail_folders", json!({"mailbox": mb}))
        .await
        .ok();
    let w = h.call("whats_new", json!({"mailbox": mb})).await.ok();
    assert_eq!(w.structured["baseline"], true);
    assert!(h.store.keys().contains(&format!("delta:{mb}:inbox")));
    // The complaint carries a PDF.
    let aid = m.structured["attachments"][0]["id"].clone();
    let pdf = h
        .call(
            "get_attachment",
            json!({"message_id": id, "attachment_id": aid, "mailbox": mb, "length": 1000}),
        )
        .await
        .ok();
    assert_eq!(pdf.structured["encoding"], "base64", "{}", pdf.text);

    // Without Mail.Read.Shared the mailbox is refused and the permission is named.
    let own_only = only_scopes(&["User.Read", "Mail.ReadWrite", "MailboxSettings.Read"]);
    for (tool, args) in [
        ("search_messages", json!({"query": "order", "mailbox": mb})),
        ("get_message", json!({"id": id, "mailbox": mb})),
        ("list_mail_folders", json!({"mailbox": mb})),
    ] {
        let e = own_only.call(tool, args).await.err();
        assert!(e.text.contains("Mail.Read.Shared"), "{tool}: {}", e.text);
    }
    let bad = h
        .call(
            "get_message",
            json!({"id": id, "mailbox": "not an address"}),
        )
        .await
        .err();
    assert!(bad.text.contains("mailbox"), "{}", bad.text);
}

#[tokio::test(flavor = "current_thread")]
async fn folders_resolve_by_name_at_any_depth_and_by_path() {
    let h = Harness::new();
    let by_name = h
        .call("list_messages", json!({"folder": "alpha", "limit": 5}))
        .await
        .ok();
    let by_path = h
        .call(
            "list_messages",
            json!({"folder": "Inbox/Projects/Alpha", "limit": 5}),
        )
        .await
        .ok();
    assert_eq!(by_name.structured, by_path.structured);
    let mark = h.mark();
    h.call(
        "list_messages",
        json!({"folder": "Inbox/Projects/Alpha", "limit": 1}),
    )
    .await
    .ok();
    let last = h
        .requests(mark)
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/messages"))
        .expect("listing");
    assert!(
        last.path.contains("/mailFolders/AA") || last.path.contains("/mailFolders/"),
        "{}",
        last.path
    );
    assert!(
        !last.path.contains("Alpha"),
        "resolved to an id: {}",
        last.path
    );
    let e = h
        .call("list_messages", json!({"folder": "Nowhere/Alpha"}))
        .await
        .err();
    assert!(e.text.contains("list_mail_folders"), "{}", e.text);
}
