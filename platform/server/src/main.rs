//! `baocao`: the one binary. Parses the command line and hands over to the library.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use baocao::{Application, demo, open_store, open_store_for_serving};
use baocao_config::{Settings, init_tracing};
use baocao_domain::group::GroupCode;
use baocao_domain::ids::UnitId;
use baocao_domain::types::{FullName, Password, Username};
use baocao_domain::user::UserProfile;
use baocao_storage::NewAccount;
use clap::{Args, Parser, Subcommand};

mod regime_check;
mod sign_agent;

#[derive(Parser)]
#[command(name = "baocao", version, about = "Hệ thống thông tin báo cáo — reporting information system")]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Common {
    /// TOML configuration file (see README); BAOCAO_<SECTION>__<KEY> variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://file.db or postgres://user@host/db.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Redis URL; sessions and events then go through Redis.
    #[arg(long, global = true)]
    redis_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 or 0.0.0.0:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Create (or refresh) the demo world and print its accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Run only the background jobs (outbox delivery, reminders, expiry), for
    /// a worker deployment; answers /healthz, /readyz and /metrics.
    Worker {
        /// Address of the probes and metrics, e.g. 0.0.0.0:9090 (default http.listen).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Manage accounts from the command line (passwords are read from standard input).
    #[command(subcommand)]
    User(UserCommand),
    /// Work with regime plugins.
    #[command(subcommand)]
    Regime(RegimeCommand),
    /// Sign with a USB token (any PKCS#11 module) for the API's deferred
    /// signing; the PIN comes from BAOCAO_TOKEN_PIN or standard input.
    SignAgent {
        /// The token's PKCS#11 module (its driver), e.g. /usr/lib/softhsm/libsofthsm2.so.
        #[arg(long, env = "BAOCAO_PKCS11_MODULE")]
        module: PathBuf,
        /// The token's label (default: the first token).
        #[arg(long)]
        token: Option<String>,
        /// The key's label on the token (default: the first private key).
        #[arg(long)]
        key: Option<String>,
        #[command(subcommand)]
        action: AgentCommand,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Print the token's certificate (base64 DER), for "certificate_chain".
    Certificate,
    /// Sign base64 data ("to_be_signed") and print the signature, base64.
    Sign { data: String },
    /// Prepare, sign and complete a step of a report on a server; the
    /// session token is read from BAOCAO_SESSION.
    Report {
        /// The server, e.g. https://baocao.example.gov.vn
        #[arg(long)]
        server: String,
        #[arg(long)]
        report: i64,
        /// approve (the leader's signature) or send (the organisation's).
        #[arg(long)]
        action: String,
        /// PEM files of the issuing CAs, sent along with the token's certificate.
        #[arg(long)]
        chain: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RegimeCommand {
    /// Run every check an upload runs on a module and print its forms,
    /// columns and schedule (no database needed).
    Check {
        /// The compiled plugin (.wasm).
        file: PathBuf,
        /// The year whose schedule is printed (default: this year).
        #[arg(long)]
        year: Option<i32>,
    },
    /// Compile the built-in regimes to machine code ahead of time (when an
    /// image is built), so that `serve` reads them instead of compiling.
    Precompile {
        /// Where to keep them (default: plugins.compiled_dir).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account in a unit.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        #[arg(long)]
        unit_id: i64,
        /// A group to grant at the unit.
        #[arg(long)]
        group: Option<String>,
    },
    /// Set a new password.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Grant a group within a unit.
    Grant {
        #[arg(long)]
        username: String,
        #[arg(long)]
        group: String,
        #[arg(long)]
        unit_id: i64,
    },
}

fn read_password() -> anyhow::Result<Password> {
    eprintln!("Mật khẩu mới (đọc từ đầu vào chuẩn) / new password (from standard input):");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Password::parse(line.trim_end_matches(['\r', '\n'])).map_err(|e| anyhow!("{} / {}", e.text.vi, e.text.en))
}

/// A password for the demo accounts: BAOCAO_DEMO_PASSWORD, or a random one that meets the policy.
fn demo_password() -> anyhow::Result<Password> {
    if let Ok(p) = std::env::var("BAOCAO_DEMO_PASSWORD") {
        return Password::parse(&p).map_err(|e| anyhow!("BAOCAO_DEMO_PASSWORD: {}", e.text.en));
    }
    use rand::Rng;
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let body: String = (0..10).map(|_| LETTERS[rng.gen_range(0..LETTERS.len())] as char).collect();
    Password::parse(&format!("Bc{body}9#")).map_err(|e| anyhow!(e.to_string()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.common.config.as_deref())?;
    if let Some(url) = cli.common.database_url {
        settings.database.url = url;
    }
    if let Some(url) = cli.common.redis_url {
        settings.redis.url = Some(url);
    }
    init_tracing(&settings.log);
    match cli.command {
        Command::Serve { listen, demo } => serve(settings, listen, demo).await,
        Command::Migrate => {
            open_store(&settings).await?;
            println!("Đã cập nhật cơ sở dữ liệu / database migrated.");
            Ok(())
        }
        Command::Worker { listen } => {
            if let Some(listen) = listen {
                settings.http.listen = listen;
            }
            settings.validate()?;
            baocao::run_worker(settings).await
        }
        Command::User(cmd) => user(&settings, cmd).await,
        Command::SignAgent { module, token, key, action } => {
            let token = sign_agent::Token { module, label: token, key };
            match action {
                AgentCommand::Certificate => sign_agent::certificate(&token),
                AgentCommand::Sign { data } => sign_agent::sign(&token, &data),
                AgentCommand::Report { server, report, action, chain } => {
                    sign_agent::report(&token, &server, report, &action, &chain).await
                }
            }
        }
        Command::Regime(RegimeCommand::Check { file, year }) => {
            use chrono::Datelike;
            regime_check::run(&file, year.unwrap_or_else(|| chrono::Utc::now().year())).await
        }
        Command::Regime(RegimeCommand::Precompile { dir }) => {
            let dir = dir.unwrap_or_else(|| baocao_app::regimes::compiled_dir(&settings));
            let kept = baocao_app::regimes::precompile(dir.clone())
                .await
                .with_context(|| format!("compiling the regimes into {}", dir.display()))?;
            println!(
                "Đã biên dịch sẵn {kept} chế độ báo cáo vào {0} / {kept} regimes compiled ahead of time into {0}",
                dir.display()
            );
            Ok(())
        }
    }
}

async fn serve(mut settings: Settings, listen: Option<String>, demo: bool) -> anyhow::Result<()> {
    if let Some(listen) = listen {
        settings.http.listen = listen;
    }
    settings.validate()?;
    if demo && settings.signing.key_secret.is_none() {
        settings.signing.key_secret = Some(demo_key_secret(&settings)?);
    }
    // The demo makes its own world, schema included; a cluster migrates once, with `baocao migrate`.
    let store = if demo { open_store(&settings).await? } else { open_store_for_serving(&settings).await? };
    let accounts = if demo {
        let password = demo_password()?;
        let accounts = demo::seed(&store, &password).await.context("seeding the demo world")?;
        Some((accounts, password))
    } else {
        None
    };
    let app = Application::build_with_store(settings.clone(), store).await?;
    if accounts.is_some() {
        let created = demo::assign_reports(&app.state().app).await.context("assigning the demo reports")?;
        tracing::info!(created, "demo reports assigned");
        let equipped = baocao_app::signatures::equip_demo(&app.state().app)
            .await
            .map_err(|e| anyhow!("giving the demo its certificates: {}", e.public().1.en))?;
        tracing::info!(equipped, "demo signing keys installed");
    }
    let host = settings.http.listen.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    let host = if host == "0.0.0.0" || host == "[::]" { "127.0.0.1" } else { host };
    println!("\nbaocao đang chạy / is running: http://{host}:{}/login", app.port());
    if let Some((accounts, password)) = accounts {
        print_demo_accounts(&accounts, &password);
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// The secret the demo's signing keys are sealed with when none is
/// configured: made once, kept beside the attachments (readable by the
/// owner only). Production sets `BAOCAO_SIGNING__KEY_SECRET` instead.
fn demo_key_secret(settings: &Settings) -> anyhow::Result<String> {
    let path = settings.reports.attachments_dir.join("signing.secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().to_owned());
    }
    use rand::Rng;
    let secret: String = (0..32).map(|_| format!("{:02x}", rand::thread_rng().r#gen::<u8>())).collect();
    std::fs::create_dir_all(&settings.reports.attachments_dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, secret.as_bytes())?;
    Ok(secret)
}

fn print_demo_accounts(accounts: &[demo::DemoAccount], password: &Password) {
    println!("Tài khoản quản trị / administrator: admin");
    println!("Mật khẩu mọi tài khoản mẫu / password of every demo account: {}", password.expose());
    println!(
        "Báo cáo mẫu / demo reports: hy.phohien.nhaplieu → /reports (biểu III.01a đã giao cho các xã, phường của Hưng Yên)"
    );
    println!(
        "                            tb.minhquang.nhaplieu → /reports (chấm điểm chuyển đổi số cấp xã; tb.tonghop thẩm định)"
    );
    println!(
        "Ký số mẫu / demo signatures: lãnh đạo và văn thư đã có chứng thư số thử nghiệm (hy.phohien.duyet → Duyệt và ký số)"
    );
    println!("\nTài khoản mẫu / demo accounts:");
    for a in accounts {
        println!("  {:<24} {:<24} {}", a.username, a.group, a.unit);
    }
    println!();
}

async fn user(settings: &Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let store = open_store_for_serving(settings).await?;
    let parse_name = |raw: &str| Username::parse(raw).map_err(|e| anyhow!(e.text.en.to_string()));
    match cmd {
        UserCommand::Create { username, full_name, unit_id, group } => {
            let username = parse_name(&username)?;
            let profile = UserProfile {
                full_name: FullName::parse(&full_name).map_err(|e| anyhow!(e.text.en.to_string()))?,
                email: None,
                phone: None,
                id_number: None,
            };
            let hash = baocao_identity::password::hash(&read_password()?).map_err(|e| anyhow!(e.to_string()))?;
            let user = store
                .operator_create_user(
                    UnitId(unit_id),
                    NewAccount { username: username.clone(), password_hash: hash, profile },
                )
                .await?;
            if let Some(group) = group {
                grant(settings, &store, &username, &group, unit_id).await?;
            }
            println!("Đã tạo tài khoản / created: {} (id {})", user.username, user.id);
        }
        UserCommand::ResetPassword { username } => {
            let username = parse_name(&username)?;
            let hash = baocao_identity::password::hash(&read_password()?).map_err(|e| anyhow!(e.to_string()))?;
            store.operator_set_password(&username, hash).await?;
            println!("Đã đặt lại mật khẩu / password reset: {username}");
        }
        UserCommand::Grant { username, group, unit_id } => {
            let username = parse_name(&username)?;
            grant(settings, &store, &username, &group, unit_id).await?;
            println!("Đã gán nhóm / granted: {group} → {username} @ {unit_id}");
        }
    }
    Ok(())
}

async fn grant(
    settings: &Settings, store: &baocao_storage::Store, username: &Username, group: &str, unit_id: i64,
) -> anyhow::Result<()> {
    let code = GroupCode::parse(group).map_err(|e| anyhow!(e.text.en.to_string()))?;
    // The same policies the server enforces, including an operator's policies_dir.
    let catalogue = baocao_authz::GroupCatalogue::parse(&baocao::policies(settings)?.groups)?;
    let Some(def) = catalogue.get(&code) else { bail!("unknown group {group}") };
    let unit = store.unit_unscoped(UnitId(unit_id)).await?;
    if !def.grantable_at_level(unit.level.as_str()) {
        bail!("group {group} cannot be granted at level {}", unit.level);
    }
    store.operator_grant(username, &code, UnitId(unit_id)).await?;
    Ok(())
}
