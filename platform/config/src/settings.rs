use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration is invalid: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub authz: AuthzSettings,
    pub plugins: PluginSettings,
    pub reports: ReportSettings,
    pub signing: SigningSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub mail: MailSettings,
    pub jobs: JobSettings,
    pub blobs: BlobSettings,
}

/// Where attachment bytes are kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlobSettings {
    /// `database` (default: every instance reads what another wrote) or
    /// `directory` (a directory every instance mounts).
    pub store: BlobStoreKind,
    /// The directory of the `directory` store, and where blobs written
    /// before the database store are still read from; unset:
    /// `reports.attachments_dir`.
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobStoreKind {
    #[default]
    Database,
    Directory,
}

/// Outgoing mail. Without `smtp_url` mails wait in the outbox (operators see
/// them) and nothing is sent.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (implicit TLS). Never logged.
    pub smtp_url: Option<String>,
    /// The sender, e.g. `Hệ thống báo cáo <no-reply@baocao.gov.vn>`.
    pub from: String,
    pub reply_to: Option<String>,
    /// The address officials open the system at, for links in mails.
    pub public_url: String,
    /// The wait before the first retry of a mail the server did not take;
    /// each further retry waits twice as long, at most an hour.
    pub retry_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: "Hệ thống báo cáo <no-reply@baocao.invalid>".to_owned(),
            reply_to: None,
            public_url: "http://127.0.0.1:8080".to_owned(),
            retry_seconds: 30,
        }
    }
}

// The SMTP URL may carry a password.
impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact))
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("public_url", &self.public_url)
            .field("retry_seconds", &self.retry_seconds)
            .finish()
    }
}

/// The background jobs (outbox delivery, reminders …) of this instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// Run the jobs in this instance (`baocao serve`); `baocao worker` runs them regardless.
    pub enabled: bool,
    /// Days before an entry deadline that a reminder goes out.
    pub reminder_days: u32,
    /// How often reminders and overdue notices are looked for, in seconds.
    pub reminder_seconds: u64,
    /// How often the outbox is delivered, in seconds.
    pub outbox_seconds: u64,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings { enabled: true, reminder_days: 3, reminder_seconds: 900, outbox_seconds: 5 }
    }
}

/// Who may read `/metrics`. Open by default (a scraper inside the cluster);
/// when `allow` or `token` is set, a request must come from a listed address
/// or carry `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Client addresses allowed to read the metrics, e.g. `["127.0.0.1", "10.0.0.5"]`.
    pub allow: Vec<std::net::IpAddr>,
    /// A bearer token that also admits a request.
    pub token: Option<String>,
}

impl MetricsSettings {
    pub fn restricted(&self) -> bool {
        !self.allow.is_empty() || self.token.is_some()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// Where attachment files are kept (outside the database rows). Every
    /// instance behind a load balancer must see the same directory.
    pub attachments_dir: PathBuf,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// An imported workbook may unpack to at most this many bytes, all its
    /// parts together: a small zip can hold gigabytes of XML.
    pub import_max_unpacked_bytes: u64,
    /// At most this many cells (and shared strings) in an imported workbook.
    pub import_max_cells: u64,
    /// Reading one workbook stops after this many seconds.
    pub import_max_seconds: u64,
    /// Workbooks read at the same time on one instance; others wait their turn.
    pub import_concurrency: usize,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            attachments_dir: PathBuf::from("./baocao-files"),
            max_attachment_bytes: 20 * 1024 * 1024,
            import_max_unpacked_bytes: 64 * 1024 * 1024,
            import_max_cells: 500_000,
            import_max_seconds: 20,
            import_concurrency: 2,
        }
    }
}

/// Digital signatures ("Ký số").
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SigningSettings {
    /// Trust anchors (PEM or DER certificates: `.pem`, `.crt`, `.cer`) and
    /// revocation lists (`.crl`) signatures are checked against. Production
    /// puts the Government's specialised root G2 and the national root here.
    pub trust_dir: PathBuf,
    /// The secret server-held keys are sealed with. Unset: keys cannot be
    /// uploaded, and the embedded demo makes one in its data directory.
    pub key_secret: Option<String>,
    /// A time-stamping authority (RFC 3161) for PAdES B-T.
    pub tsa_url: Option<String>,
    /// Whether sending requires the organisation's signature, for units
    /// whose own policy does not say.
    pub require_organisation: bool,
    /// Whether approval requires the leader's personal signature, likewise.
    pub require_personal: bool,
    /// How long a signature prepared for a token may wait, in seconds.
    pub pending_seconds: u64,
}

