//! Contacts: `/me/contacts` (the default Contacts folder), `/me/contactFolders` (the folders
//! inside it), `/me/contactFolders/{id}/contacts` and `/childFolders`, with create, update and
//! delete. Contact ids follow the folder like message ids (`IdKind::InFolder`).
//!
//! Behaviour from the Graph docs:
//! - user-list-contacts: "Get a contact collection from the default contacts folder"; `$filter`
//!   on `emailAddresses/any(a:a/address eq '…')` is supported; `$search` is not (contacts have no
//!   search, so the OData engine refuses it);
//! - user-list-contactfolders: "Get the contact folder collection in the default Contacts folder";
//! - user-post-contacts / contact-update: when `displayName` is not given Outlook builds it from
//!   the name parts, and "later updates to other properties may cause an automatically generated
//!   value to overwrite the displayName value you have specified";
//! - duplicate folder names: 409 `ErrorFolderExists` "A folder with the specified name already
//!   exists." (Exchange); the default folder cannot be deleted (`ErrorDeleteDistinguishedFolder`).

use axum::http::Method;
use serde_json::{json, Value};

use super::{
    folders,
    mail::{self, change_key, mailbox, new_item_id},
    request::{parse_id, Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome, Reply},
    shape::{self, iso_7, IdKind},
};
use crate::{
    error::GraphError,
    odata::CollectionRules,
    store::{Mailbox, World},
};

/// user-list-contacts: Contacts.Read (Contacts.ReadWrite implies it).
const READ: &[&str] = &["Contacts.Read"];
const WRITE: &[&str] = &["Contacts.ReadWrite"];

pub const CONTACTS: CollectionRules = CollectionRules::new("contact");
pub const FOLDERS: CollectionRules = CollectionRules::new("contactFolder");

pub fn handle(world: &mut World, ctx: &Ctx<'_>, rest: &[&str], req: &GraphRequest) -> Outcome {
    match rest {
        ["contacts"] => contacts(world, ctx, None, req),
        ["contacts", id] => contact(world, ctx, None, id, req),
        ["contactFolders"] => folders(world, ctx, None, req),
        ["contactFolders", f, tail @ ..] => {
            let fid = folder_id(mailbox(world, ctx)?, f)?;
            in_folder(world, ctx, fid, tail, req)
        }
        [first, ..] => Err(GraphError::no_resource(first)),
        [] => Err(GraphError::bad_request("Invalid request.")),
    }
}

