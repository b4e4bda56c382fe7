//! People, contacts, Teams channels and chats, and online meetings over HTTP.

mod common;

use common::{code, enc, items, q, Env};
use m365_sandbox::seed::{self, fixtures};
use serde_json::{json, Value};

const TEAMS: &[&str] = &[
    "User.Read",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "ChannelMessage.Read.All",
    "ChannelMessage.Send",
    "TeamMember.Read.All",
    "Chat.ReadWrite",
    "ChatMessage.Send",
    "OnlineMeetings.ReadWrite",
];

fn names(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|p| p["displayName"].as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn people_search_is_fuzzy_and_keeps_relevance_order() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, &["People.Read"]);
    let (s, all) = env.get("/v1.0/me/people?$top=50", &adele).await;
    assert_eq!(s, 200, "{all}");
    let everyone = names(&all);
    assert!(everyone.len() > 5);
    // $top keeps the stored (relevance) order.
    let (_, top3) = env.get("/v1.0/me/people?$top=3", &adele).await;
    assert_eq!(names(&top3), everyone[..3].to_vec());
    // Prefix and misspelled names both find Katherine.
    for term in ["\"kath\"", "\"Kathrine\"", "\"katherine johnson\""] {
        let (s, v) = env
            .get(
                &format!("/v1.0/me/people?{}", q(&[("$search", term)])),
                &adele,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert!(
            names(&v).contains(&"Katherine Johnson".to_string()),
            "{term}: {v}"
        );
        assert!(
            !names(&v).contains(&"Megan Bowen".to_string()),
            "{term}: {v}"
        );
    }
    // By address too.
    let (_, v) = env
        .get(
            &format!(
                "/v1.0/me/people?{}",
                q(&[("$search", "\"northwindtraders\"")])
            ),
            &adele,
        )
        .await;
    assert!(names(&v).contains(&"Katherine Johnson".to_string()), "{v}");
    // $skip is not supported with $search.
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/people?{}",
                q(&[("$search", "\"kath\""), ("$skip", "1")])
            ),
            &adele,
        )
        .await;
    assert_eq!((s, code(&v)), (400, "BadRequest"));
    // $select.
    let (_, v) = env
        .get("/v1.0/me/people?$top=1&$select=displayName", &adele)
        .await;
    let first = &items(&v)[0];
    assert!(
        first.get("displayName").is_some() && first.get("scoredEmailAddresses").is_none(),
        "{first}"
    );
    // Personal accounts have people too; a token without People.Read does not.
    let sam = env.token(seed::PERSONAL_USER_ID, &["People.Read"]);
    let (s, v) = env.get("/v1.0/me/people", &sam).await;
    assert_eq!(s, 200, "{v}");
    let mail_only = env.token(seed::ADELE_ID, &["Mail.Read"]);
    let (s, v) = env.get("/v1.0/me/people", &mail_only).await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
}

