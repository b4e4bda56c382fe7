//! `GET /callback`: Microsoft redirects here after sign-in. Redeem its code (with our client
//! secret and the upstream PKCE verifier), identify the user from the id_token, seal the
//! Microsoft tokens into that user's vault, remember the consent, and send the MCP client our
//! own authorization code (with `state` and RFC 9207 `iss`).

use m365_core::{
    entra::{self, AuthorizationCode, EntraError},
    oauth::{error::OAuthError, tokens},
    vault::{self, MicrosoftTokens, StoreNonces},
};
use serde::{Deserialize, Serialize};
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response, Result};

use super::{
    authorize::{expired_page, take_pending, user_cookie},
    error_page, now_secs, random, redirect, with_query, Settings,
};
use crate::durable::rpc::{self, Reply};

/// What the user's Durable Object needs to finish a sign-in.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SignIn {
    pub vault: MicrosoftTokens,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IssuedCode {
    pub code: String,
}

pub(crate) async fn callback(req: &Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(req, env) {
        Ok(s) => s,
        Err(e) => return error_page(500, "Server misconfigured", &OAuthError::server_error(e)),
    };
    let url = req.url()?;
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let Some(state) = q.get("state") else {
        return expired_page();
    };
    let Some(pending) = take_pending(env, state).await? else {
        return expired_page();
    };
    let back = |e: OAuthError| {
        let params = e.redirect_params(pending.request.state.as_deref(), settings.server.issuer());
        redirect(&with_query(&pending.request.redirect_uri, &params), &[])
    };
    if let Some(err) = q.get("error") {
        // The user cancelled at Microsoft, or Microsoft refused: tell the client, not the user.
        let e = if err == "access_denied" {
            OAuthError::access_denied("The user cancelled the Microsoft sign-in.")
        } else {
            OAuthError::server_error(format!("Microsoft sign-in failed ({err})."))
        };
        return back(e);
    }
    let (Some(code), Some(sealed)) = (q.get("code"), pending.upstream_verifier.as_deref()) else {
        return back(OAuthError::invalid_request(
            "Microsoft did not return an authorization code.",
        ));
    };
    let verifier = match vault::open_pkce_verifier(&settings.vault_key, state, sealed) {
        Ok(v) => v,
        Err(_) => {
            return back(OAuthError::server_error(
                "The sign-in could not be completed.",
            ))
        }
    };
    let parts = entra::token_request_for_code(
        &settings.entra,
        &AuthorizationCode::new(code.clone()),
        &verifier,
        &pending.request.scopes,
    );
    let (status, body) = send(&parts).await?;
    let now = now_secs();
    let tokens = match entra::parse_token_response(status, &body) {
        Ok(t) => t,
        Err(EntraError::ConsentRequired { .. }) => {
            return back(OAuthError::access_denied(
                "Microsoft did not grant the requested permissions (consent required).",
            ))
        }
        Err(e) if e.is_transient() => {
            return back(OAuthError::temporarily_unavailable(
                "Microsoft sign-in is temporarily unavailable; try again.",
            ))
        }
        Err(e) => {
            return back(OAuthError::server_error(format!(
                "Microsoft sign-in failed: {e}"
            )))
        }
    };
    let Some(id_token) = tokens.id_token.as_deref() else {
        return back(OAuthError::server_error("Microsoft returned no id_token."));
    };
    let claims = match entra::id_token_claims(id_token, &settings.entra.client_id, now) {
        Ok(c) => c,
        Err(e) => {
            return back(OAuthError::server_error(format!(
                "Microsoft's id_token was not acceptable: {e}"
            )))
        }
    };
    let user = tokens::user_key(&claims.tid, &claims.oid);
    let record = match MicrosoftTokens::new(
        &settings.vault_key,
        &claims,
        &tokens,
        now,
        StoreNonces {
            access: random::<12>(),
            refresh: random::<12>(),
        },
    ) {
        Ok(r) => r,
        Err(_) => {
            return back(OAuthError::server_error(
                "The Microsoft tokens could not be stored.",
            ))
        }
    };
    let sign_in = SignIn {
        vault: record,
        client_id: pending.request.client_id.clone(),
        redirect_uri: pending.request.redirect_uri.clone(),
        code_challenge: pending.request.code_challenge.clone(),
        resource: pending.request.resource.clone(),
        scopes: pending.request.scopes.clone(),
    };
    let issued = match rpc::call::<_, IssuedCode>(
        env,
        "USER_STATE",
        &crate::durable::user_state::name(&user),
        "/internal/sign-in",
        &sign_in,
    )
    .await?
    {
        Reply::Ok(c) => c,
        Reply::Status(s, t) => return Err(worker::Error::RustError(format!("sign-in: {s} {t}"))),
    };
    let mut params = vec![("code".to_string(), issued.code)];
    if let Some(s) = &pending.request.state {
        params.push(("state".into(), s.clone()));
    }
    params.push(("iss".into(), settings.server.issuer().to_string()));
    redirect(
        &with_query(&pending.request.redirect_uri, &params),
        &[user_cookie(&settings, &user)],
    )
}

/// Send a built request (the Entra token call) and return status and body.
pub(crate) async fn send(parts: &entra::HttpRequestParts) -> Result<(u16, Vec<u8>)> {
    let headers = Headers::new();
    for (k, v) in &parts.headers {
        headers.set(k, v)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(parts.method.to_string()))
        .with_headers(headers)
        .with_body(Some(parts.body.clone().into()));
    let mut resp = Fetch::Request(Request::new_with_init(&parts.url, &init)?)
        .send()
        .await?;
    Ok((resp.status_code(), resp.bytes().await?))
}
