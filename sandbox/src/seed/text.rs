//! Words: subject and body templates, thread scripts and the little vocabularies that fill them.
//! Templates use `{slot}` placeholders filled by [`fill`].

use super::util::Rng;

pub const PROJECTS: &[&str] = &[
    "Project Alpha",
    "Northstar",
    "the loyalty app",
    "Falcon",
    "the pricing revamp",
    "Mercury",
    "the partner portal",
];
pub const DOCS: &[&str] = &[
    "requirements doc",
    "launch plan",
    "pricing model",
    "roadmap deck",
    "customer survey results",
    "budget spreadsheet",
    "partner brief",
    "release notes",
    "risk register",
    "competitive analysis",
];
pub const CITIES: &[&str] = &[
    "Seattle", "Chicago", "Austin", "London", "Berlin", "Toronto", "Denver", "Boston", "Dublin",
    "Atlanta",
];
pub const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const TOPICS: &[&str] = &[
    "accessible design",
    "writing good specs",
    "SQL performance basics",
    "negotiation for PMs",
    "customer interviews",
    "intro to feature flags",
    "observability 101",
    "presenting to executives",
];
pub const ROLES: &[&str] = &[
    "Product Manager",
    "Software Engineer",
    "Data Analyst",
    "UX Researcher",
    "Program Manager",
];
pub const VENDORS: &[&str] = &[
    "Northwind Traders",
    "Litware",
    "Relecloud",
    "Proseware",
    "Trey Research",
    "Wide World Importers",
];

