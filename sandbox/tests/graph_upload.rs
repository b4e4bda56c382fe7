//! Large-attachment upload sessions: `createUploadSession` is bound to the attachments
//! collection (`Collection(graph.attachment)` in the CSDL), and the pre-authenticated upload URL
//! takes ranged `PUT`s without a token.

mod common;

use std::sync::Arc;

use axum::http::{Method, Request};
use chrono::{TimeZone, Utc};
use common::{json_request, send_raw};
use m365_sandbox::{app, entra, seed, Sandbox};
use serde_json::{json, Value};

const BASE: &str = "http://sandbox.test";

#[tokio::test]
async fn upload_session_creates_the_attachment_from_ranged_puts() {
    let anchor = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let state = Arc::new(Sandbox::new(BASE.into(), anchor));
    let token = entra::mint_access_token(
        &state,
        seed::ADELE_ID,
        &["Mail.ReadWrite"],
        entra::GRAPH_RESOURCE,
    );
    let call = |method: Method, uri: &str, body: Option<Value>, auth: bool| {
        let mut b = Request::builder()
            .method(method)
            .uri(uri.strip_prefix(BASE).unwrap_or(uri).to_owned());
        if auth {
            b = b.header("authorization", format!("Bearer {token}"));
        }
        send_raw(app(state.clone()), json_request(b, body))
    };
    let draft = call(
        Method::POST,
        "/v1.0/me/messages",
        Some(json!({"subject": "upload"})),
        true,
    )
    .await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    let id: Value = serde_json::from_slice(&draft.body).unwrap();
    let id = percent_encoding::utf8_percent_encode(
        id["id"].as_str().unwrap(),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    let session = call(
        Method::POST,
        &format!("/v1.0/me/messages/{id}/attachments/createUploadSession"),
        Some(json!({"AttachmentItem": {"attachmentType": "file", "name": "a.bin", "size": 6}})),
        true,
    )
    .await;
    assert_eq!(session.status, 200, "{}", session.text());
    let session: Value = serde_json::from_slice(&session.body).unwrap();
    let url = session["uploadUrl"].as_str().unwrap().to_owned();
    let put = |range: &str, bytes: Vec<u8>, auth: bool| {
        let mut b = Request::builder()
            .method(Method::PUT)
            .uri(url.strip_prefix(BASE).unwrap().to_owned())
            .header("content-range", range);
        if auth {
            b = b.header("authorization", format!("Bearer {token}"));
        }
        send_raw(
            app(state.clone()),
            b.body(axum::body::Body::from(bytes)).unwrap(),
        )
    };
    assert_eq!(
        put("bytes 0-2/6", b"abc".to_vec(), true).await.status,
        401,
        "no token on the upload URL"
    );
    assert_eq!(put("bytes 0-2/6", b"abc".to_vec(), false).await.status, 200);
    assert_eq!(
        put("bytes 0-2/6", b"abc".to_vec(), false).await.status,
        416,
        "ranges in order"
    );
    let last = put("bytes 3-5/6", b"def".to_vec(), false).await;
    assert_eq!(last.status, 201);
    assert!(last.headers.get("location").is_some());
    // Chunks of up to 4 MB are accepted (Graph's recommended maximum).
    let big = call(
        Method::POST,
        &format!("/v1.0/me/messages/{id}/attachments/createUploadSession"),
        Some(json!({"AttachmentItem": {"attachmentType": "file", "name": "b.bin", "size": 3_500_000}})),
        true,
    )
    .await;
    let big: Value = serde_json::from_slice(&big.body).unwrap();
    let big_url = big["uploadUrl"]
        .as_str()
        .unwrap()
        .strip_prefix(BASE)
        .unwrap()
        .to_owned();
    let whole = send_raw(
        app(state.clone()),
        Request::builder()
            .method(Method::PUT)
            .uri(big_url)
            .header("content-range", "bytes 0-3499999/3500000")
            .body(axum::body::Body::from(vec![9u8; 3_500_000]))
            .unwrap(),
    )
    .await;
    assert_eq!(whole.status, 201, "{}", whole.text());
    let list = call(
        Method::GET,
        &format!("/v1.0/me/messages/{id}/attachments"),
        None,
        true,
    )
    .await;
    let list: Value = serde_json::from_slice(&list.body).unwrap();
    assert_eq!(list["value"][0]["size"], 6);
    assert_eq!(list["value"][1]["size"], 3_500_000);
    assert_eq!(list["value"][0]["contentBytes"], "YWJjZGVm");
}
