//! `POST /token` and `POST /revoke`: parse and authenticate the client here, then let the user's
//! Durable Object (found from the code or token itself) run the grant.

use m365_core::oauth::{
    error::OAuthError,
    registration::GrantType,
    token::{
        check_client_auth, parse_revocation_request, parse_token_request, ClientAuth,
        ClientAuthMethod, TokenGrant,
    },
    tokens::{self, TokenKind},
};
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response, Result};

use super::{clients, json_response, oauth_error, Settings};
use crate::durable::rpc::{self, Reply};

/// A token request for the user's Durable Object.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub(crate) enum GrantCall {
    AuthorizationCode {
        code: String,
        client_id: String,
        redirect_uri: String,
        code_verifier: String,
        resource: Option<String>,
        issue_refresh: bool,
    },
    RefreshToken {
        refresh_token: String,
        client_id: String,
        resource: Option<String>,
        scope: Option<String>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RevokeCall {
    pub token: String,
    pub client_id: String,
}

/// Look the client up and check its authentication; the error to send otherwise.
async fn authenticated_client(
    env: &Env,
    settings: &Settings,
    auth: &ClientAuth,
) -> Result<std::result::Result<m365_core::oauth::registration::ClientRecord, OAuthError>> {
    let record = match clients::load(env, &auth.client_id, settings.loopback_origin).await? {
        Ok(r) => r,
        Err(_) => return Ok(Err(OAuthError::invalid_client("Unknown client."))),
    };
    let hash = record.secret_hash();
    match check_client_auth(
        auth,
        record.metadata.token_endpoint_auth_method.as_str(),
        hash.as_ref().map(|h| &h[..]),
    ) {
        Ok(()) => Ok(Ok(record)),
        Err(e) => Ok(Err(e)),
    }
}

fn client_error(e: &OAuthError, auth_method: Option<ClientAuthMethod>) -> Result<Response> {
    let mut resp = oauth_error(e)?;
    if let Some(challenge) =
        e.token_endpoint_www_authenticate(auth_method == Some(ClientAuthMethod::ClientSecretBasic))
    {
        resp.headers_mut().set("www-authenticate", challenge)?;
    }
    Ok(resp)
}

pub(crate) async fn token(mut req: Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(&req, env) {
        Ok(s) => s,
        Err(e) => return oauth_error(&OAuthError::server_error(e)),
    };
    let content_type = req.headers().get("content-type")?;
    let authorization = req.headers().get("authorization")?;
    let body = req.bytes().await?;
    let parsed = match parse_token_request(content_type.as_deref(), &body, authorization.as_deref())
    {
        Ok(p) => p,
        Err(e) => return client_error(&e, None),
    };
    let client = match authenticated_client(env, &settings, &parsed.client).await? {
        Ok(c) => c,
        Err(e) => return client_error(&e, Some(parsed.client.method)),
    };
    let (kind, presented) = match &parsed.grant {
        TokenGrant::AuthorizationCode { code, .. } => (TokenKind::AuthorizationCode, code.expose()),
        TokenGrant::RefreshToken { refresh_token, .. } => {
            (TokenKind::Refresh, refresh_token.expose())
        }
    };
    if !client.metadata.allows_grant(match kind {
        TokenKind::Refresh => GrantType::RefreshToken,
        _ => GrantType::AuthorizationCode,
    }) {
        return oauth_error(&OAuthError::unauthorized_client(
            "This client is not registered for that grant type.",
        ));
    }
    let Some(target) = tokens::parse_kind(presented, kind) else {
        return oauth_error(&OAuthError::invalid_grant(
            "The code or token is not valid.",
        ));
    };
    let call = match parsed.grant {
        TokenGrant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            resource,
        } => GrantCall::AuthorizationCode {
            code: code.expose().to_string(),
            client_id: client.client_id.clone(),
            redirect_uri,
            code_verifier: code_verifier.expose().to_string(),
            resource,
            issue_refresh: client.metadata.allows_grant(GrantType::RefreshToken),
        },
        TokenGrant::RefreshToken {
            refresh_token,
            scope,
            resource,
        } => GrantCall::RefreshToken {
            refresh_token: refresh_token.expose().to_string(),
            client_id: client.client_id.clone(),
            resource,
            scope,
        },
    };
    let name = crate::durable::user_state::name(&target.user_key);
    match rpc::call::<_, serde_json::Value>(env, "USER_STATE", &name, "/internal/token", &call)
        .await?
    {
        Reply::Ok(v) => json_response(200, v.to_string()),
        Reply::Status(status, body) => json_response(status, body),
    }
}

pub(crate) async fn revoke(mut req: Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(&req, env) {
        Ok(s) => s,
        Err(e) => return oauth_error(&OAuthError::server_error(e)),
    };
    let content_type = req.headers().get("content-type")?;
    let authorization = req.headers().get("authorization")?;
    let body = req.bytes().await?;
    let parsed =
        match parse_revocation_request(content_type.as_deref(), &body, authorization.as_deref()) {
            Ok(p) => p,
            Err(e) => return client_error(&e, None),
        };
    let client = match authenticated_client(env, &settings, &parsed.client).await? {
        Ok(c) => c,
        Err(e) => return client_error(&e, Some(parsed.client.method)),
    };
    // RFC 7009 §2.2: an invalid or unknown token is not an error; answer 200 either way.
    if let Some(target) = tokens::parse(parsed.token.expose()) {
        let call = RevokeCall {
            token: parsed.token.expose().to_string(),
            client_id: client.client_id,
        };
        let name = crate::durable::user_state::name(&target.user_key);
        let _ =
            rpc::call::<_, serde_json::Value>(env, "USER_STATE", &name, "/internal/revoke", &call)
                .await?;
    }
    json_response(200, "{}".into())
}
