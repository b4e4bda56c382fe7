//! Who exists: the seeded tenants' users (with mailboxes) and the outside people and services
//! that write to them. All names, companies and domains are fictional (`.example`).

use serde_json::{json, Value};

use super::{
    ADELE_ID, ALEX_ID, CONSUMERS_TENANT_ID, CONTOSO_TENANT_ID, FABRIKAM_TENANT_ID, JOHANNA_ID,
    LEE_ID, MEGAN_ID, NESTOR_ID, PATTI_ID, PERSONAL_USER_ID, SUPPORT_MAILBOX_ID,
};
use crate::store::AccountKind;

/// A person (or service sender) as the seed knows them.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    /// Short key used by the seed's scripts (`"adele"`, `"katherine"`, …).
    pub key: &'static str,
    pub given: &'static str,
    pub surname: &'static str,
    pub display: &'static str,
    pub address: &'static str,
    pub company: &'static str,
    pub job_title: &'static str,
    pub department: &'static str,
    pub office: &'static str,
    pub phone: &'static str,
    pub mobile: &'static str,
    /// For seeded users: their object id; otherwise empty.
    pub user_id: &'static str,
    /// For seeded users: their tenant id; otherwise empty.
    pub tenant_id: &'static str,
    /// Windows time-zone name (seeded users; others: empty).
    pub tz: &'static str,
    pub locale: &'static str,
    /// A service/no-reply sender (newsletters, notifications) rather than a human.
    pub service: bool,
}

impl Person {
    pub fn is_user(&self) -> bool {
        !self.user_id.is_empty()
    }

    pub fn first(&self) -> &'static str {
        if self.given.is_empty() {
            self.display
        } else {
            self.given
        }
    }

    pub fn email(&self) -> Value {
        json!({ "name": self.display, "address": self.address })
    }

    pub fn recipient(&self) -> Value {
        json!({ "emailAddress": self.email() })
    }

    pub fn kind(&self) -> AccountKind {
        if self.tenant_id == CONSUMERS_TENANT_ID {
            AccountKind::Personal
        } else {
            AccountKind::Work
        }
    }

    pub fn domain(&self) -> &'static str {
        self.address.split('@').nth(1).unwrap_or("example")
    }
}

#[allow(clippy::too_many_arguments)]
const fn user(
    key: &'static str,
    given: &'static str,
    surname: &'static str,
    display: &'static str,
    address: &'static str,
    company: &'static str,
    job_title: &'static str,
    department: &'static str,
    office: &'static str,
    phone: &'static str,
    mobile: &'static str,
    ids: (&'static str, &'static str),
    tz: &'static str,
    locale: &'static str,
) -> Person {
    Person {
        key,
        given,
        surname,
        display,
        address,
        company,
        job_title,
        department,
        office,
        phone,
        mobile,
        user_id: ids.0,
        tenant_id: ids.1,
        tz,
        locale,
        service: false,
    }
}

/// Someone outside the seeded tenants: no account, department, office or zone.
#[allow(clippy::too_many_arguments)]
const fn ext(
    key: &'static str,
    given: &'static str,
    surname: &'static str,
    display: &'static str,
    address: &'static str,
    company: &'static str,
    job_title: &'static str,
    phone: &'static str,
    mobile: &'static str,
) -> Person {
    user(
        key,
        given,
        surname,
        display,
        address,
        company,
        job_title,
        "",
        "",
        phone,
        mobile,
        ("", ""),
        "",
        "",
    )
}

/// A service sender (newsletters, notifications).
const fn svc(
    key: &'static str,
    display: &'static str,
    address: &'static str,
    company: &'static str,
) -> Person {
    Person {
        service: true,
        ..ext(key, "", "", display, address, company, "", "", "")
    }
}

