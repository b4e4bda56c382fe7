//! The worker as a client of Entra ID v2: the authorize URL, the token requests, the token
//! response and its errors (real Entra error shapes), and the id_token claims.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use m365_core::entra::{
    authorize_url, authorize_url_with_extra, graph_scope_strings, id_token_claims,
    parse_token_response, token_request_for_code, token_request_for_refresh, AuthorizationCode,
    ClientSecret, CodeVerifier, EntraConfig, EntraError, IdTokenError, RefreshToken,
};
use serde_json::json;

const CLIENT_ID: &str = "6e2f1c3a-5b7d-4e8f-9a0b-5a1db0c5e365";
const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID: &str = "00000000-0000-0000-66f3-3332eca7ea81";
const NOW: u64 = 1_800_000_000;

fn cfg() -> EntraConfig {
    EntraConfig {
        authority: "https://login.microsoftonline.com/".into(),
        tenant: "common".into(),
        client_id: CLIENT_ID.into(),
        client_secret: ClientSecret::new("s3cr3t+/=&value"),
        redirect_uri: "https://mcp.example.com/callback".into(),
    }
}

fn scopes(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| (*x).to_string()).collect()
}

/// Query or form pairs; panics on a repeated key (none of ours repeat).
fn pairs(s: &str) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for (k, v) in form_urlencoded::parse(s.as_bytes()) {
        assert!(
            m.insert(k.to_string(), v.to_string()).is_none(),
            "repeated {k}"
        );
    }
    m
}

fn split_url(url: &str) -> (&str, HashMap<String, String>) {
    let (base, query) = url.split_once('?').expect("query");
    (base, pairs(query))
}

#[test]
fn authorize_url_is_v2_with_pkce_state_and_scopes_only() {
    let url = authorize_url(
        &cfg(),
        "state-123",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        &scopes(&[
            "Mail.Read",
            "https://graph.microsoft.com/Calendars.ReadWrite",
            "mail.read",
        ]),
        None,
        None,
    );
    let (base, q) = split_url(&url);
    assert_eq!(
        base,
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    );
    assert!(!q.contains_key("resource"), "never a resource parameter");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["response_mode"], "query");
    assert_eq!(q["redirect_uri"], "https://mcp.example.com/callback");
    assert_eq!(q["state"], "state-123");
    assert_eq!(
        q["code_challenge"],
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["scope"],
        "openid profile offline_access Mail.Read Calendars.ReadWrite"
    );
    assert!(!q.contains_key("login_hint") && !q.contains_key("prompt"));
    assert!(!url.contains(' '), "spaces are encoded");
}

#[test]
fn authorize_url_optional_parameters() {
    let mut c = cfg();
    c.tenant = TID.into();
    c.authority = "http://127.0.0.1:8790".into();
    let url = authorize_url(
        &c,
        "s",
        "c",
        &scopes(&["User.Read"]),
        Some("adele@contoso.example"),
        Some("select_account"),
    );
    let (base, q) = split_url(&url);
    assert_eq!(
        base,
        format!("http://127.0.0.1:8790/{TID}/oauth2/v2.0/authorize")
    );
    assert_eq!(q["login_hint"], "adele@contoso.example");
    assert_eq!(q["prompt"], "select_account");

    let url = authorize_url(&cfg(), "s", "c", &[], None, Some("bogus"));
    let (_, q) = split_url(&url);
    assert!(
        !q.contains_key("prompt"),
        "unknown prompt values are not sent"
    );
    assert_eq!(q["scope"], "openid profile offline_access");
}

#[test]
fn authorize_url_extras_cannot_override_or_add_resource() {
    let url = authorize_url_with_extra(
        &cfg(),
        "real-state",
        "c",
        &scopes(&["Mail.Read"]),
        Some("adele@contoso.example"),
        None,
        &[
            ("sandbox_auto", "1"),
            ("resource", "https://graph.microsoft.com"),
            ("RESOURCE", "x"),
            ("state", "evil"),
            ("redirect_uri", "https://evil.example/cb"),
            ("domain_hint", "contoso.example"),
        ],
    );
    let (_, q) = split_url(&url);
    assert_eq!(q["sandbox_auto"], "1");
    assert_eq!(q["domain_hint"], "contoso.example");
    assert_eq!(q["state"], "real-state");
    assert_eq!(q["redirect_uri"], "https://mcp.example.com/callback");
    assert!(!q.keys().any(|k| k.eq_ignore_ascii_case("resource")));
}

