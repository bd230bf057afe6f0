//! The filters of lists as people type them (query parameters of the API and
//! the pages), checked in one place: a value that does not parse is refused
//! with the field named, never silently ignored. Paging is the front end's
//! (a page out of range is a malformed request there).

use baocao_domain::clock::vietnam_day_start;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::report::{Period, ReportKind, Status};
use baocao_domain::search::fold;
use baocao_domain::text::{Invalid, Text};
use baocao_domain::types::Paging;
use baocao_storage::{Keyword, NotificationQuery, NotificationState, ReportQuery};
use serde::Deserialize;

use crate::{App, Caller, Error};

/// The filters of the entry list and of search.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportFilter {
    pub unit: Option<i64>,
    pub regime: Option<String>,
    pub form: Option<String>,
    /// `2026`, `2026-Q1`, `2026-H1`, `2026-M03`, `2026-9M`.
    pub period: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub q: Option<String>,
    /// Only reports sent to the caller's units.
    pub received: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The filters of the notification list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NotificationFilter {
    /// unread, read or all (default).
    pub state: Option<String>,
    pub sender: Option<i64>,
    pub sender_unit: Option<i64>,
    /// dd/MM/yyyy or yyyy-MM-dd, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<u64>,
}

/// A filter value that does not parse.
pub fn bad_filter(field: &'static str, value: &str) -> Error {
    Error::from(Invalid::new(
        field,
        "invalid_filter",
        Text::new(
            format!("Giá trị lọc \"{value}\" không hợp lệ."),
            format!("The filter value \"{value}\" is not valid."),
        ),
    ))
}

/// A text filter: absent when empty.
pub fn blank(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A filter of values a parser knows (a status, a kind …).
fn parsed<T>(field: &'static str, raw: &Option<String>, parse: fn(&str) -> Option<T>) -> Result<Option<T>, Error> {
    blank(raw).map(|v| parse(&v).ok_or_else(|| bad_filter(field, &v))).transpose()
}

/// A period key filter (`2026`, `2026-Q1` …).
pub fn period(raw: &Option<String>) -> Result<Option<Period>, Error> {
    blank(raw).map(|k| Period::parse_key(&k).ok_or_else(|| bad_filter("period", &k))).transpose()
}

impl ReportFilter {
    /// The storage query of these filters, on the page the front end checked.
    pub async fn query(&self, app: &App, who: &Caller, paging: Paging) -> Result<ReportQuery, Error> {
        let unit = match self.unit {
            Some(id) => {
                let unit =
                    app.store.unit_unscoped(UnitId(id)).await.map_err(|_| bad_filter("unit", &id.to_string()))?;
                Some(unit.path)
            }
            None => None,
        };
        Ok(ReportQuery {
            unit,
            regime: blank(&self.regime),
            form: blank(&self.form),
            kind: parsed("kind", &self.kind, ReportKind::parse)?,
            period: period(&self.period)?,
            status: parsed("status", &self.status, Status::parse)?,
            keyword: blank(&self.q).map(|q| keyword(app, who, &q)),
            received_only: self.received.unwrap_or(false),
            page: paging.page,
            per_page: paging.per_page,
        })
    }
}

/// A search: the words folded, and the forms of the regimes the caller's
/// tenant can see whose code or title hold them.
fn keyword(app: &App, who: &Caller, typed: &str) -> Keyword {
    let folded = fold(typed);
    let mut forms = Vec::new();
    for entry in app.regimes.registry().all_visible(who.user.tenant_id.0) {
        let manifest = &entry.plugin.manifest;
        for form in &manifest.forms {
            let hit = [&form.code, &form.title.vi, &form.title.en].iter().any(|t| fold(t).contains(&folded));
            let pair = (manifest.code.clone(), form.code.clone());
            if hit && !forms.contains(&pair) {
                forms.push(pair);
            }
        }
    }
    Keyword { folded, forms }
}

impl NotificationFilter {
    /// The storage query of these filters; days are days in Viet Nam.
    pub fn query(&self, paging: Paging) -> Result<NotificationQuery, Error> {
        let state = match blank(&self.state) {
            Some(s) => NotificationState::parse(&s).ok_or_else(|| bad_filter("state", &s))?,
            None => NotificationState::All,
        };
        let day = |raw: &Option<String>, field: &'static str| -> Result<Option<chrono::NaiveDate>, Error> {
            blank(raw).map(|s| crate::admin::parse_date(&s, field)).transpose().map_err(Error::from)
        };
        Ok(NotificationQuery {
            state,
            sender: self.sender.map(UserId),
            sender_unit: self.sender_unit.map(UnitId),
            from: day(&self.from, "from")?.map(vietnam_day_start),
            to: day(&self.to, "to")?.and_then(|d| d.succ_opt()).map(vietnam_day_start),
            page: paging.page,
        })
    }
}

/// A query string as `T`, its empty parameters dropped: a filter left at
/// "— Tất cả —" or a blank "Từ dòng" means "not given", in every front end.
/// One that does not parse is refused in words (the front end answers 400).
pub fn parse_query<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, Error> {
    let given: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let kept = serde_urlencoded::to_string(&given).map_err(|_| malformed_query())?;
    serde_urlencoded::from_str(&kept).map_err(|e| {
        tracing::debug!(error = %e, "query string refused");
        malformed_query()
    })
}

fn malformed_query() -> Error {
    Error::Malformed(Invalid::new(
        "query",
        "bad_query",
        Text::fixed(
            "Tham số tìm kiếm hoặc lọc không hợp lệ (ví dụ: chữ ở ô chỉ nhận số).",
            "A search or filter parameter is not valid (for example, letters where a number is expected).",
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Filter {
        unit: Option<i64>,
        q: Option<String>,
        from_row: Option<u32>,
        dry_run: Option<bool>,
    }

    #[test]
    fn empty_parameters_are_not_given() {
        let f: Filter = parse_query("unit=&q=&from_row=+&dry_run=").unwrap();
        assert_eq!((f.unit, f.q, f.from_row, f.dry_run), (None, None, None, None));
        let f: Filter = parse_query("unit=7&q=Minh%20Quang&from_row=9&dry_run=false").unwrap();
        assert_eq!(
            (f.unit, f.q.as_deref(), f.from_row, f.dry_run),
            (Some(7), Some("Minh Quang"), Some(9), Some(false))
        );
    }

    #[test]
    fn a_value_that_does_not_parse_is_refused_in_words() {
        let err = parse_query::<Filter>("unit=abc").unwrap_err();
        let (code, text) = err.public();
        assert_eq!(code, "bad_query");
        assert!(text.vi.contains("không hợp lệ"), "{}", text.vi);
    }
}
