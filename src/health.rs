//! Probes for `/health`: a round trip through the per-user Durable Object class (its storage
//! included) and a KV read. Failures are reported, never thrown, so `/health` always answers.

use m365_core::health::{Check, Checks, HealthReport};
use worker::Env;

/// Binding names, as declared in wrangler.toml.
pub(crate) const USER_STATE_BINDING: &str = "USER_STATE";
pub(crate) const CLIENTS_KV_BINDING: &str = "CLIENTS";

pub(crate) async fn report(env: &Env) -> HealthReport {
    let durable_object = timed(probe_durable_object(env)).await;
    let kv = timed(probe_kv(env)).await;
    HealthReport::new(&crate::BUILD, Checks { durable_object, kv })
}

async fn timed(probe: impl std::future::Future<Output = Result<(), String>>) -> Check {
    let start = worker::Date::now().as_millis();
    let outcome = probe.await;
    let ms = worker::Date::now().as_millis().saturating_sub(start);
    match outcome {
        Ok(()) => Check::passed(ms),
        Err(e) => Check::failed(ms, e),
    }
}

async fn probe_durable_object(env: &Env) -> Result<(), String> {
    let ns = env
        .durable_object(USER_STATE_BINDING)
        .map_err(|e| format!("binding {USER_STATE_BINDING}: {e}"))?;
    // A dedicated instance name that no user id can take (user ids are tenant.oid pairs).
    let stub = ns.get_by_name("health-probe").map_err(|e| e.to_string())?;
    let mut resp = stub
        .fetch_with_str("https://user-state/internal/health")
        .await
        .map_err(|e| e.to_string())?;
    if resp.status_code() != 200 {
        return Err(format!("durable object answered {}", resp.status_code()));
    }
    let body = resp.text().await.map_err(|e| e.to_string())?;
    if body != "ok" {
        return Err(format!("durable object storage check failed: {body}"));
    }
    Ok(())
}

async fn probe_kv(env: &Env) -> Result<(), String> {
    let kv = env
        .kv(CLIENTS_KV_BINDING)
        .map_err(|e| format!("binding {CLIENTS_KV_BINDING}: {e}"))?;
    // A read of a key that need not exist: it proves the namespace answers without writing,
    // since KV writes are rate-limited per key and billed.
    kv.get("health-probe")
        .text()
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
