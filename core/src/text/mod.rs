//! Text for a model: HTML mail bodies turned into clean, compact text with everything a human
//! reader would not see removed ([`html`]), and helpers that keep tool output within budget
//! ([`budget`]). Plain Rust, no dependencies beyond the crate's own; linear time.

pub mod budget;
pub mod html;

mod css;
mod entities;
mod tokenizer;
mod url;

pub use html::{to_text, CleanText, Link, Options, Removed};
