//! The authorization endpoint's checks (RFC 6749 §4.1.1, §4.1.2.1; OAuth 2.1 §4.1; RFC 7636;
//! RFC 8707), in the order that decides *where* an error goes: until the client and its
//! redirect URI are known to be good, an error is shown as a page and never redirected
//! (RFC 6749 §4.1.2.1: an unverified redirect would make us an open redirector); after that,
//! errors go back to the client's redirect URI with `state` and `iss` (RFC 9207).

use serde::{Deserialize, Serialize};

use super::{
    error::OAuthError,
    metadata::{canonical_resource, ServerConfig},
    pkce,
    registration::ClientMetadata,
};

/// A validated authorization request, kept (single-use, short-lived) while the user consents
/// and signs in with Microsoft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// The client's `state`, echoed back verbatim.
    pub state: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// The MCP resource the token will be bound to (canonical form).
    pub resource: String,
    /// Granted scopes: our scope names are Microsoft Graph delegated permission names.
    pub scopes: Vec<String>,
}

/// Where an authorization error goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Show an error page: the client or redirect URI could not be trusted.
    Page(OAuthError),
    /// Redirect back to the (verified) client with the error.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

/// Query parameters of `/authorize`, each given at most once (RFC 6749 §3.1).
#[derive(Debug, Default, Clone)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub resource: Option<String>,
}

impl AuthorizeParams {
    /// Parse a raw query string; a repeated parameter is an error (RFC 6749 §3.1). Which
    /// parameter was repeated decides whether the error may redirect, so it is returned as a
    /// flag and judged in [`validate`].
    pub fn parse(query: &str) -> (Self, Option<String>) {
        let mut p = Self::default();
        let mut repeated = None;
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "response_type" => &mut p.response_type,
                "client_id" => &mut p.client_id,
                "redirect_uri" => &mut p.redirect_uri,
                "state" => &mut p.state,
                "scope" => &mut p.scope,
                "code_challenge" => &mut p.code_challenge,
                "code_challenge_method" => &mut p.code_challenge_method,
                "resource" => &mut p.resource,
                _ => continue,
            };
            if slot.is_some() {
                repeated.get_or_insert_with(|| k.to_string());
            }
            // An empty value is the same as an absent one (RFC 6749 §3.1).
            if !v.is_empty() {
                *slot = Some(v.into_owned());
            }
        }
        (p, repeated)
    }
}

