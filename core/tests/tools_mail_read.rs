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
