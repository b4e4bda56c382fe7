//! Durable Object storage of Rust values as JSON text. `Storage::put`/`get` with a Rust type go
//! through serde-wasm-bindgen, which compiles a second (de)serializer for every stored type; as
//! JSON text they reuse serde_json's, which the worker needs anyway (smaller bundle).

use serde::{de::DeserializeOwned, Serialize};
use worker::{Result, Storage};

pub(crate) async fn get<T: DeserializeOwned>(storage: &Storage, key: &str) -> Result<Option<T>> {
    match storage.get::<String>(key).await? {
        Some(text) => Ok(Some(serde_json::from_str(&text)?)),
        None => Ok(None),
    }
}

pub(crate) async fn put<T: Serialize>(storage: &Storage, key: &str, value: &T) -> Result<()> {
    storage.put(key, serde_json::to_string(value)?).await
}