/// Replace `{slot}` placeholders with picks from the vocabularies (and the given names).
pub fn fill(t: &str, rng: &mut Rng, to_first: &str, me_first: &str) -> String {
    let mut out = String::with_capacity(t.len() + 32);
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let slot = &after[..close];
        let v: String = match slot {
            "project" => rng.pick(PROJECTS).to_string(),
            "doc" => rng.pick(DOCS).to_string(),
            "city" => rng.pick(CITIES).to_string(),
            "weekday" => rng.pick(WEEKDAYS).to_string(),
            "month" => rng.pick(MONTHS).to_string(),
            "topic" => rng.pick(TOPICS).to_string(),
            "role" => rng.pick(ROLES).to_string(),
            "vendor" => rng.pick(VENDORS).to_string(),
            "n" => (2 + rng.below(40)).to_string(),
            "pct" => (3 + rng.below(28)).to_string(),
            "num" => (1000 + rng.below(90_000)).to_string(),
            "amount" => format!("{}.{:02}", 40 + rng.below(4_000), rng.below(100)),
            "day" => {
                let d = 1 + rng.below(28);
                let suffix = match d {
                    1 | 21 => "st",
                    2 | 22 => "nd",
                    3 | 23 => "rd",
                    _ => "th",
                };
                format!("the {d}{suffix}")
            }
            "to" => to_first.to_string(),
            "me" => me_first.to_string(),
            other => format!("{{{other}}}"),
        };
        out.push_str(&v);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

pub const INTERNAL_SUBJECTS: &[&str] = &[
    "Budget review for {project}",
    "Can you review the {doc} before {weekday}?",
    "Notes from today's {project} sync",
    "Quick question about the {project} timeline",
    "Updated {doc}",
    "Customer feedback summary – {month}",
    "Hiring loop for the {role} role",
    "Travel approval: {city} trip",
    "{project} status – week {n}",
    "Reminder: expense reports due Friday",
    "Lunch & learn: {topic}",
    "Heads-up: {project} demo moved to {weekday}",
    "Draft agenda for next week's planning",
    "Action items from the leadership review",
    "Can we push our 1:1?",
    "Request for feedback on the {doc}",
    "Vendor shortlist for {project}",
    "Headcount plan for next half",
    "Kudos to the {project} team!",
    "Question on the {month} forecast",
    "Accessibility review results for {project}",
    "Localization timeline for {project}",
    "Data retention policy update",
    "Support ticket trends – {month}",
    "Board deck inputs needed by {weekday}",
    "Sign-off needed: {doc}",
    "New dashboard for {project} metrics",
    "Pilot customer list for {project}",
    "OKR check-in",
    "Thoughts on the {vendor} renewal?",
    "Moving the {project} retro",
    "FYI: {city} office closed {weekday}",
];

pub const INTERNAL_PARAS: &[&str] = &[
    "I went through the {doc} this morning and left comments in a few places. The main open question is whether we can hold the date if the vendor slips again.",
    "Could you take a look before {weekday}? I'd like to send it to leadership by the end of the week.",
    "Attendance was good today. We agreed to freeze scope for {project} and move the reporting work into the next milestone.",
    "The numbers look healthier than last month: active usage is up {pct}% and support tickets are down by {n}.",
    "One risk I want to flag early: the integration work depends on a contract that legal hasn't signed yet.",
    "If it's easier, happy to walk through it on a quick call tomorrow afternoon.",
    "Let me know if I've missed anything or if you'd prefer a different approach.",
    "I've blocked two hours on {weekday} for the review; feel free to forward the invite to anyone I missed.",
    "Finance asked us to trim {pct}% from the {project} budget. I've drafted two options in the spreadsheet.",
    "Customers keep asking for offline support. I think it's worth a spike next sprint.",
    "The {city} team is keen to pilot this with two accounts next month.",
    "We're still waiting on the security review; the team expects it to wrap up by {weekday}.",
    "For context, this came up in the customer advisory board last week and again in two renewal calls.",
    "I'll be out on {weekday}, so please loop in the on-call lead if anything urgent comes up.",
    "Quick summary of where things landed: design is done, engineering is at about {pct}%, and QA starts on {day}.",
    "No need to reply — just keeping you in the loop.",
    "The recording and slides are on the team site if you missed it.",
    "Can you confirm the final headcount by {weekday}? The venue needs numbers by {day}.",
    "I'd suggest we take this offline and come back with a recommendation at the next staff meeting.",
    "Thanks again for jumping in on short notice — the customer noticed, and so did I.",
    "The {vendor} quote came in {pct}% higher than last year. I asked them to break out the support costs.",
    "We have {n} open bugs tagged for the release; {pct}% of them are cosmetic.",
    "Please add your availability to the poll so we can lock a date.",
    "I moved the doc to the shared folder and turned on version history so nothing gets lost.",
    "Do you have a few minutes {weekday} to sync on this? Thirty minutes should be plenty.",
    "Attaching the latest numbers. The summary tab has the totals; the raw data is on the second sheet.",
    "Heads-up that the {project} demo moved because two presenters are travelling.",
    "We should also decide who owns the follow-up with the {city} customers.",
];

pub const SIGNOFFS: &[&str] = &[
    "Thanks,",
    "Best,",
    "Cheers,",
    "Regards,",
    "Thank you,",
    "Many thanks,",
];

pub const EXTERNAL_SUBJECTS: &[(&str, &str)] = &[
    ("Following up on our call", "Thanks for taking the time to speak with us on {weekday}. As promised, here is a short summary of what we discussed and the proposed next steps. We can have a pilot environment ready within {n} business days of signature."),
    ("Renewal quote for next year", "Please find below the renewal pricing for your current subscription. The quote is valid until {day}; after that, list prices apply. Let me know if you'd like to adjust seat counts before we finalise."),
    ("Shipping delay on PO-{num}", "I'm sorry to let you know that part of purchase order PO-{num} is delayed at the port. We now expect delivery in {n} days. The rest of the order shipped on schedule."),
    ("Meeting request: quarterly business review", "Would you have an hour in the next two weeks for our quarterly business review? We'd like to cover adoption, open support cases and the roadmap for the next two quarters."),
    ("Introduction", "A mutual contact suggested I reach out. We help product teams run customer research at scale, and I'd love to learn how your team handles it today. Would a 20-minute call work?"),
    ("Your feedback on our beta", "Thank you for joining our beta programme. We'd be grateful for ten minutes of your time to tell us what worked and what didn't. Everyone who responds gets early access to the next release."),
    ("Contract redlines", "Our legal team has reviewed the draft and made a few changes, mostly around liability caps and data residency. The redlined version is attached for your review."),
    ("Thank you!", "Just a short note to say thanks for the warm welcome at your offices last week. The team really enjoyed the workshop and we're already working on the follow-ups."),
    ("Updated statement of work", "Attached is the revised SOW reflecting the reduced scope we agreed on. Hours drop from {num} to roughly two thirds of that, and the timeline moves by {n} days."),
    ("Webinar invitation: {topic}", "We're hosting a free webinar on {topic} on {weekday}. Seats are limited, so reply to this email if you'd like us to save one for you."),
];

/// Notification templates: (subject, body).
pub const CODEHUB: &[(&str, &str)] = &[
    ("[contoso/alpha-service] Pull request #{n}: Fix retry backoff in sync worker", "@leegu requested your review on contoso/alpha-service#{n}.\r\n\r\nThe sync worker retried immediately on HTTP 429. This change honours Retry-After and caps the backoff at 60 seconds.\r\n\r\nFiles changed: 4 (+112 −37)\r\n\r\nView it on CodeHub: https://codehub.example/contoso/alpha-service/pull/{n}"),
    ("[contoso/alpha-service] Run failed: CI - main ({num})", "Run failed for main ({num}).\r\n\r\nJob 'integration-tests' failed after 6m 12s.\r\n  test export::tz_roundtrip ... FAILED\r\n\r\nView the run: https://codehub.example/contoso/alpha-service/actions/runs/{num}"),
    ("Re: [contoso/web-portal] Date picker ignores user locale (Issue #{n})", "megan-b commented on this issue:\r\n\r\nConfirmed on en-GB — the picker shows MM/DD. Attaching a screenshot from the staging site.\r\n\r\nReply to this email directly or view it on CodeHub: https://codehub.example/contoso/web-portal/issues/{n}"),
    ("[contoso/alpha-service] Release v2.{n}.0 published", "A new release was published by leegu.\r\n\r\nHighlights:\r\n- Faster cold starts for the sync worker\r\n- Export now respects the mailbox time zone\r\n- Dependency updates\r\n\r\nhttps://codehub.example/contoso/alpha-service/releases/tag/v2.{n}.0"),
    ("[contoso/docs] Pull request #{n}: Update onboarding guide", "nestor-w opened a pull request: contoso/docs#{n}\r\n\r\nUpdates the onboarding guide with the new VPN steps and removes the retired wiki links.\r\n\r\nhttps://codehub.example/contoso/docs/pull/{n}"),
    ("[contoso/alpha-service] Dependabot: bump serde from 1.0.{n} to 1.0.{pct}", "Bumps serde from 1.0.{n} to 1.0.{pct}.\r\n\r\nRelease notes and commits are available on the pull request page.\r\n\r\nhttps://codehub.example/contoso/alpha-service/pull/{num}"),
    ("[contoso/web-portal] Security advisory: prototype pollution in a transitive dependency", "A moderate-severity advisory affects a package used by contoso/web-portal.\r\n\r\nAffected versions: < 4.17.{n}\r\nPatched version: 4.17.{pct}\r\n\r\nReview the advisory: https://codehub.example/contoso/web-portal/security/dependabot/{n}"),
    ("Re: [contoso/alpha-service] Flaky test: scheduler::dst_boundary (Issue #{n})", "leegu commented:\r\n\r\nThis only fails in the week the clocks change in Europe but not in the US. Pinning the test clock fixes it locally; PR incoming.\r\n\r\nhttps://codehub.example/contoso/alpha-service/issues/{n}"),
];

pub const BANK: &[(&str, &str)] = &[
    ("Your {month} statement is ready", "Your statement for the account ending in 4417 is now available in Online Banking. Sign in at https://www.woodgrovebank.example to view it.\r\n\r\nThis is an automated message; please do not reply."),
    ("Security alert: new sign-in to Online Banking", "We noticed a new sign-in to your Online Banking account from a Windows device in {city}. If this was you, no action is needed. If not, call us on the number on the back of your card.\r\n\r\nWoodgrove Bank will never ask for your password by email."),
    ("Payment received – thank you", "We've received your card payment of ${amount}. It may take up to two business days to appear on your account.\r\n\r\nWoodgrove Bank"),
    ("Low balance alert", "The available balance on your account ending in 4417 fell below your alert threshold of $500.00.\r\n\r\nManage alerts in Online Banking under Settings > Alerts."),
    ("Your new card is on its way", "Your replacement debit card was mailed today and should arrive within 7–10 business days. Your current card will keep working until you activate the new one."),
];

pub const IT: &[(&str, &str)] = &[
    ("Your password expires in 7 days", "The password for your account expires in 7 days. Change it at https://passwordreset.contoso.example before it expires to avoid losing access.\r\n\r\nIT Service Desk"),
    ("Scheduled maintenance: VPN on Saturday", "The VPN will be unavailable on Saturday from 06:00 to 09:00 UTC while we upgrade the gateways. Cloud apps are not affected."),
    ("Your ticket INC{num} has been resolved", "Your request 'Laptop docking station flickers' (INC{num}) has been resolved. If the problem continues, reply to this email within 5 days to reopen it."),
    ("Action required: complete security awareness training", "Our records show your annual security awareness training is not complete. It takes about 25 minutes and is due by {day}."),
    ("New expense tool goes live {weekday}", "Starting {weekday}, expenses are submitted through the new travel and expense portal. Drafts in the old tool will be migrated automatically."),
    ("Open enrollment starts Monday", "Benefits open enrollment runs for two weeks starting Monday. Review your medical, dental and vision choices in the benefits portal; if you make no changes, this year's elections roll over."),
];

pub const RECEIPTS: &[(&str, &str)] = &[
    (
        "Your Tailspin Toys order #TT-{num} has shipped",
        "tailspin_orders",
    ),
    ("Order confirmation #TT-{num}", "tailspin_orders"),
    ("Your e-ticket receipt – Seattle to {city}", "blueyonder"),
    ("Thanks for your order from Coho Winery (#CW-{num})", "coho"),
];

pub const RECEIPT_ITEMS: &[(&str, u64)] = &[
    ("Wooden train set (42 pcs)", 4999),
    ("Kite – Blue Yonder edition", 2450),
    ("Puzzle, 1000 pieces – harbour at dusk", 1899),
    ("Remote-control sailboat", 7900),
    ("Board game: Settlers of the Valley", 4495),
    ("Plush otter", 1599),
    ("Pinot Noir 2019 (6 bottles)", 14400),
    ("Sparkling Rosé", 2600),
    ("Economy Plus seat upgrade", 6900),
    ("Checked bag", 3500),
];

pub const JUNK: &[(&str, &str, &str)] = &[
    ("prize", "Congratulations!!! You have been selected", "You are our lucky winner of a brand-new tablet. Claim within 24 hours by confirming your shipping address and card details for the small handling fee."),
    ("pharmacy", "Limited offer: 80% off today only", "Best prices online. No prescription needed. Discreet shipping worldwide. Unsubscribe by replying STOP."),
    ("prize", "Re: your unclaimed package", "We tried to deliver your package twice. Pay the redelivery fee of $1.99 within 12 hours or it will be returned to the sender."),
];

pub const FRIEND_SUBJECTS: &[(&str, &str)] = &[
    ("Dinner on Saturday?", "Hey! Are you free Saturday evening? We're thinking of trying the new ramen place on 5th. Around 7?"),
    ("Photos from the lake", "Finally uploaded the photos from the lake weekend. The one of the canoe tipping over is my favourite."),
    ("Book club – next pick", "Votes are in: next month we're reading a mystery set on a Scottish island. Meeting at mine on the last Wednesday."),
    ("Happy birthday!", "Happy birthday! Hope you have a great day. Drinks on me next time we're out."),
    ("Rent split for this month", "Here's the breakdown for this month: rent, internet and the electricity bill. Your share comes to ${amount}."),
    ("Thanksgiving plans", "Are you coming home for Thanksgiving this year? Your aunt wants to know how many pies to make."),
    ("Concert tickets", "Got two tickets for the show on {weekday}. Want one? They were cheaper than expected."),
    ("Recipe you asked for", "Here's the lemon cake recipe. The trick is to let it cool completely before the glaze goes on."),
];

/// One message in a scripted thread.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub from: &'static str,
    pub to: &'static [&'static str],
    pub cc: &'static [&'static str],
    /// A forward (subject gets `FW: `) rather than a reply.
    pub fw: bool,
    pub hours_after_prev: i64,
    pub text: &'static str,
}

