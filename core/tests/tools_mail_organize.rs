//! Mail organising tools against the sandbox: effects checked with Graph reads, and the exact
//! Graph calls in the sandbox's request log.
mod common;
use common::*;

use m365_core::graph::GraphPath;
use m365_core::mcp::deployment::Deployment;
use m365_sandbox::admin::RecordedRequest;
use m365_sandbox::seed;
use serde_json::Value;

const ORGANIZE_TOOLS: &[&str] = &[
    "move_message",
    "copy_message",
    "mark_read",
    "set_flag",
    "set_categories",
    "create_mail_folder",
    "rename_mail_folder",
    "delete_mail_folder",
    "create_category",
    "create_message_rule",
    "delete_message_rule",
    "update_mailbox_settings",
];

fn deployment(vars: &[(&str, &str)]) -> Deployment {
    Deployment::from_vars(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("deployment")
}

/// `/me/messages/{id}` with the id percent-encoded as the tools must.
fn msg_path(id: &str) -> String {
    GraphPath::me()
        .segment("messages")
        .id(id)
        .unwrap()
        .as_str()
        .to_owned()
}

/// The first `n` inbox messages (id, isRead, categories, flag) straight from the sandbox.
async fn inbox(h: &Harness, n: usize) -> Vec<Value> {
    let (status, v) = h
        .graph_get(&format!(
            "/me/mailFolders/inbox/messages?$select=id,isRead,categories,flag,parentFolderId&$top={n}"
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    let list = v["value"].as_array().unwrap().clone();
    assert_eq!(list.len(), n);
    list
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn folder_id(h: &Harness, well_known_or_id: &str) -> String {
    let (status, v) = h
        .graph_get(&format!("/me/mailFolders/{well_known_or_id}?$select=id"))
        .await;
    assert_eq!(status, 200, "{v}");
    id_of(&v)
}

async fn message(h: &Harness, id: &str, select: &str) -> (u16, Value) {
    h.graph_get(&format!("{}?$select={select}", msg_path(id)))
        .await
}

/// The highest `seq` logged so far. (`Harness::mark` + `Harness::requests` skip the first request
/// after the mark, because the log filters `seq > since`; and a `$batch` envelope is logged after
/// its sub-requests, so the last entry is not the highest.)
fn log_mark(h: &Harness) -> u64 {
    h.requests(0).iter().map(|r| r.seq).max().unwrap_or(0)
}

/// The requests logged after `mark`, in `seq` order.
fn since(h: &Harness, mark: u64) -> Vec<RecordedRequest> {
    let mut v: Vec<_> = h.requests(0).into_iter().filter(|r| r.seq > mark).collect();
    v.sort_by_key(|r| r.seq);
    v
}

/// Requests that are not the `$batch` envelope and not admin calls.
fn graph_calls(reqs: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    reqs.iter()
        .filter(|r| !r.path.starts_with("/_admin") && r.path != "/v1.0/$batch")
        .collect()
}

fn batches(reqs: &[RecordedRequest]) -> usize {
    reqs.iter().filter(|r| r.path == "/v1.0/$batch").count()
}

fn body(r: &RecordedRequest) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "current_thread")]
async fn move_message_to_well_known_and_named_folders() {
    let h = Harness::new();
    let msgs = inbox(&h, 3).await;
    let id = id_of(&msgs[0]);
    let archive = folder_id(&h, "archive").await;

    let mark = log_mark(&h);
    let out = h
        .call(
            "move_message",
            json!({"message_ids": [id], "folder": "archive"}),
        )
        .await
        .ok();
    assert_eq!(out.structured["changed"][0]["id"], id.as_str());
    assert_eq!(
        out.structured["changed"][0]["newId"],
        id.as_str(),
        "immutable ids survive the move"
    );
    assert!(out.text.contains(&id), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    let calls = graph_calls(&reqs);
    assert_eq!(
        calls.len(),
        1,
        "a well-known folder needs no lookup: {calls:?}"
    );
    assert_eq!(calls[0].method, "POST");
    assert_eq!(calls[0].path, format!("/v1.0{}/move", msg_path(&id)));
    assert!(!calls[0].path.contains('+') && !calls[0].path[20..].contains("=="));
    assert_eq!(body(calls[0]), json!({"destinationId": "archive"}));
    let (_, m) = message(&h, &id, "parentFolderId").await;
    assert_eq!(m["parentFolderId"], archive.as_str());

    // Two messages to a folder named by its display name: one lookup, then one $batch.
    let two = [id_of(&msgs[1]), id_of(&msgs[2])];
    let mark = log_mark(&h);
    let out = h
        .call(
            "move_message",
            json!({"message_ids": two, "folder": "newsletters"}),
        )
        .await
        .ok();
    assert_eq!(out.structured["changed"].as_array().unwrap().len(), 2);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(batches(&reqs), 1);
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 2);
    for (s, id) in subs.iter().zip(&two) {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, format!("/v1.0{}/move", msg_path(id)));
        assert!(s.headers.get("prefer").unwrap().contains("ImmutableId"));
    }
    let newsletters = body(subs[0])["destinationId"].as_str().unwrap().to_owned();
    for id in &two {
        let (_, m) = message(&h, id, "parentFolderId").await;
        assert_eq!(m["parentFolderId"], newsletters.as_str());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn move_message_errors() {
    let h = Harness::new();
    let msgs = inbox(&h, 1).await;
    let id = id_of(&msgs[0]);

    let unknown = h
        .call(
            "move_message",
            json!({"message_ids": [id], "folder": "No Such Folder"}),
        )
        .await
        .err();
    assert!(
        unknown.text.contains("list_mail_folders"),
        "{}",
        unknown.text
    );

    let gone = h
        .call(
            "move_message",
            json!({"message_ids": ["AAMkAGI2TG93AAA/does+not=exist"], "folder": "archive"}),
        )
        .await
        .err();
    assert!(gone.text.contains("Not found"), "{}", gone.text);

    // One good, one bad id: the good one moves, the bad one is reported.
    let partial = h
        .call(
            "move_message",
            json!({"message_ids": [id, "AAMkAGI2TG93AAA/does+not=exist"], "folder": "archive"}),
        )
        .await
        .ok();
    assert_eq!(partial.structured["changed"][0]["id"], id.as_str());
    assert_eq!(
        partial.structured["failed"][0]["id"],
        "AAMkAGI2TG93AAA/does+not=exist"
    );
    assert!(partial.text.contains("Not changed"), "{}", partial.text);

    let none = h
        .call(
            "move_message",
            json!({"message_ids": [], "folder": "archive"}),
        )
        .await
        .err();
    assert!(none.text.contains("message_ids"), "{}", none.text);
    let many: Vec<String> = (0..21).map(|i| format!("id{i}")).collect();
    let too_many = h
        .call(
            "move_message",
            json!({"message_ids": many, "folder": "archive"}),
        )
        .await
        .err();
    assert!(too_many.text.contains("message_ids"), "{}", too_many.text);
    let extra = h
        .call(
            "move_message",
            json!({"message_ids": [id], "folder": "archive", "permanent": true}),
        )
        .await
        .err();
    assert!(extra.text.contains("permanent"), "{}", extra.text);

    // Without Mail.ReadWrite Graph refuses; the message names the permission.
    let ro = Harness::with(
        seed::ADELE_ID,
        &["User.Read", "Mail.Read"],
        h.deployment.clone(),
    );
    let denied = ro
        .call(
            "move_message",
            json!({"message_ids": [id], "folder": "archive"}),
        )
        .await
        .err();
    assert!(denied.text.contains("Mail.ReadWrite"), "{}", denied.text);
}

#[tokio::test(flavor = "current_thread")]
async fn copy_message_makes_a_new_copy() {
    let h = Harness::new();
    let msgs = inbox(&h, 1).await;
    let id = id_of(&msgs[0]);
    let mark = log_mark(&h);
    let out = h
        .call(
            "copy_message",
            json!({"message_ids": [id], "folder": "archive"}),
        )
        .await
        .ok();
    let copy = out.structured["changed"][0]["newId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(copy, id);
    assert!(out.text.contains(&copy), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    let calls = graph_calls(&reqs);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, format!("/v1.0{}/copy", msg_path(&id)));
    let (_, original) = message(&h, &id, "parentFolderId").await;
    assert_eq!(
        original["parentFolderId"],
        folder_id(&h, "inbox").await.as_str()
    );
    let (status, c) = message(&h, &copy, "parentFolderId").await;
    assert_eq!(status, 200);
    assert_eq!(c["parentFolderId"], folder_id(&h, "archive").await.as_str());

    let gone = h
        .call(
            "copy_message",
            json!({"message_ids": ["AAMkAGI2TG93AAA/missing="], "folder": "archive"}),
        )
        .await
        .err();
    assert!(gone.text.contains("Not found"), "{}", gone.text);
}

#[tokio::test(flavor = "current_thread")]
async fn mark_read_uses_one_batch_for_several_ids() {
    let h = Harness::new();
    let msgs = inbox(&h, 3).await;
    let ids: Vec<String> = msgs.iter().map(id_of).collect();
    let mark = log_mark(&h);
    let out = h
        .call("mark_read", json!({"message_ids": ids, "read": false}))
        .await
        .ok();
    assert_eq!(out.structured["changed"].as_array().unwrap().len(), 3);
    assert!(out.text.contains("unread"), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(batches(&reqs), 1, "one $batch");
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 3);
    for (s, id) in subs.iter().zip(&ids) {
        assert_eq!(s.method, "PATCH");
        assert_eq!(s.path, format!("/v1.0{}", msg_path(id)));
        assert_eq!(body(s), json!({"isRead": false}));
    }
    for id in &ids {
        let (_, m) = message(&h, id, "isRead").await;
        assert_eq!(m["isRead"], false);
    }

    // One id: a plain PATCH, no batch; read defaults to true.
    let mark = log_mark(&h);
    h.call("mark_read", json!({"message_ids": [ids[0]]}))
        .await
        .ok();
    let reqs = since(&h, mark);
    assert_eq!(batches(&reqs), 0);
    assert_eq!(graph_calls(&reqs).len(), 1);
    assert_eq!(reqs[0].method, "PATCH");
    let (_, m) = message(&h, &ids[0], "isRead").await;
    assert_eq!(m["isRead"], true);

    let gone = h
        .call(
            "mark_read",
            json!({"message_ids": ["AAMkAGI2TG93AAA/missing="]}),
        )
        .await
        .err();
    assert!(gone.text.contains("Not found"), "{}", gone.text);
    let bad = h
        .call("mark_read", json!({"message_ids": [ids[0]], "read": "yes"}))
        .await
        .err();
    assert!(bad.text.contains("read"), "{}", bad.text);
}

#[tokio::test(flavor = "current_thread")]
async fn set_flag_with_due_date_in_the_mailbox_zone() {
    let h = Harness::new();
    let msgs = inbox(&h, 2).await;
    let id = id_of(&msgs[0]);
    let out = h
        .call(
            "set_flag",
            json!({"message_ids": [id], "flag": "flagged", "due": "2026-06-10"}),
        )
        .await
        .ok();
    assert!(out.text.contains("2026-06-10"), "{}", out.text);
    let (_, m) = message(&h, &id, "flag").await;
    assert_eq!(m["flag"]["flagStatus"], "flagged");
    assert_eq!(m["flag"]["dueDateTime"]["dateTime"], "2026-06-10T17:00:00");
    // Adele's mailbox is on Pacific time.
    assert_eq!(
        m["flag"]["dueDateTime"]["timeZone"],
        "Pacific Standard Time"
    );
    assert_eq!(
        m["flag"]["startDateTime"]["dateTime"],
        "2026-06-01T00:00:00"
    );

    h.call("set_flag", json!({"message_ids": [id], "flag": "complete"}))
        .await
        .ok();
    let (_, m) = message(&h, &id, "flag").await;
    assert_eq!(m["flag"]["flagStatus"], "complete");

    let mark = log_mark(&h);
    h.call(
        "set_flag",
        json!({"message_ids": [id, id_of(&msgs[1])], "flag": "not_flagged"}),
    )
    .await
    .ok();
    let reqs = since(&h, mark);
    assert_eq!(batches(&reqs), 1);
    for s in reqs.iter().filter(|r| r.batch.is_some()) {
        assert_eq!(body(s), json!({"flag": {"flagStatus": "notFlagged"}}));
    }
    let (_, m) = message(&h, &id, "flag").await;
    assert_eq!(m["flag"]["flagStatus"], "notFlagged");

    let mark = log_mark(&h);
    let bad = h
        .call(
            "set_flag",
            json!({"message_ids": [id], "flag": "complete", "due": "2026-06-10"}),
        )
        .await
        .err();
    assert!(bad.text.contains("due"), "{}", bad.text);
    let bad = h
        .call(
            "set_flag",
            json!({"message_ids": [id], "flag": "flagged", "due": "next friday"}),
        )
        .await
        .err();
    assert!(bad.text.contains("due"), "{}", bad.text);
    assert!(since(&h, mark).is_empty(), "bad arguments make no calls");
    let bad = h
        .call("set_flag", json!({"message_ids": [id], "flag": "urgent"}))
        .await
        .err();
    assert!(bad.text.contains("flag"), "{}", bad.text);
}

#[tokio::test(flavor = "current_thread")]
async fn set_categories_add_remove_replace_and_warn() {
    let h = Harness::new();
    let msgs = inbox(&h, 2).await;
    let id = id_of(&msgs[0]);
    let before: Vec<String> = msgs[0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();

    // Replace with one id: the master list and the PATCH share one $batch.
    let mark = log_mark(&h);
    let out = h
        .call(
            "set_categories",
            json!({"message_ids": [id], "categories": ["Travel"], "mode": "replace"}),
        )
        .await
        .ok();
    assert!(
        out.structured.get("warnings").is_none(),
        "{}",
        out.structured
    );
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(batches(&reqs), 1);
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0].path, "/v1.0/me/outlook/masterCategories");
    assert!(subs[0].query.as_deref().unwrap_or("").contains("select"));
    assert_eq!(subs[1].method, "PATCH");
    assert_eq!(body(subs[1]), json!({"categories": ["Travel"]}));
    let (_, m) = message(&h, &id, "categories").await;
    assert_eq!(m["categories"], json!(["Travel"]));
    let _ = before;

    // Add keeps what is there; an unknown name is applied with a warning.
    let out = h
        .call(
            "set_categories",
            json!({"message_ids": [id], "categories": ["Project Alpha", "Made Up Label"]}),
        )
        .await
        .ok();
    let warnings = out.structured["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().contains("Made Up Label"));
    assert!(out.text.contains("create_category"), "{}", out.text);
    let (_, m) = message(&h, &id, "categories").await;
    assert_eq!(
        m["categories"],
        json!(["Travel", "Project Alpha", "Made Up Label"])
    );
    assert_eq!(
        out.structured["changed"][0]["categories"],
        json!(["Travel", "Project Alpha", "Made Up Label"])
    );

    // Remove, case-insensitively; adding what is already there sends no PATCH.
    h.call(
        "set_categories",
        json!({"message_ids": [id], "categories": ["made up label"], "mode": "remove"}),
    )
    .await
    .ok();
    let (_, m) = message(&h, &id, "categories").await;
    assert_eq!(m["categories"], json!(["Travel", "Project Alpha"]));
    let mark = log_mark(&h);
    h.call(
        "set_categories",
        json!({"message_ids": [id], "categories": ["travel"]}),
    )
    .await
    .ok();
    let reqs = since(&h, mark);
    assert!(
        reqs.iter().all(|r| r.method != "PATCH"),
        "nothing to change: {reqs:?}"
    );

    // Replace with [] clears.
    h.call(
        "set_categories",
        json!({"message_ids": [id], "categories": [], "mode": "replace"}),
    )
    .await
    .ok();
    let (_, m) = message(&h, &id, "categories").await;
    assert_eq!(m["categories"], json!([]));

    let bad = h
        .call(
            "set_categories",
            json!({"message_ids": [id], "categories": []}),
        )
        .await
        .err();
    assert!(bad.text.contains("categories"), "{}", bad.text);
    let gone = h
        .call(
            "set_categories",
            json!({"message_ids": ["AAMkAGI2TG93AAA/missing="], "categories": ["Travel"]}),
        )
        .await
        .err();
    assert!(gone.text.contains("Not found"), "{}", gone.text);
}

#[tokio::test(flavor = "current_thread")]
async fn mail_folders_create_rename_delete() {
    let h = Harness::new();
    let mark = log_mark(&h);
    let top = h
        .call("create_mail_folder", json!({"name": "Invoices 2026"}))
        .await
        .ok();
    let top_id = top.structured["id"].as_str().unwrap().to_owned();
    assert!(top.text.contains(&top_id));
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v1.0/me/mailFolders");
    assert_eq!(body(&reqs[0]), json!({"displayName": "Invoices 2026"}));
    let (status, f) = h
        .graph_get(&format!(
            "{}?$select=displayName",
            GraphPath::me()
                .segment("mailFolders")
                .id(&top_id)
                .unwrap()
                .as_str()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(f["displayName"], "Invoices 2026");

    // Under a parent given by well-known name.
    let mark = log_mark(&h);
    let child = h
        .call(
            "create_mail_folder",
            json!({"name": "Receipts archive", "parent_folder": "inbox"}),
        )
        .await
        .ok();
    let reqs = since(&h, mark);
    assert_eq!(reqs[0].path, "/v1.0/me/mailFolders/inbox/childFolders");
    assert_eq!(
        child.structured["parentFolderId"],
        folder_id(&h, "inbox").await.as_str()
    );

    let dup = h
        .call("create_mail_folder", json!({"name": "invoices 2026"}))
        .await
        .err();
    assert!(dup.text.contains("already exists"), "{}", dup.text);
    let empty = h
        .call("create_mail_folder", json!({"name": "  "}))
        .await
        .err();
    assert!(empty.text.contains("name"), "{}", empty.text);
    let no_parent = h
        .call(
            "create_mail_folder",
            json!({"name": "X", "parent_folder": "Nowhere"}),
        )
        .await
        .err();
    assert!(
        no_parent.text.contains("list_mail_folders"),
        "{}",
        no_parent.text
    );

    // Rename by display name.
    let renamed = h
        .call(
            "rename_mail_folder",
            json!({"folder": "Invoices 2026", "new_name": "Invoices (2026)"}),
        )
        .await
        .ok();
    assert_eq!(renamed.structured["id"], top_id.as_str());
    assert_eq!(renamed.structured["name"], "Invoices (2026)");
    let (_, f) = h
        .graph_get(&format!(
            "{}?$select=displayName",
            GraphPath::me()
                .segment("mailFolders")
                .id(&top_id)
                .unwrap()
                .as_str()
        ))
        .await;
    assert_eq!(f["displayName"], "Invoices (2026)");
    // The top-level "Newsletters" folder exists: renaming onto it is refused with a clear text.
    let clash = h
        .call(
            "rename_mail_folder",
            json!({"folder": top_id, "new_name": "newsletters"}),
        )
        .await
        .err();
    assert!(clash.text.contains("already named"), "{}", clash.text);
    let mark = log_mark(&h);
    let wk = h
        .call(
            "rename_mail_folder",
            json!({"folder": "Inbox", "new_name": "My inbox"}),
        )
        .await
        .err();
    assert!(wk.text.contains("built-in"), "{}", wk.text);
    assert!(since(&h, mark).is_empty(), "refused before any call");
    let missing = h
        .call(
            "rename_mail_folder",
            json!({"folder": "Nope", "new_name": "Still nope"}),
        )
        .await
        .err();
    assert!(
        missing.text.contains("list_mail_folders"),
        "{}",
        missing.text
    );

    // Delete by id, with a message inside.
    let msg = id_of(&inbox(&h, 1).await[0]);
    h.call(
        "move_message",
        json!({"message_ids": [msg], "folder": top_id}),
    )
    .await
    .ok();
    let mark = log_mark(&h);
    let deleted = h
        .call("delete_mail_folder", json!({"folder": top_id}))
        .await
        .ok();
    assert_eq!(deleted.structured["name"], "Invoices (2026)");
    assert_eq!(deleted.structured["messageCount"], 1);
    assert!(deleted.text.contains("Deleted Items"), "{}", deleted.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    let enc = GraphPath::me().segment("mailFolders").id(&top_id).unwrap();
    assert_eq!(reqs.last().unwrap().method, "DELETE");
    assert_eq!(reqs.last().unwrap().path, format!("/v1.0{}", enc.as_str()));
    // The folder and the Deleted Items id were read in one $batch, each with $select.
    assert_eq!(batches(&reqs), 1);
    let reads: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(reads.len(), 2);
    assert!(reads
        .iter()
        .all(|r| r.method == "GET" && r.query.as_deref().unwrap_or("").contains("select")));
    // In Deleted Items, recoverable.
    let bin = folder_id(&h, "deleteditems").await;
    let (status, f) = h
        .graph_get(&format!("{}?$select=parentFolderId", enc.as_str()))
        .await;
    assert_eq!(status, 200);
    assert_eq!(f["parentFolderId"], bin.as_str());

    let mark = log_mark(&h);
    for wk in ["inbox", "Sent Items", "deleteditems"] {
        let refused = h
            .call("delete_mail_folder", json!({"folder": wk}))
            .await
            .err();
        assert!(refused.text.contains("built-in"), "{}", refused.text);
    }
    assert!(since(&h, mark).is_empty());
    // A built-in folder given by id: Graph refuses, the message says why.
    let inbox_id = folder_id(&h, "inbox").await;
    let refused = h
        .call("delete_mail_folder", json!({"folder": inbox_id}))
        .await
        .err();
    assert!(refused.text.contains("built-in"), "{}", refused.text);
    // Deleting it again from Deleted Items would be for good: refused here.
    let mark = log_mark(&h);
    let again = h
        .call("delete_mail_folder", json!({"folder": top_id}))
        .await
        .err();
    assert!(
        again.text.contains("already in Deleted Items"),
        "{}",
        again.text
    );
    assert!(since(&h, mark)
        .iter()
        .all(|r| r.method == "GET" || r.path == "/v1.0/$batch"));
    let (status, _) = h.graph_get(&format!("{}?$select=id", enc.as_str())).await;
    assert_eq!(status, 200, "still there");
    let missing = h
        .call(
            "delete_mail_folder",
            json!({"folder": "AAMkAGI2TG93AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/missing="}),
        )
        .await
        .err();
    assert!(missing.text.contains("Not found"), "{}", missing.text);
}

#[tokio::test(flavor = "current_thread")]
async fn delete_mail_folder_from_deleted_items_when_permanent_delete_is_allowed() {
    let h = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[("TOOL_PRESET", "draft"), ("PERMANENT_DELETE", "true")]),
    );
    let created = h
        .call(
            "create_mail_folder",
            json!({"name": "Scratch", "parent_folder": "deleteditems"}),
        )
        .await
        .ok();
    let id = created.structured["id"].as_str().unwrap().to_owned();
    let out = h
        .call("delete_mail_folder", json!({"folder": id}))
        .await
        .ok();
    assert!(out.text.contains("gone for good"), "{}", out.text);
    let enc = GraphPath::me().segment("mailFolders").id(&id).unwrap();
    let (status, _) = h.graph_get(&format!("{}?$select=id", enc.as_str())).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "current_thread")]
async fn create_category_with_a_preset_colour() {
    let h = Harness::new();
    let mark = log_mark(&h);
    let out = h
        .call(
            "create_category",
            json!({"name": "Board prep", "color": "preset7"}),
        )
        .await
        .ok();
    assert_eq!(out.structured["color"], "preset7");
    assert!(out.text.contains("blue"), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1.0/me/outlook/masterCategories");
    assert_eq!(
        body(&reqs[0]),
        json!({"displayName": "Board prep", "color": "preset7"})
    );
    let (_, list) = h
        .graph_get("/me/outlook/masterCategories?$select=displayName,color")
        .await;
    assert!(list["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["displayName"] == "Board prep" && c["color"] == "preset7"));

    let dup = h
        .call("create_category", json!({"name": "travel"}))
        .await
        .err();
    assert!(dup.text.contains("already exists"), "{}", dup.text);
    let bad = h
        .call("create_category", json!({"name": "X", "color": "blue"}))
        .await
        .err();
    assert!(bad.text.contains("color"), "{}", bad.text);
    let ro = Harness::with(
        seed::ADELE_ID,
        &["User.Read", "Mail.ReadWrite", "MailboxSettings.Read"],
        h.deployment.clone(),
    );
    let denied = ro.call("create_category", json!({"name": "Y"})).await.err();
    assert!(
        denied.text.contains("MailboxSettings.ReadWrite"),
        "{}",
        denied.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn message_rules_create_and_delete() {
    let h = Harness::new();
    let mark = log_mark(&h);
    let out = h
        .call(
            "create_message_rule",
            json!({
                "name": "Vendor invoices",
                "from_addresses": ["billing@fabrikam.example"],
                "subject_contains": ["invoice"],
                "has_attachments": true,
                "move_to_folder": "archive",
                "mark_as_read": true,
                "categories": ["Receipts"],
                "stop_processing": true
            }),
        )
        .await
        .ok();
    let rule_id = out.structured["id"].as_str().unwrap().to_owned();
    assert!(out.text.contains(&rule_id), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    // The archive folder's id and the existing rules come in one $batch, then the POST.
    assert_eq!(batches(&reqs), 1, "{reqs:?}");
    let post = reqs
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/messageRules"))
        .expect("POST messageRules");
    assert_eq!(post.path, "/v1.0/me/mailFolders/inbox/messageRules");
    let b = body(post);
    let archive = folder_id(&h, "archive").await;
    assert_eq!(b["actions"]["moveToFolder"], archive.as_str());
    assert_eq!(b["actions"]["markAsRead"], true);
    assert_eq!(b["actions"]["assignCategories"], json!(["Receipts"]));
    assert_eq!(b["actions"]["stopProcessingRules"], true);
    assert_eq!(
        b["conditions"]["fromAddresses"][0]["emailAddress"]["address"],
        "billing@fabrikam.example"
    );
    assert_eq!(b["conditions"]["subjectContains"], json!(["invoice"]));
    assert_eq!(b["conditions"]["hasAttachments"], true);
    assert!(b.get("actions").unwrap().get("forwardTo").is_none());
    let (_, rules) = h
        .graph_get("/me/mailFolders/inbox/messageRules?$select=id,displayName,sequence")
        .await;
    let rules = rules["value"].as_array().unwrap().clone();
    let created = rules.iter().find(|r| r["id"] == rule_id.as_str()).unwrap();
    let max_other = rules
        .iter()
        .filter(|r| r["id"] != rule_id.as_str())
        .filter_map(|r| r["sequence"].as_u64())
        .max()
        .unwrap_or(0);
    assert_eq!(created["sequence"].as_u64().unwrap(), max_other + 1);

    // Forwarding is allowed with direct sending (this harness) but not outside the allowlist.
    let fwd = h
        .call(
            "create_message_rule",
            json!({"name": "Fwd", "subject_contains": ["urgent"], "forward_to": ["megan@contoso.example"], "sequence": 9}),
        )
        .await
        .ok();
    let (_, r) = h
        .graph_get(&format!(
            "{}?$select=actions,sequence",
            GraphPath::me()
                .segment("mailFolders")
                .segment("inbox")
                .segment("messageRules")
                .id(fwd.structured["id"].as_str().unwrap())
                .unwrap()
                .as_str()
        ))
        .await;
    assert_eq!(
        r["actions"]["forwardTo"][0]["emailAddress"]["address"],
        "megan@contoso.example"
    );
    assert_eq!(r["sequence"], 9);

    for args in [
        json!({"name": "All", "mark_as_read": true}),
        json!({"name": "All", "mark_as_read": true, "sent_to_me": false, "has_attachments": false}),
    ] {
        let no_cond = h.call("create_message_rule", args).await.err();
        assert!(no_cond.text.contains("condition"), "{}", no_cond.text);
    }
    let no_action = h
        .call(
            "create_message_rule",
            json!({"name": "Nothing", "sent_to_me": true}),
        )
        .await
        .err();
    assert!(no_action.text.contains("action"), "{}", no_action.text);
    let bad_folder = h
        .call(
            "create_message_rule",
            json!({"name": "X", "sent_to_me": true, "move_to_folder": "Nowhere"}),
        )
        .await
        .err();
    assert!(
        bad_folder.text.contains("list_mail_folders"),
        "{}",
        bad_folder.text
    );

    // Delete.
    let mark = log_mark(&h);
    h.call("delete_message_rule", json!({"rule_id": rule_id}))
        .await
        .ok();
    let reqs = since(&h, mark);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "DELETE");
    assert!(reqs[0]
        .path
        .starts_with("/v1.0/me/mailFolders/inbox/messageRules/"));
    let (_, rules) = h
        .graph_get("/me/mailFolders/inbox/messageRules?$select=id")
        .await;
    assert!(!rules["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == rule_id.as_str()));
    let again = h
        .call("delete_message_rule", json!({"rule_id": rule_id}))
        .await
        .err();
    assert!(again.text.contains("list_message_rules"), "{}", again.text);
}

#[tokio::test(flavor = "current_thread")]
async fn forwarding_rules_follow_the_send_policy() {
    let rule = json!({"name": "Fwd", "subject_contains": ["x"], "forward_to": ["someone@elsewhere.example"]});
    for vars in [
        vec![("TOOL_PRESET", "draft")],
        vec![("TOOL_PRESET", "full"), ("SEND_POLICY", "own-drafts")],
    ] {
        let h = Harness::with(seed::ADELE_ID, ALL_SCOPES, deployment(&vars));
        let mark = log_mark(&h);
        let refused = h.call("create_message_rule", rule.clone()).await.err();
        assert!(refused.text.contains("send policy"), "{}", refused.text);
        assert!(since(&h, mark).is_empty(), "refused before any call");
    }
    let h = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[
            ("TOOL_PRESET", "full"),
            ("SEND_POLICY", "direct"),
            ("SEND_ALLOWED_DOMAINS", "contoso.example"),
        ]),
    );
    let refused = h.call("create_message_rule", rule).await.err();
    assert!(
        refused.text.contains("elsewhere.example"),
        "{}",
        refused.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn update_mailbox_settings_replies_hours_zone_language() {
    let h = Harness::new();
    // Prime the cached mailbox time zone (Pacific) through a flag with a due date.
    let id = id_of(&inbox(&h, 1).await[0]);
    h.call(
        "set_flag",
        json!({"message_ids": [id], "flag": "flagged", "due": "2026-06-10"}),
    )
    .await
    .ok();

    let mark = log_mark(&h);
    let out = h
        .call(
            "update_mailbox_settings",
            json!({
                "automatic_replies": {
                    "status": "scheduled", "start": "2026-07-01", "end": "2026-07-15T12:00",
                    "internal_message": "Away until 15 July.\nAsk Megan.",
                    "external_audience": "contacts_only"
                },
                "working_hours": {"days": ["monday","tuesday","wednesday","thursday","friday"], "start_time": "08:30", "end_time": "16:30"},
                "time_zone": "eastern standard time",
                "language": "en-GB"
            }),
        )
        .await
        .ok();
    assert_eq!(
        out.structured["updated"],
        json!(["automaticReplies", "workingHours", "timeZone", "language"])
    );
    assert_eq!(out.structured["timeZone"], "Eastern Standard Time");
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    // The two time-zone lists in one batch, then one PATCH.
    assert_eq!(batches(&reqs), 1);
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 2);
    assert!(subs
        .iter()
        .all(|s| s.path.starts_with("/v1.0/me/outlook/supportedTimeZones")));
    let patch = reqs.iter().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(patch.path, "/v1.0/me/mailboxSettings");
    let (_, s) = h
        .graph_get(
            "/me/mailboxSettings?$select=automaticRepliesSetting,workingHours,timeZone,language",
        )
        .await;
    let auto = &s["automaticRepliesSetting"];
    assert_eq!(auto["status"], "scheduled");
    assert_eq!(auto["externalAudience"], "contactsOnly");
    assert_eq!(
        auto["scheduledStartDateTime"]["dateTime"],
        "2026-07-01T00:00:00"
    );
    assert_eq!(
        auto["scheduledEndDateTime"]["dateTime"],
        "2026-07-15T12:00:00"
    );
    assert_eq!(
        auto["scheduledStartDateTime"]["timeZone"],
        "Eastern Standard Time"
    );
    assert_eq!(
        auto["internalReplyMessage"],
        "Away until 15 July.<br>Ask Megan."
    );
    assert_eq!(s["workingHours"]["startTime"], "08:30:00.0000000");
    assert_eq!(
        s["workingHours"]["timeZone"]["name"],
        "Eastern Standard Time"
    );
    assert_eq!(s["workingHours"]["daysOfWeek"].as_array().unwrap().len(), 5);
    assert_eq!(s["timeZone"], "Eastern Standard Time");
    assert_eq!(s["language"]["locale"], "en-GB");

    // The cached zone was forgotten: a new due date is in the new zone.
    h.call(
        "set_flag",
        json!({"message_ids": [id], "flag": "flagged", "due": "2026-06-12"}),
    )
    .await
    .ok();
    let (_, m) = message(&h, &id, "flag").await;
    assert_eq!(
        m["flag"]["dueDateTime"]["timeZone"],
        "Eastern Standard Time"
    );

    // IANA names are accepted as Graph accepts them.
    h.call(
        "update_mailbox_settings",
        json!({"time_zone": "Europe/London", "automatic_replies": {"status": "disabled"}}),
    )
    .await
    .ok();
    let (_, s) = h
        .graph_get("/me/mailboxSettings?$select=timeZone,automaticRepliesSetting")
        .await;
    assert_eq!(s["timeZone"], "Europe/London");
    assert_eq!(s["automaticRepliesSetting"]["status"], "disabled");

    let mark = log_mark(&h);
    for (args, field) in [
        (json!({}), "nothing to change"),
        (json!({"language": "English"}), "language"),
        (
            json!({"automatic_replies": {"status": "scheduled", "start": "2026-07-01"}}),
            "start and end",
        ),
        (
            json!({"automatic_replies": {"status": "always_enabled", "end": "2026-07-01"}}),
            "scheduled",
        ),
        (
            json!({"working_hours": {"days": ["monday"], "start_time": "17:00", "end_time": "09:00"}}),
            "end_time",
        ),
        (
            json!({"working_hours": {"days": ["monday"], "start_time": "9am", "end_time": "17:00"}}),
            "start_time",
        ),
    ] {
        let e = h.call("update_mailbox_settings", args).await.err();
        assert!(e.text.contains(field), "{field}: {}", e.text);
    }
    assert!(since(&h, mark).is_empty(), "argument errors make no calls");
    let e = h
        .call(
            "update_mailbox_settings",
            json!({"time_zone": "Mars/Olympus Mons"}),
        )
        .await
        .err();
    assert!(e.text.contains("time_zone"), "{}", e.text);
    let e = h
        .call(
            "update_mailbox_settings",
            json!({"automatic_replies": {"status": "scheduled", "start": "2026-07-10", "end": "2026-07-01"}}),
        )
        .await
        .err();
    assert!(e.text.contains("after start"), "{}", e.text);
    let ro = Harness::with(
        seed::ADELE_ID,
        &["User.Read", "MailboxSettings.Read"],
        h.deployment.clone(),
    );
    let denied = ro
        .call("update_mailbox_settings", json!({"language": "en-US"}))
        .await
        .err();
    assert!(
        denied.text.contains("MailboxSettings.ReadWrite"),
        "{}",
        denied.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn delete_message_moves_to_deleted_items() {
    let h = Harness::new();
    let msgs = inbox(&h, 3).await;
    let ids: Vec<String> = msgs.iter().map(id_of).collect();
    let bin = folder_id(&h, "deleteditems").await;
    let mark = log_mark(&h);
    let out = h
        .call("delete_message", json!({"message_ids": [ids[0], ids[1]]}))
        .await
        .ok();
    assert!(out.text.contains("Deleted Items"), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(batches(&reqs), 1);
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 2);
    for (s, id) in subs.iter().zip(&ids) {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, format!("/v1.0{}/move", msg_path(id)));
        assert_eq!(body(s), json!({"destinationId": "deleteditems"}));
    }
    for id in &ids[..2] {
        let (status, m) = message(&h, id, "parentFolderId").await;
        assert_eq!(status, 200, "recoverable");
        assert_eq!(m["parentFolderId"], bin.as_str());
    }

    // permanent without the deployment's consent: refused, nothing sent.
    let mark = log_mark(&h);
    let refused = h
        .call(
            "delete_message",
            json!({"message_ids": [ids[2]], "permanent": true}),
        )
        .await
        .err();
    assert!(refused.text.contains("not enabled"), "{}", refused.text);
    assert!(since(&h, mark).is_empty());
    let (status, _) = message(&h, &ids[2], "id").await;
    assert_eq!(status, 200);

    let gone = h
        .call(
            "delete_message",
            json!({"message_ids": ["AAMkAGI2TG93AAA/missing="]}),
        )
        .await
        .err();
    assert!(gone.text.contains("Not found"), "{}", gone.text);
}

#[tokio::test(flavor = "current_thread")]
async fn delete_message_permanently_when_configured() {
    let h = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[("TOOL_PRESET", "full"), ("PERMANENT_DELETE", "true")]),
    );
    let id = id_of(&inbox(&h, 1).await[0]);
    let mark = log_mark(&h);
    let out = h
        .call(
            "delete_message",
            json!({"message_ids": [id], "permanent": true}),
        )
        .await
        .ok();
    assert!(out.text.contains("Permanently"), "{}", out.text);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(
        reqs[0].path,
        format!("/v1.0{}/permanentDelete", msg_path(&id))
    );
    assert!(reqs[0].body.is_none(), "permanentDelete takes no body");
    assert!(!reqs[0].headers.contains_key("content-type"));
    let (status, _) = message(&h, &id, "id").await;
    assert_eq!(status, 404);

    // Several: one $batch of bodiless POSTs.
    let ids: Vec<String> = inbox(&h, 2).await.iter().map(id_of).collect();
    let mark = log_mark(&h);
    h.call(
        "delete_message",
        json!({"message_ids": ids, "permanent": true}),
    )
    .await
    .ok();
    let reqs = since(&h, mark);
    assert_eq!(batches(&reqs), 1);
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 2);
    for (s, id) in subs.iter().zip(&ids) {
        assert_eq!(s.path, format!("/v1.0{}/permanentDelete", msg_path(id)));
        assert!(s.body.is_none());
        let (status, _) = message(&h, id, "id").await;
        assert_eq!(status, 404);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn shared_mailbox_messages_are_organised_with_the_shared_permission() {
    let h = Harness::new();
    let root = GraphPath::user(seed::SUPPORT_UPN).unwrap();
    let (status, list) = h
        .graph_get(&format!(
            "{}/mailFolders/inbox/messages?$select=id&$top=2",
            root.as_str()
        ))
        .await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<String> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    let mark = log_mark(&h);
    h.call(
        "mark_read",
        json!({"message_ids": [ids[0]], "read": false, "mailbox": seed::SUPPORT_UPN}),
    )
    .await
    .ok();
    let reqs = since(&h, mark);
    let path = GraphPath::user(seed::SUPPORT_UPN)
        .unwrap()
        .segment("messages")
        .id(&ids[0])
        .unwrap();
    assert_eq!(reqs[0].path, format!("/v1.0{}", path.as_str()));
    assert!(reqs[0]
        .path
        .starts_with("/v1.0/users/support%40contoso.example/"));
    let (_, m) = h
        .graph_get(&format!("{}?$select=isRead", path.as_str()))
        .await;
    assert_eq!(m["isRead"], false);
    h.call(
        "move_message",
        json!({"message_ids": [ids[1]], "folder": "archive", "mailbox": seed::SUPPORT_UPN}),
    )
    .await
    .ok();

    let no_shared = Harness::with(
        seed::ADELE_ID,
        &["User.Read", "Mail.ReadWrite"],
        h.deployment.clone(),
    );
    let denied = no_shared
        .call(
            "mark_read",
            json!({"message_ids": [ids[0]], "mailbox": seed::SUPPORT_UPN}),
        )
        .await
        .err();
    assert!(
        denied.text.contains("Mail.ReadWrite.Shared"),
        "{}",
        denied.text
    );
    let bad = h
        .call(
            "mark_read",
            json!({"message_ids": [ids[0]], "mailbox": "support"}),
        )
        .await
        .err();
    assert!(bad.text.contains("mailbox"), "{}", bad.text);
}

#[tokio::test(flavor = "current_thread")]
async fn presets_register_only_what_they_allow() {
    let read = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[("TOOL_PRESET", "read")]),
    );
    let registry = read.registry();
    for name in ORGANIZE_TOOLS.iter().chain(&["delete_message"]) {
        assert!(registry.get(name).is_none(), "{name} registered under read");
    }
    let draft = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        deployment(&[("TOOL_PRESET", "draft")]),
    );
    let registry = draft.registry();
    for name in ORGANIZE_TOOLS {
        assert!(registry.get(name).is_some(), "{name} missing under draft");
    }
    assert!(registry.get("delete_message").is_none());
    let full = Harness::new().registry();
    for name in ORGANIZE_TOOLS.iter().chain(&["delete_message"]) {
        let tool = full.get(name).expect("registered under full");
        let a = tool.annotations();
        assert!(!a.read_only, "{name}");
        if name.starts_with("delete_") || *name == "update_mailbox_settings" {
            assert!(a.destructive, "{name}");
        }
        if [
            "mark_read",
            "set_flag",
            "set_categories",
            "rename_mail_folder",
        ]
        .contains(name)
        {
            assert!(a.idempotent, "{name}");
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn twenty_messages_stay_within_batch_limits() {
    let h = Harness::new();
    let ids: Vec<String> = inbox(&h, 20).await.iter().map(id_of).collect();
    // Adding reads the master list and 20 messages (21 reads: two batches), then writes.
    let mark = log_mark(&h);
    let out = h
        .call(
            "set_categories",
            json!({"message_ids": ids, "categories": ["Travel"]}),
        )
        .await
        .ok();
    assert_eq!(out.structured["changed"].as_array().unwrap().len(), 20);
    let reqs = since(&h, mark);
    assert_graph_hygiene(&reqs);
    let mut per_batch = std::collections::BTreeMap::new();
    for r in reqs.iter().filter(|r| r.batch.is_some()) {
        *per_batch.entry(r.batch.clone().unwrap().0).or_insert(0) += 1;
    }
    assert!(per_batch.values().all(|n| *n <= 20), "{per_batch:?}");
    assert_eq!(
        per_batch.values().sum::<usize>(),
        21 + reqs.iter().filter(|r| r.method == "PATCH").count()
    );
    for id in &ids {
        let (_, m) = message(&h, id, "categories").await;
        assert!(
            m["categories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "Travel"),
            "{m}"
        );
    }
    // And mark_read with 20 ids is one batch of 20 PATCHes.
    let mark = log_mark(&h);
    h.call("mark_read", json!({"message_ids": ids})).await.ok();
    let reqs = since(&h, mark);
    assert_eq!(batches(&reqs), 1);
    assert_eq!(reqs.iter().filter(|r| r.method == "PATCH").count(), 20);
}

#[tokio::test(flavor = "current_thread")]
async fn a_throttled_sub_request_is_reported_with_its_wait() {
    use m365_sandbox::admin::{Fault, FaultConfig};
    let h = Harness::new();
    let ids: Vec<String> = inbox(&h, 2).await.iter().map(id_of).collect();
    h.sb.controls.set_faults(FaultConfig {
        script: vec![Fault::Throttle],
        retry_after_seconds: Some(7),
        path_prefix: Some(msg_path(&ids[1])),
        ..FaultConfig::default()
    });
    let out = h
        .call("mark_read", json!({"message_ids": ids, "read": false}))
        .await
        .ok();
    h.sb.controls.set_faults(FaultConfig::default());
    assert_eq!(out.structured["changed"][0]["id"], ids[0].as_str());
    assert_eq!(out.structured["failed"][0]["id"], ids[1].as_str());
    let why = out.structured["failed"][0]["error"].as_str().unwrap();
    assert!(
        why.contains("throttling") && why.contains("7 seconds"),
        "{why}"
    );
    let (_, m) = message(&h, &ids[0], "isRead").await;
    assert_eq!(m["isRead"], false);
}
