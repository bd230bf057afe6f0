//! Assigning a regime's forms for a period to lower units ("Giao báo cáo").

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use baocao_authz::Grant;
use baocao_authz::perms::{AssignReports, ReadUnits};
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::report::{Period, ReportKind, Role};
use baocao_domain::text::Text;
use baocao_domain::unit::{Unit, UnitPath};
use baocao_plugins::abi::{self as regime_abi, ScheduleRequest};
use baocao_plugins::{Entry, Plugin};
use baocao_storage::{NewReport, NotificationDraft, ReportRow};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;
use crate::regimes::plugin_error;

use super::*;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AssignInput {
    /// The regime code, e.g. `TT01-III`.
    pub regime: String,
    /// Form or outline codes of the regime; empty means every form of the regime.
    #[serde(default)]
    pub forms: Vec<String>,
    #[schema(value_type = Object)]
    pub period: Period,
    /// The units to assign to.
    #[serde(default)]
    pub units: Vec<i64>,
    /// Or: every unit of this level (e.g. "xa") below `under` (default: where the caller works).
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub under: Option<i64>,
    /// dd/MM/yyyy overrides of the schedule's entry dates.
    #[serde(default)]
    pub opens_on: Option<String>,
    #[serde(default)]
    pub closes_on: Option<String>,
}

