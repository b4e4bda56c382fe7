//! Entra v2 stand-in: authorization-code flow with PKCE for a confidential client, refresh
//! rotation, discovery, and Graph's access-token checks — driven through the axum router.

mod common;

use std::sync::Arc;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{Duration, Utc};
use common::{send, user, Resp, CHALLENGE, VERIFIER};
use m365_sandbox::{
    entra::{self, Principal},
    store::{AccountKind, Tenant},
    Sandbox,
};
use serde_json::{json, Value};

const BASE: &str = "http://127.0.0.1:8790";
const TAILSPIN: &str = "7a1c0e5e-1111-4b6f-9c1a-00000000e001";
const NORTHWIND: &str = "7a1c0e5e-2222-4b6f-9c1a-00000000e002";
const ALICE: &str = "a11ce000-0000-4000-8000-00000000a001";
const BOB: &str = "b0b00000-0000-4000-8000-00000000b002";
const NINA: &str = "41a00000-0000-4000-8000-00000000c003";
const PAT: &str = "00000000-0000-0000-7a7e-00000000d004";
const REDIRECT: &str = "http://127.0.0.1:53123/callback";
const SCOPE: &str = "openid profile email offline_access https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read";

/// A sandbox with test tenants and users of its own (the seed may hold others).
fn sandbox() -> Arc<Sandbox> {
    let s = Sandbox::new(BASE.to_string(), Utc::now());
    {
        let mut w = s.world();
        w.tenants.push(Tenant {
            id: TAILSPIN.to_string(),
            display_name: "Tailspin (test)".to_string(),
            domain: "tailspin-test.example".to_string(),
        });
        w.tenants.push(Tenant {
            id: NORTHWIND.to_string(),
            display_name: "Northwind (test)".to_string(),
            domain: "northwind-test.example".to_string(),
        });
        w.users.push(user(
            ALICE,
            TAILSPIN,
            "alice@tailspin-test.example",
            "Alice Test",
            AccountKind::Work,
        ));
        w.users.push(user(
            BOB,
            TAILSPIN,
            "bob@tailspin-test.example",
            "Bob Test",
            AccountKind::Work,
        ));
        w.users.push(user(
            NINA,
            NORTHWIND,
            "nina@northwind-test.example",
            "Nina Test",
            AccountKind::Work,
        ));
        w.users.push(user(
            PAT,
            entra::CONSUMERS_TENANT_ID,
            "pat.test@outlook-test.example",
            "Pat Test",
            AccountKind::Personal,
        ));
    }
    Arc::new(s)
}

