//! Graph v1.0: routing, the request/reply types, presentation (ids, Prefer), `$batch`, and one
//! module per workload.

pub mod batch;
pub mod calendar;
pub mod contacts;
pub mod delta;
pub mod folders;
pub mod mail;
pub mod mailtips;
pub mod people;
pub mod recurrence;
pub mod request;
pub mod router;
pub mod rules;
pub mod search;
pub mod shape;
pub mod teams;
pub mod tz;
pub mod users;

pub use router::routes;
