//! `/{tenant}/oauth2/v2.0/token`: `authorization_code` and `refresh_token` grants for
//! confidential clients (secret in the body or HTTP Basic), and the tokens they produce.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, Duration, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use super::{
    authorize::Params,
    errors::{no_store, OAuthError},
    jwt, resolve_tenant,
    scopes::{self, ScopeSet},
    EntraState, RefreshGrant, RegisteredApp, TenantSelector, UserInfo, AUTH_CODE_LIFETIME_SECS,
    GRAPH_RESOURCE, REFRESH_TOKEN_INACTIVITY_DAYS,
};
use crate::{
    server::{Sandbox, Shared},
    store::AccountKind,
};

/// id_token lifetime, seconds.
const ID_TOKEN_LIFETIME_SECS: i64 = 3600;

pub(crate) async fn post_token(
    State(state): State<Shared>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = state.now();
    match token(&state, &tenant, &headers, &body) {
        Ok(v) => {
            let mut resp = axum::Json(v).into_response();
            no_store(&mut resp);
            resp
        }
        Err(e) => e.json_response(now),
    }
}

/// AADSTS900561 for anything but POST.
pub(crate) async fn token_wrong_method(State(state): State<Shared>) -> Response {
    OAuthError::new(
        "invalid_request",
        900_561,
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
    )
    .json_response(state.now())
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let dec = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((dec(id), dec(secret)))
}

fn invalid_grant(code: u32, message: impl Into<String>) -> OAuthError {
    OAuthError::new("invalid_grant", code, message)
}

