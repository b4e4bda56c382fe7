//! Client registrations: dynamic ones (RFC 7591) are written to KV *and* to a `Records` Durable
//! Object. KV is the fast path; it is eventually consistent (a read right after a write at
//! another location can miss, and misses are cached), so a KV miss falls back to the Durable
//! Object, which is strongly consistent: a client that registers and at once authorizes never
//! sees `invalid_client`. Client ID metadata documents are fetched (size, time and address
//! limits), validated and cached in KV.

use futures_util::StreamExt as _;
use m365_core::oauth::registration::{self, CimdPolicy, ClientRecord};
use worker::{
    AbortController, AbortSignal, Env, Fetch, Method, Request, RequestInit, RequestRedirect, Result,
};

use crate::durable::rpc::{self, Reply};

const KV: &str = "CLIENTS";
const RECORDS: &str = "RECORDS";
/// Largest client ID metadata document read (CIMD draft: servers SHOULD limit; 5 KB).
const MAX_CIMD_BYTES: usize = 5 * 1024;
/// How long a CIMD fetch may take.
const CIMD_TIMEOUT_MS: u64 = 5_000;

fn key(client_id: &str) -> String {
    format!("client:{client_id}")
}

pub(crate) async fn store(env: &Env, record: &ClientRecord) -> Result<()> {
    let json = serde_json::to_value(record)?;
    // The Durable Object first: once it has the record, every later read finds it.
    let put = crate::durable::records::Put {
        value: json.clone(),
        ttl_seconds: 0,
    };
    match rpc::call::<_, serde_json::Value>(env, RECORDS, &key(&record.client_id), "/put", &put)
        .await?
    {
        Reply::Ok(_) => {}
        Reply::Status(s, t) => {
            return Err(worker::Error::RustError(format!("records put: {s} {t}")))
        }
    }
    env.kv(KV)?
        .put(&key(&record.client_id), json.to_string())?
        .execute()
        .await?;
    Ok(())
}

/// Why a client could not be loaded.
pub(crate) enum LoadError {
    Unknown,
    /// A metadata document that could not be fetched or is invalid; the message says why.
    Invalid(m365_core::oauth::error::OAuthError),
}

pub(crate) async fn load(
    env: &Env,
    client_id: &str,
    allow_loopback_cimd: bool,
) -> Result<std::result::Result<ClientRecord, LoadError>> {
    if registration::is_cimd_client_id(client_id) {
        return load_cimd(env, client_id, allow_loopback_cimd).await;
    }
    if let Some(text) = env.kv(KV)?.get(&key(client_id)).text().await? {
        if let Ok(r) = serde_json::from_str::<ClientRecord>(&text) {
            return Ok(Ok(r));
        }
    }
    match rpc::call::<_, serde_json::Value>(
        env,
        RECORDS,
        &key(client_id),
        "/get",
        &serde_json::json!({}),
    )
    .await?
    {
        Reply::Ok(v) => {
            Ok(serde_json::from_value::<ClientRecord>(v).map_err(|_| LoadError::Unknown))
        }
        Reply::Status(..) => Ok(Err(LoadError::Unknown)),
    }
}

async fn load_cimd(
    env: &Env,
    url: &str,
    allow_loopback: bool,
) -> Result<std::result::Result<ClientRecord, LoadError>> {
    let policy = CimdPolicy { allow_loopback };
    if let Err(e) = registration::check_cimd_url_with(url, policy) {
        return Ok(Err(LoadError::Invalid(e)));
    }
    let cache_key = format!("cimd:{url}");
    if let Some(text) = env.kv(KV)?.get(&cache_key).text().await? {
        if let Ok(r) = serde_json::from_str::<ClientRecord>(&text) {
            return Ok(Ok(r));
        }
    }
    let (body, cache_control) = match fetch_document(url).await {
        Ok(fetched) => fetched,
        Err(why) => {
            return Ok(Err(LoadError::Invalid(
                m365_core::oauth::error::OAuthError::invalid_client(format!(
                    "The client ID metadata document could not be used: {why}"
                )),
            )))
        }
    };
    let metadata = match registration::validate_cimd_document(url, &body) {
        Ok(m) => m,
        Err(e) => return Ok(Err(LoadError::Invalid(e))),
    };
    let record = ClientRecord {
        client_id: url.to_string(),
        metadata,
        client_secret_sha256: None,
        client_id_issued_at: super::now_secs(),
    };
    let ttl = registration::cache_ttl(cache_control.as_deref());
    env.kv(KV)?
        .put(&cache_key, serde_json::to_string(&record)?)?
        .expiration_ttl(ttl.max(60))
        .execute()
        .await?;
    Ok(Ok(record))
}

/// Fetch a metadata document: no redirects followed, only a 200 accepted, the body read up to
/// [`MAX_CIMD_BYTES`] and no further, and the whole exchange (headers *and* body) within
/// [`CIMD_TIMEOUT_MS`]. On timeout, an oversized body or an early return the request is aborted,
/// so a slow or endless document neither holds this request nor fills its memory. `Err` says why
/// the document could not be read, for the error page.
async fn fetch_document(url: &str) -> std::result::Result<(Vec<u8>, Option<String>), String> {
    use futures_util::future::{select, Either};
    let controller = AbortController::default();
    let signal = controller.signal();
    let work = Box::pin(fetch_and_read(url, &signal));
    let timer = Box::pin(worker::Delay::from(std::time::Duration::from_millis(
        CIMD_TIMEOUT_MS,
    )));
    let outcome = match select(work, timer).await {
        Either::Left((fetched, _)) => fetched,
        Either::Right(_) => Err(format!(
            "fetching it took longer than {} seconds",
            CIMD_TIMEOUT_MS / 1000
        )),
    };
    // Release the connection whatever happened (a no-op once the body was read to its end).
    controller.abort();
    outcome
}

async fn fetch_and_read(
    url: &str,
    signal: &AbortSignal,
) -> std::result::Result<(Vec<u8>, Option<String>), String> {
    let too_big = || format!("it is larger than {} KB", MAX_CIMD_BYTES / 1024);
    let mut init = RequestInit::new();
    // Redirects are not followed (CIMD: MUST NOT): a redirect could point at a private address.
    init.with_method(Method::Get)
        .with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(url, &init).map_err(|e| format!("invalid request ({e})"))?;
    req.headers()
        .set("accept", "application/json")
        .map_err(|e| format!("invalid request ({e})"))?;
    let mut resp = Fetch::Request(req)
        .send_with_signal(signal)
        .await
        .map_err(|e| format!("fetching it failed ({e})"))?;
    if resp.status_code() != 200 {
        return Err(format!("it answered HTTP {}", resp.status_code()));
    }
    let header = |name: &str| resp.headers().get(name).ok().flatten();
    let declared = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_CIMD_BYTES as u64) {
        return Err(too_big());
    }
    let cache_control = header("cache-control");
    let Ok(mut stream) = resp.stream() else {
        // No stream: an empty body (or one already in memory).
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("reading it failed ({e})"))?;
        return if body.len() > MAX_CIMD_BYTES {
            Err(too_big())
        } else {
            Ok((body, cache_control))
        };
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("reading it failed ({e})"))?;
        if body.len() + chunk.len() > MAX_CIMD_BYTES {
            // Dropping the stream cancels the rest of the body.
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, cache_control))
}
