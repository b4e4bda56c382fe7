//! The Graph endpoints the MCP tools call, over HTTP against the seeded sandbox: mail (queries,
//! bodies, headers, attachments, folders, tips, categories, settings, rules, delta, drafts and
//! sending, move/copy/delete, the Search API) and shared mailboxes.

mod common;

use base64::Engine as _;
use common::{code, enc, items, q, Env, Raw};
use m365_sandbox::seed::{self, fixtures};
use serde_json::{json, Value};

const MAIL: &[&str] = &[
    "User.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "MailboxSettings.ReadWrite",
];
const IMMUTABLE: &str = "IdType=\"ImmutableId\"";

fn body_json(r: &Raw) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn header<'a>(r: &'a Raw, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Every item of a collection, following `@odata.nextLink`.
async fn all_pages(env: &Env, token: &str, first: &str, prefer: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut link = first.to_string();
    for _ in 0..200 {
        let (s, v) = env.call("GET", &link, token, None, prefer).await;
        assert_eq!(s, 200, "{link}: {v}");
        out.extend(items(&v));
        match v["@odata.nextLink"].as_str() {
            Some(n) => {
                link = n
                    .strip_prefix("http://sandbox.test")
                    .unwrap_or(n)
                    .to_string()
            }
            None => return out,
        }
    }
    panic!("too many pages");
}

/// The immutable id of the first message matching a `$filter`.
async fn message_id(env: &Env, token: &str, filter: &str) -> String {
    let (s, v) = env
        .call(
            "GET",
            &format!(
                "/v1.0/me/messages?{}",
                q(&[("$filter", filter), ("$select", "id")])
            ),
            token,
            None,
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    items(&v)
        .first()
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("no message for {filter}"))
        .to_string()
}

fn subject_filter(subject: &str) -> String {
    format!("subject eq '{}'", subject.replace('\'', "''"))
}

// ---------------------------------------------------------------------------------------------
// Listing and querying
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn message_filters_the_tools_use() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let list = |filter: &str| {
        let path = format!(
            "/v1.0/me/messages?{}",
            q(&[("$filter", filter), ("$top", "100")])
        );
        let env = &env;
        let t = t.clone();
        async move {
            let (s, v) = env.get(&path, &t).await;
            assert_eq!(s, 200, "{path}: {v}");
            items(&v)
        }
    };
    let from_megan = list("from/emailAddress/address eq 'megan@contoso.example'").await;
    assert!(!from_megan.is_empty());
    assert!(from_megan
        .iter()
        .all(|m| m["from"]["emailAddress"]["address"] == "megan@contoso.example"));
    let range = list(
        "receivedDateTime ge 2026-05-01T00:00:00Z and receivedDateTime lt 2026-05-15T00:00:00Z",
    )
    .await;
    assert!(!range.is_empty());
    assert!(range.iter().all(|m| {
        let r = m["receivedDateTime"].as_str().unwrap();
        ("2026-05-01".."2026-05-15").contains(&r)
    }));
    for (f, check) in [
        ("isRead eq false", ("isRead", json!(false))),
        ("importance eq 'high'", ("importance", json!("high"))),
        ("hasAttachments eq true", ("hasAttachments", json!(true))),
    ] {
        let got = list(f).await;
        assert!(!got.is_empty(), "{f}");
        assert!(got.iter().all(|m| m[check.0] == check.1), "{f}");
    }
    let alpha = list("categories/any(c:c eq 'Project Alpha')").await;
    assert!(!alpha.is_empty());
    assert!(alpha.iter().all(|m| m["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("Project Alpha"))));
    let flagged = list("flag/flagStatus eq 'flagged'").await;
    assert!(!flagged.is_empty());
    assert!(flagged.iter().all(|m| m["flag"]["flagStatus"] == "flagged"));
    let conv = flagged[0]["conversationId"].as_str().unwrap().to_string();
    let thread = list(&format!("conversationId eq '{conv}'")).await;
    assert!(thread.iter().all(|m| m["conversationId"] == conv.as_str()));

    // $filter with $orderby on the same property, newest first.
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/mailFolders/inbox/messages?{}",
                q(&[
                    ("$filter", "receivedDateTime ge 2026-04-01T00:00:00Z"),
                    ("$orderby", "receivedDateTime desc"),
                    ("$select", "subject,receivedDateTime"),
                    ("$top", "20"),
                ])
            ),
            &t,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let dates: Vec<String> = items(&v)
        .iter()
        .map(|m| m["receivedDateTime"].as_str().unwrap().to_string())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    // $select keeps id and annotations only besides the named properties.
    let m = &items(&v)[0];
    assert!(m.get("body").is_none() && m.get("from").is_none());
    assert!(m["id"].is_string() && m["subject"].is_string());

    // $search refuses $filter and $orderby.
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/messages?{}",
                q(&[("$search", "\"budget\""), ("$filter", "isRead eq false")])
            ),
            &t,
        )
        .await;
    assert_eq!((s, code(&v)), (400, "SearchWithFilter"));
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/messages?{}",
                q(&[
                    ("$search", "\"budget\""),
                    ("$orderby", "receivedDateTime desc")
                ])
            ),
            &t,
        )
        .await;
    assert_eq!((s, code(&v)), (400, "SearchWithOrderBy"));
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/messages?{}",
                q(&[("$search", "\"from:megan@contoso.example\"")])
            ),
            &t,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(!items(&v).is_empty());

    // Paging through a folder with nextLinks gives every message once.
    let (_, inbox) = env.get("/v1.0/me/mailFolders/inbox", &t).await;
    let total = inbox["totalItemCount"].as_u64().unwrap() as usize;
    let all = all_pages(
        &env,
        &t,
        "/v1.0/me/mailFolders/Inbox/messages?$top=25&$select=id",
        None,
    )
    .await;
    assert_eq!(all.len(), total);
}

