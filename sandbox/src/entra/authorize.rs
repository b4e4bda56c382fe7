//! `/{tenant}/oauth2/v2.0/authorize`: validation in Entra's order (errors about the tenant, the
//! client or the redirect URI are shown as a page; everything later is redirected back), the
//! sign-in page, and code issuance.

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{
    errors::OAuthError,
    guid, html_escape, jwt, resolve_tenant,
    scopes::{self, ScopeSet},
    PendingCode, RegisteredApp, TenantSelector, UserInfo,
};
use crate::{
    server::{Sandbox, Shared},
    store::AccountKind,
};

/// Characters escaped in a path segment (everything but RFC 3986 unreserved).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Request parameters in order (query string or form body).
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(s: &str) -> Self {
        Self(form_urlencoded::parse(s.as_bytes()).into_owned().collect())
    }

    /// First value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// First non-empty value of `name`.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// Remove every `name` and return the first value.
    fn take(&mut self, name: &str) -> Option<String> {
        let first = self.get(name).map(str::to_string);
        self.0.retain(|(k, _)| k != name);
        first
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// Where (and how) to send the client back.
#[derive(Debug, Clone)]
struct RedirectTarget {
    uri: String,
    mode: ResponseMode,
    state: Option<String>,
}

/// A validated authorization request.
#[derive(Debug, Clone)]
struct AuthzRequest {
    segment: String,
    tenant: TenantSelector,
    app: RegisteredApp,
    target: RedirectTarget,
    scopes: ScopeSet,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: String,
    login_hint: Option<String>,
    prompt: Option<String>,
    sandbox_auto: bool,
}

#[derive(Debug)]
enum Failure {
    /// Shown as an error page: there is no trustworthy redirect URI.
    Page(OAuthError),
    /// Sent back to the client.
    Redirect(OAuthError, RedirectTarget),
}

/// What the posted form asked for.
enum Action {
    Show,
    SignIn(String),
    Cancel,
}

pub(crate) async fn get_authorize(
    State(state): State<Shared>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref().unwrap_or(""));
    handle(&state, &tenant, params, Action::Show)
}

pub(crate) async fn post_authorize(
    State(state): State<Shared>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let mut params = Params::parse(&String::from_utf8_lossy(&body));
    let user = params.take("user");
    let cancel = params.take("cancel");
    let action = if cancel.is_some() {
        Action::Cancel
    } else if let Some(u) = user.filter(|u| !u.is_empty()) {
        Action::SignIn(u)
    } else {
        Action::Show
    };
    handle(&state, &tenant, params, action)
}

fn handle(state: &Sandbox, segment: &str, params: Params, action: Action) -> Response {
    let now = state.now();
    let req = match validate(state, segment, &params) {
        Ok(r) => r,
        Err(Failure::Page(e)) => return e.page(now),
        Err(Failure::Redirect(e, target)) => {
            return redirect(&target, e.redirect_params(now), now);
        }
    };
    match action {
        Action::Cancel => {
            let e = OAuthError::new(
                "access_denied",
                65_004,
                "User declined to consent to access the app.",
            );
            redirect(&req.target, e.redirect_params(now), now)
        }
        Action::SignIn(user_id) => sign_in(state, &req, &user_id),
        Action::Show => {
            if req.sandbox_auto {
                let hinted = req.login_hint.as_deref().and_then(|hint| {
                    let world = state.world();
                    world
                        .user_by_upn(hint)
                        .filter(|u| req.tenant.admits(u))
                        .map(|u| u.id.clone())
                });
                if let Some(user_id) = hinted {
                    return sign_in(state, &req, &user_id);
                }
            }
            if req.prompt.as_deref() == Some("none") {
                // No browser session exists in the sandbox, so silent sign-in always fails.
                let e = OAuthError::new(
                    "login_required",
                    50_058,
                    "A silent sign-in request was sent but no user is signed in.",
                );
                return redirect(&req.target, e.redirect_params(now), now);
            }
            sign_in_page(state, &req, &params)
        }
    }
}

