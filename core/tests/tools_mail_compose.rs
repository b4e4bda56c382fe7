//! Drafting and sending tools against the sandbox: the Graph calls they make, the send policy,
//! the recipient allowlist, the daily cap, and that nothing is ever sent twice.
mod common;
use base64::Engine as _;
use common::*;
use m365_core::graph::{GraphClient, GraphPath, HttpRequest};
use m365_core::mcp::deployment::Deployment;
use m365_core::store::UserStore;
use m365_sandbox::admin::{Fault, FaultConfig, RecordedRequest};
use m365_sandbox::seed;
use serde_json::Value;

const MEGAN: &str = "megan@contoso.example";
const LEE: &str = "lee@contoso.example";
const OUTSIDER: &str = "someone@fabrikam.example";

fn deployment(pairs: &[(&str, &str)]) -> Deployment {
    Deployment::from_vars(|k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("deployment")
}

/// Full preset with extra settings.
fn full(extra: &[(&str, &str)]) -> Harness {
    let mut pairs = vec![("TOOL_PRESET", "full")];
    pairs.extend_from_slice(extra);
    Harness::with(seed::ADELE_ID, ALL_SCOPES, deployment(&pairs))
}

fn data_uri(media: &str, bytes: &[u8]) -> String {
    format!(
        "data:{media};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// `/me/messages/{id}` with the id encoded as the tools encode it.
fn msg_path(id: &str) -> String {
    GraphPath::me()
        .segment("messages")
        .id(id)
        .unwrap()
        .as_str()
        .to_owned()
}

fn count(reqs: &[RecordedRequest], method: &str, suffix: &str) -> usize {
    reqs.iter()
        .filter(|r| r.method == method && r.path.ends_with(suffix))
        .count()
}

fn describe(reqs: &[RecordedRequest]) -> Vec<String> {
    reqs.iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

async fn create(h: &Harness, args: Value) -> String {
    let c = h.call("create_draft", args).await.ok();
    c.structured["id"].as_str().expect("draft id").to_owned()
}

/// Messages of a folder as Graph has them (id, subject, isDraft, recipients).
async fn folder(h: &Harness, name: &str) -> Vec<Value> {
    let (status, v) = h
        .graph_get(&format!(
            "/me/mailFolders/{name}/messages?$select=id,subject,isDraft,from,toRecipients,ccRecipients&$top=200"
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    v["value"].as_array().cloned().unwrap_or_default()
}

async fn seeded_draft(h: &Harness) -> String {
    folder(h, "drafts").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An inbox message from `from_domain` with Cc recipients (for reply-all).
async fn inbox_message(h: &Harness, want_cc: bool, from_domain: &str) -> Value {
    folder(h, "inbox")
        .await
        .into_iter()
        .find(|m| {
            let from = m["from"]["emailAddress"]["address"].as_str().unwrap_or("");
            from.ends_with(from_domain)
                && (!want_cc || !m["ccRecipients"].as_array().is_none_or(Vec::is_empty))
        })
        .expect("a matching inbox message")
}

/// Messages in `user`'s inbox with `subject` (as that user; switches back to Adele).
async fn delivered(h: &Harness, user: &str, subject: &str) -> usize {
    h.become_user(user, ALL_SCOPES);
    let n = folder(h, "inbox")
        .await
        .iter()
        .filter(|m| m["subject"] == subject)
        .count();
    h.become_user(seed::ADELE_ID, ALL_SCOPES);
    n
}

#[tokio::test(flavor = "current_thread")]
async fn create_draft_builds_one_request_and_records_the_draft() {
    let h = Harness::new();
    let mark = h.mark();
    let c = h
        .call(
            "create_draft",
            json!({
                "to": [MEGAN], "cc": [LEE], "subject": "Q3 report",
                "body": "<p>Hi <b>Megan</b></p>", "body_type": "html", "importance": "high",
                "attachments": [{"name": "notes.txt", "data": data_uri("text/plain", b"hello")}]
            }),
        )
        .await
        .ok();
    let id = c.structured["id"].as_str().unwrap().to_owned();
    assert!(
        c.text.contains(&id) && c.text.contains("send_draft"),
        "{}",
        c.text
    );
    assert_eq!(c.structured["to"], json!([MEGAN]));
    assert_eq!(c.structured["attachments"][0]["method"], "inline");
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs.len(), 1, "{:?}", describe(&reqs));
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/v1.0/me/messages")
    );
    let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body["body"],
        json!({"contentType": "html", "content": "<p>Hi <b>Megan</b></p>"})
    );
    assert_eq!(body["importance"], "high");
    assert_eq!(body["attachments"][0]["contentBytes"], "aGVsbG8=");
    assert!(
        body.get("bccRecipients").is_none(),
        "only given fields: {body}"
    );

    let (status, m) = h
        .graph_get(&format!(
            "{}?$select=isDraft,subject,hasAttachments",
            msg_path(&id)
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (m["isDraft"].clone(), m["subject"].clone()),
        (json!(true), json!("Q3 report"))
    );
    assert_eq!(m["hasAttachments"], true);
    let store: &dyn UserStore = &h.store;
    assert!(store.get(&format!("draft:{id}")).await.unwrap().is_some());
}

#[tokio::test(flavor = "current_thread")]
async fn create_draft_rejects_bad_arguments_and_reports_permissions() {
    let h = Harness::new();
    let mark = h.mark();
    let e = h
        .call("create_draft", json!({"to": ["Megan Bowen"]}))
        .await
        .err();
    assert!(
        e.text.contains("to:") && e.text.contains("lookup_people"),
        "{}",
        e.text
    );
    let e = h
        .call(
            "create_draft",
            json!({"attachments": [{"name": "a.pdf", "data": "JVBERi0x"}]}),
        )
        .await
        .err();
    assert!(
        e.text.contains("attachments[0]") && e.text.contains("data:"),
        "{}",
        e.text
    );
    let e = h
        .call("create_draft", json!({"body_type": "rtf"}))
        .await
        .err();
    assert!(e.text.contains("body_type"), "{}", e.text);
    let e = h.call("create_draft", json!({"from": MEGAN})).await.err();
    assert!(e.text.contains("from"), "{}", e.text);
    assert!(
        h.requests(mark).is_empty(),
        "bad arguments make no Graph call"
    );

    // Another user's mailbox: the path names it, and Graph's 403 names the permission.
    let e = h
        .call("create_draft", json!({"subject": "x", "mailbox": MEGAN}))
        .await
        .err();
    assert!(e.text.contains("Mail.ReadWrite.Shared"), "{}", e.text);
    let reqs = h.requests(mark);
    assert_eq!(reqs[0].path, "/v1.0/users/megan%40contoso.example/messages");
    let e = h
        .call(
            "create_draft",
            json!({"subject": "x", "mailbox": "support"}),
        )
        .await
        .err();
    assert!(e.text.contains("mailbox"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn large_attachments_use_an_upload_session_without_the_token() {
    let h = Harness::new();
    let big: Vec<u8> = (0..3_500_000u32).map(|i| (i % 251) as u8).collect();
    let two_mb = vec![7u8; 2_000_000];
    let mark = h.mark();
    let c = h
        .call(
            "create_draft",
            json!({
                "to": [MEGAN], "subject": "Photos",
                "attachments": [
                    {"name": "a.bin", "data": data_uri("application/octet-stream", &two_mb)},
                    {"name": "big.zip", "data": data_uri("application/zip", &big)},
                    {"name": "b.bin", "data": data_uri("application/octet-stream", &two_mb)},
                ]
            }),
        )
        .await
        .ok();
    let id = c.structured["id"].as_str().unwrap().to_owned();
    let methods: Vec<&str> = c.structured["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["inline", "upload_session", "post"]);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let d = describe(&reqs);
    assert_eq!(
        count(&reqs, "POST", "/attachments/createUploadSession"),
        1,
        "{d:?}"
    );
    assert_eq!(count(&reqs, "POST", "/attachments"), 1, "{d:?}");
    let puts: Vec<&RecordedRequest> = reqs.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 2, "3.5 MB in chunks of 3,276,800 bytes: {d:?}");
    assert!(puts.iter().all(|p| p.path.starts_with("/upload/")));
    assert!(
        puts.iter()
            .all(|p| !p.headers.contains_key("authorization")),
        "the pre-authenticated upload URL gets no token"
    );
    assert_eq!(puts[0].headers["content-range"], "bytes 0-3276799/3500000");
    assert_eq!(
        puts[1].headers["content-range"],
        "bytes 3276800-3499999/3500000"
    );
    assert_eq!(puts[1].status, 201);
    let create_body: Value = serde_json::from_str(
        reqs.iter()
            .find(|r| r.path.ends_with("/createUploadSession"))
            .unwrap()
            .body
            .as_deref()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        create_body["AttachmentItem"],
        json!({"attachmentType": "file", "name": "big.zip", "size": 3_500_000, "contentType": "application/zip"})
    );
    let (_, atts) = h
        .graph_get(&format!("{}/attachments?$select=name,size", msg_path(&id)))
        .await;
    let mut sizes: Vec<(String, u64)> = atts["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["size"].as_u64().unwrap(),
            )
        })
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        vec![
            ("a.bin".into(), 2_000_000),
            ("b.bin".into(), 2_000_000),
            ("big.zip".into(), 3_500_000)
        ]
    );
    let uploaded = c.structured["attachments"][1]["id"]
        .as_str()
        .expect("id from Location");
    let (status, a) = h
        .graph_get(&format!(
            "{}/attachments/{}",
            msg_path(&id),
            GraphPath::me()
                .id(uploaded)
                .unwrap()
                .as_str()
                .trim_start_matches("/me/")
        ))
        .await;
    assert_eq!(status, 200);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(a["contentBytes"].as_str().unwrap())
        .unwrap();
    assert!(bytes == big, "the uploaded content is intact");
}

#[tokio::test(flavor = "current_thread")]
async fn add_attachment_small_large_and_errors() {
    let h = Harness::new();
    let id = create(&h, json!({"to": [MEGAN], "subject": "Files"})).await;
    let mark = h.mark();
    let small = h
        .call(
            "add_attachment",
            json!({"message_id": id, "name": "n.txt", "data": data_uri("text/plain", b"hi")}),
        )
        .await
        .ok();
    assert_eq!(small.structured["attachment"]["method"], "post");
    assert!(small.structured["attachment"]["id"].is_string());
    let reqs = h.requests(mark);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, format!("/v1.0{}/attachments", msg_path(&id)));

    let mark = h.mark();
    let big = vec![1u8; 3 * 1024 * 1024 + 1];
    let large = h
        .call(
            "add_attachment",
            json!({"message_id": id, "name": "big.bin", "data": data_uri("application/octet-stream", &big)}),
        )
        .await
        .ok();
    assert_eq!(large.structured["attachment"]["method"], "upload_session");
    assert_eq!(large.structured["attachment"]["size"], 3 * 1024 * 1024 + 1);
    let reqs = h.requests(mark);
    assert_eq!(count(&reqs, "POST", "/createUploadSession"), 1);
    assert_eq!(reqs.iter().filter(|r| r.method == "PUT").count(), 1);

    let e = h
        .call(
            "add_attachment",
            json!({"message_id": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAAiIsqMbYjsT5e-T7KzowPTAAAYbvZmAAA=", "name": "n.txt", "data": data_uri("text/plain", b"hi")}),
        )
        .await
        .err();
    assert!(e.text.contains("list_drafts"), "{}", e.text);
    let e = h
        .call(
            "add_attachment",
            json!({"message_id": id, "name": "x", "data": "data:text/plain,hi"}),
        )
        .await
        .err();
    assert!(e.text.contains("base64"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn update_draft_patches_only_given_fields_and_refuses_non_drafts() {
    let h = Harness::new();
    let id = create(
        &h,
        json!({"to": [MEGAN], "subject": "Draft one", "body": "text"}),
    )
    .await;
    let mark = h.mark();
    let c = h
        .call(
            "update_draft",
            json!({"message_id": id, "subject": "Draft one (final)", "cc": [LEE]}),
        )
        .await
        .ok();
    assert_eq!(c.structured["subject"], "Draft one (final)");
    assert_eq!(c.structured["cc"], json!([LEE]));
    assert_eq!(c.structured["to"], json!([MEGAN]), "unchanged fields stay");
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    // One $batch reads the draft state and the Deleted Items folder, then one PATCH.
    assert_eq!(reqs.len(), 4, "{:?}", describe(&reqs));
    assert_eq!(count(&reqs, "POST", "/$batch"), 1);
    let read = reqs
        .iter()
        .find(|r| r.batch.is_some() && r.path == format!("/v1.0{}", msg_path(&id)))
        .expect("the draft is read in the batch");
    assert!(read
        .query
        .as_deref()
        .unwrap_or("")
        .contains("select=id,isDraft,subject,parentFolderId"));
    let patches: Vec<&RecordedRequest> = reqs.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patches.len(), 1);
    let patch: Value = serde_json::from_str(patches[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        patch,
        json!({"subject": "Draft one (final)", "ccRecipients": [{"emailAddress": {"address": LEE}}]})
    );

    let received = inbox_message(&h, false, "").await;
    let rid = received["id"].as_str().unwrap();
    let mark = h.mark();
    let e = h
        .call(
            "update_draft",
            json!({"message_id": rid, "subject": "hijack"}),
        )
        .await
        .err();
    assert!(e.text.contains("not a draft"), "{}", e.text);
    assert_eq!(count(&h.requests(mark), "PATCH", ""), 0);
    let e = h
        .call("update_draft", json!({"message_id": id}))
        .await
        .err();
    assert!(e.text.contains("nothing to change"), "{}", e.text);
    h.call("delete_draft", json!({"message_id": id})).await.ok();
    let e = h
        .call("update_draft", json!({"message_id": id, "subject": "x"}))
        .await
        .err();
    assert!(e.text.contains("list_drafts"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn reply_reply_all_and_forward_drafts() {
    let h = Harness::new();
    let original = inbox_message(&h, true, "contoso.example").await;
    let oid = original["id"].as_str().unwrap().to_owned();
    let sender = original["from"]["emailAddress"]["address"]
        .as_str()
        .unwrap()
        .to_owned();

    let mark = h.mark();
    let r = h
        .call(
            "create_reply_draft",
            json!({"message_id": oid, "comment": "Thanks!"}),
        )
        .await
        .ok();
    let rid = r.structured["id"].as_str().unwrap().to_owned();
    assert_ne!(rid, oid);
    assert!(
        r.structured["subject"].as_str().unwrap().starts_with("RE:"),
        "{}",
        r.structured
    );
    assert_eq!(r.structured["to"], json!([sender]));
    let reqs = h.requests(mark);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, format!("/v1.0{}/createReply", msg_path(&oid)));
    assert_eq!(
        serde_json::from_str::<Value>(reqs[0].body.as_deref().unwrap()).unwrap(),
        json!({"comment": "Thanks!"})
    );

    let all = h
        .call("create_reply_all_draft", json!({"message_id": oid}))
        .await
        .ok();
    assert!(
        !all.structured["cc"].as_array().unwrap().is_empty(),
        "{}",
        all.structured
    );
    assert!(!all.structured["to"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == seed::ADELE_UPN));

    let f = h
        .call(
            "create_forward_draft",
            json!({"message_id": oid, "to": [LEE], "comment": "FYI"}),
        )
        .await
        .ok();
    assert!(f.structured["subject"].as_str().unwrap().starts_with("FW:"));
    assert_eq!(f.structured["to"], json!([LEE]));

    let store: &dyn UserStore = &h.store;
    for d in [&r, &all, &f] {
        let id = d.structured["id"].as_str().unwrap();
        assert!(
            store.get(&format!("draft:{id}")).await.unwrap().is_some(),
            "recorded"
        );
        let (_, m) = h
            .graph_get(&format!("{}?$select=isDraft", msg_path(id)))
            .await;
        assert_eq!(m["isDraft"], true);
    }

    let e = h
        .call(
            "create_forward_draft",
            json!({"message_id": oid, "to": ["lee"]}),
        )
        .await
        .err();
    assert!(e.text.contains("to:"), "{}", e.text);
    let gone = format!("{oid}x");
    let e = h
        .call("create_reply_draft", json!({"message_id": gone}))
        .await
        .err();
    assert!(e.text.contains("No message"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn list_drafts_pages_and_marks_own_drafts() {
    let h = full(&[]); // own-drafts is the default policy
    let mine = create(&h, json!({"to": [MEGAN], "subject": "Mine"})).await;
    let mark = h.mark();
    let page = h.call("list_drafts", json!({"limit": 50})).await.ok();
    let drafts = page.structured["drafts"].as_array().unwrap();
    assert!(drafts.len() >= 2, "seeded drafts and ours");
    let ours = drafts
        .iter()
        .find(|d| d["id"] == mine.as_str())
        .expect("listed");
    assert_eq!(ours["createdHere"], true);
    assert!(
        drafts.iter().any(|d| d["createdHere"] == false),
        "seeded drafts are not ours"
    );
    assert!(page.text.contains("send_draft refuses it"), "{}", page.text);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1.0/me/mailFolders/drafts/messages");
    let q = reqs[0].query.as_deref().unwrap();
    assert!(
        q.contains("$select=id,subject,toRecipients")
            && q.contains("$orderby=lastModifiedDateTime"),
        "{q}"
    );

    let first = h.call("list_drafts", json!({"limit": 1})).await.ok();
    let cursor = first.structured["nextCursor"]
        .as_str()
        .expect("more")
        .to_owned();
    let second = h
        .call("list_drafts", json!({"limit": 1, "cursor": cursor}))
        .await
        .ok();
    assert_ne!(
        first.structured["drafts"][0]["id"],
        second.structured["drafts"][0]["id"]
    );

    let direct = Harness::new();
    let d = direct.call("list_drafts", json!({})).await.ok();
    assert!(d.structured["drafts"][0].get("createdHere").is_none());
    let e = h.call("list_drafts", json!({"limit": 0})).await.err();
    assert!(
        e.text.contains("limit") || e.text.contains("minimum"),
        "{}",
        e.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn delete_draft_only_deletes_drafts() {
    let h = Harness::new();
    let id = create(&h, json!({"subject": "Scrap"})).await;
    let mark = h.mark();
    let d = h.call("delete_draft", json!({"message_id": id})).await.ok();
    assert_eq!(d.structured["subject"], "Scrap");
    let reqs = h.requests(mark);
    assert_eq!(count(&reqs, "POST", "/$batch"), 1, "{:?}", describe(&reqs));
    assert_eq!(count(&reqs, "DELETE", ""), 1);
    assert!(d.text.contains("Deleted Items"), "{}", d.text);
    // Graph's DELETE moves the message to Deleted Items.
    let (_, m) = h
        .graph_get(&format!("{}?$select=parentFolderId", msg_path(&id)))
        .await;
    let (_, del) = h.graph_get("/me/mailFolders/deleteditems?$select=id").await;
    assert_eq!(m["parentFolderId"], del["id"]);
    let store: &dyn UserStore = &h.store;
    assert!(store.get(&format!("draft:{id}")).await.unwrap().is_none());
    let mark = h.mark();
    let again = h.call("delete_draft", json!({"message_id": id})).await.ok();
    assert!(again.text.contains("already deleted"), "{}", again.text);
    assert_eq!(
        count(&h.requests(mark), "DELETE", ""),
        0,
        "not deleted for good"
    );
    let e = h
        .call("update_draft", json!({"message_id": id, "subject": "back"}))
        .await
        .err();
    assert!(e.text.contains("was deleted"), "{}", e.text);
    let e = h
        .call("delete_draft", json!({"message_id": format!("{id}x")}))
        .await
        .err();
    assert!(e.text.contains("No draft"), "{}", e.text);

    let received = inbox_message(&h, false, "").await;
    let rid = received["id"].as_str().unwrap();
    let mark = h.mark();
    let e = h
        .call("delete_draft", json!({"message_id": rid}))
        .await
        .err();
    assert!(e.text.contains("not a draft"), "{}", e.text);
    assert_eq!(count(&h.requests(mark), "DELETE", ""), 0);
    assert_eq!(h.graph_get(&msg_path(rid)).await.0, 200);
}

#[tokio::test(flavor = "current_thread")]
async fn tools_follow_the_preset_and_policy() {
    let names = |d: Deployment| -> Vec<String> {
        m365_core::mcp::tool::ToolRegistry::for_deployment(&d)
            .iter()
            .map(|t| t.name().to_owned())
            .collect()
    };
    let draft = names(deployment(&[]));
    assert!(draft.contains(&"create_draft".into()) && draft.contains(&"list_drafts".into()));
    assert!(!draft.contains(&"send_draft".into()));
    let own = names(deployment(&[("TOOL_PRESET", "full")]));
    assert!(own.contains(&"send_draft".into()) && !own.contains(&"send_email".into()));
    let direct = names(deployment(&[
        ("TOOL_PRESET", "full"),
        ("SEND_POLICY", "direct"),
    ]));
    for t in ["send_email", "reply", "reply_all", "forward"] {
        assert!(direct.contains(&t.into()), "{t}");
    }
    let read = names(deployment(&[("TOOL_PRESET", "read")]));
    // Listing drafts is a read; nothing that writes a draft is offered.
    assert!(read.contains(&"list_drafts".into()), "{read:?}");
    assert!(
        !read
            .iter()
            .any(|n| n.contains("draft") && n != "list_drafts"),
        "{read:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn own_drafts_sends_only_this_servers_drafts_and_never_twice() {
    let h = full(&[]);
    let seeded = seeded_draft(&h).await;
    let mark = h.mark();
    let e = h
        .call("send_draft", json!({"message_id": seeded}))
        .await
        .err();
    assert!(
        e.text.contains("own-drafts") && e.text.contains("create_draft"),
        "{}",
        e.text
    );
    assert_eq!(count(&h.requests(mark), "POST", "/send"), 0);

    // Only a live draft gets the policy refusal: a deleted own draft (its record is forgotten)
    // and a received message get the reason that applies to them.
    let gone = create(
        &h,
        json!({"to": [MEGAN], "subject": "Deleted before sending"}),
    )
    .await;
    h.call("delete_draft", json!({"message_id": gone}))
        .await
        .ok();
    let e = h
        .call("send_draft", json!({"message_id": gone}))
        .await
        .err();
    assert!(e.text.contains("was deleted"), "{}", e.text);
    let received = inbox_message(&h, false, "").await;
    let e = h
        .call("send_draft", json!({"message_id": received["id"]}))
        .await
        .err();
    assert!(e.text.contains("not a draft"), "{}", e.text);

    let subject = "Own draft to Megan";
    let id = create(
        &h,
        json!({"to": [MEGAN], "subject": subject, "body": "Hello"}),
    )
    .await;
    let mark = h.mark();
    let s = h.call("send_draft", json!({"message_id": id})).await.ok();
    assert_eq!(s.structured["status"], "sent");
    assert_eq!(s.structured["recipients"], json!([MEGAN]));
    assert!(s.text.contains("Sent"), "{}", s.text);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(count(&reqs, "POST", "/send"), 1, "{:?}", describe(&reqs));
    let send = reqs.iter().find(|r| r.path.ends_with("/send")).unwrap();
    assert_eq!(send.path, format!("/v1.0{}/send", msg_path(&id)));
    assert!(send.body.is_none(), "message-send takes no body");
    let (_, m) = h
        .graph_get(&format!("{}?$select=isDraft", msg_path(&id)))
        .await;
    assert_eq!(m["isDraft"], false, "sent, same id in Sent Items");

    let mark = h.mark();
    let again = h.call("send_draft", json!({"message_id": id})).await.ok();
    assert_eq!(again.structured["status"], "already_sent");
    assert!(again.text.contains("Already sent"), "{}", again.text);
    assert!(
        h.requests(mark).is_empty(),
        "a repeat makes no Graph call at all"
    );
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 1);

    // Direct policy: any draft.
    let d = Harness::new();
    let seeded = folder(&d, "drafts")
        .await
        .into_iter()
        .find(|m| !m["toRecipients"].as_array().unwrap().is_empty())
        .unwrap();
    let s = d
        .call("send_draft", json!({"message_id": seeded["id"]}))
        .await
        .ok();
    assert_eq!(s.structured["status"], "sent");
}

#[tokio::test(flavor = "current_thread")]
async fn send_draft_errors() {
    let h = Harness::new();
    let received = inbox_message(&h, false, "").await;
    let e = h
        .call("send_draft", json!({"message_id": received["id"]}))
        .await
        .err();
    assert!(e.text.contains("not a draft"), "{}", e.text);
    let empty = create(&h, json!({"subject": "nobody"})).await;
    let mark = h.mark();
    let e = h
        .call("send_draft", json!({"message_id": empty}))
        .await
        .err();
    assert!(
        e.text.contains("no recipients") && e.text.contains("update_draft"),
        "{}",
        e.text
    );
    assert_eq!(count(&h.requests(mark), "POST", "/send"), 0);
    h.call("delete_draft", json!({"message_id": empty}))
        .await
        .ok();
    let e = h
        .call("send_draft", json!({"message_id": empty}))
        .await
        .err();
    assert!(e.text.contains("was deleted"), "{}", e.text);
    let e = h
        .call("send_draft", json!({"message_id": format!("{empty}x")}))
        .await
        .err();
    assert!(e.text.contains("No draft"), "{}", e.text);

    // Without Mail.Send Graph refuses; the message names the permission, and the claim is
    // released so the send works once the permission is granted.
    let scopes: Vec<&str> = ALL_SCOPES
        .iter()
        .copied()
        .filter(|s| !s.starts_with("Mail.Send"))
        .collect();
    let p = Harness::with(seed::ADELE_ID, &scopes, Harness::new().deployment);
    let id = create(&p, json!({"to": [MEGAN], "subject": "perm"})).await;
    let e = p.call("send_draft", json!({"message_id": id})).await.err();
    assert!(
        e.text.contains("Mail.Send") && e.text.contains("Nothing was sent"),
        "{}",
        e.text
    );
    p.become_user(seed::ADELE_ID, ALL_SCOPES);
    let s = p.call("send_draft", json!({"message_id": id})).await.ok();
    assert_eq!(s.structured["status"], "sent");
}

#[tokio::test(flavor = "current_thread")]
async fn allowlist_and_daily_cap() {
    let h = full(&[
        ("SEND_ALLOWED_DOMAINS", "contoso.example"),
        ("DAILY_SEND_CAP", "2"),
    ]);
    let outside = create(
        &h,
        json!({"to": [MEGAN], "bcc": [OUTSIDER], "subject": "leak"}),
    )
    .await;
    let mark = h.mark();
    let e = h
        .call("send_draft", json!({"message_id": outside}))
        .await
        .err();
    assert!(
        e.text.contains(OUTSIDER) && e.text.contains("contoso.example"),
        "{}",
        e.text
    );
    assert_eq!(count(&h.requests(mark), "POST", "/send"), 0);

    for i in 0..2 {
        let id = create(&h, json!({"to": [MEGAN], "subject": format!("capped {i}")})).await;
        h.call("send_draft", json!({"message_id": id})).await.ok();
    }
    let third = create(&h, json!({"to": [MEGAN], "subject": "capped 2"})).await;
    let mark = h.mark();
    let e = h
        .call("send_draft", json!({"message_id": third}))
        .await
        .err();
    assert!(
        e.text.contains("at most 2") && e.text.contains("per day"),
        "{}",
        e.text
    );
    assert_eq!(count(&h.requests(mark), "POST", "/send"), 0);

    // The next UTC day has a fresh count.
    let mut h = h;
    h.now_secs += 86_400;
    let s = h
        .call("send_draft", json!({"message_id": third}))
        .await
        .ok();
    assert_eq!(s.structured["status"], "sent");

    let d = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[
            ("TOOL_PRESET", "full"),
            ("SEND_POLICY", "direct"),
            ("SEND_ALLOWED_DOMAINS", "contoso.example"),
            ("DAILY_SEND_CAP", "1"),
        ]),
    );
    let mark = d.mark();
    let e = d
        .call(
            "send_email",
            json!({"to": [OUTSIDER], "subject": "x", "body": "y"}),
        )
        .await
        .err();
    assert!(e.text.contains("recipient policy"), "{}", e.text);
    assert!(
        d.requests(mark).is_empty(),
        "refused before anything is created"
    );
    d.call(
        "send_email",
        json!({"to": [MEGAN], "subject": "one", "body": "y"}),
    )
    .await
    .ok();
    let mark = d.mark();
    let e = d
        .call(
            "send_email",
            json!({"to": [MEGAN], "subject": "two", "body": "y"}),
        )
        .await
        .err();
    assert!(e.text.contains("at most 1"), "{}", e.text);
    assert!(d.requests(mark).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_send_is_not_repeated_and_a_retry_checks_first() {
    let h = Harness::new();
    let subject = "Gateway timeout test";
    let id = create(&h, json!({"to": [MEGAN], "subject": subject})).await;
    h.sb.controls.set_faults(FaultConfig {
        script: vec![Fault::GatewayTimeout],
        path_prefix: Some(format!("{}/send", msg_path(&id))),
        ..FaultConfig::default()
    });
    let mark = h.mark();
    let e = h.call("send_draft", json!({"message_id": id})).await.err();
    assert!(
        e.text.contains("was not sent") && e.text.contains("never sends"),
        "{}",
        e.text
    );
    let reqs = h.requests(mark);
    assert_eq!(
        count(&reqs, "POST", "/send"),
        1,
        "no automatic repeat: {:?}",
        describe(&reqs)
    );
    assert_eq!(
        reqs.iter()
            .find(|r| r.method == "POST" && r.path.ends_with("/send"))
            .unwrap()
            .status,
        504
    );
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 0);

    // The retry reads the draft (still a draft: the send did not happen) and sends it once.
    let mark = h.mark();
    let s = h.call("send_draft", json!({"message_id": id})).await.ok();
    assert_eq!(s.structured["status"], "sent");
    assert_eq!(count(&h.requests(mark), "POST", "/send"), 1);
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_send_with_an_unknown_outcome_is_checked_before_sending() {
    let h = Harness::new();
    let store: &dyn UserStore = &h.store;
    let subject = "Sent but the answer was lost";
    let id = create(&h, json!({"to": [MEGAN], "subject": subject})).await;
    // An earlier attempt claimed the send and Graph sent it, but the call died before marking it.
    store
        .put(
            &format!("send:{id}"),
            json!({"state": "sending", "at": h.now_secs - 600, "draft": id}),
        )
        .await
        .unwrap();
    let resp = h
        .graph
        .send(HttpRequest {
            method: "POST",
            url: format!("{BASE}{}/send", msg_path(&id)),
            headers: vec![],
            body: None,
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 202);
    let mark = h.mark();
    let s = h.call("send_draft", json!({"message_id": id})).await.ok();
    assert_eq!(s.structured["status"], "already_sent");
    let reqs = h.requests(mark);
    assert_eq!(
        count(&reqs, "POST", "/$batch"),
        1,
        "one read, no send: {:?}",
        describe(&reqs)
    );
    assert_eq!(count(&reqs, "POST", "/send"), 0);
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 1);

    // A claim that may still be running is not overtaken...
    let other = create(&h, json!({"to": [MEGAN], "subject": "in flight"})).await;
    store
        .put(
            &format!("send:{other}"),
            json!({"state": "sending", "at": h.now_secs - 5, "draft": other}),
        )
        .await
        .unwrap();
    let mark = h.mark();
    let e = h
        .call("send_draft", json!({"message_id": other}))
        .await
        .err();
    assert!(
        e.text.contains("in progress") && e.text.contains("seconds"),
        "{}",
        e.text
    );
    assert_eq!(count(&h.requests(mark), "POST", "/send"), 0);
    // ...but once its lease is over and the draft is still a draft, it is sent.
    let mut h = h;
    h.now_secs += 300;
    let s = h
        .call("send_draft", json!({"message_id": other}))
        .await
        .ok();
    assert_eq!(s.structured["status"], "sent");
}

#[tokio::test(flavor = "current_thread")]
async fn send_email_sends_once_per_identical_call() {
    let h = Harness::new();
    let subject = "Lunch on Friday";
    let args = json!({
        "to": [MEGAN], "subject": subject, "body": "12:30?", "importance": "low",
        "attachments": [{"name": "menu.txt", "data": data_uri("text/plain", b"soup")}]
    });
    let mark = h.mark();
    let s = h.call("send_email", args.clone()).await.ok();
    assert_eq!(s.structured["status"], "sent");
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let d = describe(&reqs);
    assert_eq!(reqs.len(), 2, "{d:?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/v1.0/me/messages")
    );
    assert!(reqs[1].path.ends_with("/send"), "{d:?}");
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 1);

    let mark = h.mark();
    let again = h.call("send_email", args.clone()).await.ok();
    assert_eq!(again.structured["status"], "already_sent");
    assert!(
        again.text.contains("Already sent at 2026-06-01"),
        "{}",
        again.text
    );
    assert!(h.requests(mark).is_empty());

    let mut changed = args.clone();
    changed["body"] = json!("13:00?");
    h.call("send_email", changed).await.ok();
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 2);

    let e = h
        .call("send_email", json!({"subject": "x", "body": "y"}))
        .await
        .err();
    assert!(e.text.contains("recipient"), "{}", e.text);
    let e = h
        .call("send_email", json!({"to": [MEGAN], "body": "y"}))
        .await
        .err();
    assert!(e.text.contains("subject"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn send_email_retry_after_a_failed_send_reuses_its_draft() {
    let h = Harness::new();
    let subject = "Retry reuses the draft";
    let args = json!({"to": [MEGAN], "subject": subject, "body": "x"});
    h.sb.controls.set_faults(FaultConfig {
        script: vec![Fault::Unavailable],
        path_prefix: Some("/me/messages/".into()),
        ..FaultConfig::default()
    });
    // The create (POST /me/messages) does not match the prefix; the send does.
    let e = h.call("send_email", args.clone()).await.err();
    assert!(e.text.contains("was not sent"), "{}", e.text);
    let drafts_before = folder(&h, "drafts")
        .await
        .iter()
        .filter(|m| m["subject"] == subject)
        .count();
    assert_eq!(drafts_before, 1);
    let mark = h.mark();
    let s = h.call("send_email", args).await.ok();
    assert_eq!(s.structured["status"], "sent");
    let reqs = h.requests(mark);
    assert_eq!(
        count(&reqs, "POST", "/me/messages"),
        0,
        "no second draft: {:?}",
        describe(&reqs)
    );
    assert_eq!(count(&reqs, "POST", "/send"), 1);
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn reply_reply_all_and_forward_send_directly() {
    let h = Harness::new();
    let original = inbox_message(&h, true, "contoso.example").await;
    let oid = original["id"].as_str().unwrap().to_owned();
    let mark = h.mark();
    let r = h
        .call("reply", json!({"message_id": oid, "comment": "Confirmed."}))
        .await
        .ok();
    assert_eq!(r.structured["status"], "sent");
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs.len(), 2, "{:?}", describe(&reqs));
    assert_eq!(reqs[0].path, format!("/v1.0{}/createReply", msg_path(&oid)));
    assert!(reqs[1].path.ends_with("/send"));
    let mark = h.mark();
    let again = h
        .call("reply", json!({"message_id": oid, "comment": "Confirmed."}))
        .await
        .ok();
    assert_eq!(again.structured["status"], "already_sent");
    assert!(h.requests(mark).is_empty());

    let all = h
        .call(
            "reply_all",
            json!({"message_id": oid, "comment": "Thanks all"}),
        )
        .await
        .ok();
    assert!(
        all.structured["recipients"].as_array().unwrap().len() >= 2,
        "{}",
        all.structured
    );
    let fwd = h
        .call(
            "forward",
            json!({"message_id": oid, "to": [LEE], "comment": "FYI"}),
        )
        .await
        .ok();
    assert_eq!(fwd.structured["recipients"], json!([LEE]));
    assert!(fwd.structured["subject"]
        .as_str()
        .unwrap()
        .starts_with("FW:"));

    let e = h
        .call("forward", json!({"message_id": oid, "to": []}))
        .await
        .err();
    assert!(e.text.contains("to:"), "{}", e.text);
    let e = h
        .call("reply", json!({"message_id": oid, "comment": " "}))
        .await
        .err();
    assert!(e.text.contains("comment"), "{}", e.text);
    let e = h
        .call("reply", json!({"message_id": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e", "comment": "x"}))
        .await
        .err();
    assert!(
        e.text.contains("No message") && e.text.contains("Nothing was sent"),
        "{}",
        e.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn reply_all_checks_the_recipients_graph_computed() {
    let h = full(&[
        ("SEND_POLICY", "direct"),
        ("SEND_ALLOWED_DOMAINS", "contoso.example"),
    ]);
    // A message from inside whose reply-all would reach someone outside the allowed domain.
    let original = folder(&h, "inbox").await.into_iter().find(|m| {
        let from = m["from"]["emailAddress"]["address"].as_str().unwrap_or("");
        let all: Vec<String> = ["toRecipients", "ccRecipients"]
            .iter()
            .flat_map(|k| m[*k].as_array().cloned().unwrap_or_default())
            .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_owned))
            .collect();
        from.ends_with("contoso.example") && all.iter().any(|a| !a.ends_with("contoso.example"))
    });
    let Some(original) = original else {
        // Fall back to a message from outside: even a plain reply is refused.
        let ext = inbox_message(&h, false, "fabrikam.example").await;
        let mark = h.mark();
        let e = h
            .call("reply", json!({"message_id": ext["id"], "comment": "hi"}))
            .await
            .err();
        assert!(e.text.contains("recipient policy"), "{}", e.text);
        let reqs = h.requests(mark);
        assert_eq!(count(&reqs, "POST", "/send"), 0);
        assert_eq!(
            count(&reqs, "DELETE", ""),
            1,
            "the refused draft is removed: {:?}",
            describe(&reqs)
        );
        return;
    };
    let mark = h.mark();
    let e = h
        .call(
            "reply_all",
            json!({"message_id": original["id"], "comment": "hi"}),
        )
        .await
        .err();
    assert!(e.text.contains("recipient policy"), "{}", e.text);
    let reqs = h.requests(mark);
    assert_eq!(count(&reqs, "POST", "/send"), 0);
    assert_eq!(
        count(&reqs, "DELETE", ""),
        1,
        "the refused draft is removed: {:?}",
        describe(&reqs)
    );
}

/// A client whose answer to `POST …/send` is lost after the sandbox ran it (a timeout).
struct LosesSendAnswers<'a>(&'a SandboxGraph);

impl GraphClient for LosesSendAnswers<'_> {
    fn send(
        &self,
        request: HttpRequest,
    ) -> m365_core::graph::LocalBoxFuture<
        '_,
        Result<m365_core::graph::HttpResponse, m365_core::graph::TransportError>,
    > {
        Box::pin(async move {
            let lose = request.method == "POST" && request.url.ends_with("/send");
            let response = self.0.send(request).await?;
            if lose {
                return Err(m365_core::graph::TransportError::new("timed out"));
            }
            Ok(response)
        })
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_lost_answer_to_a_send_that_happened_is_reported_as_sent() {
    use m365_core::mcp::server::NullSink;
    use m365_core::mcp::tool::{ToolContext, ToolEnv};
    let h = Harness::new();
    let subject = "Answer lost in transit";
    let id = create(&h, json!({"to": [MEGAN], "subject": subject})).await;
    let registry = h.registry();
    let tool = registry.get("send_draft").unwrap();
    let client = LosesSendAnswers(&h.graph);
    let sink = NullSink;
    let env = ToolEnv {
        deployment: &h.deployment,
        store: Some(&h.store),
        now_secs: h.now_secs,
        granted_scopes: &h.granted,
    };
    let cx = ToolContext::new(&client, BASE, &sink)
        .with_scopes(tool.scopes())
        .with_env(env);
    let mark = h.mark();
    let out = tool
        .call(&json!({"message_id": id}), &cx)
        .await
        .expect("the send happened, so the tool reports it");
    assert_eq!(out.structured.as_ref().unwrap()["status"], "sent");
    assert!(out.text.contains("went out"), "{}", out.text);
    let reqs = h.requests(mark);
    assert_eq!(count(&reqs, "POST", "/send"), 1, "{:?}", describe(&reqs));
    // The record says sent: a repeat through the normal client makes no request.
    let mark = h.mark();
    let again = h.call("send_draft", json!({"message_id": id})).await.ok();
    assert_eq!(again.structured["status"], "already_sent");
    assert!(h.requests(mark).is_empty());
    assert_eq!(delivered(&h, seed::MEGAN_ID, subject).await, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn drafting_in_a_shared_mailbox() {
    let h = Harness::new();
    let support = seed::SUPPORT_UPN;
    let mark = h.mark();
    let c = h
        .call(
            "create_draft",
            json!({"to": [MEGAN], "subject": "From support", "mailbox": support}),
        )
        .await
        .ok();
    let id = c.structured["id"].as_str().unwrap().to_owned();
    assert!(c.text.contains(support), "{}", c.text);
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(
        reqs[0].path,
        "/v1.0/users/support%40contoso.example/messages"
    );

    let listed = h
        .call("list_drafts", json!({"mailbox": support, "limit": 50}))
        .await
        .ok();
    assert!(listed.structured["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == id.as_str()));
    let u = h
        .call(
            "update_draft",
            json!({"message_id": id, "subject": "From support (v2)", "mailbox": support}),
        )
        .await
        .ok();
    assert_eq!(u.structured["subject"], "From support (v2)");
    // The draft is not in Adele's own mailbox.
    let e = h
        .call("update_draft", json!({"message_id": id, "subject": "x"}))
        .await
        .err();
    assert!(e.text.contains("No draft"), "{}", e.text);
    let mark = h.mark();
    h.call(
        "delete_draft",
        json!({"message_id": id, "mailbox": support}),
    )
    .await
    .ok();
    assert!(h.requests(mark).iter().any(|r| r.method == "DELETE"
        && r.path
            .starts_with("/v1.0/users/support%40contoso.example/messages/")));

    // Without the .Shared permission Graph refuses, and the message names it.
    let scopes: Vec<&str> = ALL_SCOPES
        .iter()
        .copied()
        .filter(|s| !s.ends_with(".Shared"))
        .collect();
    let p = Harness::with(seed::ADELE_ID, &scopes, Harness::new().deployment);
    let e = p
        .call("create_draft", json!({"subject": "x", "mailbox": support}))
        .await
        .err();
    assert!(e.text.contains("Mail.ReadWrite.Shared"), "{}", e.text);
}
