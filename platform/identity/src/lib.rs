//! Identity: password hashing (argon2id), the image captcha ("Mã kiểm tra"),
//! sessions kept in process or in Redis, sign-in throttling, and one-time
//! tokens, and sign-in through an OpenID Connect provider. No secret handled here is ever written to a log.

pub mod captcha;
pub mod oidc;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("password hashing failed")]
    Hash,
    #[error("session store unavailable: {0}")]
    SessionStore(String),
    #[error("captcha image could not be encoded")]
    Captcha,
}
