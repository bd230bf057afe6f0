//! Configuration and telemetry of baocao.
//!
//! One typed [`Settings`] struct, filled in layers: the built-in defaults
//! (which run the product with no configuration at all: SQLite file, in-process
//! sessions and events, 127.0.0.1:8080), then a TOML file (`--config`), then
//! environment variables `BAOCAO_<SECTION>__<KEY>` (e.g.
//! `BAOCAO_AUTH__CAPTCHA=false`), then command-line flags applied by the binary.

mod settings;
mod telemetry;

pub use settings::{
    AuthSettings, AuthzSettings, BlobSettings, BlobStoreKind, DatabaseSettings, HttpSettings, JobSettings, LogSettings,
    MailSettings, MigrateAtStart, OidcClaims, OidcSettings, PluginSettings, RedisSettings, Settings, SettingsError,
    SigningSettings, redact,
};
pub use telemetry::{Metrics, init_tracing};
