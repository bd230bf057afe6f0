//! What the JSON API sends back. Kept apart from the domain types and the
//! storage rows so the wire format is stable and documented (each shape is an
//! OpenAPI schema); the web layer only puts these into responses.

pub mod compliance;
pub mod operations;
pub mod people;
pub mod queues;
pub mod regimes;
pub mod reports;

pub use compliance::*;
pub use operations::*;
pub use people::*;
pub use queues::*;
pub use regimes::*;
pub use reports::*;