/// Everything below `contactFolders/{id}` (recursing through `childFolders/{id}`).
fn in_folder(
    world: &mut World,
    ctx: &Ctx<'_>,
    fid: String,
    tail: &[&str],
    req: &GraphRequest,
) -> Outcome {
    match tail {
        [] => folder(world, ctx, &fid, req),
        ["contacts"] => contacts(world, ctx, Some(fid), req),
        ["contacts", id] => contact(world, ctx, Some(fid), id, req),
        ["childFolders"] => folders(world, ctx, Some(fid), req),
        ["childFolders", c, rest @ ..] => {
            let mb = mailbox(world, ctx)?;
            let cid = folder_id(mb, c)?;
            if !mb
                .contact_folders
                .iter()
                .any(|x| x["id"] == cid.as_str() && x["parentFolderId"] == fid.as_str())
            {
                return Err(GraphError::item_not_found());
            }
            in_folder(world, ctx, cid, rest, req)
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

/// The default Contacts folder: the folder whose parent is not itself a listed folder (the
/// mailbox root), preferring one named "Contacts".
pub fn default_folder_id(mb: &Mailbox) -> Result<String, GraphError> {
    let is_folder = |id: &Value| mb.contact_folders.iter().any(|f| f["id"] == *id);
    let roots: Vec<&Value> = mb
        .contact_folders
        .iter()
        .filter(|f| !is_folder(&f["parentFolderId"]))
        .collect();
    roots
        .iter()
        .find(|f| f["displayName"] == "Contacts")
        .or_else(|| roots.first())
        .and_then(|f| f["id"].as_str())
        .map(str::to_string)
        .ok_or_else(GraphError::item_not_found)
}

/// A folder by id (REST or immutable) or the well-known name `contacts`.
fn folder_id(mb: &Mailbox, given: &str) -> Result<String, GraphError> {
    if given.eq_ignore_ascii_case("contacts") {
        return default_folder_id(mb);
    }
    let (imm, _) = parse_id(given);
    if mb.contact_folders.iter().any(|f| f["id"] == imm.as_str()) {
        Ok(imm)
    } else {
        Err(GraphError::item_not_found())
    }
}

fn find_contact(mb: &Mailbox, id: &str, folder: Option<&str>) -> Result<usize, GraphError> {
    let (imm, issued_for) = parse_id(id);
    let idx = mb
        .contacts
        .iter()
        .position(|c| c["id"] == imm.as_str())
        .ok_or_else(GraphError::item_not_found)?;
    let parent = mb.contacts[idx]["parentFolderId"].as_str().unwrap_or("");
    if issued_for.as_deref().is_some_and(|f| f != parent) || folder.is_some_and(|f| f != parent) {
        return Err(GraphError::item_not_found());
    }
    Ok(idx)
}

fn show(v: Value, ctx: &Ctx<'_>) -> Value {
    let v = shape::with_ids(v, IdKind::InFolder, ctx);
    let mut v = shape::with_prefs(v, ctx);
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.starts_with('_'));
    }
    v
}

/// Outlook's generated display name: given/middle/surname, else company, else the first address.
fn generated_display_name(c: &Value) -> String {
    let parts: Vec<&str> = ["givenName", "middleName", "surname"]
        .iter()
        .filter_map(|k| c.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if !parts.is_empty() {
        return parts.join(" ");
    }
    if let Some(company) = c
        .get("companyName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    {
        return company.trim().to_string();
    }
    c.get("emailAddresses")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|e| e.get("address").and_then(Value::as_str))
        .unwrap_or("")
        .to_string()
}

fn file_as(c: &Value) -> String {
    let given = c
        .get("givenName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let surname = c
        .get("surname")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    match (given.is_empty(), surname.is_empty()) {
        (_, true) => c
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        (true, false) => surname.to_string(),
        (false, false) => format!("{surname}, {given}"),
    }
}

/// Properties a client may not set.
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "parentFolderId",
];

fn contacts(
    world: &mut World,
    ctx: &Ctx<'_>,
    folder: Option<String>,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let folder = match folder {
        Some(f) => f,
        None => default_folder_id(mb)?,
    };
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            let items = mb
                .contacts
                .iter()
                .filter(|c| c["parentFolderId"] == folder.as_str())
                .cloned()
                .collect();
            shape::page(items, IdKind::InFolder, &CONTACTS, ctx, req)
        }
        Method::POST => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.contact", &body)?;
            let now = iso_7(ctx.now);
            let ck = change_key();
            let mut c = json!({
                "@odata.etag": format!("W/\"{ck}\""),
                "id": new_item_id(),
                "createdDateTime": now,
                "lastModifiedDateTime": now,
                "changeKey": ck,
                "categories": [],
                "parentFolderId": folder,
                "birthday": null,
                "fileAs": "",
                "displayName": "",
                "givenName": null,
                "initials": null,
                "middleName": null,
                "nickName": null,
                "surname": null,
                "title": null,
                "yomiGivenName": null,
                "yomiSurname": null,
                "yomiCompanyName": null,
                "generation": null,
                "imAddresses": [],
                "jobTitle": null,
                "companyName": null,
                "department": null,
                "officeLocation": null,
                "profession": null,
                "businessHomePage": null,
                "assistantName": null,
                "manager": null,
                "homePhones": [],
                "mobilePhone": null,
                "businessPhones": [],
                "spouseName": null,
                "personalNotes": "",
                "children": [],
                "emailAddresses": [],
                "homeAddress": {},
                "businessAddress": {},
                "otherAddress": {},
            });
            let mut fields = body.clone();
            if let Some(o) = fields.as_object_mut() {
                o.retain(|k, _| !READ_ONLY.contains(&k.as_str()));
            }
            mail::merge(&mut c, &fields);
            if c["displayName"]
                .as_str()
                .is_none_or(|s| s.trim().is_empty())
            {
                c["displayName"] = json!(generated_display_name(&c));
            }
            if c["fileAs"].as_str().is_none_or(str::is_empty) {
                c["fileAs"] = json!(file_as(&c));
            }
            mb.contacts.push(c.clone());
            Ok(shape::prefer_applied(Reply::created(show(c, ctx)), ctx))
        }
        _ => Err(method_not_allowed()),
    }
}

