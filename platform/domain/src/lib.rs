//! The domain of baocao in plain Rust: identifiers, validated value types,
//! units and their reorganisations, users, permission groups, and the
//! Vietnamese/English texts users see; report content, the entry rules,
//! the form layout and the aggregation arithmetic. Nothing here performs I/O, so every
//! rule can be tested in isolation and reused by every layer.

pub mod aggregation;
pub mod audit;
pub mod catalogue;
pub mod clock;
pub mod compliance;
pub mod content;
pub mod entry;
pub mod format;
pub mod group;
pub mod identity;
pub mod ids;
pub mod layout;
pub mod mail;
pub mod nul;
pub mod numbers;
pub mod operations;
pub mod queue;
pub mod ranking;
pub mod report;
pub mod sanitize;
pub mod search;
pub mod text;
pub mod types;
pub mod unit;
pub mod user;

pub use ids::{TenantId, UnitId, UserId};
pub use text::{Invalid, Text};
