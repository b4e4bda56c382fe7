//! `UserState`: one instance per Microsoft user, named from the user's tenant and object id
//! (`m365_core::oauth::tokens::user_key`). It holds what needs strong consistency: the user's
//! OAuth grants (codes, refresh-token families, access-token hashes), the sealed Microsoft token
//! vault, and the clients the user approved. A `health-probe` instance serves `/health`.

use m365_core::oauth::{
    grant::{CodeRedemption, CodeRequest, UserGrants},
    tokens::{self, UserKey},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::{json_store, rpc::json};
use crate::oauth::{
    callback::{send, IssuedCode, SignIn},
    resource::{AuthenticateCall, Caller, GraphToken, GraphTokenCall},
    token::{GrantCall, RevokeCall},
    Settings,
};
use m365_core::{
    entra::{self, EntraError},
    vault::{MicrosoftTokens, RefreshPlan, StoreNonces},
};

/// The object name for a user.
pub(crate) fn name(user: &UserKey) -> String {
    format!("user:{}", user.encode())
}

const GRANTS: &str = "grants";
const VAULT: &str = "vault";
const CONSENTS: &str = "consents";

/// A client the user approved, and for which scopes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Consent {
    scopes: Vec<String>,
    approved_at: u64,
}

#[derive(Deserialize)]
struct ConsentCheck {
    client_id: String,
    scopes: Vec<String>,
}

#[durable_object]
pub struct UserState {
    state: State,
    env: Env,
    /// Every Graph request of this user passes here: at most 4 in flight per mailbox.
    limiter: m365_core::graph::policy::ConcurrencyLimiter,
}

fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    let _ = getrandom::fill(&mut b);
    b
}

impl DurableObject for UserState {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            limiter: m365_core::graph::policy::ConcurrencyLimiter::new(
                m365_core::graph::policy::MAILBOX_CONCURRENCY,
            ),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        super::contain_error("UserState", self.route(req).await)
    }
}