fn enc(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn get(s: &Arc<Sandbox>, uri: &str) -> Resp {
    send(s, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_form(s: &Arc<Sandbox>, uri: &str, body: &str, basic: Option<(&str, &str)>) -> Resp {
    let mut b =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        let cred = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        b = b.header(header::AUTHORIZATION, format!("Basic {cred}"));
    }
    send(s, b.body(Body::from(body.to_string())).unwrap()).await
}

/// Query (or fragment) parameters of a redirect.
fn params_of(location: &str) -> Vec<(String, String)> {
    let q = location
        .split_once(['?', '#'])
        .map(|(_, q)| q)
        .unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn param(location: &str, name: &str) -> Option<String> {
    params_of(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn authorize_query(extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", entra::SANDBOX_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("response_mode", "query"),
        ("scope", SCOPE),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push((k, v));
    }
    pairs.retain(|(_, v)| !v.is_empty());
    enc(&pairs)
}

/// The authorize endpoint of `tenant` with [`authorize_query`].
async fn authorize(s: &Arc<Sandbox>, tenant: &str, extra: &[(&str, &str)]) -> Resp {
    get(
        s,
        &format!("/{tenant}/oauth2/v2.0/authorize?{}", authorize_query(extra)),
    )
    .await
}

/// Non-interactive code: `login_hint` + `sandbox_auto=1`.
async fn auto_code(s: &Arc<Sandbox>, tenant: &str, upn: &str, extra: &[(&str, &str)]) -> String {
    let mut e = vec![("login_hint", upn), ("sandbox_auto", "1")];
    e.extend_from_slice(extra);
    let r = authorize(s, tenant, &e).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let loc = r.location();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    param(&loc, "code").unwrap_or_else(|| panic!("no code in {loc}"))
}

fn token_body(code: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", entra::SANDBOX_CLIENT_ID),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("scope", SCOPE),
        ("client_secret", entra::SANDBOX_CLIENT_SECRET),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push((k, v));
    }
    pairs.retain(|(_, v)| !v.is_empty());
    enc(&pairs)
}

async fn redeem(s: &Arc<Sandbox>, tenant: &str, code: &str, extra: &[(&str, &str)]) -> Resp {
    post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &token_body(code, extra),
        None,
    )
    .await
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

/// Error JSON from the token endpoint: `error` plus the AADSTS number.
fn assert_token_error(r: &Resp, status: StatusCode, error: &str, code: u64) {
    assert_eq!(r.status, status, "{}", r.body);
    let v = r.json();
    assert_eq!(v["error"], error, "{v}");
    assert_eq!(v["error_codes"], json!([code]), "{v}");
    let desc = v["error_description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("AADSTS{code}: ")), "{desc}");
    assert!(
        desc.contains("Trace ID: ")
            && desc.contains("Correlation ID: ")
            && desc.contains("Timestamp: "),
        "{desc}"
    );
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(v[k].is_string(), "{k} missing: {v}");
    }
}

/// Hidden inputs of the sign-in form, in order.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| {
            let start = chunk.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = start + chunk[start..].find('"').unwrap();
            unescape(&chunk[start..end])
        };
        out.push((attr("name"), attr("value")));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `value` attributes of the account buttons.
fn account_buttons(html: &str) -> Vec<String> {
    html.split("<button type=\"submit\" name=\"user\" value=\"")
        .skip(1)
        .map(|c| c[..c.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn full_code_flow_via_sign_in_page_then_graph_accepts_the_token() {
    let s = sandbox();
    let page = authorize(&s, TAILSPIN, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<form id=\"signin\" method=\"post\""),
        "{}",
        page.body
    );
    let action = format!("action=\"/{TAILSPIN}/oauth2/v2.0/authorize\"");
    assert!(page.body.contains(&action), "{}", page.body);

    // Submit the form the way a browser would: hidden fields plus the clicked button.
    let mut fields = hidden_inputs(&page.body);
    assert!(fields
        .iter()
        .any(|(k, v)| k == "code_challenge" && v == CHALLENGE));
    fields.push(("user".to_string(), ALICE.to_string()));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let r = post_form(
        &s,
        &format!("/{TAILSPIN}/oauth2/v2.0/authorize"),
        &body,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let loc = r.location();
    assert!(loc.starts_with(&format!("{REDIRECT}?code=")), "{loc}");
    assert_eq!(param(&loc, "state").as_deref(), Some("st-123"));
    assert!(param(&loc, "session_state").is_some());
    let code = param(&loc, "code").unwrap();

    let t = redeem(&s, TAILSPIN, &code, &[]).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert_eq!(
        t.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store, no-cache"
    );
    let v = t.json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "token_type",
            "scope",
            "expires_in",
            "ext_expires_in",
            "access_token",
            "refresh_token",
            "id_token"
        ]
    );
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["ext_expires_in"], 3599);
    assert_eq!(
        v["scope"],
        "profile openid email https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read"
    );

    let at = v["access_token"].as_str().unwrap();
    let c = claims(at);
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["iss"], format!("https://sts.windows.net/{TAILSPIN}/"));
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["scp"], "Mail.Read User.Read");
    assert_eq!(c["upn"], "alice@tailspin-test.example");
    assert_eq!(c["appid"], entra::SANDBOX_CLIENT_ID);
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3599
    );

    let p = entra::authenticate(&s, Some(&bearer(at))).unwrap();
    assert_eq!(
        p,
        Principal {
            user_id: ALICE.to_string(),
            tenant_id: TAILSPIN.to_string(),
            scopes: vec!["Mail.Read".to_string(), "User.Read".to_string()],
            app_id: entra::SANDBOX_CLIENT_ID.to_string(),
        }
    );
    assert!(entra::principal_has_scope(&p, &["Mail.Read"]));
    assert!(entra::principal_has_scope(&p, &["Mail.ReadBasic"]));
    assert!(!entra::principal_has_scope(
        &p,
        &["Mail.ReadWrite", "Mail.Send"]
    ));
}

