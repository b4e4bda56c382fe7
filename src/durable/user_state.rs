//! `UserState`: one instance per Microsoft user (and a `health-probe` instance). It will hold
//! the user's encrypted Microsoft token vault, OAuth grants, remembered consents and the drafts
//! this server created, because those need strong consistency that KV does not give.

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

#[durable_object]
pub struct UserState {
    state: State,
    #[allow(dead_code)] // used by the vault and grants in the authorization issue
    env: Env,
}

impl DurableObject for UserState {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/internal/health" => self.health().await,
            _ => Response::error("no such durable object route", 404),
        }
    }
}

impl UserState {
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
}