/// Seeded users, in sign-in-page order (the primary user first).
pub const USERS: &[Person] = &[
    user(
        "adele",
        "Adele",
        "Vance",
        "Adele Vance",
        "adele@contoso.example",
        "Contoso",
        "Product Manager",
        "Product",
        "Redmond 18/2111",
        "+1 425 555 0109",
        "+1 425 555 0187",
        (ADELE_ID, CONTOSO_TENANT_ID),
        "Pacific Standard Time",
        "en-US",
    ),
    user(
        "megan",
        "Megan",
        "Bowen",
        "Megan Bowen",
        "megan@contoso.example",
        "Contoso",
        "Marketing Manager",
        "Marketing",
        "Charlotte 4/402",
        "+1 704 555 0133",
        "+1 704 555 0160",
        (MEGAN_ID, CONTOSO_TENANT_ID),
        "Eastern Standard Time",
        "en-US",
    ),
    user(
        "lee",
        "Lee",
        "Gu",
        "Lee Gu",
        "lee@contoso.example",
        "Contoso",
        "Engineering Lead",
        "Engineering",
        "Redmond 18/2204",
        "+1 425 555 0122",
        "+1 425 555 0175",
        (LEE_ID, CONTOSO_TENANT_ID),
        "Pacific Standard Time",
        "en-US",
    ),
    user(
        "nestor",
        "Nestor",
        "Wilke",
        "Nestor Wilke",
        "nestor@contoso.example",
        "Contoso",
        "Director of Operations",
        "Operations",
        "Denver 2/210",
        "+1 303 555 0148",
        "+1 303 555 0191",
        (NESTOR_ID, CONTOSO_TENANT_ID),
        "Mountain Standard Time",
        "en-US",
    ),
    user(
        "patti",
        "Patti",
        "Fernandez",
        "Patti Fernandez",
        "patti@contoso.example",
        "Contoso",
        "VP of Product",
        "Product",
        "Redmond 18/3001",
        "+1 425 555 0100",
        "+1 425 555 0199",
        (PATTI_ID, CONTOSO_TENANT_ID),
        "Pacific Standard Time",
        "en-US",
    ),
    user(
        "alex",
        "Alex",
        "Wilber",
        "Alex Wilber",
        "alex@fabrikam.example",
        "Fabrikam",
        "Partner Manager",
        "Partnerships",
        "London 3.14",
        "+44 20 7946 0321",
        "+44 7700 900321",
        (ALEX_ID, FABRIKAM_TENANT_ID),
        "GMT Standard Time",
        "en-GB",
    ),
    user(
        "johanna",
        "Johanna",
        "Lorenz",
        "Johanna Lorenz",
        "johanna@fabrikam.example",
        "Fabrikam",
        "Solutions Architect",
        "Engineering",
        "Berlin 2.07",
        "+49 30 5550 1742",
        "+49 151 5550 1742",
        (JOHANNA_ID, FABRIKAM_TENANT_ID),
        "W. Europe Standard Time",
        "de-DE",
    ),
    user(
        "sam",
        "Sam",
        "Taylor",
        "Sam Taylor",
        "sam.personal@outlook.example",
        "",
        "",
        "",
        "",
        "",
        "+1 312 555 0144",
        (PERSONAL_USER_ID, CONSUMERS_TENANT_ID),
        "Central Standard Time",
        "en-US",
    ),
];

/// The shared mailbox `support@contoso.example`: a user object that cannot sign in, whose mail
/// Adele may read and write with `Mail.*.Shared` scopes.
pub const SUPPORT: Person = user(
    "support",
    "",
    "",
    "Contoso Support",
    "support@contoso.example",
    "Contoso",
    "",
    "Customer Support",
    "",
    "+1 425 555 0150",
    "",
    (SUPPORT_MAILBOX_ID, CONTOSO_TENANT_ID),
    "Pacific Standard Time",
    "en-US",
);