// ---------------------------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_crud_folders_and_filters() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, &["Contacts.ReadWrite"]);
    let (s, v) = env.get("/v1.0/me/contacts?$top=100", &adele).await;
    assert_eq!(s, 200, "{v}");
    assert!(names(&v).contains(&"Megan Bowen".to_string()));
    // Filter on an address inside emailAddresses.
    let path = format!(
        "/v1.0/me/contacts?{}",
        q(&[(
            "$filter",
            "emailAddresses/any(a:a/address eq 'katherine.johnson@northwindtraders.example')"
        )])
    );
    let (s, v) = env.get(&path, &adele).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(names(&v), ["Katherine Johnson"]);
    // No $search on contacts.
    let (s, _) = env
        .get(
            &format!("/v1.0/me/contacts?{}", q(&[("$search", "\"katherine\"")])),
            &adele,
        )
        .await;
    assert_eq!(s, 400);
    // Create: the display name is generated from the name parts.
    let (s, c) = env
        .post("/v1.0/me/contacts", &adele, json!({"givenName": "Rosa", "surname": "Diaz", "emailAddresses": [{"address": "rosa@example.org", "name": "Rosa Diaz"}]}))
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["displayName"], "Rosa Diaz");
    assert_eq!(c["fileAs"], "Diaz, Rosa");
    let id = c["id"].as_str().expect("id").to_string();
    // Renaming regenerates it unless displayName is given.
    let (s, c) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/contacts/{}", enc(&id)),
            &adele,
            Some(json!({"givenName": "Rosalind"})),
            None,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["displayName"], "Rosalind Diaz");
    // Unknown properties are refused.
    let (s, _) = env
        .call(
            "PATCH",
            &format!("/v1.0/me/contacts/{}", enc(&id)),
            &adele,
            Some(json!({"favouriteColour": "red"})),
            None,
        )
        .await;
    assert_eq!(s, 400);
    // Folders: the seeded Vendors folder sits in the default Contacts folder.
    let (s, v) = env.get("/v1.0/me/contactFolders", &adele).await;
    assert_eq!(s, 200, "{v}");
    assert!(names(&v).contains(&"Vendors".to_string()), "{v}");
    let (s, f) = env
        .post(
            "/v1.0/me/contactFolders",
            &adele,
            json!({"displayName": "Suppliers"}),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let (s, v) = env
        .post(
            "/v1.0/me/contactFolders",
            &adele,
            json!({"displayName": "suppliers"}),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "ErrorFolderExists"));
    let fid = f["id"].as_str().expect("id").to_string();
    let (s, sub) = env
        .post(
            &format!("/v1.0/me/contactFolders/{}/childFolders", enc(&fid)),
            &adele,
            json!({"displayName": "EU"}),
        )
        .await;
    assert_eq!(s, 201, "{sub}");
    let (s, c2) = env
        .post(
            &format!("/v1.0/me/contactFolders/{}/contacts", enc(&fid)),
            &adele,
            json!({"companyName": "Acme Widgets"}),
        )
        .await;
    assert_eq!(s, 201, "{c2}");
    assert_eq!(c2["displayName"], "Acme Widgets");
    assert_eq!(c2["parentFolderId"], f["id"]);
    let (_, v) = env
        .get(
            &format!("/v1.0/me/contactFolders/{}/contacts", enc(&fid)),
            &adele,
        )
        .await;
    assert_eq!(names(&v), ["Acme Widgets"]);
    let (_, v) = env
        .get(
            &format!("/v1.0/me/contactFolders/{}/childFolders", enc(&fid)),
            &adele,
        )
        .await;
    assert_eq!(names(&v), ["EU"]);
    // Not in the default folder.
    let (_, v) = env.get("/v1.0/me/contacts?$top=200", &adele).await;
    assert!(!names(&v).contains(&"Acme Widgets".to_string()));
    // Delete the folder (and what is in it); delete a contact.
    let (s, _) = env
        .delete(&format!("/v1.0/me/contactFolders/{}", enc(&fid)), &adele)
        .await;
    assert_eq!(s, 204);
    let (s, _) = env
        .get(
            &format!("/v1.0/me/contacts/{}", enc(c2["id"].as_str().expect("id"))),
            &adele,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = env
        .delete(&format!("/v1.0/me/contacts/{}", enc(&id)), &adele)
        .await;
    assert_eq!(s, 204);
    let (s, v) = env
        .get(&format!("/v1.0/me/contacts/{}", enc(&id)), &adele)
        .await;
    assert_eq!((s, code(&v)), (404, "ErrorItemNotFound"));
    // Read-only token.
    let ro = env.token(seed::ADELE_ID, &["Contacts.Read"]);
    let (s, _) = env
        .post("/v1.0/me/contacts", &ro, json!({"givenName": "X"}))
        .await;
    assert_eq!(s, 403);
}

// ---------------------------------------------------------------------------------------------
// Teams
// ---------------------------------------------------------------------------------------------

async fn alpha_general(env: &Env, token: &str) -> (String, String) {
    let (s, v) = env.get("/v1.0/me/joinedTeams", token).await;
    assert_eq!(s, 200, "{v}");
    let team = items(&v)
        .into_iter()
        .find(|t| t["displayName"] == "Project Alpha")
        .expect("Project Alpha");
    let tid = team["id"].as_str().expect("id").to_string();
    let (s, v) = env.get(&format!("/v1.0/teams/{tid}/channels"), token).await;
    assert_eq!(s, 200, "{v}");
    let general = items(&v)
        .into_iter()
        .find(|c| c["displayName"] == "General")
        .expect("General");
    (tid, general["id"].as_str().expect("id").to_string())
}

fn mention(id: u32, name: &str, user: &str) -> Value {
    json!({"id": id, "mentionText": name, "mentioned": {"user": {"id": user, "displayName": name, "userIdentityType": "aadUser"}}})
}