/// The units an assignment names, checked to exist and be in force.
async fn assignment_units(app: &App, who: &Caller, input: &AssignInput) -> Result<Vec<Unit>, Error> {
    if let Some(level) = &input.level {
        let scope = crate::admin::scope::<ReadUnits>(app, who).await?;
        let under = match input.under {
            Some(id) => app.store.unit_unscoped(UnitId(id)).await?.path,
            None => app.store.unit_unscoped(who.user.unit_id).await?.path,
        };
        let today = app.clock.today();
        let units: Vec<Unit> = app
            .store
            .units_in_scope(&scope)
            .await?
            .into_iter()
            .map(|u| u.unit)
            .filter(|u| {
                u.level.as_str() == level && u.path.is_within(&under) && u.path != under && u.is_active_on(today)
            })
            .collect();
        if units.is_empty() {
            return Err(Error::invalid(
                "level",
                "no_units",
                format!("Không có đơn vị cấp \"{level}\" nào để giao."),
                format!("There is no unit of level \"{level}\" to assign to."),
            ));
        }
        return Ok(units);
    }
    if input.units.is_empty() {
        return Err(Error::invalid(
            "units",
            "required",
            "Hãy chọn ít nhất một đơn vị được giao.",
            "Pick at least one unit.",
        ));
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for id in &input.units {
        if seen.insert(*id) {
            out.push(app.store.unit_unscoped(UnitId(*id)).await?);
        }
    }
    Ok(out)
}

/// The deepest unit above every unit of the list: where the assigner's right must reach from.
fn common_parent(units: &[Unit]) -> Option<UnitPath> {
    let mut common: Option<Vec<UnitId>> = None;
    for u in units {
        let mut ids = u.path.ids();
        ids.pop();
        common = Some(match common {
            None => ids,
            Some(c) => c.iter().zip(ids.iter()).take_while(|(a, b)| a == b).map(|(a, _)| *a).collect(),
        });
    }
    let ids = common?;
    let mut it = ids.into_iter();
    let mut path = UnitPath::root(it.next()?);
    for id in it {
        path = path.child(id);
    }
    Some(path)
}

/// Assigns a regime's forms for a period to lower units: one report per
/// (form, unit, period), with the period's window and entry dates from the
/// plugin's schedule. Returns every report asked for and whether it is new.
/// In three steps: resolve the units (and the right to assign to them),
/// compute each tenant's window, build the reports.
pub async fn assign(app: &App, who: &Caller, input: AssignInput) -> Result<Vec<(ReportRow, bool)>, Error> {
    let period = Period::new(input.period.kind, input.period.year, input.period.number)?;
    let units = assignment_units(app, who, &input).await?;
    let grant = assign_grant(app, who, &units).await?;
    let overrides = entry_overrides(&input)?;
    crate::regimes::ensure_ready(app).await?;
    let assigner_unit = app.store.unit_unscoped(who.user.unit_id).await?;
    let mut items = Vec::new();
    // The version and the schedule, per tenant (national regimes are visible to all).
    let mut by_tenant: HashMap<i64, (Entry, regime_abi::PeriodWindow)> = HashMap::new();
    for unit in &units {
        let tenant = unit.tenant_id.0;
        if let std::collections::hash_map::Entry::Vacant(slot) = by_tenant.entry(tenant) {
            slot.insert(version_and_window(app, tenant, &input.regime, period).await?);
        }
        let Some((entry, window)) = by_tenant.get(&tenant) else { continue };
        check_reports_here(&entry.plugin.manifest, unit)?;
        let dates = entry_dates(window, unit, overrides)?;
        if overrides.1.is_none() && dates.closes_on < app.clock.today() {
            return Err(entry_already_closed(dates.closes_on));
        }
        let batch = Batch { entry, period, dates, who, assigner_unit: &assigner_unit };
        items.extend(batch.reports(app, unit, &input.forms).await?);
    }
    let notified: Vec<UserId> = items.iter().flat_map(|i| i.notify.users.iter().copied()).collect();
    let out = app.store.assign_reports(&grant, &who.actor(), items).await?;
    if out.iter().any(|(_, created)| *created) {
        announce(app, notified).await;
    }
    Ok(out)
}

/// The right to assign to these units: from the unit above them all. The
/// platform root has nobody above it: its own report of a form (the national
/// aggregate) is assigned by those who may assign there.
async fn assign_grant(app: &App, who: &Caller, units: &[Unit]) -> Result<Grant<AssignReports>, Error> {
    Ok(match units {
        [top] if top.parent_id.is_none() => app.authz.check::<AssignReports>(who.user.id, &top.path).await?,
        _ => {
            let parent = common_parent(units).ok_or_else(|| {
                Error::invalid(
                    "units",
                    "not_below",
                    "Chỉ giao báo cáo cho đơn vị cấp dưới.",
                    "Assign to lower units only.",
                )
            })?;
            app.authz.check_below::<AssignReports>(who.user.id, &parent).await?
        }
    })
}

/// The assigner's own entry dates, replacing the schedule's: (opens, closes).
fn entry_overrides(input: &AssignInput) -> Result<(Option<NaiveDate>, Option<NaiveDate>), Error> {
    let opens = input.opens_on.as_deref().map(|d| crate::admin::parse_date(d, "opens_on")).transpose()?;
    let closes = input.closes_on.as_deref().map(|d| crate::admin::parse_date(d, "closes_on")).transpose()?;
    if let (Some(o), Some(c)) = (opens, closes)
        && c < o
    {
        return Err(Error::invalid(
            "closes_on",
            "before_open",
            "Ngày đóng nhập liệu phải sau ngày mở.",
            "The close date must follow the open date.",
        ));
    }
    Ok((opens, closes))
}

/// A period whose entry closed before it was assigned: created silently, its
/// reports could never be filled. The assigner sets new dates instead.
fn entry_already_closed(closed: NaiveDate) -> Error {
    use baocao_domain::{format, text::Locale};
    Error::invalid(
        "closes_on",
        "entry_already_closed",
        format!(
            "Kỳ báo cáo này đã hết hạn nhập liệu ngày {}. Hãy nhập ngày đóng nhập liệu mới (và ngày mở nếu cần) rồi giao lại.",
            format::date(closed, Locale::Vi)
        ),
        format!(
            "Entry for this period closed on {}. Set a new close date (and an open date if needed) and assign again.",
            format::date(closed, Locale::En)
        ),
    )
}

/// The regime version that applies to the period in a tenant, and the period's window.
async fn version_and_window(
    app: &App, tenant: i64, regime: &str, period: Period,
) -> Result<(Entry, regime_abi::PeriodWindow), Error> {
    let current = app.regimes.registry().find(tenant, regime).ok_or(Error::NotFound("regime"))?;
    let window = window(app, current.plugin.clone(), period).await?;
    let entry = app.regimes.registry().applicable(tenant, regime, &window.data_from).unwrap_or(current);
    Ok((entry, window))
}

/// Whether a regime's reports may be assigned to `unit`. The root receives
/// rather than reports: its own report is the national aggregate. Other
/// units report when the regime names their level.
pub fn reports_here(manifest: &regime_abi::Manifest, unit: &Unit) -> bool {
    let levels = &manifest.reporting_levels;
    unit.parent_id.is_none() || levels.is_empty() || levels.iter().any(|l| l == unit.level.as_str())
}

fn check_reports_here(manifest: &regime_abi::Manifest, unit: &Unit) -> Result<(), Error> {
    if reports_here(manifest, unit) {
        return Ok(());
    }
    let (code, name, level) =
        (&manifest.code, unit.name.as_str(), baocao_domain::unit::level_label(unit.level.as_str()));
    Err(Error::invalid(
        "units",
        "level_not_reporting",
        format!("Chế độ {code} không áp dụng cho {name} (cấp {}).", level.vi),
        format!("Regime {code} does not apply to {name} (level: {}).", level.en),
    ))
}

/// Whether `unit` (of the tenant coded `tenant`) enters `form`: the form's
/// own levels and tenants (handbook §2.1.b: II.07a at ministries, not at
/// communes). The root's own report is the national aggregate of every form.
pub fn form_applies(form: &regime_abi::Form, unit: &Unit, tenant: &str) -> bool {
    unit.parent_id.is_none() || form.entered_at(unit.level.as_str(), tenant)
}

/// The forms the assignment page offers the caller: those entered within the
/// caller's tenant (the platform root assigns to every tenant, so it sees all).
pub async fn forms_offered<'m>(
    app: &App, who: &Caller, manifest: &'m regime_abi::Manifest,
) -> Result<Vec<&'m regime_abi::Form>, Error> {
    let tenant = app.store.tenant_unscoped(who.user.tenant_id).await?;
    let everywhere = tenant.kind == baocao_domain::unit::TenantKind::Root;
    let ours = |f: &regime_abi::Form| f.tenants.is_empty() || everywhere || f.tenants.contains(&tenant.code);
    Ok(manifest.forms.iter().filter(|f| !f.outside_system && ours(f)).collect())
}

