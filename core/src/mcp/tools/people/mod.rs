//! The user, their contacts and the people they work with; time zones and languages.

pub mod profile;

pub use profile::GetProfile;

tool_group![GetProfile];
