//! Compliance figures (Circular 01/2020 Art. 17.2.đ): how many reports were
//! assigned, sent on time, sent late, still missing, rejected, corrected —
//! over the caller's subtree, per unit below the chosen one (drill-down), and
//! for the public page per ministry and province (counts only).

use std::collections::HashMap;

use baocao_authz::perms::ReadReports;
use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::report::Period;
use baocao_storage::ComplianceQuery;

pub use baocao_documents::chart::on_time_bars as chart;
pub use baocao_domain::compliance::{Compliance, REPORT_COLUMNS, Summary, on_time, report_line};

use crate::App;
use crate::Caller;
use crate::Error;

pub struct Filter {
    pub regime: Option<String>,
    pub form: Option<String>,
    pub period: Option<Period>,
    pub unit: Option<UnitId>,
}

pub async fn figures(app: &App, who: &Caller, filter: Filter) -> Result<Compliance, Error> {
    let scope = crate::admin::scope::<ReadReports>(app, who).await?;
    // The chosen unit, else where the caller works; its children are the drill-down lines.
    let unit = app.store.unit_unscoped(filter.unit.unwrap_or(who.user.unit_id)).await?;
    if !scope.covers(&unit.path) && filter.unit.is_some() {
        return Err(Error::NotFound("unit"));
    }
    let query = ComplianceQuery {
        regime: filter.regime,
        form: filter.form,
        period: filter.period,
        unit: Some(unit.path.clone()),
    };
    let rows = app.store.compliance_rows(&scope, &query).await?;
    let mut total = Summary::default();
    let mut by_child: HashMap<UnitId, Summary> = HashMap::new();
    let depth = unit.path.depth();
    for row in &rows {
        total.add(row);
        // The unit one level below the chosen one that this report falls under (or the unit itself).
        let child = row.unit_path.ids().get(depth).copied().unwrap_or(unit.id);
        by_child.entry(child).or_default().add(row);
    }
    let ids: Vec<UnitId> = by_child.keys().copied().chain(rows.iter().map(|r| r.unit_id)).chain([unit.id]).collect();
    let names = app.store.unit_names_unscoped(&ids).await?;
    let mut children: Vec<(UnitId, String, Summary)> =
        by_child.into_iter().map(|(id, s)| (id, names.get(&id).cloned().unwrap_or_default(), s)).collect();
    children.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(Compliance { unit: unit.id, total, children, rows, names })
}

/// The public figures: per ministry and province, its reports to the Government Office.
pub async fn public(
    app: &App, period: Option<Period>, regime: Option<String>,
) -> Result<Vec<(String, Summary)>, Error> {
    let root = app.store.unit_by_code_unscoped("vpcp", "vpcp").await?.ok_or(Error::NotFound("unit"))?;
    let query = ComplianceQuery { regime, form: None, period, unit: None };
    let rows = app.store.public_compliance_rows(root.id, &query).await?;
    let mut by_tenant: HashMap<TenantId, Summary> = HashMap::new();
    for row in &rows {
        by_tenant.entry(row.tenant).or_default().add(row);
    }
    let mut out = Vec::new();
    for (tenant, summary) in by_tenant {
        let name = app.store.tenant_unscoped(tenant).await.map(|t| t.name).unwrap_or_default();
        out.push((name, summary));
    }
    out.sort_by(|a, b| b.1.on_time_percent().total_cmp(&a.1.on_time_percent()).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// The figures as an .xlsx workbook (the dashboard's "Xuất Excel"), titled
/// with the unit and the filters that were set, e.g. `("kỳ", Some("2026"))`.
pub fn workbook(c: &Compliance, filters: &[(&str, &Option<String>)]) -> Result<Vec<u8>, Error> {
    let mut title = format!("Thống kê tình hình gửi báo cáo — {}", c.names.get(&c.unit).cloned().unwrap_or_default());
    for (label, value) in filters {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            title.push_str(&format!("; {label} {v}"));
        }
    }
    Ok(baocao_documents::compliance::workbook(c, &title)?)
}

/// Every report's line as CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics).
pub fn csv(c: &Compliance) -> String {
    baocao_documents::compliance::csv(c)
}
