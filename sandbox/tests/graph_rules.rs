//! The sandbox refuses what Graph refuses and honours what Graph honours, end to end through
//! its HTTP router: query-option errors with Graph's codes, 401s, 404s, paging by nextLink,
//! Prefer headers, `$batch`, fault injection and the request log.

mod common;

use std::sync::Arc;

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode},
    Router,
};
use chrono::{TimeZone, Utc};
use common::{json_request, send_raw};
use m365_sandbox::{app, entra, seed, Sandbox};
use serde_json::{json, Value};

const BASE: &str = "http://sandbox.test";

struct Env {
    state: Arc<Sandbox>,
    app: Router,
    token: String,
}

fn env() -> Env {
    let anchor = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let state = Arc::new(Sandbox::new(BASE.into(), anchor));
    let token = entra::mint_access_token(
        &state,
        seed::ADELE_ID,
        &[
            "User.Read",
            "Mail.ReadWrite",
            "Mail.Send",
            "MailboxSettings.ReadWrite",
            "Calendars.ReadWrite",
        ],
        entra::GRAPH_RESOURCE,
    );
    Env {
        app: app(state.clone()),
        state,
        token,
    }
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

impl Env {
    async fn send(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        let uri = uri.strip_prefix(BASE).unwrap_or(uri);
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let r = send_raw(self.app.clone(), json_request(b, body)).await;
        Resp {
            json: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            status: r.status,
            headers: r.headers,
        }
    }

    async fn get(&self, uri: &str) -> Resp {
        self.send(Method::GET, uri, Some(&self.token.clone()), &[], None)
            .await
    }
}

fn code(r: &Resp) -> &str {
    r.json["error"]["code"]
        .as_str()
        .unwrap_or("<no error code>")
}

#[tokio::test]
async fn unknown_select_property_is_400_with_graphs_error_shape() {
    let e = env();
    let r = e
        .get("/v1.0/me/messages?$select=subject,notAProperty")
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(code(&r), "RequestBroker--ParseUri");
    assert!(r.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("notAProperty"));
    assert!(r.json["error"]["innerError"]["request-id"].is_string());
    assert!(r.json["error"]["innerError"]["date"].is_string());
}

#[tokio::test]
async fn known_select_returns_only_those_fields_plus_id() {
    let e = env();
    let r = e
        .get("/v1.0/me/mailFolders/inbox/messages?$select=subject,from&$top=5")
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let items = r.json["value"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    for m in items {
        let keys: Vec<&str> = m
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| !k.starts_with('@'))
            .collect();
        assert!(
            keys.iter().all(|k| ["id", "subject", "from"].contains(k)),
            "{keys:?}"
        );
        assert!(m.get("body").is_none());
    }
}

#[tokio::test]
async fn search_with_orderby_or_filter_is_refused() {
    let e = env();
    let r = e
        .get("/v1.0/me/messages?$search=%22budget%22&$orderby=receivedDateTime%20desc")
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = e
        .get("/v1.0/me/messages?$search=%22budget%22&$filter=isRead%20eq%20false")
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
}

#[tokio::test]
async fn unquoted_search_is_refused_and_quoted_search_finds_messages() {
    let e = env();
    let r = e.get("/v1.0/me/messages?$search=from:megan").await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = e
        .get("/v1.0/me/messages?$search=%22from:megan%22&$select=from")
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let items = r.json["value"].as_array().unwrap();
    assert!(!items.is_empty());
    for m in items {
        let from = m["from"]["emailAddress"].to_string().to_lowercase();
        assert!(from.contains("megan"), "{from}");
    }
}

#[tokio::test]
async fn top_out_of_range_is_refused() {
    let e = env();
    for top in ["0", "1001", "-1", "abc"] {
        let r = e.get(&format!("/v1.0/me/messages?$top={top}")).await;
        assert_eq!(r.status, 400, "$top={top}: {}", r.json);
    }
    let r = e.get("/v1.0/me/messages?$top=1000&$select=id").await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unknown_ids_are_404_item_not_found() {
    let e = env();
    let r = e
        .get("/v1.0/me/messages/AAkALgAAAAAAHYQDEapmEc2byACqAC%2FEWg0AnotThere%3D")
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(code(&r), "ErrorItemNotFound");
    let r = e
        .get("/v1.0/me/mailFolders/nonexistent-folder/messages")
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn missing_expired_and_wrong_audience_tokens_are_401() {
    let e = env();
    let r = e
        .send(Method::GET, "/v1.0/me/messages", None, &[], None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(code(&r), "InvalidAuthenticationToken");
    assert!(r.headers.contains_key("www-authenticate"));

    let past = e.state.now() - chrono::Duration::hours(2);
    let expired = entra::mint_access_token_at(
        &e.state,
        seed::ADELE_ID,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
        past,
        past + chrono::Duration::hours(1),
    );
    let r = e
        .send(Method::GET, "/v1.0/me/messages", Some(&expired), &[], None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(code(&r), "InvalidAuthenticationToken");

    let other = entra::mint_access_token(
        &e.state,
        seed::ADELE_ID,
        &["Mail.Read"],
        "api://some-other-api",
    );
    let r = e
        .send(Method::GET, "/v1.0/me/messages", Some(&other), &[], None)
        .await;
    assert_eq!(r.status, 401);

    // The clock control expires a token without waiting.
    let fresh = entra::mint_access_token(
        &e.state,
        seed::ADELE_ID,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
    );
    assert_eq!(
        e.send(
            Method::GET,
            "/v1.0/me/messages?$top=1",
            Some(&fresh),
            &[],
            None
        )
        .await
        .status,
        200
    );
    let c = e
        .send(
            Method::POST,
            "/_admin/clock",
            None,
            &[],
            Some(json!({"advance_seconds": 7200})),
        )
        .await;
    assert_eq!(c.status, 200);
    assert_eq!(
        e.send(
            Method::GET,
            "/v1.0/me/messages?$top=1",
            Some(&fresh),
            &[],
            None
        )
        .await
        .status,
        401
    );
}

#[tokio::test]
async fn missing_permission_is_403() {
    let e = env();
    let read_only = entra::mint_access_token(
        &e.state,
        seed::ADELE_ID,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
    );
    let r = e
        .send(Method::POST, "/v1.0/me/sendMail", Some(&read_only), &[], Some(json!({"message": {"subject": "x", "toRecipients": [{"emailAddress": {"address": "a@b.example"}}]}})))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(code(&r), "ErrorAccessDenied");
}

#[tokio::test]
async fn paging_follows_next_link_verbatim_through_the_whole_folder() {
    let e = env();
    let first = e
        .get("/v1.0/me/mailFolders/inbox/messages?$select=id&$top=50&$count=true")
        .await;
    assert_eq!(first.status, 200, "{}", first.json);
    let total = first.json["@odata.count"].as_u64().unwrap() as usize;
    assert!(total > 50, "inbox has more than one page ({total})");
    let mut seen: Vec<String> = Vec::new();
    let mut page = first;
    loop {
        for m in page.json["value"].as_array().unwrap() {
            seen.push(m["id"].as_str().unwrap().to_string());
        }
        let Some(next) = page.json["@odata.nextLink"].as_str().map(str::to_string) else {
            break;
        };
        assert!(next.starts_with(BASE), "{next}");
        page = e.get(&next).await;
        assert_eq!(page.status, 200, "{}", page.json);
    }
    assert_eq!(seen.len(), total);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no message twice");
}

#[tokio::test]
async fn default_page_size_is_ten() {
    let e = env();
    let r = e.get("/v1.0/me/messages").await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 10);
    assert!(r.json["@odata.nextLink"].is_string());
}

#[tokio::test]
async fn prefer_headers_are_honoured_and_echoed() {
    let e = env();
    let html = e.get("/v1.0/me/messages?$select=body&$top=50").await;
    let html_ids: Vec<&Value> = html.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"]["contentType"] == "html")
        .collect();
    assert!(!html_ids.is_empty(), "some messages are HTML");
    let token = e.token.clone();
    let r = e
        .send(
            Method::GET,
            "/v1.0/me/messages?$select=body&$top=50",
            Some(&token),
            &[(
                "prefer",
                "outlook.body-content-type=\"text\", IdType=\"ImmutableId\"",
            )],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    for m in r.json["value"].as_array().unwrap() {
        assert_eq!(m["body"]["contentType"], "text");
        assert!(
            !m["body"]["content"].as_str().unwrap().contains("<html"),
            "converted to text"
        );
    }
    let applied = r
        .headers
        .get("preference-applied")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        applied.contains("outlook.body-content-type=\"text\""),
        "{applied}"
    );
    assert!(applied.contains("IdType=\"ImmutableId\""), "{applied}");
}

#[tokio::test]
async fn immutable_ids_survive_a_move_and_default_ids_do_not() {
    let e = env();
    let token = e.token.clone();
    let imm = [("prefer", "IdType=\"ImmutableId\"")];
    let list = e
        .send(
            Method::GET,
            "/v1.0/me/mailFolders/inbox/messages?$select=id&$top=1",
            Some(&token),
            &imm,
            None,
        )
        .await;
    let imm_id = list.json["value"][0]["id"].as_str().unwrap().to_string();
    let rest = e
        .get("/v1.0/me/mailFolders/inbox/messages?$select=id&$top=1")
        .await;
    let rest_id = rest.json["value"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(imm_id, rest_id);
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let moved = e
        .send(
            Method::POST,
            &format!("/v1.0/me/messages/{}/move", enc(&imm_id)),
            Some(&token),
            &imm,
            Some(json!({"destinationId": "archive"})),
        )
        .await;
    assert_eq!(moved.status, 201, "{}", moved.json);
    assert_eq!(moved.json["id"], imm_id.as_str());
    assert_eq!(
        e.get(&format!("/v1.0/me/messages/{}", enc(&imm_id)))
            .await
            .status,
        200
    );
    assert_eq!(
        e.get(&format!("/v1.0/me/messages/{}", enc(&rest_id)))
            .await
            .status,
        404,
        "the old default id is gone after the move"
    );
}

#[tokio::test]
async fn timezone_preference_converts_event_times() {
    let e = env();
    let token = e.token.clone();
    let utc = e
        .get("/v1.0/me/events?$select=start,isAllDay&$top=20")
        .await;
    assert_eq!(utc.status, 200, "{}", utc.json);
    let la = e
        .send(
            Method::GET,
            "/v1.0/me/events?$select=start,isAllDay&$top=20",
            Some(&token),
            &[("prefer", "outlook.timezone=\"Pacific Standard Time\"")],
            None,
        )
        .await;
    let (a, b) = (
        &utc.json["value"][0]["start"],
        &la.json["value"][0]["start"],
    );
    assert_eq!(a["timeZone"], "UTC");
    assert_eq!(b["timeZone"], "Pacific Standard Time");
    assert_ne!(a["dateTime"], b["dateTime"]);
}

#[tokio::test]
async fn unknown_body_property_on_create_is_400() {
    let e = env();
    let token = e.token.clone();
    let r = e
        .send(
            Method::POST,
            "/v1.0/me/messages",
            Some(&token),
            &[],
            Some(json!({"subject": "hi", "notAField": 1})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    assert!(r.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("notAField"));
    let ok = e
        .send(
            Method::POST,
            "/v1.0/me/messages",
            Some(&token),
            &[],
            Some(json!({"subject": "hi", "body": {"contentType": "text", "content": "x"}})),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.json);
    assert_eq!(ok.json["isDraft"], true);
}

#[tokio::test]
async fn batch_limits_dependencies_and_failed_dependency() {
    let e = env();
    let token = e.token.clone();
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = e
        .send(
            Method::POST,
            "/v1.0/$batch",
            Some(&token),
            &[],
            Some(json!({"requests": too_many})),
        )
        .await;
    assert_eq!(r.status, 400);

    let r = e
        .send(
            Method::POST,
            "/v1.0/$batch",
            Some(&token),
            &[],
            Some(json!({"requests": [
                {"id": "1", "method": "GET", "url": "/me?$select=displayName"},
                {"id": "2", "method": "GET", "url": "/me/messages/nope", "dependsOn": ["1"]},
                {"id": "3", "method": "GET", "url": "/me/mailFolders/inbox", "dependsOn": ["2"]},
                {"id": "4", "method": "POST", "url": "/me/messages", "body": {"subject": "x"}}
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let by_id = |id: &str| {
        r.json["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert!(by_id("1")["body"]["displayName"].is_string());
    assert_eq!(by_id("2")["status"], 404);
    assert_eq!(by_id("3")["status"], 424);
    assert_eq!(
        by_id("4")["status"],
        400,
        "a body without a Content-Type header"
    );
}

#[tokio::test]
async fn throttles_on_demand_with_retry_after() {
    let e = env();
    let f = e
        .send(
            Method::POST,
            "/_admin/faults",
            None,
            &[],
            Some(json!({"script": ["throttle", "unavailable"], "retry_after_seconds": 7})),
        )
        .await;
    assert_eq!(f.status, 200, "{}", f.json);
    let r1 = e.get("/v1.0/me").await;
    assert_eq!(r1.status, 429);
    assert_eq!(r1.headers.get("retry-after").unwrap(), "7");
    let r2 = e.get("/v1.0/me").await;
    assert_eq!(r2.status, 503);
    assert_eq!(e.get("/v1.0/me").await.status, 200);

    e.send(
        Method::POST,
        "/_admin/faults",
        None,
        &[],
        Some(json!({"throttle_rate": 0.5})),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(e.get("/v1.0/me").await.status.as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn mailbox_concurrency_limit_answers_429() {
    let e = env();
    e.send(
        Method::POST,
        "/_admin/faults",
        None,
        &[],
        Some(json!({"max_concurrent_per_mailbox": 2, "latency_ms": 300})),
    )
    .await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let (app, token) = (e.app.clone(), e.token.clone());
        set.spawn(async move {
            let req = Request::get("/v1.0/me")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let r = send_raw(app, req).await;
            (r.status, r.text())
        });
    }
    let results = set.join_all().await;
    let throttled: Vec<_> = results.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!(
        throttled.len(),
        3,
        "5 concurrent requests with a limit of 2: {results:?}"
    );
    assert!(throttled
        .iter()
        .all(|(_, b)| b.contains("MailboxConcurrency")));
}

#[tokio::test]
async fn every_request_is_recorded_with_the_token_fingerprinted() {
    let e = env();
    let token = e.token.clone();
    e.send(
        Method::GET,
        "/v1.0/me/messages?$top=3&$select=subject",
        Some(&token),
        &[("prefer", "IdType=\"ImmutableId\"")],
        None,
    )
    .await;
    let log = e
        .send(Method::GET, "/_admin/requests", None, &[], None)
        .await;
    let reqs = log.json["requests"].as_array().unwrap();
    let r = reqs
        .iter()
        .find(|r| r["path"] == "/v1.0/me/messages")
        .unwrap();
    assert_eq!(r["query"], "$top=3&$select=subject");
    assert_eq!(r["headers"]["prefer"], "IdType=\"ImmutableId\"");
    assert_eq!(r["status"], 200);
    let auth = r["headers"]["authorization"].as_str().unwrap();
    assert!(auth.starts_with("Bearer <"), "{auth}");
    assert!(
        !log.json.to_string().contains(&token),
        "the token itself is never in the log"
    );
}

#[tokio::test]
async fn reset_restores_the_seed() {
    let e = env();
    let token = e.token.clone();
    let before = e.get("/v1.0/me/messages?$count=true&$top=1").await.json["@odata.count"]
        .as_u64()
        .unwrap();
    e.send(
        Method::POST,
        "/v1.0/me/messages",
        Some(&token),
        &[],
        Some(json!({"subject": "new draft"})),
    )
    .await;
    assert_eq!(
        e.get("/v1.0/me/messages?$count=true&$top=1").await.json["@odata.count"]
            .as_u64()
            .unwrap(),
        before + 1
    );
    assert_eq!(
        e.send(Method::POST, "/_admin/reset", None, &[], None)
            .await
            .status,
        204
    );
    let token = entra::mint_access_token(
        &e.state,
        seed::ADELE_ID,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
    );
    let after = e
        .send(
            Method::GET,
            "/v1.0/me/messages?$count=true&$top=1",
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(after.json["@odata.count"].as_u64().unwrap(), before);
}

#[tokio::test]
async fn send_mail_delivers_to_a_seeded_recipient_and_files_in_sent_items() {
    let e = env();
    let token = e.token.clone();
    let megan = e
        .state
        .world()
        .user(seed::MEGAN_ID)
        .unwrap()
        .user_principal_name
        .clone();
    let r = e
        .send(Method::POST, "/v1.0/me/sendMail", Some(&token), &[], Some(json!({"message": {"subject": "Sandbox delivery check", "body": {"contentType": "text", "content": "hello"}, "toRecipients": [{"emailAddress": {"address": megan}}]}})))
        .await;
    assert_eq!(r.status, 202, "{}", r.json);
    let sent = e.get("/v1.0/me/mailFolders/sentitems/messages?$filter=subject%20eq%20'Sandbox%20delivery%20check'").await;
    assert_eq!(
        sent.json["value"].as_array().unwrap().len(),
        1,
        "{}",
        sent.json
    );
    let megan_token = entra::mint_access_token(
        &e.state,
        seed::MEGAN_ID,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
    );
    let inbox = e.send(Method::GET, "/v1.0/me/mailFolders/inbox/messages?$filter=subject%20eq%20'Sandbox%20delivery%20check'", Some(&megan_token), &[], None).await;
    assert_eq!(
        inbox.json["value"].as_array().unwrap().len(),
        1,
        "{}",
        inbox.json
    );
    assert_eq!(inbox.json["value"][0]["isRead"], false);

    let bad = e
        .send(
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&token),
            &[],
            Some(json!({"message": {"subject": "x", "toRecipients": []}})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(code(&bad), "ErrorInvalidRecipients");
}
