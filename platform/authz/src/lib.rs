//! Authorisation of baocao.
//!
//! The predefined permission groups and what they allow are data in
//! `policies/` (a Casbin model with domains, a policy file, and the group
//! catalogue). A user holds a group *within a unit*: the Casbin domain is the
//! unit. A check names a permission and a target unit and, when it passes,
//! yields a [`Grant`] — a value that proves the check happened and that the
//! storage layer takes as an argument, so a write cannot be issued without it.

mod catalogue;
mod enforcer;
mod permission;

pub use catalogue::{GroupCatalogue, PolicySet};
pub use enforcer::{Authorizer, Denied, Membership};
pub use permission::{Grant, Permission, Reach, RoleGrant, Scope, perms};

/// Errors while loading the policy files.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("group catalogue is malformed: {0}")]
    Catalogue(String),
    #[error("casbin model or policy is malformed: {0}")]
    Casbin(#[from] casbin::Error),
    #[error("reading policy directory: {0}")]
    Io(#[from] std::io::Error),
}