/// Check an authorization request against the client's registration and this server.
/// `client` is `None` when the client id is unknown. `default_scopes` are granted when the
/// client asks for none; `supported_scopes` bounds what it may ask for.
pub fn validate(
    params: &AuthorizeParams,
    repeated: Option<&str>,
    client: Option<&ClientMetadata>,
    cfg: &ServerConfig,
    default_scopes: &[String],
) -> Result<AuthorizeRequest, AuthorizeError> {
    let page = |e: OAuthError| Err(AuthorizeError::Page(e));
    if matches!(repeated, Some("client_id" | "redirect_uri")) {
        return page(OAuthError::invalid_request(format!(
            "The '{}' parameter was given more than once.",
            repeated.unwrap_or("")
        )));
    }
    let Some(client_id) = params.client_id.as_deref() else {
        return page(OAuthError::invalid_request(
            "The 'client_id' parameter is missing.",
        ));
    };
    let Some(client) = client else {
        return page(OAuthError::invalid_client(
            "Unknown client: it is not registered with this server.",
        ));
    };
    // OAuth 2.1 §2.3.1 / MCP: redirect_uri is required and must match a registered one exactly.
    let Some(redirect_uri) = params.redirect_uri.as_deref() else {
        return page(OAuthError::invalid_request(
            "The 'redirect_uri' parameter is missing.",
        ));
    };
    if !client.allows_redirect_uri(redirect_uri) {
        return page(OAuthError::invalid_request(
            "The 'redirect_uri' is not one of the redirect URIs registered for this client.",
        ));
    }

    let redirect = |error: OAuthError| {
        Err(AuthorizeError::Redirect {
            redirect_uri: redirect_uri.to_string(),
            state: params.state.clone(),
            error,
        })
    };
    if let Some(name) = repeated {
        if name == "resource" {
            return redirect(OAuthError::invalid_target(
                "The 'resource' parameter was given more than once.",
            ));
        }
        return redirect(OAuthError::invalid_request(format!(
            "The '{name}' parameter was given more than once."
        )));
    }
    match params.response_type.as_deref() {
        Some("code") => {}
        None => {
            return redirect(OAuthError::invalid_request(
                "The 'response_type' parameter is missing.",
            ))
        }
        Some(_) => {
            return redirect(OAuthError::unsupported_response_type(
                "Only response_type=code is supported.",
            ))
        }
    }
    let code_challenge = match pkce::validate_challenge(
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => return redirect(e),
    };
    // RFC 8707 §2: the resource must be one this server protects; without one, the MCP endpoint.
    let ours: Vec<String> = cfg.mcp_paths.iter().map(|p| cfg.resource(p)).collect();
    let resource = match params.resource.as_deref() {
        None => cfg.resource(cfg.mcp_paths.first().map_or("/mcp", String::as_str)),
        Some(r) => match canonical_resource(r).filter(|c| {
            ours.iter()
                .any(|o| canonical_resource(o).as_deref() == Some(c))
        }) {
            Some(c) => c,
            None => {
                return redirect(OAuthError::invalid_target(format!(
                    "The resource '{}' is not served here; use {}.",
                    super::error::sanitize_description(r),
                    ours.join(" or ")
                )))
            }
        },
    };
    let scopes: Vec<String> = match params.scope.as_deref() {
        None => default_scopes.to_vec(),
        Some(s) => {
            let mut out: Vec<String> = Vec::new();
            for requested in s.split(' ').filter(|x| !x.is_empty()) {
                // Scope names are case-insensitive Graph permission names; keep our spelling.
                let Some(known) = cfg
                    .scopes_supported
                    .iter()
                    .chain(&cfg.on_demand_scopes)
                    .find(|k| k.eq_ignore_ascii_case(requested))
                else {
                    if requested == "offline_access" {
                        continue; // Refresh tokens follow the client's grant types, not a scope.
                    }
                    return redirect(OAuthError::invalid_scope(format!(
                        "Unknown scope '{}'.",
                        super::error::sanitize_description(requested)
                    )));
                };
                if !out.contains(known) {
                    out.push(known.clone());
                }
            }
            if out.is_empty() {
                default_scopes.to_vec()
            } else {
                out
            }
        }
    };
    Ok(AuthorizeRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        state: params.state.clone(),
        code_challenge,
        resource,
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::registration::validate_registration;

    fn cfg() -> ServerConfig {
        ServerConfig {
            public_origin: "https://m365.example.com".into(),
            mcp_paths: vec!["/mcp".into(), "/sse".into()],
            scopes_supported: vec!["User.Read".into(), "Mail.Read".into(), "Mail.Send".into()],
            on_demand_scopes: vec!["Mail.Read.Shared".into()],
        }
    }

    fn client() -> ClientMetadata {
        validate_registration(br#"{"redirect_uris":["https://client.example/cb","http://127.0.0.1/cb"],"client_name":"Test"}"#)
            .expect("valid registration")
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn query(extra: &str) -> String {
        format!("response_type=code&client_id=mcp_x&redirect_uri=https%3A%2F%2Fclient.example%2Fcb&state=s1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}")
    }

    fn run(q: &str, c: Option<&ClientMetadata>) -> Result<AuthorizeRequest, AuthorizeError> {
        let (p, rep) = AuthorizeParams::parse(q);
        validate(&p, rep.as_deref(), c, &cfg(), &["User.Read".to_string()])
    }

    #[test]
    fn a_good_request_is_accepted_with_defaults() {
        let c = client();
        let r = run(&query(""), Some(&c)).expect("valid");
        assert_eq!(r.resource, "https://m365.example.com/mcp");
        assert_eq!(r.scopes, ["User.Read"]);
        assert_eq!(r.state.as_deref(), Some("s1"));
    }

    #[test]
    fn unknown_client_and_bad_redirect_are_pages_never_redirects() {
        assert!(matches!(
            run(&query(""), None),
            Err(AuthorizeError::Page(OAuthError::InvalidClient(_)))
        ));
        let c = client();
        let q = query("").replace("client.example%2Fcb", "evil.example%2Fcb");
        assert!(matches!(run(&q, Some(&c)), Err(AuthorizeError::Page(_))));
        let q = format!(
            "{}&redirect_uri=https%3A%2F%2Fclient.example%2Fcb",
            query("")
        );
        assert!(
            matches!(run(&q, Some(&c)), Err(AuthorizeError::Page(_))),
            "repeated redirect_uri"
        );
    }

    #[test]
    fn pkce_is_required_and_plain_is_refused_by_redirect() {
        let c = client();
        let missing = query("").replace(
            &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
            "",
        );
        let plain = query("").replace("S256", "plain");
        for q in [missing, plain] {
            match run(&q, Some(&c)) {
                Err(AuthorizeError::Redirect {
                    error: OAuthError::InvalidRequest(_),
                    state,
                    ..
                }) => {
                    assert_eq!(state.as_deref(), Some("s1"))
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn resource_must_be_ours_in_canonical_form() {
        let c = client();
        let ok = run(
            &query("&resource=HTTPS%3A%2F%2FM365.example.com%2Fsse"),
            Some(&c),
        )
        .expect("ours");
        assert_eq!(ok.resource, "https://m365.example.com/sse");
        assert!(matches!(
            run(
                &query("&resource=https%3A%2F%2Fother.example%2Fmcp"),
                Some(&c)
            ),
            Err(AuthorizeError::Redirect {
                error: OAuthError::InvalidTarget(_),
                ..
            })
        ));
    }

    #[test]
    fn scopes_are_checked_and_normalised() {
        let c = client();
        let r = run(
            &query("&scope=mail.read%20offline_access%20Mail.Read"),
            Some(&c),
        )
        .expect("ok");
        assert_eq!(r.scopes, ["Mail.Read"]);
        assert!(matches!(
            run(&query("&scope=Files.ReadWrite.All"), Some(&c)),
            Err(AuthorizeError::Redirect {
                error: OAuthError::InvalidScope(_),
                ..
            })
        ));
    }

    #[test]
    fn response_type_other_than_code_is_unsupported() {
        let c = client();
        let q = query("").replace("response_type=code", "response_type=token");
        assert!(matches!(
            run(&q, Some(&c)),
            Err(AuthorizeError::Redirect {
                error: OAuthError::UnsupportedResponseType(_),
                ..
            })
        ));
    }
}
