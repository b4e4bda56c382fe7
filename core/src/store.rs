//! Per-user state that tools keep between calls: the drafts this server created (the
//! `own-drafts` send policy), send records (a send retried after a timeout never sends twice),
//! daily send counters, `whats_new` delta links and the cached mailbox time zone.
//!
//! The shell keeps it in the user's Durable Object, where every operation below runs inside one
//! request with no other I/O, so input gates make each one atomic; [`MemoryStore`] is the same
//! semantics for tests. The operations are a value ([`StoreOp`]) applied by [`apply`], so the
//! Durable Object and the tests share one implementation of the semantics.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::graph::LocalBoxFuture;

/// Longest key accepted (keys embed Graph ids, which run to ~200 characters).
pub const MAX_KEY_LEN: usize = 512;

/// The store could not be reached or refused the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

/// One operation on the user's store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StoreOp {
    Get {
        key: String,
    },
    Put {
        key: String,
        value: Value,
    },
    Delete {
        key: String,
    },
    /// Stores `value` only when `key` is absent.
    PutIfAbsent {
        key: String,
        value: Value,
    },
    /// Adds one to the counter at `key` unless it already reached `limit`.
    Increment {
        key: String,
        limit: u64,
    },
}

impl StoreOp {
    pub fn key(&self) -> &str {
        match self {
            Self::Get { key }
            | Self::Put { key, .. }
            | Self::Delete { key }
            | Self::PutIfAbsent { key, .. }
            | Self::Increment { key, .. } => key,
        }
    }
}

/// What an operation answers: `Get` → the value or null; `PutIfAbsent` → null when stored, else
/// the value already there; `Increment` → the new count, or null when the limit was reached;
/// `Put` and `Delete` → null.
pub type StoreReply = Value;

/// Where [`apply`] reads and writes.
pub trait StoreBackend {
    fn read(&mut self, key: &str) -> Option<Value>;
    fn write(&mut self, key: &str, value: Option<Value>);
}

/// Runs `op` against `backend`.
pub fn apply(backend: &mut dyn StoreBackend, op: StoreOp) -> Result<StoreReply, StoreError> {
    if op.key().is_empty() || op.key().len() > MAX_KEY_LEN {
        return Err(StoreError("invalid key".into()));
    }
    Ok(match op {
        StoreOp::Get { key } => backend.read(&key).unwrap_or(Value::Null),
        StoreOp::Put { key, value } => {
            backend.write(&key, Some(value));
            Value::Null
        }
        StoreOp::Delete { key } => {
            backend.write(&key, None);
            Value::Null
        }
        StoreOp::PutIfAbsent { key, value } => match backend.read(&key) {
            Some(existing) => existing,
            None => {
                backend.write(&key, Some(value));
                Value::Null
            }
        },
        StoreOp::Increment { key, limit } => {
            let count = backend.read(&key).and_then(|v| v.as_u64()).unwrap_or(0);
            if count >= limit {
                Value::Null
            } else {
                backend.write(&key, Some(Value::from(count + 1)));
                Value::from(count + 1)
            }
        }
    })
}

/// The user's store as tools see it.
pub trait UserStore {
    fn run(&self, op: StoreOp) -> LocalBoxFuture<'_, Result<StoreReply, StoreError>>;
}

impl dyn UserStore + '_ {
    pub async fn get(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let v = self.run(StoreOp::Get { key: key.into() }).await?;
        Ok((!v.is_null()).then_some(v))
    }

    pub async fn put(&self, key: &str, value: Value) -> Result<(), StoreError> {
        self.run(StoreOp::Put {
            key: key.into(),
            value,
        })
        .await
        .map(drop)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.run(StoreOp::Delete { key: key.into() })
            .await
            .map(drop)
    }

    /// `None` when `value` was stored; otherwise what was already there.
    pub async fn put_if_absent(
        &self,
        key: &str,
        value: Value,
    ) -> Result<Option<Value>, StoreError> {
        let v = self
            .run(StoreOp::PutIfAbsent {
                key: key.into(),
                value,
            })
            .await?;
        Ok((!v.is_null()).then_some(v))
    }

    /// The new count, or `None` when `limit` was already reached.
    pub async fn increment(&self, key: &str, limit: u64) -> Result<Option<u64>, StoreError> {
        let v = self
            .run(StoreOp::Increment {
                key: key.into(),
                limit,
            })
            .await?;
        Ok(v.as_u64())
    }
}

/// An in-memory store: tests, and requests served without a user object.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: RefCell<BTreeMap<String, Value>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every key, for assertions.
    pub fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }
}

struct MapBackend<'a>(&'a mut BTreeMap<String, Value>);

impl StoreBackend for MapBackend<'_> {
    fn read(&mut self, key: &str) -> Option<Value> {
        self.0.get(key).cloned()
    }
    fn write(&mut self, key: &str, value: Option<Value>) {
        match value {
            Some(v) => self.0.insert(key.to_owned(), v),
            None => self.0.remove(key),
        };
    }
}

impl UserStore for MemoryStore {
    fn run(&self, op: StoreOp) -> LocalBoxFuture<'_, Result<StoreReply, StoreError>> {
        let mut map = self.map.borrow_mut();
        let out = apply(&mut MapBackend(&mut map), op);
        Box::pin(std::future::ready(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        futures_lite_block(f)
    }

    // A minimal executor: every future here is ready at once.
    fn futures_lite_block<T>(f: impl std::future::Future<Output = T>) -> T {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn operations() {
        let m = MemoryStore::new();
        let s: &dyn UserStore = &m;
        assert_eq!(block(s.get("a")), Ok(None));
        block(s.put("a", json!(1))).unwrap();
        assert_eq!(block(s.get("a")), Ok(Some(json!(1))));
        assert_eq!(block(s.put_if_absent("a", json!(2))), Ok(Some(json!(1))));
        assert_eq!(block(s.put_if_absent("b", json!(2))), Ok(None));
        assert_eq!(block(s.increment("c", 2)), Ok(Some(1)));
        assert_eq!(block(s.increment("c", 2)), Ok(Some(2)));
        assert_eq!(block(s.increment("c", 2)), Ok(None));
        block(s.delete("a")).unwrap();
        assert_eq!(block(s.get("a")), Ok(None));
        assert!(block(s.get("")).is_err());
    }

    #[test]
    fn ops_round_trip_as_json() {
        let op = StoreOp::Increment {
            key: "k".into(),
            limit: 3,
        };
        let text = serde_json::to_string(&op).unwrap();
        assert_eq!(text, r#"{"op":"increment","key":"k","limit":3}"#);
        assert_eq!(serde_json::from_str::<StoreOp>(&text).unwrap(), op);
    }
}
