//! The user, their contacts and the people they work with; time zones and languages.
//!
//! Shared here: how a contact is shown (summary and full), how a contact folder argument (name
//! or id) is resolved, and the body of create/update.

pub mod create_contact;
pub mod create_contact_folder;
pub mod delete_contact;
pub mod get_contact;
pub mod list_contact_folders;
pub mod list_contacts;
pub mod list_supported_languages;
pub mod list_supported_time_zones;
pub mod lookup_people;
pub mod profile;
pub mod update_contact;

pub use create_contact::CreateContact;
pub use create_contact_folder::CreateContactFolder;
pub use delete_contact::DeleteContact;
pub use get_contact::GetContact;
pub use list_contact_folders::ListContactFolders;
pub use list_contacts::ListContacts;
pub use list_supported_languages::ListSupportedLanguages;
pub use list_supported_time_zones::ListSupportedTimeZones;
pub use lookup_people::LookupPeople;
pub use profile::GetProfile;
pub use update_contact::UpdateContact;

tool_group![
    GetProfile,
    LookupPeople,
    ListContacts,
    GetContact,
    CreateContact,
    UpdateContact,
    DeleteContact,
    ListContactFolders,
    CreateContactFolder,
    ListSupportedTimeZones,
    ListSupportedLanguages,
];

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::graph::{GraphError, GraphPath, GraphRequest};
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::tools::mail::{items, looks_like_id, str_field};

/// Fields a contact summary reads.
pub const CONTACT_SUMMARY_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "emailAddresses",
    "companyName",
    "jobTitle",
    "mobilePhone",
    "businessPhones",
];

/// Fields `get_contact` (and the create/update answers) read.
pub const CONTACT_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "middleName",
    "surname",
    "nickName",
    "emailAddresses",
    "companyName",
    "jobTitle",
    "department",
    "officeLocation",
    "mobilePhone",
    "businessPhones",
    "homePhones",
    "businessAddress",
    "homeAddress",
    "birthday",
    "personalNotes",
    "categories",
    "parentFolderId",
];

/// An email address of a contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct ContactEmail {
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One contact in a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    /// Pass to get_contact, update_contact or delete_contact.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Mobile first, then business numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
}