/// Validate in Entra's order: tenant, client, redirect URI (page errors); then response type,
/// scope, resource, PKCE (redirected errors).
fn validate(state: &Sandbox, segment: &str, p: &Params) -> Result<AuthzRequest, Failure> {
    let tenant = {
        let world = state.world();
        resolve_tenant(&world, segment)
    }
    .ok_or_else(|| Failure::Page(OAuthError::tenant_not_found(segment)))?;

    let client_id = p
        .non_empty("client_id")
        .ok_or_else(|| Failure::Page(OAuthError::missing("client_id")))?;
    let app = state
        .entra()
        .apps
        .get(client_id)
        .cloned()
        .ok_or_else(|| Failure::Page(OAuthError::unknown_client(client_id, segment)))?;

    let redirect_uri = p.non_empty("redirect_uri").ok_or_else(|| {
        Failure::Page(OAuthError::new(
            "invalid_request",
            900_971,
            "No reply address provided.",
        ))
    })?;
    if !is_absolute_uri(redirect_uri) {
        return Err(Failure::Page(OAuthError::new(
            "invalid_request",
            90_102,
            "'redirect_uri' value must be a valid absolute URI.",
        )));
    }
    if !redirect_allowed(&app, redirect_uri) {
        return Err(Failure::Page(OAuthError::new(
            "invalid_request",
            50_011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
                app.client_id
            ),
        )));
    }

    let mode_param = p.non_empty("response_mode");
    let mode = match mode_param.map(str::to_ascii_lowercase).as_deref() {
        None | Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        Some(_) => ResponseMode::Query,
    };
    let target = RedirectTarget {
        uri: redirect_uri.to_string(),
        mode,
        state: p.get("state").map(str::to_string),
    };
    let fail = |e: OAuthError| Failure::Redirect(e, target.clone());

    if let Some(m) = mode_param {
        if !["query", "fragment", "form_post"].contains(&m.to_ascii_lowercase().as_str()) {
            return Err(fail(OAuthError::new(
                "invalid_request",
                70_007,
                format!("The application returned an unsupported value of 'response_mode': '{m}'."),
            )));
        }
    }

    let response_type = p
        .non_empty("response_type")
        .ok_or_else(|| fail(OAuthError::missing("response_type")))?;
    let mut kinds: Vec<&str> = response_type.split_whitespace().collect();
    kinds.sort_unstable();
    match kinds.as_slice() {
        ["code"] => {}
        k if k.contains(&"token") => {
            return Err(fail(OAuthError::new(
                "unsupported_response_type",
                700_051,
                "response_type 'token' is not enabled for the application.",
            )))
        }
        k if k.contains(&"id_token") => {
            return Err(fail(OAuthError::new(
                "unsupported_response_type",
                700_054,
                "response_type 'id_token' is not enabled for the application.",
            )))
        }
        _ => {
            return Err(fail(OAuthError::new(
                "unsupported_response_type",
                70_005,
                format!("The app returned an unsupported response type '{response_type}'."),
            )))
        }
    }

    let scope_raw = p
        .non_empty("scope")
        .ok_or_else(|| fail(OAuthError::missing("scope")))?;
    let scopes = scopes::parse(scope_raw, &app.display_name).map_err(fail)?;
    scopes::check_resource_param(p.get("resource"), &scopes).map_err(fail)?;

    let (require_pkce, require_s256) = {
        let e = state.entra();
        (e.require_pkce, e.require_s256)
    };
    let code_challenge = p.non_empty("code_challenge").map(str::to_string);
    let method_param = p.non_empty("code_challenge_method");
    let code_challenge_method = match (&code_challenge, method_param) {
        (None, Some(_)) => return Err(fail(OAuthError::missing("code_challenge"))),
        (None, None) => {
            if require_pkce {
                return Err(fail(OAuthError::new(
                    "invalid_request",
                    50_147,
                    "MissingCodeChallenge: the code_challenge parameter is required (sandbox policy require_pkce; Entra itself requires PKCE only for single-page-app redirect URIs).",
                )));
            }
            String::new()
        }
        (Some(_), m) => {
            let m = m.unwrap_or("plain");
            if m == "S256" || (m == "plain" && !require_s256) {
                m.to_string()
            } else if m == "plain" {
                return Err(fail(OAuthError::new(
                    "invalid_request",
                    50_149,
                    "Invalid Code_Challenge_method parameter. The sandbox requires 'S256' (policy require_s256; Entra also accepts 'plain').",
                )));
            } else {
                return Err(fail(OAuthError::new(
                    "invalid_request",
                    50_149,
                    "Invalid Code_Challenge_method parameter.",
                )));
            }
        }
    };
    if let Some(c) = &code_challenge {
        if !(43..=128).contains(&c.len()) {
            return Err(fail(OAuthError::new(
                "invalid_request",
                501_491,
                "Invalid size of Code_Challenge parameter.",
            )));
        }
    }

    Ok(AuthzRequest {
        segment: segment.to_string(),
        tenant,
        app,
        target,
        scopes,
        nonce: p.non_empty("nonce").map(str::to_string),
        code_challenge,
        code_challenge_method,
        login_hint: p.non_empty("login_hint").map(str::to_string),
        prompt: p.non_empty("prompt").map(str::to_ascii_lowercase),
        sandbox_auto: p.get("sandbox_auto") == Some("1"),
    })
}