/// People outside the seeded tenants (names chosen to exercise fuzzy matching and diacritics).
pub const EXTERNALS: &[Person] = &[
    ext(
        "katherine",
        "Katherine",
        "Johnson",
        "Katherine Johnson",
        "katherine.johnson@northwindtraders.example",
        "Northwind Traders",
        "Account Manager",
        "+1 206 555 0142",
        "+1 206 555 0119",
    ),
    ext(
        "catherine",
        "Catherine",
        "Jonson",
        "Catherine Jonson",
        "catherine.jonson@lucernepublishing.example",
        "Lucerne Publishing",
        "Senior Editor",
        "+1 617 555 0177",
        "",
    ),
    ext(
        "jon",
        "Jon",
        "Smith",
        "Jon Smith",
        "jon.smith@tailspintoys.example",
        "Tailspin Toys",
        "Procurement Lead",
        "+1 512 555 0126",
        "+1 512 555 0190",
    ),
    ext(
        "john",
        "John",
        "Smyth",
        "John Smyth",
        "john.smyth@woodgrovebank.example",
        "Woodgrove Bank",
        "Relationship Manager",
        "+1 212 555 0158",
        "",
    ),
    ext(
        "zoe",
        "Zoë",
        "Åberg",
        "Zoë Åberg",
        "zoe.aberg@fourthcoffee.example",
        "Fourth Coffee",
        "Head of Operations",
        "+46 8 555 012 34",
        "+46 70 555 01 99",
    ),
    ext(
        "siobhan",
        "Siobhán",
        "O'Connor",
        "Siobhán O'Connor",
        "siobhan.oconnor@adventure-works.example",
        "Adventure Works",
        "Partner Success Manager",
        "+353 1 555 0162",
        "",
    ),
    ext(
        "jose",
        "José",
        "Muñoz",
        "José Muñoz",
        "jose.munoz@wideworldimporters.example",
        "Wide World Importers",
        "Logistics Coordinator",
        "+34 91 555 0134",
        "+34 612 555 013",
    ),
    ext(
        "francois",
        "François",
        "Dubois",
        "François Dubois",
        "francois.dubois@litware.example",
        "Litware",
        "Chief Technology Officer",
        "+33 1 55 50 01 23",
        "",
    ),
    ext(
        "priya",
        "Priya",
        "Raman",
        "Priya Raman",
        "priya.raman@trey-research.example",
        "Trey Research",
        "Research Analyst",
        "+1 415 555 0171",
        "+1 415 555 0112",
    ),
    ext(
        "kenji",
        "Kenji",
        "Watanabe",
        "Kenji Watanabe",
        "kenji.watanabe@proseware.example",
        "Proseware",
        "Developer Advocate",
        "+81 3 5555 0148",
        "",
    ),
    ext(
        "amara",
        "Amara",
        "Okafor",
        "Amara Okafor",
        "amara.okafor@relecloud.example",
        "Relecloud",
        "Solutions Engineer",
        "+1 646 555 0139",
        "+1 646 555 0183",
    ),
    ext(
        "diego",
        "Diego",
        "Hernández",
        "Diego Hernández",
        "diego.hernandez@margiestravel.example",
        "Margie's Travel",
        "Corporate Travel Agent",
        "+1 305 555 0150",
        "",
    ),
    ext(
        "bjorn",
        "Björn",
        "Ødegaard",
        "Björn Ødegaard",
        "bjorn.odegaard@alpineskihouse.example",
        "Alpine Ski House",
        "Events Manager",
        "+47 22 55 50 11",
        "",
    ),
    ext(
        "maryjane",
        "Mary-Jane",
        "O'Neil",
        "Mary-Jane O'Neil",
        "mj.oneil@humongousinsurance.example",
        "Humongous Insurance",
        "Claims Specialist",
        "+1 860 555 0114",
        "",
    ),
    ext(
        "hiroshi",
        "Hiroshi",
        "Tanaka",
        "Hiroshi Tanaka",
        "h.tanaka@cohowinery.example",
        "Coho Winery",
        "Sales Director",
        "+1 707 555 0163",
        "",
    ),
    ext(
        "grace",
        "Grace",
        "Mbeki",
        "Grace Mbeki",
        "grace.mbeki@firstupconsultants.example",
        "First Up Consultants",
        "Principal Consultant",
        "+27 21 555 0107",
        "+27 82 555 0107",
    ),
    ext(
        "oliver",
        "Oliver",
        "Bennett",
        "Oliver Bennett",
        "oliver.bennett@fabrikam-logistics.example",
        "Fabrikam Logistics",
        "Warehouse Manager",
        "+44 161 496 0752",
        "",
    ),
    ext(
        "jordan",
        "Jordan",
        "Lee",
        "Jordan Lee",
        "jordan.lee@outlook.example",
        "",
        "",
        "",
        "+1 312 555 0121",
    ),
    ext(
        "riley",
        "Riley",
        "Chen",
        "Riley Chen",
        "riley.chen@mail.example",
        "",
        "",
        "",
        "+1 773 555 0166",
    ),
    ext(
        "linda",
        "Linda",
        "Taylor",
        "Linda Taylor",
        "linda.taylor@outlook.example",
        "",
        "",
        "",
        "+1 608 555 0103",
    ),
];

