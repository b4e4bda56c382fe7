//! `/.well-known/…`: RFC 8414 / OpenID discovery and RFC 9728 protected resource metadata.

use m365_core::oauth::metadata;
use worker::{Env, Request, Response, Result};

use super::Settings;

pub(crate) async fn well_known(req: &Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(req, env) {
        Ok(s) => s,
        Err(e) => return Response::error(format!("server misconfigured: {e}"), 500),
    };
    match metadata::well_known(&req.path(), &settings.server) {
        Some(doc) => {
            let mut resp = Response::from_json(&doc.into_document())?;
            resp.headers_mut().set("cache-control", "public, max-age=3600")?;
            // Browser-based clients (the MCP Inspector) read discovery documents cross-origin.
            resp.headers_mut().set("access-control-allow-origin", "*")?;
            Ok(resp)
        }
        None => Ok(Response::from_json(&serde_json::json!({"error": "not_found", "error_description": "No such metadata document."}))?.with_status(404)),
    }
}
