//! Contacts (with a "Vendors" subfolder) and the relevance-ordered `people` list, which is
//! derived from the contacts, the directory and the mail actually in the mailbox.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::directory::{self, person, Person};
use super::util::{change_key, digest, etag, exchange_id, guid, iso_7, IdKind};
use crate::store::AccountKind;

/// A birthday known to a mailbox owner (used for contacts and the Birthdays calendar).
#[derive(Debug, Clone, Copy)]
pub struct Birthday {
    pub owner: &'static str,
    pub name: &'static str,
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

pub const BIRTHDAYS: &[Birthday] = &[
    Birthday {
        owner: "adele",
        name: "Katherine Johnson",
        year: 1985,
        month: 7,
        day: 22,
    },
    Birthday {
        owner: "adele",
        name: "Megan Bowen",
        year: 1988,
        month: 3,
        day: 3,
    },
    Birthday {
        owner: "adele",
        name: "Lee Gu",
        year: 1983,
        month: 11,
        day: 17,
    },
    Birthday {
        owner: "adele",
        name: "Quinn Murphy",
        year: 1990,
        month: 8,
        day: 9,
    },
    Birthday {
        owner: "adele",
        name: "Tomás Kovář",
        year: 1979,
        month: 1,
        day: 12,
    },
    Birthday {
        owner: "adele",
        name: "Zoë Åberg",
        year: 1992,
        month: 5,
        day: 28,
    },
    Birthday {
        owner: "adele",
        name: "Siobhán O'Connor",
        year: 1986,
        month: 10,
        day: 2,
    },
    Birthday {
        owner: "sam",
        name: "Linda Taylor",
        year: 1961,
        month: 11,
        day: 20,
    },
    Birthday {
        owner: "sam",
        name: "Jordan Lee",
        year: 1994,
        month: 6,
        day: 14,
    },
    Birthday {
        owner: "sam",
        name: "Riley Chen",
        year: 1995,
        month: 9,
        day: 5,
    },
];

/// Extra contacts beyond the directory: (given, surname, company, title, email, mobile, vendor, notes).
type Extra = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);

