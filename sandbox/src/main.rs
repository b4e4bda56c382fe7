//! `m365-sandbox` — run the Microsoft 365 stand-in on loopback.
//!
//! ```text
//! m365-sandbox [--host 127.0.0.1] [--port 8790] [--anchor YYYY-MM-DD]
//! m365-sandbox extract-schema <v1.0-Prod.csdl> <out.json>
//! ```
//! Prints one JSON line `{"sandbox":"ready","url":…}` on stdout once it accepts connections, so
//! scripts can wait for it; port 0 picks a free port.

use std::{net::SocketAddr, sync::Arc};

use chrono::{NaiveDate, TimeZone, Utc};
use m365_sandbox::{app, Sandbox};

struct Options {
    host: String,
    port: u16,
    anchor: Option<NaiveDate>,
}

fn usage() -> ! {
    eprintln!(
        "usage: m365-sandbox [--host 127.0.0.1] [--port 8790] [--anchor YYYY-MM-DD]\n       m365-sandbox extract-schema <v1.0-Prod.csdl> <out.json>"
    );
    std::process::exit(2)
}

fn parse_args(args: &[String]) -> Options {
    let mut o = Options {
        host: "127.0.0.1".into(),
        port: 8790,
        anchor: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_else(|| usage());
        match a.as_str() {
            "--host" => o.host = value(),
            "--port" => o.port = value().parse().unwrap_or_else(|_| usage()),
            "--anchor" => {
                o.anchor = Some(
                    NaiveDate::parse_from_str(&value(), "%Y-%m-%d").unwrap_or_else(|_| usage()),
                )
            }
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    o
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("extract-schema") {
        let (Some(csdl), Some(out)) = (args.get(1), args.get(2)) else {
            usage()
        };
        match m365_sandbox::schema::extract_to_file(csdl, out) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("extract-schema: {e}");
                std::process::exit(1)
            }
        }
    }
    let opts = parse_args(&args);
    let addr: SocketAddr = match format!("{}:{}", opts.host, opts.port).parse() {
        Ok(a) => a,
        Err(_) => usage(),
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("m365-sandbox: cannot listen on {addr}: {e}");
            std::process::exit(1)
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let base_url = format!("http://{local}");
    let anchor_date = opts.anchor.unwrap_or_else(|| Utc::now().date_naive());
    let anchor = Utc.from_utc_datetime(&anchor_date.and_hms_opt(0, 0, 0).unwrap_or_default());
    let state = Arc::new(Sandbox::new(base_url.clone(), anchor));
    let users = state.world().users.len();
    println!(
        "{}",
        serde_json::json!({"sandbox": "ready", "url": base_url, "graph": format!("{base_url}/v1.0"), "anchor": anchor_date.to_string(), "users": users})
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("m365-sandbox: {e}");
        std::process::exit(1)
    }
}