/// The string items of an array field.
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A contact's email addresses.
pub fn contact_emails(c: &Value) -> Vec<ContactEmail> {
    c.get("emailAddresses")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some(ContactEmail {
                        address: str_field(e, "address")?,
                        name: str_field(e, "name"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ContactSummary {
    pub fn from_graph(c: &Value) -> Self {
        let mut phones: Vec<String> = str_field(c, "mobilePhone").into_iter().collect();
        phones.extend(strings(c, "businessPhones"));
        Self {
            id: str_field(c, "id").unwrap_or_default(),
            name: str_field(c, "displayName").unwrap_or_else(|| "(no name)".into()),
            emails: contact_emails(c).into_iter().map(|e| e.address).collect(),
            company: str_field(c, "companyName"),
            job_title: str_field(c, "jobTitle"),
            phones,
        }
    }

    /// One line plus the id.
    pub fn to_text(&self, n: usize) -> String {
        let mut line = format!("{n}. {}", self.name);
        if !self.emails.is_empty() {
            line.push_str(&format!(" <{}>", self.emails.join(">, <")));
        }
        match (&self.job_title, &self.company) {
            (Some(j), Some(c)) => line.push_str(&format!(" · {j}, {c}")),
            (Some(x), None) | (None, Some(x)) => line.push_str(&format!(" · {x}")),
            (None, None) => {}
        }
        if !self.phones.is_empty() {
            line.push_str(&format!(" · {}", self.phones.join(", ")));
        }
        format!("{line}\n   id: {}", self.id)
    }
}

/// A contact id argument as a path below `/me/contacts`.
pub fn contact_path(id: &str) -> Result<GraphPath, ToolError> {
    GraphPath::me()
        .segment("contacts")
        .id(id.trim())
        .map_err(|_| ToolError::invalid_argument("id: pass a contact id from list_contacts"))
}

/// A contact tool's 404 in words the model can act on.
pub fn contact_not_found(cx: &ToolContext<'_>, e: &GraphError) -> ToolError {
    if e.status == 404 {
        ToolError::new(
            "No contact has this id: it may have been deleted, or the id is wrong. Call list_contacts \
             (or lookup_people) to get a current id.",
        )
    } else {
        cx.graph_error(e)
    }
}

/// Whether `folder` names the default Contacts folder.
pub fn is_default_folder(folder: &str) -> bool {
    matches!(
        folder.trim().to_ascii_lowercase().as_str(),
        "" | "contacts" | "default"
    )
}

/// Resolves a contact folder given by id or display name (top level, then one level down) to
/// its id; `None` for the default Contacts folder.
pub async fn resolve_contact_folder(
    cx: &ToolContext<'_>,
    folder: &str,
) -> Result<Option<String>, ToolError> {
    if is_default_folder(folder) {
        return Ok(None);
    }
    if looks_like_id(folder) {
        return Ok(Some(folder.trim().to_owned()));
    }
    let wanted = folder.trim();
    let escaped = wanted.replace('\'', "''");
    let found = cx
        .call(
            &GraphRequest::get(GraphPath::me().segment("contactFolders"))
                .select(&["id", "displayName"])
                .query("$filter", format!("displayName eq '{escaped}'")),
        )
        .await?;
    if let Some(id) = items(&found).first().and_then(|f| str_field(f, "id")) {
        return Ok(Some(id));
    }
    Err(ToolError::new(format!(
        "No contact folder is named {wanted:?}. Call list_contact_folders to see the folder names and ids, \
         or omit folder for the default Contacts folder."
    )))
}

/// An email address argument of a contact.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailArg {
    /// The email address.
    pub address: String,
    /// The name shown with it; default the contact's name.
    #[serde(default)]
    pub name: Option<String>,
}

/// The contact fields create_contact and update_contact take.
#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub display_name: Option<String>,
    pub emails: Option<Vec<EmailArg>>,
    pub mobile_phone: Option<String>,
    pub business_phones: Option<Vec<String>>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub birthday: Option<String>,
    pub notes: Option<String>,
}

/// Declares a tool's argument struct: its own fields, then the contact fields (documented
/// once here), with `fields()` to get them as [`ContactFields`].
macro_rules! contact_args {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty,)* }) => {
        $(#[$m])*
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
            /// First name.
            #[serde(default)]
            pub given_name: Option<String>,
            /// Last name.
            #[serde(default)]
            pub surname: Option<String>,
            /// Name shown in lists; default built by Outlook from the given name and surname.
            #[serde(default)]
            pub display_name: Option<String>,
            /// Email addresses (at most 3); on update this replaces the list.
            #[serde(default)]
            #[cfg_attr(test, schemars(length(max = 3)))]
            pub emails: Option<Vec<$crate::mcp::tools::people::EmailArg>>,
            /// Mobile phone number.
            #[serde(default)]
            pub mobile_phone: Option<String>,
            /// Business phone numbers; on update this replaces the list.
            #[serde(default)]
            pub business_phones: Option<Vec<String>>,
            /// Company name.
            #[serde(default)]
            pub company: Option<String>,
            /// Job title.
            #[serde(default)]
            pub job_title: Option<String>,
            /// Department.
            #[serde(default)]
            pub department: Option<String>,
            /// Birthday as a date, e.g. 1990-04-21.
            #[serde(default)]
            pub birthday: Option<String>,
            /// Free-text notes.
            #[serde(default)]
            pub notes: Option<String>,
        }

        impl $name {
            /// The contact fields given.
            pub fn fields(&self) -> $crate::mcp::tools::people::ContactFields {
                $crate::mcp::tools::people::ContactFields {
                    given_name: self.given_name.clone(),
                    surname: self.surname.clone(),
                    display_name: self.display_name.clone(),
                    emails: self.emails.clone(),
                    mobile_phone: self.mobile_phone.clone(),
                    business_phones: self.business_phones.clone(),
                    company: self.company.clone(),
                    job_title: self.job_title.clone(),
                    department: self.department.clone(),
                    birthday: self.birthday.clone(),
                    notes: self.notes.clone(),
                }
            }
        }
    };
}
pub(crate) use contact_args;

