//! The built-in tools. Issue 5 adds the mail tools here, one file per tool, one line per tool
//! in [`all`].

mod profile;

pub use profile::GetProfile;

use super::tool::Tool;

/// Every built-in tool, in listing order.
pub fn all() -> Vec<Box<dyn Tool>> {
    vec![Box::new(GetProfile)]
}