#[test]
fn code_redemption_request() {
    let req = token_request_for_code(
        &cfg(),
        &AuthorizationCode::new("1.AQ-code"),
        &CodeVerifier::new("verifier-43-chars-long-xxxxxxxxxxxxxxxxxxxx"),
        &scopes(&["Mail.Read", "User.Read"]),
    );
    assert_eq!(req.method, "POST");
    assert_eq!(
        req.url,
        "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    );
    assert!(req
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type")
            && v == "application/x-www-form-urlencoded"));
    let b = pairs(&req.body);
    assert_eq!(b["grant_type"], "authorization_code");
    assert_eq!(b["client_id"], CLIENT_ID);
    assert_eq!(
        b["client_secret"], "s3cr3t+/=&value",
        "secret survives URL-encoding"
    );
    assert_eq!(b["code"], "1.AQ-code");
    assert_eq!(b["redirect_uri"], "https://mcp.example.com/callback");
    assert_eq!(
        b["code_verifier"],
        "verifier-43-chars-long-xxxxxxxxxxxxxxxxxxxx"
    );
    assert_eq!(
        b["scope"],
        "openid profile offline_access Mail.Read User.Read"
    );
    assert!(!b.contains_key("resource"));
    assert!(
        !req.body.contains("s3cr3t+/=&value"),
        "raw secret is encoded"
    );
}

#[test]
fn refresh_request() {
    let req = token_request_for_refresh(
        &cfg(),
        &RefreshToken::new("1.AQ-refresh"),
        &scopes(&["Mail.Read", "https://graph.microsoft.com/.default"]),
    );
    let b = pairs(&req.body);
    assert_eq!(b["grant_type"], "refresh_token");
    assert_eq!(b["refresh_token"], "1.AQ-refresh");
    assert_eq!(b["client_secret"], "s3cr3t+/=&value");
    // `.default` is dropped next to named scopes (Entra rejects the mix).
    assert_eq!(b["scope"], "openid profile offline_access Mail.Read");
    assert!(!b.contains_key("redirect_uri") && !b.contains_key("code"));
}

#[test]
fn scope_normalisation_helper() {
    assert_eq!(
        graph_scope_strings(&[
            "MAIL.READ",
            "Mail.Read",
            "offline_access",
            "Team.ReadBasic.All"
        ]),
        ["Mail.Read", "Team.ReadBasic.All"]
    );
}

#[test]
fn parses_a_sandbox_style_success() {
    let body = json!({
        "token_type": "Bearer",
        "scope": "profile openid email https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": "eyJ0eXAi.access",
        "refresh_token": "1.AQ-new-refresh",
        "id_token": "h.p.s"
    });
    let t = parse_token_response(200, body.to_string().as_bytes()).unwrap();
    assert_eq!(t.access_token.secret(), "eyJ0eXAi.access");
    assert_eq!(t.refresh_token.unwrap().secret(), "1.AQ-new-refresh");
    assert_eq!(t.expires_in, 3599);
    assert_eq!(
        t.scope,
        ["profile", "openid", "email", "Mail.Read", "User.Read"]
    );
    assert_eq!(t.id_token.as_deref(), Some("h.p.s"));
}

#[test]
fn parses_minimal_and_string_expiry_success() {
    let t = parse_token_response(
        200,
        br#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#,
    )
    .unwrap();
    assert_eq!(t.expires_in, 3600);
    assert!(t.refresh_token.is_none() && t.id_token.is_none() && t.scope.is_empty());
}

