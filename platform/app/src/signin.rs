//! Signing in and password resets by code, shared by the HTML form and the JSON API.

use std::net::IpAddr;

use baocao_domain::types::Username;
use baocao_domain::user::{User, UserStatus};
use baocao_identity::throttle::Verdict;
use baocao_identity::{captcha, password};

use baocao_domain::ids::UserId;
use baocao_domain::text::{Invalid, Text};
use baocao_domain::types::Password;
use baocao_storage::ResetOutcome;

use crate::App;
use crate::{Caller, Error};

/// How the captcha applies to this attempt.
pub enum CaptchaRule<'a> {
    /// The HTML form: always, when captcha is on; `expected` is the answer
    /// stored in the sign-in page's session.
    Always { expected: Option<&'a str>, typed: &'a str },
    /// The API: only after repeated failures of the account.
    AfterFailures { expected: Option<&'a str>, typed: Option<&'a str> },
}

/// Verifies the credentials, throttled per address and account, with the
/// captcha as `rule` asks. An unknown name costs and answers the same as a
/// wrong password. The front end opens the session for the user returned.
pub async fn sign_in(
    app: &App, ip: Option<IpAddr>, username: &str, secret: &str, rule: CaptchaRule<'_>,
) -> Result<User, Error> {
    let user = attempt(app, ip, username, secret, rule).await?;
    tracing::info!(user = %user.username, "signed in");
    Ok(user)
}

async fn attempt(
    app: &App, ip: Option<IpAddr>, username: &str, secret: &str, rule: CaptchaRule<'_>,
) -> Result<User, Error> {
    if let Some(ip) = ip {
        app.limiter.attempt(ip).await.map_err(|wait| Error::TooManyAttempts { seconds: wait.as_secs().max(1) })?;
    }
    let captcha_due = match app.throttle.check(username, ip).await {
        Verdict::Wait(wait) => return Err(Error::TooManyAttempts { seconds: wait.as_secs().max(1) }),
        Verdict::Proceed { captcha } => captcha,
    };
    if app.settings.auth.captcha {
        match &rule {
            CaptchaRule::Always { expected, typed } => check_captcha(*expected, Some(typed))?,
            CaptchaRule::AfterFailures { expected, typed } if captcha_due => check_captcha(*expected, *typed)?,
            CaptchaRule::AfterFailures { .. } => {}
        }
    }
    let record = match Username::parse(username) {
        Ok(name) => app.store.login_record(&name).await?,
        Err(_) => None,
    };
    // An unknown name costs the same time and counts the same as a wrong password.
    let stored = record.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |r| r.password_hash.clone());
    let candidate = secret.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&candidate, &stored)).await?;
    let Some(record) = record.filter(|_| ok) else {
        app.throttle.failed(username, ip).await;
        return Err(Error::BadCredentials);
    };
    if record.user.status != UserStatus::Active {
        return Err(Error::BadCredentials);
    }
    // Told only to whoever knows the password: the tenant signs in through the provider.
    crate::identities::check_password_allowed(app, record.user.tenant_id).await?;
    app.throttle.succeeded(username, ip).await;
    app.store.record_successful_login(record.user.id).await?;
    Ok(record.user)
}

fn check_captcha(expected: Option<&str>, typed: Option<&str>) -> Result<(), Error> {
    match (expected, typed.map(str::trim).filter(|t| !t.is_empty())) {
        (_, None) => Err(Error::Captcha { required: true }),
        (None, Some(_)) => Err(Error::Captcha { required: false }),
        (Some(expected), Some(typed)) if captcha::matches(expected, typed) => Ok(()),
        _ => Err(Error::Captcha { required: false }),
    }
}

/// Hashes a new password on the blocking pool.
pub async fn hash_password(p: baocao_domain::types::Password) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || password::hash(&p)).await?.map_err(Error::from)
}

