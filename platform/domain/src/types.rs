//! Value types that validate on creation: once you hold a `Username` or a
//! `Password`, it obeys the rules, and no layer has to check again.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::{Invalid, Text};

fn invalid(field: &'static str, code: &'static str, vi: String, en: String) -> Invalid {
    Invalid::new(field, code, Text::new(vi, en))
}

/// A sign-in name: 3–64 characters of lower-case ASCII letters, digits,
/// '.', '_' or '-', starting with a letter or digit. Upper case is folded so
/// that "NguyenVanA" and "nguyenvana" cannot be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().to_ascii_lowercase();
        let ok_len = (3..=64).contains(&value.len());
        let ok_chars =
            value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        let ok_start = value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if ok_len && ok_chars && ok_start {
            Ok(Username(value))
        } else {
            Err(invalid(
                "username",
                "invalid_username",
                "Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ cái không dấu, chữ số và các ký tự . _ -".into(),
                "The username must be 3–64 characters of unaccented letters, digits and . _ -".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Username::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that satisfies the policy of the handbook: at least 8
/// characters with lower case, upper case, a digit and a symbol. Its `Debug`
/// never shows the secret, so it cannot leak into a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let count = raw.chars().count();
        let lower = raw.chars().any(char::is_lowercase);
        let upper = raw.chars().any(char::is_uppercase);
        let digit = raw.chars().any(|c| c.is_ascii_digit());
        let symbol = raw.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace());
        if (8..=Self::MAX_LEN).contains(&count) && lower && upper && digit && symbol {
            Ok(Password(raw.to_owned()))
        } else {
            Err(invalid(
                "password",
                "weak_password",
                "Mật khẩu phải có từ 8 đến 128 ký tự, gồm chữ thường, chữ in hoa, chữ số và ký tự đặc biệt.".into(),
                "The password must have 8 to 128 characters with lower case, upper case, a digit and a symbol.".into(),
            ))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Free text that must not be blank, trimmed, with a maximum length in characters.
fn bounded_text(raw: &str, max: usize, field: &'static str, vi_name: &str, en_name: &str) -> Result<String, Invalid> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(invalid(
            field,
            "required",
            format!("{vi_name} không được để trống."),
            format!("{en_name} is required."),
        ));
    }
    if value.chars().count() > max {
        return Err(invalid(
            field,
            "too_long",
            format!("{vi_name} dài tối đa {max} ký tự."),
            format!("{en_name} must be at most {max} characters."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(
            field,
            "control_characters",
            format!("{vi_name} không được chứa ký tự điều khiển."),
            format!("{en_name} must not contain control characters."),
        ));
    }
    Ok(value.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr, $field:literal, $vi:literal, $en:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                bounded_text(raw, $max, $field, $vi, $en).map($name)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A person's full name, as on the ID card (họ và tên).
    FullName, 200, "full_name", "Họ và tên", "Full name"
);
text_type!(
    /// The name of a unit, e.g. "Sở Tư pháp tỉnh Hưng Yên".
    UnitName, 300, "name", "Tên đơn vị", "Unit name"
);
text_type!(
    /// What kind of unit this is, in the users' own words ("Bộ", "Cục", "Sở",
    /// "UBND huyện", "UBND xã", "Phường" …). Data, never a code path.
    UnitKind, 100, "kind", "Loại đơn vị", "Unit kind"
);

/// A short machine code: lower-case ASCII letters, digits and '_', '-', '.',
/// 1–64 characters. Used for unit codes and administrative levels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Invalid> {
        let value = raw.trim().to_ascii_lowercase();
        let ok = (1..=64).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(Code(value))
        } else {
            Err(invalid(
                field,
                "invalid_code",
                "Mã chỉ gồm 1–64 chữ cái không dấu, chữ số và các ký tự _ - .".into(),
                "A code is 1–64 unaccented letters, digits and _ - .".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Code::parse(&value, "code")
    }
}

impl From<Code> for String {
    fn from(value: Code) -> Self {
        value.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address: one '@', a dot in the domain, no spaces, ≤ 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().to_ascii_lowercase();
        let ok = value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok {
            Ok(Email(value))
        } else {
            Err(invalid(
                "email",
                "invalid_email",
                "Địa chỉ email không hợp lệ.".into(),
                "The e-mail address is not valid.".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A phone number: 9–15 digits, optionally starting with '+'; spaces, dots and dashes are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        let digits = value.strip_prefix('+').unwrap_or(&value);
        if (9..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Phone(value))
        } else {
            Err(invalid(
                "phone",
                "invalid_phone",
                "Số điện thoại phải gồm 9–15 chữ số.".into(),
                "The phone number must have 9–15 digits.".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

/// An identity-card number: the old CMND (9 digits) or the CCCD (12 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim();
        if matches!(value.len(), 9 | 12) && value.chars().all(|c| c.is_ascii_digit()) {
            Ok(IdNumber(value.to_owned()))
        } else {
            Err(invalid(
                "id_number",
                "invalid_id_number",
                "Số CMND/CCCD phải gồm 9 hoặc 12 chữ số.".into(),
                "The ID number (CMND/CCCD) must have 9 or 12 digits.".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdNumber {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&value)
    }
}

impl From<IdNumber> for String {
    fn from(value: IdNumber) -> Self {
        value.0
    }
}

/// Parses an optional field: blank means absent.
pub fn optional<T>(raw: Option<&str>, parse: impl Fn(&str) -> Result<T, Invalid>) -> Result<Option<T>, Invalid> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse(v).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_requires_every_character_class() {
        assert!(Password::parse("Abcdef1!").is_ok());
        assert!(Password::parse("Đổimật1!").is_ok(), "Vietnamese letters count as letters");
        for weak in ["Abc1!", "abcdefg1!", "ABCDEFG1!", "Abcdefgh!", "Abcdefgh1", ""] {
            let err = Password::parse(weak).unwrap_err();
            assert_eq!(err.code, "weak_password", "{weak} should be refused");
            assert!(err.text.vi.contains("8"));
        }
        assert!(Password::parse(&format!("Aa1!{}", "x".repeat(125))).is_err());
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let p = Password::parse("Secret#2026").unwrap();
        assert!(!format!("{p:?}").contains("Secret"));
    }

    #[test]
    fn usernames_are_folded_and_restricted() {
        assert_eq!(Username::parse(" NguyenVanA ").unwrap().as_str(), "nguyenvana");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("nguyễn").is_err());
        assert!(Username::parse("-lead").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("so.tuphap_01-a").is_ok());
    }

    #[test]
    fn text_fields_are_trimmed_bounded_and_required() {
        assert_eq!(FullName::parse("  Bùi Thị Hồng Hạnh ").unwrap().as_str(), "Bùi Thị Hồng Hạnh");
        assert_eq!(FullName::parse("   ").unwrap_err().code, "required");
        assert_eq!(UnitName::parse(&"x".repeat(301)).unwrap_err().code, "too_long");
        assert_eq!(UnitKind::parse("a\u{0}b").unwrap_err().code, "control_characters");
    }

    #[test]
    fn contact_fields_validate() {
        assert!(Email::parse("hanhhb@gmail.com").is_ok());
        assert!(Email::parse("not-an-email").is_err());
        assert!(Email::parse("a@b").is_err());
        assert_eq!(Phone::parse("0912 107 973").unwrap().as_str(), "0912107973");
        assert!(Phone::parse("12ab").is_err());
        assert!(IdNumber::parse("073069167").is_ok());
        assert!(IdNumber::parse("235182000164").is_ok());
        assert!(IdNumber::parse("1234").is_err());
        assert_eq!(optional(Some("  "), Email::parse).unwrap(), None);
        assert!(optional(Some("x"), Email::parse).is_err());
    }

    #[test]
    fn codes_are_slugs() {
        assert_eq!(Code::parse("XA", "level").unwrap().as_str(), "xa");
        assert!(Code::parse("xã", "level").is_err());
        assert!(Code::parse("", "level").is_err());
    }
}

// ---------------------------------------------------------------- paging ---

/// The last page anyone may ask for: far beyond any real list, and small
/// enough that page × page size never overflows an offset.
pub const MAX_PAGE: u64 = 1_000_000;
/// The largest page size a list serves.
pub const MAX_PER_PAGE: u64 = 200;

/// A page of a list, both numbers checked: 1 ≤ page ≤ [`MAX_PAGE`],
/// 1 ≤ per_page ≤ [`MAX_PER_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Paging {
    /// From the query's `page` and `per_page`; absent ones take the first page and `default_per_page`.
    pub fn parse(page: Option<u64>, per_page: Option<u64>, default_per_page: u64) -> Result<Paging, Invalid> {
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(Invalid::new(
                "page",
                "page_out_of_range",
                Text::new(
                    format!("Số trang phải từ 1 đến {MAX_PAGE}."),
                    format!("The page number must be between 1 and {MAX_PAGE}."),
                ),
            ));
        }
        let per_page = per_page.unwrap_or(default_per_page);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(Invalid::new(
                "per_page",
                "page_out_of_range",
                Text::new(
                    format!("Số dòng mỗi trang phải từ 1 đến {MAX_PER_PAGE}."),
                    format!("The page size must be between 1 and {MAX_PER_PAGE}."),
                ),
            ));
        }
        Ok(Paging { page, per_page })
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod paging_tests {
    use super::*;

    #[test]
    fn pages_are_bounded_and_offsets_never_overflow() {
        assert_eq!(Paging::parse(None, None, 25), Ok(Paging { page: 1, per_page: 25 }));
        assert_eq!(Paging::parse(Some(3), Some(10), 25).map(|p| p.offset()), Ok(20));
        for (page, per_page) in [
            (Some(0), None),
            (Some(u64::MAX), None),
            (Some(MAX_PAGE + 1), None),
            (None, Some(0)),
            (None, Some(u64::MAX)),
        ] {
            assert_eq!(
                Paging::parse(page, per_page, 25).map_err(|e| e.code),
                Err("page_out_of_range"),
                "{page:?} {per_page:?}"
            );
        }
        let last = Paging::parse(Some(MAX_PAGE), Some(MAX_PER_PAGE), 25).unwrap_or(Paging { page: 1, per_page: 1 });
        assert!(last.offset() < i64::MAX as u64);
    }
}
