//! OIDC discovery (`/{tenant}/v2.0/.well-known/openid-configuration`), the (empty) JWKS and the
//! logout endpoint. The discovery document follows Entra's field set and order (from a recorded
//! real response in Azure/azure-sdk-for-js identity test recordings), pointing at this sandbox.

use axum::{
    extract::{Path, RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{
    authorize::Params, errors::OAuthError, resolve_tenant, TenantSelector, CONSUMERS_TENANT_ID,
};
use crate::server::Shared;

pub(crate) async fn openid_configuration(
    State(state): State<Shared>,
    Path(tenant): Path<String>,
) -> Response {
    let sel = {
        let world = state.world();
        resolve_tenant(&world, &tenant)
    };
    let Some(sel) = sel else {
        return OAuthError::tenant_not_found(&tenant).json_response(state.now());
    };
    let base = state.base_url.trim_end_matches('/');
    let issuer_tid = match &sel {
        TenantSelector::Common | TenantSelector::Organizations => "{tenantid}".to_string(),
        TenantSelector::Consumers => CONSUMERS_TENANT_ID.to_string(),
        TenantSelector::Tenant(id) => id.clone(),
    };
    let host = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .to_string();
    let seg = &tenant;
    Json(json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{issuer_tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/authorize"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": host,
        "rbac_url": "https://pas.windows.net",
    }))
    .into_response()
}

/// The JWKS. Empty: the sandbox signs with HS256, whose key cannot be published.
pub(crate) async fn keys() -> Response {
    Json(json!({ "keys": [] })).into_response()
}

/// Sign-out: back to `post_logout_redirect_uri` if given, else a "signed out" page.
pub(crate) async fn logout(RawQuery(query): RawQuery) -> Response {
    let p = Params::parse(query.as_deref().unwrap_or(""));
    if let Some(uri) = p.non_empty("post_logout_redirect_uri") {
        if let Ok(v) = HeaderValue::from_str(uri) {
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut().insert(header::LOCATION, v);
            return resp;
        }
    }
    Html("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign out</title></head><body><h1 id=\"signed-out\">You signed out of your account</h1></body></html>\n").into_response()
}