/// A scripted conversation: shared by every seeded mailbox that takes part in it.
#[derive(Debug, Clone, Copy)]
pub struct ThreadScript {
    pub key: &'static str,
    pub subject: &'static str,
    /// Where received messages are filed: `inbox`, `alpha` (Inbox/Projects/Alpha) or `archive`.
    pub folder: &'static str,
    pub days_ago: i64,
    pub category: Option<&'static str>,
    pub html: bool,
    pub steps: &'static [Step],
}

const fn s(
    from: &'static str,
    to: &'static [&'static str],
    cc: &'static [&'static str],
    hours: i64,
    text: &'static str,
) -> Step {
    Step {
        from,
        to,
        cc,
        fw: false,
        hours_after_prev: hours,
        text,
    }
}

const fn fw(
    from: &'static str,
    to: &'static [&'static str],
    cc: &'static [&'static str],
    hours: i64,
    text: &'static str,
) -> Step {
    Step {
        fw: true,
        ..s(from, to, cc, hours, text)
    }
}

pub const THREADS: &[ThreadScript] = &[
    ThreadScript {
        key: "alpha_checklist",
        subject: "Project Alpha – launch checklist",
        folder: "alpha",
        days_ago: 9,
        category: Some("Project Alpha"),
        html: true,
        steps: &[
            s("lee", &["adele", "megan"], &["patti"], 0, "Hi both,\r\n\r\nAttached is the first cut of the launch checklist for Alpha. The big open items are the load-test sign-off, the support runbook and the pricing page copy.\r\n\r\nCan you each take a pass and add owners by Wednesday?\r\n\r\nThanks,\r\nLee"),
            s("adele", &["lee"], &["megan", "patti"], 3, "Thanks Lee — I've taken the pricing page and the support runbook. I moved the press briefing to T-3 since the embargo lifts on launch day.\r\n\r\nOne question: do we have a rollback owner for the database migration?\r\n\r\nAdele"),
            s("megan", &["adele", "lee"], &["patti"], 5, "I can own the blog post and the customer email. Draft copy will be in the marketing folder by Friday.\r\n\r\nMegan"),
            s("lee", &["adele", "megan"], &["patti"], 20, "Good catch on the rollback — I'll own it and pair with Nestor's team on the runbook. Updated checklist attached.\r\n\r\nLee"),
            fw("adele", &["patti"], &[], 2, "Patti — FYI, here's where the Alpha checklist landed. We're green except for load testing, which Lee expects to close next week.\r\n\r\nAdele"),
        ],
    },
    ThreadScript {
        key: "q3_marketing",
        subject: "Q3 marketing plan – draft for review",
        folder: "inbox",
        days_ago: 21,
        category: None,
        html: true,
        steps: &[
            s("megan", &["adele"], &[], 0, "Hi Adele,\r\n\r\nHere's the draft Q3 plan. I've split the budget 60/40 between paid campaigns and events, with the partner webinar series as the centrepiece.\r\n\r\nCould you check the product milestones on slide 4? I want to make sure we're not promoting anything before it ships.\r\n\r\nThanks!\r\nMegan"),
            s("adele", &["megan"], &[], 4, "Looks great overall. Two changes on slide 4: offline mode slips to August, and the admin dashboard is in preview only, so let's say \"coming soon\" rather than \"available\".\r\n\r\nAdele"),
            s("megan", &["adele"], &["patti"], 26, "Updated — thanks. Adding Patti since the events budget needs her sign-off.\r\n\r\nMegan"),
            s("adele", &["megan"], &["patti"], 2, "+1 from me. Patti, the only new spend is the London partner event; everything else was in the H1 plan.\r\n\r\nAdele"),
        ],
    },
    ThreadScript {
        key: "partnership_pricing",
        subject: "Partnership pricing proposal",
        folder: "inbox",
        days_ago: 16,
        category: Some("Blue category"),
        html: false,
        steps: &[
            s("alex", &["adele"], &["megan"], 0, "Hi Adele,\r\n\r\nFollowing our call, here is Fabrikam's proposal for the reseller pricing tiers. In short: 18% margin up to 500 seats, 22% above that, and a co-marketing fund of 2% of net revenue.\r\n\r\nThe full proposal is attached. Happy to walk through it next week.\r\n\r\nKind regards,\r\nAlex"),
            s("adele", &["alex"], &["megan"], 9, "Thanks Alex, this is helpful. The tiers look reasonable. We'd like to understand how you'd handle support for customers above 500 seats — do you expect us to provide second-line support?\r\n\r\nBest,\r\nAdele"),
            s("alex", &["adele"], &["megan", "johanna"], 15, "Good question. We'd provide first and second line; Contoso would only take escalations. I've copied Johanna, who runs our solutions team and can share the support model.\r\n\r\nAlex"),
            s("megan", &["alex", "adele"], &["johanna"], 6, "On the co-marketing fund — could we agree the first joint campaign now? We'd suggest a webinar in the autumn aimed at retail customers.\r\n\r\nMegan"),
            s("adele", &["alex"], &["megan", "johanna"], 20, "Alex, Johanna — we're aligned on the tiers and the support model. Let's get the contract drafted and plan the webinar as the first activity.\r\n\r\nAdele"),
            s("alex", &["adele"], &["megan", "johanna"], 4, "Agreed. I'll send the updated contract on Monday.\r\n\r\nCheers,\r\nAlex"),
        ],
    },
    ThreadScript {
        key: "invoice_northwind",
        subject: "Invoice INV-20931 – payment status",
        folder: "inbox",
        days_ago: 33,
        category: None,
        html: false,
        steps: &[
            s("katherine", &["adele"], &[], 0, "Hello Adele,\r\n\r\nI hope you're well. Our records show invoice INV-20931 for $18,450.00 (consulting services, March) is now 15 days past due. Could you check on its status?\r\n\r\nBest regards,\r\nKatherine Johnson\r\nNorthwind Traders"),
            s("adele", &["katherine"], &["nestor"], 5, "Hi Katherine,\r\n\r\nApologies for the delay. It was stuck waiting for a second approval; I've chased it and copied Nestor, who owns our vendor payments.\r\n\r\nAdele"),
            s("katherine", &["adele"], &["nestor"], 50, "Payment received this morning — thank you both!\r\n\r\nKatherine"),
        ],
    },
    ThreadScript {
        key: "offsite",
        subject: "Team offsite – venue options",
        folder: "archive",
        days_ago: 45,
        category: Some("Green category"),
        html: true,
        steps: &[
            s("patti", &["adele", "megan", "lee", "nestor"], &[], 0, "Hi team,\r\n\r\nWe have three options for the offsite: the Alpine Ski House lodge, a conference centre in Bellevue, or staying at the office with a catered lunch. Please reply with your first choice by Thursday.\r\n\r\nPatti"),
            s("nestor", &["patti"], &["adele", "megan", "lee"], 3, "Lodge gets my vote — it's the only one with breakout rooms for the planning sessions.\r\n\r\nNestor"),
            s("adele", &["patti"], &["megan", "lee", "nestor"], 2, "Lodge for me too, as long as there's decent Wi-Fi for the remote folks.\r\n\r\nAdele"),
            s("patti", &["adele", "megan", "lee", "nestor"], &[], 24, "Decision: Alpine Ski House lodge it is. Björn, their events manager, will send the logistics. Thanks all!\r\n\r\nPatti"),
        ],
    },
    ThreadScript {
        key: "escalation",
        subject: "Customer escalation – Tailspin Toys",
        folder: "inbox",
        days_ago: 12,
        category: Some("Red category"),
        html: false,
        steps: &[
            s("jon", &["nestor"], &[], 0, "Nestor,\r\n\r\nSince Tuesday's release our orders have been failing to sync overnight. We've had to re-key about 300 orders by hand. We need a fix or a rollback today.\r\n\r\nJon Smith\r\nProcurement Lead, Tailspin Toys"),
            fw("nestor", &["adele", "lee"], &[], 1, "Adele, Lee — can you take a look? This is our second-largest account and they're understandably upset.\r\n\r\nNestor"),
            s("lee", &["nestor", "adele"], &[], 3, "Found it — the export job converts order times to UTC twice when the store is east of us. Hotfix is in review; ETA two hours.\r\n\r\nLee"),
            s("adele", &["jon"], &["nestor", "lee"], 4, "Hi Jon,\r\n\r\nI'm the product manager for the sync service. We've deployed a fix for the time-zone bug that caused last night's failures and re-ran the missed syncs. I'm sorry for the extra work this caused your team.\r\n\r\nI'll follow up tomorrow to confirm everything looks right on your side.\r\n\r\nAdele Vance"),
        ],
    },
    ThreadScript {
        key: "interview",
        subject: "Interview feedback: Senior PM candidate (loop 2)",
        folder: "inbox",
        days_ago: 27,
        category: None,
        html: false,
        steps: &[
            s("patti", &["adele", "lee", "megan"], &[], 0, "Please send your feedback for today's candidate by end of day. Use the usual format: hire / no hire, strengths, concerns.\r\n\r\nPatti"),
            s("lee", &["patti"], &["adele", "megan"], 6, "Hire. Strong on technical trade-offs and asked good questions about our data model. Slight concern about experience with platform products.\r\n\r\nLee"),
            s("adele", &["patti"], &["lee", "megan"], 2, "Hire. Excellent customer stories and very clear writing in the take-home. I'd like to see more on prioritisation under pressure, but nothing blocking.\r\n\r\nAdele"),
        ],
    },
    ThreadScript {
        key: "beta_feedback",
        subject: "Alpha beta feedback roundup",
        folder: "alpha",
        days_ago: 60,
        category: Some("Project Alpha"),
        html: true,
        steps: &[
            s("adele", &["lee", "megan"], &["patti"], 0, "Hi all,\r\n\r\nWe now have feedback from 14 beta customers. Top themes: setup takes too long (9 of 14), notifications are too noisy (7), and people love the weekly digest (11).\r\n\r\nI'll share the full notes in the Alpha channel.\r\n\r\nAdele"),
            s("lee", &["adele", "megan"], &["patti"], 2, "Setup time is mostly the initial import. We can parallelise it — maybe a 3x win. I'll size it this week.\r\n\r\nLee"),
            s("megan", &["adele", "lee"], &["patti"], 3, "Can we quote a couple of the digest comments in the launch blog? Happy to ask the customers for permission.\r\n\r\nMegan"),
            s("adele", &["megan"], &["lee", "patti"], 1, "Yes — Siobhán at Adventure Works already said we can use hers.\r\n\r\nAdele"),
            s("patti", &["adele", "lee", "megan"], &[], 20, "Great work. Let's make notification noise the headline fix for the next beta drop; it affects retention more than setup time does.\r\n\r\nPatti"),
            s("lee", &["patti", "adele", "megan"], &[], 4, "Agreed. Proposal: default to a daily summary and let people opt into real-time for mentions only.\r\n\r\nLee"),
            s("megan", &["lee", "patti", "adele"], &[], 2, "Love it. That's also an easier story to tell.\r\n\r\nMegan"),
            s("adele", &["lee", "megan", "patti"], &[], 18, "Updated the plan: notification summary ships in beta drop 3, parallel import in drop 4. Thanks everyone!\r\n\r\nAdele"),
        ],
    },
    ThreadScript {
        key: "security_review",
        subject: "Security review findings – Alpha API",
        folder: "alpha",
        days_ago: 38,
        category: Some("Project Alpha"),
        html: false,
        steps: &[
            s("lee", &["adele"], &["nestor"], 0, "Adele,\r\n\r\nThe security review came back with two medium findings: tokens are logged at debug level, and the export endpoint doesn't rate-limit. Nothing high or critical.\r\n\r\nLee"),
            s("adele", &["lee"], &["nestor"], 3, "Thanks. Can both be fixed before the public beta? If not, I'd rather delay the export feature than ship without rate limiting.\r\n\r\nAdele"),
            s("lee", &["adele"], &["nestor"], 22, "Both fixed and verified by the reviewers this morning.\r\n\r\nLee"),
            s("nestor", &["lee", "adele"], &[], 1, "Nice turnaround. I'll note it in the ops risk register.\r\n\r\nNestor"),
        ],
    },
    ThreadScript {
        key: "conference",
        subject: "Talk proposal: Building calmer notifications",
        folder: "inbox",
        days_ago: 50,
        category: Some("Yellow category"),
        html: false,
        steps: &[
            s("catherine", &["adele"], &[], 0, "Dear Adele,\r\n\r\nThank you for submitting \"Building calmer notifications\" to our product conference. The committee loved it. Could you confirm you're available for a 30-minute slot on the second morning?\r\n\r\nWarm regards,\r\nCatherine Jonson\r\nLucerne Publishing"),
            s("adele", &["catherine"], &[], 20, "Hi Catherine,\r\n\r\nWonderful news — yes, the second morning works. Do you need slides in advance?\r\n\r\nAdele"),
            s("catherine", &["adele"], &[], 30, "Slides one week before, please, in 16:9. Our AV team will be in touch about the mic and clicker.\r\n\r\nCatherine"),
        ],
    },
    ThreadScript {
        key: "retro",
        subject: "Sprint 42 retro – action items",
        folder: "inbox",
        days_ago: 6,
        category: None,
        html: true,
        steps: &[
            s("lee", &["adele", "megan", "patti"], &[], 0, "Action items from today's retro:\r\n\r\n1. Adele: write up the definition of done for analytics events.\r\n2. Lee: add the DST cases to the scheduler test suite.\r\n3. Megan: share the launch comms calendar with engineering.\r\n\r\nLee"),
            s("megan", &["lee"], &["adele", "patti"], 2, "Calendar shared — it's in the Alpha team's Files tab.\r\n\r\nMegan"),
            s("adele", &["lee"], &["megan", "patti"], 5, "Definition of done drafted; comments welcome.\r\n\r\nAdele"),
            s("patti", &["lee", "adele", "megan"], &[], 3, "Thanks — this is the most concrete retro we've had in a while.\r\n\r\nPatti"),
            s("lee", &["adele", "megan", "patti"], &[], 22, "DST tests added. They caught one more bug in the weekly series expansion, now fixed.\r\n\r\nLee"),
        ],
    },
    ThreadScript {
        key: "lunch",
        subject: "Lunch Friday?",
        folder: "inbox",
        days_ago: 3,
        category: None,
        html: false,
        steps: &[
            s("megan", &["adele"], &[], 0, "I'm in Redmond on Friday — lunch? The new Thai place near building 18?"),
            s("adele", &["megan"], &[], 1, "Yes please! 12:15?"),
            s("megan", &["adele"], &[], 1, "Perfect, see you there."),
        ],
    },
    ThreadScript {
        key: "warehouse",
        subject: "Warehouse capacity for Q4",
        folder: "inbox",
        days_ago: 24,
        category: None,
        html: false,
        steps: &[
            s("oliver", &["alex"], &["johanna"], 0, "Alex,\r\n\r\nWe'll hit 92% capacity in Manchester by mid-November if the Contoso deal closes. Options are overflow storage in Leeds or earlier shipping windows.\r\n\r\nOliver"),
            s("alex", &["oliver"], &["johanna"], 4, "Thanks Oliver. Let's price the Leeds overflow; earlier shipping windows would upset two retail customers.\r\n\r\nAlex"),
            s("johanna", &["alex", "oliver"], &[], 6, "From the systems side, Leeds is already on the same inventory platform, so no integration work is needed.\r\n\r\nJohanna"),
            s("oliver", &["alex"], &["johanna"], 28, "Leeds quote attached: £4.20 per pallet per week, minimum 200 pallets.\r\n\r\nOliver"),
        ],
    },
    ThreadScript {
        key: "contract",
        subject: "Contoso reseller agreement – updated draft",
        folder: "inbox",
        days_ago: 8,
        category: None,
        html: false,
        steps: &[
            s("alex", &["adele"], &["johanna"], 0, "Hi Adele,\r\n\r\nAs promised, the updated reseller agreement is attached with the pricing tiers and support model we agreed. Clause 9 (data residency) is new — please have your legal team look at it.\r\n\r\nAlex"),
            s("adele", &["alex"], &["johanna"], 30, "Thanks Alex. Legal is reviewing; we should have comments by the end of next week.\r\n\r\nAdele"),
            s("johanna", &["alex", "adele"], &[], 5, "One note on clause 9: our EU customers' data stays in Frankfurt; UK customers' data in London. Happy to join a call with your legal team.\r\n\r\nJohanna"),
        ],
    },
    ThreadScript {
        key: "hike",
        subject: "Weekend hike?",
        folder: "inbox",
        days_ago: 11,
        category: None,
        html: false,
        steps: &[
            s("jordan", &["sam", "riley"], &[], 0, "Anyone up for a hike on Saturday? Thinking the ridge trail, leaving at 8."),
            s("sam", &["jordan", "riley"], &[], 2, "I'm in! I can drive if we meet at mine."),
            s("riley", &["jordan", "sam"], &[], 3, "Count me in, I'll bring snacks."),
            s("jordan", &["sam", "riley"], &[], 20, "Great — forecast says sunny. See you at 8 at Sam's."),
        ],
    },
    ThreadScript {
        key: "family",
        subject: "Thanksgiving plans",
        folder: "inbox",
        days_ago: 30,
        category: None,
        html: false,
        steps: &[
            s("linda", &["sam"], &[], 0, "Hi sweetheart, are you coming home for Thanksgiving? Let me know so I can plan the food."),
            s("sam", &["linda"], &[], 6, "Yes! I'll fly in Wednesday night. Can I bring anything?"),
            s("linda", &["sam"], &[], 10, "Just yourself. Maybe the lemon cake if you have time :)"),
        ],
    },
];