impl Default for SigningSettings {
    fn default() -> Self {
        SigningSettings {
            trust_dir: PathBuf::from("./baocao-files/trust"),
            key_secret: None,
            tsa_url: None,
            require_organisation: true,
            require_personal: false,
            pending_seconds: 900,
        }
    }
}

impl std::fmt::Debug for SigningSettings {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningSettings")
            .field("trust_dir", &self.trust_dir)
            .field("key_secret", &self.key_secret.as_ref().map(|_| "<set>"))
            .field("tsa_url", &self.tsa_url)
            .field("require_organisation", &self.require_organisation)
            .field("require_personal", &self.require_personal)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginSettings {
    /// A directory of extra regime plugins (`*.wasm`) loaded at start as
    /// national regimes, beside the built-in ones.
    pub dir: Option<PathBuf>,
    /// Compile the built-in regimes at start (fail fast, no wait on first
    /// use). Tests that never touch regimes turn it off.
    pub preload: bool,
    /// Where regimes compiled to machine code are kept between starts
    /// (`baocao regime precompile` fills it when an image is built); default
    /// `compiled-regimes` in `reports.attachments_dir`. Writable by the
    /// service alone: the server runs the code it finds there (after
    /// checking that it belongs to the module and to this engine).
    pub compiled_dir: Option<PathBuf>,
}

impl Default for PluginSettings {
    fn default() -> Self {
        PluginSettings { dir: None, preload: true, compiled_dir: None }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub listen: String,
    /// Mark cookies `Secure`. Browsers accept secure cookies on
    /// http://127.0.0.1 and http://localhost; turn off only behind plain HTTP
    /// on another host name, never in production.
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Number of worker threads; 0 means one per core.
    pub workers: usize,
    /// Send `Strict-Transport-Security`; `None` follows `secure_cookies`
    /// (a deployment with secure cookies is served over HTTPS).
    pub hsts: Option<bool>,
    /// On SIGTERM, how long requests in flight may take to finish before the
    /// process exits (under Kubernetes' 30-second grace period).
    pub shutdown_seconds: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            listen: "127.0.0.1:8080".to_owned(),
            secure_cookies: true,
            max_body_bytes: 1024 * 1024,
            workers: 0,
            hsts: None,
            shutdown_seconds: 25,
        }
    }
}

impl HttpSettings {
    pub fn sends_hsts(&self) -> bool {
        self.hsts.unwrap_or(self.secure_cookies)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path.db` (created if missing) or `postgres://user@host/db`.
    pub url: String,
    /// What `serve` and `worker` do with a schema older than themselves.
    pub migrate: MigrateAtStart,
    /// Connections the instance keeps open; none: 8 on SQLite, 16 on PostgreSQL.
    pub pool_size: Option<u32>,
}

/// Migrations at start. A cluster migrates once per release (`baocao
/// migrate`, the Helm hook) and its instances only check; the embedded
/// single process migrates itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrateAtStart {
    /// Apply on SQLite, check on PostgreSQL.
    #[default]
    Auto,
    Apply,
    /// Refuse to start on a schema this version does not know.
    Check,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings { url: "sqlite://./baocao.db".to_owned(), migrate: MigrateAtStart::Auto, pool_size: None }
    }
}