/// Services: newsletters, notifications, receipts, banks, junk.
pub const SERVICES: &[Person] = &[
    svc(
        "codehub",
        "CodeHub",
        "notifications@codehub.example",
        "CodeHub",
    ),
    svc(
        "bank",
        "Woodgrove Bank",
        "alerts@woodgrovebank.example",
        "Woodgrove Bank",
    ),
    svc(
        "tailspin_orders",
        "Tailspin Toys",
        "orders@tailspintoys.example",
        "Tailspin Toys",
    ),
    svc(
        "blueyonder",
        "Blue Yonder Airlines",
        "noreply@blueyonderairlines.example",
        "Blue Yonder Airlines",
    ),
    svc(
        "coho",
        "Coho Winery",
        "orders@cohowinery.example",
        "Coho Winery",
    ),
    svc(
        "itdesk",
        "Contoso IT Service Desk",
        "servicedesk@contoso.example",
        "Contoso",
    ),
    svc(
        "hr",
        "Contoso People Team",
        "people@contoso.example",
        "Contoso",
    ),
    svc(
        "fab_it",
        "Fabrikam IT",
        "it-support@fabrikam.example",
        "Fabrikam",
    ),
    svc(
        "relecloud_news",
        "Relecloud Cloud Digest",
        "digest@news.relecloud.example",
        "Relecloud",
    ),
    svc(
        "lucerne_news",
        "The Weekly Byte",
        "weeklybyte@lucernepublishing.example",
        "Lucerne Publishing",
    ),
    svc(
        "margies_news",
        "Margie's Travel",
        "deals@margiestravel.example",
        "Margie's Travel",
    ),
    svc(
        "fourthcoffee_news",
        "Fourth Coffee Roasters",
        "hello@fourthcoffee.example",
        "Fourth Coffee",
    ),
    svc(
        "proseware_news",
        "Proseware Developer Digest",
        "devdigest@proseware.example",
        "Proseware",
    ),
    svc(
        "woodgrove_news",
        "Woodgrove Bank Insights",
        "insights@woodgrovebank.example",
        "Woodgrove Bank",
    ),
    svc(
        "litware_news",
        "Litware Weekly",
        "weekly@litware.example",
        "Litware",
    ),
    svc(
        "phish",
        "Woodgrove Bank Security",
        "security@woodgrove-bank-alerts.example",
        "",
    ),
    svc("prize", "Prize Center", "winner@lucky-prizes.example", ""),
    svc(
        "pharmacy",
        "Best Deals Online",
        "offers@cheap-meds-online.example",
        "",
    ),
];

/// Look a person up by key among users, externals and services.
pub fn person(key: &str) -> &'static Person {
    USERS
        .iter()
        .chain(EXTERNALS)
        .chain(SERVICES)
        .find(|p| p.key == key)
        .unwrap_or(&USERS[0])
}

/// Colleagues: seeded users sharing `p`'s tenant, excluding `p`.
pub fn colleagues(p: &Person) -> Vec<&'static Person> {
    if p.kind() == AccountKind::Personal {
        return Vec::new();
    }
    USERS
        .iter()
        .filter(|u| u.tenant_id == p.tenant_id && u.key != p.key)
        .collect()
}

/// Graph `user` JSON, as `/me` returns it.
pub fn profile(p: &Person) -> Value {
    let personal = p.kind() == AccountKind::Personal;
    let opt = |s: &str| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::String(s.to_string())
        }
    };
    json!({
        "id": p.user_id,
        "displayName": p.display,
        "givenName": p.given,
        "surname": p.surname,
        "mail": p.address,
        "userPrincipalName": p.address,
        "jobTitle": opt(p.job_title),
        "officeLocation": opt(p.office),
        "preferredLanguage": p.locale,
        "businessPhones": if p.phone.is_empty() || personal { json!([]) } else { json!([p.phone]) },
        "mobilePhone": opt(p.mobile),
    })
}

pub fn language_display(locale: &str) -> &'static str {
    match locale {
        "en-GB" => "English (United Kingdom)",
        "de-DE" => "German (Germany)",
        _ => "English (United States)",
    }
}
