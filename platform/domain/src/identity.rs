//! Identities of the national identity platform (VNConnect): what the
//! provider says about a person, and how much of it an administrator sees.
//!
//! An identity signs in only when an administrator has linked it to an
//! active user; until then it waits, with the claims it last presented, to
//! be found by name, ID number (CCCD), phone or e-mail.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{IdentityId, UserId};
use crate::search::fold;

/// The claims of one sign-in, mapped from the provider's names by configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IdentityClaims {
    /// The provider's stable identifier of the person (`sub`).
    pub subject: String,
    pub full_name: Option<String>,
    /// The citizen identity card number (CCCD).
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl IdentityClaims {
    /// The name as searched: folded, so "nguyen van a" finds "Nguyễn Văn A".
    pub fn name_folded(&self) -> String {
        self.full_name.as_deref().map(fold).unwrap_or_default()
    }
}

/// An identity as stored: its claims and, once linked, its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub id: IdentityId,
    pub issuer: String,
    #[serde(flatten)]
    pub claims: IdentityClaims,
    pub user_id: Option<UserId>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// What an administrator's search looks for in waiting identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySearch {
    /// Every waiting identity (the platform operator's view).
    All,
    /// Part of a name, folded; the numbers and address shown masked.
    Name(String),
    /// A whole CCCD number, phone number or e-mail address.
    Exact(String),
}

/// Names shorter than this are not searched: "ng" would list half the country.
pub const MIN_NAME_QUERY: usize = 3;

impl IdentitySearch {
    /// Reads what an administrator typed: digits (with spaces, dots or a
    /// leading +) or an address are an exact number or address, anything
    /// else part of a name. None when nothing usable was typed.
    pub fn parse(query: &str) -> Option<IdentitySearch> {
        let query = query.trim();
        if query.contains('@') {
            return Some(IdentitySearch::Exact(query.to_lowercase()));
        }
        let has_digits = query.chars().any(|c| c.is_ascii_digit());
        if has_digits && query.chars().all(|c| c.is_ascii_digit() || " .+-".contains(c)) {
            return Some(IdentitySearch::Exact(phone_digits(query)));
        }
        let name = fold(query);
        (name.chars().count() >= MIN_NAME_QUERY).then_some(IdentitySearch::Name(name))
    }

    /// Whether what was found may be shown whole: a search by an exact number
    /// or address shows what the administrator already knew; a search by
    /// name masks the numbers, so that typing a common name does not list
    /// strangers' CCCD numbers.
    pub fn shows_whole(&self) -> bool {
        !matches!(self, IdentitySearch::Name(_))
    }
}

/// Numbers as compared (phones, CCCD): digits only, an international
/// "+84" read as the national 0.
pub fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("84") {
        Some(rest) if phone.trim_start().starts_with('+') => format!("0{rest}"),
        _ => digits,
    }
}

/// `value` with all but its last three characters hidden: "001099012345" → "*********345".
pub fn masked(value: &str) -> String {
    let count = value.chars().count();
    let keep = count.saturating_sub(3);
    value.chars().enumerate().map(|(i, c)| if i < keep { '*' } else { c }).collect()
}

/// An e-mail address with its local part hidden but the first letter: "a****@bo.gov.vn".
pub fn masked_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}****@{domain}")
        }
        None => masked(email),
    }
}

impl IdentityClaims {
    /// The claims as an administrator who searched by name may see them.
    pub fn masked(&self) -> IdentityClaims {
        IdentityClaims {
            subject: masked(&self.subject),
            full_name: self.full_name.clone(),
            id_number: self.id_number.as_deref().map(masked),
            phone: self.phone.as_deref().map(masked),
            email: self.email.as_deref().map(masked_email),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_read_as_numbers_addresses_or_names() {
        assert_eq!(IdentitySearch::parse(" 001 099.012345 "), Some(IdentitySearch::Exact("001099012345".into())));
        assert_eq!(IdentitySearch::parse("+84 912 345 678"), Some(IdentitySearch::Exact("0912345678".into())));
        assert_eq!(IdentitySearch::parse("An@Bo.Gov.VN"), Some(IdentitySearch::Exact("an@bo.gov.vn".into())));
        assert_eq!(IdentitySearch::parse("Nguyễn  Văn"), Some(IdentitySearch::Name("nguyen van".into())));
        assert_eq!(IdentitySearch::parse("Ng"), None, "too short a name lists too many people");
        assert_eq!(IdentitySearch::parse("   "), None);
        assert!(!IdentitySearch::Name("nguyen".into()).shows_whole());
        assert!(IdentitySearch::Exact("001099012345".into()).shows_whole());
    }

    #[test]
    fn phones_compare_by_digits_with_the_country_code_read_as_zero() {
        assert_eq!(phone_digits("+84 912 345 678"), "0912345678");
        assert_eq!(phone_digits("0912.345.678"), "0912345678");
        assert_eq!(phone_digits("84912345678"), "84912345678", "without + the digits are kept as typed");
    }

    #[test]
    fn masking_keeps_only_the_last_digits_and_the_mail_domain() {
        assert_eq!(masked("001099012345"), "*********345");
        assert_eq!(masked("12"), "12");
        assert_eq!(masked_email("an.nguyen@bo.gov.vn"), "a****@bo.gov.vn");
        let claims = IdentityClaims {
            subject: "vnc-123456".into(),
            full_name: Some("Nguyễn Văn An".into()),
            id_number: Some("001099012345".into()),
            phone: Some("0912345678".into()),
            email: Some("an@bo.gov.vn".into()),
        };
        let shown = claims.masked();
        assert_eq!(shown.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(shown.id_number.as_deref(), Some("*********345"));
        assert_eq!(shown.phone.as_deref(), Some("*******678"));
        assert_eq!(claims.name_folded(), "nguyen van an");
    }
}
