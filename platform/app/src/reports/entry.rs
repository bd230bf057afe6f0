//! Entering data ("Nhập số liệu") and appraising ("Thẩm định"): an edit applied by the
//! domain's entry rules, recomputed and validated by the regime, then stored — or refused whole.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use baocao_authz::RoleGrant;
use baocao_domain::report::Role;
use baocao_plugins::Plugin;
use baocao_plugins::abi::{self as regime_abi, Cell, Form, FormData};
use baocao_storage::{NewContent, ReportCell, ReportRow};

use crate::App;
use crate::Caller;
use crate::error::Error;
use crate::regimes::plugin_error;
use baocao_domain::entry::{CellProblem, Writer, apply_edit, cell_problem, name_added_rows, out_of_bounds};

use super::*;

/// Checks that the caller may write the report this way now, and returns the
/// role grant storage needs with the writer. Appraisal: only a sent report, by
/// a checker of the receiving unit, of a form that has columns for its groups.
pub(crate) async fn writer(
    app: &App, who: &Caller, report: &ReportRow, form: &Form, writing: Writing,
) -> Result<(RoleGrant, Writer), Error> {
    let (role, path) = match writing {
        Writing::Entry => (Role::Enter, &report.unit_path),
        Writing::Appraisal => (Role::Check, &report.receiver_path),
    };
    if writing == Writing::Appraisal
        && let Some(refusal) = baocao_domain::report::appraisal_refused(report.status)
    {
        return Err(Error::Conflict(refusal));
    }
    let grant = app.authz.check_role(who.user.id, role, path).await?;
    let ids = path.ids();
    let groups = app
        .authz
        .memberships(who.user.id)
        .await
        .into_iter()
        .filter(|m| ids.contains(&m.unit))
        .map(|m| m.group.as_str().to_owned())
        .collect();
    let writer = Writer::new(writing, groups);
    if writing == Writing::Appraisal && !form.columns.iter().any(|c| writer.may_fill(c)) {
        // A checker outside the appraisers' groups (or a form without an appraisal column).
        return Err(Error::Forbidden(baocao_authz::Denied {
            actor: who.user.id,
            object: "report".to_owned(),
            action: "appraise",
            unit: grant.unit(),
        }));
    }
    Ok((grant, writer))
}

/// The columns the caller could fill this way now (empty: none), for the page.
pub async fn fillable_columns(
    app: &App, who: &Caller, report: &ReportRow, form: &Form, writing: Writing,
) -> Vec<String> {
    match writer(app, who, report, form, writing).await {
        Ok((_, w)) => form
            .columns
            .iter()
            .filter(|c| !form.computes_column(&c.code) && w.may_fill(c))
            .map(|c| c.code.clone())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// An edit applied to the stored content and recomputed by the regime: the
/// cells as they would be stored, and what the regime's validation says.
pub struct Recomputed {
    pub report: ReportRow,
    pub content: NewContent,
    pub errors: Vec<CellProblem>,
    grant: RoleGrant,
}

/// Applies an edit to a copy of the stored content, checks what the form
/// and the writer allow, and lets the regime recompute ("Chuẩn hóa dữ liệu")
/// and validate. Nothing is stored.
pub async fn recompute(
    app: &App, who: &Caller, id: i64, input: DataInput, writing: Writing,
) -> Result<Recomputed, Error> {
    let report = for_write(app, who, id).await?;
    let entry = plugin_of(app, &report).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &report.form) else {
        return Err(Error::invalid(
            "form",
            "not_numeric",
            "Báo cáo này không phải biểu mẫu số liệu.",
            "This report is not a numeric form.",
        ));
    };
    let (grant, writer) = writer(app, who, &report, &form, writing).await?;
    let picks_catalogue = input.rows_added.iter().any(|r| r.catalogue.is_some());
    let catalogue = match &form.catalogue {
        Some(name) if picks_catalogue => crate::catalogues::codes(app, report.tenant, name).await?,
        _ => HashSet::new(),
    };
    let content = apply_edit(&report, &form, input, &writer, &catalogue).map_err(Error::InvalidCells)?;
    let (cells, mut errors) = run_regime(app, &entry.plugin, &form.code, &content.cells).await?;
    name_added_rows(&mut errors, &content.rows_added);
    let columns: HashMap<&str, &regime_abi::Column> = form.columns.iter().map(|c| (c.code.as_str(), c)).collect();
    errors.extend(
        cells.iter().filter_map(|c| columns.get(c.col.as_str()).and_then(|col| out_of_bounds(&c.row, col, &c.value))),
    );
    Ok(Recomputed { report, content: NewContent { cells, ..content }, errors, grant })
}

/// The regime recomputes every formula and total of the cells and validates
/// the result, in one call of the regime runner.
pub(crate) async fn run_regime(
    app: &App, plugin: &Arc<Plugin>, form: &str, cells: &[ReportCell],
) -> Result<(Vec<ReportCell>, Vec<CellProblem>), Error> {
    let data = FormData { form: form.to_owned(), cells: to_abi(cells) };
    let checked = app.regimes.check(plugin, data).await.map_err(plugin_error)?;
    let cells = checked
        .data
        .cells
        .into_iter()
        .filter(|c| !c.value.is_null())
        .map(|c| ReportCell { row: c.row, col: c.col, value: c.value })
        .collect();
    let errors = checked
        .errors
        .into_iter()
        .map(|e| cell_problem(e.row.as_deref(), e.col.as_deref(), e.message.vi, e.message.en))
        .collect();
    Ok((cells, errors))
}

/// Recomputes and validates an edit, then stores it — or refuses with every
/// offending cell and stores nothing (the seeds' rule: nothing half-valid).
pub async fn save_data(
    app: &App, who: &Caller, id: i64, input: DataInput, writing: Writing,
) -> Result<ReportRow, Error> {
    let recomputed = recompute(app, who, id, input, writing).await?;
    store(app, who, id, recomputed, writing).await
}

/// Stores a recomputed edit that passed the regime's validation.
pub(crate) async fn store(
    app: &App, who: &Caller, id: i64, edit: Recomputed, writing: Writing,
) -> Result<ReportRow, Error> {
    let Recomputed { content, errors, grant, .. } = edit;
    if !errors.is_empty() {
        return Err(Error::InvalidCells(errors));
    }
    let actor = who.actor();
    Ok(match writing {
        Writing::Entry => app.store.save_report_content(&grant, &actor, id, content, app.clock.today()).await?,
        Writing::Appraisal => app.store.save_appraisal(&grant, &actor, id, content).await?,
    })
}

/// Cells as the regime contract carries them.
pub(crate) fn to_abi(cells: &[ReportCell]) -> Vec<Cell> {
    cells.iter().map(|c| Cell { row: c.row.clone(), col: c.col.clone(), value: c.value.clone() }).collect()
}
