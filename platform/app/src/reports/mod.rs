//! The life of a report: assignment, entry, narrative sections, workflow
//! transitions, attachments, receivers, aggregation and import. Every front
//! end calls these functions, so each rule lives once. The order of checks is
//! the same everywhere: can the caller see the report (else 404), is the move
//! possible now (else 409), does the caller hold the role it needs at the
//! right unit (else 403), is the input valid (else 422).

mod aggregate;
mod approvals;
mod assign;
mod attachments;
mod download;
mod entry;
mod import;
mod narrative;
mod open;
mod read;
mod receivers;
mod workflow;

pub use aggregate::*;
pub use approvals::{LevelApproval, SetApproval, approval_levels, set_approval};
pub use assign::*;
pub use attachments::*;
pub use download::*;
pub use entry::*;
pub use import::*;
pub use narrative::*;
pub use open::*;
pub use read::*;
pub use receivers::*;
pub use workflow::*;

pub use baocao_domain::entry::{CellInput, DataInput, RowInput, Writing};

use baocao_authz::Scope;
use baocao_authz::perms::{CheckReports, ReadReports};
use baocao_domain::format;
use baocao_domain::report::Period;
use baocao_domain::text::{Invalid, Locale, Text};
use baocao_domain::unit::Unit;
use baocao_plugins::abi::{Form, Outline, PeriodType};
use baocao_plugins::{Entry, Plugin};
use baocao_storage::ReportRow;
use chrono::Utc;

use crate::App;
use crate::Caller;
use crate::error::Error;

/// What the caller may read: reports of its units (read) and reports sent to them (check).
pub struct ReportScopes {
    pub read: Scope<ReadReports>,
    pub check: Scope<CheckReports>,
}

pub async fn scopes(app: &App, who: &Caller) -> Result<ReportScopes, Error> {
    let paths = crate::admin::membership_paths(app, who).await?;
    Ok(ReportScopes {
        read: app.authz.scope::<ReadReports>(who.user.id, &paths).await,
        check: app.authz.scope::<CheckReports>(who.user.id, &paths).await,
    })
}

pub(crate) fn period_type(kind: baocao_domain::report::PeriodKind) -> PeriodType {
    use baocao_domain::report::PeriodKind as K;
    match kind {
        K::Month => PeriodType::Month,
        K::Quarter => PeriodType::Quarter,
        K::HalfYear => PeriodType::HalfYear,
        K::NineMonths => PeriodType::NineMonths,
        K::Year => PeriodType::Year,
    }
}

/// The form or outline a report is about, from the regime version it was made under.
pub enum Template {
    Numeric(Box<Form>),
    Narrative(Outline),
}

/// The plugin of a report: the exact version it was assigned under.
pub async fn plugin_of(app: &App, report: &ReportRow) -> Result<Entry, Error> {
    crate::regimes::ensure_ready(app).await?;
    app.regimes
        .registry()
        .version(report.tenant.0, &report.regime, report.regime_version)
        .ok_or(Error::NotFound("regime"))
}

/// The report's form or outline, from its regime version; one the plugin no longer declares is "not found".
pub async fn template_of(app: &App, report: &ReportRow) -> Result<Template, Error> {
    let entry = plugin_of(app, report).await?;
    template(&entry.plugin, &report.form).ok_or(Error::NotFound("form"))
}

pub fn template(plugin: &Plugin, code: &str) -> Option<Template> {
    if let Some(form) = plugin.manifest.forms.iter().find(|f| f.code == code) {
        return Some(Template::Numeric(Box::new(form.clone())));
    }
    plugin.manifest.outlines.iter().find(|o| o.code == code).map(|o| Template::Narrative(o.clone()))
}

/// A notification's text, in the handbook's words: "Báo cáo X đã được giao
/// bởi <người> - <đơn vị> vào lúc HH:mm:ss ngày dd/MM/yyyy".
pub(crate) fn message(now: chrono::DateTime<Utc>, report_title: &Text, verb: &Text, who: &Caller, unit: &Unit) -> Text {
    let name = who.user.full_name.as_str();
    let unit_name = unit.name.as_str();
    Text::new(
        format!(
            "Báo cáo {} đã được {} bởi {name} - {unit_name} vào lúc {}",
            report_title.vi,
            verb.vi,
            format::moment(now, Locale::Vi)
        ),
        format!(
            "Report {} was {} by {name} - {unit_name} at {}",
            report_title.en,
            verb.en,
            format::moment(now, Locale::En)
        ),
    )
}

pub(crate) fn report_title(form: &str, period: &Period, unit: &Unit) -> Text {
    let p = period.label();
    Text::new(
        format!("{form} ({}) của {}", p.vi, unit.name.as_str()),
        format!("{form} ({}) of {}", p.en, unit.name.as_str()),
    )
}

pub(crate) use crate::notifications::announce;

/// Reads a report for a write: 404 if the caller cannot see it (the role is checked after).
pub(crate) async fn for_write(app: &App, who: &Caller, id: i64) -> Result<ReportRow, Error> {
    get(app, who, id).await
}
