//! The OAuth 2.1 authorization server the worker runs for MCP clients (RFC 6749, OAuth 2.1 draft,
//! RFC 7591 dynamic registration, client ID metadata documents, RFC 7636 PKCE, RFC 8414 and
//! RFC 9728 metadata, RFC 8707 resource indicators, RFC 7009 revocation, RFC 9207 `iss`), as pure
//! functions and state machines: storage, fetches, time and randomness are the caller's.

pub mod authorize;
pub mod bearer;
pub mod consent;
pub mod error;
pub mod grant;
pub mod metadata;
pub mod pkce;
pub mod registration;
pub mod token;
pub mod tokens;