fn check_form_applies(form: &regime_abi::Form, unit: &Unit, tenant: &str) -> Result<(), Error> {
    if form_applies(form, unit, tenant) {
        return Ok(());
    }
    let (code, name) = (&form.code, unit.name.as_str());
    if !form.tenants.is_empty() && !form.tenants.iter().any(|t| t == tenant) {
        return Err(Error::invalid(
            "forms",
            "form_not_for_unit",
            format!("Biểu {code} chỉ dành cho một số bộ, ngành theo quy định, không áp dụng cho {name}."),
            format!("Form {code} is entered by particular ministries only, not by {name}."),
        ));
    }
    let levels = baocao_domain::unit::levels_text(&form.unit_levels);
    Err(Error::invalid(
        "forms",
        "form_not_for_unit",
        format!("Biểu {code} không áp dụng cho {name}; biểu này dành cho: {}.", levels.vi),
        format!("Form {code} does not apply to {name}; it is entered at: {}.", levels.en),
    ))
}

/// A report's data window and entry dates.
#[derive(Clone, Copy)]
struct Dates {
    data_from: NaiveDate,
    data_to: NaiveDate,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
}

/// The window's dates for a unit: entry closes at its level's deadline
/// (else the general one, else the latest), unless the assigner set its own.
fn entry_dates(
    window: &regime_abi::PeriodWindow, unit: &Unit, (opens, closes): (Option<NaiveDate>, Option<NaiveDate>),
) -> Result<Dates, Error> {
    let parse = |d: &str| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| Error::Internal(anyhow::anyhow!("plugin date {d}")))
    };
    let deadlines = &window.deadlines;
    let deadline = deadlines
        .iter()
        .find(|d| d.level == unit.level.as_str())
        .or_else(|| deadlines.iter().find(|d| d.level == "*"))
        .or_else(|| deadlines.iter().max_by(|a, b| a.date.cmp(&b.date)))
        .map(|d| parse(&d.date))
        .transpose()?;
    let (data_from, data_to) = (parse(&window.data_from)?, parse(&window.data_to)?);
    let opens_on = opens.unwrap_or(data_from);
    let closes_on = closes.or(deadline).unwrap_or(data_to).max(opens_on);
    Ok(Dates { data_from, data_to, opens_on, closes_on })
}

/// What the reports of one assignment share.
struct Batch<'a> {
    entry: &'a Entry,
    period: Period,
    dates: Dates,
    who: &'a Caller,
    assigner_unit: &'a Unit,
}

