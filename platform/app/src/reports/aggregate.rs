//! Aggregation ("Tổng hợp báo cáo số liệu"): the receiving unit's report computed from
//! the accepted reports sent to it, with where each cell came from.

use std::collections::HashMap;

use baocao_domain::ids::UnitId;
use baocao_domain::report::Role;
use baocao_plugins::abi::{self as regime_abi};
use baocao_storage::{NewContent, ReportCell, ReportRow};

use crate::App;
use crate::Caller;
use crate::error::Error;

use super::*;

/// Which lower reports an aggregation takes in (accepted) and which it lacks.
pub struct Aggregation {
    pub report: ReportRow,
    pub included: Vec<baocao_storage::Candidate>,
    pub missing: Vec<baocao_storage::Candidate>,
}

/// Computes the receiving unit's report from the accepted reports sent to it
/// for the same form and period ("Tổng hợp báo cáo số liệu"), recomputed and
/// validated by the regime; with `dry_run`, only says which units are in and
/// which are missing. Re-running replaces the previous aggregate.
pub async fn aggregate(app: &App, who: &Caller, id: i64, dry_run: bool) -> Result<Aggregation, Error> {
    let report = get(app, who, id).await?;
    let grant = app.authz.check_role(who.user.id, Role::Aggregate, &report.unit_path).await?;
    let candidates = app.store.aggregation_candidates(&grant, &report).await?;
    let (included, missing): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|r| r.status == baocao_domain::report::Status::Accepted);
    if dry_run {
        return Ok(Aggregation { report, included, missing });
    }
    let entry = plugin_of(app, &report).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &report.form) else {
        return Err(Error::invalid(
            "form",
            "not_numeric",
            "Chỉ tổng hợp được biểu mẫu số liệu.",
            "Only numeric forms are aggregated.",
        ));
    };
    if included.is_empty() {
        return Err(Error::invalid(
            "report",
            "nothing_to_aggregate",
            "Chưa có báo cáo nào của đơn vị cấp dưới được duyệt để tổng hợp.",
            "No report of a lower unit has been accepted yet.",
        ));
    }
    let started = std::time::Instant::now();
    let inputs = app.store.aggregation_inputs(&grant, &report, baocao_domain::aggregation::copies_text(&form)).await?;
    let loaded = started.elapsed();
    let combined = combine(app, &form, &report, &inputs).await?;
    let combined_at = started.elapsed();
    let (cells, errors) = run_regime(app, &entry.plugin, &form.code, &combined.cells).await?;
    if !errors.is_empty() {
        return Err(Error::InvalidCells(errors));
    }
    // What was read is what is recorded: the versions of the inputs, not of the earlier listing.
    let refs: Vec<baocao_storage::SourceRef> = inputs
        .iter()
        .map(|r| baocao_storage::SourceRef { source_id: r.id, version: r.version, unit_id: r.unit_id })
        .collect();
    let content = NewContent { expected_version: report.version, cells, rows_added: combined.rows_added };
    let computed_at = started.elapsed();
    let saved = app.store.store_aggregate(&grant, &who.actor(), id, content, &refs, app.clock.today()).await?;
    tracing::info!(
        report = id,
        sources = refs.len(),
        load_ms = loaded.as_millis() as u64,
        combine_ms = (combined_at - loaded).as_millis() as u64,
        regime_ms = (computed_at - combined_at).as_millis() as u64,
        store_ms = (started.elapsed() - computed_at).as_millis() as u64,
        "aggregated"
    );
    let included = inputs
        .iter()
        .map(|r| baocao_storage::Candidate {
            id: r.id,
            unit_id: r.unit_id,
            version: r.version,
            status: baocao_domain::report::Status::Accepted,
        })
        .collect();
    Ok(Aggregation { report: saved, included, missing })
}

/// The lower reports combined as the form declares, and the columns the
/// receiver fills itself kept as it entered them.
async fn combine(
    app: &App, form: &Form, report: &ReportRow, inputs: &[baocao_storage::AggregationInput],
) -> Result<baocao_domain::aggregation::Combined, Error> {
    let names = app.store.unit_names_unscoped(&inputs.iter().map(|r| r.unit_id).collect::<Vec<_>>()).await?;
    let sources: Vec<baocao_domain::aggregation::Source<'_>> = inputs
        .iter()
        .map(|r| baocao_domain::aggregation::Source {
            unit: r.unit_id,
            unit_name: names.get(&r.unit_id).map(String::as_str).unwrap_or(""),
            numbers: &r.numbers,
            cells: &r.cells,
            rows_added: &r.rows_added,
        })
        .collect();
    let mut combined = baocao_domain::aggregation::combine(form, &sources);
    let own: Vec<&str> = form
        .columns
        .iter()
        .filter(|c| c.formula.is_none() && c.aggregate == Some(regime_abi::Aggregate::None))
        .map(|c| c.code.as_str())
        .collect();
    combined.cells.extend(report.cells.iter().filter(|c| own.contains(&c.col.as_str())).cloned());
    Ok(combined)
}

