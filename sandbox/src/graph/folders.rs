//! Exchange's folder rules, shared by mail folders, contact folders and calendars: a new folder
//! needs a name, names are unique among siblings (case-insensitive), distinguished folders cannot
//! be deleted, and deleting a folder takes its subfolders and their items with it.

use serde_json::Value;

use crate::error::GraphError;

/// The trimmed string under `key`; when it is empty, 400 `ErrorInvalidParameter` naming `param`
/// (Graph's spelling, e.g. `DisplayName`).
pub fn required_name(body: &Value, key: &str, param: &str) -> Result<String, GraphError> {
    let name = body
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if name.is_empty() {
        return Err(GraphError::new(
            400,
            "ErrorInvalidParameter",
            format!("The value of the parameter '{param}' is empty."),
        ));
    }
    Ok(name)
}

pub fn folder_exists() -> GraphError {
    GraphError::new(
        409,
        "ErrorFolderExists",
        "A folder with the specified name already exists.",
    )
}

/// 409 `ErrorFolderExists` when one of `siblings` already has `name` under `key`.
pub fn ensure_unique<'a>(
    mut siblings: impl Iterator<Item = &'a Value>,
    key: &str,
    name: &str,
) -> Result<(), GraphError> {
    if siblings.any(|f| {
        f[key]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) {
        return Err(folder_exists());
    }
    Ok(())
}

/// `ErrorDeleteDistinguishedFolder` (403 for mail and contact folders; 400 for the default
/// calendar).
pub fn distinguished(status: u16) -> GraphError {
    GraphError::new(
        status,
        "ErrorDeleteDistinguishedFolder",
        "Distinguished folders cannot be deleted.",
    )
}

/// Remove folder `id`, every folder below it (by `parentFolderId`) and the items filed in any
/// of them.
pub fn delete_tree(folders: &mut Vec<Value>, items: &mut Vec<Value>, id: String) {
    let mut doomed = vec![id];
    let mut i = 0;
    while i < doomed.len() {
        let cur = doomed[i].clone();
        doomed.extend(
            folders
                .iter()
                .filter(|f| f["parentFolderId"] == cur.as_str())
                .filter_map(|f| f["id"].as_str().map(str::to_string)),
        );
        i += 1;
    }
    folders.retain(|f| !doomed.iter().any(|d| f["id"] == d.as_str()));
    items.retain(|x| !doomed.iter().any(|d| x["parentFolderId"] == d.as_str()));
}
