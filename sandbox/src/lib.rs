//! `m365-sandbox`: one loopback process that plays Microsoft Entra ID (v2 authorize and token
//! endpoints) and Microsoft Graph v1.0 (mail incl. a delegated shared mailbox, MailTips, Inbox
//! rules and delta, the Search API for messages, calendar, contacts, people, mailbox settings,
//! Teams, online meetings) over seeded data, enforcing Graph's rules rather than a happy path:
//! OData query options checked against Microsoft's own schema, Graph's error JSON and codes,
//! paging, Prefer headers, `$batch`, 401 for bad tokens. Test controls live under `/_admin`.

pub mod admin;
pub mod entra;
pub mod error;
pub mod graph;
pub mod odata;
pub mod schema;
pub mod seed;
pub mod server;
pub mod store;

pub use server::{app, Sandbox};
