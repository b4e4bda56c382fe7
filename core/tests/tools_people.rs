//! People, contacts, time zones, languages and get_profile against the sandbox.
mod common;
use common::*;
use m365_core::mcp::deployment::Deployment;
use m365_sandbox::seed;
use serde_json::Value;

/// The `seq` to pass to `h.requests` to see the requests made after this point
/// (`Harness::mark` returns one more, and `requests` keeps only larger `seq`s, so it would miss
/// the first request).
fn seq_now(h: &Harness) -> u64 {
    h.requests(0).last().map_or(0, |r| r.seq)
}

fn full() -> Deployment {
    Deployment::from_vars(|k| match k {
        "TOOL_PRESET" => Some("full".into()),
        "SEND_POLICY" => Some("direct".into()),
        _ => None,
    })
    .unwrap()
}

/// Everything the sandbox holds for `user` that can carry an address (mail, contacts, people),
/// lowercased.
fn user_data(h: &Harness, user: &str) -> String {
    let world = h.sb.world();
    let mb = world.mailboxes.get(user).expect("mailbox");
    serde_json::to_string(&(&mb.messages, &mb.contacts, &mb.people))
        .unwrap()
        .to_lowercase()
}

fn addresses(out: &Called) -> Vec<String> {
    out.structured["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_all_in_user_data(h: &Harness, out: &Called) {
    let data = user_data(h, seed::ADELE_ID);
    for a in addresses(out) {
        assert!(
            data.contains(&format!("\"{}\"", a.to_lowercase())),
            "{a} is not in the user's data"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn lookup_people_finds_partial_and_misspelled_names_from_the_users_data() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let out = h
        .call("lookup_people", json!({"name": "Meagan Bowan"}))
        .await
        .ok();
    let first = &out.structured["matches"][0];
    assert_eq!(first["address"], "megan@contoso.example", "{}", out.text);
    assert_eq!(first["userId"], seed::MEGAN_ID);
    assert!(first["score"].as_f64().unwrap() >= 0.85, "{}", out.text);
    assert!(
        out.text.contains("Megan Bowen <megan@contoso.example>"),
        "{}",
        out.text
    );
    assert_all_in_user_data(&h, &out);

    // The four reads went out as one $batch, each selected, with the People search quoted.
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let outer: Vec<_> = reqs.iter().filter(|r| r.batch.is_none()).collect();
    assert_eq!(outer.len(), 1, "one round trip");
    assert_eq!(
        (outer[0].method.as_str(), outer[0].path.as_str()),
        ("POST", "/v1.0/$batch")
    );
    let subs: Vec<_> = reqs.iter().filter(|r| r.batch.is_some()).collect();
    assert_eq!(subs.len(), 4);
    let search = subs
        .iter()
        .find(|r| r.query.as_deref().unwrap_or("").contains("search"))
        .expect("people search");
    assert_eq!(search.path, "/v1.0/me/people");
    let q = search.query.as_deref().unwrap();
    assert!(q.contains("%22Meagan") || q.contains("\"Meagan"), "{q}");
    for path in ["/v1.0/me/contacts", "/v1.0/me/messages"] {
        let r = subs.iter().find(|r| r.path == path).expect(path);
        assert!(
            r.query.as_deref().unwrap_or("").contains("select"),
            "{path}"
        );
    }

    for partial in ["Meg", "bowen", "megan"] {
        let out = h.call("lookup_people", json!({"name": partial})).await.ok();
        assert_eq!(
            out.structured["matches"][0]["address"], "megan@contoso.example",
            "{partial}: {}",
            out.text
        );
        assert_all_in_user_data(&h, &out);
    }

    // An external correspondent (not a directory user), misspelled.
    let out = h
        .call(
            "lookup_people",
            json!({"name": "Katharine Jonson", "limit": 10}),
        )
        .await
        .ok();
    assert_all_in_user_data(&h, &out);
    assert!(
        addresses(&out)
            .iter()
            .any(|a| a.starts_with("katherine.johnson@")),
        "{}",
        out.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn lookup_people_says_so_when_nothing_matches_and_never_invents() {
    let h = Harness::new();
    let out = h
        .call("lookup_people", json!({"name": "Xqzvbn Plorfitz"}))
        .await
        .ok();
    assert_eq!(out.structured["matches"], json!([]), "{}", out.text);
    assert!(out.text.contains("No one"), "{}", out.text);
    assert!(out.text.contains("Do not guess"), "{}", out.text);
    // An address the user has never seen is not echoed back.
    let out = h
        .call(
            "lookup_people",
            json!({"name": "megan.bowen@contoso.example"}),
        )
        .await
        .ok();
    assert!(
        !addresses(&out).contains(&"megan.bowen@contoso.example".to_owned()),
        "{}",
        out.text
    );
    assert_all_in_user_data(&h, &out);

    let bad = h.call("lookup_people", json!({"name": " ,; "})).await.err();
    assert!(bad.text.contains("name"), "{}", bad.text);
    let bad = h
        .call("lookup_people", json!({"name": "Megan", "limit": 0}))
        .await
        .err();
    assert!(
        bad.text.contains("limit") || bad.text.contains("minimum"),
        "{}",
        bad.text
    );
}

#[tokio::test(flavor = "current_thread")]
async fn lookup_people_degrades_per_source_and_fails_without_any() {
    let h = Harness::with(seed::ADELE_ID, &["User.Read", "People.Read"], full());
    let out = h.call("lookup_people", json!({"name": "Megan"})).await.ok();
    assert_eq!(
        out.structured["matches"][0]["address"],
        "megan@contoso.example"
    );
    assert_eq!(
        out.structured["unavailableSources"],
        json!(["contacts", "recent_mail"])
    );
    assert!(out.text.contains("Not searched"), "{}", out.text);

    let h = Harness::with(seed::ADELE_ID, &["User.Read"], full());
    let err = h
        .call("lookup_people", json!({"name": "Megan"}))
        .await
        .err();
    assert!(err.text.contains("People.Read"), "{}", err.text);
}

#[tokio::test(flavor = "current_thread")]
async fn lookup_people_works_for_a_personal_account() {
    let h = Harness::with(seed::PERSONAL_USER_ID, ALL_SCOPES, full());
    let data = user_data(&h, seed::PERSONAL_USER_ID);
    let all = h
        .call("lookup_people", json!({"name": "a", "limit": 10}))
        .await;
    // A one-letter name is a valid (prefix) query; whatever comes back is the user's own data.
    for m in all.structured["matches"].as_array().into_iter().flatten() {
        let a = m["address"].as_str().unwrap().to_lowercase();
        assert!(data.contains(&a), "{a}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn contacts_list_search_get_create_update_delete() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let list = h.call("list_contacts", json!({"limit": 5})).await.ok();
    let contacts = list.structured["contacts"].as_array().unwrap().clone();
    assert_eq!(contacts.len(), 5);
    assert!(list.structured["nextCursor"].is_string());
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs[0].path, "/v1.0/me/contacts");
    let q = reqs[0].query.clone().unwrap();
    assert!(q.contains("select=id,displayName,emailAddresses"), "{q}");
    assert!(q.contains("top=5"), "{q}");
    let next = h
        .call(
            "list_contacts",
            json!({"limit": 5, "cursor": list.structured["nextCursor"]}),
        )
        .await
        .ok();
    assert_ne!(next.structured["contacts"][0]["id"], contacts[0]["id"]);

    // Search by the start of a surname, then by an exact address.
    let one = contacts
        .iter()
        .find(|c| c["emails"].as_array().is_some_and(|e| !e.is_empty()))
        .expect("a contact with an address");
    let name = one["name"].as_str().unwrap();
    let prefix: String = name
        .split(' ')
        .next_back()
        .unwrap()
        .chars()
        .take(4)
        .collect();
    let mark = seq_now(&h);
    let found = h
        .call("list_contacts", json!({"search": prefix}))
        .await
        .ok();
    assert!(
        found.structured["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == one["id"]),
        "{}",
        found.text
    );
    let q = h.requests(mark)[0].query.clone().unwrap();
    assert!(q.contains("startswith"), "{q}");
    let address = one["emails"][0].as_str().unwrap();
    let by_address = h
        .call("list_contacts", json!({"search": address}))
        .await
        .ok();
    assert_eq!(by_address.structured["contacts"][0]["id"], one["id"]);

    // get_contact
    let mark = seq_now(&h);
    let got = h.call("get_contact", json!({"id": one["id"]})).await.ok();
    assert_eq!(got.structured["displayName"], name);
    assert!(got.text.contains(address), "{}", got.text);
    let r = &h.requests(mark)[0];
    assert!(r.path.starts_with("/v1.0/me/contacts/"), "{}", r.path);
    assert!(
        !r.path.contains('/') || !r.path["/v1.0/me/contacts/".len()..].contains('/'),
        "id encoded: {}",
        r.path
    );
    assert!(r.query.as_deref().unwrap().contains("personalNotes"));

    // create → read back through Graph
    let created = h
        .call(
            "create_contact",
            json!({"given_name": "Ana", "surname": "Lopez", "emails": [{"address": "ana.lopez@fabrikam.example"}],
                   "company": "Fabrikam", "business_phones": ["+1 206 555 0100"], "birthday": "1990-04-21"}),
        )
        .await
        .ok();
    let id = created.structured["id"].as_str().unwrap().to_owned();
    assert_eq!(created.structured["displayName"], "Ana Lopez");
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let (status, v) = h.graph_get(&format!("/me/contacts/{}", enc(&id))).await;
    assert_eq!(status, 200);
    assert_eq!(
        v["emailAddresses"][0]["address"],
        "ana.lopez@fabrikam.example"
    );
    assert_eq!(v["companyName"], "Fabrikam");

    // update: only the given fields change
    let mark = seq_now(&h);
    let updated = h
        .call(
            "update_contact",
            json!({"id": id, "job_title": "Buyer", "company": ""}),
        )
        .await
        .ok();
    assert_eq!(updated.structured["jobTitle"], "Buyer");
    assert!(updated.structured.get("company").is_none());
    let reqs = h.requests(mark);
    assert_eq!(reqs.len(), 1, "one PATCH, no read-back");
    assert_eq!(reqs[0].method, "PATCH");
    let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"jobTitle": "Buyer", "companyName": null}));
    let (_, v) = h.graph_get(&format!("/me/contacts/{}", enc(&id))).await;
    assert_eq!(
        v["emailAddresses"][0]["address"],
        "ana.lopez@fabrikam.example"
    );

    // errors
    let e = h.call("create_contact", json!({"notes": "x"})).await.err();
    assert!(e.text.contains("name"), "{}", e.text);
    let e = h
        .call(
            "create_contact",
            json!({"given_name": "X", "emails": [{"address": "not an address"}]}),
        )
        .await
        .err();
    assert!(e.text.contains("emails"), "{}", e.text);
    let e = h.call("update_contact", json!({"id": id})).await.err();
    assert!(e.text.contains("at least one field"), "{}", e.text);
    let e = h
        .call("list_contacts", json!({"folder": "No Such Folder"}))
        .await
        .err();
    assert!(e.text.contains("list_contact_folders"), "{}", e.text);

    // delete → gone
    let mark = seq_now(&h);
    h.call("delete_contact", json!({"id": id})).await.ok();
    assert_eq!(h.requests(mark)[0].method, "DELETE");
    let (status, _) = h.graph_get(&format!("/me/contacts/{}", enc(&id))).await;
    assert_eq!(status, 404);
    let e = h.call("get_contact", json!({"id": id})).await.err();
    assert!(e.text.contains("deleted"), "{}", e.text);
    let e = h.call("delete_contact", json!({"id": id})).await.err();
    assert!(e.text.contains("list_contacts"), "{}", e.text);
    let e = h
        .call("update_contact", json!({"id": id, "notes": "x"}))
        .await
        .err();
    assert!(e.text.contains("No contact"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn contact_folders_list_create_and_use() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let folders = h.call("list_contact_folders", json!({})).await.ok();
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    assert_eq!(reqs[0].path, "/v1.0/me/contactFolders");
    assert!(reqs[0]
        .query
        .as_deref()
        .unwrap()
        .contains("select=id,displayName"));
    let vendors = folders.structured["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Vendors")
        .expect("Vendors folder")
        .clone();
    let in_vendors = h
        .call("list_contacts", json!({"folder": "Vendors"}))
        .await
        .ok();
    assert!(!in_vendors.structured["contacts"]
        .as_array()
        .unwrap()
        .is_empty());
    let by_id = h
        .call("list_contacts", json!({"folder": vendors["id"]}))
        .await
        .ok();
    assert_eq!(
        by_id.structured["contacts"],
        in_vendors.structured["contacts"]
    );

    let mark = seq_now(&h);
    let created = h
        .call("create_contact_folder", json!({"name": "Suppliers"}))
        .await
        .ok();
    let reqs = h.requests(mark);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/v1.0/me/contactFolders")
    );
    let again = h
        .call("create_contact_folder", json!({"name": "Suppliers"}))
        .await
        .err();
    assert!(again.text.contains("already exists"), "{}", again.text);
    let child = h
        .call(
            "create_contact_folder",
            json!({"name": "EU", "parent": "Vendors"}),
        )
        .await
        .ok();
    assert!(child.structured["id"].is_string());
    let mark = seq_now(&h);
    let c = h
        .call(
            "create_contact",
            json!({"display_name": "Parts Inc", "folder": "Suppliers"}),
        )
        .await
        .ok();
    assert!(h.requests(mark).iter().any(|r| r.method == "POST"
        && r.path.ends_with("/contacts")
        && r.path.contains("contactFolders")));
    let listed = h
        .call("list_contacts", json!({"folder": created.structured["id"]}))
        .await
        .ok();
    assert_eq!(listed.structured["contacts"][0]["id"], c.structured["id"]);
    let e = h
        .call("create_contact_folder", json!({"name": " "}))
        .await
        .err();
    assert!(e.text.contains("name"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn contact_permissions_are_named() {
    let h = Harness::with(seed::ADELE_ID, &["User.Read", "Contacts.Read"], full());
    h.call("list_contacts", json!({})).await.ok();
    let e = h
        .call("create_contact", json!({"given_name": "Ana"}))
        .await
        .err();
    assert!(e.text.contains("Contacts.ReadWrite"), "{}", e.text);
    let h = Harness::with(seed::ADELE_ID, &["User.Read"], full());
    let e = h.call("list_contacts", json!({})).await.err();
    assert!(e.text.contains("Contacts.Read"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn time_zones_and_languages() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let win = h
        .call("list_supported_time_zones", json!({"contains": "pacific"}))
        .await
        .ok();
    let zones = win.structured["timeZones"].as_array().unwrap();
    assert!(
        zones.iter().any(|z| z["name"] == "Pacific Standard Time"),
        "{}",
        win.text
    );
    assert!(zones.iter().all(|z| {
        let s = z.to_string().to_lowercase();
        s.contains("pacific")
    }));
    let r = &h.requests(mark)[0];
    assert_eq!(r.path, "/v1.0/me/outlook/supportedTimeZones");
    let mark = seq_now(&h);
    let iana = h
        .call(
            "list_supported_time_zones",
            json!({"standard": "iana", "contains": "london"}),
        )
        .await
        .ok();
    assert_eq!(
        iana.structured["timeZones"][0]["name"], "Europe/London",
        "{}",
        iana.text
    );
    let r = &h.requests(mark)[0];
    let path = percent_encoding::percent_decode_str(&r.path)
        .decode_utf8_lossy()
        .into_owned();
    assert!(
        path.ends_with(
            "supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')"
        ),
        "{path}"
    );
    let none = h
        .call("list_supported_time_zones", json!({"contains": "atlantis"}))
        .await
        .ok();
    assert!(none.text.contains("No zone matches"), "{}", none.text);
    let e = h
        .call("list_supported_time_zones", json!({"standard": "posix"}))
        .await
        .err();
    assert!(
        e.text.contains("standard") || e.text.contains("posix"),
        "{}",
        e.text
    );

    let mark = seq_now(&h);
    let langs = h.call("list_supported_languages", json!({})).await.ok();
    assert_eq!(
        h.requests(mark)[0].path,
        "/v1.0/me/outlook/supportedLanguages"
    );
    assert!(langs.structured["languages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["locale"] == "en-US"));
    assert!(langs.text.contains("de-DE"), "{}", langs.text);
    let h = Harness::with(seed::ADELE_ID, &["Mail.Read"], full());
    let e = h.call("list_supported_languages", json!({})).await.err();
    assert!(e.text.contains("User.Read"), "{}", e.text);
}

#[tokio::test(flavor = "current_thread")]
async fn get_profile_reports_permissions_and_tools_needing_consent() {
    let h = Harness::new();
    let mark = seq_now(&h);
    let out = h.call("get_profile", json!({})).await.ok();
    let reqs = h.requests(mark);
    assert_graph_hygiene(&reqs);
    let outer: Vec<_> = reqs.iter().filter(|r| r.batch.is_none()).collect();
    assert_eq!(outer.len(), 1, "one $batch round trip");
    assert!(reqs.iter().any(|r| r.path == "/v1.0/me/mailboxSettings"));
    assert_eq!(out.structured["email"], seed::ADELE_UPN);
    assert_eq!(
        out.structured["grantedPermissions"]
            .as_array()
            .unwrap()
            .len(),
        ALL_SCOPES.len()
    );
    assert!(out.structured.get("needsConsent").is_none(), "{}", out.text);
    let total = h.registry().len() as u64;
    assert_eq!(out.structured["toolsReady"], total);
    assert!(
        out.text.contains(&format!("{total} of {total} tools")),
        "{}",
        out.text
    );

    let h = Harness::with(
        seed::ADELE_ID,
        &[
            "User.Read",
            "MailboxSettings.Read",
            "Mail.Read",
            "People.Read",
        ],
        full(),
    );
    let out = h.call("get_profile", json!({})).await.ok();
    let needs = out.structured["needsConsent"].as_array().unwrap();
    let tools_for = |perm: &str| -> Vec<String> {
        needs
            .iter()
            .find(|n| n["permission"] == perm)
            .map(|n| {
                n["tools"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(tools_for("Contacts.Read").contains(&"lookup_people".to_owned()));
    assert!(tools_for("Contacts.ReadWrite").contains(&"create_contact".to_owned()));
    assert!(tools_for("Team.ReadBasic.All").contains(&"list_joined_teams".to_owned()));
    assert!(tools_for("Mail.Read").is_empty());
    assert!(out.text.contains("Still needing consent"), "{}", out.text);
    assert!(out.text.contains("- Contacts.Read: "), "{}", out.text);
}

#[tokio::test(flavor = "current_thread")]
async fn presets_decide_which_contact_tools_exist() {
    let draft = Harness::with(seed::ADELE_ID, ALL_SCOPES, Deployment::default());
    let names: Vec<&str> = draft.registry().iter().map(|t| t.name()).collect();
    for present in [
        "lookup_people",
        "list_contacts",
        "create_contact",
        "update_contact",
        "create_contact_folder",
    ] {
        assert!(names.contains(&present), "{present}");
    }
    assert!(
        !names.contains(&"delete_contact"),
        "Delete needs the full preset"
    );
    let read = Harness::with(
        seed::ADELE_ID,
        ALL_SCOPES,
        Deployment::from_vars(|k| (k == "TOOL_PRESET").then(|| "read".to_owned())).unwrap(),
    );
    let names: Vec<&str> = read.registry().iter().map(|t| t.name()).collect();
    assert!(names.contains(&"list_contacts") && names.contains(&"get_profile"));
    assert!(!names.contains(&"create_contact") && !names.contains(&"create_contact_folder"));
}