/// The user picked an account: check the tenant admits them, issue a code, redirect.
fn sign_in(state: &Sandbox, req: &AuthzRequest, user_id: &str) -> Response {
    let now = state.now();
    let user = {
        let world = state.world();
        world
            .user(user_id)
            .map(|u| (UserInfo::from_user(u), req.tenant.admits(u)))
    };
    let info = match user {
        Some((info, true)) => info,
        Some((_, false)) if req.tenant == TenantSelector::Organizations => {
            return OAuthError::new(
                "invalid_request",
                500_208,
                "The domain is not a valid login domain for the account type.",
            )
            .page(now);
        }
        Some((info, false)) => {
            return OAuthError::new(
                "invalid_request",
                50_034,
                format!(
                    "The user account {} does not exist in the '{}' directory. To sign into this application, the account must be added to the directory.",
                    info.upn, req.segment
                ),
            )
            .page(now);
        }
        None => {
            return OAuthError::new(
                "invalid_request",
                50_034,
                format!(
                    "The user account {user_id} does not exist in the '{}' directory. To sign into this application, the account must be added to the directory.",
                    req.segment
                ),
            )
            .page(now);
        }
    };
    let code = format!("1.AQ{}", jwt::random_b64(96));
    state.entra().codes.insert(
        code.clone(),
        PendingCode {
            client_id: req.app.client_id.clone(),
            redirect_uri: req.target.uri.clone(),
            tenant: req.tenant.clone(),
            user_id: info.id.clone(),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            code_challenge_method: req.code_challenge_method.clone(),
            issued_at: now,
            redeemed: false,
        },
    );
    let params = vec![
        ("code".to_string(), code),
        ("session_state".to_string(), guid()),
    ];
    redirect(&req.target, params, now)
}

/// Send the client back with `params` (plus `state`), honouring `response_mode`.
fn redirect(
    target: &RedirectTarget,
    mut params: Vec<(String, String)>,
    now: DateTime<Utc>,
) -> Response {
    if let Some(s) = &target.state {
        // Entra puts `state` after the code / error fields.
        let pos = params
            .iter()
            .position(|(k, _)| k == "session_state")
            .unwrap_or(params.len());
        params.insert(pos, ("state".to_string(), s.clone()));
    }
    match target.mode {
        ResponseMode::FormPost => {
            let inputs: String = params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\" />",
                        html_escape(k),
                        html_escape(v)
                    )
                })
                .collect();
            let body = format!(
                "<html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\"><form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" /></noscript></form></body></html>",
                html_escape(&target.uri)
            );
            Html(body).into_response()
        }
        ResponseMode::Query | ResponseMode::Fragment => {
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter())
                .finish();
            let location = if target.mode == ResponseMode::Fragment {
                format!("{}#{encoded}", target.uri.split('#').next().unwrap_or(""))
            } else {
                let base = target.uri.split('#').next().unwrap_or("");
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}{encoded}")
            };
            match HeaderValue::from_str(&location) {
                Ok(v) => {
                    let mut resp = StatusCode::FOUND.into_response();
                    resp.headers_mut().insert(header::LOCATION, v);
                    resp
                }
                Err(_) => OAuthError::new(
                    "invalid_request",
                    90_102,
                    "'redirect_uri' value must be a valid absolute URI.",
                )
                .page(now),
            }
        }
    }
}