impl UserState {
    async fn route(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/internal/health" => self.health().await,
            "/internal/sign-in" => self.sign_in(req.json().await?).await,
            "/internal/token" => self.token(req.json().await?).await,
            "/internal/revoke" => self.revoke(req.json().await?).await,
            "/internal/consent-check" => self.consent_check(req.json().await?).await,
            "/internal/authenticate" => self.authenticate(req.json().await?).await,
            "/internal/graph-token" => self.graph_token(req.json().await?).await,
            "/internal/graph" => self.graph(req.json().await?).await,
            "/internal/store" => self.store(req.json().await?).await,
            _ => Response::error("no such durable object route", 404),
        }
    }

    /// Write then read back a value, proving storage answers (not merely that the class exists).
    async fn health(&self) -> Result<Response> {
        let storage = self.state.storage();
        let stamp = worker::Date::now().as_millis();
        storage.put("health:last", stamp).await?;
        let read: Option<u64> = storage.get("health:last").await?;
        if read == Some(stamp) {
            Response::ok("ok")
        } else {
            Response::ok(format!("read back {read:?}, wrote {stamp}"))
        }
    }

    async fn grants(&self) -> Result<UserGrants> {
        Ok(json_store::get::<UserGrants>(&self.state.storage(), GRANTS)
            .await?
            .unwrap_or_default())
    }

    async fn save_grants(&self, mut grants: UserGrants, now: u64) -> Result<()> {
        grants.prune(now);
        json_store::put(&self.state.storage(), GRANTS, &grants).await
    }

    /// Store the sealed Microsoft tokens, remember the consent, issue our authorization code.
    async fn sign_in(&self, s: SignIn) -> Result<Response> {
        let now = now_secs();
        let user = tokens::user_key(&s.vault.tenant_id, &s.vault.object_id);
        let storage = self.state.storage();
        json_store::put(&storage, VAULT, &s.vault).await?;
        let mut consents: BTreeMap<String, Consent> = json_store::get(&storage, CONSENTS)
            .await?
            .unwrap_or_default();
        let entry = consents.entry(s.client_id.clone()).or_default();
        for scope in &s.scopes {
            if !entry.scopes.contains(scope) {
                entry.scopes.push(scope.clone());
            }
        }
        entry.approved_at = now;
        json_store::put(&storage, CONSENTS, &consents).await?;
        let mut grants = self.grants().await?;
        let code = grants.issue_code(
            &user,
            &CodeRequest {
                client_id: &s.client_id,
                redirect_uri: &s.redirect_uri,
                code_challenge: &s.code_challenge,
                resource: &s.resource,
                scopes: &s.scopes,
            },
            now,
            random32(),
        );
        self.save_grants(grants, now).await?;
        json(
            200,
            &IssuedCode {
                code: code.expose().to_string(),
            },
        )
    }

    async fn token(&self, call: GrantCall) -> Result<Response> {
        let now = now_secs();
        let mut grants = self.grants().await?;
        let mut rng = random32;
        let outcome = match &call {
            GrantCall::AuthorizationCode {
                code,
                client_id,
                redirect_uri,
                code_verifier,
                resource,
                issue_refresh,
            } => grants.redeem_code(
                &CodeRedemption {
                    code,
                    client_id,
                    redirect_uri: Some(redirect_uri),
                    code_verifier,
                    resource: resource.as_deref(),
                    issue_refresh: *issue_refresh,
                },
                now,
                &mut rng,
            ),
            GrantCall::RefreshToken {
                refresh_token,
                client_id,
                resource,
                scope,
            } => grants.refresh(
                refresh_token,
                client_id,
                resource.as_deref(),
                scope.as_deref(),
                now,
                &mut rng,
            ),
        };
        // Failures change state too (a reused code or a replayed refresh token revokes the grant).
        self.save_grants(grants, now).await?;
        match outcome {
            Ok(set) => Response::ok(set.to_json()).map(|r| r.with_status(200)),
            Err(e) => Ok(Response::ok(e.to_json())?.with_status(e.http_status())),
        }
    }

    async fn revoke(&self, call: RevokeCall) -> Result<Response> {
        let now = now_secs();
        let mut grants = self.grants().await?;
        grants.revoke(&call.token, &call.client_id);
        self.save_grants(grants, now).await?;
        json(200, &serde_json::json!({}))
    }

    /// Whether the user approved this client for all of these scopes before.
    async fn consent_check(&self, c: ConsentCheck) -> Result<Response> {
        let consents: BTreeMap<String, Consent> = json_store::get(&self.state.storage(), CONSENTS)
            .await?
            .unwrap_or_default();
        let vault_ok =
            json_store::get::<m365_core::vault::MicrosoftTokens>(&self.state.storage(), VAULT)
                .await?
                .is_some_and(|v| !v.needs_reconsent);
        let approved = vault_ok
            && consents
                .get(&c.client_id)
                .is_some_and(|k| c.scopes.iter().all(|s| k.scopes.contains(s)));
        json(200, &approved)
    }

    /// Check one of our access tokens for `resource` (RFC 8707 audience).
    async fn authenticate(&self, c: AuthenticateCall) -> Result<Response> {
        let grants = self.grants().await?;
        match grants.authenticate(&c.access_token, &c.resource, now_secs()) {
            Ok(ctx) => json(
                200,
                &Caller {
                    client_id: ctx.client_id,
                    scopes: ctx.scopes,
                    expires_at: ctx.expires_at,
                },
            ),
            Err(e) => Ok(Response::ok(e.to_json())?.with_status(e.http_status())),
        }
    }

    /// The user's Microsoft access token, refreshed if it is about to expire. The whole
    /// decision runs under `blockConcurrencyWhile`: concurrent tool calls wait for the one
    /// refresh instead of each sending their own (Entra rotates refresh tokens, so parallel
    /// refreshes would race to store them).
    async fn graph_token(&self, c: GraphTokenCall) -> Result<Response> {
        let (status, body) = self.fresh_token(&c.origin).await?;
        json(status, &body)
    }

    /// One Graph request for a tool: the token is added here (only for URLs under the Graph
    /// base, so an attachment upload URL never sees it), under this user's concurrency limit.
    async fn graph(&self, c: crate::tool_runtime::GraphCall) -> Result<Response> {
        let request = match c.request.into_http() {
            Ok(r) => r,
            Err(e) => return json(400, &serde_json::json!({ "error": e })),
        };
        let base = c.graph_base_url.trim_end_matches('/');
        let to_graph = request.url.starts_with(&format!("{base}/"));
        let token = if to_graph {
            let (status, body) = self.fresh_token(&c.origin).await?;
            if status != 200 {
                return json(status, &body);
            }
            body.get("access_token")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        } else {
            None
        };
        let permits = if request.url.ends_with("/$batch") {
            4
        } else {
            1
        };
        let _permit = self.limiter.acquire_many(permits).await;
        match crate::graph_client::send(token.as_deref(), request).await {
            Ok(resp) => json(200, &crate::tool_runtime::WireResponse::from_http(&resp)),
            Err(e) => json(502, &serde_json::json!({ "error": e.message })),
        }
    }

    /// One operation on the user's tool store (`m365_core::store`). Runs within this request
    /// without other I/O between read and write, so it is atomic.
    async fn store(&self, op: m365_core::store::StoreOp) -> Result<Response> {
        struct Backend(std::collections::BTreeMap<String, Option<serde_json::Value>>);
        impl m365_core::store::StoreBackend for Backend {
            fn read(&mut self, key: &str) -> Option<serde_json::Value> {
                self.0.get(key).cloned().flatten()
            }
            fn write(&mut self, key: &str, value: Option<serde_json::Value>) {
                self.0.insert(key.to_owned(), value);
            }
        }
        let key = format!("tool:{}", op.key());
        let storage = self.state.storage();
        let current = json_store::get::<serde_json::Value>(&storage, &key).await?;
        let mut backend = Backend(std::collections::BTreeMap::new());
        backend.0.insert(op.key().to_owned(), current);
        let before = backend.0.clone();
        let reply = match m365_core::store::apply(&mut backend, op) {
            Ok(r) => r,
            Err(e) => return json(400, &serde_json::json!({ "error": e.0 })),
        };
        for (k, v) in backend.0 {
            if before.get(&k) == Some(&v) {
                continue;
            }
            let stored = format!("tool:{k}");
            match v {
                Some(v) => json_store::put(&storage, &stored, &v).await?,
                None => {
                    storage.delete(&stored).await?;
                }
            }
        }
        json(200, &reply)
    }

    /// The user's Microsoft access token as `(200, {"access_token"})`, or the status and body
    /// to answer instead.
    async fn fresh_token(&self, origin: &str) -> Result<(u16, serde_json::Value)> {
        let settings = match Settings::for_origin(&self.env, origin) {
            Ok(s) => s,
            Err(e) => {
                return Ok((
                    500,
                    serde_json::json!({"error": "server_error", "error_description": e}),
                ))
            }
        };
        let storage = self.state.storage();
        let work = async move {
            let now = now_secs();
            let Some(mut vault) = json_store::get::<MicrosoftTokens>(&storage, VAULT).await? else {
                return Ok((401, serde_json::json!({"error": "reconsent"})));
            };
            match vault.refresh_plan(now) {
                RefreshPlan::Reconsent => {
                    return Ok((401, serde_json::json!({"error": "reconsent"})))
                }
                RefreshPlan::UseCached => {
                    if let Ok(Some(t)) = vault.access_token(&settings.vault_key, now, 0) {
                        return Ok((
                            200,
                            serde_json::to_value(GraphToken {
                                access_token: t.secret().to_string(),
                            })?,
                        ));
                    }
                }
                RefreshPlan::Refresh => {}
            }
            let Ok(refresh) = vault.refresh_token(&settings.vault_key) else {
                vault.mark_needs_reconsent(now);
                json_store::put(&storage, VAULT, &vault).await?;
                return Ok((401, serde_json::json!({"error": "reconsent"})));
            };
            let parts = entra::token_request_for_refresh(&settings.entra, &refresh, &vault.scopes);
            let (status, body) = send(&parts).await?;
            match entra::parse_token_response(status, &body) {
                Ok(tokens) => {
                    let mut nonces = [[0u8; 12]; 2];
                    for n in &mut nonces {
                        let _ = getrandom::fill(n);
                    }
                    if vault
                        .apply_refresh(
                            &settings.vault_key,
                            &tokens,
                            now,
                            StoreNonces {
                                access: nonces[0],
                                refresh: nonces[1],
                            },
                        )
                        .is_err()
                    {
                        return Ok((500, serde_json::json!({"error": "server_error"})));
                    }
                    // Always store the rotated refresh token before anything else can fail.
                    json_store::put(&storage, VAULT, &vault).await?;
                    Ok((
                        200,
                        serde_json::to_value(GraphToken {
                            access_token: tokens.access_token.secret().to_string(),
                        })?,
                    ))
                }
                Err(e) if e.needs_reauthorization() => {
                    vault.mark_needs_reconsent(now);
                    json_store::put(&storage, VAULT, &vault).await?;
                    Ok((401, serde_json::json!({"error": "reconsent"})))
                }
                Err(EntraError::Transient { .. }) | Err(_) => Ok((
                    503,
                    serde_json::json!({"error": "temporarily_unavailable", "error_description": "Microsoft sign-in is temporarily unavailable."}),
                )),
            }
        };
        self.state.block_concurrency_while(work).await
    }
}
