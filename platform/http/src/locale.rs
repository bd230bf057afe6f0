//! The locale of a request: `?lang=` or the `baocao_lang` cookie, then
//! `Accept-Language`, then Vietnamese.

use actix_web::HttpRequest;
use baocao_domain::text::Locale;

pub const LANG_COOKIE: &str = "baocao_lang";

pub fn of(req: &HttpRequest) -> Locale {
    let from_query = req.query_string().split('&').find_map(|kv| kv.strip_prefix("lang="));
    let chosen = from_query.map(str::to_owned).or_else(|| req.cookie(LANG_COOKIE).map(|c| c.value().to_owned()));
    match chosen.as_deref() {
        Some("en") => Locale::En,
        Some("vi") => Locale::Vi,
        _ => req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Locale::from_accept_language)
            .unwrap_or_default(),
    }
}

/// Picks the text of the locale: `t(l, "Đơn vị", "Units")`.
pub fn t(locale: Locale, vi: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::Vi => vi,
        Locale::En => en,
    }
}
