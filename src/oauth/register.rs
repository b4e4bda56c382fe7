//! `POST /register`: RFC 7591 dynamic client registration.

use m365_core::oauth::registration::{self, ClientRecord};
use worker::{Env, Request, Response, Result};

use super::{clients, json_response, now_secs, oauth_error, random};

pub(crate) async fn register(mut req: Request, env: &Env) -> Result<Response> {
    let body = req.bytes().await?;
    let metadata = match registration::validate_registration(&body) {
        Ok(m) => m,
        Err(e) => return oauth_error(&e),
    };
    let (record, secret) =
        ClientRecord::new(metadata, &random::<16>(), &random::<32>(), now_secs());
    clients::store(env, &record).await?;
    let doc = registration::registration_response(&record, secret.as_ref().map(|s| s.expose()));
    // RFC 7591 §3.2.1: 201 Created with the registered metadata.
    json_response(201, doc.to_string())
}
