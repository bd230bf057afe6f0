//! A scoring regime's ranking ("xếp hạng"): the sent reports of one form and
//! period that the caller may read, scored by the regime's own `score`, with
//! each index's points — for the page, the API and the workbook.

use std::collections::HashMap;

use baocao_domain::ids::UnitId;
use baocao_domain::ranking::{RankedUnit, index_points};
use baocao_domain::report::Period;
use baocao_plugins::abi::{ScoreRequest, UnitData};

use crate::regimes::plugin_error;
use crate::{App, Caller, Error};

/// The most units one ranking takes (a province's communes are a few hundred).
const MAX_UNITS: u64 = 5000;

/// The ranking of `form` of regime `code` for `period`, best first.
pub async fn ranking(
    app: &App, who: &Caller, code: &str, form: &str, period: Period,
) -> Result<Vec<RankedUnit>, Error> {
    let entry = crate::regimes::find(app, who, code).await?;
    let Some(scoring_form) = entry.plugin.manifest.forms.iter().find(|f| f.code == form) else {
        return Err(Error::NotFound("form"));
    };
    if scoring_form.scoring.is_none() {
        return Err(Error::invalid(
            "form",
            "not_scoring",
            format!("Biểu mẫu {form} không phải biểu chấm điểm nên không xếp hạng được."),
            format!("Form {form} is not a scoring form, so it cannot be ranked."),
        ));
    }
    let s = crate::reports::scopes(app, who).await?;
    let reports = app.store.sent_reports_with_cells(&s.read, &s.check, code, form, period, MAX_UNITS).await?;
    let units = reports
        .iter()
        .map(|r| UnitData { unit: r.unit_id.0.to_string(), cells: crate::reports::to_abi(&r.cells) })
        .collect();
    let request = ScoreRequest { form: form.to_owned(), units };
    let scores = app.regimes.score(&entry.plugin, request).await.map_err(plugin_error)?;
    let ids: Vec<UnitId> = reports.iter().map(|r| r.unit_id).collect();
    let names = app.store.unit_names_unscoped(&ids).await?;
    let by_unit: HashMap<String, &baocao_domain::content::ReportRow> =
        reports.iter().map(|r| (r.unit_id.0.to_string(), r)).collect();
    let ranked = scores.into_iter().filter_map(|s| {
        let report = by_unit.get(&s.unit)?;
        let appraised = s.appraised_score.is_some();
        Some(RankedUnit {
            unit: report.unit_id,
            name: names.get(&report.unit_id).cloned().unwrap_or_default(),
            report_id: report.id,
            total: s.final_score,
            self_total: s.self_score,
            appraised,
            rank: s.rank,
            indices: index_points(scoring_form, &report.cells, appraised),
        })
    });
    Ok(ranked.collect())
}

/// The ranking as a workbook ("Xuất Excel").
pub async fn ranking_workbook(
    app: &App, who: &Caller, code: &str, form: &str, period: Period,
) -> Result<(String, Vec<u8>), Error> {
    let lines = ranking(app, who, code, form, period).await?;
    let title = format!("Xếp hạng {form} — {}", period.label().vi);
    let bytes = baocao_documents::ranking::workbook(&lines, &title).map_err(Error::internal)?;
    Ok((format!("xep-hang-{}-{}.xlsx", form.replace('/', "-"), period.key()), bytes))
}