const EXTRA: &[Extra] = &[
    (
        "Ana",
        "Costa",
        "Costa Design Studio",
        "Founder",
        "ana@costadesign.example",
        "+1 206 555 0181",
        true,
        "Did the Alpha logo exploration. Fast, prefers async feedback.",
    ),
    (
        "Ben",
        "Carter",
        "Carter & Sons Printing",
        "Owner",
        "ben@carterprinting.example",
        "",
        true,
        "Print vendor for event banners.",
    ),
    (
        "Chloé",
        "Martin",
        "Lucerne Publishing",
        "Marketing Lead",
        "chloe.martin@lucernepublishing.example",
        "",
        false,
        "",
    ),
    (
        "Dmitri",
        "Volkov",
        "Trey Research",
        "Data Scientist",
        "dmitri.volkov@trey-research.example",
        "",
        false,
        "Met at the analytics meetup.",
    ),
    (
        "Elena",
        "Rossi",
        "Fourth Coffee",
        "Catering Manager",
        "elena.rossi@fourthcoffee.example",
        "+1 425 555 0173",
        true,
        "Catering for offsites; needs 10 days' notice.",
    ),
    (
        "Farah",
        "Haddad",
        "Adventure Works",
        "Product Owner",
        "farah.haddad@adventure-works.example",
        "",
        false,
        "Beta customer.",
    ),
    (
        "Gabriel",
        "Silva",
        "Wide World Importers",
        "Account Executive",
        "gabriel.silva@wideworldimporters.example",
        "",
        true,
        "",
    ),
    (
        "Hana",
        "Kim",
        "Proseware",
        "UX Lead",
        "hana.kim@proseware.example",
        "",
        false,
        "",
    ),
    (
        "Julia",
        "Novak",
        "Graphic Design Institute",
        "Lecturer",
        "j.novak@graphicdesigninstitute.example",
        "",
        false,
        "Guest lecture on design systems, spring.",
    ),
    (
        "Kwame",
        "Mensah",
        "Consolidated Messenger",
        "Courier Operations",
        "kwame.mensah@consolidatedmessenger.example",
        "+1 425 555 0115",
        true,
        "",
    ),
    (
        "Laura",
        "Fischer",
        "Litware",
        "Account Manager",
        "laura.fischer@litware.example",
        "",
        true,
        "Renewal every March.",
    ),
    (
        "Marco",
        "Bianchi",
        "Alpine Ski House",
        "Venue Coordinator",
        "marco.bianchi@alpineskihouse.example",
        "",
        true,
        "Offsite venue contact.",
    ),
    (
        "Nadia",
        "Rahman",
        "Relecloud",
        "Customer Success Manager",
        "nadia.rahman@relecloud.example",
        "",
        false,
        "",
    ),
    (
        "Omar",
        "Farouk",
        "City Power & Light",
        "Facilities Account Representative",
        "omar.farouk@citypower.example",
        "",
        true,
        "",
    ),
    (
        "Paula",
        "Gómez",
        "Margie's Travel",
        "Travel Consultant",
        "paula.gomez@margiestravel.example",
        "+1 305 555 0128",
        true,
        "Books team travel; prefers phone.",
    ),
    (
        "Quinn",
        "Murphy",
        "",
        "",
        "quinn.murphy@mail.example",
        "+1 425 555 0142",
        false,
        "College roommate.",
    ),
    (
        "Rafael",
        "Ortiz",
        "Northwind Traders",
        "Support Engineer",
        "rafael.ortiz@northwindtraders.example",
        "",
        false,
        "",
    ),
    (
        "Sofia",
        "Lindqvist",
        "Fabrikam Logistics",
        "Planner",
        "sofia.lindqvist@fabrikam-logistics.example",
        "",
        false,
        "",
    ),
    (
        "Tomás",
        "Kovář",
        "Coho Winery",
        "Sommelier",
        "tomas.kovar@cohowinery.example",
        "",
        false,
        "Team dinner wine pairings.",
    ),
    (
        "Uma",
        "Patel",
        "Bellevue Family Dental",
        "Dentist",
        "",
        "+1 425 555 0166",
        false,
        "Dentist. Phone only.",
    ),
    (
        "Victor",
        "Nguyen",
        "Humongous Insurance",
        "Agent",
        "victor.nguyen@humongousinsurance.example",
        "",
        true,
        "",
    ),
    (
        "Wendy",
        "Zhao",
        "Bellows College",
        "Career Advisor",
        "wendy.zhao@bellowscollege.example",
        "",
        false,
        "Intern programme.",
    ),
    (
        "Yusuf",
        "Demir",
        "First Up Consultants",
        "Consultant",
        "yusuf.demir@firstupconsultants.example",
        "",
        false,
        "",
    ),
    (
        "Zara",
        "Ahmed",
        "School of Fine Art",
        "Curator",
        "zara.ahmed@schooloffineart.example",
        "",
        false,
        "",
    ),
    (
        "Kathryn",
        "Johnston",
        "Tailwind Traders",
        "Buyer",
        "kathryn.johnston@tailwindtraders.example",
        "",
        false,
        "Not to be confused with Katherine Johnson (Northwind).",
    ),
    (
        "",
        "",
        "Northwind Traders",
        "",
        "support@northwindtraders.example",
        "",
        true,
        "Vendor support desk (24/7).",
    ),
];

fn company_address(company: &str) -> Value {
    let a = |street: &str, city: &str, state: &str, country: &str, postal: &str| json!({ "street": street, "city": city, "state": state, "countryOrRegion": country, "postalCode": postal });
    match company {
        "Contoso" => a("1 Contoso Way", "Redmond", "WA", "United States", "98052"),
        "Fabrikam" => a(
            "10 Fabrikam Lane",
            "London",
            "",
            "United Kingdom",
            "EC1A 1AA",
        ),
        "Northwind Traders" => a("400 Pine St", "Seattle", "WA", "United States", "98101"),
        "Tailspin Toys" => a("233 S Wacker Dr", "Chicago", "IL", "United States", "60606"),
        "Woodgrove Bank" => a("200 Park Ave", "New York", "NY", "United States", "10166"),
        "Fourth Coffee" => a("Drottninggatan 12", "Stockholm", "", "Sweden", "111 51"),
        "Lucerne Publishing" => a("100 Federal St", "Boston", "MA", "United States", "02110"),
        "Litware" => a("15 Rue de Rivoli", "Paris", "", "France", "75004"),
        "Wide World Importers" => a("Calle de Alcalá 50", "Madrid", "", "Spain", "28014"),
        "Alpine Ski House" => a("Karl Johans gate 5", "Oslo", "", "Norway", "0154"),
        _ => json!({}),
    }
}

