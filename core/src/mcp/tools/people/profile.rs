//! `get_profile`: who the signed-in user is, the mailbox time zone and language every date and
//! reply depends on, and which Microsoft permissions the user granted: which of this
//! deployment's tools they unlock and which still need consent (what the seed servers'
//! `authenticate` / `ol_login_status` tools tell a model).
//!
//! Graph: `GET /me` (user-get) and `GET /me/mailboxSettings` (user-get-mailboxsettings), sent as
//! one `$batch` with two sub-requests, so one round trip. When the mailbox settings cannot be
//! read (no Exchange mailbox, `MailboxSettings.Read` not granted) the profile is still returned,
//! with `timeZone: null` and the reason in the text.

use serde_json::{json, Value};

use crate::graph::batch::Batch;
use crate::graph::{GraphError, GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::session::LogLevel;
use crate::mcp::tool::{
    is_on_demand_scope, missing_scopes_for_call, ToolAnnotations, ToolContext, ToolRegistry,
};
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

/// Fields read from `/me`.
pub const USER_FIELDS: &[&str] = &[
    "displayName",
    "mail",
    "userPrincipalName",
    "id",
    "jobTitle",
    "preferredLanguage",
];
/// Fields read from `/me/mailboxSettings`.
pub const SETTINGS_FIELDS: &[&str] = &["timeZone", "language"];

/// `structuredContent` of `get_profile`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The user's display name.
    pub display_name: Option<String>,
    /// Primary SMTP address; null when the account has none.
    pub email: Option<String>,
    /// Sign-in name; not always a deliverable address.
    pub user_principal_name: Option<String>,
    /// Directory object id of the user.
    pub id: String,
    /// Job title from the directory.
    pub job_title: Option<String>,
    /// Mailbox time zone (a Windows or IANA name); null when the mailbox settings are unavailable.
    pub time_zone: Option<String>,
    /// Mailbox language as a locale such as en-US, else the preferred language.
    pub language: Option<String>,
    /// The Microsoft permissions the user granted to this connector (absent when not known).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub granted_permissions: Vec<String>,
    /// How many of this server's tools the granted permissions cover (absent when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools_ready: Option<usize>,
    /// Permissions still missing, each with the tools that need it (empty when all are granted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_consent: Vec<MissingPermission>,
}

/// A permission not granted and the tools it would unlock.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MissingPermission {
    pub permission: String,
    pub tools: Vec<String>,
}

/// The granted permissions and what they cover among the deployment's tools.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Access {
    pub granted: Vec<String>,
    /// `None` when the granted permissions are not known.
    pub tools_ready: Option<usize>,
    pub tools_total: usize,
    pub needs_consent: Vec<MissingPermission>,
}

impl Access {
    /// For `granted` over every tool the deployment registers.
    pub fn compute(granted: &[String], deployment: &crate::mcp::deployment::Deployment) -> Self {
        let registry = ToolRegistry::for_deployment(deployment);
        if granted.is_empty() {
            // Not known (no sign-in record): say nothing rather than "everything is missing".
            return Self {
                tools_total: registry.len(),
                ..Self::default()
            };
        }
        let mut needs: Vec<MissingPermission> = Vec::new();
        let mut ready = 0;
        for tool in registry.iter() {
            // The `.Shared` permissions are asked for on demand, by the call that needs them.
            let missing: Vec<&str> = missing_scopes_for_call(tool, None, granted)
                .into_iter()
                .filter(|s| !is_on_demand_scope(s))
                .collect();
            if missing.is_empty() {
                ready += 1;
            }
            for m in missing {
                match needs.iter_mut().find(|n| n.permission == m) {
                    Some(n) => n.tools.push(tool.name().to_owned()),
                    None => needs.push(MissingPermission {
                        permission: m.to_owned(),
                        tools: vec![tool.name().to_owned()],
                    }),
                }
            }
        }
        Self {
            granted: granted.to_vec(),
            tools_ready: Some(ready),
            tools_total: registry.len(),
            needs_consent: needs,
        }
    }

    fn text(&self) -> String {
        if self.granted.is_empty() {
            return "Microsoft permissions granted: not known for this connection.".to_owned();
        }
        let mut t = format!(
            "Microsoft permissions granted: {}. {} of {} tools are ready to use.",
            self.granted.join(", "),
            self.tools_ready.unwrap_or(0),
            self.tools_total
        );
        if !self.needs_consent.is_empty() {
            t.push_str(
                " Still needing consent (the user reconnects this connector and accepts; a work or school \
                 account may need an administrator's approval):",
            );
            for n in &self.needs_consent {
                t.push_str(&format!("\n- {}: {}", n.permission, n.tools.join(", ")));
            }
        }
        t
    }
}

