//! The `/health` report: who we are, which build, and whether each storage binding answered.
//! The shell performs the probes (they are I/O); this module decides what they mean.

use serde::Serialize;

/// The outcome of probing one binding.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    /// Round-trip time of the probe in milliseconds.
    pub ms: u64,
    /// Why the probe failed; absent when it passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Check {
    pub fn passed(ms: u64) -> Self {
        Self {
            ok: true,
            ms,
            error: None,
        }
    }

    pub fn failed(ms: u64, error: impl Into<String>) -> Self {
        Self {
            ok: false,
            ms,
            error: Some(error.into()),
        }
    }
}

/// What the build is: filled from compile-time constants by the shell.
#[derive(Debug, Clone, Serialize)]
pub struct BuildInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// Git revision (short hash, `-dirty` if the tree had changes) or `unknown`.
    pub revision: &'static str,
}

/// The JSON body of `/health`.
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    pub status: &'static str,
    pub name: &'static str,
    pub version: &'static str,
    pub revision: &'static str,
    pub checks: Checks,
}

/// One entry per binding the worker depends on.
#[derive(Debug, Clone, Serialize)]
pub struct Checks {
    pub durable_object: Check,
    pub kv: Check,
}

impl HealthReport {
    /// Build the report; `status` is `ok` only if every check passed.
    pub fn new(build: &BuildInfo, checks: Checks) -> Self {
        let ok = checks.durable_object.ok && checks.kv.ok;
        Self {
            status: if ok { "ok" } else { "degraded" },
            name: build.name,
            version: build.version,
            revision: build.revision,
            checks,
        }
    }

    /// 200 when healthy, 503 otherwise, so load balancers and scripts can use the status alone.
    pub fn http_status(&self) -> u16 {
        if self.status == "ok" {
            200
        } else {
            503
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILD: BuildInfo = BuildInfo {
        name: "m365-mcp",
        version: "0.1.0",
        revision: "abc1234",
    };

    #[test]
    fn all_checks_passing_is_ok_and_200() {
        let r = HealthReport::new(
            &BUILD,
            Checks {
                durable_object: Check::passed(3),
                kv: Check::passed(1),
            },
        );
        assert_eq!(r.status, "ok");
        assert_eq!(r.http_status(), 200);
        let v = serde_json::to_value(&r).expect("serializable");
        assert_eq!(v["revision"], "abc1234");
        assert!(v["checks"]["kv"].get("error").is_none());
    }

    #[test]
    fn one_failing_check_is_degraded_and_503() {
        let r = HealthReport::new(
            &BUILD,
            Checks {
                durable_object: Check::passed(3),
                kv: Check::failed(2, "binding KV missing"),
            },
        );
        assert_eq!(r.status, "degraded");
        assert_eq!(r.http_status(), 503);
        let v = serde_json::to_value(&r).expect("serializable");
        assert_eq!(v["checks"]["kv"]["error"], "binding KV missing");
    }
}
