//! Entra lifetimes driven by the sandbox clock (`POST /_admin/clock`): authorization codes (10
//! minutes), access tokens (3599 s) and refresh-token inactivity (90 days).

mod common;

use std::sync::Arc;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use chrono::Utc;
use common::{send, user, CHALLENGE, VERIFIER};
use m365_sandbox::{
    entra,
    store::{AccountKind, Tenant},
    Sandbox,
};
use serde_json::{json, Value};

const TENANT: &str = "7a1c0e5e-3333-4b6f-9c1a-00000000e003";
const USER: &str = "c10c0000-0000-4000-8000-00000000a001";
const UPN: &str = "clara@clock-test.example";
const REDIRECT: &str = "http://localhost:8400/cb";
const SCOPE: &str = "openid offline_access Mail.Read";

fn sandbox() -> Arc<Sandbox> {
    let s = Sandbox::new("http://127.0.0.1:8790".to_string(), Utc::now());
    {
        let mut w = s.world();
        w.tenants.push(Tenant {
            id: TENANT.to_string(),
            display_name: "Clock (test)".to_string(),
            domain: "clock-test.example".to_string(),
        });
        w.users
            .push(user(USER, TENANT, UPN, "Clara Clock", AccountKind::Work));
    }
    Arc::new(s)
}

async fn advance(s: &Arc<Sandbox>, seconds: i64) {
    let r = send(
        s,
        Request::post("/_admin/clock")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "advance_seconds": seconds }).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "clock control: {}", r.body);
}

async fn code(s: &Arc<Sandbox>) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", entra::SANDBOX_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPE),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("login_hint", UPN),
            ("sandbox_auto", "1"),
        ])
        .finish();
    let r = send(
        s,
        Request::get(format!("/{TENANT}/oauth2/v2.0/authorize?{q}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let location = r.location();
    let query = location.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

async fn token(s: &Arc<Sandbox>, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut all = vec![
        ("client_id", entra::SANDBOX_CLIENT_ID),
        ("client_secret", entra::SANDBOX_CLIENT_SECRET),
        ("scope", SCOPE),
    ];
    all.extend_from_slice(pairs);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all)
        .finish();
    let r = send(
        s,
        Request::post(format!("/{TENANT}/oauth2/v2.0/token"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    (r.status, serde_json::from_str(&r.body).unwrap())
}

async fn redeem(s: &Arc<Sandbox>, code: &str) -> (StatusCode, Value) {
    token(
        s,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn refresh(s: &Arc<Sandbox>, rt: &str) -> (StatusCode, Value) {
    token(s, &[("grant_type", "refresh_token"), ("refresh_token", rt)]).await
}

#[tokio::test]
async fn authorization_code_expires_after_ten_minutes() {
    let s = sandbox();
    let fresh = code(&s).await;
    advance(&s, 9 * 60).await;
    assert_eq!(redeem(&s, &fresh).await.0, StatusCode::OK);

    let stale = code(&s).await;
    advance(&s, 10 * 60 + 1).await;
    let (status, v) = redeem(&s, &stale).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_grant");
    assert_eq!(v["error_codes"], json!([70008]));
}

#[tokio::test]
async fn access_token_expires_and_refresh_renews_it() {
    let s = sandbox();
    let c = code(&s).await;
    let (_, v) = redeem(&s, &c).await;
    let at = v["access_token"].as_str().unwrap().to_string();
    let header = format!("Bearer {at}");
    advance(&s, 3598).await;
    assert!(entra::authenticate(&s, Some(&header)).is_ok());
    advance(&s, 2).await;
    let e = entra::authenticate(&s, Some(&header)).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.message.as_str()),
        (
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired."
        )
    );
    // Through Graph's HTTP surface the same 401 comes back.
    let r = send(
        &s,
        Request::get("/v1.0/me")
            .header(header::AUTHORIZATION, &header)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    if r.status != StatusCode::NOT_FOUND {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
        assert_eq!(
            v["error"]["message"],
            "Lifetime validation failed, the token is expired."
        );
    }

    let (status, v) = refresh(&s, v["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let renewed = format!("Bearer {}", v["access_token"].as_str().unwrap());
    assert_eq!(
        entra::authenticate(&s, Some(&renewed)).unwrap().user_id,
        USER
    );
}

#[tokio::test]
async fn refresh_token_dies_after_ninety_days_of_inactivity() {
    let s = sandbox();
    let c = code(&s).await;
    let (_, v) = redeem(&s, &c).await;
    // Used every 60 days, it keeps sliding.
    advance(&s, 60 * 86_400).await;
    let (status, v) = refresh(&s, v["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    advance(&s, 60 * 86_400).await;
    let (status, v) = refresh(&s, v["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Left alone for 91 days, it is gone.
    advance(&s, 91 * 86_400).await;
    let (status, v) = refresh(&s, v["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_grant");
    assert_eq!(v["error_codes"], json!([700082]));
}
