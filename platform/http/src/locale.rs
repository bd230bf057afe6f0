//! The locale of a request. Vietnamese first: the interface speaks
//! Vietnamese unless the user picked English with the switch in the header
//! (`?lang=en`, then remembered in the `baocao_lang` cookie). The browser's
//! `Accept-Language` is deliberately not followed: offices often run
//! English-language systems for Vietnamese users.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use baocao_domain::text::Locale;

pub const LANG_COOKIE: &str = "baocao_lang";

/// The language asked for in the query string, if any.
pub fn requested(req: &HttpRequest) -> Option<Locale> {
    req.query_string().split('&').find_map(|kv| match kv {
        "lang=en" => Some(Locale::En),
        "lang=vi" => Some(Locale::Vi),
        _ => None,
    })
}

pub fn of(req: &HttpRequest) -> Locale {
    requested(req).unwrap_or_else(|| match req.cookie(LANG_COOKIE).as_ref().map(Cookie::value) {
        Some("en") => Locale::En,
        _ => Locale::Vi,
    })
}

/// The cookie that remembers a language picked with `?lang=`.
pub fn cookie(locale: Locale) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, locale.code()).path("/").same_site(SameSite::Lax).permanent().finish()
}

/// Picks the text of the locale: `t(l, "Đơn vị", "Units")`.
pub fn t(locale: Locale, vi: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::Vi => vi,
        Locale::En => en,
    }
}