fn initials(given: &str, surname: &str) -> String {
    let mut s = String::new();
    for part in [given, surname] {
        if let Some(c) = part.chars().next() {
            s.push(c);
            s.push('.');
        }
    }
    s
}

struct ContactIn {
    given: String,
    surname: String,
    display: String,
    company: String,
    title: String,
    department: String,
    office: String,
    emails: Vec<(String, String)>,
    phone: String,
    mobile: String,
    notes: String,
    vendor: bool,
    categories: Vec<String>,
    nick: String,
}

fn from_person(p: &Person) -> ContactIn {
    let mut emails = vec![(p.display.to_string(), p.address.to_string())];
    if p.key == "zoe" {
        emails.push((p.display.to_string(), "zoe.aberg@mail.example".to_string()));
    }
    if p.key == "katherine" {
        emails.push((
            "Katherine Johnson (personal)".to_string(),
            "kjohnson85@mail.example".to_string(),
        ));
    }
    ContactIn {
        given: p.given.to_string(),
        surname: p.surname.to_string(),
        display: p.display.to_string(),
        company: p.company.to_string(),
        title: p.job_title.to_string(),
        department: p.department.to_string(),
        office: p.office.to_string(),
        emails,
        phone: p.phone.to_string(),
        mobile: p.mobile.to_string(),
        notes: String::new(),
        vendor: matches!(p.key, "jose" | "hiroshi" | "oliver"),
        categories: Vec::new(),
        nick: if p.key == "katherine" {
            "Kate".to_string()
        } else {
            String::new()
        },
    }
}

/// Output of [`build`].
pub struct ContactsOut {
    pub folders: Vec<Value>,
    pub contacts: Vec<Value>,
}