impl Batch<'_> {
    /// One new report per form for a unit, each telling the unit's data entry.
    async fn reports(&self, app: &App, unit: &Unit, forms: &[String]) -> Result<Vec<NewReport>, Error> {
        let manifest = &self.entry.plugin.manifest;
        let tenant = app.store.tenant_unscoped(unit.tenant_id).await?.code;
        let codes: Vec<String> = if forms.is_empty() {
            let forms = manifest.forms.iter().filter(|f| !f.outside_system && form_applies(f, unit, &tenant));
            forms.map(|f| f.code.clone()).chain(manifest.outlines.iter().map(|o| o.code.clone())).collect()
        } else {
            for form in manifest.forms.iter().filter(|f| forms.contains(&f.code)) {
                check_form_applies(form, unit, &tenant)?;
            }
            forms.to_vec()
        };
        // The root's own report goes nowhere: it is its own receiver.
        let receiver_id = app.store.receiver_of_unscoped(unit.id, &manifest.code).await?.unwrap_or(unit.id);
        let receiver = app.store.unit_unscoped(receiver_id).await?;
        let holders = app.authz.holders(Role::Enter, &unit.path).await;
        let mut out = Vec::with_capacity(codes.len());
        for code in codes {
            let kind = report_kind(&self.entry.plugin, &code)?;
            out.push(self.report(app, unit, &receiver, code, kind, holders.clone()));
        }
        Ok(out)
    }

    fn report(
        &self, app: &App, unit: &Unit, receiver: &Unit, form: String, kind: ReportKind, users: Vec<UserId>,
    ) -> NewReport {
        let manifest = &self.entry.plugin.manifest;
        let title = report_title(&form, &self.period, unit);
        let text = message(app.clock.now(), &title, &Text::fixed("giao", "assigned"), self.who, self.assigner_unit);
        NewReport {
            tenant: unit.tenant_id,
            unit_id: unit.id,
            unit_path: unit.path.clone(),
            receiver_id: receiver.id,
            receiver_path: receiver.path.clone(),
            regime: manifest.code.clone(),
            regime_version: manifest.version,
            form,
            kind,
            period: self.period,
            data_from: self.dates.data_from,
            data_to: self.dates.data_to,
            opens_on: self.dates.opens_on,
            closes_on: self.dates.closes_on,
            notify: NotificationDraft {
                users,
                kind: "assign".to_owned(),
                text: Some(text),
                sender: Some(self.who.user.id),
                sender_unit: Some(self.assigner_unit.id),
            },
        }
    }
}

/// Whether a code names a numeric form or a narrative outline of the regime;
/// a form handled outside the system, or an unknown code, is refused.
fn report_kind(plugin: &Plugin, code: &str) -> Result<ReportKind, Error> {
    match template(plugin, code) {
        Some(Template::Numeric(form)) if form.outside_system => Err(Error::invalid(
            "forms",
            "outside_system",
            format!("Biểu mẫu {code} được thực hiện ngoài hệ thống."),
            format!("Form {code} is handled outside the system."),
        )),
        Some(Template::Numeric(_)) => Ok(ReportKind::Numeric),
        Some(Template::Narrative(_)) => Ok(ReportKind::Narrative),
        None => Err(Error::invalid(
            "forms",
            "unknown_form",
            format!("Chế độ {} không có biểu mẫu \"{code}\".", plugin.manifest.code),
            format!("Regime {} has no form \"{code}\".", plugin.manifest.code),
        )),
    }
}

async fn window(app: &App, plugin: Arc<Plugin>, period: Period) -> Result<regime_abi::PeriodWindow, Error> {
    let request = ScheduleRequest { year: period.year, period: period_type(period.kind) };
    let windows = app.regimes.schedule(&plugin, request).await.map_err(|e| match e {
        baocao_plugins::PluginError::Refused(_) => Error::invalid(
            "period",
            "period_not_reported",
            "Chế độ báo cáo này không có kỳ báo cáo đã chọn.",
            "This regime does not report for the chosen kind of period.",
        ),
        other => plugin_error(other),
    })?;
    windows.into_iter().find(|w| w.number == period.number).ok_or_else(|| {
        Error::invalid(
            "period",
            "period_not_reported",
            "Chế độ báo cáo này không có kỳ báo cáo đã chọn.",
            "This regime has no such period.",
        )
    })
}