#[tokio::test]
async fn channel_posts_need_matching_mentions() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, TEAMS);
    let (tid, cid) = alpha_general(&env, &adele).await;
    let messages = format!("/v1.0/teams/{tid}/channels/{}/messages", enc(&cid));
    // A mention with its marker.
    let (s, m) = env
        .post(
            &messages,
            &adele,
            json!({
                "subject": "Launch checklist",
                "body": {"contentType": "html", "content": "<p>Thanks <at id=\"0\">Megan Bowen</at> for the comms plan!</p>"},
                "mentions": [mention(0, "Megan Bowen", seed::MEGAN_ID)],
            }),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["from"]["user"]["id"], seed::ADELE_ID);
    assert_eq!(m["channelIdentity"]["teamId"], tid.as_str());
    assert_eq!(m["mentions"][0]["mentionText"], "Megan Bowen");
    let mid = m["id"].as_str().expect("id").to_string();
    // Newest first.
    let (s, v) = env.get(&format!("{messages}?$top=5"), &adele).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v)[0]["id"], mid.as_str());
    // A mentions entry without its marker.
    let (s, v) = env
        .post(&messages, &adele, json!({"body": {"contentType": "html", "content": "<p>Hello Megan</p>"}, "mentions": [mention(0, "Megan Bowen", seed::MEGAN_ID)]}))
        .await;
    assert_eq!((s, code(&v)), (400, "BadRequest"));
    assert_eq!(
        v["error"]["message"],
        "Body does not contain marker for mention with Id '0'. Add 'Megan Bowen' to the body."
    );
    // A marker without its entry.
    let (s, v) = env.post(&messages, &adele, json!({"body": {"contentType": "html", "content": "<p>Hi <at id=\"1\">Lee Gu</at></p>"}})).await;
    assert_eq!((s, code(&v)), (400, "BadRequest"));
    // Replies.
    let (s, r) = env
        .post(
            &format!("{messages}/{mid}/replies"),
            &adele,
            json!({"body": {"content": "Adding the dates."}}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["replyToId"], mid.as_str());
    let (_, v) = env.get(&format!("{messages}/{mid}/replies"), &adele).await;
    assert!(items(&v).iter().any(|x| x["id"] == r["id"]));
    let (s, v) = env.get(&format!("{messages}/{mid}"), &adele).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["subject"], "Launch checklist");
    // Sending needs ChannelMessage.Send.
    let reader = env.token(
        seed::ADELE_ID,
        &["ChannelMessage.Read.All", "Team.ReadBasic.All"],
    );
    let (s, v) = env
        .post(&messages, &reader, json!({"body": {"content": "x"}}))
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    // Empty bodies are refused.
    let (s, _) = env
        .post(&messages, &adele, json!({"body": {"content": ""}}))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn channel_messages_page_by_at_most_fifty_and_need_membership() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, TEAMS);
    let (tid, cid) = alpha_general(&env, &adele).await;
    let messages = format!("/v1.0/teams/{tid}/channels/{}/messages", enc(&cid));
    let (s, v) = env.get(&format!("{messages}?$top=51"), &adele).await;
    assert_eq!((s, code(&v)), (400, "BadRequest"));
    let (s, v) = env
        .get(
            &format!("{messages}?{}", q(&[("$filter", "subject eq 'x'")])),
            &adele,
        )
        .await;
    assert_eq!(s, 400, "{v}");
    // Page through two at a time with the nextLink.
    let (s, first) = env.get(&format!("{messages}?$top=2"), &adele).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(items(&first).len(), 2);
    let next = first["@odata.nextLink"].as_str().expect("nextLink");
    assert!(next.contains("skiptoken"), "{next}");
    let rel = next.strip_prefix("http://sandbox.test").expect("same base");
    let (s, second) = env.get(rel, &adele).await;
    assert_eq!(s, 200, "{second}");
    assert_ne!(items(&first)[0]["id"], items(&second)[0]["id"]);
    // $expand=replies.
    let (s, v) = env
        .get(&format!("{messages}?$expand=replies&$top=50"), &adele)
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(items(&v).iter().all(|m| m["replies"].is_array()));
    // Nestor is not in Project Alpha; Fabrikam's team is not visible from Contoso.
    let nestor = env.token(seed::NESTOR_ID, TEAMS);
    let (s, _) = env.get(&messages, &nestor).await;
    assert_eq!(s, 403);
    let alex = env.token(seed::ALEX_ID, TEAMS);
    let (_, v) = env.get("/v1.0/me/joinedTeams", &alex).await;
    let fab = items(&v)[0]["id"].as_str().expect("id").to_string();
    let (s, v) = env.get(&format!("/v1.0/teams/{fab}"), &adele).await;
    assert_eq!((s, code(&v)), (404, "NotFound"));
    // Members.
    let (s, v) = env.get(&format!("/v1.0/teams/{tid}/members"), &adele).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v).len(), 4);
}