pub fn build(owner: &'static Person, anchor: DateTime<Utc>) -> ContactsOut {
    let fid = |k: &str| exchange_id(owner.user_id, IdKind::Folder, &format!("contacts:{k}"));
    let default_id = fid("default");
    let vendors_id = fid("vendors");
    let folders = vec![
        json!({ "id": default_id, "displayName": "Contacts", "parentFolderId": fid("root") }),
        json!({ "id": vendors_id, "displayName": "Vendors", "parentFolderId": default_id }),
    ];

    let mut list: Vec<ContactIn> = Vec::new();
    match owner.key {
        "adele" => {
            for k in ["megan", "lee", "nestor", "patti", "alex", "johanna"] {
                list.push(from_person(person(k)));
            }
            // A few correspondents are deliberately not contacts (they show up as implicit contacts in people).
            for p in directory::EXTERNALS.iter().filter(|p| {
                !p.company.is_empty() && !matches!(p.key, "priya" | "grace" | "kenji" | "hiroshi")
            }) {
                list.push(from_person(p));
            }
            for (given, surname, company, title, email, mobile, vendor, notes) in EXTRA {
                let display = if given.is_empty() {
                    company.to_string()
                } else {
                    format!("{given} {surname}")
                };
                list.push(ContactIn {
                    given: given.to_string(),
                    surname: surname.to_string(),
                    display: display.clone(),
                    company: company.to_string(),
                    title: title.to_string(),
                    department: String::new(),
                    office: String::new(),
                    emails: if email.is_empty() {
                        vec![]
                    } else {
                        vec![(display, email.to_string())]
                    },
                    phone: String::new(),
                    mobile: mobile.to_string(),
                    notes: notes.to_string(),
                    vendor: *vendor,
                    categories: Vec::new(),
                    nick: String::new(),
                });
            }
        }
        "sam" => {
            for k in ["jordan", "riley", "linda"] {
                list.push(from_person(person(k)));
            }
            for k in ["diego", "hiroshi"] {
                list.push(from_person(person(k)));
            }
        }
        _ => {
            for c in directory::colleagues(owner) {
                list.push(from_person(c));
            }
            let extra: &[&str] = match owner.key {
                "alex" => &[
                    "adele", "megan", "oliver", "jose", "zoe", "francois", "grace",
                ],
                "megan" => &["alex", "catherine", "diego", "amara"],
                "lee" => &["kenji", "priya", "jon"],
                "nestor" => &["jon", "katherine", "maryjane"],
                "patti" => &["katherine", "alex"],
                "johanna" => &["oliver", "adele", "jose", "zoe"],
                _ => &["alex"],
            };
            for k in extra {
                list.push(from_person(person(k)));
            }
        }
    }

    let mut seen = std::collections::BTreeSet::new();
    list.retain(|c| seen.insert(c.display.clone()));
    // Notes, categories and a few personal details.
    for c in &mut list {
        match c.display.as_str() {
            "Katherine Johnson" => {
                c.notes = "Account manager at Northwind. Prefers email over calls. Two kids; loves sailing.".into();
                c.categories.push("Blue category".into());
            }
            "Catherine Jonson" => c.notes = "Conference programme committee (Lucerne).".into(),
            "Jon Smith" => c.categories.push("Red category".into()),
            "Zoë Åberg" => c.notes = "Stockholm office. Swedish and English.".into(),
            "Alex Wilber" => c.categories.push("Blue category".into()),
            _ => {}
        }
    }

    let mut contacts = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let id = exchange_id(
            owner.user_id,
            IdKind::Item,
            &format!("contact:{}", c.display),
        );
        let d = digest(&["contact", owner.key, &c.display]);
        let created =
            anchor - Duration::days(200 + (d[0] as i64) * 2) - Duration::seconds(d[1] as i64 * 97);
        let modified =
            created + Duration::days((d[2] % 90) as i64) + Duration::seconds(i as i64 * 13);
        let ck = change_key(&format!("contact:{}:{}", owner.key, c.display));
        let birthday = BIRTHDAYS
            .iter()
            .find(|b| b.owner == owner.key && b.name == c.display)
            .map_or(Value::Null, |b| {
                json!(format!(
                    "{:04}-{:02}-{:02}T11:59:00Z",
                    b.year, b.month, b.day
                ))
            });
        let file_as = if c.surname.is_empty() {
            c.display.clone()
        } else {
            format!("{}, {}", c.surname, c.given)
        };
        let is_colleague = directory::USERS
            .iter()
            .any(|u| u.display == c.display && u.tenant_id == owner.tenant_id);
        contacts.push(json!({
            "@odata.etag": etag(&ck),
            "id": id,
            "createdDateTime": iso_7(created),
            "lastModifiedDateTime": iso_7(modified),
            "changeKey": ck,
            "categories": c.categories,
            "parentFolderId": if c.vendor { vendors_id.clone() } else { default_id.clone() },
            "birthday": birthday,
            "fileAs": file_as,
            "displayName": c.display,
            "givenName": c.given,
            "initials": initials(&c.given, &c.surname),
            "middleName": null,
            "nickName": if c.nick.is_empty() { Value::Null } else { json!(c.nick) },
            "surname": c.surname,
            "title": if c.title == "Dentist" { json!("Dr.") } else { Value::Null },
            "yomiGivenName": null,
            "yomiSurname": null,
            "yomiCompanyName": null,
            "generation": null,
            "imAddresses": if is_colleague { json!([format!("sip:{}", c.emails.first().map(|e| e.1.as_str()).unwrap_or_default())]) } else { json!([]) },
            "jobTitle": c.title,
            "companyName": c.company,
            "department": if c.department.is_empty() { Value::Null } else { json!(c.department) },
            "officeLocation": if c.office.is_empty() { Value::Null } else { json!(c.office) },
            "profession": null,
            "businessHomePage": null,
            "assistantName": null,
            "manager": if is_colleague && c.display != "Patti Fernandez" { json!("Patti Fernandez") } else { Value::Null },
            "homePhones": [],
            "mobilePhone": if c.mobile.is_empty() { Value::Null } else { json!(c.mobile) },
            "businessPhones": if c.phone.is_empty() { json!([]) } else { json!([c.phone]) },
            "spouseName": null,
            "personalNotes": c.notes,
            "children": [],
            "emailAddresses": c.emails.iter().map(|(n, a)| json!({ "name": n, "address": a })).collect::<Vec<_>>(),
            "homeAddress": {},
            "businessAddress": company_address(&c.company),
            "otherAddress": {},
        }));
    }
    ContactsOut { folders, contacts }
}

