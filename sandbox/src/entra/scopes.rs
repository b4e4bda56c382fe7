//! The v2 `scope` parameter: OIDC scopes plus resource scopes (`Mail.Read`,
//! `https://graph.microsoft.com/Mail.Read`, `https://graph.microsoft.com/.default`,
//! `api://other/.default`), the `resource` cross-check (AADSTS9010010), the one-resource rule of
//! the token endpoint (AADSTS28000) and consent (AADSTS65001).

use super::{
    errors::OAuthError, CONSENTED_GRAPH_SCOPES, GRAPH_APP_ID, GRAPH_RESOURCE,
    OTHER_KNOWN_GRAPH_SCOPES,
};

/// A parsed `scope` parameter. Resource scopes keep the order they were first named in;
/// Graph scope names are canonicalised (`mail.read` → `Mail.Read`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ScopeSet {
    pub openid: bool,
    pub profile: bool,
    pub email: bool,
    pub offline_access: bool,
    /// Resource URI → scope names under it (`.default` kept as a name).
    pub resources: Vec<(String, Vec<String>)>,
    /// The parameter as sent (for error messages).
    pub raw: String,
}

impl ScopeSet {
    /// Every resource scope as a full URI (`https://graph.microsoft.com/Mail.Read`), with Graph's
    /// `.default` expanded to the consented list.
    pub(crate) fn full_uris(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (resource, names) in &self.resources {
            for n in expand(resource, names) {
                out.push(format!("{resource}/{n}"));
            }
        }
        out
    }

    /// The single resource the token endpoint issues for, or AADSTS28000 when several are named.
    pub(crate) fn single_resource(&self) -> Result<Option<(String, Vec<String>)>, OAuthError> {
        match self.resources.len() {
            0 => Ok(None),
            1 => Ok(self.resources.first().cloned()),
            _ => Err(OAuthError::new(
                "invalid_request",
                28_000,
                format!(
                    "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {} is not valid.",
                    self.raw
                ),
            )),
        }
    }

    /// The OIDC part of the `scope` in a token response, in the order Entra writes it.
    pub(crate) fn oidc_response_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.profile {
            v.push("profile");
        }
        if self.openid {
            v.push("openid");
        }
        if self.email {
            v.push("email");
        }
        v
    }
}

/// Graph's `.default` → the consented list; other names as given (minus another resource's
/// `.default`, which carries no named scope).
pub(crate) fn expand(resource: &str, names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if n == ".default" {
            if resource == GRAPH_RESOURCE {
                for s in CONSENTED_GRAPH_SCOPES {
                    push_unique(&mut out, s);
                }
            }
        } else {
            push_unique(&mut out, n);
        }
    }
    out
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x.eq_ignore_ascii_case(s)) {
        v.push(s.to_string());
    }
}

/// `https://graph.microsoft.com` and Graph's app id both mean Graph; other resources verbatim.
fn normalize_resource(r: &str) -> String {
    let trimmed = r.trim_end_matches('/');
    if trimmed.eq_ignore_ascii_case(GRAPH_RESOURCE) || trimmed.eq_ignore_ascii_case(GRAPH_APP_ID) {
        GRAPH_RESOURCE.to_string()
    } else {
        r.to_string()
    }
}

fn invalid_scope(scope: &str) -> OAuthError {
    OAuthError::new(
        "invalid_scope",
        70_011,
        format!("The provided value for the input parameter 'scope' isn't valid. The scope {scope} isn't valid."),
    )
}

/// Split one scope into (resource, name). Bare names belong to Graph.
fn split_resource_scope(s: &str) -> Option<(String, String)> {
    if let Some(scheme_end) = s.find("://") {
        let after = &s[scheme_end + 3..];
        let host_end = after.find('/')?;
        let path = &after[host_end..];
        let last = path.rfind('/')?;
        let resource = format!("{}{}", &s[..scheme_end + 3], &after[..host_end + last]);
        let name = &path[last + 1..];
        if name.is_empty() {
            return None;
        }
        Some((resource, name.to_string()))
    } else if let Some(idx) = s.rfind('/') {
        let (resource, name) = (&s[..idx], &s[idx + 1..]);
        if resource.is_empty() || name.is_empty() {
            return None;
        }
        Some((resource.to_string(), name.to_string()))
    } else {
        Some((GRAPH_RESOURCE.to_string(), s.to_string()))
    }
}

