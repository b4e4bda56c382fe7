//! What a deployment lets tools do (issue 5 §2): a preset, a send policy, a name filter and the
//! send limits. A tool the deployment does not allow is never registered ([`Deployment::allows`]
//! filters the registry), so it is absent from `tools/list` and its Microsoft permissions are
//! not requested at sign-in.
//!
//! Configuration comes from worker variables (see `wrangler.toml`):
//! `TOOL_PRESET` (`read` | `draft` | `full`, default `draft`), `SEND_POLICY` (`none` |
//! `own-drafts` | `direct`, default `own-drafts`), `TOOLS_INCLUDE` / `TOOLS_EXCLUDE`
//! (comma-separated tool names), `SEND_ALLOWED_DOMAINS` (comma-separated recipient domains),
//! `DAILY_SEND_CAP` (sends per user per UTC day), `PERMANENT_DELETE` (`true` lets
//! `delete_message` skip Deleted Items) and `ADMIN_CONSENTED` (`true` registers the tools whose
//! permissions only a tenant administrator can grant, see [`ADMIN_CONSENT_SCOPES`]).

/// Delegated permissions that need a tenant administrator's consent. A tool needing one is left
/// out unless the deployment says an administrator granted it: otherwise the sign-in would ask
/// every user for a permission they cannot grant, and fail for all tools.
pub const ADMIN_CONSENT_SCOPES: &[&str] = &["ChannelMessage.Read.All"];

/// What a tool can do to the user's data; decides which presets and send policies include it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads only.
    Read,
    /// Drafts and organises: changes the user's own data, sends nothing to anyone.
    Organize,
    /// Sends a draft this server created (`send_draft`).
    SendDraft,
    /// Sends without a reviewed draft (`send_email`, `reply`, Teams messages, …).
    SendDirect,
    /// Deletes (recoverably, or permanently when configured).
    Delete,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Organize => "organize",
            Self::SendDraft => "send-draft",
            Self::SendDirect => "send-direct",
            Self::Delete => "delete",
        }
    }
}

/// Which classes of tools a deployment offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// Read-only tools.
    Read,
    /// Adds drafting and organising.
    #[default]
    Draft,
    /// Adds sending (by the send policy) and deleting.
    Full,
}

/// How mail (and Teams messages) may be sent, within the `full` preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SendPolicy {
    None,
    /// Only `send_draft`, only for drafts this server created for this user.
    #[default]
    OwnDrafts,
    /// Adds `send_email`, `reply`, `reply_all`, `forward` and the Teams send tools.
    Direct,
}

impl Default for Deployment {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A deployment's tool configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub preset: Preset,
    pub send_policy: SendPolicy,
    /// When not empty, only these tools (within what the preset allows).
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// When not empty, every recipient of a send must be in one of these domains
    /// (subdomains included).
    pub allowed_domains: Vec<String>,
    /// Sends per user per UTC day.
    pub daily_send_cap: Option<u64>,
    /// `delete_message` may delete permanently.
    pub permanent_delete: bool,
    /// An administrator consented to [`ADMIN_CONSENT_SCOPES`] for the tenant(s) served.
    pub admin_consented: bool,
}

fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

impl Deployment {
    /// The defaults: `draft` preset, `own-drafts` policy, no filters or limits.
    pub const DEFAULT: Self = Self {
        preset: Preset::Draft,
        send_policy: SendPolicy::OwnDrafts,
        include: Vec::new(),
        exclude: Vec::new(),
        allowed_domains: Vec::new(),
        daily_send_cap: None,
        permanent_delete: false,
        admin_consented: false,
    };

