use super::*;
use serde_json::json;

fn register(body: Value) -> Result<ClientMetadata, OAuthError> {
    validate_registration(body.to_string().as_bytes())
}

fn ok(body: Value) -> ClientMetadata {
    register(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"))
}

fn err(body: Value) -> OAuthError {
    match register(body.clone()) {
        Ok(m) => panic!("{body} was accepted: {m:?}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// Redirect URIs
// ---------------------------------------------------------------------------------------------

#[test]
fn redirect_uris_accepted() {
    for uri in [
        "https://claude.ai/api/mcp/auth_callback",
        "https://claude.com/api/mcp/auth_callback",
        "https://chatgpt.com/connector_platform_oauth_redirect",
        "https://chatgpt.com/connector/oauth/IbUR3zxyNQ16",
        "https://client.example.com:8443/cb?tenant=a&x=%20y",
        "https://vscode.dev/redirect",
        "https://10.0.0.1/cb", // a browser redirect, not a server fetch: no SSRF concern
        "https://[2001:4860::1]/cb",
        "http://localhost/callback",
        "http://localhost:6274/oauth/callback",
        "http://LOCALHOST:1/cb",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:33418/callback",
        "http://[::1]:8080/cb",
        "http://[::1]/cb",
        "cursor://anysphere.cursor-mcp/oauth/callback",
        "com.example.app:/oauth2redirect/example-provider",
        "com.example.app://callback",
        "vscode://vscode.github-authentication/did-authenticate",
        "myapp:callback",
    ] {
        assert_eq!(validate_redirect_uri(uri), Ok(()), "{uri}");
    }
}

#[test]
fn redirect_uris_rejected() {
    let long = format!("https://example.com/{}", "a".repeat(MAX_REDIRECT_URI_LEN));
    let cases: Vec<(&str, &str)> = vec![
        ("", "empty"),
        (&long, "longer than"),
        ("javascript:alert(1)", "forbidden scheme"),
        ("JavaScript:alert(1)", "forbidden scheme"),
        ("data:text/html,<script>", "not a valid"),
        ("data:text/html;base64,PHNjcmlwdD4=", "forbidden scheme"),
        ("file:///etc/passwd", "forbidden scheme"),
        ("vbscript:msgbox(1)", "forbidden scheme"),
        ("blob:https://example.com/uuid", "forbidden scheme"),
        ("about:blank", "forbidden scheme"),
        ("https://example.com/cb#frag", "fragment"),
        ("https://example.com/cb#", "fragment"),
        ("http://localhost/cb#x", "fragment"),
        ("https://user:pass@example.com/cb", "userinfo"),
        ("https://user@example.com/cb", "userinfo"),
        ("http://user@localhost/cb", "userinfo"),
        ("cursor://user@anysphere/cb", "userinfo"),
        ("http://example.com/cb", "must use https"),
        ("http://127.0.0.2/cb", "must use https"),
        ("http://localhost.evil.com/cb", "must use https"),
        ("http://0.0.0.0:80/cb", "must use https"),
        ("http://[::ffff:127.0.0.1]/cb", "must use https"),
        ("http://2130706433/cb", "non-canonical numeric host"),
        ("http://127.1/cb", "non-canonical numeric host"),
        ("http://0x7f.0.0.1/cb", "non-canonical numeric host"),
        ("http://0177.0.0.1/cb", "non-canonical numeric host"),
        ("https://example.com./cb", "empty label"),
        ("https://exa%6dple.com/cb", "percent-encoded host"),
        ("https:///cb", "empty host"),
        ("https:example.com/cb", "with a host"),
        ("https://example.com:/cb", "empty port"),
        ("https://example.com:0/cb", "port out of range"),
        ("https://example.com:65536/cb", "port out of range"),
        ("https://example.com:8a/cb", "not a valid"),
        ("https://[fe80::1%25eth0]/cb", "unsupported IP literal"),
        ("https://[v1.x]/cb", "unsupported IP literal"),
        ("https://[::1/cb", "not a valid"),
        ("https://ex ample.com/cb", "not a valid"),
        (" https://example.com/cb", "not a valid"),
        ("https://example.com/cb ", "not a valid"),
        ("https://example.com/c\tb", "not a valid"),
        ("https://example.com/c\nb", "not a valid"),
        ("https://example.com/c\u{0}b", "not a valid"),
        ("https://example.com/caf\u{e9}", "not a valid"),
        ("https://exämple.com/cb", "not a valid"),
        ("https://example.com/a\\b", "not a valid"),
        ("https://example.com/<script>", "not a valid"),
        ("https://example.com/%zz", "not a valid"),
        ("https://example.com/%4", "not a valid"),
        ("/relative/cb", "not a valid"),
        ("//example.com/cb", "not a valid"),
        ("example.com/cb", "not a valid"),
        ("localhost:8080", "host:port"),
        ("example.com:443", "host:port"),
        ("cursor:", "nothing after"),
        ("cursor://", "nothing after"),
        ("1app://cb", "not a valid"),
    ];
    for (uri, want) in cases {
        let e = validate_redirect_uri(uri).expect_err(uri);
        assert!(e.contains(want), "{uri:?}: {e}");
    }
}

#[test]
fn redirect_uri_errors_name_the_index() {
    let e = err(json!({
        "redirect_uris": ["https://ok.example.com/cb", "javascript:alert(1)"]
    }));
    assert_eq!(e.code(), "invalid_redirect_uri");
    assert_eq!(
        e.description(),
        "redirect_uris[1] uses the forbidden scheme javascript:"
    );
    assert_eq!(e.http_status(), 400);
}

#[test]
fn redirect_uris_presence_and_bounds() {
    for (body, want) in [
        (json!({}), "redirect_uris is required"),
        (json!({"redirect_uris": null}), "redirect_uris is required"),
        (json!({"redirect_uris": []}), "must not be empty"),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "array of strings",
        ),
        (json!({"redirect_uris": [1]}), "array of strings"),
        (
            json!({"redirect_uris": vec!["https://a.example/cb"; 11]}),
            "more than 10",
        ),
    ] {
        let e = err(body.clone());
        assert!(e.description().contains(want), "{body}: {e}");
    }
    // Ten (even identical) are fine; duplicates collapse.
    let m = ok(json!({"redirect_uris": vec!["https://a.example/cb"; 10]}));
    assert_eq!(m.redirect_uris, vec!["https://a.example/cb"]);
}

#[test]
fn redirect_uri_matching_is_exact_except_loopback_port() {
    let m = ok(json!({"redirect_uris": [
        "https://claude.ai/api/mcp/auth_callback",
        "http://127.0.0.1/callback",
        "http://localhost:3000/cb?x=1",
        "http://[::1]/cb",
        "cursor://anysphere.cursor-mcp/oauth/callback",
    ]}));
    for yes in [
        "https://claude.ai/api/mcp/auth_callback",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:53123/callback",
        "http://localhost:3000/cb?x=1",
        "http://localhost:4000/cb?x=1",
        "http://localhost/cb?x=1",
        "http://[::1]:9/cb",
        "cursor://anysphere.cursor-mcp/oauth/callback",
    ] {
        assert!(m.allows_redirect_uri(yes), "{yes}");
    }
    for no in [
        "https://claude.ai/api/mcp/auth_callback/",
        "https://claude.ai/api/mcp/auth_callback?x=1",
        "https://CLAUDE.ai/api/mcp/auth_callback",
        "https://claude.ai:443/api/mcp/auth_callback",
        "https://claude.ai.evil.com/api/mcp/auth_callback",
        "http://127.0.0.1:53123/callback/",
        "http://127.0.0.1:53123/other",
        "http://localhost:53123/callback", // localhost and 127.0.0.1 are different hosts
        "https://127.0.0.1:53123/callback",
        "http://localhost:4000/cb?x=2",
        "http://localhost:4000/cb",
        "http://[::1]:9/cb#x",
        "http://user@127.0.0.1:9/callback",
        "cursor://anysphere.cursor-mcp/oauth/callback2",
        "",
    ] {
        assert!(!m.allows_redirect_uri(no), "{no}");
    }
}

// ---------------------------------------------------------------------------------------------
// Dynamic registration
// ---------------------------------------------------------------------------------------------

#[test]
fn claude_ai_registration() {
    // anthropics/claude-ai-mcp#886
    let m = ok(json!({
        "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "mcp",
        "client_name": "Claude",
        "application_type": "web"
    }));
    assert_eq!(
        m,
        ClientMetadata {
            redirect_uris: vec!["https://claude.ai/api/mcp/auth_callback".into()],
            token_endpoint_auth_method: TokenEndpointAuthMethod::None,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            response_types: vec!["code".into()],
            client_name: Some("Claude".into()),
            client_uri: None,
            logo_uri: None,
            policy_uri: None,
            tos_uri: None,
            scope: Some("mcp".into()),
            application_type: Some(ApplicationType::Web),
            software_id: None,
            software_version: None,
        }
    );
    assert!(m.is_public());
}

#[test]
fn sdk_style_registration_with_empty_optional_uris() {
    let m = ok(json!({
        "redirect_uris": ["http://localhost:6274/oauth/callback"],
        "token_endpoint_auth_method": "client_secret_post",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "client_name": "MCP Inspector",
        "client_uri": "https://github.com/modelcontextprotocol/inspector",
        "logo_uri": "",
        "tos_uri": "",
        "software_id": "inspector",
        "software_version": "1.2.3",
        "contacts": ["a@example.com"],
        "jwks": {"keys": []},
        "unknown_member": {"nested": [1, 2, 3]},
        "client_id": "attacker-chosen",
        "client_secret": "attacker-chosen"
    }));
    assert_eq!(
        m.token_endpoint_auth_method,
        TokenEndpointAuthMethod::ClientSecretPost
    );
    assert_eq!(m.logo_uri, None);
    assert_eq!(m.tos_uri, None);
    assert_eq!(m.software_version.as_deref(), Some("1.2.3"));
    assert!(!m.is_public());
}

#[test]
fn defaults_when_omitted() {
    let m = ok(json!({"redirect_uris": ["https://a.example/cb"]}));
    assert_eq!(m.token_endpoint_auth_method, TokenEndpointAuthMethod::None);
    assert_eq!(
        m.grant_types,
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert!(m.allows_grant(GrantType::RefreshToken));
    assert_eq!(m.response_types, vec!["code"]);
    assert_eq!(m.application_type, None);
    assert_eq!(m.client_name, None);
}

#[test]
fn auth_method_choices() {
    let with = |extra: Value| {
        let mut body = json!({"redirect_uris": ["https://a.example/cb"]});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        register(body)
    };
    let method = |extra: Value| with(extra).map(|m| m.token_endpoint_auth_method);
    assert_eq!(
        method(json!({"token_endpoint_auth_method": "client_secret_basic"})),
        Ok(TokenEndpointAuthMethod::ClientSecretBasic)
    );
    assert_eq!(
        method(
            json!({"token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]})
        ),
        Ok(TokenEndpointAuthMethod::ClientSecretBasic)
    );
    assert_eq!(
        method(json!({"token_endpoint_auth_methods_supported": ["private_key_jwt", "none"]})),
        Ok(TokenEndpointAuthMethod::None)
    );
    for bad in [
        json!({"token_endpoint_auth_method": "private_key_jwt"}),
        json!({"token_endpoint_auth_method": "client_secret_jwt"}),
        json!({"token_endpoint_auth_method": "tls_client_auth"}),
        json!({"token_endpoint_auth_method": "None"}),
        json!({"token_endpoint_auth_method": 1}),
        json!({"token_endpoint_auth_methods_supported": ["private_key_jwt"]}),
    ] {
        let e = with(bad.clone()).expect_err("bad method");
        assert_eq!(e.code(), "invalid_client_metadata", "{bad}");
        assert!(
            e.description().contains("token_endpoint_auth_method"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn grant_and_response_types() {
    let base = |extra: (&str, Value)| {
        let mut body = json!({"redirect_uris": ["https://a.example/cb"]});
        if let Some(b) = body.as_object_mut() {
            b.insert(extra.0.to_owned(), extra.1);
        }
        register(body)
    };
    assert_eq!(
        base(("grant_types", json!(["authorization_code"]))).map(|m| m.grant_types),
        Ok(vec![GrantType::AuthorizationCode])
    );
    assert_eq!(
        base((
            "grant_types",
            json!(["refresh_token", "authorization_code", "refresh_token"])
        ))
        .map(|m| m.grant_types),
        Ok(vec![GrantType::RefreshToken, GrantType::AuthorizationCode])
    );
    for (field, value, want) in [
        ("grant_types", json!([]), "must include authorization_code"),
        (
            "grant_types",
            json!(["refresh_token"]),
            "must include authorization_code",
        ),
        (
            "grant_types",
            json!(["implicit"]),
            "'implicit' is not supported",
        ),
        (
            "grant_types",
            json!(["authorization_code", "client_credentials"]),
            "'client_credentials'",
        ),
        (
            "grant_types",
            json!("authorization_code"),
            "array of strings",
        ),
        ("response_types", json!(["token"]), "response_types must be"),
        (
            "response_types",
            json!(["code", "id_token"]),
            "response_types must be",
        ),
        ("response_types", json!([]), "response_types must be"),
    ] {
        let e = base((field, value.clone())).expect_err("bad");
        assert_eq!(e.code(), "invalid_client_metadata");
        assert!(e.description().contains(want), "{field}={value}: {e}");
    }
}

#[test]
fn display_and_info_fields() {
    let base = |field: &str, value: Value| {
        let mut body = json!({"redirect_uris": ["https://a.example/cb"]});
        if let Some(b) = body.as_object_mut() {
            b.insert(field.to_owned(), value);
        }
        register(body)
    };
    let name200 = "é".repeat(200);
    assert_eq!(
        base("client_name", json!(name200)).map(|m| m.client_name),
        Ok(Some(name200.clone()))
    );
    assert_eq!(
        base("client_name", json!("  Claude  ")).map(|m| m.client_name),
        Ok(Some("Claude".to_owned()))
    );
    assert_eq!(
        base("client_name", json!("   ")).map(|m| m.client_name),
        Ok(None)
    );
    assert_eq!(
        base("scope", json!("  mail.read   calendar.read ")).map(|m| m.scope),
        Ok(Some("mail.read calendar.read".to_owned()))
    );
    assert_eq!(base("scope", json!("")).map(|m| m.scope), Ok(None));
    assert_eq!(
        base("application_type", json!("native")).map(|m| m.application_type),
        Ok(Some(ApplicationType::Native))
    );
    assert_eq!(
        base("policy_uri", json!("https://a.example/privacy")).map(|m| m.policy_uri),
        Ok(Some("https://a.example/privacy".to_owned()))
    );
    for (field, value, want) in [
        (
            "client_name",
            json!("é".repeat(201)),
            "client_name is longer than 200",
        ),
        ("client_name", json!("Evil\u{202e}edoC"), "bidirectional"),
        ("client_name", json!("a\nb"), "control"),
        ("client_name", json!(42), "client_name must be a string"),
        (
            "client_uri",
            json!("http://a.example"),
            "client_uri must be an https URL",
        ),
        (
            "client_uri",
            json!("javascript:alert(1)"),
            "client_uri must be an https URL",
        ),
        (
            "logo_uri",
            json!("data:image/png;base64,AAAA"),
            "logo_uri must be an https URL",
        ),
        (
            "policy_uri",
            json!("https://user@a.example/p"),
            "policy_uri must be an https URL",
        ),
        (
            "tos_uri",
            json!("https:///tos"),
            "tos_uri must be an https URL",
        ),
        ("scope", json!("mail.read \"x\""), "scope must be"),
        ("scope", json!("a\\b"), "scope must be"),
        ("scope", json!("x".repeat(1001)), "scope is longer"),
        (
            "application_type",
            json!("service"),
            "application_type 'service'",
        ),
        (
            "software_id",
            json!("x".repeat(201)),
            "software_id is longer",
        ),
    ] {
        let e = base(field, value.clone()).expect_err("bad");
        assert_eq!(e.code(), "invalid_client_metadata", "{field}");
        assert!(e.description().contains(want), "{field}={value}: {e}");
    }
}

#[test]
fn body_shape_and_size() {
    for (body, want) in [
        (&b"not json"[..], "not valid JSON"),
        (&b"[]"[..], "must be a JSON object"),
        (&b"\"x\""[..], "must be a JSON object"),
        (&b""[..], "not valid JSON"),
        (
            &b"{\"redirect_uris\":[\"https://a.example/cb\"]"[..],
            "not valid JSON",
        ),
    ] {
        let e = validate_registration(body).expect_err("bad body");
        assert_eq!(e.code(), "invalid_client_metadata");
        assert!(e.description().contains(want), "{e}");
    }
    // Padding with unknown members up to the limit is fine; one byte over is not.
    let base = json!({"redirect_uris": ["https://a.example/cb"], "pad": ""}).to_string();
    let pad = "x".repeat(MAX_REGISTRATION_BYTES - base.len());
    let at_limit = base.replace("\"pad\":\"\"", &format!("\"pad\":\"{pad}\""));
    assert_eq!(at_limit.len(), MAX_REGISTRATION_BYTES);
    assert!(validate_registration(at_limit.as_bytes()).is_ok());
    let over = at_limit.replace("\"pad\":\"", "\"pad\":\"x");
    let e = validate_registration(over.as_bytes()).expect_err("too big");
    assert!(e.description().contains("exceeds 16384 bytes"));
    // Deep nesting is an error, never a stack overflow.
    let deep = format!(
        "{{\"redirect_uris\":[\"https://a.example/cb\"],\"x\":{}{}}}",
        "[".repeat(4000),
        "]".repeat(4000)
    );
    assert!(validate_registration(deep.as_bytes()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Records, ids, secrets, response
// ---------------------------------------------------------------------------------------------

#[test]
fn client_ids_and_secrets() {
    let id = generate_client_id(&[0u8; 16]);
    assert_eq!(id, "mcp_AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(id.len(), 26);
    assert!(!is_cimd_client_id(&id));
    let secret = generate_client_secret(&[0xff; 32]);
    assert_eq!(secret.expose().len(), 43);
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
}

#[test]
fn confidential_record_and_response() {
    let metadata = ok(json!({
        "redirect_uris": ["https://a.example/cb"],
        "token_endpoint_auth_method": "client_secret_basic",
        "client_name": "A"
    }));
    let (record, secret) = ClientRecord::new(metadata, &[1u8; 16], &[2u8; 32], 1_700_000_000);
    let secret = secret.unwrap_or_else(|| panic!("confidential clients get a secret"));
    assert_eq!(record.client_id, generate_client_id(&[1u8; 16]));
    assert_eq!(secret.expose(), generate_client_secret(&[2u8; 32]).expose());
    assert!(record.verify_secret(secret.expose()));
    assert!(!record.verify_secret("wrong"));
    assert!(!record.verify_secret(""));
    let expected_hash: [u8; 32] = Sha256::digest(secret.expose().as_bytes()).into();
    assert_eq!(record.secret_hash(), Some(expected_hash));

    // Stored form: flat RFC 7591 names, hash but never the plaintext.
    let stored = serde_json::to_value(&record).unwrap_or_default();
    assert_eq!(stored["client_id"], json!(record.client_id));
    assert_eq!(stored["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(stored["client_id_issued_at"], 1_700_000_000);
    assert!(stored.get("client_secret").is_none());
    assert!(!stored.to_string().contains(secret.expose()));
    let back: ClientRecord = serde_json::from_value(stored).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, record);

    let response = registration_response(&record, Some(secret.expose()));
    assert_eq!(
        response,
        json!({
            "client_id": record.client_id,
            "client_secret": secret.expose(),
            "client_id_issued_at": 1_700_000_000,
            "client_secret_expires_at": 0,
            "redirect_uris": ["https://a.example/cb"],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "client_name": "A"
        })
    );
}

#[test]
fn public_record_and_response() {
    let metadata =
        ok(json!({"redirect_uris": ["http://127.0.0.1/cb"], "application_type": "native"}));
    let (record, secret) = ClientRecord::new(metadata, &[7u8; 16], &[8u8; 32], 5);
    assert!(secret.is_none());
    assert_eq!(record.client_secret_sha256, None);
    assert_eq!(record.secret_hash(), None);
    assert!(!record.verify_secret(""));
    let response = registration_response(&record, Some("ignored"));
    assert_eq!(
        response,
        json!({
            "client_id": record.client_id,
            "client_id_issued_at": 5,
            "redirect_uris": ["http://127.0.0.1/cb"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "application_type": "native"
        })
    );
}

#[test]
fn corrupt_stored_hash_never_verifies() {
    let metadata = ok(
        json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "client_secret_post"}),
    );
    let (mut record, _) = ClientRecord::new(metadata, &[1; 16], &[2; 32], 0);
    record.client_secret_sha256 = Some("not base64 !".into());
    assert_eq!(record.secret_hash(), None);
    assert!(!record.verify_secret("anything"));
    record.client_secret_sha256 = Some("AAAA".into());
    assert_eq!(record.secret_hash(), None);
}

// ---------------------------------------------------------------------------------------------
// CIMD: URL checks and SSRF
// ---------------------------------------------------------------------------------------------

#[test]
fn cimd_client_id_detection() {
    for yes in [
        "https://claude.ai/oauth/claude-code-client-metadata",
        "HTTPS://x.example/y",
        "http://127.0.0.1:9/client.json",
        "https://",
    ] {
        assert!(is_cimd_client_id(yes), "{yes}");
    }
    for no in [
        "mcp_AAAA",
        "",
        "https:",
        "client-https://x",
        "urn:x",
        "ftp://x/y",
    ] {
        assert!(!is_cimd_client_id(no), "{no}");
    }
}

#[test]
fn cimd_urls_accepted() {
    let t = check_cimd_url("https://claude.ai/oauth/claude-code-client-metadata")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        t,
        CimdTarget {
            scheme: "https",
            host: "claude.ai".into(),
            port: 443,
            path: "/oauth/claude-code-client-metadata".into(),
        }
    );
    let t = check_cimd_url("https://ChatGPT.com:8443/oauth/IbUR3zxyNQ16/client.json")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((t.host.as_str(), t.port), ("chatgpt.com", 8443));
    for ok_url in [
        "https://vscode.dev/oauth/client-metadata.json",
        "https://zed.dev/oauth/client-metadata.json",
        "https://8.8.8.8/client.json",
        "https://[2606:4700:4700::1111]/client.json",
        "https://a.b.example.com/x/",
        "https://example.com/..a/b.",
    ] {
        assert!(check_cimd_url(ok_url).is_ok(), "{ok_url}");
    }
}

#[test]
fn cimd_url_shape_rejected() {
    for (url, want) in [
        ("http://client.example.com/c.json", "must use https"),
        ("HTTPS://client.example.com/c.json", "must use https"),
        ("ftp://client.example.com/c.json", "must use https"),
        ("https://client.example.com", "must contain a path"),
        ("https://client.example.com/", "must contain a path"),
        (
            "https://client.example.com/c.json?x=1",
            "must not contain a query",
        ),
        (
            "https://client.example.com/c.json?",
            "must not contain a query",
        ),
        (
            "https://client.example.com/c.json#x",
            "must not contain a fragment",
        ),
        ("https://user:pw@client.example.com/c.json", "userinfo"),
        (
            "https://client.example.com/a/../c.json",
            "dot path segments",
        ),
        ("https://client.example.com/./c.json", "dot path segments"),
        (
            "https://client.example.com/a/%2e%2E/c.json",
            "dot path segments",
        ),
        ("https://client.example.com/a/%2E", "dot path segments"),
        ("https://client.example.com/c .json", "not a valid URL"),
        ("https:///c.json", "empty host"),
        ("https://client.example.com:0/c.json", "invalid port"),
        ("https://client.example.com:/c.json", "invalid port"),
        ("https:client.example.com/c.json", "must have a host"),
    ] {
        let e = check_cimd_url(url).expect_err(url);
        assert_eq!(e.code(), "invalid_client", "{url}");
        assert!(e.description().contains(want), "{url}: {e}");
    }
    let long = format!(
        "https://client.example.com/{}",
        "a".repeat(MAX_CIMD_URL_LEN)
    );
    assert!(check_cimd_url(&long).is_err());
}

#[test]
fn ssrf_ipv4_ranges_rejected() {
    for ip in [
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "10.255.255.255",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.0.1",
        "192.168.255.255",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
    ] {
        let url = format!("https://{ip}/client.json");
        let e = check_cimd_url(&url).expect_err(&url);
        assert!(
            e.description().contains("not a public address"),
            "{url}: {e}"
        );
    }
    for public in [
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.1.1",
        "169.253.1.1",
        "223.255.255.255",
    ] {
        let url = format!("https://{public}/client.json");
        assert!(check_cimd_url(&url).is_ok(), "{url}");
    }
}

#[test]
fn ssrf_ipv6_ranges_rejected() {
    for ip in [
        "::",
        "::1",
        "0:0:0:0:0:0:0:1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8", // mapped addresses are refused wholesale
        "::ffff:a00:1",
        "::10.0.0.1", // IPv4-compatible (deprecated)
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "100::1",
        "fc00::1",
        "fd12:3456:789a::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
        "2001:db8::1",
        "2001::1",
        "2002:a00:1::1",
        "3fff::1",
    ] {
        let url = format!("https://[{ip}]/client.json");
        let e = check_cimd_url(&url).expect_err(&url);
        assert!(
            e.description().contains("not a public address"),
            "{url}: {e}"
        );
    }
    for public in [
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "2001:4860:4860::8888",
    ] {
        let url = format!("https://[{public}]/client.json");
        assert!(check_cimd_url(&url).is_ok(), "{url}");
    }
}

#[test]
fn ssrf_numeric_host_tricks_rejected() {
    for host in [
        "2130706433",   // 127.0.0.1 as one decimal number
        "017700000001", // octal
        "0x7f000001",   // hex
        "0x7f.1",       // hex + short form
        "0x7F.0.0.1",
        "127.1",
        "127.0.1",
        "0177.0.0.1",      // octal octet
        "127.000.000.001", // zero-padded
        "00.0.0.0",
        "0x",
        "1.2.3.4.5",
        "256.1.1.1",
        "example.0x10",
        "example.123",
    ] {
        let url = format!("https://{host}/client.json");
        let e = check_cimd_url(&url).expect_err(&url);
        assert!(
            e.description().contains("non-canonical numeric host"),
            "{url}: {e}"
        );
    }
}

#[test]
fn ssrf_host_names_rejected() {
    for host in [
        "localhost",
        "LOCALHOST",
        "app.localhost",
        "printer.local",
        "metadata.google.internal",
        "router.home.arpa",
        "intranet",
    ] {
        let url = format!("https://{host}/client.json");
        let e = check_cimd_url(&url).expect_err(&url);
        assert!(
            e.description().contains("not a public host")
                || e.description().contains("fully qualified"),
            "{url}: {e}"
        );
    }
    for bad in [
        "https://localhost./c.json",
        "https://exa%6dple.com/c.json",
        "https://-a.example/c.json",
        "https://a..example/c.json",
        "https://[fe80::1%25en0]/c.json",
        "https://[v7.abc]/c.json",
        "https://[::1]x/c.json",
    ] {
        assert!(check_cimd_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn cimd_loopback_policy_for_the_sandbox() {
    let dev = CimdPolicy {
        allow_loopback: true,
    };
    let t = check_cimd_url_with("http://127.0.0.1:8788/client.json", dev)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        t,
        CimdTarget {
            scheme: "http",
            host: "127.0.0.1".into(),
            port: 8788,
            path: "/client.json".into(),
        }
    );
    for ok_url in [
        "http://localhost/client.json",
        "https://localhost:8443/client.json",
        "http://[::1]:9/c",
        "http://127.5.6.7/c",
        "https://public.example.com/c",
    ] {
        assert!(check_cimd_url_with(ok_url, dev).is_ok(), "{ok_url}");
    }
    // Private, non-loopback addresses and plain-http public hosts stay refused.
    for bad in [
        "http://10.0.0.1/c",
        "https://192.168.1.1/c",
        "https://169.254.169.254/latest/meta-data",
        "http://public.example.com/c",
        "http://2130706433/c",
    ] {
        assert!(check_cimd_url_with(bad, dev).is_err(), "{bad}");
    }
    // And the production policy refuses loopback.
    assert!(check_cimd_url("http://127.0.0.1:8788/client.json").is_err());
    assert!(check_cimd_url("https://127.0.0.1/client.json").is_err());
    assert_eq!(CimdPolicy::default(), CimdPolicy::PUBLIC_ONLY);
}

// ---------------------------------------------------------------------------------------------
// CIMD: documents
// ---------------------------------------------------------------------------------------------

const CHATGPT_URL: &str = "https://chatgpt.com/oauth/IbUR3zxyNQ16/client.json";

/// Frozen live ChatGPT document (cloudflare/workers-oauth-provider `__tests__/oauth-cimd.test.ts`).
fn chatgpt_doc() -> Value {
    json!({
        "client_id": CHATGPT_URL,
        "client_uri": "https://chatgpt.com/",
        "client_name": "ChatGPT",
        "logo_uri": "https://persistent.oaistatic.com/sonic/misc/openai-logo.png",
        "redirect_uris": ["https://chatgpt.com/connector/oauth/IbUR3zxyNQ16"],
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        "token_endpoint_auth_signing_alg": "RS256",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "jwks_uri": "https://chatgpt.com/oauth/jwks.json"
    })
}

fn cimd(url: &str, doc: &Value) -> Result<ClientMetadata, OAuthError> {
    validate_cimd_document(url, doc.to_string().as_bytes())
}

fn with(mut doc: Value, field: &str, value: Option<Value>) -> Value {
    if let Some(map) = doc.as_object_mut() {
        match value {
            Some(v) => {
                map.insert(field.to_owned(), v);
            }
            None => {
                map.remove(field);
            }
        }
    }
    doc
}

#[test]
fn chatgpt_document_negotiates_none() {
    let m = cimd(CHATGPT_URL, &chatgpt_doc()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.token_endpoint_auth_method, TokenEndpointAuthMethod::None);
    assert_eq!(m.client_name.as_deref(), Some("ChatGPT"));
    assert_eq!(
        m.redirect_uris,
        vec!["https://chatgpt.com/connector/oauth/IbUR3zxyNQ16"]
    );
    assert_eq!(
        m.grant_types,
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert!(m.is_public());
}

#[test]
fn claude_code_style_document() {
    let url = "https://claude.ai/oauth/claude-code-client-metadata";
    let doc = json!({
        "client_id": url,
        "client_name": "Claude Code",
        "redirect_uris": ["http://localhost/callback", "http://127.0.0.1/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "application_type": "native"
    });
    let m = cimd(url, &doc).unwrap_or_else(|e| panic!("{e}"));
    assert!(m.allows_redirect_uri("http://localhost:54545/callback"));
    assert!(m.allows_redirect_uri("http://127.0.0.1:61000/callback"));
    assert!(!m.allows_redirect_uri("http://localhost:54545/other"));
}

#[test]
fn cimd_client_id_must_match_exactly() {
    for other in [
        "https://chatgpt.com/oauth/IbUR3zxyNQ16/client.json/",
        "https://CHATGPT.com/oauth/IbUR3zxyNQ16/client.json",
        "https://chatgpt.com:443/oauth/IbUR3zxyNQ16/client.json",
        "https://chatgpt.com/oauth/other/client.json",
        "https://evil.example.com/client.json",
        "",
    ] {
        let doc = with(chatgpt_doc(), "client_id", Some(json!(other)));
        let e = cimd(CHATGPT_URL, &doc).expect_err(other);
        assert_eq!(e.code(), "invalid_client_metadata");
        assert!(e.description().contains("does not match"), "{other}: {e}");
    }
    let e = cimd(CHATGPT_URL, &with(chatgpt_doc(), "client_id", None)).expect_err("no id");
    assert!(e.description().contains("no client_id"));
    let e = cimd(
        CHATGPT_URL,
        &with(chatgpt_doc(), "client_id", Some(json!(1))),
    )
    .expect_err("num");
    assert!(e.description().contains("client_id must be a string"));
}

#[test]
fn cimd_auth_method_negotiation() {
    let doc = |method: Option<Value>, supported: Option<Value>| {
        let d = with(chatgpt_doc(), "token_endpoint_auth_method", method);
        with(d, "token_endpoint_auth_methods_supported", supported)
    };
    let method = |d: Value| cimd(CHATGPT_URL, &d).map(|m| m.token_endpoint_auth_method);
    assert_eq!(method(doc(None, None)), Ok(TokenEndpointAuthMethod::None));
    assert_eq!(
        method(doc(Some(json!("none")), None)),
        Ok(TokenEndpointAuthMethod::None)
    );
    assert_eq!(
        method(doc(None, Some(json!(["private_key_jwt", "none"])))),
        Ok(TokenEndpointAuthMethod::None)
    );
    for (m, s, want) in [
        (
            Some(json!("private_key_jwt")),
            None,
            "private_key_jwt is not supported",
        ),
        (
            Some(json!("private_key_jwt")),
            Some(json!(["private_key_jwt"])),
            "private_key_jwt is not supported",
        ),
        (None, Some(json!(["private_key_jwt"])), "must include none"),
        (Some(json!("client_secret_basic")), None, "shared secret"),
        (
            Some(json!("client_secret_post")),
            Some(json!(["none", "client_secret_post"])),
            "shared secret",
        ),
        (Some(json!("client_secret_jwt")), None, "shared secret"),
        (
            Some(json!("tls_client_auth")),
            None,
            "'tls_client_auth' is not supported",
        ),
        (
            Some(json!("none")),
            Some(json!(["private_key_jwt"])),
            "must be one of",
        ),
    ] {
        let e = method(doc(m.clone(), s.clone())).expect_err("bad");
        assert_eq!(e.code(), "invalid_client_metadata");
        assert!(e.description().contains(want), "{m:?} {s:?}: {e}");
    }
}

#[test]
fn cimd_document_rules() {
    for (field, value, want) in [
        (
            "client_secret",
            Some(json!("s3cret")),
            "must not contain client_secret",
        ),
        (
            "client_secret_expires_at",
            Some(json!(0)),
            "must not contain client_secret_expires_at",
        ),
        ("client_name", None, "non-empty client_name"),
        ("client_name", Some(json!(" ")), "non-empty client_name"),
        ("redirect_uris", None, "redirect_uris is required"),
        (
            "redirect_uris",
            Some(json!(["javascript:alert(1)"])),
            "forbidden scheme",
        ),
        (
            "redirect_uris",
            Some(json!(["http://evil.example/cb"])),
            "must use https",
        ),
        (
            "grant_types",
            Some(json!(["refresh_token"])),
            "must include authorization_code",
        ),
        (
            "grant_types",
            Some(json!(["client_credentials"])),
            "must include authorization_code",
        ),
        (
            "response_types",
            Some(json!(["token"])),
            "response_types must include code",
        ),
        (
            "logo_uri",
            Some(json!("http://x.example/logo.png")),
            "logo_uri must be an https URL",
        ),
    ] {
        let doc = with(chatgpt_doc(), field, value.clone());
        let e = cimd(CHATGPT_URL, &doc).expect_err(field);
        assert!(e.description().contains(want), "{field}={value:?}: {e}");
    }
    // Extra grant and response types meant for other servers are dropped, not fatal.
    let doc = with(
        chatgpt_doc(),
        "grant_types",
        Some(json!([
            "authorization_code",
            "urn:ietf:params:oauth:grant-type:token-exchange"
        ])),
    );
    let doc = with(
        doc,
        "response_types",
        Some(json!(["code", "code id_token"])),
    );
    let m = cimd(CHATGPT_URL, &doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(m.response_types, vec!["code"]);
}

#[test]
fn cimd_document_size_and_shape() {
    assert!(validate_cimd_document(CHATGPT_URL, b"[]")
        .is_err_and(|e| e.description().contains("JSON object")));
    assert!(validate_cimd_document(CHATGPT_URL, b"<html>")
        .is_err_and(|e| e.description().contains("not valid JSON")));
    let padded = with(
        chatgpt_doc(),
        "pad",
        Some(json!("x".repeat(MAX_CIMD_BYTES))),
    );
    let e = cimd(CHATGPT_URL, &padded).expect_err("too big");
    assert!(e.description().contains("exceeds 5120 bytes"));
}

#[test]
fn cimd_cache_ttl() {
    for (header, want) in [
        (None, 3600),
        (Some(""), 3600),
        (Some("public"), 3600),
        (Some("max-age=600"), 600),
        (Some("public, max-age=600"), 600),
        (Some("MAX-AGE=600"), 600),
        (Some("max-age=\"600\""), 600),
        (Some("max-age=10"), 60),
        (Some("max-age=0"), 60),
        (Some("max-age=604800"), 86_400),
        (Some("max-age=99999999999999999999999999"), 86_400),
        (Some("max-age=-5"), 3600),
        (Some("max-age=abc"), 3600),
        (Some("max-age=600, s-maxage=1200"), 1200),
        (Some("s-maxage=30"), 60),
        (Some("no-store"), 60),
        (Some("max-age=600, no-store"), 60),
        (Some("No-Cache"), 60),
        (Some("private, max-age=7200"), 7200),
    ] {
        assert_eq!(cache_ttl(header), want, "{header:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The strict parser
// ---------------------------------------------------------------------------------------------

#[test]
fn uri_components() {
    let u = Uri::parse("https://u@h.example:8443/p/a?q=1&r#f").unwrap_or_else(|| panic!("parse"));
    assert_eq!(u.scheme, "https");
    assert_eq!(
        u.authority,
        Some(Authority {
            userinfo: Some("u"),
            host: "h.example",
            port: Some("8443"),
        })
    );
    assert_eq!(
        (u.path, u.query, u.fragment),
        ("/p/a", Some("q=1&r"), Some("f"))
    );
    let u = Uri::parse("com.example.app:/cb").unwrap_or_else(|| panic!("parse"));
    assert_eq!(
        (u.scheme, u.authority, u.path),
        ("com.example.app", None, "/cb")
    );
    let u = Uri::parse("http://[::1]:80").unwrap_or_else(|| panic!("parse"));
    assert_eq!(
        u.authority.map(|a| (a.host, a.port)),
        Some(("[::1]", Some("80")))
    );
    for bad in [
        "https://a#b#c",
        "https://a@b@c/",
        "https://a/[x]",
        "https://[::1]]/",
        "https://a[b]/",
        "https://a:1:2/",
        "https://u[x]@a/",
        ":nothing",
        "",
    ] {
        assert_eq!(Uri::parse(bad), None, "{bad}");
    }
}

#[test]
fn host_classification() {
    assert_eq!(
        parse_host("Example.COM"),
        Ok(Host::Domain("example.com".into()))
    );
    assert_eq!(parse_host("127.0.0.1"), Ok(Host::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(parse_host("0.0.0.0"), Ok(Host::V4(Ipv4Addr::UNSPECIFIED)));
    assert_eq!(parse_host("[::1]"), Ok(Host::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(
        parse_host("a_b.example"),
        Ok(Host::Domain("a_b.example".into()))
    );
    assert_eq!(
        parse_host("0x7f.example"),
        Ok(Host::Domain("0x7f.example".into()))
    );
    assert!(parse_host(&format!("{}.com", "a".repeat(64))).is_err());
    assert!(parse_host(&"a.".repeat(127).to_string()).is_err());
    assert!(parse_host("a-.example").is_err());
    assert!(parse_host("[::1").is_err());
    assert!(parse_host("[1.2.3.4]").is_err());
}
