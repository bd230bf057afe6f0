//! Bilingual user-facing text. Vietnamese is the primary language of the
//! product; English is the second locale. Every message a user can see is
//! carried in both so the web layer can pick by `Accept-Language`.

use std::borrow::Cow;
use std::fmt;

/// The locales the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }
}

/// A message in both locales.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub vi: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub const fn fixed(vi: &'static str, en: &'static str) -> Self {
        Text { vi: Cow::Borrowed(vi), en: Cow::Borrowed(en) }
    }

    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Text { vi: vi.into(), en: en.into() }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Vi => &self.vi,
            Locale::En => &self.en,
        }
    }
}

/// A value refused by a domain rule: which field, a stable machine code,
/// and the explanation in both locales.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    pub field: &'static str,
    pub code: &'static str,
    pub text: Text,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.text.en)
    }
}

impl Invalid {
    pub fn new(field: &'static str, code: &'static str, text: Text) -> Self {
        Invalid { field, code, text }
    }
}

/// A text a regime states in both languages (its names and titles), read in
/// the user's language.
pub trait Localised {
    fn get(&self, locale: Locale) -> &str;
}

impl Localised for baocao_regime_abi::Text {
    fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Vi => &self.vi,
            Locale::En => &self.en,
        }
    }
}
