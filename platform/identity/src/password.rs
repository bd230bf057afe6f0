//! Password hashing with argon2id and the library's recommended parameters.
//! Hashing is slow on purpose, so callers run it on the blocking pool.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use baocao_domain::types::Password;

use crate::IdentityError;

pub fn hash(password: &Password) -> Result<String, IdentityError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| IdentityError::Hash)
}

/// True when `candidate` matches the stored PHC string.
pub fn verify(candidate: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Stored as the password of an account made from a provider's identity:
/// no password verifies against it (it is no PHC string), until an
/// administrator or the user sets one.
pub const NO_PASSWORD: &str = "!";

/// A valid hash of a random password, verified against when the username is
/// unknown so that a failed sign-in takes as long either way and does not
/// reveal which usernames exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let random = crate::token::random_token();
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(random.as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let p = Password::parse("Baocao#2026").unwrap();
        let a = hash(&p).unwrap();
        let b = hash(&p).unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("Baocao#2026", &a));
        assert!(!verify("baocao#2026", &a));
        assert!(!verify("Baocao#2026", "not a hash"));
        assert!(!verify("anything", decoy_hash()));
        assert!(!verify("", NO_PASSWORD) && !verify("!", NO_PASSWORD));
    }
}
