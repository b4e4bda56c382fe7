//! The committed `sandbox/schema/graph-v1.0.json` must be what the extractor makes of Microsoft's
//! CSDL. The CSDL lives outside the repository (env `GRAPH_CSDL`, or `../shared/graph/
//! v1.0-Prod.csdl` next to the workspace); where it is absent, as on CI, the test is skipped.
//! `UPDATE_SCHEMA=1 cargo test -p m365-sandbox --test schema_extract` rewrites the file.

use std::path::PathBuf;

use m365_sandbox::schema;

mod common;
use common::csdl_path;

#[test]
fn schema_extract_is_current() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/graph-v1.0.json");
    let Some(csdl) = csdl_path() else {
        println!("skipped: CSDL not found");
        return;
    };
    let xml = std::fs::read_to_string(&csdl).expect("read CSDL");
    let fresh = schema::try_extract(&xml, schema::ROOTS).expect("extract");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&committed, schema::to_file_text(&fresh)).expect("write schema");
        println!("wrote {}", committed.display());
        return;
    }
    let text = std::fs::read_to_string(&committed).expect("read committed schema");
    let current: serde_json::Value = serde_json::from_str(&text).expect("committed schema is JSON");
    assert!(
        current == fresh,
        "sandbox/schema/graph-v1.0.json is stale; regenerate with \
         UPDATE_SCHEMA=1 cargo test -p m365-sandbox --test schema_extract"
    );
    assert_eq!(
        text,
        schema::to_file_text(&fresh),
        "committed schema is not in the extractor's layout"
    );
}

#[test]
fn extract_to_file_reports_missing_input() {
    let err = schema::extract_to_file("/nonexistent/v1.0-Prod.csdl", "/tmp/never-written.json")
        .unwrap_err();
    assert!(err.contains("/nonexistent/v1.0-Prod.csdl"), "{err}");
}
