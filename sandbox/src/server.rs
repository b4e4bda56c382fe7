//! The sandbox's HTTP surface and shared state. Routes: Entra under `/{tenant}/…`, Graph under
//! `/v1.0/…`, test controls under `/_admin/…`.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use chrono::{DateTime, Utc};

use crate::{admin, entra, graph, schema::Schema, seed, store::World};

/// Process-wide sandbox state, shared by every handler.
#[derive(Debug)]
pub struct Sandbox {
    /// Base URL this process is reachable at, e.g. `http://127.0.0.1:8790` (issuer, nextLinks).
    pub base_url: String,
    /// Day the seed data is anchored to (seeded dates are relative to it).
    pub anchor: DateTime<Utc>,
    pub world: Mutex<World>,
    pub schema: Schema,
    pub entra: Mutex<entra::EntraState>,
    pub controls: admin::Controls,
}

pub type Shared = Arc<Sandbox>;

impl Sandbox {
    pub fn new(base_url: String, anchor: DateTime<Utc>) -> Self {
        Self {
            world: Mutex::new(seed::world(anchor)),
            schema: Schema::load(),
            entra: Mutex::new(entra::EntraState::default()),
            controls: admin::Controls::default(),
            base_url,
            anchor,
        }
    }

    /// The sandbox clock: real time plus the offset tests set through `/_admin/clock`, so token
    /// expiry can be tested without waiting.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.controls.clock_offset_seconds())
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn entra(&self) -> MutexGuard<'_, entra::EntraState> {
        self.entra
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Back to the seed: data, issued tokens, faults and the request log.
    pub fn reset(&self) {
        *self.world() = seed::world(self.anchor);
        *self.entra() = entra::EntraState::default();
        self.controls.reset();
    }
}

/// The router for a sandbox.
pub fn app(state: Shared) -> Router {
    Router::new()
        .merge(entra::routes())
        .merge(graph::routes())
        .merge(admin::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin::record_and_inject,
        ))
        .with_state(state)
}

/// A random id in Graph's request-id style (a GUID).
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