#[tokio::test]
async fn id_token_claims() {
    let s = sandbox();
    let code = auto_code(&s, "common", "alice@tailspin-test.example", &[]).await;
    let v = redeem(&s, "common", &code, &[]).await.json();
    let id = claims(v["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], entra::SANDBOX_CLIENT_ID);
    assert_eq!(id["iss"], format!("{BASE}/{TAILSPIN}/v2.0"));
    assert_eq!(id["tid"], TAILSPIN);
    assert_eq!(id["oid"], ALICE);
    assert_eq!(id["nonce"], "n-456");
    assert_eq!(id["preferred_username"], "alice@tailspin-test.example");
    assert_eq!(id["name"], "Alice Test");
    assert_eq!(id["email"], "alice@tailspin-test.example");
    assert_eq!(id["ver"], "2.0");
    assert!(id["sub"].as_str().unwrap().len() == 43);
    let (iat, nbf, exp) = (
        id["iat"].as_i64().unwrap(),
        id["nbf"].as_i64().unwrap(),
        id["exp"].as_i64().unwrap(),
    );
    assert!(nbf <= iat && exp > iat);
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(v["id_token"].as_str().unwrap().split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");

    // A personal account: consumers tenant id, no profile scope → no name claims.
    let code = auto_code(
        &s,
        "consumers",
        "pat.test@outlook-test.example",
        &[("scope", "openid Mail.Read"), ("nonce", "")],
    )
    .await;
    let v = redeem(&s, "consumers", &code, &[("scope", "openid Mail.Read")])
        .await
        .json();
    assert!(
        v.get("refresh_token").is_none(),
        "no offline_access, no refresh token: {v}"
    );
    assert_eq!(v["scope"], "openid https://graph.microsoft.com/Mail.Read");
    let id = claims(v["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], entra::CONSUMERS_TENANT_ID);
    assert_eq!(
        id["iss"],
        format!("{BASE}/{}/v2.0", entra::CONSUMERS_TENANT_ID)
    );
    assert!(
        id.get("preferred_username").is_none() && id.get("nonce").is_none(),
        "{id}"
    );
    let at = claims(v["access_token"].as_str().unwrap());
    assert_eq!(at["unique_name"], "live.com#pat.test@outlook-test.example");
    assert!(at.get("upn").is_none());
}

#[tokio::test]
async fn code_is_single_use() {
    let s = sandbox();
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    assert_eq!(
        redeem(&s, TAILSPIN, &code, &[]).await.status,
        StatusCode::OK
    );
    let again = redeem(&s, TAILSPIN, &code, &[]).await;
    assert_token_error(&again, StatusCode::BAD_REQUEST, "invalid_grant", 54005);
    assert!(again.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("OAuth2 Authorization code was already redeemed"));
    assert_eq!(
        again.json()["error_uri"],
        "https://login.microsoftonline.com/error?code=54005"
    );
    let bogus = redeem(&s, TAILSPIN, "1.AQnot-a-code", &[]).await;
    assert_token_error(&bogus, StatusCode::BAD_REQUEST, "invalid_grant", 70000);
}

#[tokio::test]
async fn pkce_verifier_must_match() {
    let s = sandbox();
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    let wrong = redeem(
        &s,
        TAILSPIN,
        &code,
        &[("code_verifier", "x".repeat(43).as_str())],
    )
    .await;
    assert_token_error(&wrong, StatusCode::BAD_REQUEST, "invalid_grant", 501481);
    let missing = redeem(&s, TAILSPIN, &code, &[("code_verifier", "")]).await;
    assert_token_error(&missing, StatusCode::BAD_REQUEST, "invalid_grant", 50148);
    // A failed PKCE check does not burn the code.
    assert_eq!(
        redeem(&s, TAILSPIN, &code, &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn pkce_policy_at_authorize() {
    let s = sandbox();
    let plain = authorize(
        &s,
        "common",
        &[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    let loc = plain.location();
    assert_eq!(param(&loc, "error").as_deref(), Some("invalid_request"));
    assert!(param(&loc, "error_description")
        .unwrap()
        .starts_with("AADSTS50149:"));
    assert_eq!(param(&loc, "state").as_deref(), Some("st-123"));

    let none = authorize(
        &s,
        "common",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    )
    .await;
    assert!(param(&none.location(), "error_description")
        .unwrap()
        .starts_with("AADSTS50147:"));

    // Relaxed to Entra's own rules, `plain` is accepted and checked.
    {
        let mut e = s.entra();
        e.require_pkce = false;
        e.require_s256 = false;
    }
    let code = auto_code(
        &s,
        "common",
        "alice@tailspin-test.example",
        &[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    assert_eq!(
        redeem(&s, "common", &code, &[]).await.status,
        StatusCode::OK
    );
    let code = auto_code(
        &s,
        "common",
        "alice@tailspin-test.example",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    )
    .await;
    assert_eq!(
        redeem(&s, "common", &code, &[("code_verifier", "")])
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn client_authentication() {
    let s = sandbox();
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    let wrong = redeem(&s, TAILSPIN, &code, &[("client_secret", "nope")]).await;
    assert_token_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_client", 7000215);
    let missing = redeem(&s, TAILSPIN, &code, &[("client_secret", "")]).await;
    assert_token_error(
        &missing,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        7000218,
    );
    let unknown = redeem(
        &s,
        TAILSPIN,
        &code,
        &[("client_id", "00000000-0000-0000-0000-00000000beef")],
    )
    .await;
    assert_token_error(
        &unknown,
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700016,
    );
    // HTTP Basic works instead of the body secret.
    let basic = post_form(
        &s,
        &format!("/{TAILSPIN}/oauth2/v2.0/token"),
        &token_body(&code, &[("client_secret", ""), ("client_id", "")]),
        Some((entra::SANDBOX_CLIENT_ID, entra::SANDBOX_CLIENT_SECRET)),
    )
    .await;
    assert_eq!(basic.status, StatusCode::OK, "{}", basic.body);
}

#[tokio::test]
async fn resource_parameter_with_v2_scopes_is_rejected() {
    let s = sandbox();
    // At /authorize: redirected back with invalid_target.
    let r = authorize(&s, "common", &[("resource", "https://mcp.example.com/mcp")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let loc = r.location();
    assert!(loc.starts_with(REDIRECT));
    assert_eq!(param(&loc, "error").as_deref(), Some("invalid_target"));
    assert!(param(&loc, "error_description")
        .unwrap()
        .starts_with("AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes."));
    // A trailing-slash variant of the right resource is still a mismatch.
    let r = authorize(
        &s,
        "common",
        &[("resource", "https://graph.microsoft.com/")],
    )
    .await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("invalid_target")
    );
    // The exact App ID URI of the requested scopes is accepted.
    let code = auto_code(
        &s,
        "common",
        "alice@tailspin-test.example",
        &[("resource", "https://graph.microsoft.com")],
    )
    .await;
    // At /token.
    let t = redeem(
        &s,
        "common",
        &code,
        &[("resource", "https://mcp.example.com/mcp")],
    )
    .await;
    assert_token_error(&t, StatusCode::BAD_REQUEST, "invalid_target", 9010010);
    assert_eq!(
        redeem(&s, "common", &code, &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_rotation() {
    let s = sandbox();
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    let v = redeem(&s, TAILSPIN, &code, &[]).await.json();
    let rt1 = v["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: &str, scope: &str| {
        enc(&[
            ("client_id", entra::SANDBOX_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", scope),
            ("client_secret", entra::SANDBOX_CLIENT_SECRET),
        ])
    };
    let url = format!("/{TAILSPIN}/oauth2/v2.0/token");
    let r2 = post_form(&s, &url, &refresh(&rt1, SCOPE), None).await;
    assert_eq!(r2.status, StatusCode::OK, "{}", r2.body);
    let v2 = r2.json();
    let rt2 = v2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert!(v2["id_token"].is_string());
    assert!(entra::authenticate(&s, Some(&bearer(v2["access_token"].as_str().unwrap()))).is_ok());

    // Strict rotation (default): the used token is dead.
    let old = post_form(&s, &url, &refresh(&rt1, SCOPE), None).await;
    assert_token_error(&old, StatusCode::BAD_REQUEST, "invalid_grant", 70000);
    assert!(old.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("strict_rotation"));

    // A narrower scope works; a scope never consented does not.
    let narrow = post_form(
        &s,
        &url,
        &refresh(&rt2, "offline_access https://graph.microsoft.com/User.Read"),
        None,
    )
    .await;
    assert_eq!(narrow.status, StatusCode::OK, "{}", narrow.body);
    let narrow = narrow.json();
    assert_eq!(narrow["scope"], "https://graph.microsoft.com/User.Read");
    assert!(narrow.get("id_token").is_none());
    let rt3 = narrow["refresh_token"].as_str().unwrap().to_string();
    let unconsented = post_form(&s, &url, &refresh(&rt3, "Files.Read"), None).await;
    assert_token_error(
        &unconsented,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        65001,
    );
    // .default is everything the app is consented for.
    let all = post_form(
        &s,
        &url,
        &refresh(&rt3, "https://graph.microsoft.com/.default"),
        None,
    )
    .await;
    let all = all.json();
    assert!(
        all["scope"]
            .as_str()
            .unwrap()
            .contains("https://graph.microsoft.com/Calendars.ReadWrite"),
        "{all}"
    );
    let p = entra::authenticate(&s, Some(&bearer(all["access_token"].as_str().unwrap()))).unwrap();
    assert_eq!(p.scopes.len(), entra::CONSENTED_GRAPH_SCOPES.len());

    // Entra's own behaviour: the old refresh token keeps working.
    s.entra().strict_rotation = false;
    let rt4 = all["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(
        post_form(&s, &url, &refresh(&rt4, SCOPE), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        post_form(&s, &url, &refresh(&rt4, SCOPE), None)
            .await
            .status,
        StatusCode::OK
    );

    let garbage = post_form(&s, &url, &refresh("not-a-refresh-token", SCOPE), None).await;
    assert_token_error(&garbage, StatusCode::BAD_REQUEST, "invalid_grant", 9002313);
}

#[tokio::test]
async fn revoked_user_loses_refresh_and_access_tokens() {
    let s = sandbox();
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    let v = redeem(&s, TAILSPIN, &code, &[]).await.json();
    let at = v["access_token"].as_str().unwrap();
    assert!(entra::authenticate(&s, Some(&bearer(at))).is_ok());
    let minted = entra::mint_access_token(&s, ALICE, &["Mail.Read"], entra::GRAPH_RESOURCE);
    let bobs = entra::mint_access_token(&s, BOB, &["Mail.Read"], entra::GRAPH_RESOURCE);
    assert_eq!(s.entra().live_refresh_tokens(ALICE), 1);

    entra::revoke_user_tokens(&mut s.entra(), ALICE);
    assert_eq!(s.entra().live_refresh_tokens(ALICE), 0);
    for t in [at, minted.as_str()] {
        let e = entra::authenticate(&s, Some(&bearer(t))).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (401, "InvalidAuthenticationToken")
        );
        assert_eq!(e.message, "Access token has expired or is not yet valid.");
    }
    assert!(
        entra::authenticate(&s, Some(&bearer(&bobs))).is_ok(),
        "other users unaffected"
    );
    let r = post_form(
        &s,
        &format!("/{TAILSPIN}/oauth2/v2.0/token"),
        &enc(&[
            ("client_id", entra::SANDBOX_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", v["refresh_token"].as_str().unwrap()),
            ("scope", SCOPE),
            ("client_secret", entra::SANDBOX_CLIENT_SECRET),
        ]),
        None,
    )
    .await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_grant", 50173);
    // Signing in again works.
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    let fresh = redeem(&s, TAILSPIN, &code, &[]).await.json();
    assert!(
        entra::authenticate(&s, Some(&bearer(fresh["access_token"].as_str().unwrap()))).is_ok()
    );
}

#[tokio::test]
async fn graph_rejects_expired_and_not_yet_valid_tokens() {
    let s = sandbox();
    let now = s.now();
    let expired = entra::mint_access_token_at(
        &s,
        ALICE,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
        now - Duration::hours(2),
        now - Duration::hours(1),
    );
    let e = entra::authenticate(&s, Some(&bearer(&expired))).unwrap_err();
    assert_eq!(e.status, 401);
    assert_eq!(e.code, "InvalidAuthenticationToken");
    assert_eq!(
        e.message,
        "Lifetime validation failed, the token is expired."
    );

    let future = entra::mint_access_token_at(
        &s,
        ALICE,
        &["Mail.Read"],
        entra::GRAPH_RESOURCE,
        now + Duration::hours(1),
        now + Duration::hours(2),
    );
    let e = entra::authenticate(&s, Some(&bearer(&future))).unwrap_err();
    assert_eq!(e.message, "Access token has expired or is not yet valid.");

    // Tolerated skew, as Microsoft.IdentityModel allows.
    s.entra().clock_skew_seconds = 7200;
    assert!(entra::authenticate(&s, Some(&bearer(&expired))).is_ok());
}

#[tokio::test]
async fn graph_rejects_wrong_audience() {
    let s = sandbox();
    let t = entra::mint_access_token(&s, ALICE, &["access"], "api://other");
    let e = entra::authenticate(&s, Some(&bearer(&t))).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str()),
        (401, "InvalidAuthenticationToken")
    );
    assert_eq!(
        e.message,
        "Access token validation failure. Invalid audience."
    );

    // Through the flow: a token for another resource is not a Graph token.
    let code = auto_code(&s, "common", "alice@tailspin-test.example", &[]).await;
    let v = redeem(
        &s,
        "common",
        &code,
        &[("scope", "openid api://other/.default")],
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    let v = v.json();
    // OIDC scopes of the authorization request are echoed too.
    assert_eq!(v["scope"], "profile openid email api://other/.default");
    let at = v["access_token"].as_str().unwrap();
    assert_eq!(claims(at)["aud"], "api://other");
    let e = entra::authenticate(&s, Some(&bearer(at))).unwrap_err();
    assert_eq!(
        e.message,
        "Access token validation failure. Invalid audience."
    );

    // Graph's app id is an accepted audience.
    let t = entra::mint_access_token(&s, ALICE, &["User.Read"], entra::GRAPH_APP_ID);
    assert!(entra::authenticate(&s, Some(&bearer(&t))).is_ok());
}

#[tokio::test]
async fn graph_rejects_missing_and_malformed_tokens() {
    let s = sandbox();
    for h in [None, Some(""), Some("Bearer "), Some("Bearer    ")] {
        let e = entra::authenticate(&s, h).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (401, "InvalidAuthenticationToken", "Access token is empty.")
        );
    }
    let e = entra::authenticate(&s, Some("Bearer not-a-jwt")).unwrap_err();
    assert!(
        e.message
            .starts_with("IDX14100: JWT is not well formed, there are no dots (.)."),
        "{}",
        e.message
    );
    let e = entra::authenticate(&s, Some("Bearer EwBQA8l6BAAUO9chh8cJscQLmU")).unwrap_err();
    assert_eq!(
        e.message,
        "CompactToken parsing failed with error code: 80049217"
    );
    let e = entra::authenticate(&s, Some("Bearer a.b")).unwrap_err();
    assert!(e.message.starts_with("IDX14100"));

    // A tampered token (scopes widened) fails signature validation.
    let t = entra::mint_access_token(&s, ALICE, &["Mail.Read"], entra::GRAPH_RESOURCE);
    let parts: Vec<&str> = t.split('.').collect();
    let mut c = claims(&t);
    c["scp"] = json!("Mail.ReadWrite Mail.Send");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(c.to_string()),
        parts[2]
    );
    let e = entra::authenticate(&s, Some(&bearer(&forged))).unwrap_err();
    assert_eq!(e.message, "Access token validation failure.");

    // Tokens do not survive a reset (new signing key).
    s.reset();
    let e = entra::authenticate(&s, Some(&bearer(&t))).unwrap_err();
    assert_eq!(e.message, "Access token validation failure.");

    // Through the HTTP surface too: Graph answers 401 with its error shape.
    let r = send(&s, Request::get("/v1.0/me").body(Body::empty()).unwrap()).await;
    if r.status != StatusCode::NOT_FOUND {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(r.json()["error"]["message"], "Access token is empty.");
    }
}

#[tokio::test]
async fn scope_implications() {
    let p = |scopes: &[&str]| Principal {
        user_id: ALICE.to_string(),
        tenant_id: TAILSPIN.to_string(),
        scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
        app_id: entra::SANDBOX_CLIENT_ID.to_string(),
    };
    let rw = p(&[
        "Mail.ReadWrite",
        "Calendars.ReadWrite",
        "Contacts.ReadWrite",
        "MailboxSettings.ReadWrite",
    ]);
    for read in [
        "Mail.Read",
        "Calendars.Read",
        "Contacts.Read",
        "MailboxSettings.Read",
        "mail.read",
    ] {
        assert!(entra::principal_has_scope(&rw, &[read]), "{read}");
    }
    assert!(!entra::principal_has_scope(&rw, &["Mail.Send"]));
    let r = p(&["Mail.Read", "Calendars.Read.Shared"]);
    assert!(!entra::principal_has_scope(&r, &["Mail.ReadWrite"]));
    assert!(entra::principal_has_scope(
        &r,
        &["Calendars.ReadWrite", "Calendars.Read.Shared"]
    ));
    assert!(entra::principal_has_scope(
        &p(&["Calendars.ReadWrite.Shared"]),
        &["Calendars.Read.Shared"]
    ));
    assert!(!entra::principal_has_scope(&p(&[]), &["User.Read"]));
}

#[tokio::test]
async fn sign_in_page_lists_users_allowed_by_tenant_segment() {
    let s = sandbox();
    let listed = |segment: &'static str| {
        let s = s.clone();
        async move {
            let r = authorize(&s, segment, &[]).await;
            assert_eq!(r.status, StatusCode::OK, "{segment}: {}", r.body);
            account_buttons(&r.body)
        }
    };
    let common = listed("common").await;
    assert!([ALICE, BOB, NINA, PAT]
        .iter()
        .all(|u| common.iter().any(|c| c == u)));
    let orgs = listed("organizations").await;
    assert!([ALICE, BOB, NINA]
        .iter()
        .all(|u| orgs.iter().any(|c| c == u)));
    assert!(!orgs.iter().any(|c| c == PAT));
    let consumers = listed("consumers").await;
    assert!(consumers.iter().any(|c| c == PAT));
    assert!(![ALICE, BOB, NINA]
        .iter()
        .any(|u| consumers.iter().any(|c| c == u)));
    let mut by_id = listed(TAILSPIN).await;
    by_id.sort();
    assert_eq!(by_id, vec![ALICE.to_string(), BOB.to_string()]);
    let by_domain = listed("tailspin-test.example").await;
    assert_eq!(by_domain.len(), 2);
    assert_eq!(
        listed("northwind-test.example").await,
        vec![NINA.to_string()]
    );

    // The page's button markup is easy to target.
    let r = authorize(&s, TAILSPIN, &[("login_hint", "bob@tailspin-test.example")]).await;
    assert!(r.body.contains(&format!(
        "<button type=\"submit\" name=\"user\" value=\"{BOB}\" data-upn=\"bob@tailspin-test.example\" data-tenant-id=\"{TAILSPIN}\" data-kind=\"work\" class=\"hinted\" autofocus>Bob Test (bob@tailspin-test.example)</button>"
    )), "{}", r.body);

    // A user from another tenant cannot be smuggled in through the form.
    let mut fields = hidden_inputs(&r.body);
    fields.push(("user".to_string(), NINA.to_string()));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let r = post_form(
        &s,
        &format!("/{TAILSPIN}/oauth2/v2.0/authorize"),
        &body,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.headers.get(header::LOCATION).is_none());
    assert!(r.body.contains("AADSTS50034"), "{}", r.body);

    // Unknown tenant: error page.
    let r = authorize(&s, "nowhere.example", &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("AADSTS90002"), "{}", r.body);
}

#[tokio::test]
async fn cancel_on_sign_in_page_redirects_access_denied() {
    let s = sandbox();
    let page = authorize(&s, "common", &[]).await;
    let mut fields = hidden_inputs(&page.body);
    fields.push(("cancel".to_string(), "1".to_string()));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let r = post_form(&s, "/common/oauth2/v2.0/authorize", &body, None).await;
    let loc = r.location();
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(param(&loc, "error_description")
        .unwrap()
        .starts_with("AADSTS65004:"));
    assert_eq!(param(&loc, "state").as_deref(), Some("st-123"));
}

#[tokio::test]
async fn unknown_client_and_unregistered_redirect_show_an_error_page() {
    let s = sandbox();
    let r = authorize(
        &s,
        "common",
        &[("client_id", "00000000-0000-0000-0000-00000000beef")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.headers.get(header::LOCATION).is_none());
    assert!(r.body.contains("AADSTS700016: Application with identifier &#39;00000000-0000-0000-0000-00000000beef&#39; was not found"), "{}", r.body);

    for bad in [
        "https://evil.example/callback",
        "http://127.0.0.1.evil.example/cb",
        "http://user@127.0.0.1:5000/cb",
    ] {
        let r = authorize(&s, "common", &[("redirect_uri", bad)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.headers.get(header::LOCATION).is_none());
        assert!(r.body.contains("AADSTS50011"), "{bad}: {}", r.body);
    }
    // Any loopback port and path is fine for the sandbox app.
    for ok in [
        "http://localhost:9/x",
        "http://127.0.0.1/cb",
        "http://[::1]:4000/cb?x=1",
    ] {
        let r = authorize(&s, "common", &[("redirect_uri", ok)]).await;
        assert_eq!(r.status, StatusCode::OK, "{ok}: {}", r.body);
    }

    // A registered test app: exact URIs, plus a registered loopback URI on any port.
    entra::register_app(
        &mut s.entra(),
        "11111111-2222-4333-8444-555555555555",
        "test-secret",
        &["https://app.example/cb", "http://localhost:1234/cb"],
    );
    let q = |uri: &'static str| {
        [
            ("client_id", "11111111-2222-4333-8444-555555555555"),
            ("redirect_uri", uri),
        ]
    };
    assert_eq!(
        authorize(&s, "common", &q("https://app.example/cb"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        authorize(&s, "common", &q("http://localhost:999/cb"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        authorize(&s, "common", &q("http://localhost:999/other"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        authorize(&s, "common", &q("https://app.example/cb2"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn authorize_parameter_errors_redirect_back() {
    let s = sandbox();
    let err = |extra: Vec<(&'static str, &'static str)>| {
        let s = s.clone();
        async move {
            let r = authorize(&s, "common", &extra).await;
            assert_eq!(r.status, StatusCode::FOUND, "{extra:?}: {}", r.body);
            let loc = r.location();
            assert!(loc.starts_with(REDIRECT));
            (
                param(&loc, "error").unwrap(),
                param(&loc, "error_description").unwrap(),
            )
        }
    };
    let (e, d) = err(vec![("scope", "")]).await;
    assert_eq!(e, "invalid_request");
    assert!(
        d.starts_with(
            "AADSTS900144: The request body must contain the following parameter: 'scope'."
        ),
        "{d}"
    );
    let (e, d) = err(vec![("response_type", "token")]).await;
    assert_eq!(e, "unsupported_response_type");
    assert!(d.starts_with("AADSTS700051"));
    let (e, _) = err(vec![("response_type", "")]).await;
    assert_eq!(e, "invalid_request");
    let (e, d) = err(vec![("scope", "openid Mail.Fly")]).await;
    assert_eq!(e, "invalid_client");
    assert!(d.starts_with("AADSTS650053"), "{d}");
    let (e, d) = err(vec![(
        "scope",
        "https://graph.microsoft.com/.default Mail.Read",
    )])
    .await;
    assert_eq!(e, "invalid_scope");
    assert!(d.starts_with("AADSTS70011"), "{d}");
    let (e, d) = err(vec![("prompt", "none")]).await;
    assert_eq!(e, "login_required");
    assert!(d.starts_with("AADSTS50058"));
    let (e, d) = err(vec![("code_challenge", "short")]).await;
    assert_eq!(e, "invalid_request");
    assert!(d.starts_with("AADSTS501491"));

    // Scopes of several resources are fine at /authorize …
    let code = auto_code(
        &s,
        "common",
        "alice@tailspin-test.example",
        &[(
            "scope",
            "openid offline_access Mail.Read api://other/access",
        )],
    )
    .await;
    // … but a token is for one resource.
    let t = redeem(
        &s,
        "common",
        &code,
        &[("scope", "Mail.Read api://other/access")],
    )
    .await;
    assert_token_error(&t, StatusCode::BAD_REQUEST, "invalid_request", 28000);
    let t = redeem(
        &s,
        "common",
        &code,
        &[("scope", "openid api://other/access")],
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert_eq!(
        claims(t.json()["access_token"].as_str().unwrap())["scp"],
        "access"
    );
}

#[tokio::test]
async fn token_endpoint_request_errors() {
    let s = sandbox();
    let code = auto_code(&s, TAILSPIN, "alice@tailspin-test.example", &[]).await;
    let r = redeem(&s, TAILSPIN, &code, &[("scope", "")]).await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_request", 900144);
    let r = redeem(&s, TAILSPIN, &code, &[("grant_type", "client_credentials")]).await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "unsupported_grant_type", 70003);
    let r = redeem(
        &s,
        TAILSPIN,
        &code,
        &[("redirect_uri", "http://127.0.0.1:1/other")],
    )
    .await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_grant", 50011);
    // A code must be redeemed through the tenant segment it was issued for.
    let r = redeem(&s, "common", &code, &[]).await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_grant", 700005);
    // The domain names the same tenant as its id.
    let r = redeem(&s, "tailspin-test.example", &code, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = get(&s, &format!("/{TAILSPIN}/oauth2/v2.0/token")).await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_request", 900561);
    let r = redeem(&s, "nowhere.example", &code, &[]).await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_request", 90002);
    // JSON is not what the endpoint reads.
    let r = send(
        &s,
        Request::post(format!("/{TAILSPIN}/oauth2/v2.0/token"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"grant_type": "authorization_code"}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_request", 900144);
}

#[tokio::test]
async fn response_modes_fragment_and_form_post() {
    let s = sandbox();
    let r = authorize(
        &s,
        "common",
        &[
            ("response_mode", "fragment"),
            ("login_hint", "alice@tailspin-test.example"),
            ("sandbox_auto", "1"),
        ],
    )
    .await;
    let loc = r.location();
    assert!(loc.starts_with(&format!("{REDIRECT}#code=")), "{loc}");
    let r = authorize(
        &s,
        "common",
        &[
            ("response_mode", "form_post"),
            ("login_hint", "alice@tailspin-test.example"),
            ("sandbox_auto", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&format!(
            "<form method=\"POST\" name=\"hiddenform\" action=\"{REDIRECT}\">"
        )),
        "{}",
        r.body
    );
    let fields = hidden_inputs(&r.body);
    let code = fields
        .iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(fields.iter().any(|(k, v)| k == "state" && v == "st-123"));
    assert_eq!(
        redeem(&s, "common", &code, &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn sandbox_auto_respects_tenant_segment() {
    let s = sandbox();
    // A personal account cannot use `organizations`: the page is shown instead of a redirect.
    let r = authorize(
        &s,
        "organizations",
        &[
            ("login_hint", "pat.test@outlook-test.example"),
            ("sandbox_auto", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // And a refresh token from `common` cannot be used for a personal account on `organizations`.
    let code = auto_code(&s, "common", "pat.test@outlook-test.example", &[]).await;
    let v = redeem(&s, "common", &code, &[]).await.json();
    let r = post_form(
        &s,
        "/organizations/oauth2/v2.0/token",
        &enc(&[
            ("client_id", entra::SANDBOX_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", v["refresh_token"].as_str().unwrap()),
            ("scope", SCOPE),
            ("client_secret", entra::SANDBOX_CLIENT_SECRET),
        ]),
        None,
    )
    .await;
    assert_token_error(&r, StatusCode::BAD_REQUEST, "invalid_grant", 50020);
}

#[tokio::test]
async fn opaque_personal_access_tokens_still_authenticate() {
    let s = sandbox();
    s.entra().opaque_personal_access_tokens = true;
    let code = auto_code(&s, "consumers", "pat.test@outlook-test.example", &[]).await;
    let v = redeem(&s, "consumers", &code, &[]).await.json();
    let at = v["access_token"].as_str().unwrap();
    assert!(at.starts_with("EwB") && !at.contains('.'), "{at}");
    let p = entra::authenticate(&s, Some(&bearer(at))).unwrap();
    assert_eq!(p.user_id, PAT);
    assert_eq!(p.tenant_id, entra::CONSUMERS_TENANT_ID);
    // Work accounts still get JWTs.
    let code = auto_code(&s, "common", "alice@tailspin-test.example", &[]).await;
    let v = redeem(&s, "common", &code, &[]).await.json();
    assert_eq!(v["access_token"].as_str().unwrap().split('.').count(), 3);
}

#[tokio::test]
async fn discovery_document_and_keys() {
    let s = sandbox();
    let v = get(
        &s,
        &format!("/{TAILSPIN}/v2.0/.well-known/openid-configuration"),
    )
    .await
    .json();
    assert_eq!(v["issuer"], format!("{BASE}/{TAILSPIN}/v2.0"));
    assert_eq!(
        v["authorization_endpoint"],
        format!("{BASE}/{TAILSPIN}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        v["token_endpoint"],
        format!("{BASE}/{TAILSPIN}/oauth2/v2.0/token")
    );
    assert_eq!(
        v["jwks_uri"],
        format!("{BASE}/{TAILSPIN}/discovery/v2.0/keys")
    );
    assert_eq!(v["id_token_signing_alg_values_supported"], json!(["HS256"]));
    let common = get(&s, "/common/v2.0/.well-known/openid-configuration")
        .await
        .json();
    assert_eq!(common["issuer"], format!("{BASE}/{{tenantid}}/v2.0"));
    let consumers = get(&s, "/consumers/v2.0/.well-known/openid-configuration")
        .await
        .json();
    assert_eq!(
        consumers["issuer"],
        format!("{BASE}/{}/v2.0", entra::CONSUMERS_TENANT_ID)
    );
    let missing = get(&s, "/nowhere.example/v2.0/.well-known/openid-configuration").await;
    assert_token_error(&missing, StatusCode::BAD_REQUEST, "invalid_tenant", 90002);
    let keys = get(&s, "/common/discovery/v2.0/keys").await.json();
    assert_eq!(keys, json!({ "keys": [] }));
    let out = get(
        &s,
        "/common/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2F",
    )
    .await;
    assert_eq!(out.location(), "http://127.0.0.1:5000/");
}