fn contact(
    world: &mut World,
    ctx: &Ctx<'_>,
    folder: Option<String>,
    id: &str,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    // `/me/contacts/{id}` finds a contact in any folder; under a folder it must be in that one.
    let idx = find_contact(mb, id, folder.as_deref())?;
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            shape::single(
                mb.contacts[idx].clone(),
                IdKind::InFolder,
                &CONTACTS,
                ctx,
                req,
            )
        }
        Method::PATCH => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.contact", &body)?;
            let mut patch = body.clone();
            if let Some(o) = patch.as_object_mut() {
                o.retain(|k, _| !READ_ONLY.contains(&k.as_str()));
            }
            let c = &mut mb.contacts[idx];
            let name_changed = ["givenName", "middleName", "surname"]
                .iter()
                .any(|k| patch.get(*k).is_some());
            mail::merge(c, &patch);
            if name_changed && patch.get("displayName").is_none() {
                c["displayName"] = json!(generated_display_name(c));
            }
            if name_changed && patch.get("fileAs").is_none() {
                c["fileAs"] = json!(file_as(c));
            }
            let ck = change_key();
            c["changeKey"] = json!(ck);
            c["@odata.etag"] = json!(format!("W/\"{ck}\""));
            c["lastModifiedDateTime"] = json!(iso_7(ctx.now));
            Ok(shape::prefer_applied(Reply::ok(show(c.clone(), ctx)), ctx))
        }
        Method::DELETE => {
            require_scope(ctx.principal, WRITE)?;
            mb.contacts.remove(idx);
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

fn folders(
    world: &mut World,
    ctx: &Ctx<'_>,
    parent: Option<String>,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let parent = match parent {
        Some(p) => p,
        None => default_folder_id(mb)?,
    };
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            let items = mb
                .contact_folders
                .iter()
                .filter(|f| f["parentFolderId"] == parent.as_str())
                .cloned()
                .collect();
            shape::page(items, IdKind::Plain, &FOLDERS, ctx, req)
        }
        Method::POST => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema
                .check_body("microsoft.graph.contactFolder", &body)?;
            let name = folders::required_name(&body, "displayName", "DisplayName")?;
            let siblings = mb.contact_folders.iter();
            folders::ensure_unique(
                siblings.filter(|f| f["parentFolderId"] == parent.as_str()),
                "displayName",
                &name,
            )?;
            let f = json!({"id": new_item_id(), "displayName": name, "parentFolderId": parent});
            mb.contact_folders.push(f.clone());
            Ok(Reply::created(f))
        }
        _ => Err(method_not_allowed()),
    }
}

fn folder(world: &mut World, ctx: &Ctx<'_>, id: &str, req: &GraphRequest) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let idx = mb
        .contact_folders
        .iter()
        .position(|f| f["id"] == id)
        .ok_or_else(GraphError::item_not_found)?;
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            shape::single(
                mb.contact_folders[idx].clone(),
                IdKind::Plain,
                &FOLDERS,
                ctx,
                req,
            )
        }
        Method::PATCH => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema
                .check_body("microsoft.graph.contactFolder", &body)?;
            if let Some(name) = body.get("displayName").and_then(Value::as_str) {
                let parent = &mb.contact_folders[idx]["parentFolderId"];
                let siblings = mb.contact_folders.iter().enumerate();
                folders::ensure_unique(
                    siblings
                        .filter(|(i, f)| *i != idx && f["parentFolderId"] == *parent)
                        .map(|(_, f)| f),
                    "displayName",
                    name,
                )?;
            }
            let mut patch = body.clone();
            if let Some(o) = patch.as_object_mut() {
                o.retain(|k, _| k == "displayName");
            }
            mail::merge(&mut mb.contact_folders[idx], &patch);
            Ok(Reply::ok(mb.contact_folders[idx].clone()))
        }
        Method::DELETE => {
            require_scope(ctx.principal, WRITE)?;
            if default_folder_id(mb)? == id {
                return Err(folders::distinguished(403));
            }
            folders::delete_tree(&mut mb.contact_folders, &mut mb.contacts, id.to_string());
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}
