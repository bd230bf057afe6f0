//! Opening a report: everything a person sees on it and may do with it now,
//! gathered in one use case so that every front end shows the same.

use std::collections::HashMap;

use baocao_domain::content::ReportRow;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::report::{Action, Status, Step};
use baocao_plugins::abi::RowMode;
use baocao_storage::Attachment;

use super::*;
use crate::catalogues::CatalogueItem;

/// A report as its reader finds it.
pub struct Opened {
    pub report: ReportRow,
    pub template: Template,
    pub unit_name: String,
    pub receiver_name: String,
    /// The unit may change the content now (status, entry window, the caller's role).
    pub editable: bool,
    /// Where today falls in the report's entry window (why entry is refused, if it is).
    pub window: baocao_domain::report::EntryWindow,
    /// The workflow steps the caller may take now.
    pub steps: Vec<Step>,
    /// Who an approving leader may forward to: the unit's senders.
    pub senders: Vec<(UserId, String)>,
    pub attachments: Vec<Attachment>,
    /// The columns the caller may fill now and how; `None` when read-only.
    pub filling: Option<(Writing, Vec<String>)>,
    /// The saved sections of a narrative report.
    pub sections: HashMap<String, String>,
    /// The catalogue rows may be picked from, while editable.
    pub catalogue: Vec<CatalogueItem>,
    /// For an aggregated report: its sources and whether it is outdated.
    pub aggregated: Option<AggregateState>,
    /// For the unit's aggregator: what aggregating now would take in, with the units' names.
    pub plan: Option<(Aggregation, HashMap<UnitId, String>)>,
    /// The signatures of the report's document, as last checked.
    pub signatures: Vec<crate::signatures::SignatureView>,
    /// The caller's signature images, when the caller may sign a step now.
    pub images: Vec<crate::signatures::ImageView>,
    /// The kinds of signature ("personal", "organisation") the server holds a key for, for this caller and report.
    pub server_keys: Vec<&'static str>,
}

/// A report nobody has saved yet, shown with what the regime fills by
/// itself (a scoring form's maxima), so the unit sees them before its first
/// save. Only shown: nothing is stored, and a regime that fails here leaves
/// the report as it is.
async fn prefilled(app: &App, mut report: ReportRow) -> ReportRow {
    let Ok(entry) = plugin_of(app, &report).await else { return report };
    if let Ok((cells, _)) = run_regime(app, &entry.plugin, &report.form, &[]).await {
        report.cells = cells;
    }
    report
}

pub async fn open(app: &App, who: &Caller, id: i64) -> Result<Opened, Error> {
    // The caller's scopes once, for every read of this report below.
    let s = scopes(app, who).await?;
    let (report, sources) = app.store.report_and_sources(&s.read, &s.check, id).await?;
    let template = template_of(app, &report).await?;
    let report = match &template {
        Template::Numeric(_) if report.cells.is_empty() => prefilled(app, report).await,
        _ => report,
    };
    let mut names = app.store.unit_names_unscoped(&[report.unit_id, report.receiver_id]).await?;
    let editable = may_edit(app, who, &report).await;
    let steps = allowed_actions(app, who, &report).await;
    let senders =
        if steps.iter().any(|s| s.action == Action::Approve) { senders(app, &report).await? } else { Vec::new() };
    let attachments = app.store.attachments(&s.read, &s.check, id).await?;
    let (filling, sections, catalogue) = match &template {
        Template::Numeric(form) => (
            filling(app, who, &report, form, editable).await,
            HashMap::new(),
            catalogue(app, who, form, editable).await,
        ),
        Template::Narrative(_) => {
            (None, app.store.report_sections(&s.read, &s.check, id).await?.into_iter().collect(), Vec::new())
        }
    };
    let aggregated = if sources == 0 { None } else { aggregate_state_in(app, &s, &report).await? };
    let plan = plan(app, who, &report, &template).await?;
    let signatures = crate::signatures::stored_signatures(app, report.id).await?;
    let signs = steps.iter().any(|s| crate::signatures::kind_for(s.action).is_some());
    let images = if signs { crate::signatures::my_images(app, who).await? } else { Vec::new() };
    let server_keys = if signs { crate::signatures::server_keys(app, who, &report).await? } else { Vec::new() };
    let window = report.entry_window(app.clock.today());
    Ok(Opened {
        window,
        signatures,
        images,
        server_keys,
        unit_name: names.remove(&report.unit_id).unwrap_or_default(),
        receiver_name: names.remove(&report.receiver_id).unwrap_or_default(),
        report,
        template,
        editable,
        steps,
        senders,
        attachments,
        filling,
        sections,
        catalogue,
        aggregated,
        plan,
    })
}

/// The unit enters while the report is editable; a sent report is open to its
/// appraiser for the columns reserved to the appraisers' groups.
async fn filling(
    app: &App, who: &Caller, report: &ReportRow, form: &Form, editable: bool,
) -> Option<(Writing, Vec<String>)> {
    if editable {
        return Some((Writing::Entry, fillable_columns(app, who, report, form, Writing::Entry).await));
    }
    if report.status != Status::Sent {
        return None;
    }
    let columns = fillable_columns(app, who, report, form, Writing::Appraisal).await;
    (!columns.is_empty()).then_some((Writing::Appraisal, columns))
}

async fn catalogue(app: &App, who: &Caller, form: &Form, editable: bool) -> Vec<CatalogueItem> {
    match &form.catalogue {
        Some(name) if editable && form.row_modes.contains(&RowMode::Catalogue) => {
            crate::catalogues::items(app, who, name).await.unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

async fn plan(
    app: &App, who: &Caller, report: &ReportRow, template: &Template,
) -> Result<Option<(Aggregation, HashMap<UnitId, String>)>, Error> {
    if !matches!(template, Template::Numeric(_)) || !may_aggregate(app, who, report).await {
        return Ok(None);
    }
    let plan = aggregate(app, who, report.id, true).await?;
    let units: Vec<UnitId> = plan.included.iter().chain(&plan.missing).map(|x| x.unit_id).collect();
    let names = app.store.unit_names_unscoped(&units).await?;
    Ok(Some((plan, names)))
}