impl DatabaseSettings {
    /// Whether a serving process applies the migrations itself.
    pub fn applies_migrations(&self) -> bool {
        match self.migrate {
            MigrateAtStart::Auto => self.url.starts_with("sqlite:"),
            MigrateAtStart::Apply => true,
            MigrateAtStart::Check => false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// When set, sessions and events go through Redis so that several
    /// instances can serve the same users.
    pub url: Option<String>,
    /// Prefix of every key and channel, so that several deployments (or
    /// test runs) can share one Redis.
    pub prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings { url: None, prefix: "baocao:".to_owned() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Demand the image captcha on the sign-in form (and on the API after
    /// repeated failures). Turn off only for automated environments.
    pub captcha: bool,
    pub session_minutes: u64,
    /// Consecutive failures before an account is locked.
    pub lockout_threshold: i32,
    /// Length of the first lock; each further failure doubles it, up to an hour.
    pub lockout_seconds: u64,
    /// Sign-in attempts allowed per client address and minute.
    pub attempts_per_minute: usize,
    /// Failures after which the JSON API demands the captcha too.
    pub api_captcha_after: i32,
    /// Validity of a password-reset token.
    pub reset_token_minutes: i64,
    /// Sign-in through the national identity platform; off while `issuer` is unset.
    pub oidc: OidcSettings,
}

/// The OpenID Connect provider ("Đăng nhập với VNConnect").
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer, whose `/.well-known/openid-configuration` is read.
    pub issuer: Option<String>,
    pub client_id: String,
    /// A file holding the client secret (a mounted Kubernetes secret).
    pub client_secret_file: Option<PathBuf>,
    /// The secret itself, from `BAOCAO_AUTH__OIDC__CLIENT_SECRET`; never logged.
    pub client_secret: Option<String>,
    /// This server's `/auth/oidc/callback` as the provider knows it.
    pub redirect_url: String,
    /// The button's name: "Đăng nhập với {label}".
    pub label: String,
    pub scopes: Vec<String>,
    /// The provider's claim names for what baocao keeps.
    pub claims: OidcClaims,
}

/// Claim names, as the provider spells them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcClaims {
    pub subject: String,
    pub full_name: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
}

impl Default for OidcClaims {
    fn default() -> Self {
        OidcClaims {
            subject: "sub".to_owned(),
            full_name: "name".to_owned(),
            id_number: "cccd".to_owned(),
            phone: "phone_number".to_owned(),
            email: "email".to_owned(),
        }
    }
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer: None,
            client_id: String::new(),
            client_secret_file: None,
            client_secret: None,
            redirect_url: "http://127.0.0.1:8080/auth/oidc/callback".to_owned(),
            label: "VNConnect".to_owned(),
            scopes: ["openid", "profile", "email", "phone"].map(String::from).to_vec(),
            claims: OidcClaims::default(),
        }
    }
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret_file", &self.client_secret_file)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<set>"))
            .field("redirect_url", &self.redirect_url)
            .field("label", &self.label)
            .field("scopes", &self.scopes)
            .field("claims", &self.claims)
            .finish()
    }
}

impl OidcSettings {
    /// A provider needs an issuer and a callback that are URLs, a client id,
    /// and a readable secret file when one is named.
    fn validate(&self) -> Result<(), SettingsError> {
        let Some(issuer) = &self.issuer else { return Ok(()) };
        let url = |v: &str| v.starts_with("https://") || v.starts_with("http://");
        if !url(issuer) || !url(&self.redirect_url) {
            return Err(SettingsError::Invalid("auth.oidc.issuer and auth.oidc.redirect_url must be URLs".to_owned()));
        }
        if self.client_id.trim().is_empty() {
            return Err(SettingsError::Invalid("auth.oidc.client_id is required with auth.oidc.issuer".to_owned()));
        }
        self.secret().map(|_| ())
    }

    /// The client secret: the variable if set, else the file's first line.
    pub fn secret(&self) -> Result<Option<String>, SettingsError> {
        if let Some(secret) = &self.client_secret {
            return Ok(Some(secret.clone()));
        }
        let Some(path) = &self.client_secret_file else { return Ok(None) };
        let text = std::fs::read_to_string(path).map_err(|e| {
            SettingsError::Invalid(format!("auth.oidc.client_secret_file {} cannot be read: {e}", path.display()))
        })?;
        Ok(Some(text.lines().next().unwrap_or_default().trim().to_owned()))
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            captcha: true,
            session_minutes: 8 * 60,
            lockout_threshold: 5,
            lockout_seconds: 60,
            attempts_per_minute: 30,
            api_captcha_after: 3,
            reset_token_minutes: 60,
            oidc: OidcSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthzSettings {
    /// A directory with model.conf, policy.csv and groups.toml replacing the
    /// built-in policies.
    pub policies_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: String,
    /// A tracing filter, e.g. `info` or `baocao=debug,info`.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { format: "pretty".to_owned(), filter: "info".to_owned() }
    }
}

impl Settings {
    /// Defaults, then the TOML file if given, then `BAOCAO_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_with_env(file, None)
    }

