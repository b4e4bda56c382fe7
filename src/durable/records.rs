//! `Records`: small, strongly consistent, expiring records, one per object name. Used where KV's
//! eventual consistency would be wrong: pending authorization requests (single-use, ten minutes)
//! and the authoritative copy of client registrations (read right after they are written).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::{json_store, rpc::json};

/// A stored record: the value and when it stops existing (Unix milliseconds; 0 = never).
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    value: Value,
    expires_at_ms: u64,
}

/// `POST /put` body.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Put {
    pub value: Value,
    /// Lifetime in seconds; 0 keeps the record until it is taken or replaced.
    pub ttl_seconds: u64,
}

#[durable_object]
pub struct Records {
    state: State,
    #[allow(dead_code)]
    env: Env,
}

impl DurableObject for Records {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        super::contain_error("Records", self.route(req).await)
    }

    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete_all().await?;
        Response::ok("deleted")
    }
}

impl Records {
    async fn route(&self, mut req: Request) -> Result<Response> {
        let storage = self.state.storage();
        let now = worker::Date::now().as_millis();
        match req.path().as_str() {
            "/put" => {
                let put: Put = req.json().await?;
                let expires_at_ms = if put.ttl_seconds == 0 {
                    0
                } else {
                    now + put.ttl_seconds * 1000
                };
                let record = Stored {
                    value: put.value,
                    expires_at_ms,
                };
                json_store::put(&storage, "record", &record).await?;
                if expires_at_ms > 0 {
                    // The alarm deletes abandoned records (an authorization nobody finished).
                    storage.set_alarm(expires_at_ms as i64).await?;
                }
                json(200, &serde_json::json!({}))
            }
            path @ ("/get" | "/take") => {
                let stored: Option<Stored> = json_store::get(&storage, "record").await?;
                match stored {
                    Some(s) if s.expires_at_ms == 0 || s.expires_at_ms > now => {
                        if path == "/take" {
                            storage.delete_all().await?;
                        }
                        json(200, &s.value)
                    }
                    Some(_) => {
                        storage.delete_all().await?;
                        json(404, &serde_json::json!({"error": "expired"}))
                    }
                    None => json(404, &serde_json::json!({"error": "not_found"})),
                }
            }
            _ => Response::error("no such route", 404),
        }
    }
}