/// The `get_profile` tool.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetProfile;

impl GetProfile {
    /// The one Graph request this tool sends.
    pub fn batch() -> Batch {
        Batch::new()
            .add(
                "me",
                &GraphRequest::get(GraphPath::me()).select(USER_FIELDS),
            )
            .and_then(|b| {
                b.add(
                    "settings",
                    &GraphRequest::get(GraphPath::me().segment("mailboxSettings"))
                        .select(SETTINGS_FIELDS),
                )
            })
            .unwrap_or_default()
    }

    /// The structured result and its text line, from the two Graph answers.
    pub fn shape(
        me: &Value,
        settings: Result<Value, GraphError>,
        access: Access,
    ) -> Reply<Profile> {
        let text_field = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let display_name = text_field(me, "displayName");
        let email = text_field(me, "mail");
        let upn = text_field(me, "userPrincipalName");
        let id = text_field(me, "id").unwrap_or_default();
        let job_title = text_field(me, "jobTitle");
        let (time_zone, mailbox_language, settings_note) = match &settings {
            Ok(s) => (
                text_field(s, "timeZone"),
                s.get("language").and_then(|l| text_field(l, "locale")),
                None,
            ),
            Err(e) => (
                None,
                None,
                Some(if e.status == 403 {
                    format!(
                        "Mailbox settings (time zone, language) could not be read ({}): the \
                         MailboxSettings.Read permission is missing; the user can grant it by \
                         reconnecting this connector.",
                        e.code
                    )
                } else {
                    format!(
                        "Mailbox settings (time zone, language) could not be read. {}",
                        e.tool_message(&["MailboxSettings.Read"])
                    )
                }),
            ),
        };
        let language = mailbox_language.or_else(|| text_field(me, "preferredLanguage"));

        let mut text = display_name
            .clone()
            .unwrap_or_else(|| "(no display name)".to_owned());
        match &email {
            Some(e) => text.push_str(&format!(" <{e}>")),
            None => text.push_str(" (no email address)"),
        }
        if let Some(u) = upn.as_ref().filter(|u| Some(*u) != email.as_ref()) {
            text.push_str(&format!(" · sign-in name: {u}"));
        }
        if let Some(j) = &job_title {
            text.push_str(&format!(" · job title: {j}"));
        }
        text.push_str(&format!(
            " · time zone: {} · language: {} · user id: {id}",
            time_zone.as_deref().unwrap_or("unknown"),
            language.as_deref().unwrap_or("unknown"),
        ));
        if let Some(note) = settings_note {
            text.push('\n');
            text.push_str(&note);
        }
        text.push('\n');
        text.push_str(&access.text());
        Reply::new(
            text,
            Profile {
                display_name,
                email,
                user_principal_name: upn,
                id,
                job_title,
                time_zone,
                language,
                granted_permissions: access.granted,
                tools_ready: access.tools_ready,
                needs_consent: access.needs_consent,
            },
        )
    }

    async fn read(&self, cx: &ToolContext<'_>) -> ToolResult<Profile> {
        cx.progress(
            0.0,
            Some(1.0),
            Some("Reading the profile and mailbox settings"),
        );
        cx.log(
            LogLevel::Debug,
            json!({ "tool": "get_profile", "graph": "$batch", "requests": 2 }),
        );
        let reply = cx
            .send_batch(&Self::batch())
            .await
            .map_err(|e| cx.graph_error(&e))?;
        let me = reply.result("me").map_err(|e| cx.graph_error(&e))?;
        let access = Access::compute(cx.granted_scopes(), cx.deployment());
        let output = Self::shape(&me, reply.result("settings"), access);
        cx.progress(1.0, Some(1.0), None);
        Ok(output)
    }
}

