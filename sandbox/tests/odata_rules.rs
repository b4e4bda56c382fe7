//! Graph's OData rules as the sandbox applies them to collections, checked on message-like data.

use m365_sandbox::odata::{self, CollectionRules, SearchKind};
use m365_sandbox::schema::Schema;
use serde_json::{json, Value};

fn schema() -> Schema {
    Schema::load()
}

const MSG: CollectionRules = CollectionRules::MESSAGES;

fn recipient(name: &str, address: &str) -> Value {
    json!({"emailAddress": {"name": name, "address": address}})
}

fn messages() -> Vec<Value> {
    vec![
        json!({
            "@odata.etag": "W/\"1\"", "id": "m1", "subject": "Lunch on Friday", "importance": "normal",
            "isRead": false, "hasAttachments": false, "categories": ["Red category"],
            "receivedDateTime": "2026-01-05T09:00:00Z", "sentDateTime": "2026-01-05T08:59:00Z",
            "from": recipient("Adele Vance", "adele@contoso.example"),
            "toRecipients": [recipient("Megan Bowen", "megan@contoso.example")],
            "body": {"contentType": "html", "content": "<p>Pizza?</p>"}, "_folder": "inbox"
        }),
        json!({
            "@odata.etag": "W/\"2\"", "id": "m2", "subject": "Quarterly report", "importance": "high",
            "isRead": true, "hasAttachments": true, "categories": [],
            "receivedDateTime": "2026-01-06T10:30:00+02:00", "sentDateTime": "2026-01-06T08:29:00Z",
            "from": recipient("Alex Wilber", "alex@contoso.example"),
            "toRecipients": [recipient("Adele Vance", "adele@contoso.example"), recipient("Lee Gu", "lee@contoso.example")],
            "body": {"contentType": "text", "content": "Numbers attached."}
        }),
        json!({
            "@odata.etag": "W/\"3\"", "id": "m3", "subject": "re: lunch", "importance": "low",
            "isRead": false, "hasAttachments": false, "categories": ["Blue category", "Red category"],
            "receivedDateTime": "2026-01-07T07:00:00Z", "sentDateTime": "2026-01-07T06:59:00Z",
            "from": recipient("Megan Bowen", "megan@contoso.example"),
            "toRecipients": [recipient("Adele Vance", "adele@contoso.example")],
            "body": {"contentType": "text", "content": "Sure, pizza it is."}
        }),
        json!({
            "@odata.etag": "W/\"4\"", "id": "m4", "subject": null, "importance": "normal",
            "isRead": true, "hasAttachments": false, "categories": [],
            "receivedDateTime": "2026-01-04T23:00:00-05:00", "sentDateTime": "2026-01-05T03:59:00Z",
            "from": recipient("Lee Gu", "lee@contoso.example"), "toRecipients": [],
            "body": {"contentType": "text", "content": ""}
        }),
    ]
}

fn run(q: &str, rules: &CollectionRules) -> Result<odata::Page, m365_sandbox::error::GraphError> {
    let s = schema();
    let query = odata::parse(Some(q), rules, &s)?;
    let data = messages();
    odata::apply(data.iter(), &query, rules)
}

fn ids(q: &str) -> Vec<String> {
    ids_with(q, &MSG)
}