/// The caller a session stands for: none when the account is gone, no
/// longer active, or its password changed after the session began.
pub async fn caller(app: &App, user: UserId, session_created_at: i64) -> Result<Option<Caller>, Error> {
    let user = match app.store.user_of_session(user).await {
        Ok(user) => user,
        Err(baocao_storage::StoreError::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    if user.status != UserStatus::Active || session_created_at < user.password_changed_at.timestamp() {
        return Ok(None);
    }
    Ok(Some(Caller::new(user)))
}

/// One more sign-in attempt from this address (the sign-in and reset forms).
pub async fn attempt_from(app: &App, ip: IpAddr) -> Result<(), Error> {
    app.limiter.attempt(ip).await.map_err(|wait| Error::TooManyAttempts { seconds: wait.as_secs().max(1) })
}

/// The budgets of a password reset by code: per address, and per code.
pub async fn reset_budget(app: &App, ip: Option<IpAddr>, token: &str) -> Result<(), Error> {
    recovery_budget(app, ip).await?;
    let too_many = |wait: std::time::Duration| Error::TooManyAttempts { seconds: wait.as_secs().max(1) };
    app.reset_codes.attempt(baocao_identity::token::digest(token.trim())).await.map_err(too_many)
}

/// Sets a new password with a one-time reset code. Cheap checks come first:
/// only a live code pays for hashing the new password, so guessing codes
/// cannot make the server hash for every try.
pub async fn reset_with_code(app: &App, token: &str, new_password: &str) -> Result<(), Error> {
    let password = Password::parse(new_password)?;
    let invalid = || {
        Error::Invalid(vec![Invalid::new(
            "token",
            "invalid_reset_token",
            Text::fixed(
                "Mã đặt lại mật khẩu không đúng, đã dùng hoặc đã hết hạn.",
                "The reset code is wrong, used or expired.",
            ),
        )])
    };
    let code = baocao_identity::token::digest(token.trim());
    if !app.store.reset_token_usable(&code).await? {
        return Err(invalid());
    }
    let hash = hash_password(password).await?;
    match app.store.consume_reset_token(&code, hash).await? {
        ResetOutcome::Done(_) => Ok(()),
        ResetOutcome::Invalid => Err(invalid()),
    }
}

/// A new password typed twice: the two must be the same.
pub fn confirmed(new_password: &str, confirmation: &str) -> Result<(), Error> {
    if new_password == confirmation {
        return Ok(());
    }
    Err(Error::invalid(
        "confirm_password",
        "password_mismatch",
        "Hai lần nhập mật khẩu mới không khớp.",
        "The two new passwords differ.",
    ))
}

/// "Quên mật khẩu" / "Quên tên đăng nhập": who asks, by user name or address.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Recovery {
    pub username: Option<String>,
    pub email: Option<String>,
}

/// One more reset or recovery request from this address.
async fn recovery_budget(app: &App, ip: Option<IpAddr>) -> Result<(), Error> {
    let Some(ip) = ip else { return Ok(()) };
    app.reset_attempts.attempt(ip).await.map_err(|wait| Error::TooManyAttempts { seconds: wait.as_secs().max(1) })
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Mails a one-time reset link to the account's verified address. The same
/// answer whether or not the account exists; the link's code is made when the
/// mail is sent, so it is never stored in the clear.
pub async fn forgot_password(app: &App, ip: Option<IpAddr>, who: &Recovery) -> Result<(), Error> {
    let (username, email) = (given(&who.username), given(&who.email));
    if username.is_none() && email.is_none() {
        return Err(Error::invalid(
            "username",
            "required",
            "Hãy nhập tên đăng nhập hoặc địa chỉ thư điện tử.",
            "Give your user name or your e-mail address.",
        ));
    }
    recovery_budget(app, ip).await?;
    let accounts = app.store.recovery_accounts_unscoped(username, email).await?;
    let text = Text::fixed(
        "Có yêu cầu đặt lại mật khẩu cho tài khoản của bạn trên Hệ thống báo cáo. Mở liên kết dưới đây (dùng một lần, có thời hạn) để đặt mật khẩu mới. Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không đổi.",
        "Someone asked to reset the password of your account on the reporting system. Open the link below (once, for a limited time) to set a new password. If it was not you, ignore this mail: your password stays as it is.",
    );
    let users = accounts.into_iter().map(|(id, _)| id).collect();
    let kind = baocao_domain::mail::MailKind::PasswordReset;
    let draft = baocao_storage::MailDraft { kind, users, text, link: Some(RESET_PATH.to_owned()), dedup_key: None };
    Ok(app.store.enqueue_mail(&draft).await?)
}

/// The page a reset link opens; the delivery adds `#token=`.
pub const RESET_PATH: &str = "/forgot-password";

/// Mails each account with this address its user name; the same answer either way.
pub async fn forgot_username(app: &App, ip: Option<IpAddr>, who: &Recovery) -> Result<(), Error> {
    let Some(email) = given(&who.email) else {
        return Err(Error::invalid("email", "required", "Hãy nhập địa chỉ thư điện tử.", "Give your e-mail address."));
    };
    recovery_budget(app, ip).await?;
    for (id, username) in app.store.recovery_accounts_unscoped(None, Some(email)).await? {
        let text = Text::new(
            format!("Tên đăng nhập của bạn trên Hệ thống báo cáo là: {username}"),
            format!("Your user name on the reporting system is: {username}"),
        );
        let kind = baocao_domain::mail::MailKind::Username;
        let draft =
            baocao_storage::MailDraft { kind, users: vec![id], text, link: Some("/login".to_owned()), dedup_key: None };
        app.store.enqueue_mail(&draft).await?;
    }
    Ok(())
}

/// A fresh reset code for `user`, made as its mail is sent (earlier unused codes stop working).
pub(crate) async fn mint_reset_code(app: &App, user: UserId) -> Result<String, Error> {
    let token = baocao_identity::token::random_token();
    let expires = app.clock.now() + chrono::Duration::minutes(app.settings.auth.reset_token_minutes);
    app.store.create_reset_token(user, baocao_identity::token::digest(&token), expires, None).await?;
    Ok(token)
}