/// Canonical spelling of a Graph delegated permission, if it exists.
pub(crate) fn canonical_graph_scope(name: &str) -> Option<&'static str> {
    CONSENTED_GRAPH_SCOPES
        .iter()
        .chain(OTHER_KNOWN_GRAPH_SCOPES.iter())
        .find(|s| s.eq_ignore_ascii_case(name))
        .copied()
}

/// Parse a `scope` parameter. `app_name` is used in AADSTS650053 for an unknown Graph scope.
pub(crate) fn parse(raw: &str, app_name: &str) -> Result<ScopeSet, OAuthError> {
    let mut set = ScopeSet {
        raw: raw.trim().to_string(),
        ..ScopeSet::default()
    };
    for s in raw.split_whitespace() {
        match s.to_ascii_lowercase().as_str() {
            "openid" => set.openid = true,
            "profile" => set.profile = true,
            "email" => set.email = true,
            "offline_access" => set.offline_access = true,
            _ => {
                let (resource, name) = split_resource_scope(s).ok_or_else(|| invalid_scope(s))?;
                let resource = normalize_resource(&resource);
                let name = if name.eq_ignore_ascii_case(".default") {
                    if !s.contains('/') {
                        return Err(invalid_scope(s));
                    }
                    ".default".to_string()
                } else if resource == GRAPH_RESOURCE {
                    canonical_graph_scope(&name)
                        .ok_or_else(|| {
                            OAuthError::new(
                                "invalid_client",
                                650_053,
                                format!(
                                    "The application '{app_name}' asked for scope '{name}' that doesn't exist on the resource '{GRAPH_APP_ID}'. Contact the app vendor."
                                ),
                            )
                        })?
                        .to_string()
                } else {
                    name
                };
                match set.resources.iter_mut().find(|(r, _)| *r == resource) {
                    Some((_, names)) => push_unique(names, &name),
                    None => set.resources.push((resource, vec![name])),
                }
            }
        }
    }
    // `.default` cannot be combined with named scopes of the same resource.
    for (_, names) in &set.resources {
        if names.len() > 1 && names.iter().any(|n| n == ".default") {
            return Err(invalid_scope(&set.raw));
        }
    }
    Ok(set)
}

/// AADSTS9010010 unless `resource` (when sent) is exactly the resource every requested scope
/// belongs to. Entra accepts a `resource` equal to the App ID URI of the requested scopes and
/// rejects anything else, including a trailing-slash variant (anthropics/claude-code#52871).
pub(crate) fn check_resource_param(
    resource: Option<&str>,
    set: &ScopeSet,
) -> Result<(), OAuthError> {
    let Some(r) = resource.filter(|r| !r.is_empty()) else {
        return Ok(());
    };
    let matches = |res: &str| {
        if res == GRAPH_RESOURCE {
            r == GRAPH_RESOURCE || r.eq_ignore_ascii_case(GRAPH_APP_ID)
        } else {
            r == res
        }
    };
    if set.resources.is_empty() || !set.resources.iter().all(|(res, _)| matches(res)) {
        return Err(OAuthError::resource_mismatch());
    }
    Ok(())
}

/// The scope names to grant for `resource`, checking Graph scopes against consent: the app's
/// consented list plus whatever the user consented to in this flow (`consented`, full URIs).
pub(crate) fn grant(
    resource: &str,
    names: &[String],
    consented: &[String],
    client_id: &str,
    app_name: &str,
) -> Result<Vec<String>, OAuthError> {
    let granted = expand(resource, names);
    if resource == GRAPH_RESOURCE {
        for n in &granted {
            let full = format!("{GRAPH_RESOURCE}/{n}");
            let ok = CONSENTED_GRAPH_SCOPES
                .iter()
                .any(|c| c.eq_ignore_ascii_case(n))
                || consented.iter().any(|c| c.eq_ignore_ascii_case(&full));
            if !ok {
                return Err(OAuthError::new(
                    "invalid_grant",
                    65_001,
                    format!(
                        "The user or administrator has not consented to use the application with ID '{client_id}' named '{app_name}'. Send an interactive authorization request for this user and resource."
                    ),
                ));
            }
        }
    }
    Ok(granted)
}
