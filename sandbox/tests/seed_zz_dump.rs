use chrono::TimeZone;
#[test]
fn stats() {
    let w = m365_sandbox::seed::world(chrono::Utc.with_ymd_and_hms(2025, 6, 10, 0, 0, 0).unwrap());
    for u in &w.users {
        let mb = &w.mailboxes[&u.id];
        let unread = mb.messages.iter().filter(|m| m["isRead"] == false).count();
        let recv = mb.messages.iter().filter(|m| m["from"]["emailAddress"]["address"] != u.user_principal_name.as_str()).count();
        let atts: usize = mb.attachments.values().map(|v| v.len()).sum();
        let bytes: usize = mb.attachments.values().flatten().map(|a| a["contentBytes"].as_str().unwrap().len()).sum();
        let body: usize = mb.messages.iter().map(|m| m["body"]["content"].as_str().unwrap().len()).sum();
        println!("{} msgs={} unread={} received={} ({:.0}%) atts={} attB64={}KB bodies={}KB events={} series={} contacts={} people={} cals={} folders={}",
            u.display_name, mb.messages.len(), unread, recv, 100.0*unread as f64/recv as f64, atts, bytes/1024, body/1024, mb.events.len(),
            mb.events.iter().filter(|e| e["type"]=="seriesMaster").count(), mb.contacts.len(), mb.people.len(), mb.calendars.len(), mb.folders.len());
        if u.display_name == "Adele Vance" {
            for f in &mb.folders { println!("   {:<26} total={:>3} unread={:>3} children={}", f["displayName"].as_str().unwrap(), f["totalItemCount"], f["unreadItemCount"], f["childFolderCount"]); }
            let big: Vec<_> = mb.messages.iter().filter(|m| m["body"]["content"].as_str().unwrap().len() >= 50_000).map(|m| (m["subject"].as_str().unwrap().to_string(), m["body"]["content"].as_str().unwrap().len())).collect();
            println!("   big newsletters: {big:?}");
            let em: Vec<_> = mb.messages.iter().filter(|m| m.get("@odata.type").is_some()).map(|m| (m["meetingMessageType"].clone(), m["subject"].clone())).collect();
            println!("   event messages: {em:?}");
            for (k, v) in &mb.attachments { for a in v { if a["size"].as_u64().unwrap() > 1_000_000 { println!("   large: {} {} {}", a["name"], a["size"], k); } } }
            for o in &mb.online_meetings { println!("   online: {}", o["subject"]); }
            let convs: std::collections::BTreeMap<String, usize> = mb.messages.iter().fold(Default::default(), |mut acc, m| { *acc.entry(m["conversationId"].as_str().unwrap().to_string()).or_default() += 1; acc });
            println!("   threads>=3: {}", convs.values().filter(|n| **n >= 3).count());
        }
    }
    for t in &w.teams { println!("team {} channels={} posts={} replies={} members={}", t.team["displayName"], t.channels.len(), t.channel_messages.values().map(|v| v.len()).sum::<usize>(), t.replies.values().map(|v| v.len()).sum::<usize>(), t.member_ids.len()); }
    for c in &w.chats { println!("chat {} {} msgs={} members={}", c.chat["chatType"], c.chat["topic"], c.messages.len(), c.member_ids.len()); }
}