/// Whether a report is an aggregate, of how many reports, and whether one of
/// them changed (a correction) or was accepted since.
pub struct AggregateState {
    pub sources: usize,
    pub outdated: bool,
}

pub async fn aggregate_state(app: &App, who: &Caller, report: &ReportRow) -> Result<Option<AggregateState>, Error> {
    aggregate_state_in(app, &scopes(app, who).await?, report).await
}

pub(crate) async fn aggregate_state_in(
    app: &App, s: &ReportScopes, report: &ReportRow,
) -> Result<Option<AggregateState>, Error> {
    let sources = app.store.aggregate_sources(&s.read, &s.check, report.id).await?;
    if sources.is_empty() {
        return Ok(None);
    }
    let accepted = app.store.accepted_sources(&s.read, &s.check, report).await?;
    let recorded: HashMap<i64, i32> = sources.iter().map(|s| (s.source_id, s.version)).collect();
    let outdated =
        accepted.len() != recorded.len() || accepted.iter().any(|(id, version)| recorded.get(id) != Some(version));
    Ok(Some(AggregateState { sources: sources.len(), outdated }))
}

/// Where one aggregated cell came from: each contributing unit, its value and
/// the version of its report that was aggregated.
pub struct CellSource {
    pub unit: UnitId,
    pub unit_name: String,
    pub report_id: i64,
    pub version: i32,
    pub current_version: i32,
    /// The value as it was aggregated (at `version`) …
    pub value: serde_json::Value,
    /// … and as it is now (different after a correction).
    pub current_value: serde_json::Value,
}

pub async fn cell_sources(app: &App, who: &Caller, id: i64, row: &str, col: &str) -> Result<Vec<CellSource>, Error> {
    let report = get(app, who, id).await?;
    let s = scopes(app, who).await?;
    let refs = app.store.aggregate_sources(&s.read, &s.check, id).await?;
    let Template::Numeric(form) = template_of(app, &report).await? else {
        return Err(Error::NotFound("form"));
    };
    if !form.columns.iter().any(|c| c.code == col) {
        return Err(Error::invalid(
            "col",
            "unknown_column",
            format!("Biểu mẫu không có cột \"{col}\"."),
            format!("The form has no column \"{col}\"."),
        ));
    }
    let reports = app.store.source_reports_unscoped(&refs).await?;
    let aggregated = app.store.aggregated_cells(&s.read, &s.check, id).await?;
    let names = app.store.unit_names_unscoped(&refs.iter().map(|r| r.unit_id).collect::<Vec<_>>()).await?;
    let mut out = Vec::new();
    for r in refs {
        let Some(source) = reports.iter().find(|x| x.id == r.source_id) else { continue };
        let name = names.get(&r.unit_id).cloned().unwrap_or_default();
        let current_value = source_value(&form, &name, source, &source.cells, row, col);
        let (Some(current_value), then) = (current_value, aggregated.get(&r.source_id)) else { continue };
        // Aggregated before the cells were kept: the value now is the best there is.
        let value =
            then.and_then(|cells| source_value(&form, &name, source, cells, row, col)).unwrap_or(current_value.clone());
        out.push(CellSource {
            unit: r.unit_id,
            unit_name: name,
            report_id: r.source_id,
            version: r.version,
            current_version: source.version,
            value,
            current_value,
        });
    }
    Ok(out)
}

/// A source's value behind an aggregated cell, from the given cells (None
/// when the source has no row that feeds the cell).
fn source_value(
    form: &regime_abi::Form, name: &str, source: &ReportRow, cells: &[ReportCell], row: &str, col: &str,
) -> Option<serde_json::Value> {
    let none = baocao_storage::NumberGrid::default();
    let view = baocao_domain::aggregation::Source {
        unit: source.unit_id,
        unit_name: name,
        numbers: &none,
        cells,
        rows_added: &source.rows_added,
    };
    let rows = baocao_domain::aggregation::source_rows(form, &view, row);
    if rows.is_empty() {
        return None;
    }
    let values: Vec<&serde_json::Value> =
        cells.iter().filter(|c| c.col == col && rows.contains(&c.row)).map(|c| &c.value).collect();
    Some(match values.as_slice() {
        [] => serde_json::Value::Null,
        [one] => (*one).clone(),
        many => serde_json::Number::from_f64(many.iter().filter_map(|v| v.as_f64()).sum())
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
    })
}