fn token(
    state: &Sandbox,
    segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, OAuthError> {
    let tenant = {
        let world = state.world();
        resolve_tenant(&world, segment)
    }
    .ok_or_else(|| {
        let mut e = OAuthError::tenant_not_found(segment);
        e.error = "invalid_request";
        e
    })?;
    let p = Params::parse(&String::from_utf8_lossy(body));
    let grant_type = p
        .non_empty("grant_type")
        .ok_or_else(|| OAuthError::missing("grant_type"))?;

    // Client authentication.
    let basic = basic_credentials(headers);
    let client_id = p
        .non_empty("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()))
        .ok_or_else(|| OAuthError::missing("client_id"))?;
    let app = state
        .entra()
        .apps
        .get(&client_id)
        .cloned()
        .ok_or_else(|| OAuthError::unknown_client(&client_id, segment))?;
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            70_003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let secret = match (p.get("client_secret"), &basic) {
        (Some(s), _) => Some(s.to_string()),
        (None, Some((id, s))) if *id == client_id => Some(s.clone()),
        (None, Some(_)) => Some(String::new()),
        (None, None) => None,
    };
    match secret {
        None => {
            return Err(OAuthError::new(
                "invalid_client",
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
            .with_status(401))
        }
        Some(s) if s != app.client_secret => {
            return Err(OAuthError::new(
                "invalid_client",
                7_000_215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.client_id
                ),
            )
            .with_status(401))
        }
        Some(_) => {}
    }

    // Scope: required by the sandbox on both grants (Entra documents it as optional, but refresh
    // without it fails in practice with AADSTS90009; sending it always works).
    let resource = p.non_empty("resource");
    let scope_raw = match (p.non_empty("scope"), resource) {
        (Some(s), _) => s,
        (None, Some(_)) => {
            return Err(OAuthError::new(
                "invalid_request",
                901_002,
                "The 'resource' request parameter is not supported.",
            ))
        }
        (None, None) => return Err(OAuthError::missing("scope")),
    };
    let requested = scopes::parse(scope_raw, &app.display_name)?;
    scopes::check_resource_param(resource, &requested)?;

    if grant_type == "authorization_code" {
        redeem_code(state, &tenant, segment, &app, &p, &requested)
    } else {
        redeem_refresh(state, &tenant, segment, &app, &p, &requested)
    }
}

/// Facts taken from the code or refresh grant once validated.
struct Redeemed {
    user_id: String,
    /// What the user consented to in the flow (full URIs).
    consented: Vec<String>,
    /// Granted resource and scope names.
    resource: String,
    names: Vec<String>,
    /// Scope names to echo in the response (`.default` kept for non-Graph resources).
    echo_names: Vec<String>,
    want_id_token: bool,
    want_refresh_token: bool,
    nonce: Option<String>,
    /// OIDC scopes in effect (request plus, for a code, the authorization request).
    oidc: ScopeSet,
}

/// The OIDC flags of `a` and `b` combined (resource scopes dropped).
fn oidc_union(a: &ScopeSet, b: &ScopeSet) -> ScopeSet {
    ScopeSet {
        openid: a.openid || b.openid,
        profile: a.profile || b.profile,
        email: a.email || b.email,
        offline_access: a.offline_access || b.offline_access,
        resources: Vec::new(),
        raw: String::new(),
    }
}

/// The resource and names the token is for; OIDC-only requests get a Graph token for User.Read.
fn target_resource(requested: &ScopeSet) -> Result<(String, Vec<String>), OAuthError> {
    Ok(requested
        .single_resource()?
        .unwrap_or_else(|| (GRAPH_RESOURCE.to_string(), vec!["User.Read".to_string()])))
}

fn redeem_code(
    state: &Sandbox,
    tenant: &TenantSelector,
    segment: &str,
    app: &RegisteredApp,
    p: &Params,
    requested: &ScopeSet,
) -> Result<Value, OAuthError> {
    let now = state.now();
    let code = p
        .non_empty("code")
        .ok_or_else(|| OAuthError::missing("code"))?;
    let redirect_uri = p
        .non_empty("redirect_uri")
        .ok_or_else(|| OAuthError::missing("redirect_uri"))?;
    let verifier = p.non_empty("code_verifier");
    let (resource, names) = target_resource(requested)?;

    let redeemed = {
        let mut entra = state.entra();
        let pc = entra.codes.get_mut(code).ok_or_else(|| {
            invalid_grant(
                70_000,
                "The provided value for the 'code' parameter is not valid.",
            )
        })?;
        if pc.redeemed {
            return Err(invalid_grant(
                54_005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
            ));
        }
        if now - pc.issued_at > Duration::seconds(AUTH_CODE_LIFETIME_SECS) {
            return Err(invalid_grant(
                70_008,
                "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            ));
        }
        if pc.client_id != app.client_id {
            return Err(invalid_grant(
                70_000,
                "The provided value for the 'code' parameter is not valid.",
            ));
        }
        if pc.tenant != *tenant {
            return Err(invalid_grant(
                700_005,
                "Provided Authorization Code is intended to use against other tenant, thus rejected.",
            ));
        }
        if pc.redirect_uri != redirect_uri {
            return Err(invalid_grant(
                50_011,
                format!(
                    "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                    pc.redirect_uri
                ),
            ));
        }
        if let Some(challenge) = &pc.code_challenge {
            let Some(v) = verifier else {
                return Err(invalid_grant(
                    50_148,
                    "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
                ));
            };
            let computed = if pc.code_challenge_method == "S256" {
                jwt::b64url(&jwt::sha256(v.as_bytes()))
            } else {
                v.to_string()
            };
            if computed != *challenge {
                return Err(invalid_grant(
                    501_481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                ));
            }
        }
        let consented = pc.scopes.full_uris();
        let granted = scopes::grant(
            &resource,
            &names,
            &consented,
            &app.client_id,
            &app.display_name,
        )?;
        pc.redeemed = true;
        Redeemed {
            user_id: pc.user_id.clone(),
            want_id_token: pc.scopes.openid || requested.openid,
            want_refresh_token: pc.scopes.offline_access || requested.offline_access,
            nonce: pc.nonce.clone(),
            oidc: oidc_union(&pc.scopes, requested),
            consented,
            resource: resource.clone(),
            names: granted,
            echo_names: names.clone(),
        }
    };
    let user = lookup_user(state, &redeemed.user_id, tenant, segment, app)?;
    Ok(issue_response(state, app, &user, redeemed, now))
}

fn redeem_refresh(
    state: &Sandbox,
    tenant: &TenantSelector,
    segment: &str,
    app: &RegisteredApp,
    p: &Params,
    requested: &ScopeSet,
) -> Result<Value, OAuthError> {
    let now = state.now();
    let rt = p
        .non_empty("refresh_token")
        .ok_or_else(|| OAuthError::missing("refresh_token"))?;
    let (resource, names) = target_resource(requested)?;
    let check = |entra: &EntraState| -> Result<RefreshGrant, OAuthError> {
        let g = entra.refresh_tokens.get(rt).ok_or_else(|| {
            invalid_grant(
                9_002_313,
                "Invalid request. Request is malformed or invalid.",
            )
        })?;
        if g.client_id != app.client_id {
            return Err(invalid_grant(
                70_000,
                "Provided grant is invalid or malformed.",
            ));
        }
        if g.revoked {
            return Err(invalid_grant(
                50_173,
                format!(
                    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                    g.issued_at.format("%Y-%m-%dT%H:%M:%S%.6f0Z"),
                    now.format("%Y-%m-%dT%H:%M:%S%.6f0Z")
                ),
            ));
        }
        if entra.strict_rotation && g.used {
            return Err(invalid_grant(
                70_000,
                "The provided value for the input parameter 'refresh_token' is not valid: it was already redeemed and replaced by a newer refresh token. (Sandbox policy strict_rotation; Entra itself keeps a used refresh token valid.)",
            ));
        }
        if now - g.last_used > Duration::days(REFRESH_TOKEN_INACTIVITY_DAYS) {
            return Err(invalid_grant(
                700_082,
                format!(
                    "The refresh token has expired due to inactivity. The token was issued on {} and was inactive for {REFRESH_TOKEN_INACTIVITY_DAYS}.00:00:00.",
                    g.issued_at.format("%Y-%m-%dT%H:%M:%S%.6f0Z")
                ),
            ));
        }
        Ok(g.clone())
    };
    let grant = check(&state.entra())?;
    let user = lookup_user(state, &grant.user_id, tenant, segment, app)?;
    let granted = scopes::grant(
        &resource,
        &names,
        &grant.consented,
        &app.client_id,
        &app.display_name,
    )?;
    {
        // Re-check under the lock that marks the token used, so two concurrent redemptions of one
        // refresh token cannot both succeed under strict rotation.
        let mut entra = state.entra();
        check(&entra)?;
        if let Some(g) = entra.refresh_tokens.get_mut(rt) {
            g.used = true;
            g.last_used = now;
        }
    }
    let redeemed = Redeemed {
        user_id: grant.user_id.clone(),
        consented: grant.consented.clone(),
        resource,
        names: granted,
        echo_names: names,
        want_id_token: requested.openid,
        want_refresh_token: true,
        nonce: None,
        oidc: oidc_union(requested, requested),
    };
    Ok(issue_response(state, app, &user, redeemed, now))
}

/// The user behind a grant, who must still exist and be admitted by the tenant segment.
fn lookup_user(
    state: &Sandbox,
    user_id: &str,
    tenant: &TenantSelector,
    segment: &str,
    app: &RegisteredApp,
) -> Result<UserInfo, OAuthError> {
    let world = state.world();
    let user = world.user(user_id).ok_or_else(|| {
        invalid_grant(
            50_034,
            format!("The user account {user_id} does not exist in the '{segment}' directory. To sign into this application, the account must be added to the directory."),
        )
    })?;
    if !tenant.admits(user) {
        let idp = match user.kind {
            AccountKind::Personal => "live.com".to_string(),
            AccountKind::Work => format!("https://sts.windows.net/{}/", user.tenant_id),
        };
        return Err(invalid_grant(
            50_020,
            format!(
                "User account '{}' from identity provider '{idp}' does not exist in tenant '{segment}' and cannot access the application '{}'({}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.",
                user.user_principal_name, app.client_id, app.display_name
            ),
        ));
    }
    Ok(UserInfo::from_user(user))
}

/// Build the token response (and record the refresh token).
fn issue_response(
    state: &Sandbox,
    app: &RegisteredApp,
    user: &UserInfo,
    r: Redeemed,
    now: DateTime<Utc>,
) -> Value {
    let mut echo: Vec<String> = r
        .oidc
        .oidc_response_names()
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let echo_scopes = if r.resource == GRAPH_RESOURCE {
        &r.names
    } else {
        &r.echo_names
    };
    echo.extend(echo_scopes.iter().map(|n| format!("{}/{n}", r.resource)));
    let scp: Vec<String> = r
        .names
        .iter()
        .filter(|n| *n != ".default")
        .cloned()
        .collect();

    let mut entra = state.entra();
    let lifetime = entra.access_token_lifetime_seconds.max(1);
    let access_token = issue_access_token(
        &mut entra,
        user,
        &app.client_id,
        &app.display_name,
        &r.resource,
        &scp,
        now,
        now + Duration::seconds(lifetime),
    );
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(echo.join(" ")));
    body.insert("expires_in".into(), json!(lifetime));
    body.insert("ext_expires_in".into(), json!(lifetime));
    body.insert("access_token".into(), json!(access_token));
    if r.want_refresh_token {
        let rt = format!("1.AQ{}", jwt::random_b64(192));
        let mut consented = r.consented.clone();
        for n in &r.names {
            let full = format!("{}/{n}", r.resource);
            if !consented.iter().any(|c| c.eq_ignore_ascii_case(&full)) {
                consented.push(full);
            }
        }
        entra.refresh_tokens.insert(
            rt.clone(),
            RefreshGrant {
                client_id: app.client_id.clone(),
                user_id: user.id.clone(),
                consented,
                last_used: now,
                issued_at: now,
                used: false,
                revoked: false,
            },
        );
        body.insert("refresh_token".into(), json!(rt));
    }
    if r.want_id_token {
        let id_token = issue_id_token(
            &entra,
            &state.base_url,
            user,
            &app.client_id,
            r.nonce.as_deref(),
            &r.oidc,
            now,
        );
        body.insert("id_token".into(), json!(id_token));
    }
    Value::Object(body)
}

/// A stable pairwise `sub` for (app, user), as Entra's are.
fn pairwise_sub(client_id: &str, user_id: &str) -> String {
    let h = jwt::sha256(format!("sub|{client_id}|{user_id}").as_bytes());
    jwt::b64url(&h).chars().take(43).collect()
}

/// Mint a v1.0 access token (Graph's format) and remember its `uti` for revocation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_access_token(
    entra: &mut EntraState,
    user: &UserInfo,
    client_id: &str,
    app_name: &str,
    audience: &str,
    scp: &[String],
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    let uti = jwt::random_b64(16);
    let mut c = Map::new();
    c.insert("aud".into(), json!(audience));
    c.insert(
        "iss".into(),
        json!(format!("https://sts.windows.net/{}/", user.tenant_id)),
    );
    c.insert("iat".into(), json!(issued_at.timestamp()));
    c.insert("nbf".into(), json!(issued_at.timestamp()));
    c.insert("exp".into(), json!(expires_at.timestamp()));
    c.insert("acr".into(), json!("1"));
    c.insert("amr".into(), json!(["pwd"]));
    c.insert("app_displayname".into(), json!(app_name));
    c.insert("appid".into(), json!(client_id));
    c.insert("appidacr".into(), json!("1"));
    if user.kind == AccountKind::Personal {
        c.insert("idp".into(), json!("live.com"));
    }
    c.insert("idtyp".into(), json!("user"));
    c.insert("name".into(), json!(user.display_name));
    c.insert("oid".into(), json!(user.id));
    c.insert("scp".into(), json!(scp.join(" ")));
    c.insert("sub".into(), json!(pairwise_sub(client_id, &user.id)));
    c.insert("tid".into(), json!(user.tenant_id));
    match user.kind {
        AccountKind::Work => {
            c.insert("unique_name".into(), json!(user.upn));
            c.insert("upn".into(), json!(user.upn));
        }
        AccountKind::Personal => {
            c.insert(
                "unique_name".into(),
                json!(format!("live.com#{}", user.upn)),
            );
        }
    }
    c.insert("uti".into(), json!(uti));
    c.insert("ver".into(), json!("1.0"));
    let claims = Value::Object(c);
    entra.issued_access.insert(uti, user.id.clone());
    if user.kind == AccountKind::Personal && entra.opaque_personal_access_tokens {
        let token = format!("EwB{}", jwt::random_b64(240));
        entra.opaque_access.insert(token.clone(), claims);
        return token;
    }
    jwt::encode(&entra.signing_key.0, &claims)
}

/// Mint a v2.0 id_token: `aud` = client id, `iss` = `{base_url}/{tid}/v2.0`.
fn issue_id_token(
    entra: &EntraState,
    base_url: &str,
    user: &UserInfo,
    client_id: &str,
    nonce: Option<&str>,
    requested: &ScopeSet,
    now: DateTime<Utc>,
) -> String {
    let mut c = Map::new();
    c.insert("aud".into(), json!(client_id));
    c.insert(
        "iss".into(),
        json!(format!(
            "{}/{}/v2.0",
            base_url.trim_end_matches('/'),
            user.tenant_id
        )),
    );
    c.insert("iat".into(), json!(now.timestamp()));
    c.insert("nbf".into(), json!(now.timestamp()));
    c.insert(
        "exp".into(),
        json!((now + Duration::seconds(ID_TOKEN_LIFETIME_SECS)).timestamp()),
    );
    if requested.email {
        if let Some(email) = &user.email {
            c.insert("email".into(), json!(email));
        }
    }
    if requested.profile {
        c.insert("name".into(), json!(user.display_name));
    }
    if let Some(n) = nonce {
        c.insert("nonce".into(), json!(n));
    }
    c.insert("oid".into(), json!(user.id));
    if requested.profile {
        c.insert("preferred_username".into(), json!(user.upn));
    }
    c.insert("sub".into(), json!(pairwise_sub(client_id, &user.id)));
    c.insert("tid".into(), json!(user.tenant_id));
    c.insert("uti".into(), json!(jwt::random_b64(16)));
    c.insert("ver".into(), json!("2.0"));
    jwt::encode(&entra.signing_key.0, &Value::Object(c))
}