fn ids_with(q: &str, rules: &CollectionRules) -> Vec<String> {
    run(q, rules)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .items
        .iter()
        .map(|m| m["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn err(q: &str, rules: &CollectionRules) -> m365_sandbox::error::GraphError {
    match run(q, rules) {
        Ok(p) => panic!("{q}: expected an error, got {} items", p.items.len()),
        Err(e) => e,
    }
}

#[test]
fn unknown_select_property_is_graphs_parse_uri_error() {
    let e = err("$select=subject,isJunk", &MSG);
    assert_eq!(e.status, 400);
    assert_eq!(e.code, "RequestBroker--ParseUri");
    assert_eq!(
        e.message,
        "Could not find a property named 'isJunk' on type 'microsoft.graph.message'."
    );
    // The same for $filter and $orderby.
    assert_eq!(
        err("$filter=isJunk ne true", &MSG).code,
        "RequestBroker--ParseUri"
    );
    assert_eq!(err("$orderby=isJunk", &MSG).code, "RequestBroker--ParseUri");
    // Nested: the type named is the one the segment was looked up on.
    let e = err("$filter=from/emailAddress/adress eq 'x'", &MSG);
    assert_eq!(
        e.message,
        "Could not find a property named 'adress' on type 'microsoft.graph.emailAddress'."
    );
}

#[test]
fn search_combinations_on_messages() {
    let e = err("$search=\"pizza\"&$orderby=receivedDateTime desc", &MSG);
    assert_eq!((e.status, e.code.as_str()), (400, "SearchWithOrderBy"));
    assert_eq!(
        e.message,
        "The query parameter '$orderBy' is not supported with '$search'."
    );
    let e = err("$search=\"pizza\"&$filter=isRead eq false", &MSG);
    assert_eq!((e.status, e.code.as_str()), (400, "SearchWithFilter"));
    let e = err("$search=\"pizza\"&$skip=10", &MSG);
    assert_eq!(e.status, 400);
    assert!(e.message.contains("'$skip'"));
    // People: no $skip with $search either (user-list-people.md).
    assert_eq!(
        err("$search=irene&$skip=1", &CollectionRules::PEOPLE).status,
        400
    );
}

#[test]
fn top_out_of_range_and_malformed() {
    let e = err("$top=1001", &MSG);
    assert_eq!((e.status, e.code.as_str()), (400, "BadRequest"));
    assert_eq!(
        e.message,
        "The query specified in the URI is not valid. The limit of '1000' for Top query has been exceeded. The value from the incoming request is '1001'."
    );
    assert_eq!(err("$top=0", &MSG).status, 400);
    let e = err("$top=abc", &MSG);
    assert_eq!(
        e.message,
        "Invalid value 'abc' for $top query option found. The $top query option requires a non-negative integer value."
    );
    let e = err("$skip=-1", &MSG);
    assert!(e
        .message
        .starts_with("Invalid value '-1' for $skip query option found."));
    let e = err("$top=5&$top=6", &MSG);
    assert_eq!(
        e.message,
        "Query option '$top' was specified more than once, but it must be specified at most once."
    );
    assert_eq!(
        err("$foo=1", &MSG).message,
        "The query parameter '$foo' is not supported."
    );
    // Non-$ parameters are not query options.
    assert_eq!(ids("top=1&filter=nonsense").len(), 4);
}

#[test]
fn unquoted_search_with_property_syntax_is_rejected() {
    let e = err("$search=from:adele", &MSG);
    assert_eq!((e.status, e.code.as_str()), (400, "BadRequest"));
    assert_eq!(
        e.message,
        "Syntax error: character ':' is not valid at position 4 in 'from:adele'."
    );
    // A single bare word is valid OData search syntax and is accepted.
    assert_eq!(ids("$search=pizza"), ["m3", "m1"]);
}

#[test]
fn search_kql_sorts_by_sent_date_and_pages_with_skiptoken() {
    assert_eq!(ids("$search=%22pizza%22"), ["m3", "m1"]);
    assert_eq!(ids("$search=\"from:adele OR from:megan\""), ["m3", "m1"]);
    assert_eq!(ids("$search=\"to:adele\" AND \"subject:lunch\""), ["m3"]);
    assert_eq!(ids("$search=\"received>=2026-01-06\""), ["m3", "m2"]);
    assert_eq!(ids("$search=\"hasAttachments:true\""), ["m2"]);
    assert_eq!(ids("$search=\"importance:high\""), ["m2"]);
    let p = run("$search=\"contoso\"&$top=2", &MSG).unwrap();
    assert_eq!(p.next_skip, Some(2));
    let link = odata::next_link(
        "http://127.0.0.1:8790",
        "/v1.0/me/messages",
        Some("$search=\"contoso\"&$top=2"),
        2,
    );
    assert_eq!(
        link,
        "http://127.0.0.1:8790/v1.0/me/messages?$search=\"contoso\"&$top=2&%24skiptoken=2"
    );
    let next = link.split_once('?').unwrap().1;
    assert_eq!(ids(next).len(), 2);
}

#[test]
fn filter_orderby_top_skip_count_select() {
    assert_eq!(ids("$filter=isRead eq false"), ["m3", "m1"]);
    assert_eq!(
        ids("$filter=importance eq 'high' or importance eq 'LOW'"),
        ["m3", "m2"]
    );
    assert_eq!(ids("$filter=not (isRead)"), ["m3", "m1"]);
    assert_eq!(ids("$filter=contains(subject,'LUNCH')"), ["m3", "m1"]);
    assert_eq!(ids("$filter=startswith(subject,'re:')"), ["m3"]);
    assert_eq!(ids("$filter=subject eq null"), ["m4"]);
    assert_eq!(ids("$filter=subject eq 'lunch on friday'"), ["m1"]);
    assert_eq!(
        ids("$filter=from/emailAddress/address eq 'alex@contoso.example'"),
        ["m2"]
    );
    assert_eq!(ids("$filter=importance in ('high','low')"), ["m3", "m2"]);
    // Default order on messages is receivedDateTime desc.
    assert_eq!(ids(""), ["m3", "m2", "m1", "m4"]);
    assert_eq!(ids("$orderby=receivedDateTime"), ["m4", "m1", "m2", "m3"]);
    assert_eq!(ids("$orderby=subject desc"), ["m3", "m2", "m1", "m4"]);
    assert_eq!(
        ids("$orderby=from/emailAddress/name,receivedDateTime desc"),
        ["m1", "m2", "m4", "m3"]
    );
    let p = run("$orderby=receivedDateTime&$top=2&$skip=1&$count=true", &MSG).unwrap();
    assert_eq!(p.count, Some(4));
    assert_eq!(p.next_skip, Some(3));
    let got: Vec<&str> = p.items.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(got, ["m1", "m2"]);
    let p = run("$select=Subject&$top=1&$count=false", &MSG).unwrap();
    assert_eq!(p.count, None);
    assert_eq!(
        p.items[0],
        json!({"@odata.etag": "W/\"3\"", "id": "m3", "subject": "re: lunch"})
    );
    // Without $select, internal keys are still stripped.
    assert!(run("$filter=id eq 'm1'", &MSG).unwrap().items[0]
        .get("_folder")
        .is_none());
    let p = run("$skip=3", &MSG).unwrap();
    assert_eq!((p.items.len(), p.next_skip), (1, None));
    // Percent-encoded names and values, '+' as space.
    assert_eq!(ids("%24filter=isRead+eq+false&%24top=1"), ["m3"]);
}

#[test]
fn filter_errors() {
    let e = err("$filter=isRead eq", &MSG);
    assert_eq!((e.status, e.code.as_str()), (400, "BadRequest"));
    assert!(
        e.message.starts_with("Invalid filter clause: "),
        "{}",
        e.message
    );
    let e = err("$filter=(isRead eq true", &MSG);
    assert!(
        e.message.contains("')' or operator expected at position"),
        "{}",
        e.message
    );
    let e = err("$filter=subject eq 'open", &MSG);
    assert!(
        e.message.contains("unterminated string literal"),
        "{}",
        e.message
    );
    let e = err("$filter=receivedDateTime ge '2026-01-01'", &MSG);
    assert!(e.message.contains("Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'"), "{}", e.message);
    let e = err("$filter=importance eq 'urgent'", &MSG);
    assert!(
        e.message
            .ends_with("The string 'urgent' is not a valid enumeration type constant."),
        "{}",
        e.message
    );
    let e = err("$filter=subject", &MSG);
    assert!(e
        .message
        .ends_with("The $filter expression must evaluate to a single boolean value."));
    let e = err("$filter=frobnicate(subject)", &MSG);
    assert!(
        e.message
            .contains("An unknown function with name 'frobnicate' was found."),
        "{}",
        e.message
    );
    // Exchange refuses endswith on mail.
    let e = err(
        "$filter=endswith(from/emailAddress/address,'contoso.example')",
        &MSG,
    );
    assert_eq!(e.code, "ErrorInvalidUrlQueryFilter");
    assert_eq!(
        e.message,
        "The query filter contains one or more invalid nodes."
    );
}

#[test]
fn lambda_any_and_all() {
    assert_eq!(
        ids("$filter=categories/any(c:c eq 'Red category')"),
        ["m3", "m1"]
    );
    assert_eq!(ids("$filter=categories/any()"), ["m3", "m1"]);
    assert_eq!(
        ids("$filter=categories/all(c:startswith(c,'Red'))"),
        ["m2", "m1", "m4"]
    );
    // Exchange refuses lambdas over recipient collections on mail…
    let e = err(
        "$filter=toRecipients/any(r:r/emailAddress/address eq 'adele@contoso.example')",
        &MSG,
    );
    assert_eq!(e.code, "ErrorInvalidUrlQueryFilter");
    // …but the engine evaluates them where the collection allows it.
    let plain = CollectionRules {
        default_orderby: Some("receivedDateTime desc"),
        ..CollectionRules::new("message")
    };
    assert_eq!(
        ids_with(
            "$filter=toRecipients/any(r:r/emailAddress/address eq 'adele@contoso.example')",
            &plain
        ),
        ["m3", "m2"]
    );
    assert_eq!(
        ids_with("$filter=toRecipients/any(r:r/emailAddress/address eq 'adele@contoso.example' and isRead)", &plain),
        ["m2"]
    );
    let e = err("$filter=subject/any(s:s eq 'x')", &plain);
    assert!(
        e.message
            .contains("Any/All may only be used following a collection."),
        "{}",
        e.message
    );
}

#[test]
fn datetimeoffset_compares_as_instants() {
    // m2 was received 2026-01-06T10:30+02:00 = 08:30Z; m4 2026-01-04T23:00-05:00 = 01-05T04:00Z.
    assert_eq!(
        ids("$filter=receivedDateTime ge 2026-01-06T08:30:00Z"),
        ["m3", "m2"]
    );
    assert_eq!(
        ids("$filter=receivedDateTime gt 2026-01-06T08:30:00Z"),
        ["m3"]
    );
    assert_eq!(
        ids("$filter=receivedDateTime le 2026-01-05T05:00:00%2B01:00"),
        ["m4"]
    );
    assert_eq!(
        ids("$filter=receivedDateTime lt 2026-01-05T05:00:00%2B01:00"),
        Vec::<String>::new()
    );
    assert_eq!(
        ids("$filter=receivedDateTime ge 2026-01-05 and receivedDateTime lt 2026-01-06"),
        ["m1", "m4"]
    );
}

#[test]
fn inefficient_filter_on_messages() {
    let e = err(
        "$filter=subject eq 'x'&$orderby=receivedDateTime desc",
        &MSG,
    );
    assert_eq!((e.status, e.code.as_str()), (400, "InefficientFilter"));
    assert_eq!(
        e.message,
        "The restriction or sort order is too complex for this operation."
    );
    let e = err("$filter=isRead eq false and receivedDateTime ge 2026-01-01T00:00:00Z&$orderby=receivedDateTime desc", &MSG);
    assert_eq!(e.code, "InefficientFilter");
    // Same properties, same order, first: accepted.
    assert_eq!(
        ids("$filter=receivedDateTime ge 2026-01-01T00:00:00Z and isRead eq false&$orderby=receivedDateTime desc"),
        ["m3", "m1"]
    );
    // Other collections have no such rule.
    let plain = CollectionRules::new("message");
    assert_eq!(
        ids_with(
            "$filter=isRead eq false&$orderby=receivedDateTime desc",
            &plain
        ),
        ["m3", "m1"]
    );
}

#[test]
fn next_link_rewrites_skip() {
    let q = "%24select=sender%2Csubject&$top=2&$skip=2";
    assert_eq!(
        odata::next_link("http://127.0.0.1:8790/", "/v1.0/me/mailFolders/inbox/messages", Some(q), 4),
        "http://127.0.0.1:8790/v1.0/me/mailFolders/inbox/messages?%24select=sender%2Csubject&$top=2&%24skip=4"
    );
    let p = run("$top=3", &MSG).unwrap();
    let link = odata::next_link(
        "http://h",
        "/v1.0/me/messages",
        Some("$top=3"),
        p.next_skip.unwrap(),
    );
    assert_eq!(link, "http://h/v1.0/me/messages?$top=3&%24skip=3");
    assert_eq!(ids(link.split_once('?').unwrap().1), ["m4"]);
}

#[test]
fn expand_accepts_navigation_properties_only() {
    let s = schema();
    let q = odata::parse(Some("$expand=attachments($select=name,size)"), &MSG, &s).unwrap();
    assert_eq!(q.expand, ["attachments"]);
    assert_eq!(
        q.expand_items[0].select.as_deref(),
        Some(&["name".to_string(), "size".to_string()][..])
    );
    let e = err("$expand=subject", &MSG);
    assert_eq!(
        e.message,
        "Property 'subject' on type 'microsoft.graph.message' is not a navigation property or complex property. Only navigation properties can be expanded."
    );
    assert_eq!(
        err("$expand=attachmentz", &MSG).code,
        "RequestBroker--ParseUri"
    );
    // contentBytes is on fileAttachment, not on attachment (microsoft-graph-explorer-v4#3916).
    assert_eq!(
        err("$expand=attachments($select=contentBytes)", &MSG).code,
        "RequestBroker--ParseUri"
    );
}

#[test]
fn people_and_substring_search() {
    let people = [
        json!({"id": "p1", "displayName": "Irene McGowan", "givenName": "Irene", "surname": "McGowan",
               "scoredEmailAddresses": [{"address": "irenem@contoso.example"}]}),
        json!({"id": "p2", "displayName": "Alex Wilber", "scoredEmailAddresses": [{"address": "alexw@contoso.example"}]}),
    ];
    let s = schema();
    let find = |q: &str, rules: &CollectionRules| -> Vec<String> {
        let query = odata::parse(Some(q), rules, &s).unwrap();
        odata::apply(people.iter(), &query, rules)
            .unwrap()
            .items
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        find("$search=\"Irene McGowen\"", &CollectionRules::PEOPLE),
        ["p1"]
    );
    assert_eq!(find("$search=alex", &CollectionRules::PEOPLE), ["p2"]);
    let contacts = CollectionRules {
        search: SearchKind::Substring(&["displayName", "scoredEmailAddresses/address"]),
        ..CollectionRules::new("person")
    };
    assert_eq!(find("$search=\"wilber\"", &contacts), ["p2"]);
    assert_eq!(find("$search=\"contoso\"", &contacts), ["p1", "p2"]);
    // $search where the collection has none.
    let e = err("$search=\"x\"", &CollectionRules::new("event"));
    assert!(
        e.message.contains("Query option 'Search' is not allowed."),
        "{}",
        e.message
    );
}

#[test]
fn check_body_unknown_property_and_derived_types() {
    let s = schema();
    let e = s
        .check_body("message", &json!({"subject": "Hi", "isJunk": true}))
        .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "RequestBodyRead"));
    assert_eq!(
        e.message,
        "The property 'isJunk' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type."
    );
    // @odata.type selects a derived type: contentBytes exists on fileAttachment only.
    let file = json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": "aGVsbG8="});
    s.check_body("attachment", &file).unwrap();
    let e = s
        .check_body(
            "attachment",
            &json!({"name": "a.txt", "contentBytes": "aGVsbG8="}),
        )
        .unwrap_err();
    assert!(
        e.message.contains("'microsoft.graph.attachment'"),
        "{}",
        e.message
    );
    // Nested: a message with a file attachment and recipients, as sendMail sends it.
    s.check_action_body(
        "user",
        "sendMail",
        &json!({
            "message": {
                "subject": "Report", "body": {"contentType": "Text", "content": "See attached."},
                "toRecipients": [{"emailAddress": {"address": "megan@contoso.example"}}],
                "attachments": [file]
            },
            "saveToSentItems": true
        }),
    )
    .unwrap();
    let e = s
        .check_action_body(
            "user",
            "sendMail",
            &json!({"message": {"toRecipients": [{"name": "x"}]}}),
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "The property 'name' does not exist on type 'microsoft.graph.recipient'. Make sure to only use property names that are defined by the type or mark the type as open type."
    );
    let e = s
        .check_body("event", &json!({"start": {"dateTime": 5}}))
        .unwrap_err();
    assert!(e.message.contains("'Edm.String'"), "{}", e.message);
}