    /// As [`Settings::load`], reading the variables from `env` instead of the
    /// process environment when given (tests).
    pub fn load_with_env(
        file: Option<&Path>, env: Option<std::collections::HashMap<String, String>>,
    ) -> Result<Self, SettingsError> {
        let defaults =
            config::Config::try_from(&Settings::default()).map_err(|e| SettingsError::Invalid(e.to_string()))?;
        let mut builder = config::Config::builder().add_source(defaults);
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml).required(true));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("BAOCAO")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .source(env),
        );
        let settings: Settings =
            builder.build().and_then(|c| c.try_deserialize()).map_err(|e| SettingsError::Invalid(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(SettingsError::Invalid(format!(
                "database.url must start with sqlite: or postgres:// (got {})",
                redact(url)
            )));
        }
        if self.auth.session_minutes == 0 {
            return Err(SettingsError::Invalid("auth.session_minutes must be positive".to_owned()));
        }
        self.auth.oidc.validate()?;
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(SettingsError::Invalid("log.format must be pretty or json".to_owned()));
        }
        Ok(())
    }
}

/// A URL with its password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_secret_comes_from_the_variable_or_a_file_and_is_never_printed() {
        let path = std::env::temp_dir().join(format!("baocao-oidc-secret-{}", std::process::id()));
        std::fs::write(&path, "tu-tep-bi-mat\n").unwrap();
        let mut oidc = OidcSettings {
            issuer: Some("https://vnconnect.example.gov.vn".into()),
            client_id: "baocao".into(),
            client_secret_file: Some(path.clone()),
            ..OidcSettings::default()
        };
        assert_eq!(oidc.secret().unwrap().as_deref(), Some("tu-tep-bi-mat"));
        let env = [("BAOCAO_AUTH__OIDC__CLIENT_SECRET".to_owned(), "tu-bien-moi-truong".to_owned())].into();
        let loaded = Settings::load_with_env(None, Some(env)).unwrap();
        assert_eq!(loaded.auth.oidc.client_secret.as_deref(), Some("tu-bien-moi-truong"));
        oidc.client_secret = loaded.auth.oidc.client_secret.clone();
        assert_eq!(oidc.secret().unwrap().as_deref(), Some("tu-bien-moi-truong"), "the variable wins");
        let printed = format!("{oidc:?}");
        assert!(!printed.contains("tu-bien-moi-truong") && printed.contains("<set>"), "{printed}");
        oidc.client_secret = None;
        oidc.client_secret_file = Some(path.with_extension("missing"));
        assert!(oidc.validate().is_err(), "a secret file that cannot be read stops the start");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn defaults_run_embedded() {
        let s = Settings::default();
        assert_eq!(s.database.url, "sqlite://./baocao.db");
        assert_eq!(s.http.listen, "127.0.0.1:8080");
        assert!(s.redis.url.is_none());
        assert!(s.auth.captcha);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn file_then_environment_override() {
        let dir = std::env::temp_dir().join(format!("baocao-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("baocao.toml");
        std::fs::write(&file, "[http]\nlisten = \"0.0.0.0:9000\"\n[auth]\ncaptcha = true\n").unwrap();
        let env = [("BAOCAO_AUTH__CAPTCHA".to_owned(), "false".to_owned())].into();
        let s = Settings::load_with_env(Some(&file), Some(env)).unwrap();
        assert_eq!(s.http.listen, "0.0.0.0:9000");
        assert!(!s.auth.captcha, "the environment wins over the file");
        std::fs::write(&file, "[http]\nlisten_typo = 1\n").unwrap();
        assert!(Settings::load_with_env(Some(&file), Some(Default::default())).is_err(), "unknown keys are refused");
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(redact("postgres://app:s3cret@db/baocao"), "postgres://app:***@db/baocao");
        assert_eq!(redact("postgres://app@db/baocao"), "postgres://app@db/baocao");
    }
}