    /// The configuration from variables (`var(name)` → value); an invalid value is an error
    /// naming the variable, never a silent default.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let preset = match get("TOOL_PRESET").as_deref() {
            None | Some("draft") => Preset::Draft,
            Some("read") => Preset::Read,
            Some("full") => Preset::Full,
            Some(other) => {
                return Err(format!(
                    "TOOL_PRESET must be read, draft or full, not {other:?}"
                ))
            }
        };
        let send_policy = match get("SEND_POLICY").as_deref() {
            None | Some("own-drafts") => SendPolicy::OwnDrafts,
            Some("none") => SendPolicy::None,
            Some("direct") => SendPolicy::Direct,
            Some(other) => {
                return Err(format!(
                    "SEND_POLICY must be none, own-drafts or direct, not {other:?}"
                ))
            }
        };
        let daily_send_cap = match get("DAILY_SEND_CAP") {
            None => None,
            Some(v) => Some(
                v.parse::<u64>()
                    .map_err(|_| format!("DAILY_SEND_CAP must be a whole number, not {v:?}"))?,
            ),
        };
        let permanent_delete = match get("PERMANENT_DELETE").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(format!(
                    "PERMANENT_DELETE must be true or false, not {other:?}"
                ))
            }
        };
        let admin_consented = match get("ADMIN_CONSENTED").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(format!(
                    "ADMIN_CONSENTED must be true or false, not {other:?}"
                ))
            }
        };
        Ok(Self {
            admin_consented,
            preset,
            send_policy,
            include: list(get("TOOLS_INCLUDE")),
            exclude: list(get("TOOLS_EXCLUDE")),
            allowed_domains: list(get("SEND_ALLOWED_DOMAINS")),
            daily_send_cap,
            permanent_delete,
        })
    }

    /// Whether a tool of class `safety` named `name` is registered.
    pub fn allows(&self, name: &str, safety: Safety) -> bool {
        let by_class = match safety {
            Safety::Read => true,
            Safety::Organize => self.preset != Preset::Read,
            Safety::Delete => self.preset == Preset::Full,
            Safety::SendDraft => {
                self.preset == Preset::Full && self.send_policy != SendPolicy::None
            }
            Safety::SendDirect => {
                self.preset == Preset::Full && self.send_policy == SendPolicy::Direct
            }
        };
        let name = name.to_ascii_lowercase();
        by_class
            && (self.include.is_empty() || self.include.contains(&name))
            && !self.exclude.contains(&name)
    }

    /// Whether a tool needing `scopes` can be offered: not when one of them needs an
    /// administrator's consent that the deployment does not declare.
    pub fn scopes_allowed(&self, scopes: &[&str]) -> bool {
        self.admin_consented
            || !scopes.iter().any(|s| {
                ADMIN_CONSENT_SCOPES
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(s))
            })
    }

    /// Whether `address` may receive mail sent by this deployment.
    pub fn recipient_allowed(&self, address: &str) -> bool {
        if self.allowed_domains.is_empty() {
            return true;
        }
        let Some((_, domain)) = address.rsplit_once('@') else {
            return false;
        };
        let domain = domain.trim().to_ascii_lowercase();
        self.allowed_domains
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Deployment, String> {
        Deployment::from_vars(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults_are_draft_and_own_drafts() {
        let d = from(&[]).unwrap();
        assert_eq!(
            (d.preset, d.send_policy),
            (Preset::Draft, SendPolicy::OwnDrafts)
        );
        assert!(d.allows("list_messages", Safety::Read));
        assert!(d.allows("create_draft", Safety::Organize));
        assert!(!d.allows("send_draft", Safety::SendDraft));
        assert!(!d.allows("delete_message", Safety::Delete));
    }

    #[test]
    fn presets_and_policies() {
        let read = from(&[("TOOL_PRESET", "read")]).unwrap();
        assert!(!read.allows("create_draft", Safety::Organize));
        let full = from(&[("TOOL_PRESET", "full")]).unwrap();
        assert!(full.allows("send_draft", Safety::SendDraft));
        assert!(!full.allows("send_email", Safety::SendDirect));
        assert!(full.allows("delete_message", Safety::Delete));
        let direct = from(&[("TOOL_PRESET", "full"), ("SEND_POLICY", "direct")]).unwrap();
        assert!(direct.allows("send_email", Safety::SendDirect));
        let none = from(&[("TOOL_PRESET", "full"), ("SEND_POLICY", "none")]).unwrap();
        assert!(!none.allows("send_draft", Safety::SendDraft));
    }

    #[test]
    fn include_narrows_and_exclude_removes() {
        let d = from(&[
            ("TOOLS_INCLUDE", "list_messages, get_message"),
            ("TOOLS_EXCLUDE", "get_message"),
        ])
        .unwrap();
        assert!(d.allows("list_messages", Safety::Read));
        assert!(!d.allows("get_message", Safety::Read));
        assert!(!d.allows("list_events", Safety::Read));
        let inc = from(&[("TOOL_PRESET", "read"), ("TOOLS_INCLUDE", "create_draft")]).unwrap();
        assert!(
            !inc.allows("create_draft", Safety::Organize),
            "include never widens the preset"
        );
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(from(&[("TOOL_PRESET", "all")])
            .unwrap_err()
            .contains("TOOL_PRESET"));
        assert!(from(&[("SEND_POLICY", "yes")])
            .unwrap_err()
            .contains("SEND_POLICY"));
        assert!(from(&[("DAILY_SEND_CAP", "ten")])
            .unwrap_err()
            .contains("DAILY_SEND_CAP"));
    }

    #[test]
    fn admin_consent_tools_need_the_declaration() {
        assert!(!from(&[])
            .unwrap()
            .scopes_allowed(&["ChannelMessage.Read.All"]));
        assert!(from(&[]).unwrap().scopes_allowed(&["Chat.Read"]));
        assert!(from(&[("ADMIN_CONSENTED", "true")])
            .unwrap()
            .scopes_allowed(&["ChannelMessage.Read.All"]));
    }

    #[test]
    fn recipient_domains() {
        let d = from(&[("SEND_ALLOWED_DOMAINS", "contoso.com")]).unwrap();
        assert!(d.recipient_allowed("a@contoso.com"));
        assert!(d.recipient_allowed("a@EU.Contoso.com"));
        assert!(!d.recipient_allowed("a@evilcontoso.com"));
        assert!(!d.recipient_allowed("nobody"));
        assert!(from(&[]).unwrap().recipient_allowed("x@y.z"));
    }
}
