//! `GET /authorize` (validate, remember the request, show the consent page or skip it for a
//! client this user already approved) and `POST /authorize/consent` (approve → Microsoft
//! sign-in; deny → `access_denied` to the client).

use m365_core::{
    entra::{self, CodeVerifier},
    oauth::{
        authorize::{self, AuthorizeError, AuthorizeParams, AuthorizeRequest},
        consent::{self as page, ConsentClientKind, ConsentDecision, ConsentForm, ConsentView},
        error::OAuthError,
        pkce,
        registration::is_cimd_client_id,
        tokens::UserKey,
    },
    vault,
};
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response, Result};

use super::{
    b64url, clients, cookie, error_page, html_response, now_secs, random, redirect, with_query,
    Settings, PENDING_TTL_SECONDS,
};
use crate::durable::rpc::{self, Reply};

/// Cookie binding the consent form to this browser (CSRF).
const BROWSER_COOKIE: &str = "m365_browser";
/// Cookie naming the user who signed in last in this browser (signed), to skip consent for
/// clients they already approved.
pub(crate) const USER_COOKIE: &str = "m365_user";

/// A pending authorization, stored single-use in a `Records` object while the user consents
/// and signs in.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub request: AuthorizeRequest,
    pub client_name: Option<String>,
    /// The sealed PKCE verifier of the upstream (Microsoft) leg, once approved.
    pub upstream_verifier: Option<String>,
    pub created_at: u64,
}

pub(crate) fn pending_name(id: &str) -> String {
    format!("pending:{id}")
}

fn misconfigured(e: &str) -> Result<Response> {
    error_page(
        500,
        "Server misconfigured",
        &OAuthError::server_error(e.to_string()),
    )
}

pub(crate) async fn authorize(req: &Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(req, env) {
        Ok(s) => s,
        Err(e) => return misconfigured(&e),
    };
    let url = req.url()?;
    let (params, repeated) = AuthorizeParams::parse(url.query().unwrap_or(""));
    let client = match &params.client_id {
        Some(id) => match clients::load(env, id, settings.loopback_origin).await? {
            Ok(c) => Some(c),
            Err(clients::LoadError::Unknown) => None,
            Err(clients::LoadError::Invalid(e)) => {
                return error_page(400, "This application cannot sign in", &e)
            }
        },
        None => None,
    };
    let checked = authorize::validate(
        &params,
        repeated.as_deref(),
        client.as_ref().map(|c| &c.metadata),
        &settings.server,
        &settings.default_scopes,
    );
    let request = match checked {
        Ok(r) => r,
        Err(AuthorizeError::Page(e)) => {
            return error_page(400, "This sign-in request is not valid", &e)
        }
        Err(AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
        }) => {
            let params = error.redirect_params(state.as_deref(), settings.server.issuer());
            return redirect(&with_query(&redirect_uri, &params), &[]);
        }
    };
    let client_name = client.as_ref().and_then(|c| c.metadata.client_name.clone());
    let id = b64url(&random::<32>());
    let pending = Pending {
        request,
        client_name,
        upstream_verifier: None,
        created_at: now_secs(),
    };

    // A user this browser signed in before, who approved this client for these scopes, is not
    // asked again.
    if let Some(user) = signed_user(req, &settings) {
        if already_approved(env, &user, &pending.request).await? {
            return redirect(&upstream_target(env, &settings, &id, pending).await?, &[]);
        }
    }
    save_pending(env, &id, &pending).await?;

    let (binding, new_cookie) = match cookie(
        req,
        &page::cookie_name(BROWSER_COOKIE, settings.secure_cookies),
    ) {
        Some(b) if !b.is_empty() => (b, None),
        _ => {
            let b = b64url(&random::<32>());
            let c = page::set_cookie(
                BROWSER_COOKIE,
                &b,
                PENDING_TTL_SECONDS * 6,
                settings.secure_cookies,
            );
            (b, Some(c))
        }
    };
    let csrf = page::csrf_token(&settings.mac_key, &id, &binding);
    let kind = if is_cimd_client_id(&pending.request.client_id) {
        ConsentClientKind::MetadataDocument {
            url: &pending.request.client_id,
        }
    } else {
        ConsentClientKind::Dynamic
    };
    let html = page::render_consent_page(&ConsentView {
        client_name: pending.client_name.as_deref(),
        client_id: &pending.request.client_id,
        redirect_uri: &pending.request.redirect_uri,
        client_kind: kind,
        scopes: &pending.request.scopes,
        csrf_token: &csrf,
        request_id: &id,
    });
    html_response(200, html, new_cookie.as_slice())
}