/// The account picker: one submit button per admitted user, hidden fields carrying the request.
fn sign_in_page(state: &Sandbox, req: &AuthzRequest, params: &Params) -> Response {
    let users: Vec<UserInfo> = {
        let world = state.world();
        world
            .users
            .iter()
            .filter(|u| req.tenant.admits(u))
            .map(UserInfo::from_user)
            .collect()
    };
    let action = format!(
        "/{}/oauth2/v2.0/authorize",
        utf8_percent_encode(&req.segment, PATH_SEGMENT)
    );
    let hidden: String = params
        .0
        .iter()
        .filter(|(k, _)| k != "user" && k != "cancel")
        .map(|(k, v)| {
            format!(
                "  <input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let hint = req.login_hint.as_deref().unwrap_or("");
    let accounts: String = if users.is_empty() {
        "  <li id=\"no-accounts\">No accounts can sign in here.</li>\n".to_string()
    } else {
        users
            .iter()
            .map(|u| {
                let kind = match u.kind {
                    AccountKind::Work => "work",
                    AccountKind::Personal => "personal",
                };
                let hinted = if !hint.is_empty() && u.upn.eq_ignore_ascii_case(hint) {
                    " class=\"hinted\" autofocus"
                } else {
                    ""
                };
                format!(
                    "  <li><button type=\"submit\" name=\"user\" value=\"{}\" data-upn=\"{}\" data-tenant-id=\"{}\" data-kind=\"{kind}\"{hinted}>{} ({})</button></li>\n",
                    html_escape(&u.id),
                    html_escape(&u.upn),
                    html_escape(&u.tenant_id),
                    html_escape(&u.display_name),
                    html_escape(&u.upn)
                )
            })
            .collect()
    };
    let mut scope_items: Vec<String> = req
        .scopes
        .oidc_response_names()
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    if req.scopes.offline_access {
        scope_items.push("offline_access".to_string());
    }
    scope_items.extend(req.scopes.full_uris());
    let scope_list: String = scope_items
        .iter()
        .map(|s| format!("  <li>{}</li>\n", html_escape(s)))
        .collect();
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\n<body>\n<h1>Pick an account</h1>\n<p id=\"app\" data-client-id=\"{}\">to continue to <strong>{}</strong></p>\n<p id=\"tenant\" data-tenant=\"{}\">Sign-in audience: {}</p>\n<p>This app would like to:</p>\n<ul id=\"scopes\">\n{scope_list}</ul>\n<form id=\"signin\" method=\"post\" action=\"{}\">\n{hidden}<ul id=\"accounts\">\n{accounts}</ul>\n  <button type=\"submit\" name=\"cancel\" value=\"1\" id=\"cancel\">Cancel</button>\n</form>\n</body></html>\n",
        html_escape(&req.app.client_id),
        html_escape(&req.app.display_name),
        html_escape(&req.segment),
        html_escape(&req.segment),
        html_escape(&action),
    );
    Html(body).into_response()
}

/// `scheme://rest` with a plausible scheme (custom schemes such as `msal…://auth` included).
fn is_absolute_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !uri.chars().any(char::is_whitespace)
}

/// Split a loopback URI into (scheme, host, rest-after-port). `None` if not loopback.
fn loopback_parts(uri: &str) -> Option<(String, String, String)> {
    let (scheme, rest) = uri.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    if authority.contains('@') {
        return None;
    }
    let host = if let Some(stripped) = authority.strip_prefix('[') {
        let end = stripped.find(']')?;
        let port = &stripped[end + 1..];
        if !(port.is_empty()
            || (port.starts_with(':') && port[1..].chars().all(|c| c.is_ascii_digit())))
        {
            return None;
        }
        format!("[{}]", &stripped[..end])
    } else {
        let (h, port) = authority.split_once(':').unwrap_or((authority, ""));
        if !port.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        h.to_ascii_lowercase()
    };
    if host == "localhost" || host == "127.0.0.1" || host == "[::1]" {
        Some((scheme, host, tail.to_string()))
    } else {
        None
    }
}

/// Whether `uri` is one of the app's redirect URIs.
fn redirect_allowed(app: &RegisteredApp, uri: &str) -> bool {
    if app.redirect_uris.iter().any(|r| r == uri) {
        return true;
    }
    let Some(candidate) = loopback_parts(uri) else {
        return false;
    };
    if app.any_loopback_redirect {
        return true;
    }
    // Entra's loopback exception: a registered loopback URI matches on any port.
    app.redirect_uris
        .iter()
        .filter_map(|r| loopback_parts(r))
        .any(|r| r == candidate)
}