impl ContactFields {
    /// Whether no field is given.
    pub fn is_empty(&self) -> bool {
        self.given_name.is_none()
            && self.surname.is_none()
            && self.display_name.is_none()
            && self.emails.is_none()
            && self.mobile_phone.is_none()
            && self.business_phones.is_none()
            && self.company.is_none()
            && self.job_title.is_none()
            && self.department.is_none()
            && self.birthday.is_none()
            && self.notes.is_none()
    }

    /// The Graph `contact` body: given fields only; an empty string clears a text field.
    pub fn to_body(&self) -> Result<Value, ToolError> {
        let mut o = Map::new();
        let text = |o: &mut Map<String, Value>, key: &str, v: &Option<String>| {
            if let Some(v) = v {
                let t = v.trim();
                o.insert(
                    key.into(),
                    if t.is_empty() {
                        Value::Null
                    } else {
                        Value::from(t)
                    },
                );
            }
        };
        text(&mut o, "givenName", &self.given_name);
        text(&mut o, "surname", &self.surname);
        text(&mut o, "displayName", &self.display_name);
        text(&mut o, "mobilePhone", &self.mobile_phone);
        text(&mut o, "companyName", &self.company);
        text(&mut o, "jobTitle", &self.job_title);
        text(&mut o, "department", &self.department);
        if let Some(notes) = &self.notes {
            o.insert("personalNotes".into(), Value::from(notes.trim()));
        }
        if let Some(emails) = &self.emails {
            if emails.len() > 3 {
                return Err(ToolError::invalid_argument(
                    "emails: a contact holds at most 3 email addresses",
                ));
            }
            let mut list = Vec::new();
            for e in emails {
                let a = e.address.trim();
                if !valid_address(a) {
                    return Err(ToolError::invalid_argument(format!(
                        "emails: {a:?} is not an email address (name@domain)"
                    )));
                }
                let mut v = json!({ "address": a });
                if let Some(n) = e.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    v["name"] = Value::from(n);
                }
                list.push(v);
            }
            o.insert("emailAddresses".into(), Value::Array(list));
        }
        if let Some(phones) = &self.business_phones {
            let list: Vec<Value> = phones
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .map(Value::from)
                .collect();
            o.insert("businessPhones".into(), Value::Array(list));
        }
        if let Some(b) = &self.birthday {
            let b = b.trim();
            if b.is_empty() {
                o.insert("birthday".into(), Value::Null);
            } else {
                let date = b.get(..10).unwrap_or(b);
                if crate::mcp::tools::teams::time::parse_date(date).is_none() {
                    return Err(ToolError::invalid_argument(format!(
                        "birthday must be a date such as 1990-04-21, not {b:?}"
                    )));
                }
                o.insert("birthday".into(), Value::from(format!("{date}T00:00:00Z")));
            }
        }
        Ok(Value::Object(o))
    }
}

/// A plausible email address (one `@`, a dot in the domain, no spaces or angle brackets).
pub fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && a.len() <= 320
        && !a
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// A full contact as get_contact, create_contact and update_contact return it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ContactEmail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub business_phones: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub home_phones: Vec<String>,
    /// One line: street, city, state, postal code, country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_address: Option<String>,
    /// YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The contact folder it is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<String>,
}

