use m365_sandbox::odata::{self, CollectionRules};
use m365_sandbox::schema::Schema;
#[test]
fn probe() {
    let s = Schema::load();
    let data = vec![serde_json::json!({"isRead": false, "categories": ["a"], "subject": "a b"})];
    let plain = CollectionRules::new("message");
    let mut qs = vec![
        format!("$filter=isRead{}", " or isRead".repeat(999)),
        format!("$filter=isRead{}", " and isRead".repeat(999)),
        format!("$filter={}isRead{}", "(".repeat(31), ")".repeat(31)),
        format!("$filter={}isRead", "not ".repeat(31)),
        format!("$filter={}", "categories/any(c:".repeat(15) + "c eq 'a'" + &")".repeat(15)),
        format!("$search=\"{}\"", "a OR ".repeat(990) + "b"),
        format!("$search={}", "(a OR ".repeat(31) + "b" + &")".repeat(31)),
        format!("$search=\"{}\"", "(a OR ".repeat(60) + "b" + &")".repeat(60)),
        format!("$search=\"{}\"", "a ) ".repeat(5000)),
    ];
    let mut nested = String::from("isRead");
    for i in 0..31 { nested = if i % 2 == 0 { format!("(isRead or {nested})") } else { format!("(isRead and {nested})") }; }
    qs.push(format!("$filter={nested}"));
    for q in qs {
        for rules in [&plain, &CollectionRules::MESSAGES] {
            eprintln!("{} ...", &q[..q.len().min(60)]);
            match odata::parse(Some(&q), rules, &s) {
                Ok(p) => { let r = odata::apply(data.iter(), &p, rules).unwrap(); eprintln!("  ok {}", r.items.len()); }
                Err(e) => eprintln!("  err {}", &e.message[..e.message.len().min(80)]),
            }
        }
    }
}