#[test]
fn malformed_success_bodies() {
    for body in [
        &b"<html>oops</html>"[..],
        br#"{"token_type":"Bearer","expires_in":3599}"#,
        br#"{"access_token":"a","token_type":"Bearer"}"#,
        br#"{"access_token":"a","token_type":"MAC","expires_in":1}"#,
        br#"{"access_token":"","expires_in":1}"#,
        b"[]",
        b"",
    ] {
        assert!(
            matches!(
                parse_token_response(200, body),
                Err(EntraError::MalformedResponse { .. })
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

fn entra_error(error: &str, code: u64, message: &str) -> Vec<u8> {
    json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {message}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z"),
        "error_codes": [code],
        "timestamp": "2026-01-09 02:02:12Z",
        "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
        "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
    })
    .to_string()
    .into_bytes()
}

#[test]
fn invalid_grant_needs_reconsent() {
    for (code, msg) in [
        (70_008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."),
        (700_082, "The refresh token has expired due to inactivity. The token was issued on 2026-01-01T00:00:00.0000000Z and was inactive for 90.00:00:00."),
        (50_173, "The provided grant has expired due to it being revoked, a fresh auth token is needed."),
        (54_005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."),
        (70_043, "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access."),
    ] {
        let err = parse_token_response(400, &entra_error("invalid_grant", code, msg)).unwrap_err();
        match &err {
            EntraError::InvalidGrant { codes, description } => {
                assert_eq!(codes, &[code]);
                assert!(description.starts_with(&format!("AADSTS{code}:")));
            }
            other => panic!("{code}: {other:?}"),
        }
        assert!(err.needs_reauthorization());
        assert!(!err.is_transient());
        assert_eq!(err.to_string(), format!("entra invalid_grant AADSTS{code}"));
    }
}

#[test]
fn consent_and_interaction_required() {
    let e = parse_token_response(
        400,
        &entra_error(
            "invalid_grant",
            65_001,
            "The user or administrator has not consented to use the application with ID '6e2f…' named 'M365 MCP (sandbox)'. Send an interactive authorization request for this user and resource.",
        ),
    )
    .unwrap_err();
    assert!(matches!(e, EntraError::ConsentRequired { .. }), "{e:?}");
    assert!(e.needs_reauthorization());

    let e = parse_token_response(
        400,
        &entra_error("consent_required", 65_001, "consent needed"),
    )
    .unwrap_err();
    assert!(matches!(e, EntraError::ConsentRequired { .. }));

    let e = parse_token_response(
        400,
        &entra_error(
            "interaction_required",
            50_076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.",
        ),
    )
    .unwrap_err();
    assert!(matches!(e, EntraError::InteractionRequired { ref codes, .. } if codes == &[50_076]));

    // MFA demanded on a refresh comes back as invalid_grant with an interaction code.
    let e = parse_token_response(400, &entra_error("invalid_grant", 50_079, "enroll in MFA"))
        .unwrap_err();
    assert!(matches!(e, EntraError::InteractionRequired { .. }));
    assert!(e.needs_reauthorization());
}

#[test]
fn transient_errors() {
    let e = parse_token_response(503, b"<html>Service Unavailable</html>").unwrap_err();
    assert!(
        matches!(e, EntraError::Transient { status: 503, .. }),
        "{e:?}"
    );
    assert!(e.is_transient() && !e.needs_reauthorization());

    let e = parse_token_response(
        400,
        &entra_error(
            "temporarily_unavailable",
            50_033,
            "A transient error has occurred.",
        ),
    )
    .unwrap_err();
    assert!(e.is_transient());

    let e = parse_token_response(
        500,
        &entra_error("server_error", 50_000, "TokenIssuanceError"),
    )
    .unwrap_err();
    assert!(e.is_transient());

    let e = parse_token_response(429, b"")
        .unwrap_err()
        .with_retry_after(Some(" 7 "));
    assert_eq!(
        e,
        EntraError::Transient {
            status: 429,
            retry_after: Some(7),
            codes: vec![],
            description: String::new()
        }
    );
    let e = parse_token_response(429, b"")
        .unwrap_err()
        .with_retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT"));
    assert!(matches!(
        e,
        EntraError::Transient {
            retry_after: None,
            ..
        }
    ));
    // with_retry_after leaves other errors alone.
    let e = parse_token_response(400, &entra_error("invalid_grant", 70_008, "x"))
        .unwrap_err()
        .with_retry_after(Some("5"));
    assert!(matches!(e, EntraError::InvalidGrant { .. }));
}

#[test]
fn client_and_other_errors() {
    let e = parse_token_response(
        401,
        &entra_error(
            "invalid_client",
            7_000_215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        ),
    )
    .unwrap_err();
    assert!(matches!(e, EntraError::InvalidClient { ref codes, .. } if codes == &[7_000_215]));
    assert!(!e.needs_reauthorization() && !e.is_transient());

    let e = parse_token_response(
        400,
        &entra_error(
            "invalid_target",
            9_010_010,
            "The resource parameter provided in the request doesn't match with the requested scopes.",
        ),
    )
    .unwrap_err();
    match e {
        EntraError::Other {
            status,
            error,
            codes,
            ..
        } => {
            assert_eq!(
                (status, error.as_str(), codes),
                (400, "invalid_target", vec![9_010_010])
            );
        }
        other => panic!("{other:?}"),
    }

    let e = parse_token_response(400, b"not json").unwrap_err();
    assert!(matches!(e, EntraError::Other { status: 400, .. }));
}

fn jwt(claims: &serde_json::Value) -> String {
    let header = json!({"typ": "JWT", "alg": "HS256", "kid": "sandbox-hs256"});
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode([9u8; 32])
    )
}

fn good_claims() -> serde_json::Value {
    json!({
        "aud": CLIENT_ID,
        "iss": format!("http://127.0.0.1:8790/{TID}/v2.0"),
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 3600,
        "name": "Adele Vance",
        "oid": OID,
        "preferred_username": "AdeleV@contoso.example",
        "sub": "pairwise-sub",
        "tid": TID,
        "ver": "2.0"
    })
}

#[test]
fn id_token_claims_are_read() {
    let c = id_token_claims(&jwt(&good_claims()), CLIENT_ID, NOW).unwrap();
    assert_eq!(c.oid, OID);
    assert_eq!(c.tid, TID);
    assert_eq!(
        c.preferred_username.as_deref(),
        Some("AdeleV@contoso.example")
    );
    assert_eq!(c.name.as_deref(), Some("Adele Vance"));
    assert_eq!(c.email, None);
    assert_eq!(c.username(), "AdeleV@contoso.example");
    assert_eq!(c.exp, NOW + 3600);

    // Real Entra issuer form, aud as a one-element array, no profile claims.
    let mut v = good_claims();
    v["iss"] = json!(format!("https://login.microsoftonline.com/{TID}/v2.0"));
    v["aud"] = json!([CLIENT_ID]);
    v.as_object_mut().unwrap().remove("preferred_username");
    let c = id_token_claims(&jwt(&v), CLIENT_ID, NOW).unwrap();
    assert_eq!(c.username(), OID);
}

fn id_err(claims: &serde_json::Value, now: u64) -> IdTokenError {
    match id_token_claims(&jwt(claims), CLIENT_ID, now) {
        Err(EntraError::InvalidIdToken(e)) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn id_token_audience_mismatch() {
    let mut v = good_claims();
    v["aud"] = json!("00000003-0000-0000-c000-000000000000");
    assert_eq!(id_err(&v, NOW), IdTokenError::AudienceMismatch);
    v["aud"] = json!(["someone-else", CLIENT_ID]);
    v["azp"] = json!("someone-else");
    assert_eq!(id_err(&v, NOW), IdTokenError::AudienceMismatch);
    v.as_object_mut().unwrap().remove("aud");
    assert_eq!(id_err(&v, NOW), IdTokenError::AudienceMismatch);
    assert!(matches!(
        id_token_claims(&jwt(&good_claims()), "", NOW),
        Err(EntraError::InvalidIdToken(IdTokenError::AudienceMismatch))
    ));
}

#[test]
fn id_token_expired() {
    let v = good_claims();
    assert_eq!(id_err(&v, NOW + 3600 + 3600), IdTokenError::Expired);
    // Within the leeway it is still accepted.
    assert!(id_token_claims(&jwt(&v), CLIENT_ID, NOW + 3600 + 60).is_ok());
    let mut no_exp = good_claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(id_err(&no_exp, NOW), IdTokenError::Expired);
}

#[test]
fn id_token_missing_claims_and_issuer() {
    for claim in ["oid", "tid"] {
        let mut v = good_claims();
        v.as_object_mut().unwrap().remove(claim);
        assert_eq!(id_err(&v, NOW), IdTokenError::MissingClaim(claim));
        let mut v = good_claims();
        v[claim] = json!("  ");
        assert_eq!(id_err(&v, NOW), IdTokenError::MissingClaim(claim));
    }
    let mut v = good_claims();
    v["iss"] = json!("https://login.microsoftonline.com/another-tenant/v2.0");
    assert_eq!(id_err(&v, NOW), IdTokenError::IssuerMismatch);
    v.as_object_mut().unwrap().remove("iss");
    assert_eq!(id_err(&v, NOW), IdTokenError::IssuerMismatch);
}

#[test]
fn id_token_malformed() {
    let good = jwt(&good_claims());
    let parts: Vec<&str> = good.split('.').collect();
    for bad in [
        String::new(),
        "abc".to_string(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{good}.extra.parts"),
        format!("{}.!!!.{}", parts[0], parts[2]),
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode("[1,2]"),
            parts[2]
        ),
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode("nope"),
            parts[1],
            parts[2]
        ),
        "a".repeat(70_000),
    ] {
        assert!(
            matches!(
                id_token_claims(&bad, CLIENT_ID, NOW),
                Err(EntraError::InvalidIdToken(IdTokenError::Malformed))
            ),
            "{}",
            &bad[..bad.len().min(40)]
        );
    }
}
