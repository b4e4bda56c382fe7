//! Message delta, getMailTips, inbox rules, the Microsoft Search API for messages and the
//! computed `uniqueBody`/`internetMessageHeaders`, through the HTTP router.

mod common;

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Method, Request},
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
}

fn env() -> Env {
    let anchor = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let state = Arc::new(Sandbox::new(BASE.into(), anchor));
    Env {
        app: app(state.clone()),
        state,
    }
}

impl Env {
    fn token(&self, user: &str, scopes: &[&str]) -> String {
        entra::mint_access_token(&self.state, user, scopes, entra::GRAPH_RESOURCE)
    }

    async fn send(
        &self,
        token: &str,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let uri = uri.strip_prefix(BASE).unwrap_or(uri);
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"));
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req: Request<Body> = json_request(b, body);
        let r = send_raw(self.app.clone(), req).await;
        (
            r.status.as_u16(),
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        )
    }
}

const MAIL: &[&str] = &["Mail.ReadWrite", "Mail.Send", "MailboxSettings.Read"];

#[tokio::test]
async fn delta_pages_then_reports_changes_and_removals() {
    let e = env();
    let t = e.token(seed::ADELE_ID, MAIL);
    let prefer = [("prefer", "odata.maxpagesize=20, IdType=\"ImmutableId\"")];
    let mut url = format!("{BASE}/v1.0/me/mailFolders/inbox/messages/delta?$select=subject,isRead");
    let mut ids = Vec::new();
    let delta_link = loop {
        let (s, page) = e.send(&t, Method::GET, &url, &prefer, None).await;
        assert_eq!(s, 200, "{page}");
        let items = page["value"].as_array().unwrap();
        assert!(items.len() <= 20);
        for m in items {
            assert!(m.get("body").is_none(), "$select applies: {m}");
            ids.push(m["id"].as_str().unwrap().to_string());
        }
        if let Some(next) = page["@odata.nextLink"].as_str() {
            url = next.to_string();
            continue;
        }
        break page["@odata.deltaLink"]
            .as_str()
            .expect("deltaLink")
            .to_string();
    };
    let (_, inbox) = e
        .send(
            &t,
            Method::GET,
            "/v1.0/me/mailFolders/inbox?$select=totalItemCount",
            &[],
            None,
        )
        .await;
    assert_eq!(ids.len() as u64, inbox["totalItemCount"].as_u64().unwrap());

    // Nothing changed: an empty round.
    let (s, quiet) = e.send(&t, Method::GET, &delta_link, &prefer, None).await;
    assert_eq!(s, 200);
    assert_eq!(quiet["value"], json!([]));
    let link2 = quiet["@odata.deltaLink"].as_str().unwrap().to_string();

    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let (s, _) = e
        .send(
            &t,
            Method::PATCH,
            &format!("/v1.0/me/messages/{}", enc(&ids[0])),
            &prefer,
            Some(json!({"flag": {"flagStatus": "flagged"}})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = e
        .send(
            &t,
            Method::DELETE,
            &format!("/v1.0/me/messages/{}", enc(&ids[1])),
            &prefer,
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, changes) = e.send(&t, Method::GET, &link2, &prefer, None).await;
    assert_eq!(s, 200, "{changes}");
    let v = changes["value"].as_array().unwrap();
    assert_eq!(v.len(), 2, "{changes}");
    assert!(v
        .iter()
        .any(|m| m["id"] == ids[0].as_str() && m["subject"].is_string()));
    assert!(v
        .iter()
        .any(|m| m["id"] == ids[1].as_str() && m["@removed"]["reason"] == "deleted"));

    // An unknown token is an expired sync state.
    let (s, err) = e
        .send(
            &t,
            Method::GET,
            "/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=nope",
            &[],
            None,
        )
        .await;
    assert_eq!(s, 410);
    assert_eq!(err["error"]["code"], "SyncStateNotFound");
    let (s, _) = e
        .send(
            &t,
            Method::GET,
            "/v1.0/me/mailFolders/inbox/messages/delta?$search=%22x%22",
            &[],
            None,
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn mail_tips_rules_and_search_api() {
    let e = env();
    let t = e.token(seed::ADELE_ID, MAIL);
    let (s, tips) = e
        .send(
            &t,
            Method::POST,
            "/v1.0/me/getMailTips",
            &[],
            Some(json!({
            "EmailAddresses": ["nestor@contoso.example", "alex@fabrikam.example"],
            "MailTipsOptions": "automaticReplies, recipientScope"})),
        )
        .await;
    assert_eq!(s, 200, "{tips}");
    assert!(tips["value"][0]["automaticReplies"]["message"]
        .as_str()
        .unwrap()
        .contains("visiting sites"));
    assert_eq!(tips["value"][0]["recipientScope"], "internal");
    assert_eq!(tips["value"][1]["automaticReplies"], json!({}));
    assert!(tips["value"][1]["recipientScope"]
        .as_str()
        .unwrap()
        .starts_with("external"));
    let (s, _) = e
        .send(
            &t,
            Method::POST,
            "/v1.0/me/getMailTips",
            &[],
            Some(json!({"EmailAddresses": []})),
        )
        .await;
    assert_eq!(s, 400);

    let (s, rules) = e
        .send(
            &t,
            Method::GET,
            "/v1.0/me/mailFolders/inbox/messageRules?$select=displayName,isEnabled",
            &[],
            None,
        )
        .await;
    assert_eq!(s, 200, "{rules}");
    assert_eq!(rules["value"].as_array().unwrap().len(), 2);
    assert!(rules["value"][0].get("actions").is_none());
    let no_settings = e.token(seed::ADELE_ID, &["Mail.Read"]);
    let (s, _) = e
        .send(
            &no_settings,
            Method::GET,
            "/v1.0/me/mailFolders/inbox/messageRules",
            &[],
            None,
        )
        .await;
    assert_eq!(s, 403);

    let search = |q: &str| json!({"requests": [{"entityTypes": ["message"], "query": {"queryString": q}, "from": 0, "size": 5}]});
    let (s, found) = e
        .send(
            &t,
            Method::POST,
            "/v1.0/search/query",
            &[],
            Some(search("active_users")),
        )
        .await;
    assert_eq!(s, 200, "{found}");
    let hits = found["value"][0]["hitsContainers"][0]["hits"]
        .as_array()
        .unwrap();
    assert!(!hits.is_empty(), "attachment contents are searched");
    assert_eq!(
        hits[0]["resource"]["@odata.type"],
        "#microsoft.graph.message"
    );
    let (s, _) = e
        .send(
            &t,
            Method::POST,
            "/v1.0/search/query",
            &[],
            Some(json!({"requests": [{"entityTypes": ["event"], "query": {"queryString": "x"}}]})),
        )
        .await;
    assert_eq!(s, 400);
    let personal = e.token(seed::PERSONAL_USER_ID, MAIL);
    let (s, err) = e
        .send(
            &personal,
            Method::POST,
            "/v1.0/search/query",
            &[],
            Some(search("hello")),
        )
        .await;
    assert_eq!(s, 400);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("personal"));
}

#[tokio::test]
async fn unique_body_and_headers_only_when_selected() {
    let e = env();
    let t = e.token(seed::ADELE_ID, MAIL);
    let (_, list) = e
        .send(
            &t,
            Method::GET,
            "/v1.0/me/messages?$select=id,uniqueBody,body,internetMessageHeaders&$top=30",
            &[],
            None,
        )
        .await;
    let items = list["value"].as_array().unwrap();
    assert!(items
        .iter()
        .all(|m| m["uniqueBody"]["content"].is_string() && m["internetMessageHeaders"].is_array()));
    assert!(
        items
            .iter()
            .any(|m| m["uniqueBody"]["content"].as_str().unwrap().len()
                < m["body"]["content"].as_str().unwrap().len()),
        "some reply has quoted history"
    );
    let (_, plain) = e
        .send(&t, Method::GET, "/v1.0/me/messages?$top=5", &[], None)
        .await;
    for m in plain["value"].as_array().unwrap() {
        assert!(m.get("uniqueBody").is_none() && m.get("internetMessageHeaders").is_none());
    }
}