#[tokio::test]
async fn message_bodies_headers_and_unique_body() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    // A reply in the long thread: quoted history below Outlook's separator.
    let (_, v) = env
        .get(
            &format!(
                "/v1.0/me/messages?{}",
                q(&[
                    (
                        "$filter",
                        &format!("subject eq 'RE: {}'", fixtures::LONGEST_THREAD_SUBJECT)
                    ),
                    ("$select", "id,body"),
                ])
            ),
            &t,
        )
        .await;
    let reply = items(&v)
        .into_iter()
        .find(|m| m["body"]["content"].as_str().unwrap().contains("From:"))
        .expect("a reply with quoted history");
    let id = enc(reply["id"].as_str().unwrap());

    for (pref, ct) in [
        ("outlook.body-content-type=\"text\"", "text"),
        ("outlook.body-content-type=\"html\"", "html"),
    ] {
        let r = env
            .request(
                "GET",
                &format!("/v1.0/me/messages/{id}"),
                Some(&t),
                &[("prefer", pref)],
                None,
            )
            .await;
        assert_eq!(r.status, 200);
        let m = body_json(&r);
        assert_eq!(m["body"]["contentType"], ct);
        assert!(header(&r, "preference-applied").contains(ct));
        // Only $select brings these.
        assert!(m.get("internetMessageHeaders").is_none());
        assert!(m.get("uniqueBody").is_none());
    }
    let r = env
        .request(
            "GET",
            &format!("/v1.0/me/messages/{id}?$select=uniqueBody,body,subject"),
            Some(&t),
            &[("prefer", "outlook.body-content-type=\"text\"")],
            None,
        )
        .await;
    let m = body_json(&r);
    let unique = m["uniqueBody"]["content"].as_str().unwrap();
    let full = m["body"]["content"].as_str().unwrap();
    assert_eq!(m["uniqueBody"]["contentType"], "text");
    assert!(unique.len() < full.len(), "{unique}");
    assert!(!unique.contains("________________________________"));
    assert!(!unique.contains("Subject:"));

    // Transport headers; the seeded phishing mail fails authentication.
    let phish = message_id(&env, &t, &subject_filter(fixtures::PHISHING_SUBJECT)).await;
    let (s, m) = env
        .call(
            "GET",
            &format!(
                "/v1.0/me/messages/{}?$select=internetMessageHeaders",
                enc(&phish)
            ),
            &t,
            None,
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let headers = m["internetMessageHeaders"].as_array().unwrap();
    let get = |n: &str| {
        headers
            .iter()
            .find(|h| h["name"] == n)
            .and_then(|h| h["value"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert!(get("Authentication-Results").contains("spf=fail"));
    assert!(get("Message-ID").starts_with('<'));
    assert!(get("From").contains('@'));
    let (_, m) = env
        .get(
            &format!("/v1.0/me/messages/{id}?$select=internetMessageHeaders"),
            &t,
        )
        .await;
    let auth = m["internetMessageHeaders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Authentication-Results")
        .unwrap()["value"]
        .clone();
    assert!(auth.as_str().unwrap().contains("spf=pass"));
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn attachments_files_items_raw_bytes_and_ranges() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let pdf = message_id(&env, &t, &subject_filter(fixtures::LARGE_PDF_SUBJECT)).await;
    let (s, list) = env
        .call(
            "GET",
            &format!("/v1.0/me/messages/{}/attachments", enc(&pdf)),
            &t,
            None,
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let att = items(&list)
        .into_iter()
        .find(|a| a["name"].as_str().unwrap().ends_with(".pdf"))
        .unwrap();
    assert_eq!(att["@odata.type"], "#microsoft.graph.fileAttachment");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(att["contentBytes"].as_str().unwrap())
        .unwrap();
    let path = format!(
        "/v1.0/me/messages/{}/attachments/{}",
        enc(&pdf),
        enc(att["id"].as_str().unwrap())
    );
    let (s, one) = env.get(&path, &t).await;
    assert_eq!((s, one["size"].as_u64()), (200, Some(bytes.len() as u64)));
    let raw = env
        .request("GET", &format!("{path}/$value"), Some(&t), &[], None)
        .await;
    assert_eq!(raw.status, 200);
    assert_eq!(header(&raw, "content-type"), "application/pdf");
    assert_eq!(raw.body.as_ref(), bytes.as_slice());
    let part = env
        .request(
            "GET",
            &format!("{path}/$value"),
            Some(&t),
            &[("range", "bytes=0-9")],
            None,
        )
        .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body.as_ref(), &bytes[..10]);
    assert_eq!(
        header(&part, "content-range"),
        format!("bytes 0-9/{}", bytes.len())
    );
    let tail = env
        .request(
            "GET",
            &format!("{path}/$value"),
            Some(&t),
            &[("range", "bytes=-5")],
            None,
        )
        .await;
    assert_eq!(tail.body.as_ref(), &bytes[bytes.len() - 5..]);
    let beyond = env
        .request(
            "GET",
            &format!("{path}/$value"),
            Some(&t),
            &[("range", &format!("bytes={}-", bytes.len() + 10))],
            None,
        )
        .await;
    assert_eq!(beyond.status, 416);

    // Attachments inline with the message, with a nested $select.
    let (s, m) = env
        .call(
            "GET",
            &format!(
                "/v1.0/me/messages/{}?$select=subject&$expand=attachments($select=name,size)",
                enc(&pdf)
            ),
            &t,
            None,
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let inline = m["attachments"].as_array().expect("expanded attachments");
    assert!(inline.iter().any(|a| a["name"] == att["name"]));
    assert!(inline
        .iter()
        .all(|a| a.get("contentBytes").is_none() && a["size"].is_u64()));
    assert!(m.get("body").is_none());

    // An attached message: no `item` unless expanded; `$value` is its MIME text.
    let fw = message_id(&env, &t, &subject_filter(fixtures::ITEM_ATTACHMENT_SUBJECT)).await;
    let (_, list) = env
        .get(&format!("/v1.0/me/messages/{}/attachments", enc(&fw)), &t)
        .await;
    let item = &items(&list)[0];
    assert_eq!(item["@odata.type"], "#microsoft.graph.itemAttachment");
    assert!(item.get("item").is_none());
    let path = format!(
        "/v1.0/me/messages/{}/attachments/{}",
        enc(&fw),
        enc(item["id"].as_str().unwrap())
    );
    let (s, expanded) = env
        .get(
            &format!("{path}?$expand=microsoft.graph.itemattachment/item"),
            &t,
        )
        .await;
    assert_eq!(s, 200, "{expanded}");
    assert_eq!(expanded["item"]["subject"], "Late deliveries");
    let mime = env
        .request("GET", &format!("{path}/$value"), Some(&t), &[], None)
        .await;
    assert_eq!(mime.status, 200);
    assert!(mime.text().contains("Subject: Late deliveries"));
}

// ---------------------------------------------------------------------------------------------
// Folders
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn mail_folder_tree_create_rename_delete() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let (s, top) = env.get("/v1.0/me/mailFolders?$top=50", &t).await;
    assert_eq!(s, 200, "{top}");
    let inbox = items(&top)
        .into_iter()
        .find(|f| f["displayName"] == "Inbox")
        .unwrap();
    for k in ["totalItemCount", "unreadItemCount", "childFolderCount"] {
        assert!(inbox[k].is_u64(), "{k}");
    }
    let (s, children) = env.get("/v1.0/me/mailFolders/inbox/childFolders", &t).await;
    assert_eq!(s, 200);
    assert_eq!(
        items(&children).len() as u64,
        inbox["childFolderCount"].as_u64().unwrap()
    );

    let (s, created) = env
        .post(
            "/v1.0/me/mailFolders",
            &t,
            json!({"displayName": "Vendors"}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let fid = enc(created["id"].as_str().unwrap());
    let (s, dup) = env
        .post(
            "/v1.0/me/mailFolders",
            &t,
            json!({"displayName": "vendors"}),
        )
        .await;
    assert_eq!((s, code(&dup)), (409, "ErrorFolderExists"));
    let (s, child) = env
        .post(
            &format!("/v1.0/me/mailFolders/{fid}/childFolders"),
            &t,
            json!({"displayName": "Invoices"}),
        )
        .await;
    assert_eq!(s, 201, "{child}");
    let (s, via_child) = env
        .get(
            &format!(
                "/v1.0/me/mailFolders/{fid}/childFolders/{}",
                enc(child["id"].as_str().unwrap())
            ),
            &t,
        )
        .await;
    assert_eq!(
        (s, via_child["displayName"].as_str()),
        (200, Some("Invoices"))
    );

    // Hidden folders only with includeHiddenFolders=true.
    let (s, _) = env
        .post(
            "/v1.0/me/mailFolders",
            &t,
            json!({"displayName": "Quiet", "isHidden": true}),
        )
        .await;
    assert_eq!(s, 201);
    let names = |v: &Value| -> Vec<String> {
        items(v)
            .iter()
            .map(|f| f["displayName"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = env.get("/v1.0/me/mailFolders?$top=50", &t).await;
    assert!(!names(&v).contains(&"Quiet".to_string()));
    let (_, v) = env
        .get("/v1.0/me/mailFolders?includeHiddenFolders=true&$top=50", &t)
        .await;
    assert!(names(&v).contains(&"Quiet".to_string()));

    // Rename; renaming onto a sibling's name is a conflict.
    let (s, renamed) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/mailFolders/{fid}"),
            &t,
            Some(json!({"displayName": "Suppliers"})),
            None,
        )
        .await;
    assert_eq!(
        (s, renamed["displayName"].as_str()),
        (200, Some("Suppliers"))
    );
    let (s, v) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/mailFolders/{fid}"),
            &t,
            Some(json!({"displayName": "Archive"})),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (409, "ErrorFolderExists"));

    // Well-known folders cannot be deleted; others go to Deleted Items, then for good.
    let (s, v) = env.delete("/v1.0/me/mailFolders/inbox", &t).await;
    assert_eq!((s, code(&v)), (403, "ErrorDeleteDistinguishedFolder"));
    let (s, _) = env.delete(&format!("/v1.0/me/mailFolders/{fid}"), &t).await;
    assert_eq!(s, 204);
    let (s, moved) = env.get(&format!("/v1.0/me/mailFolders/{fid}"), &t).await;
    assert_eq!(s, 200);
    let (_, bin) = env.get("/v1.0/me/mailFolders/deleteditems", &t).await;
    assert_eq!(moved["parentFolderId"], bin["id"]);
    let (s, _) = env
        .post(
            &format!("/v1.0/me/mailFolders/{fid}/permanentDelete"),
            &t,
            json!({}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, v) = env.get(&format!("/v1.0/me/mailFolders/{fid}"), &t).await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));
}

// ---------------------------------------------------------------------------------------------
// MailTips, categories, settings, rules
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn mail_tips_for_colleagues_externals_and_bad_addresses() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let (s, v) = env
        .post(
            "/v1.0/me/getMailTips",
            &t,
            json!({
                "EmailAddresses": ["nestor@contoso.example", "megan@contoso.example", "katherine.johnson@northwindtraders.example", "alex@fabrikam.example", "not an address", seed::SUPPORT_UPN],
                "MailTipsOptions": "automaticReplies, mailboxFullStatus, externalMemberCount, deliveryRestriction, recipientScope, customMailTip"
            }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let tips = items(&v);
    assert_eq!(tips.len(), 6);
    assert_eq!(tips[0]["emailAddress"]["address"], "nestor@contoso.example");
    assert!(tips[0]["automaticReplies"]["message"]
        .as_str()
        .unwrap()
        .contains("visiting sites"));
    assert_eq!(
        tips[0]["automaticReplies"]["messageLanguage"]["locale"],
        "en-US"
    );
    assert_eq!(tips[0]["recipientScope"], "internal");
    assert_eq!(tips[0]["mailboxFull"], false);
    assert_eq!(tips[0]["deliveryRestricted"], false);
    assert_eq!(tips[0]["externalMemberCount"], 0);
    // Megan's automatic replies are scheduled for later: nothing yet.
    assert_eq!(tips[1]["automaticReplies"]["message"], "");
    assert_eq!(tips[2]["recipientScope"], "external");
    assert!(tips[2].get("mailboxFull").is_none());
    assert_eq!(tips[3]["recipientScope"], "external");
    assert!(tips[4]["error"]["code"].is_string());
    assert!(tips[5]["customMailTip"]
        .as_str()
        .unwrap()
        .contains("shared"));
    let (s, v) = env
        .post(
            "/v1.0/me/getMailTips",
            &t,
            json!({"MailTipsOptions": "automaticReplies"}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "RequestBodyRead"));
    let (s, v) = env
        .post(
            "/v1.0/me/getMailTips",
            &t,
            json!({"EmailAddresses": ["a@b.example"], "MailTipsOptions": "bogus"}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "RequestBodyRead"));
}

#[tokio::test]
async fn master_categories_and_mailbox_settings() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let (s, cats) = env.get("/v1.0/me/outlook/masterCategories", &t).await;
    assert_eq!(s, 200);
    assert!(items(&cats)
        .iter()
        .any(|c| c["displayName"] == "Project Alpha"));
    let (s, c) = env
        .post(
            "/v1.0/me/outlook/masterCategories",
            &t,
            json!({"displayName": "Escalation", "color": "preset1"}),
        )
        .await;
    assert_eq!((s, c["color"].as_str()), (201, Some("preset1")));
    let (s, _) = env
        .post(
            "/v1.0/me/outlook/masterCategories",
            &t,
            json!({"displayName": "escalation"}),
        )
        .await;
    assert_eq!(s, 409);

    let (s, settings) = env.get("/v1.0/me/mailboxSettings", &t).await;
    assert_eq!(s, 200);
    assert_eq!(settings["timeZone"], "Pacific Standard Time");
    let patch = |body: Value| {
        let env = &env;
        let t = t.clone();
        async move {
            env.call("PATCH", "/v1.0/me/mailboxSettings", &t, Some(body), None)
                .await
        }
    };
    let (s, v) = patch(json!({"automaticRepliesSetting": {
        "status": "Scheduled",
        "scheduledStartDateTime": {"dateTime": "2026-06-10T08:00:00.0000000", "timeZone": "UTC"},
        "scheduledEndDateTime": {"dateTime": "2026-06-12T08:00:00.0000000", "timeZone": "UTC"},
        "internalReplyMessage": "Out until Friday."
    }}))
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v.get("timeZone").is_none(),
        "only the updated settings: {v}"
    );
    assert_eq!(v["automaticRepliesSetting"]["status"], "scheduled");
    assert_eq!(v["automaticRepliesSetting"]["externalAudience"], "all");
    let (s, v) = patch(json!({"timeZone": "Europe/Berlin", "language": {"locale": "de-DE"}})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["language"]["displayName"], "German (Germany)");
    let (s, v) = patch(json!({"timeZone": "Mars/Olympus_Mons"})).await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidTimeZone"));
    let (s, v) = patch(
        json!({"workingHours": {"startTime": "18:00:00.0000000", "endTime": "09:00:00.0000000"}}),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidTimeSettings"));
    let (s, v) = patch(json!({"workingHours": {"daysOfWeek": ["monday", "RandomDay"]}})).await;
    assert_eq!((s, code(&v)), (400, "InvalidArguments"));
    let (s, v) =
        patch(json!({"workingHours": {"timeZone": {"name": "Nowhere Standard Time"}}})).await;
    assert_eq!((s, code(&v)), (400, "InvalidTimeZone"));
    let (s, v) = patch(json!({"workingHours": {"daysOfWeek": ["Monday", "Tuesday"], "timeZone": {"name": "Eastern Standard Time"}}})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["workingHours"]["daysOfWeek"],
        json!(["monday", "tuesday"])
    );
    assert_eq!(v["workingHours"]["startTime"], "08:00:00.0000000");
    let (_, after) = env.get("/v1.0/me/mailboxSettings", &t).await;
    assert_eq!(after["timeZone"], "Europe/Berlin");
    assert_eq!(
        after["automaticRepliesSetting"]["internalReplyMessage"],
        "Out until Friday."
    );
}

#[tokio::test]
async fn inbox_rules_list_create_delete() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let (s, v) = env.get("/v1.0/me/mailFolders/inbox/messageRules", &t).await;
    assert_eq!(s, 200, "{v}");
    let seeded = items(&v);
    assert_eq!(seeded.len(), 2);
    assert!(seeded[0]["actions"]["moveToFolder"].is_string());
    let (s, rule) = env
        .post(
            "/v1.0/me/mailFolders/inbox/messageRules",
            &t,
            json!({
                "displayName": "From partner",
                "sequence": 3,
                "isEnabled": true,
                "conditions": {"senderContains": ["alex"]},
                "actions": {"moveToFolder": "archive", "stopProcessingRules": true}
            }),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    assert_eq!(rule["conditions"]["senderContains"], json!(["ALEX"]));
    assert_eq!(rule["hasError"], false);
    let (_, archive) = env.get("/v1.0/me/mailFolders/archive", &t).await;
    assert_eq!(rule["actions"]["moveToFolder"], archive["id"]);
    let (s, v) = env
        .post(
            "/v1.0/me/mailFolders/inbox/messageRules",
            &t,
            json!({"displayName": "No actions", "sequence": 4}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidParameter"));
    let (s, v) = env
        .post(
            "/v1.0/me/mailFolders/inbox/messageRules",
            &t,
            json!({"displayName": "Bad", "sequence": 4, "actions": {"moveToFolder": "nope"}}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let (s, _) = env
        .get("/v1.0/me/mailFolders/sentitems/messageRules", &t)
        .await;
    assert_eq!(s, 400);
    let rid = enc(rule["id"].as_str().unwrap());
    let (s, _) = env
        .delete(
            &format!("/v1.0/me/mailFolders/inbox/messageRules/{rid}"),
            &t,
        )
        .await;
    assert_eq!(s, 204);
    let (_, v) = env.get("/v1.0/me/mailFolders/inbox/messageRules", &t).await;
    assert_eq!(items(&v).len(), 2);
    let reader = env.token(seed::ADELE_ID, &["Mail.Read"]);
    let (s, v) = env
        .get("/v1.0/me/mailFolders/inbox/messageRules", &reader)
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
}

// ---------------------------------------------------------------------------------------------
// Delta
// ---------------------------------------------------------------------------------------------

/// One delta round from `link`: (items, deltaLink).
async fn delta_round(env: &Env, t: &str, link: &str) -> (Vec<Value>, String) {
    let mut out = Vec::new();
    let mut link = link.to_string();
    for _ in 0..500 {
        let r = env
            .request(
                "GET",
                &link,
                Some(t),
                &[("prefer", "odata.maxpagesize=7"), ("prefer", IMMUTABLE)],
                None,
            )
            .await;
        let v = body_json(&r);
        assert_eq!(r.status, 200, "{v}");
        let page = items(&v);
        assert!(page.len() <= 7);
        out.extend(page);
        if let Some(n) = v["@odata.nextLink"].as_str() {
            link = n.to_string();
        } else {
            return (
                out,
                v["@odata.deltaLink"]
                    .as_str()
                    .expect("deltaLink")
                    .to_string(),
            );
        }
    }
    panic!("endless delta round");
}

#[tokio::test]
async fn inbox_delta_reports_new_changed_and_removed_messages() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let (_, inbox) = env.get("/v1.0/me/mailFolders/inbox", &t).await;
    let (first, delta) = delta_round(
        &env,
        &t,
        "/v1.0/me/mailFolders/inbox/messages/delta?$select=subject,isRead",
    )
    .await;
    assert_eq!(
        first.len() as u64,
        inbox["totalItemCount"].as_u64().unwrap()
    );
    assert!(first
        .iter()
        .all(|m| m.get("body").is_none() && m["@odata.type"].is_string()));
    // Nothing changed: an empty round.
    let (none, delta) = delta_round(&env, &t, &delta).await;
    assert!(none.is_empty(), "{none:?}");

    let unread = first.iter().find(|m| m["isRead"] == false).unwrap();
    let read_id = unread["id"].as_str().unwrap().to_string();
    let moved_id = first.iter().find(|m| m["id"] != read_id.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/messages/{}", enc(&read_id)),
            &t,
            Some(json!({"isRead": true})),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = env
        .post(
            &format!("/v1.0/me/messages/{}/move", enc(&moved_id)),
            &t,
            json!({"destinationId": "archive"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = env
        .post(
            "/v1.0/me/sendMail",
            &t,
            json!({"message": {"subject": "Delta probe", "body": {"contentType": "text", "content": "x"}, "toRecipients": [{"emailAddress": {"address": seed::ADELE_UPN}}]}}),
        )
        .await;
    assert_eq!(s, 202);

    let (changes, delta) = delta_round(&env, &t, &delta).await;
    assert_eq!(changes.len(), 3, "{changes:#?}");
    let removed = changes
        .iter()
        .find(|m| m.get("@removed").is_some())
        .unwrap();
    assert_eq!(removed["id"], moved_id.as_str());
    assert_eq!(removed["@removed"]["reason"], "deleted");
    let updated = changes
        .iter()
        .find(|m| m["id"] == read_id.as_str())
        .unwrap();
    assert_eq!(updated["isRead"], true);
    assert!(updated.get("body").is_none(), "the token keeps $select");
    assert!(changes.iter().any(|m| m["subject"] == "Delta probe"));
    let (none, _) = delta_round(&env, &t, &delta).await;
    assert!(none.is_empty());

    // Bad tokens and unsupported options.
    let (s, v) = env
        .get(
            "/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=bogus",
            &t,
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidSyncStateData"));
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/mailFolders/inbox/messages/delta?{}",
                q(&[("$filter", "isRead eq false")])
            ),
            &t,
        )
        .await;
    assert_eq!((s, code(&v)), (400, "ErrorInvalidUrlQueryFilter"));
    let (s, _) = env
        .get(
            &format!(
                "/v1.0/me/mailFolders/inbox/messages/delta?{}",
                q(&[("$filter", "receivedDateTime ge 2026-05-01T00:00:00Z")])
            ),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = env
        .get(
            "/v1.0/me/mailFolders/inbox/messages/delta?$search=%22x%22",
            &t,
        )
        .await;
    assert_eq!(s, 400);
}

// ---------------------------------------------------------------------------------------------
// Drafts, sending, replies, move/copy/delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn drafts_attachments_and_upload_sessions() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let small = base64::engine::general_purpose::STANDARD.encode(b"hello, world");
    let (s, draft) = env
        .call(
            "POST",
            "/v1.0/me/messages",
            &t,
            Some(json!({
                "subject": "Quarterly numbers",
                "body": {"contentType": "html", "content": "<p>Draft</p>"},
                "toRecipients": [{"emailAddress": {"address": "megan@contoso.example"}}],
                "attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentType": "text/plain", "contentBytes": small}]
            })),
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 201, "{draft}");
    assert_eq!(
        (
            draft["isDraft"].as_bool(),
            draft["hasAttachments"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let id = draft["id"].as_str().unwrap().to_string();
    let path = format!("/v1.0/me/messages/{}", enc(&id));
    let (s, v) = env
        .call(
            "PATCH",
            &path,
            &t,
            Some(json!({"subject": "Q3 numbers"})),
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!((s, v["subject"].as_str()), (200, Some("Q3 numbers")));
    let (s, a) = env
        .post(
            &format!("{path}/attachments"),
            &t,
            json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "b.txt", "contentBytes": small}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let big = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 3 * 1024 * 1024 + 1]);
    let (s, v) = env
        .post(
            &format!("{path}/attachments"),
            &t,
            json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "big.bin", "contentBytes": big}),
        )
        .await;
    assert_eq!((s, code(&v)), (413, "ErrorAttachmentSizeLimitExceeded"));
    let (s, v) = env
        .post(
            &format!("{path}/attachments/createUploadSession"),
            &t,
            json!({"AttachmentItem": {"attachmentType": "file", "name": "tiny.bin", "size": 1000}}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize")
    );
    let size = 4 * 1024 * 1024 + 100;
    let (s, session) = env
        .post(
            &format!("{path}/attachments/createUploadSession"),
            &t,
            json!({"AttachmentItem": {"attachmentType": "file", "name": "video.mp4", "size": size, "contentType": "video/mp4"}}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let url = session["uploadUrl"].as_str().unwrap().to_string();
    let data = vec![42u8; size];
    let chunk = 3 * 1024 * 1024;
    let mut start = 0;
    let mut last = None;
    while start < size {
        let end = (start + chunk).min(size);
        let upload = url.strip_prefix("http://sandbox.test").unwrap();
        let req = axum::http::Request::builder()
            .method("PUT")
            .uri(upload)
            .header("content-range", format!("bytes {start}-{}/{size}", end - 1))
            .body(axum::body::Body::from(data[start..end].to_vec()))
            .unwrap();
        let r = common::send_raw(m365_sandbox::app(env.sb.clone()), req).await;
        assert!(r.status == 200 || r.status == 201, "{}", r.text());
        last = Some(r);
        start = end;
    }
    let last = last.unwrap();
    assert_eq!(last.status, 201);
    let location = header(&last, "location");
    assert!(location.contains("/Attachments('"), "{location}");
    let aid = location
        .rsplit("Attachments('")
        .next()
        .unwrap()
        .trim_end_matches("')")
        .to_string();
    let (_, atts) = env.get(&format!("{path}/attachments"), &t).await;
    let video = items(&atts)
        .into_iter()
        .find(|a| a["name"] == "video.mp4")
        .unwrap();
    assert_eq!(video["size"].as_u64(), Some(size as u64));
    assert_eq!(video["id"], aid.as_str());

    // Received mail takes only flags, read state, categories…
    let received = message_id(&env, &t, "isRead eq false and isDraft eq false").await;
    let rpath = format!("/v1.0/me/messages/{}", enc(&received));
    let (s, v) = env
        .call(
            "PATCH",
            &rpath,
            &t,
            Some(json!({"isRead": true, "flag": {"flagStatus": "flagged"}, "categories": ["Travel"]})),
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["isRead"].as_bool(), v["flag"]["flagStatus"].as_str()),
        (Some(true), Some("flagged"))
    );
    let (s, v) = env
        .call(
            "PATCH",
            &rpath,
            &t,
            Some(json!({"subject": "edited"})),
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (400, "ErrorInvalidPropertyUpdateSentMessage")
    );

    // Send the draft: 202, and it is in Sent Items under the same immutable id.
    let (s, _) = env
        .call("POST", &format!("{path}/send"), &t, None, Some(IMMUTABLE))
        .await;
    assert_eq!(s, 202);
    let (s, sent) = env.call("GET", &path, &t, None, Some(IMMUTABLE)).await;
    assert_eq!(s, 200);
    let (_, si) = env.get("/v1.0/me/mailFolders/sentitems", &t).await;
    assert_eq!(sent["parentFolderId"], si["id"]);
    assert_eq!(sent["isDraft"], false);
}

#[tokio::test]
async fn replies_forwards_send_mail_move_copy_and_delete() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let original = message_id(
        &env,
        &t,
        "from/emailAddress/address eq 'megan@contoso.example' and isDraft eq false",
    )
    .await;
    let base = format!("/v1.0/me/messages/{}", enc(&original));
    let (_, orig) = env.call("GET", &base, &t, None, Some(IMMUTABLE)).await;
    for (action, prefix) in [
        ("createReply", "RE: "),
        ("createReplyAll", "RE: "),
        ("createForward", "FW: "),
    ] {
        let body = if action == "createForward" {
            json!({"toRecipients": [{"emailAddress": {"address": "lee@contoso.example"}}], "comment": "FYI"})
        } else {
            json!({"comment": "Thanks"})
        };
        let (s, d) = env
            .call(
                "POST",
                &format!("{base}/{action}"),
                &t,
                Some(body),
                Some(IMMUTABLE),
            )
            .await;
        assert_eq!(s, 201, "{action}: {d}");
        assert_eq!(d["isDraft"], true);
        assert!(
            d["subject"].as_str().unwrap().starts_with(prefix.trim()),
            "{d}"
        );
        assert_eq!(d["conversationId"], orig["conversationId"]);
    }
    for action in ["reply", "replyAll"] {
        let (s, v) = env
            .post(
                &format!("{base}/{action}"),
                &t,
                json!({"comment": "Noted."}),
            )
            .await;
        assert_eq!(s, 202, "{action}: {v}");
    }
    let (s, _) = env
        .post(
            &format!("{base}/forward"),
            &t,
            json!({"comment": "see below", "toRecipients": [{"emailAddress": {"address": "patti@contoso.example"}}]}),
        )
        .await;
    assert_eq!(s, 202);
    let (s, _) = env
        .post(
            "/v1.0/me/sendMail",
            &t,
            json!({"message": {"subject": "Not kept", "toRecipients": [{"emailAddress": {"address": "lee@contoso.example"}}]}, "saveToSentItems": false}),
        )
        .await;
    assert_eq!(s, 202);
    let (_, v) = env
        .get(
            &format!(
                "/v1.0/me/mailFolders/sentitems/messages?{}",
                q(&[("$filter", "subject eq 'Not kept'")])
            ),
            &t,
        )
        .await;
    assert!(items(&v).is_empty());

    // Move keeps the immutable id; copy makes a new one.
    let (s, moved) = env
        .call(
            "POST",
            &format!("{base}/move"),
            &t,
            Some(json!({"destinationId": "archive"})),
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!((s, moved["id"].as_str()), (201, Some(original.as_str())));
    let (s, copy) = env
        .call(
            "POST",
            &format!("{base}/copy"),
            &t,
            Some(json!({"destinationId": "inbox"})),
            Some(IMMUTABLE),
        )
        .await;
    assert_eq!(s, 201);
    assert_ne!(copy["id"], moved["id"]);
    let (s, v) = env
        .post(
            &format!("{base}/move"),
            &t,
            json!({"destinationId": "nowhere"}),
        )
        .await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));

    // DELETE moves to Deleted Items; deleting there removes; permanentDelete skips the bin.
    let (s, _) = env.delete(&base, &t).await;
    assert_eq!(s, 204);
    let (s, binned) = env.call("GET", &base, &t, None, Some(IMMUTABLE)).await;
    assert_eq!(s, 200);
    let (_, bin) = env.get("/v1.0/me/mailFolders/deleteditems", &t).await;
    assert_eq!(binned["parentFolderId"], bin["id"]);
    let (s, _) = env.delete(&base, &t).await;
    assert_eq!(s, 204);
    let (s, _) = env.call("GET", &base, &t, None, Some(IMMUTABLE)).await;
    assert_eq!(s, 404);
    let cpath = format!("/v1.0/me/messages/{}", enc(copy["id"].as_str().unwrap()));
    let (s, _) = env
        .post(&format!("{cpath}/permanentDelete"), &t, json!({}))
        .await;
    assert_eq!(s, 204);
    let (s, v) = env.get(&cpath, &t).await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));
}

// ---------------------------------------------------------------------------------------------
// Microsoft Search API
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn search_query_for_messages_work_accounts_only() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, MAIL);
    let (s, v) = env
        .post(
            "/v1.0/search/query",
            &t,
            json!({"requests": [{"entityTypes": ["message"], "query": {"queryString": "Alpha"}, "from": 0, "size": 5}]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let container = &v["value"][0]["hitsContainers"][0];
    let hits = container["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 5);
    assert_eq!(container["total"], 5);
    assert_eq!(container["moreResultsAvailable"], true);
    assert_eq!(v["value"][0]["searchTerms"], json!(["alpha"]));
    let hit = &hits[0];
    assert_eq!(hit["resource"]["@odata.type"], "#microsoft.graph.message");
    assert!(hit["summary"].is_string());
    let dates: Vec<String> = hits
        .iter()
        .map(|h| {
            h["resource"]["receivedDateTime"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    // hitId is the message id.
    let (s, _) = env
        .get(
            &format!("/v1.0/me/messages/{}", enc(hit["hitId"].as_str().unwrap())),
            &t,
        )
        .await;
    assert_eq!(s, 200);

    let sam = env.token(seed::PERSONAL_USER_ID, &["Mail.Read"]);
    let (s, v) = env
        .post(
            "/v1.0/search/query",
            &sam,
            json!({"requests": [{"entityTypes": ["message"], "query": {"queryString": "x"}}]}),
        )
        .await;
    assert_eq!((s, code(&v)), (403, "Forbidden"));
    let (s, v) = env
        .post(
            "/v1.0/search/query",
            &t,
            json!({"requests": [{"entityTypes": ["message"]}], "bogus": 1}),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "RequestBodyRead"));
}

// ---------------------------------------------------------------------------------------------
// Shared mailboxes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn shared_mailbox_needs_delegation_and_shared_scopes() {
    let env = Env::new();
    let inbox = format!(
        "/v1.0/users/{}/mailFolders/inbox/messages",
        seed::SUPPORT_UPN
    );
    // Own scopes do not reach another mailbox.
    let own = env.token(seed::ADELE_ID, MAIL);
    let (s, v) = env.get(&inbox, &own).await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    // Mail.Read.Shared reads…
    let read = env.token(seed::ADELE_ID, &["Mail.Read.Shared"]);
    let (s, v) = env.get(&inbox, &read).await;
    assert_eq!(s, 200, "{v}");
    let list = items(&v);
    assert!(list.len() >= 5);
    assert!(list
        .iter()
        .any(|m| m["subject"] == fixtures::SUPPORT_DAMAGED_SUBJECT));
    assert!(list.iter().all(|m| m["isDraft"] == false));
    let (s, _) = env
        .get(
            &format!(
                "/v1.0/users/{}/mailFolders?$top=20",
                seed::SUPPORT_MAILBOX_ID
            ),
            &read,
        )
        .await;
    assert_eq!(s, 200);
    let target = list.iter().find(|m| m["isRead"] == false).unwrap();
    let path = format!(
        "/v1.0/users/{}/messages/{}",
        seed::SUPPORT_UPN,
        enc(target["id"].as_str().unwrap())
    );
    let (s, m) = env.get(&path, &read).await;
    assert_eq!(s, 200, "{m}");
    // …but does not write.
    let (s, v) = env
        .call("PATCH", &path, &read, Some(json!({"isRead": true})), None)
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    let write = env.token(seed::ADELE_ID, &["Mail.ReadWrite.Shared"]);
    let (s, v) = env
        .call("PATCH", &path, &write, Some(json!({"isRead": true})), None)
        .await;
    assert_eq!((s, v["isRead"].as_bool()), (200, Some(true)));
    let (s, v) = env
        .post(
            &format!("{path}/move"),
            &write,
            json!({"destinationId": "archive"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    // Sending from it needs Mail.Send.Shared.
    let send = format!("/v1.0/users/{}/sendMail", seed::SUPPORT_UPN);
    let msg = json!({"message": {"subject": "Your ticket", "toRecipients": [{"emailAddress": {"address": "jon.smith@tailspintoys.example"}}]}});
    let (s, _) = env.post(&send, &write, msg.clone()).await;
    assert_eq!(s, 403);
    let sender = env.token(seed::ADELE_ID, &["Mail.Send.Shared"]);
    let (s, v) = env.post(&send, &sender, msg).await;
    assert_eq!(s, 202, "{v}");
    // Only mail: settings, rules and calendars of the shared mailbox stay closed.
    for p in [
        "mailboxSettings",
        "calendar/events",
        "contacts",
        "mailFolders/inbox/messageRules",
    ] {
        let (s, v) = env
            .get(&format!("/v1.0/users/{}/{p}", seed::SUPPORT_UPN), &write)
            .await;
        assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"), "{p}");
    }
    // Megan has no access to the support mailbox; Adele none to Megan's.
    let megan = env.token(seed::MEGAN_ID, &["Mail.ReadWrite.Shared"]);
    let (s, v) = env.get(&inbox, &megan).await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    let (s, v) = env
        .get("/v1.0/users/megan@contoso.example/messages", &write)
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    // Another tenant's users are not found at all.
    let alex = env.token(seed::ALEX_ID, &["Mail.ReadWrite.Shared"]);
    let (s, _) = env.get(&inbox, &alex).await;
    assert_eq!(s, 404);
}

// ---------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------

const CAL: &[&str] = &[
    "User.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "MailboxSettings.Read",
];

#[tokio::test]
async fn calendar_create_query_update_and_views() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, CAL);
    let (s, cals) = env.get("/v1.0/me/calendars", &t).await;
    assert_eq!(s, 200);
    assert!(items(&cals).iter().any(|c| c["isDefaultCalendar"] == true));
    let (s, cal) = env
        .post("/v1.0/me/calendars", &t, json!({"name": "Launch plan"}))
        .await;
    assert_eq!(s, 201, "{cal}");
    let cid = enc(cal["id"].as_str().unwrap());

    // A weekly series with every attendee type and no responses requested.
    let (s, ev) = env
        .post(
            &format!("/v1.0/me/calendars/{cid}/events"),
            &t,
            json!({
                "subject": "Launch stand-up",
                "start": {"dateTime": "2026-06-08T09:00:00", "timeZone": "Pacific Standard Time"},
                "end": {"dateTime": "2026-06-08T09:15:00", "timeZone": "Pacific Standard Time"},
                "responseRequested": false,
                "isOnlineMeeting": true,
                "onlineMeetingProvider": "teamsForBusiness",
                "attendees": [
                    {"type": "required", "emailAddress": {"address": "lee@contoso.example", "name": "Lee Gu"}},
                    {"type": "optional", "emailAddress": {"address": "megan@contoso.example", "name": "Megan Bowen"}},
                    {"type": "resource", "emailAddress": {"address": "room.rainier@contoso.example", "name": "Rainier"}}
                ],
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "sunday"},
                    "range": {"type": "numbered", "startDate": "2026-06-08", "numberOfOccurrences": 6}
                }
            }),
        )
        .await;
    assert_eq!(s, 201, "{ev}");
    assert_eq!(ev["responseRequested"], false);
    assert_eq!(ev["type"], "seriesMaster");
    assert!(ev["onlineMeeting"]["joinUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://teams.microsoft.com/")));
    let types: Vec<&str> = ev["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["required", "optional", "resource"]);
    let id = enc(ev["id"].as_str().unwrap());

    // The calendar's view expands the series, in the zone asked for (IANA accepted).
    let view = format!(
        "/v1.0/me/calendars/{cid}/calendarView?{}",
        q(&[
            ("startDateTime", "2026-06-01T00:00:00Z"),
            ("endDateTime", "2026-07-01T00:00:00Z"),
        ])
    );
    let r = env
        .request(
            "GET",
            &view,
            Some(&t),
            &[("prefer", "outlook.timezone=\"America/New_York\"")],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let occ = items(&body_json(&r));
    assert_eq!(occ.len(), 6);
    assert!(occ
        .iter()
        .all(|o| o["type"] == "occurrence" && o["seriesMasterId"].is_string()));
    assert_eq!(occ[0]["start"]["timeZone"], "America/New_York");
    assert!(occ[0]["start"]["dateTime"]
        .as_str()
        .unwrap()
        .starts_with("2026-06-08T12:00"));

    // Filters the tools use on events (`/me/events` is the default calendar; this one is not).
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/calendars/{cid}/events?{}",
                q(&[
                    ("$filter", "contains(subject,'stand-up')"),
                    ("$select", "subject")
                ])
            ),
            &t,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v).iter().any(|e| e["subject"] == "Launch stand-up"));

    // Update and delete.
    let (s, v) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/events/{id}"),
            &t,
            Some(json!({"subject": "Launch daily", "location": {"displayName": "Rainier"}})),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["location"]["displayName"], "Rainier");
    // All-day events need midnight boundaries.
    let (s, v) = env
        .post(
            "/v1.0/me/events",
            &t,
            json!({"subject": "Offsite", "isAllDay": true,
                   "start": {"dateTime": "2026-06-20T09:00:00", "timeZone": "Pacific Standard Time"},
                   "end": {"dateTime": "2026-06-21T00:00:00", "timeZone": "Pacific Standard Time"}}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let (s, day) = env
        .post(
            "/v1.0/me/events",
            &t,
            json!({"subject": "Offsite", "isAllDay": true,
                   "start": {"dateTime": "2026-06-20T00:00:00", "timeZone": "Pacific Standard Time"},
                   "end": {"dateTime": "2026-06-21T00:00:00", "timeZone": "Pacific Standard Time"}}),
        )
        .await;
    assert_eq!(s, 201, "{day}");
    // Event attachments.
    let did = enc(day["id"].as_str().unwrap());
    let bytes = base64::engine::general_purpose::STANDARD.encode(b"agenda");
    let (s, a) = env
        .post(
            &format!("/v1.0/me/events/{did}/attachments"),
            &t,
            json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "agenda.txt", "contentBytes": bytes}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, list) = env
        .get(&format!("/v1.0/me/events/{did}/attachments"), &t)
        .await;
    assert_eq!((s, items(&list).len()), (200, 1));
    // Large files go through an upload session, as for messages.
    let size = 3 * 1024 * 1024 + 10;
    let (s, session) = env
        .post(
            &format!("/v1.0/me/events/{did}/attachments/createUploadSession"),
            &t,
            json!({"AttachmentItem": {"attachmentType": "file", "name": "deck.pptx", "size": size}}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let put = axum::http::Request::builder()
        .method("PUT")
        .uri(
            session["uploadUrl"]
                .as_str()
                .unwrap()
                .strip_prefix("http://sandbox.test")
                .unwrap(),
        )
        .header("content-range", format!("bytes 0-{}/{size}", size - 1))
        .body(axum::body::Body::from(vec![1u8; size]))
        .unwrap();
    let r = common::send_raw(m365_sandbox::app(env.sb.clone()), put).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(header(&r, "location").contains("/Events('"));
    let (_, list) = env
        .get(&format!("/v1.0/me/events/{did}/attachments"), &t)
        .await;
    assert_eq!(items(&list).len(), 2);
    let (s, _) = env.delete(&format!("/v1.0/me/events/{id}"), &t).await;
    assert_eq!(s, 204);
    let (s, v) = env.get(&format!("/v1.0/me/events/{id}"), &t).await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));

    // Reminders in a window.
    let (s, v) = env
        .get(
            "/v1.0/me/reminderView(startDateTime='2026-06-01T00:00:00',endDateTime='2026-06-08T00:00:00')",
            &t,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v).iter().all(|r| r["eventSubject"].is_string()));
}

#[tokio::test]
async fn calendar_scheduling_helpers() {
    let env = Env::new();
    let t = env.token(seed::ADELE_ID, CAL);
    let (s, v) = env
        .call(
            "POST",
            "/v1.0/me/calendar/getSchedule",
            &t,
            Some(json!({
                "schedules": ["megan@contoso.example", "lee@contoso.example"],
                "startTime": {"dateTime": "2026-06-02T08:00:00", "timeZone": "Pacific Standard Time"},
                "endTime": {"dateTime": "2026-06-02T18:00:00", "timeZone": "Pacific Standard Time"},
                "availabilityViewInterval": 60
            })),
            Some("outlook.timezone=\"Pacific Standard Time\""),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let sched = items(&v);
    assert_eq!(sched.len(), 2);
    assert_eq!(sched[0]["availabilityView"].as_str().unwrap().len(), 10);
    assert!(sched[0]["scheduleItems"].is_array());
    let (s, v) = env
        .post(
            "/v1.0/me/findMeetingTimes",
            &t,
            json!({
                "attendees": [{"type": "required", "emailAddress": {"address": "lee@contoso.example"}}],
                "timeConstraint": {"activityDomain": "work", "timeSlots": [{
                    "start": {"dateTime": "2026-06-02T09:00:00", "timeZone": "Pacific Standard Time"},
                    "end": {"dateTime": "2026-06-04T17:00:00", "timeZone": "Pacific Standard Time"}}]},
                "meetingDuration": "PT30M",
                "maxCandidates": 5
            }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["meetingTimeSuggestions"].is_array());
}

// ---------------------------------------------------------------------------------------------
// Contacts, people, profile, time zones and languages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_people_profile_and_outlook_lists() {
    let env = Env::new();
    let t = env.token(
        seed::ADELE_ID,
        &[
            "User.Read",
            "Contacts.ReadWrite",
            "People.Read",
            "MailboxSettings.Read",
        ],
    );
    let (s, me) = env
        .get("/v1.0/me?$select=displayName,mail,userPrincipalName", &t)
        .await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["displayName"], "Adele Vance");
    assert_eq!(me["mail"], seed::ADELE_UPN);
    assert_eq!(me["userPrincipalName"], seed::ADELE_UPN);

    let (s, list) = env
        .get(
            "/v1.0/me/contacts?$top=5&$select=displayName,emailAddresses",
            &t,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(items(&list).len(), 5);
    assert!(list["@odata.nextLink"].is_string());
    let (s, c) = env
        .post(
            "/v1.0/me/contacts",
            &t,
            json!({"givenName": "Pavel", "surname": "Bansky", "emailAddresses": [{"address": "pavel@fabrikam.example", "name": "Pavel Bansky"}], "businessPhones": ["+1 732 555 0102"]}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["displayName"], "Pavel Bansky");
    let cid = enc(c["id"].as_str().unwrap());
    let (s, v) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/contacts/{cid}"),
            &t,
            Some(json!({"jobTitle": "Buyer"})),
            None,
        )
        .await;
    assert_eq!((s, v["jobTitle"].as_str()), (200, Some("Buyer")));
    let (s, _) = env.get(&format!("/v1.0/me/contacts/{cid}"), &t).await;
    assert_eq!(s, 200);
    let (s, _) = env.delete(&format!("/v1.0/me/contacts/{cid}"), &t).await;
    assert_eq!(s, 204);
    let (s, v) = env.get(&format!("/v1.0/me/contacts/{cid}"), &t).await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));

    let (s, folders) = env.get("/v1.0/me/contactFolders", &t).await;
    assert_eq!(s, 200);
    let (s, f) = env
        .post(
            "/v1.0/me/contactFolders",
            &t,
            json!({"displayName": "Suppliers"}),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let (s, v) = env
        .post(
            "/v1.0/me/contactFolders",
            &t,
            json!({"displayName": "Suppliers"}),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "ErrorFolderExists"));
    let fid = enc(f["id"].as_str().unwrap());
    let (s, inside) = env
        .post(
            &format!("/v1.0/me/contactFolders/{fid}/contacts"),
            &t,
            json!({"displayName": "Wingtip Sales", "emailAddresses": [{"address": "sales@wingtip.example"}]}),
        )
        .await;
    assert_eq!(s, 201, "{inside}");
    let (s, v) = env
        .get(&format!("/v1.0/me/contactFolders/{fid}/contacts"), &t)
        .await;
    assert_eq!((s, items(&v).len()), (200, 1));
    assert!(!items(&folders).is_empty());

    let (s, v) = env
        .get(
            &format!("/v1.0/me/people?{}", q(&[("$search", "\"megan\"")])),
            &t,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v)[0]["displayName"], "Megan Bowen");

    let (s, v) = env.get("/v1.0/me/outlook/supportedTimeZones", &t).await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v)
        .iter()
        .any(|z| z["alias"] == "Pacific Standard Time"));
    let (s, v) = env
        .get(
            "/v1.0/me/outlook/supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')",
            &t,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v)
        .iter()
        .any(|z| z["alias"] == "America/Los_Angeles"));
    let (s, short) = env
        .get(
            "/v1.0/me/outlook/supportedTimeZones(TimeZoneStandard='Iana')",
            &t,
        )
        .await;
    assert_eq!((s, items(&short).len()), (200, items(&v).len()), "{short}");
    let (s, v) = env.get("/v1.0/me/outlook/supportedLanguages", &t).await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v).iter().any(|l| l["locale"] == "en-US"));
}

// ---------------------------------------------------------------------------------------------
// Personal accounts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn personal_account_answers() {
    let env = Env::new();
    let sam = env.token(
        seed::PERSONAL_USER_ID,
        &[
            "User.Read",
            "Mail.ReadWrite",
            "Chat.ReadWrite",
            "Team.ReadBasic.All",
        ],
    );
    for path in ["/v1.0/me/chats", "/v1.0/me/joinedTeams"] {
        let (s, v) = env.get(path, &sam).await;
        assert_eq!(s, 403, "{path}");
        assert_eq!(
            v["error"]["message"],
            "No authorization information present"
        );
    }
    // Mail works; MailTips see everyone as external.
    let (s, v) = env
        .get("/v1.0/me/mailFolders/inbox/messages?$top=3", &sam)
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = env
        .post(
            "/v1.0/me/getMailTips",
            &sam,
            json!({"EmailAddresses": ["jordan.lee@outlook.example"], "MailTipsOptions": "recipientScope"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v)[0]["recipientScope"], "external");
}