impl ToolHandler for GetProfile {
    type Args = NoArgs;
    type Output = Profile;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_profile",
        title: "Get my profile",
        description:
            "Get the signed-in user's profile: display name, email address, sign-in name (user \
         principal name), job title, user id, the mailbox time zone and language, and the Microsoft \
         permissions granted: which tools they unlock and which tools still need the user's consent. \
         Call it once when you need to know who the user is (to sign or address mail, to tell \"me\" \
         apart from others), which time zone to use, or why a tool reports a missing permission; reuse \
         the answer instead of calling it again. Takes no arguments.",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["User.Read", "MailboxSettings.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Profile>> {
        Box::pin(self.read(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::schema;

    fn me() -> Value {
        json!({"displayName":"Adele Vance","mail":"AdeleV@contoso.com","userPrincipalName":"AdeleV@contoso.com",
            "id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","jobTitle":"Retail Manager","preferredLanguage":"en-US"})
    }

    fn output_schema() -> Value {
        crate::mcp::typed::generate::<GetProfile>().2
    }

    #[test]
    fn batch_is_two_selected_reads() {
        let b = GetProfile::batch();
        assert_eq!(b.len(), 2);
        let body: Value = serde_json::from_slice(
            b.to_http("https://g/v1.0")
                .body
                .as_deref()
                .unwrap_or_default(),
        )
        .unwrap();
        assert_eq!(
            body["requests"][0]["url"],
            "/me?$select=displayName,mail,userPrincipalName,id,jobTitle,preferredLanguage"
        );
        assert_eq!(
            body["requests"][1]["url"],
            "/me/mailboxSettings?$select=timeZone,language"
        );
    }

    #[test]
    fn shape_conforms_to_the_output_schema() {
        let out = GetProfile::shape(
            &me(),
            Ok(
                json!({"timeZone":"Pacific Standard Time","language":{"locale":"en-GB","displayName":"English"}}),
            ),
            Access::default(),
        );
        let structured = serde_json::to_value(&out.data).unwrap();
        assert_eq!(schema::validate(&output_schema(), &structured), Ok(()));
        assert_eq!(structured["timeZone"], "Pacific Standard Time");
        assert_eq!(structured["language"], "en-GB", "the mailbox language wins");
        assert_eq!(
            out.text,
            "Adele Vance <AdeleV@contoso.com> · job title: Retail Manager · time zone: Pacific Standard Time · \
             language: en-GB · user id: 87d349ed-44d7-43e1-9a83-5f2406dee5bd\n\
             Microsoft permissions granted: not known for this connection."
        );
    }

    #[test]
    fn missing_settings_and_fields_degrade() {
        let err = GraphError::from_parts(
            403,
            None,
            &json!({"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}),
        );
        let out = GetProfile::shape(
            &json!({"id":"x","userPrincipalName":"u@x.onmicrosoft.com"}),
            Err(err),
            Access::default(),
        );
        let s = serde_json::to_value(&out.data).unwrap();
        assert_eq!(schema::validate(&output_schema(), &s), Ok(()));
        assert_eq!(s["timeZone"], Value::Null);
        assert_eq!(s["email"], Value::Null);
        assert!(out.text.contains("(no email address)"), "{}", out.text);
        assert!(out.text.contains("MailboxSettings.Read"), "{}", out.text);
        assert!(
            out.text.contains("sign-in name: u@x.onmicrosoft.com"),
            "{}",
            out.text
        );
    }

    #[test]
    fn access_names_the_tools_each_missing_permission_would_unlock() {
        use crate::mcp::deployment::Deployment;
        let full = Deployment::from_vars(|k| match k {
            "TOOL_PRESET" => Some("full".into()),
            "SEND_POLICY" => Some("direct".into()),
            _ => None,
        })
        .unwrap();
        let granted = vec![
            "User.Read".to_owned(),
            "MailboxSettings.ReadWrite".to_owned(),
        ];
        let access = Access::compute(&granted, &full);
        let total = ToolRegistry::for_deployment(&full).len();
        assert_eq!(access.tools_total, total);
        let ready = access.tools_ready.unwrap();
        assert!(ready >= 1 && ready < total);
        assert_eq!(
            Access::compute(&[], &full).tools_ready,
            None,
            "unknown, not zero"
        );
        let contacts = access
            .needs_consent
            .iter()
            .find(|n| n.permission == "Contacts.Read")
            .expect("Contacts.Read is missing");
        assert!(contacts.tools.iter().any(|t| t == "list_contacts"));
        assert!(
            !access
                .needs_consent
                .iter()
                .any(|n| n.permission == "MailboxSettings.Read"),
            "ReadWrite covers Read"
        );
        let out = GetProfile::shape(&me(), Ok(json!({"timeZone":"UTC"})), access);
        let s = serde_json::to_value(&out.data).unwrap();
        assert_eq!(schema::validate(&output_schema(), &s), Ok(()));
        assert_eq!(
            s["grantedPermissions"],
            json!(["User.Read", "MailboxSettings.ReadWrite"])
        );
        assert!(out.text.contains("- Contacts.Read: "), "{}", out.text);
        assert!(out.text.contains("list_contacts"), "{}", out.text);
    }
}
