//! sea-orm entities, one per table of `migrations/`. They are private to the
//! storage crate: the rest of the platform sees domain types.

pub mod aggregate_sources;
pub mod approval_rules;
pub mod attachments;
pub mod audit_log;
pub mod blobs;
pub mod catalogue_versions;
pub mod identities;
pub mod job_runs;
pub mod memberships;
pub mod notifications;
pub mod outbox;
pub mod password_resets;
pub mod pending_signatures;
pub mod receivers;
pub mod regime_plugins;
pub mod reorganisations;
pub mod report_documents;
pub mod report_history;
pub mod report_sections;
pub mod reports;
pub mod signature_images;
pub mod signing_keys;
pub mod tenants;
pub mod unit_successors;
pub mod units;
pub mod users;