fn postal(v: &Value, key: &str) -> Option<String> {
    let a = v.get(key)?;
    let parts: Vec<String> = ["street", "city", "state", "postalCode", "countryOrRegion"]
        .iter()
        .filter_map(|k| str_field(a, k))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

impl Contact {
    pub fn from_graph(c: &Value) -> Self {
        Self {
            id: str_field(c, "id").unwrap_or_default(),
            display_name: str_field(c, "displayName").unwrap_or_else(|| "(no name)".into()),
            given_name: str_field(c, "givenName"),
            middle_name: str_field(c, "middleName"),
            surname: str_field(c, "surname"),
            nick_name: str_field(c, "nickName"),
            emails: contact_emails(c),
            company: str_field(c, "companyName"),
            job_title: str_field(c, "jobTitle"),
            department: str_field(c, "department"),
            office: str_field(c, "officeLocation"),
            mobile_phone: str_field(c, "mobilePhone"),
            business_phones: strings(c, "businessPhones"),
            home_phones: strings(c, "homePhones"),
            business_address: postal(c, "businessAddress"),
            home_address: postal(c, "homeAddress"),
            birthday: str_field(c, "birthday").map(|b| b.chars().take(10).collect()),
            notes: str_field(c, "personalNotes")
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            categories: strings(c, "categories"),
            folder_id: str_field(c, "parentFolderId"),
        }
    }

    /// A few lines a model reads.
    pub fn to_text(&self) -> String {
        let mut lines = vec![self.display_name.clone()];
        let mut push = |label: &str, v: &Option<String>| {
            if let Some(v) = v {
                lines.push(format!("{label}: {v}"));
            }
        };
        push("given name", &self.given_name);
        push("middle name", &self.middle_name);
        push("surname", &self.surname);
        push("nickname", &self.nick_name);
        push("company", &self.company);
        push("job title", &self.job_title);
        push("department", &self.department);
        push("office", &self.office);
        push("mobile", &self.mobile_phone);
        push("business address", &self.business_address);
        push("home address", &self.home_address);
        push("birthday", &self.birthday);
        if !self.emails.is_empty() {
            let list: Vec<String> = self
                .emails
                .iter()
                .map(|e| match &e.name {
                    Some(n) if !n.eq_ignore_ascii_case(&e.address) => {
                        format!("{n} <{}>", e.address)
                    }
                    _ => e.address.clone(),
                })
                .collect();
            lines.push(format!("email: {}", list.join(", ")));
        }
        if !self.business_phones.is_empty() {
            lines.push(format!(
                "business phone: {}",
                self.business_phones.join(", ")
            ));
        }
        if !self.home_phones.is_empty() {
            lines.push(format!("home phone: {}", self.home_phones.join(", ")));
        }
        if !self.categories.is_empty() {
            lines.push(format!("categories: {}", self.categories.join(", ")));
        }
        if let Some(n) = &self.notes {
            lines.push(format!("notes: {}", crate::mcp::tools::mail::clip(n, 500)));
        }
        lines.push(format!("id: {}", self.id));
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_keeps_given_fields_and_checks_them() {
        let f = ContactFields {
            given_name: Some(" Ana ".into()),
            company: Some(String::new()),
            emails: Some(vec![EmailArg {
                address: "ana@x.example".into(),
                name: None,
            }]),
            birthday: Some("1990-04-21".into()),
            ..ContactFields::default()
        };
        assert_eq!(
            f.to_body().unwrap(),
            json!({"givenName":"Ana","companyName":null,"emailAddresses":[{"address":"ana@x.example"}],
                   "birthday":"1990-04-21T00:00:00Z"})
        );
        let bad = ContactFields {
            emails: Some(vec![EmailArg {
                address: "Ana Lopez".into(),
                name: None,
            }]),
            ..ContactFields::default()
        };
        assert!(bad.to_body().unwrap_err().message.contains("emails"));
        let bad = ContactFields {
            birthday: Some("April 21".into()),
            ..ContactFields::default()
        };
        assert!(bad.to_body().unwrap_err().message.contains("birthday"));
        assert!(ContactFields::default().is_empty());
    }

    #[test]
    fn addresses_are_checked() {
        assert!(valid_address("a.b@c.example"));
        for bad in ["a", "a@b", "@b.c", "a b@c.d", "a@b.c>", "a@.c"] {
            assert!(!valid_address(bad), "{bad}");
        }
    }

    #[test]
    fn contact_shapes() {
        let c = json!({"id":"C1","displayName":"Ana Lopez","emailAddresses":[{"name":"Ana","address":"ana@x.example"}],
            "businessAddress":{"street":"1 Main St","city":"Seattle","countryOrRegion":"USA"},"birthday":"1990-04-21T00:00:00Z",
            "businessPhones":["+1 555"],"mobilePhone":"+1 777","personalNotes":"  "});
        let full = Contact::from_graph(&c);
        assert_eq!(
            full.business_address.as_deref(),
            Some("1 Main St, Seattle, USA")
        );
        assert_eq!(full.birthday.as_deref(), Some("1990-04-21"));
        assert_eq!(full.notes, None);
        assert!(full.to_text().contains("email: Ana <ana@x.example>"));
        let s = ContactSummary::from_graph(&c);
        assert_eq!(s.phones, vec!["+1 777", "+1 555"]);
        assert_eq!(
            s.to_text(1),
            "1. Ana Lopez <ana@x.example> · +1 777, +1 555\n   id: C1"
        );
    }
}
