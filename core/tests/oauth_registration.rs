//! Registration and discovery through the public API, as the worker shell drives them: discover,
//! register (DCR), authorize-time checks (redirect URI, PKCE, resource), token-time checks
//! (client secret, PKCE verifier), the bearer challenge, and the CIMD path.

use m365_core::oauth::bearer;
use m365_core::oauth::error::OAuthError;
use m365_core::oauth::metadata::{canonical_resource, well_known, ServerConfig, WellKnown};
use m365_core::oauth::pkce;
use m365_core::oauth::registration::{
    check_cimd_url, is_cimd_client_id, registration_response, validate_cimd_document,
    validate_registration, ClientRecord, TokenEndpointAuthMethod,
};
use serde_json::json;

fn cfg() -> ServerConfig {
    ServerConfig {
        public_origin: "http://127.0.0.1:8787".to_owned(),
        mcp_paths: vec!["/mcp".to_owned(), "/sse".to_owned()],
        scopes_supported: vec!["mail.read".to_owned(), "offline_access".to_owned()],
        on_demand_scopes: vec![],
    }
}

#[test]
fn sdk_client_discovers_registers_and_is_checked() {
    let cfg = cfg();

    // 401 from /mcp points at the path-inserted PRM, which names us as the AS.
    let challenge =
        bearer::unauthorized(&cfg.resource_metadata_url("/mcp"), Some("mail.read"), None);
    assert_eq!(
        challenge,
        "Bearer resource_metadata=\"http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp\", scope=\"mail.read\""
    );
    let Some(WellKnown::ProtectedResource { document: prm, .. }) =
        well_known("/.well-known/oauth-protected-resource/mcp", &cfg)
    else {
        panic!("PRM not served");
    };
    assert_eq!(prm["resource"], "http://127.0.0.1:8787/mcp");
    assert_eq!(prm["scopes_supported"], json!(["mail.read"]));
    let issuer = prm["authorization_servers"][0].as_str().unwrap_or_default();
    assert_eq!(issuer, "http://127.0.0.1:8787");
    let as_meta = well_known("/.well-known/oauth-authorization-server", &cfg)
        .map(WellKnown::into_document)
        .unwrap_or_default();
    assert_eq!(as_meta["issuer"], issuer);
    assert_eq!(
        as_meta["registration_endpoint"],
        "http://127.0.0.1:8787/register"
    );

    // Dynamic registration of a confidential client.
    let body = json!({
        "redirect_uris": ["http://localhost:53000/callback"],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "client_name": "SDK test client",
        "application_type": "native"
    });
    let metadata =
        validate_registration(body.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let (record, secret) = ClientRecord::new(metadata, &[9; 16], &[10; 32], 1_750_000_000);
    let secret = secret.unwrap_or_else(|| panic!("no secret"));
    let response = registration_response(&record, Some(secret.expose()));
    assert_eq!(response["client_id"], json!(record.client_id));
    assert_eq!(response["client_secret"], secret.expose());
    assert_eq!(
        response["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert!(!is_cimd_client_id(&record.client_id));

    // Authorize: a different loopback port is fine; another path is not.
    assert!(record
        .metadata
        .allows_redirect_uri("http://localhost:61234/callback"));
    assert!(!record
        .metadata
        .allows_redirect_uri("http://localhost:61234/evil"));
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = pkce::validate_challenge(Some(&pkce::s256_challenge(verifier)), Some("S256"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        canonical_resource("HTTP://127.0.0.1:8787/mcp/"),
        canonical_resource(&cfg.resource("/mcp"))
    );
    let plain = pkce::validate_challenge(Some(verifier), Some("plain"));
    assert!(matches!(plain, Err(OAuthError::InvalidRequest(_))));

    // Token: secret and verifier.
    assert!(record.verify_secret(secret.expose()));
    assert!(pkce::verify_s256(verifier, &challenge));
    let bad_client = OAuthError::invalid_client("client authentication failed");
    assert_eq!(bad_client.http_status(), 401);
    assert_eq!(
        bad_client.token_endpoint_www_authenticate(true),
        Some("Basic realm=\"oauth\", charset=\"UTF-8\"")
    );

    // MCP call: our token format parses; an expired one gets invalid_token.
    let token = "m365_at_AAAAAAAAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        bearer::parse_bearer(Some(&format!("Bearer {token}"))),
        Ok(Some(token))
    );
    let expired = bearer::unauthorized(
        &cfg.resource_metadata_url("/mcp"),
        Some("mail.read"),
        Some(("invalid_token", "The access token expired")),
    );
    assert!(expired
        .ends_with(", error=\"invalid_token\", error_description=\"The access token expired\""));
}

#[test]
fn registration_with_javascript_redirect_is_refused() {
    let body = json!({"redirect_uris": ["javascript:alert(document.cookie)"]});
    let e = validate_registration(body.to_string().as_bytes()).expect_err("must be refused");
    assert_eq!(e.code(), "invalid_redirect_uri");
    assert_eq!(
        e.to_json(),
        r#"{"error":"invalid_redirect_uri","error_description":"redirect_uris[0] uses the forbidden scheme javascript:"}"#
    );
}

#[test]
fn cimd_mismatch_and_private_address() {
    let url = "https://client.example.com/oauth/client.json";
    assert!(is_cimd_client_id(url));
    assert!(check_cimd_url(url).is_ok());
    let doc = json!({
        "client_id": "https://other.example.com/oauth/client.json",
        "client_name": "Impostor",
        "redirect_uris": ["https://client.example.com/cb"]
    });
    let e = validate_cimd_document(url, doc.to_string().as_bytes()).expect_err("mismatch");
    assert_eq!(e.code(), "invalid_client_metadata");

    let doc = json!({
        "client_id": url,
        "client_name": "Fine",
        "redirect_uris": ["https://client.example.com/cb"]
    });
    let m =
        validate_cimd_document(url, doc.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.token_endpoint_auth_method, TokenEndpointAuthMethod::None);

    for private in [
        "https://10.1.2.3/client.json",
        "https://[fd00::1]/client.json",
        "https://169.254.169.254/latest/meta-data",
        "https://0x7f.1/client.json",
        "https://localhost/client.json",
    ] {
        let e = check_cimd_url(private).expect_err(private);
        assert_eq!(e.code(), "invalid_client", "{private}");
    }
}
