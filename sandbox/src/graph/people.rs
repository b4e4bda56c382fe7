//! People: `GET /me/people`, the signed-in user's relevant people in relevance order
//! (user-list-people.md).
//!
//! - Delegated People.Read (work and personal accounts); People.Read.All is higher.
//! - `$search` does fuzzy matching on names and addresses ("`$search=\"j\"`" finds people whose
//!   name starts with j; "`$search=\"Irene McGowen\"`" tolerates misspellings) and `topic:`
//!   searches; it works only for the signed-in user's own people (`/users/{id}/people` with
//!   `$search` is refused by Graph, and the router already refuses other mailboxes).
//! - `$skip` is not supported together with `$search`; `$top`, `$select` and `$filter` work; the
//!   order is the stored relevance order. All of this is the OData engine's
//!   `CollectionRules::PEOPLE`.

use axum::http::Method;

use super::{
    mail::mailbox,
    request::{Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome},
    shape::{self, IdKind},
};
use crate::{error::GraphError, odata::CollectionRules, store::World};

const READ: &[&str] = &["People.Read", "People.Read.All"];

pub fn handle(world: &mut World, ctx: &Ctx<'_>, rest: &[&str], req: &GraphRequest) -> Outcome {
    match rest {
        ["people"] => {
            if req.method != Method::GET {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, READ)?;
            let items = mailbox(world, ctx)?.people.clone();
            shape::page(items, IdKind::Plain, &CollectionRules::PEOPLE, ctx, req)
        }
        ["people", id] => {
            // Documented in beta only; v1.0 serves it too for the people in the list.
            if req.method != Method::GET {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, READ)?;
            let person = mailbox(world, ctx)?
                .people
                .iter()
                .find(|p| p["id"] == *id)
                .cloned();
            let person = person.ok_or_else(|| {
                GraphError::new(
                    404,
                    "ErrorItemNotFound",
                    "The specified object was not found in the store.",
                )
            })?;
            shape::single(person, IdKind::Plain, &CollectionRules::PEOPLE, ctx, req)
        }
        [first, ..] => Err(GraphError::no_resource(first)),
        [] => Err(GraphError::bad_request("Invalid request.")),
    }
}