#[tokio::test]
async fn personal_accounts_have_no_teams_chats_or_online_meetings() {
    let env = Env::new();
    let sam = env.token(seed::PERSONAL_USER_ID, TEAMS);
    for path in ["/v1.0/me/joinedTeams", "/v1.0/me/chats"] {
        let (s, v) = env.get(path, &sam).await;
        assert_eq!(s, 403, "{path}: {v}");
    }
    let (s, _) = env
        .post("/v1.0/me/onlineMeetings", &sam, json!({"subject": "x"}))
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn chat_messages_are_posted_and_read_by_members_only() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, TEAMS);
    let (s, v) = env.get("/v1.0/me/chats?$expand=members", &adele).await;
    assert_eq!(s, 200, "{v}");
    let chat = items(&v)
        .into_iter()
        .find(|c| c["topic"] == fixtures::ALPHA_CHAT_TOPIC)
        .expect("alpha chat");
    assert_eq!(chat["members"].as_array().map(Vec::len), Some(4));
    let id = chat["id"].as_str().expect("id").to_string();
    let (s, m) = env
        .post(
            &format!("/v1.0/chats/{}/messages", enc(&id)),
            &adele,
            json!({"body": {"contentType": "html", "content": "<p>Launch is <b>go</b> — thanks <at id=\"0\">Lee Gu</at>!</p>"}, "mentions": [mention(0, "Lee Gu", seed::LEE_ID)]}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["chatId"], id.as_str());
    // Lee (a member) sees it first; Alex (not a member) cannot read the chat.
    let lee = env.token(seed::LEE_ID, TEAMS);
    let (s, v) = env
        .get(
            &format!("/v1.0/me/chats/{}/messages?$top=3", enc(&id)),
            &lee,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v)[0]["id"], m["id"]);
    let alex = env.token(seed::ALEX_ID, TEAMS);
    let (s, _) = env
        .get(&format!("/v1.0/chats/{}/messages", enc(&id)), &alex)
        .await;
    assert_eq!(s, 403);
    // Posting needs ChatMessage.Send or Chat.ReadWrite.
    let reader = env.token(seed::ADELE_ID, &["Chat.Read"]);
    let (s, v) = env
        .post(
            &format!("/v1.0/chats/{}/messages", enc(&id)),
            &reader,
            json!({"body": {"content": "hi"}}),
        )
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
    let (s, v) = env
        .get(&format!("/v1.0/chats/{}/messages", enc(&id)), &reader)
        .await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn online_meetings_are_created_and_found_by_join_url() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, TEAMS);
    let (s, m) = env
        .post(
            "/v1.0/me/onlineMeetings",
            &adele,
            json!({
                "subject": "Partner sync",
                "startDateTime": "2026-06-15T16:00:00Z",
                "endDateTime": "2026-06-15T16:30:00Z",
                "participants": {"attendees": [{"upn": "megan@contoso.example", "identity": {"user": {"id": seed::MEGAN_ID}}}]},
            }),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let join = m["joinWebUrl"].as_str().expect("joinWebUrl").to_string();
    assert!(join.starts_with("https://teams.microsoft.com/l/meetup-join/"));
    assert_eq!(
        m["participants"]["organizer"]["identity"]["user"]["id"],
        seed::ADELE_ID
    );
    assert_eq!(
        m["participants"]["attendees"][0]["upn"],
        "megan@contoso.example"
    );
    assert_eq!(m["startDateTime"], "2026-06-15T16:00:00.000Z");
    // Listing needs the JoinWebUrl filter.
    let (s, v) = env.get("/v1.0/me/onlineMeetings", &adele).await;
    assert_eq!((s, code(&v)), (400, "InvalidArgument"));
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/onlineMeetings?{}",
                q(&[("$filter", &format!("JoinWebUrl eq '{join}'"))])
            ),
            &adele,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(items(&v).len(), 1);
    assert_eq!(items(&v)[0]["id"], m["id"]);
    let (s, v) = env
        .get(
            &format!(
                "/v1.0/me/onlineMeetings/{}",
                enc(m["id"].as_str().expect("id"))
            ),
            &adele,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["subject"], "Partner sync");
    // The seeded standalone meeting is there too.
    let (_, v) = env
        .get(
            &format!(
                "/v1.0/me/onlineMeetings?{}",
                q(&[("$filter", "subject eq 'x'")])
            ),
            &adele,
        )
        .await;
    assert_eq!(code(&v), "InvalidArgument");
    let (s, v) = env
        .post(
            "/v1.0/me/onlineMeetings",
            &env.token(seed::ADELE_ID, &["OnlineMeetings.Read"]),
            json!({"subject": "x"}),
        )
        .await;
    assert_eq!((s, code(&v)), (403, "ErrorAccessDenied"));
}

#[tokio::test]
async fn expanded_chat_members_survive_select() {
    let env = Env::new();
    let adele = env.token(seed::ADELE_ID, TEAMS);
    let (s, v) = env
        .get("/v1.0/me/chats?$select=id,topic&$expand=members", &adele)
        .await;
    assert_eq!(s, 200, "{v}");
    let chat = items(&v)
        .into_iter()
        .find(|c| c["topic"] == fixtures::ALPHA_CHAT_TOPIC)
        .expect("alpha chat");
    assert_eq!(chat["members"].as_array().map(Vec::len), Some(4), "{chat}");
    assert!(
        chat.get("chatType").is_none(),
        "$select still applies: {chat}"
    );
}
