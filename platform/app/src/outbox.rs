//! Delivering the outbox over SMTP, and showing it to operators. Mails are
//! written by the events that cause them (storage); this sends what is due,
//! a few at a time, retrying with backoff (`domain::mail::retry_after`) and
//! marking a mail failed, with its last error, after the last try.

use baocao_config::MailSettings;
use baocao_domain::mail::{self, MAX_ATTEMPTS, MailKind};
use baocao_storage::{OutboxMail, Page};
use chrono::{Duration, Utc};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::App;
use crate::Caller;
use crate::error::Error;

/// How many mails one delivery takes, and how long it holds them.
const BATCH: u64 = 20;
const CLAIM: i64 = 300;

/// What one delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    public_url: String,
}

fn smtp(settings: &MailSettings) -> Result<Option<Smtp>, Error> {
    let Some(url) = &settings.smtp_url else { return Ok(None) };
    // The URL may hold a password: errors name the setting, never the value.
    let bad = |what: &str| Error::Internal(anyhow::anyhow!("mail.{what} is not valid"));
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| bad("smtp_url"))?.build();
    let from = settings.from.parse().map_err(|_| bad("from"))?;
    let reply_to = settings.reply_to.as_deref().map(str::parse).transpose().map_err(|_| bad("reply_to"))?;
    Ok(Some(Smtp { transport, from, reply_to, public_url: settings.public_url.trim_end_matches('/').to_owned() }))
}

impl Smtp {
    fn message(&self, m: &OutboxMail) -> Result<Message, String> {
        let to: Mailbox = m.to.parse().map_err(|e| format!("địa chỉ nhận không hợp lệ / bad address: {e}"))?;
        let link = m.link.as_ref().map(|path| format!("{}{path}", self.public_url));
        // One Message-ID per outbox row: should a mail go twice (the server
        // took it, then this instance died before marking it sent), the copies
        // are one message to the receiving servers and mail programs.
        let message_id = format!("<baocao-outbox-{}@{}>", m.id, self.from.email.domain());
        let mut builder =
            Message::builder().from(self.from.clone()).to(to).subject(&m.subject).message_id(Some(message_id));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail::body(&m.body, link.as_deref(), m.locale))
            .map_err(|e| e.to_string())
    }
}

/// A reset mail's link carries a code made now, never stored but as its digest;
/// the page reads it from the link's fragment (app.js).
async fn with_reset_code(app: &App, m: &mut OutboxMail) -> Result<(), Error> {
    if m.kind != MailKind::PasswordReset.as_str() {
        return Ok(());
    }
    let user = m.user_id.ok_or(Error::NotFound("user"))?;
    let code = crate::signin::mint_reset_code(app, user).await?;
    // In the fragment: the browser never sends it, so no server or proxy logs it.
    m.link = Some(format!("{}#token={code}", crate::signin::RESET_PATH));
    Ok(())
}

/// Sends what is due. Without a mail server configured, nothing is sent and
/// mails wait in the outbox.
pub async fn deliver(app: &App) -> Result<Delivered, Error> {
    let Some(smtp) = smtp(&app.settings.mail)? else { return Ok(Delivered::default()) };
    let claimed = app.store.claim_mails(BATCH, Duration::seconds(CLAIM)).await?;
    let mut done = Delivered::default();
    for mut m in claimed {
        let outcome = match with_reset_code(app, &mut m).await {
            Err(e) => Err(e.public().1.en.into_owned()),
            Ok(()) => match smtp.message(&m) {
                Ok(message) => smtp.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            },
        };
        match outcome {
            Ok(()) => {
                app.store.mail_sent(m.id).await?;
                done.sent += 1;
            }
            Err(error) if m.attempts < MAX_ATTEMPTS => {
                tracing::warn!(mail = m.id, attempts = m.attempts, %error, "mail not delivered; will retry");
                let first = Duration::seconds(i64::try_from(app.settings.mail.retry_seconds).unwrap_or(30));
                app.store.mail_not_sent(m.id, &error, Some(Utc::now() + mail::retry_after(m.attempts, first))).await?;
                done.retried += 1;
            }
            Err(error) => {
                tracing::error!(mail = m.id, attempts = m.attempts, %error, "mail failed for good");
                app.store.mail_not_sent(m.id, &error, None).await?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

/// The outbox for the platform's operators, newest first.
pub async fn list(
    app: &App, who: &Caller, state: Option<&str>, page: u64, per_page: u64,
) -> Result<Page<OutboxMail>, Error> {
    crate::admin::check_operator(app, who).await?;
    if let Some(s) = state.filter(|s| !["pending", "sending", "sent", "failed"].contains(s)) {
        return Err(Error::invalid(
            "state",
            "bad_state",
            format!("Trạng thái \"{s}\" không có; hãy chọn pending, sent hoặc failed."),
            format!("There is no state \"{s}\"; use pending, sent or failed."),
        ));
    }
    Ok(app.store.outbox_page(state, page, per_page).await?)
}

/// The mails a user may choose, with whether each is on, and the language.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MailChoices {
    /// "vi" or "en".
    pub locale: String,
    /// The kinds turned off (assigned, rejected, correction_requested,
    /// correction_approved, deadline_approaching, overdue); security mails always go.
    pub off: Vec<String>,
}

pub async fn mail_choices(app: &App, who: &Caller) -> Result<MailChoices, Error> {
    let prefs = app.store.mail_preferences(who.user.id).await?;
    Ok(MailChoices {
        locale: prefs.locale.code().to_owned(),
        off: prefs.off.iter().map(|k| k.as_str().to_owned()).collect(),
    })
}

/// The caller's own choices; an unknown kind or language is refused, and a
/// security mail cannot be turned off.
pub async fn set_mail_choices(app: &App, who: &Caller, choices: &MailChoices) -> Result<MailChoices, Error> {
    let locale = match choices.locale.as_str() {
        "vi" => baocao_domain::text::Locale::Vi,
        "en" => baocao_domain::text::Locale::En,
        _ => {
            return Err(Error::invalid(
                "locale",
                "bad_locale",
                "Ngôn ngữ phải là vi hoặc en.",
                "The language is vi or en.",
            ));
        }
    };
    let mut off = Vec::new();
    for code in &choices.off {
        match MailKind::parse(code) {
            Some(kind) if !kind.always_sent() => off.push(kind),
            _ => {
                return Err(Error::invalid(
                    "off",
                    "bad_mail_kind",
                    format!("Không thể tắt loại thư \"{code}\"."),
                    format!("Mail \"{code}\" cannot be turned off."),
                ));
            }
        }
    }
    app.store.set_mail_preferences(who.user.id, &baocao_storage::MailPreferences { locale, off }).await?;
    mail_choices(app, who).await
}