/// The `people` list: colleagues, contacts and correspondents ordered by how much the owner
/// interacts with them.
pub fn people(owner: &'static Person, messages: &[Value], contacts: &[Value]) -> Vec<Value> {
    // address → (display name, score)
    let mut scores: BTreeMap<String, (String, f64)> = BTreeMap::new();
    let mut bump = |addr: &str, name: &str, by: f64| {
        let key = addr.to_ascii_lowercase();
        if key == owner.address || key.is_empty() {
            return;
        }
        let e = scores.entry(key).or_insert_with(|| (name.to_string(), 0.0));
        e.1 += by;
    };
    for m in messages {
        let sent_by_owner = m["from"]["emailAddress"]["address"].as_str() == Some(owner.address);
        let weight = if sent_by_owner { 2.0 } else { 1.0 };
        for field in ["from", "sender"] {
            if let (Some(a), Some(n)) = (
                m[field]["emailAddress"]["address"].as_str(),
                m[field]["emailAddress"]["name"].as_str(),
            ) {
                if field == "from" {
                    bump(a, n, weight);
                }
            }
        }
        for field in ["toRecipients", "ccRecipients"] {
            for r in m[field].as_array().into_iter().flatten() {
                if let (Some(a), Some(n)) = (
                    r["emailAddress"]["address"].as_str(),
                    r["emailAddress"]["name"].as_str(),
                ) {
                    bump(
                        a,
                        n,
                        if field == "toRecipients" {
                            weight
                        } else {
                            weight * 0.5
                        },
                    );
                }
            }
        }
    }
    for u in directory::colleagues(owner) {
        bump(u.address, u.display, 6.0);
    }
    for c in contacts {
        for e in c["emailAddresses"].as_array().into_iter().flatten().take(1) {
            if let (Some(a), Some(n)) = (e["address"].as_str(), c["displayName"].as_str()) {
                bump(a, n, 1.5);
            }
        }
    }
    // Services and no-reply senders are not people.
    let services: Vec<&str> = directory::SERVICES
        .iter()
        .filter(|s| s.service)
        .map(|s| s.address)
        .collect();
    let mut ranked: Vec<(String, String, f64)> = scores
        .into_iter()
        .filter(|(a, _)| !services.contains(&a.as_str()))
        .map(|(a, (n, s))| (a, n, s))
        .collect();
    ranked.sort_by(|a, b| {
        b.2.partial_cmp(&a.2)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.1.cmp(&b.1))
    });

    let contact_addrs: Vec<String> = contacts
        .iter()
        .flat_map(|c| c["emailAddresses"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["address"].as_str().map(str::to_ascii_lowercase))
        .collect();
    let personal = owner.kind() == AccountKind::Personal;
    ranked
        .iter()
        .map(|(addr, name, score)| {
            let p = directory::USERS.iter().chain(directory::EXTERNALS).find(|p| p.address.eq_ignore_ascii_case(addr));
            let org_user = p.is_some_and(|p| p.is_user() && p.tenant_id == owner.tenant_id) && !personal;
            let subclass = if org_user {
                "OrganizationUser"
            } else if contact_addrs.contains(addr) {
                "PersonalContact"
            } else {
                "ImplicitContact"
            };
            let (given, surname) = match p {
                Some(p) => (json!(p.given), json!(p.surname)),
                None => {
                    let mut parts = name.splitn(2, ' ');
                    (json!(parts.next().unwrap_or_default()), parts.next().map_or(Value::Null, |s| json!(s)))
                }
            };
            let opt = |s: Option<&str>| s.filter(|s| !s.is_empty()).map_or(Value::Null, |s| json!(s));
            let mut phones = Vec::new();
            if let Some(p) = p {
                if !p.phone.is_empty() {
                    phones.push(json!({ "type": "business", "number": p.phone }));
                }
                if !p.mobile.is_empty() {
                    phones.push(json!({ "type": "mobile", "number": p.mobile }));
                }
            }
            let id = match p {
                Some(p) if p.is_user() => p.user_id.to_string(),
                _ => guid(&format!("person:{}:{addr}", owner.key)),
            };
            json!({
                "id": id,
                "displayName": name,
                "givenName": given,
                "surname": surname,
                "birthday": "",
                "personNotes": "",
                "isFavorite": false,
                "jobTitle": opt(p.map(|p| p.job_title)),
                "companyName": opt(p.map(|p| p.company)),
                "yomiCompany": "",
                "department": opt(p.map(|p| p.department)),
                "officeLocation": opt(p.map(|p| p.office)),
                "profession": "",
                "userPrincipalName": if org_user { json!(addr) } else { json!("") },
                "imAddress": if org_user { json!(format!("sip:{addr}")) } else { Value::Null },
                "scoredEmailAddresses": [{ "address": addr, "relevanceScore": (score * 10.0).round() / 10.0, "selectionLikelihood": "notSpecified" }],
                "phones": phones,
                "postalAddresses": [],
                "websites": [],
                "personType": { "class": "Person", "subclass": subclass },
            })
        })
        .collect()
}