pub(crate) async fn consent(mut req: Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(&req, env) {
        Ok(s) => s,
        Err(e) => return misconfigured(&e),
    };
    let binding = cookie(
        &req,
        &page::cookie_name(BROWSER_COOKIE, settings.secure_cookies),
    )
    .unwrap_or_default();
    let body = req.bytes().await?;
    let Some(form) = ConsentForm::parse(&body) else {
        return error_page(
            400,
            "This form is not valid",
            &OAuthError::invalid_request("The consent form is incomplete."),
        );
    };
    if !page::verify_csrf(&settings.mac_key, &form.request, &binding, &form.csrf) {
        return error_page(
            403,
            "This approval could not be verified",
            &OAuthError::access_denied("The approval did not come from the consent page shown in this browser. Start the sign-in again from the application."),
        );
    }
    let Some(pending) = take_pending(env, &form.request).await? else {
        return expired_page();
    };
    match form.decision {
        ConsentDecision::Deny => {
            let e = OAuthError::access_denied("The user denied the request.");
            let target = with_query(
                &pending.request.redirect_uri,
                &e.redirect_params(pending.request.state.as_deref(), settings.server.issuer()),
            );
            // A page, not a redirect: the consent page's CSP (`form-action 'self'`) would block a
            // redirect to another origin after the form POST in Chromium.
            html_response(
                200,
                page::render_continue_page(
                    &target,
                    "You denied access. Returning to the application…",
                ),
                &[],
            )
        }
        ConsentDecision::Approve => {
            let target = upstream_target(env, &settings, &form.request, pending).await?;
            html_response(
                200,
                page::render_continue_page(&target, "Continuing to Microsoft sign-in…"),
                &[],
            )
        }
    }
}

pub(crate) fn expired_page() -> Result<Response> {
    error_page(
        400,
        "This sign-in has expired",
        &OAuthError::invalid_request("This sign-in request has expired or was already used. Start again from the application."),
    )
}

/// Remember the request with a fresh upstream PKCE verifier; the URL of Microsoft's sign-in.
async fn upstream_target(
    env: &Env,
    settings: &Settings,
    id: &str,
    mut pending: Pending,
) -> Result<String> {
    let verifier = b64url(&random::<32>());
    let challenge = pkce::s256_challenge(&verifier);
    let sealed = vault::seal_pkce_verifier(
        &settings.vault_key,
        id,
        &CodeVerifier::new(verifier),
        random::<12>(),
    )
    .map_err(|e| worker::Error::RustError(e.to_string()))?;
    pending.upstream_verifier = Some(sealed);
    let scopes = pending.request.scopes.clone();
    save_pending(env, id, &pending).await?;
    Ok(entra::authorize_url(
        &settings.entra,
        id,
        &challenge,
        &scopes,
        None,
        None,
    ))
}

pub(crate) async fn save_pending(env: &Env, id: &str, pending: &Pending) -> Result<()> {
    let put = crate::durable::records::Put {
        value: serde_json::to_value(pending)?,
        ttl_seconds: PENDING_TTL_SECONDS,
    };
    match rpc::call::<_, serde_json::Value>(env, "RECORDS", &pending_name(id), "/put", &put).await?
    {
        Reply::Ok(_) => Ok(()),
        Reply::Status(s, t) => Err(worker::Error::RustError(format!("pending put: {s} {t}"))),
    }
}

/// Single-use: the record is deleted as it is read.
pub(crate) async fn take_pending(env: &Env, id: &str) -> Result<Option<Pending>> {
    if id.is_empty() || id.len() > 100 {
        return Ok(None);
    }
    match rpc::call::<_, Pending>(
        env,
        "RECORDS",
        &pending_name(id),
        "/take",
        &serde_json::json!({}),
    )
    .await?
    {
        Reply::Ok(p) => Ok(Some(p)),
        Reply::Status(..) => Ok(None),
    }
}

/// The signed user cookie: `{user key}.{HMAC}`.
pub(crate) fn user_cookie(settings: &Settings, user: &UserKey) -> String {
    let value = format!(
        "{}.{}",
        user.encode(),
        page::csrf_token(&settings.mac_key, "user-cookie", &user.encode())
    );
    page::set_cookie(USER_COOKIE, &value, 30 * 24 * 3600, settings.secure_cookies)
}

fn signed_user(req: &Request, settings: &Settings) -> Option<UserKey> {
    let value = cookie(
        req,
        &page::cookie_name(USER_COOKIE, settings.secure_cookies),
    )?;
    let (user, mac) = value.split_once('.')?;
    page::verify_csrf(&settings.mac_key, "user-cookie", user, mac)
        .then(|| UserKey::decode(user))
        .flatten()
}

#[derive(Serialize)]
pub(crate) struct ConsentCheck<'a> {
    pub client_id: &'a str,
    pub scopes: &'a [String],
}

async fn already_approved(env: &Env, user: &UserKey, request: &AuthorizeRequest) -> Result<bool> {
    let check = ConsentCheck {
        client_id: &request.client_id,
        scopes: &request.scopes,
    };
    match rpc::call::<_, bool>(
        env,
        "USER_STATE",
        &crate::durable::user_state::name(user),
        "/internal/consent-check",
        &check,
    )
    .await?
    {
        Reply::Ok(b) => Ok(b),
        Reply::Status(..) => Ok(false),
    }
}
