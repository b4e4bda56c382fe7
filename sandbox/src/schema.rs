//! Placeholder until the CSDL-backed schema lands.
#[derive(Debug, Default)]
pub struct Schema;
impl Schema {
    pub fn load() -> Self {
        Self
    }
}
