//! The life of a report, seen from a request: assignment, entry, narrative
//! sections, workflow transitions, notifications. The JSON API and the pages
//! call these functions, so each rule lives once. The order of checks is the
//! same everywhere: can the caller see the report (else 404), is the move
//! possible now (else 409), does the caller hold the role it needs at the
//! right unit (else 403), is the input valid (else 422).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use baocao_authz::perms::{AssignReports, CheckReports, ReadReports, ReadUnits};
use baocao_authz::{RoleGrant, Scope};
use baocao_bus::Event;
use baocao_domain::format;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::report::{Action, Notify, Period, ReportKind, Role, Status, Step, step_for};
use baocao_domain::text::{Invalid, Locale, Text};
use baocao_domain::unit::{Unit, UnitPath};
use baocao_plugins::abi::{self as regime_abi, Cell, CellType, Form, FormData, Outline, PeriodType, RowMode, ScheduleRequest};
use baocao_plugins::{Entry, Plugin};
use baocao_storage::{AddedRow, NewContent, NewReport, NotificationDraft, Page, ReportCell, ReportQuery, ReportRow};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, CellProblem};
use crate::principal::Principal;
use crate::regimes::plugin_error;
use crate::state::AppState;

/// What the caller may read: reports of its units (read) and reports sent to them (check).
pub struct ReportScopes {
    pub read: Scope<ReadReports>,
    pub check: Scope<CheckReports>,
}

pub async fn scopes(state: &AppState, who: &Principal) -> Result<ReportScopes, AppError> {
    Ok(ReportScopes { read: crate::admin::scope::<ReadReports>(state, who).await?, check: crate::admin::scope::<CheckReports>(state, who).await? })
}

fn today() -> NaiveDate {
    // Deadlines are days in Viet Nam (UTC+7).
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

fn invalid(field: &'static str, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Invalid(vec![Invalid::new(field, code, Text::new(vi.into(), en.into()))])
}

fn period_type(kind: baocao_domain::report::PeriodKind) -> PeriodType {
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
pub async fn plugin_of(state: &AppState, report: &ReportRow) -> Result<Entry, AppError> {
    crate::regimes::ensure_ready(state).await?;
    state.regimes.version(report.tenant.0, &report.regime, report.regime_version).ok_or(AppError::NotFound("regime"))
}

/// The report's form or outline, from its regime version; one the plugin no longer declares is "not found".
pub async fn template_of(state: &AppState, report: &ReportRow) -> Result<Template, AppError> {
    let entry = plugin_of(state, report).await?;
    template(&entry.plugin, &report.form).ok_or(AppError::NotFound("form"))
}

pub fn template(plugin: &Plugin, code: &str) -> Option<Template> {
    if let Some(form) = plugin.manifest.forms.iter().find(|f| f.code == code) {
        return Some(Template::Numeric(Box::new(form.clone())));
    }
    plugin.manifest.outlines.iter().find(|o| o.code == code).map(|o| Template::Narrative(o.clone()))
}

/// A notification's text, in the handbook's words: "Báo cáo X đã được giao
/// bởi <người> - <đơn vị> vào lúc HH:mm:ss ngày dd/MM/yyyy".
fn message(report_title: &Text, verb: &Text, who: &Principal, unit: &Unit) -> Text {
    let now = Utc::now();
    let name = who.user.full_name.as_str();
    let unit_name = unit.name.as_str();
    Text::new(
        format!("Báo cáo {} đã được {} bởi {name} - {unit_name} vào lúc {}", report_title.vi, verb.vi, format::moment(now, Locale::Vi)),
        format!("Report {} was {} by {name} - {unit_name} at {}", report_title.en, verb.en, format::moment(now, Locale::En)),
    )
}

fn report_title(form: &str, period: &Period, unit: &Unit) -> Text {
    let p = period.label();
    Text::new(format!("{form} ({}) của {}", p.vi, unit.name.as_str()), format!("{form} ({}) of {}", p.en, unit.name.as_str()))
}

// ------------------------------------------------------------ assignment ---

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
async fn assignment_units(state: &AppState, who: &Principal, input: &AssignInput) -> Result<Vec<Unit>, AppError> {
    if let Some(level) = &input.level {
        let scope = crate::admin::scope::<ReadUnits>(state, who).await?;
        let under = match input.under {
            Some(id) => state.store.unit_for_check(UnitId(id)).await?.path,
            None => state.store.unit_for_check(who.user.unit_id).await?.path,
        };
        let today = today();
        let units: Vec<Unit> = state
            .store
            .units_in_scope(&scope)
            .await?
            .into_iter()
            .map(|u| u.unit)
            .filter(|u| u.level.as_str() == level && u.path.is_within(&under) && u.path != under && u.is_active_on(today))
            .collect();
        if units.is_empty() {
            return Err(invalid(
                "level",
                "no_units",
                format!("Không có đơn vị cấp \"{level}\" nào để giao."),
                format!("There is no unit of level \"{level}\" to assign to."),
            ));
        }
        return Ok(units);
    }
    if input.units.is_empty() {
        return Err(invalid("units", "required", "Hãy chọn ít nhất một đơn vị được giao.", "Pick at least one unit."));
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for id in &input.units {
        if seen.insert(*id) {
            out.push(state.store.unit_for_check(UnitId(*id)).await?);
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
pub async fn assign(state: &AppState, who: &Principal, input: AssignInput) -> Result<Vec<(ReportRow, bool)>, AppError> {
    let period = Period::new(input.period.kind, input.period.year, input.period.number)?;
    let units = assignment_units(state, who, &input).await?;
    // The platform root has nobody above it: its own report of a form (the
    // national aggregate) is assigned by those who may assign there.
    let grant = match units.as_slice() {
        [top] if top.parent_id.is_none() => state.authz.check::<AssignReports>(who.user.id, &top.path).await?,
        _ => {
            let parent =
                common_parent(&units).ok_or_else(|| invalid("units", "not_below", "Chỉ giao báo cáo cho đơn vị cấp dưới.", "Assign to lower units only."))?;
            state.authz.check_below::<AssignReports>(who.user.id, &parent).await?
        }
    };
    let opens_override = input.opens_on.as_deref().map(|d| crate::admin::parse_date(d, "opens_on")).transpose()?;
    let closes_override = input.closes_on.as_deref().map(|d| crate::admin::parse_date(d, "closes_on")).transpose()?;
    if let (Some(o), Some(c)) = (opens_override, closes_override)
        && c < o
    {
        return Err(invalid("closes_on", "before_open", "Ngày đóng nhập liệu phải sau ngày mở.", "The close date must follow the open date."));
    }
    crate::regimes::ensure_ready(state).await?;
    let assigner_unit = state.store.unit_for_check(who.user.unit_id).await?;
    let mut items = Vec::new();
    // The version and the schedule, per tenant (national regimes are visible to all).
    let mut by_tenant: HashMap<i64, (Entry, regime_abi::PeriodWindow)> = HashMap::new();
    for unit in &units {
        let tenant = unit.tenant_id.0;
        if let std::collections::hash_map::Entry::Vacant(slot) = by_tenant.entry(tenant) {
            let current = state.regimes.find(tenant, &input.regime).ok_or(AppError::NotFound("regime"))?;
            let window = window(state, current.plugin.clone(), period).await?;
            let entry = state.regimes.applicable(tenant, &input.regime, &window.data_from).unwrap_or(current);
            slot.insert((entry, window));
        }
        let Some((entry, window)) = by_tenant.get(&tenant) else { continue };
        let manifest = &entry.plugin.manifest;
        // The root receives rather than reports: its own report is the national aggregate.
        let reports_here =
            unit.parent_id.is_none() || manifest.reporting_levels.is_empty() || manifest.reporting_levels.iter().any(|l| l == unit.level.as_str());
        if !reports_here {
            return Err(invalid(
                "units",
                "level_not_reporting",
                format!("Chế độ {} không áp dụng cho {} (cấp \"{}\").", manifest.code, unit.name.as_str(), unit.level.as_str()),
                format!("Regime {} does not apply to {} (level \"{}\").", manifest.code, unit.name.as_str(), unit.level.as_str()),
            ));
        }
        let codes: Vec<String> = if input.forms.is_empty() {
            manifest.forms.iter().filter(|f| !f.outside_system).map(|f| f.code.clone()).chain(manifest.outlines.iter().map(|o| o.code.clone())).collect()
        } else {
            input.forms.clone()
        };
        // The root's own report goes nowhere: it is its own receiver.
        let receiver_id = state.store.receiver_of(unit.id, &input.regime).await?.unwrap_or(unit.id);
        let receiver = state.store.unit_for_check(receiver_id).await?;
        let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| AppError::Internal(format!("plugin date {d}")));
        let deadline = window
            .deadlines
            .iter()
            .find(|d| d.level == unit.level.as_str())
            .or_else(|| window.deadlines.iter().find(|d| d.level == "*"))
            .or_else(|| window.deadlines.iter().max_by(|a, b| a.date.cmp(&b.date)))
            .map(|d| parse(&d.date))
            .transpose()?;
        let data_from = parse(&window.data_from)?;
        let data_to = parse(&window.data_to)?;
        let opens_on = opens_override.unwrap_or(data_from);
        let closes_on = closes_override.or(deadline).unwrap_or(data_to);
        let holders = state.authz.holders(Role::Enter, &unit.path).await;
        for code in codes {
            let kind = match template(&entry.plugin, &code) {
                Some(Template::Numeric(form)) if form.outside_system => {
                    return Err(invalid(
                        "forms",
                        "outside_system",
                        format!("Biểu mẫu {code} được thực hiện ngoài hệ thống."),
                        format!("Form {code} is handled outside the system."),
                    ));
                }
                Some(Template::Numeric(_)) => ReportKind::Numeric,
                Some(Template::Narrative(_)) => ReportKind::Narrative,
                None => {
                    return Err(invalid(
                        "forms",
                        "unknown_form",
                        format!("Chế độ {} không có biểu mẫu \"{code}\".", manifest.code),
                        format!("Regime {} has no form \"{code}\".", manifest.code),
                    ));
                }
            };
            let title = report_title(&code, &period, unit);
            items.push(NewReport {
                tenant: unit.tenant_id,
                unit_id: unit.id,
                unit_path: unit.path.clone(),
                receiver_id: receiver.id,
                receiver_path: receiver.path.clone(),
                regime: manifest.code.clone(),
                regime_version: manifest.version,
                form: code,
                kind,
                period,
                data_from,
                data_to,
                opens_on,
                closes_on: closes_on.max(opens_on),
                notify: NotificationDraft {
                    users: holders.clone(),
                    kind: "assign".to_owned(),
                    text: Some(message(&title, &Text::fixed("giao", "assigned"), who, &assigner_unit)),
                    sender: Some(who.user.id),
                    sender_unit: Some(assigner_unit.id),
                },
            });
        }
    }
    let notified: Vec<UserId> = items.iter().flat_map(|i| i.notify.users.iter().copied()).collect();
    let out = state.store.assign_reports(&grant, &who.actor(), items).await?;
    if out.iter().any(|(_, created)| *created) {
        announce(state, notified).await;
    }
    Ok(out)
}

async fn window(state: &AppState, plugin: Arc<Plugin>, period: Period) -> Result<regime_abi::PeriodWindow, AppError> {
    let registry = state.regimes.clone();
    let request = ScheduleRequest { year: period.year, period: period_type(period.kind) };
    let windows = tokio::task::spawn_blocking(move || registry.host().schedule(&plugin, &request))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| match e {
            baocao_plugins::PluginError::Refused(_) => invalid(
                "period",
                "period_not_reported",
                "Chế độ báo cáo này không có kỳ báo cáo đã chọn.",
                "This regime does not report for the chosen kind of period.",
            ),
            other => plugin_error(other),
        })?;
    windows
        .into_iter()
        .find(|w| w.number == period.number)
        .ok_or_else(|| invalid("period", "period_not_reported", "Chế độ báo cáo này không có kỳ báo cáo đã chọn.", "This regime has no such period."))
}

/// Tells every instance that these users have something new (the bell).
pub async fn announce(state: &AppState, users: Vec<UserId>) {
    let mut users: Vec<i64> = users.into_iter().map(|u| u.0).collect();
    users.sort_unstable();
    users.dedup();
    if users.is_empty() {
        return;
    }
    if let Err(error) = state.bus.publish(&Event::Notified { user_ids: users }).await {
        tracing::warn!(%error, "could not announce notifications; browsers will see them on their next poll");
    }
}

// ----------------------------------------------------------------- reads ---

pub async fn list(state: &AppState, who: &Principal, query: &ReportQuery) -> Result<Page<ReportRow>, AppError> {
    let s = scopes(state, who).await?;
    Ok(state.store.reports(&s.read, &s.check, query).await?)
}

pub async fn get(state: &AppState, who: &Principal, id: i64) -> Result<ReportRow, AppError> {
    let s = scopes(state, who).await?;
    Ok(state.store.report(&s.read, &s.check, id).await?)
}

/// The actions the caller could take on a report now (for buttons and links).
pub async fn allowed_actions(state: &AppState, who: &Principal, report: &ReportRow) -> Vec<Step> {
    let mut out = Vec::new();
    for step in baocao_domain::report::actions_from(report.status) {
        let at = if step.role.at_receiver() { &report.receiver_path } else { &report.unit_path };
        if state.authz.check_role(who.user.id, step.role, at).await.is_ok() {
            out.push(step);
        }
    }
    out
}

/// Whether the caller may edit the report's content now.
pub async fn may_edit(state: &AppState, who: &Principal, report: &ReportRow) -> bool {
    report.status.editable()
        && baocao_domain::report::entry_open(report.closes_on, report.reopened, today())
        && state.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await.is_ok()
}

/// Reads a report for a write: 404 if the caller cannot see it (the role is checked after).
async fn for_write(state: &AppState, who: &Principal, id: i64) -> Result<ReportRow, AppError> {
    get(state, who, id).await
}

// ----------------------------------------------------------------- entry ---

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CellInput {
    pub row: String,
    pub col: String,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RowInput {
    /// Leave out to let the server pick a code (returned in `rows_added`).
    #[serde(default)]
    pub code: Option<String>,
    pub title: String,
    /// For rows picked from the form's catalogue: the entry's code.
    #[serde(default)]
    pub catalogue: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DataInput {
    pub version: i32,
    /// Cells to set; a cell not named keeps its value, `null` clears it.
    #[serde(default)]
    pub cells: Vec<CellInput>,
    #[serde(default)]
    pub rows_added: Vec<RowInput>,
    /// Codes of added rows to remove, with their cells.
    #[serde(default)]
    pub rows_removed: Vec<String>,
}

fn cell_problem(row: Option<&str>, col: Option<&str>, vi: impl Into<String>, en: impl Into<String>) -> CellProblem {
    CellProblem { row: row.map(str::to_owned), col: col.map(str::to_owned), message: vi.into(), message_en: en.into() }
}

/// A clause as a sentence: its first letter upper-case, a full stop at the end.
fn capitalise(clause: &str) -> String {
    let mut chars = clause.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn to_abi(cells: &[ReportCell]) -> Vec<Cell> {
    cells.iter().map(|c| Cell { row: c.row.clone(), col: c.col.clone(), value: c.value.clone() }).collect()
}

/// Values typed the Vietnamese way ("1.500", "8,5") become numbers before
/// the regime sees them; anything else is left for its validation to name.
fn normalise(value: serde_json::Value, cell_type: CellType) -> serde_json::Value {
    use serde_json::Value;
    match (&value, cell_type) {
        (Value::String(s), CellType::Integer | CellType::Decimal | CellType::Percent) => {
            let t = s.trim();
            if t.is_empty() {
                return Value::Null;
            }
            match format::parse_number(t) {
                Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Value::from(x as i64),
                Some(x) => serde_json::Number::from_f64(x).map_or(value, Value::Number),
                None => value,
            }
        }
        (Value::String(s), CellType::Text | CellType::Date) if s.trim().is_empty() => Value::Null,
        _ => value,
    }
}

/// The numbers a column accepts: the regime's declared bounds, else the
/// platform's for the type — integers stay exact in a double (±2⁵³ − 1),
/// decimals and percentages within ±10¹⁵. With every entered value bounded,
/// the regimes' sums and ratios cannot overflow to infinity either; a
/// computed value past its column's bounds is refused like an entered one.
fn number_bounds(column: &regime_abi::Column) -> (f64, f64) {
    const EXACT: f64 = 9_007_199_254_740_991.0;
    const DECIMAL: f64 = 1e15;
    let limit = if column.cell_type == CellType::Integer { EXACT } else { DECIMAL };
    (column.min.unwrap_or(-limit), column.max.unwrap_or(limit))
}

/// A number outside its column's bounds, named by its cell; `None` when the value is fine.
fn out_of_bounds(row: &str, column: &regime_abi::Column, value: &serde_json::Value) -> Option<CellProblem> {
    if matches!(column.cell_type, CellType::Text | CellType::Date) {
        return None;
    }
    let x = value.as_f64()?;
    let (min, max) = number_bounds(column);
    if x.is_finite() && (min..=max).contains(&x) {
        return None;
    }
    let (lo, hi) = (format::number(min, 0, Locale::Vi), format::number(max, 0, Locale::Vi));
    let (lo_en, hi_en) = (format::number(min, 0, Locale::En), format::number(max, 0, Locale::En));
    Some(cell_problem(
        Some(row),
        Some(&column.code),
        format!("Giá trị ở cột ({}) phải nằm trong khoảng từ {lo} đến {hi}.", column.number),
        format!("The value in column ({}) must be between {lo_en} and {hi_en}.", column.number),
    ))
}

// ------------------------------------------------------------ who writes ---

/// Who writes a report's cells. The reporting unit enters its data while the
/// report is editable; the columns a regime reserves to groups (`fill_groups`,
/// such as Thái Bình's appraisal score) are filled at the receiving unit, by
/// a checker in one of those groups, after the report was sent and before it
/// is accepted ("thẩm định").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writing {
    Entry,
    Appraisal,
}

/// A writer and the groups it holds where it writes: which columns it may fill.
#[derive(Debug, Clone)]
pub struct Writer {
    pub writing: Writing,
    groups: Vec<String>,
}

impl Writer {
    pub fn may_fill(&self, column: &regime_abi::Column) -> bool {
        let member = column.fill_groups.iter().any(|g| self.groups.contains(g));
        match self.writing {
            Writing::Entry => column.fill_groups.is_empty() || member,
            Writing::Appraisal => member,
        }
    }

    /// Why a column is not this writer's, for refusals.
    pub fn refusal(&self, column: &regime_abi::Column) -> (String, String) {
        let name = column.header.last().cloned().unwrap_or_default();
        match self.writing {
            Writing::Entry => (
                format!(
                    "cột ({}) \"{name}\" chỉ dành cho nhóm {} (đơn vị thẩm định), đơn vị báo cáo không được nhập",
                    column.number,
                    column.fill_groups.join(", ")
                ),
                format!(
                    "column ({}) \"{name}\" is for the group(s) {} (the appraisers); the reporting unit may not fill it",
                    column.number,
                    column.fill_groups.join(", ")
                ),
            ),
            Writing::Appraisal => (
                format!("cột ({}) \"{name}\" do đơn vị báo cáo nhập; khi thẩm định chỉ được nhập cột dành cho nhóm của bạn", column.number),
                format!("column ({}) \"{name}\" is the reporting unit's; an appraisal fills only the columns of your groups", column.number),
            ),
        }
    }
}

/// Checks that the caller may write the report this way now, and returns the
/// role grant storage needs with the writer. Appraisal: only a sent report, by
/// a checker of the receiving unit, of a form that has columns for its groups.
async fn writer(state: &AppState, who: &Principal, report: &ReportRow, form: &Form, writing: Writing) -> Result<(RoleGrant, Writer), AppError> {
    let (role, path) = match writing {
        Writing::Entry => (Role::Enter, &report.unit_path),
        Writing::Appraisal => (Role::Check, &report.receiver_path),
    };
    if writing == Writing::Appraisal
        && let Some(refusal) = baocao_domain::report::appraisal_refused(report.status)
    {
        return Err(AppError::Conflict(refusal));
    }
    let grant = state.authz.check_role(who.user.id, role, path).await?;
    let ids = path.ids();
    let groups = state.authz.memberships(who.user.id).await.into_iter().filter(|m| ids.contains(&m.unit)).map(|m| m.group.as_str().to_owned()).collect();
    let writer = Writer { writing, groups };
    if writing == Writing::Appraisal && !form.columns.iter().any(|c| writer.may_fill(c)) {
        // A checker outside the appraisers' groups (or a form without an appraisal column).
        return Err(AppError::Forbidden(baocao_authz::Denied { actor: who.user.id, object: "report".to_owned(), action: "appraise", unit: grant.unit() }));
    }
    Ok((grant, writer))
}

/// The columns the caller could fill this way now (empty: none), for the page.
pub async fn fillable_columns(state: &AppState, who: &Principal, report: &ReportRow, form: &Form, writing: Writing) -> Vec<String> {
    match writer(state, who, report, form, writing).await {
        Ok((_, w)) => form.columns.iter().filter(|c| c.formula.is_none() && w.may_fill(c)).map(|c| c.code.clone()).collect(),
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
pub async fn recompute(state: &AppState, who: &Principal, id: i64, input: DataInput, writing: Writing) -> Result<Recomputed, AppError> {
    let report = for_write(state, who, id).await?;
    let entry = plugin_of(state, &report).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &report.form) else {
        return Err(invalid("form", "not_numeric", "Báo cáo này không phải biểu mẫu số liệu.", "This report is not a numeric form."));
    };
    let (grant, writer) = writer(state, who, &report, &form, writing).await?;
    let picks_catalogue = input.rows_added.iter().any(|r| r.catalogue.is_some());
    let catalogue = match &form.catalogue {
        Some(name) if picks_catalogue => crate::catalogues::codes(state, report.tenant, name).await?,
        _ => HashSet::new(),
    };
    let content = apply_edit(&report, &form, input, &writer, &catalogue)?;
    let (cells, mut errors) = run_regime(state, &entry.plugin, &form.code, &content.cells).await?;
    let columns: HashMap<&str, &regime_abi::Column> = form.columns.iter().map(|c| (c.code.as_str(), c)).collect();
    errors.extend(cells.iter().filter_map(|c| columns.get(c.col.as_str()).and_then(|col| out_of_bounds(&c.row, col, &c.value))));
    Ok(Recomputed { report, content: NewContent { cells, ..content }, errors, grant })
}

/// The regime recomputes every formula and total of the cells, then validates
/// the result, on the blocking pool (the sandbox is CPU work bounded by its limits).
async fn run_regime(state: &AppState, plugin: &Arc<Plugin>, form: &str, cells: &[ReportCell]) -> Result<(Vec<ReportCell>, Vec<CellProblem>), AppError> {
    let registry = state.regimes.clone();
    let plugin = plugin.clone();
    let data = FormData { form: form.to_owned(), cells: to_abi(cells) };
    let (computed, errors) = tokio::task::spawn_blocking(move || {
        let computed = registry.host().compute(&plugin, &data)?;
        let errors = registry.host().validate(&plugin, &computed)?;
        Ok::<_, baocao_plugins::PluginError>((computed, errors))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(plugin_error)?;
    let cells = computed.cells.into_iter().filter(|c| !c.value.is_null()).map(|c| ReportCell { row: c.row, col: c.col, value: c.value }).collect();
    let errors = errors.into_iter().map(|e| cell_problem(e.row.as_deref(), e.col.as_deref(), e.message.vi, e.message.en)).collect();
    Ok((cells, errors))
}

/// Recomputes and validates an edit, then stores it — or refuses with every
/// offending cell and stores nothing (the seeds' rule: nothing half-valid).
pub async fn save_data(state: &AppState, who: &Principal, id: i64, input: DataInput, writing: Writing) -> Result<ReportRow, AppError> {
    let recomputed = recompute(state, who, id, input, writing).await?;
    store(state, who, id, recomputed, writing).await
}

/// Stores a recomputed edit that passed the regime's validation.
async fn store(state: &AppState, who: &Principal, id: i64, edit: Recomputed, writing: Writing) -> Result<ReportRow, AppError> {
    let Recomputed { content, errors, grant, .. } = edit;
    if !errors.is_empty() {
        return Err(AppError::InvalidCells(errors));
    }
    let actor = who.actor();
    Ok(match writing {
        Writing::Entry => state.store.save_report_content(&grant, &actor, id, content, today()).await?,
        Writing::Appraisal => state.store.save_appraisal(&grant, &actor, id, content).await?,
    })
}

/// Whether two cell values are the same: numbers up to rounding, else equal.
pub fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// `catalogue`: the codes the form's catalogue holds (needed when rows are picked from it).
fn apply_edit(report: &ReportRow, form: &Form, input: DataInput, writer: &Writer, catalogue: &HashSet<String>) -> Result<NewContent, AppError> {
    let mut problems = Vec::new();
    if writer.writing == Writing::Appraisal && !(input.rows_added.is_empty() && input.rows_removed.is_empty()) {
        problems.push(cell_problem(None, None, "Khi thẩm định không được thêm hoặc xóa dòng.", "An appraisal adds or removes no rows."));
    }
    let mut rows_added = report.rows_added.clone();
    // Removing rows: only rows the unit added.
    for code in &input.rows_removed {
        if form.rows.iter().any(|r| &r.code == code) {
            problems.push(cell_problem(Some(code), None, "Không thể xóa dòng cố định của biểu mẫu.", "A fixed row of the form cannot be removed."));
        } else if !rows_added.iter().any(|r| &r.code == code) {
            problems.push(cell_problem(Some(code), None, format!("Không có dòng \"{code}\" để xóa."), format!("There is no row \"{code}\" to remove.")));
        }
    }
    rows_added.retain(|r| !input.rows_removed.contains(&r.code));
    // Adding rows: as the form's row modes allow.
    let catalogue_ok = form.row_modes.contains(&RowMode::Catalogue);
    let free_ok = form.row_modes.contains(&RowMode::FreeText);
    let mut next = rows_added.iter().filter_map(|r| r.code.strip_prefix('x').and_then(|n| n.parse::<u32>().ok())).max().unwrap_or(0);
    for row in input.rows_added {
        let title = row.title.trim().to_owned();
        let allowed = if row.catalogue.is_some() { catalogue_ok } else { free_ok };
        if !allowed {
            problems.push(cell_problem(
                row.code.as_deref(),
                None,
                format!("Biểu mẫu {} không cho phép thêm dòng{}.", form.code, if row.catalogue.is_some() { " từ danh mục" } else { " tự nhập" }),
                format!("Form {} does not allow adding {} rows.", form.code, if row.catalogue.is_some() { "catalogue" } else { "free-text" }),
            ));
            continue;
        }
        if title.is_empty() || title.chars().count() > 500 {
            problems.push(cell_problem(
                row.code.as_deref(),
                None,
                "Tên chỉ tiêu của dòng thêm không được để trống (tối đa 500 ký tự).",
                "An added row needs a title (up to 500 characters).",
            ));
            continue;
        }
        if let Some(c) = &row.catalogue
            && !catalogue.contains(c)
        {
            let name = form.catalogue.as_deref().unwrap_or_default();
            problems.push(cell_problem(
                None,
                None,
                format!("Mã \"{c}\" không có trong danh mục {name}."),
                format!("The code \"{c}\" is not in the catalogue {name}."),
            ));
            continue;
        }
        if let Some(c) = &row.catalogue
            && rows_added.iter().any(|r| r.catalogue.as_ref() == Some(c))
        {
            problems.push(cell_problem(None, None, format!("Dòng \"{title}\" đã có trong biểu mẫu."), format!("Row \"{title}\" is already in the form.")));
            continue;
        }
        let code = match row.code {
            Some(code) if form.rows.iter().any(|r| r.code == code) || rows_added.iter().any(|r| r.code == code) => {
                problems.push(cell_problem(Some(&code), None, format!("Mã dòng \"{code}\" đã tồn tại."), format!("Row code \"{code}\" already exists.")));
                continue;
            }
            Some(code) if !code.is_empty() && code.len() <= 40 && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) => code,
            Some(code) => {
                problems.push(cell_problem(
                    Some(&code),
                    None,
                    "Mã dòng chỉ gồm chữ, số, '-', '_', '.'.",
                    "A row code has letters, digits, '-', '_', '.' only.",
                ));
                continue;
            }
            None => {
                next += 1;
                format!("x{next}")
            }
        };
        rows_added.push(AddedRow { code, title, catalogue: row.catalogue });
    }
    // Cells: merged over the stored ones.
    let columns: HashMap<&str, &regime_abi::Column> = form.columns.iter().map(|c| (c.code.as_str(), c)).collect();
    let row_known = |code: &str| form.rows.iter().any(|r| r.code == code) || rows_added.iter().any(|r| r.code == code);
    let mut cells: Vec<ReportCell> = report.cells.iter().filter(|c| !input.rows_removed.contains(&c.row)).cloned().collect();
    for cell in input.cells {
        let Some(col) = columns.get(cell.col.as_str()) else {
            problems.push(cell_problem(
                Some(&cell.row),
                Some(&cell.col),
                format!("Biểu mẫu không có cột \"{}\".", cell.col),
                format!("The form has no column \"{}\".", cell.col),
            ));
            continue;
        };
        if !row_known(&cell.row) {
            problems.push(cell_problem(
                Some(&cell.row),
                Some(&cell.col),
                format!("Biểu mẫu không có dòng \"{}\".", cell.row),
                format!("The form has no row \"{}\".", cell.row),
            ));
            continue;
        }
        let value = normalise(cell.value, col.cell_type);
        if let Some(problem) = out_of_bounds(&cell.row, col, &value) {
            problems.push(problem);
            continue;
        }
        let stored = cells.iter().position(|c| c.row == cell.row && c.col == cell.col);
        let unchanged = stored.map_or(value.is_null(), |i| cells[i].value == value);
        if unchanged {
            continue;
        }
        if col.formula.is_some() {
            // Computed cells are read-only; the regime recomputes them anyway.
            continue;
        }
        if !writer.may_fill(col) {
            let (vi, en) = writer.refusal(col);
            problems.push(cell_problem(Some(&cell.row), Some(&cell.col), capitalise(&vi), capitalise(&en)));
            continue;
        }
        match stored {
            Some(i) => cells[i].value = value,
            None => cells.push(ReportCell { row: cell.row, col: cell.col, value }),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidCells(problems));
    }
    cells.retain(|c| !c.value.is_null());
    Ok(NewContent { expected_version: input.version, cells, rows_added })
}

// ------------------------------------------------------------- narrative ---

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SectionInput {
    pub version: i32,
    /// Formatted text; sanitised on the server.
    pub html: String,
}

/// Saves one section of a narrative report, after sanitising its HTML.
pub async fn save_section(state: &AppState, who: &Principal, id: i64, section: &str, input: SectionInput) -> Result<ReportRow, AppError> {
    let report = for_write(state, who, id).await?;
    let grant = state.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await?;
    let entry = plugin_of(state, &report).await?;
    let Some(Template::Narrative(outline)) = template(&entry.plugin, &report.form) else {
        return Err(invalid("form", "not_narrative", "Báo cáo này không phải báo cáo thuyết minh.", "This report is not a narrative report."));
    };
    if !outline.sections.iter().any(|s| s.code == section) {
        return Err(invalid(
            "section",
            "unknown_section",
            format!("Đề cương không có mục \"{section}\"."),
            format!("The outline has no section \"{section}\"."),
        ));
    }
    if input.html.len() > 512 * 1024 {
        return Err(AppError::PayloadTooLarge);
    }
    let clean = crate::sanitize::html(&input.html);
    let edit = baocao_storage::SectionEdit { expected_version: input.version, section, html: &clean };
    Ok(state.store.save_report_section(&grant, &who.actor(), id, edit, today()).await?)
}

// -------------------------------------------------------------- workflow ---

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TransitionInput {
    /// submit, approve, reject, send, accept, request_correction, approve_correction, reopen
    pub action: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// For approve: the official (a sender of the unit) to forward to.
    #[serde(default)]
    pub forward_to: Option<i64>,
}

pub async fn transition(state: &AppState, who: &Principal, id: i64, input: TransitionInput) -> Result<ReportRow, AppError> {
    let Some(action) = Action::parse(&input.action) else {
        return Err(invalid(
            "action",
            "unknown_action",
            format!("Thao tác \"{}\" không tồn tại.", input.action),
            format!("There is no action \"{}\".", input.action),
        ));
    };
    let report = for_write(state, who, id).await?;
    let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(invalid("comment", "too_long", "Ý kiến tối đa 2000 ký tự.", "A comment has at most 2000 characters."));
    }
    // Which move, and whose, before whether the comment is there: an actor
    // who may not act at all is told so first.
    let step = step_for(report.status, action, Some("-")).map_err(|r| AppError::Conflict(Invalid::new("action", "transition_not_allowed", r.text())))?;
    let at = if step.role.at_receiver() { &report.receiver_path } else { &report.unit_path };
    let grant = state.authz.check_role(who.user.id, step.role, at).await?;
    let step = step_for(report.status, action, comment).map_err(|r| AppError::Invalid(vec![Invalid::new("comment", "comment_required", r.text())]))?;
    if action == Action::Submit && report.kind == ReportKind::Numeric && report.cells.is_empty() {
        return Err(invalid("action", "empty_report", "Báo cáo chưa có số liệu, chưa thể trình.", "The report has no data yet and cannot be submitted."));
    }
    let senders = state.authz.holders(Role::Send, &report.unit_path).await;
    let forward_to = match (action, input.forward_to) {
        (Action::Approve, Some(u)) if senders.contains(&UserId(u)) => Some(UserId(u)),
        (Action::Approve, Some(_)) => {
            return Err(invalid(
                "forward_to",
                "not_a_sender",
                "Người được chuyển phải là văn thư gửi báo cáo của đơn vị.",
                "Forward to one of the unit's senders.",
            ));
        }
        _ => None,
    };
    let Notify::Role(role) = step.notify;
    let recipients = match (action, forward_to) {
        (Action::Approve, Some(u)) => vec![u],
        _ if role.at_receiver() => state.authz.holders(role, &report.receiver_path).await,
        _ => state.authz.holders(role, &report.unit_path).await,
    };
    let acting_unit = state.store.unit_for_check(grant.unit()).await?;
    let unit = state.store.unit_for_check(report.unit_id).await?;
    let title = report_title(&report.form, &report.period, &unit);
    let mut text = message(&title, &action.past(), who, &acting_unit);
    if let Some(c) = comment {
        text = Text::new(format!("{}. Ý kiến: {c}", text.vi), format!("{}. Comment: {c}", text.en));
    }
    let draft = NotificationDraft {
        users: recipients.clone(),
        kind: action.as_str().to_owned(),
        text: Some(text),
        sender: Some(who.user.id),
        sender_unit: Some(acting_unit.id),
    };
    let saved = state.store.transition(&grant, &who.actor(), id, baocao_storage::Move { step, comment, forward_to }, &draft).await?;
    announce(state, recipients).await;
    Ok(saved)
}

/// Users who may receive a leader's forward: the senders of the report's unit.
pub async fn senders(state: &AppState, report: &ReportRow) -> Result<Vec<(UserId, String)>, AppError> {
    let mut out = Vec::new();
    for id in state.authz.holders(Role::Send, &report.unit_path).await {
        if let Ok(user) = state.store.user_by_id(id).await {
            out.push((id, user.full_name.as_str().to_owned()));
        }
    }
    Ok(out)
}

// ----------------------------------------------------------- attachments ---

/// File types accepted as attachments, by extension, with the content type
/// served back and the leading bytes the file must start with (when the
/// format has a signature), so a renamed executable is refused.
const ATTACHMENT_TYPES: &[(&str, &str, &[u8])] = &[
    ("pdf", "application/pdf", b"%PDF"),
    ("png", "image/png", b"\x89PNG"),
    ("jpg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ("xlsx", crate::xlsx::CONTENT_TYPE, b"PK\x03\x04"),
    ("odt", "application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04"),
    ("zip", "application/zip", b"PK\x03\x04"),
    ("doc", "application/msword", b"\xD0\xCF\x11\xE0"),
    ("xls", "application/vnd.ms-excel", b"\xD0\xCF\x11\xE0"),
    ("txt", "text/plain; charset=utf-8", b""),
];

fn attachment_type(name: &str, bytes: &[u8]) -> Result<&'static str, AppError> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let allowed = ATTACHMENT_TYPES.iter().map(|(e, _, _)| *e).collect::<Vec<_>>().join(", ");
    let Some((_, content_type, magic)) = ATTACHMENT_TYPES.iter().find(|(e, _, _)| *e == ext) else {
        return Err(invalid(
            "file",
            "file_type",
            format!("Loại tập tin \".{ext}\" không được phép. Các loại được phép: {allowed}."),
            format!("Files of type \".{ext}\" are not accepted. Accepted: {allowed}."),
        ));
    };
    let text_ok = ext != "txt" || std::str::from_utf8(bytes).is_ok();
    if !bytes.starts_with(magic) || !text_ok {
        return Err(invalid(
            "file",
            "file_content",
            format!("Nội dung tập tin không đúng định dạng .{ext}."),
            format!("The file's content is not a .{ext} file."),
        ));
    }
    Ok(content_type)
}

fn clean_file_name(raw: &str) -> Result<String, AppError> {
    // Keep the last path component and drop control characters and quotes.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    // Bidirectional controls (U+202E "right-to-left override" and kin) make
    // "hoadon\u{202E}fdp.exe" display as "hoadonexe.pdf": they go too.
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}');
    let name: String = base.chars().filter(|c| !c.is_control() && !bidi(*c) && !matches!(c, '"' | '<' | '>')).collect::<String>().trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.starts_with('.') {
        return Err(invalid("name", "file_name", "Tên tập tin không hợp lệ.", "The file name is not valid."));
    }
    Ok(name)
}

pub async fn add_attachment(state: &AppState, who: &Principal, id: i64, name: &str, bytes: &[u8]) -> Result<baocao_storage::Attachment, AppError> {
    let report = for_write(state, who, id).await?;
    let grant = state.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await?;
    let max = state.settings.reports.max_attachment_bytes;
    if bytes.len() > max {
        return Err(AppError::PayloadTooLarge);
    }
    if bytes.is_empty() {
        return Err(invalid("file", "empty_file", "Tập tin rỗng.", "The file is empty."));
    }
    let name = clean_file_name(name)?;
    let content_type = attachment_type(&name, bytes)?;
    if !report.status.editable() {
        return Err(AppError::Conflict(Invalid::new(
            "status",
            "not_editable",
            Text::fixed(
                "Báo cáo đã trình hoặc đã gửi nên không thể thay đổi tập tin đính kèm.",
                "The report was submitted or sent; its attachments cannot change.",
            ),
        )));
    }
    use sha2::Digest;
    let sha256 = hex::encode(sha2::Sha256::digest(bytes));
    let key = format!("{}/{}-{}", report.id, Utc::now().timestamp_nanos_opt().unwrap_or_default(), &sha256[..16]);
    let path = state.settings.reports.attachments_dir.join(&key);
    let tmp = path.with_extension("part");
    let data = bytes.to_vec();
    // Write aside, then rename: a crash never leaves a half file under the final name.
    let written = {
        let (path, tmp) = (path.clone(), tmp.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&tmp, &data)?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    };
    written.map_err(|e| AppError::Internal(format!("writing attachment: {e}")))?;
    let new = baocao_storage::NewAttachment { file_name: name, content_type: content_type.to_owned(), size: bytes.len() as i64, sha256, storage_key: key };
    match state.store.add_attachment(&grant, &who.actor(), id, new).await {
        Ok(saved) => Ok(saved),
        Err(error) => {
            // The row was not stored: the bytes must not linger.
            let _ = tokio::fs::remove_file(&path).await;
            Err(error.into())
        }
    }
}

pub async fn read_attachment(state: &AppState, who: &Principal, id: i64, attachment: i64) -> Result<(baocao_storage::Attachment, Vec<u8>), AppError> {
    let s = scopes(state, who).await?;
    let meta = state.store.attachment(&s.read, &s.check, id, attachment).await?;
    let bytes = tokio::fs::read(state.settings.reports.attachments_dir.join(&meta.storage_key))
        .await
        .map_err(|e| AppError::Internal(format!("reading attachment {}: {e}", meta.id)))?;
    Ok((meta, bytes))
}

pub async fn delete_attachment(state: &AppState, who: &Principal, id: i64, attachment: i64) -> Result<(), AppError> {
    let report = for_write(state, who, id).await?;
    let grant = state.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await?;
    let removed = state.store.delete_attachment(&grant, &who.actor(), id, attachment).await?;
    if let Err(error) = tokio::fs::remove_file(state.settings.reports.attachments_dir.join(&removed.storage_key)).await {
        tracing::warn!(%error, attachment, "attachment row removed but its file could not be deleted");
    }
    Ok(())
}

/// A download: the stored type, and a file name browsers will not run.
pub fn file_response(meta: &baocao_storage::Attachment, bytes: Vec<u8>) -> actix_web::HttpResponse {
    let ascii: String = meta.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let encoded: String = meta
        .file_name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    actix_web::HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, meta.content_type.clone()))
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes)
}

// ------------------------------------------------------------- receivers ---

/// Sets which unit receives a unit's reports (for one regime or every regime).
///
/// Both ends must be where the caller may configure: a district administrator
/// can neither send a commune's reports to a provincial department nor make a
/// commune the receiver of the district's own reports (reports go up or
/// sideways, never down into the sender's own subtree).
pub async fn set_receiver(state: &AppState, who: &Principal, unit: UnitId, regime: &str, receiver: UnitId) -> Result<(), AppError> {
    let target = crate::admin::visible_unit(state, who, unit).await?;
    let grant = state.authz.check::<baocao_authz::perms::ConfigureReceivers>(who.user.id, &target.path).await?;
    let receiving = crate::admin::visible_unit(state, who, receiver).await?;
    state.authz.check::<baocao_authz::perms::ConfigureReceivers>(who.user.id, &receiving.path).await?;
    if receiving.id != target.id && receiving.path.is_within(&target.path) {
        return Err(AppError::Refused(Invalid::new(
            "receiver",
            "receiver_below_sender",
            Text::fixed(
                "Đơn vị nhận báo cáo không được là đơn vị trực thuộc của đơn vị gửi.",
                "The receiving unit cannot be one of the sending unit's own subordinate units.",
            ),
        )));
    }
    let regime = regime.trim();
    if regime.is_empty() || regime.len() > 64 {
        return Err(invalid("regime", "required", "Hãy chọn chế độ báo cáo (hoặc \"*\" cho mọi chế độ).", "Pick a regime (or \"*\" for every regime)."));
    }
    Ok(state.store.set_receiver(&grant, regime, receiver).await?)
}

// ----------------------------------------------------------- aggregation ---

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
pub async fn aggregate(state: &AppState, who: &Principal, id: i64, dry_run: bool) -> Result<Aggregation, AppError> {
    let report = get(state, who, id).await?;
    let grant = state.authz.check_role(who.user.id, Role::Aggregate, &report.unit_path).await?;
    let candidates = state.store.aggregation_candidates(&grant, &report).await?;
    let (included, missing): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|r| r.status == baocao_domain::report::Status::Accepted);
    if dry_run {
        return Ok(Aggregation { report, included, missing });
    }
    let entry = plugin_of(state, &report).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &report.form) else {
        return Err(invalid("form", "not_numeric", "Chỉ tổng hợp được biểu mẫu số liệu.", "Only numeric forms are aggregated."));
    };
    if included.is_empty() {
        return Err(invalid(
            "report",
            "nothing_to_aggregate",
            "Chưa có báo cáo nào của đơn vị cấp dưới được duyệt để tổng hợp.",
            "No report of a lower unit has been accepted yet.",
        ));
    }
    let started = std::time::Instant::now();
    let inputs = state.store.aggregation_inputs(&grant, &report, crate::aggregate::copies_text(&form)).await?;
    let loaded = started.elapsed();
    let names = state.store.unit_names(&inputs.iter().map(|r| r.unit_id).collect::<Vec<_>>()).await?;
    let sources: Vec<crate::aggregate::Source<'_>> = inputs
        .iter()
        .map(|r| crate::aggregate::Source {
            unit: r.unit_id,
            unit_name: names.get(&r.unit_id).map(String::as_str).unwrap_or(""),
            numbers: &r.numbers,
            cells: &r.cells,
            rows_added: &r.rows_added,
        })
        .collect();
    let mut combined = crate::aggregate::combine(&form, &sources);
    let combined_at = started.elapsed();
    // Columns the receiver fills itself keep what it entered.
    let own: Vec<&str> =
        form.columns.iter().filter(|c| c.formula.is_none() && c.aggregate == Some(regime_abi::Aggregate::None)).map(|c| c.code.as_str()).collect();
    combined.cells.extend(report.cells.iter().filter(|c| own.contains(&c.col.as_str())).cloned());
    let (cells, errors) = run_regime(state, &entry.plugin, &form.code, &combined.cells).await?;
    if !errors.is_empty() {
        return Err(AppError::InvalidCells(errors));
    }
    // What was read is what is recorded: the versions of the inputs, not of the earlier listing.
    let refs: Vec<baocao_storage::SourceRef> =
        inputs.iter().map(|r| baocao_storage::SourceRef { source_id: r.id, version: r.version, unit_id: r.unit_id }).collect();
    let content = NewContent { expected_version: report.version, cells, rows_added: combined.rows_added };
    let computed_at = started.elapsed();
    let saved = state.store.store_aggregate(&grant, &who.actor(), id, content, &refs, today()).await?;
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
        .map(|r| baocao_storage::Candidate { id: r.id, unit_id: r.unit_id, version: r.version, status: baocao_domain::report::Status::Accepted })
        .collect();
    Ok(Aggregation { report: saved, included, missing })
}

/// Whether a report is an aggregate, of how many reports, and whether one of
/// them changed (a correction) or was accepted since.
pub struct AggregateState {
    pub sources: usize,
    pub outdated: bool,
}

pub async fn aggregate_state(state: &AppState, who: &Principal, report: &ReportRow) -> Result<Option<AggregateState>, AppError> {
    let s = scopes(state, who).await?;
    let sources = state.store.aggregate_sources(&s.read, &s.check, report.id).await?;
    if sources.is_empty() {
        return Ok(None);
    }
    let accepted = state.store.accepted_sources(&s.read, &s.check, report).await?;
    let recorded: HashMap<i64, i32> = sources.iter().map(|s| (s.source_id, s.version)).collect();
    let outdated = accepted.len() != recorded.len() || accepted.iter().any(|(id, version)| recorded.get(id) != Some(version));
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
    pub value: serde_json::Value,
}

pub async fn cell_sources(state: &AppState, who: &Principal, id: i64, row: &str, col: &str) -> Result<Vec<CellSource>, AppError> {
    let report = get(state, who, id).await?;
    let s = scopes(state, who).await?;
    let refs = state.store.aggregate_sources(&s.read, &s.check, id).await?;
    let Template::Numeric(form) = template_of(state, &report).await? else {
        return Err(AppError::NotFound("form"));
    };
    if !form.columns.iter().any(|c| c.code == col) {
        return Err(invalid("col", "unknown_column", format!("Biểu mẫu không có cột \"{col}\"."), format!("The form has no column \"{col}\".")));
    }
    let reports = state.store.source_reports(&refs).await?;
    let names = state.store.unit_names(&refs.iter().map(|r| r.unit_id).collect::<Vec<_>>()).await?;
    let mut out = Vec::new();
    for r in refs {
        let Some(source) = reports.iter().find(|x| x.id == r.source_id) else { continue };
        let name = names.get(&r.unit_id).cloned().unwrap_or_default();
        let none = baocao_storage::NumberGrid::default();
        let view = crate::aggregate::Source { unit: r.unit_id, unit_name: &name, numbers: &none, cells: &source.cells, rows_added: &source.rows_added };
        let rows = crate::aggregate::source_rows(&form, &view, row);
        if rows.is_empty() {
            continue;
        }
        let values: Vec<&serde_json::Value> = source.cells.iter().filter(|c| c.col == col && rows.contains(&c.row)).map(|c| &c.value).collect();
        let value = match values.as_slice() {
            [] => serde_json::Value::Null,
            [one] => (*one).clone(),
            many => serde_json::Number::from_f64(many.iter().filter_map(|v| v.as_f64()).sum()).map_or(serde_json::Value::Null, serde_json::Value::Number),
        };
        out.push(CellSource { unit: r.unit_id, unit_name: name, report_id: r.source_id, version: r.version, current_version: source.version, value });
    }
    Ok(out)
}

// ---------------------------------------------------------- excel import ---

/// One cell an import changes.
pub struct CellChange {
    pub row: String,
    pub col: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Reads a filled workbook into a report: every refusal names the sheet, row
/// and column and changes nothing; a dry run shows what would change; else
/// the cells go through the same checks, recompute and validation as typing.
pub async fn import_xlsx(
    state: &AppState,
    who: &Principal,
    id: i64,
    bytes: &[u8],
    params: &crate::xlsx::ImportParams,
    dry_run: bool,
) -> Result<(ReportRow, Vec<CellChange>), AppError> {
    let report = get(state, who, id).await?;
    let entry = plugin_of(state, &report).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &report.form) else {
        return Err(invalid("form", "not_numeric", "Chỉ nhập Excel cho biểu mẫu số liệu.", "Only numeric forms are imported from Excel."));
    };
    // A sent report is imported by its appraiser (the appraisal columns only); the
    // unit's own import of it goes the entry way and is told it is no longer editable.
    let appraiser = report.status == Status::Sent && state.authz.check_role(who.user.id, Role::Check, &report.receiver_path).await.is_ok();
    let writing = if appraiser { Writing::Appraisal } else { Writing::Entry };
    let (_, writer) = writer(state, who, &report, &form, writing).await?;
    let data = bytes.to_vec();
    let form_for_read = (*form).clone();
    let report_for_read = report.clone();
    let params = params.clone();
    let limits = state.import_limits();
    // A few imports at a time, each waiting no longer than one may take.
    let permit = tokio::time::timeout(Duration::from_secs(limits.max_seconds), state.imports.clone().acquire_owned())
        .await
        .map_err(|_| AppError::Unavailable("every import slot stayed busy".into()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Parsing a workbook is CPU work: the blocking pool, not an async worker.
    let cells = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        crate::xlsx::read(&data, &form_for_read, &report_for_read, &params, &writer, limits)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| match e {
        crate::xlsx::ReadError::Problems(p) => AppError::InvalidCells(p),
        crate::xlsx::ReadError::Limit(refusal) => AppError::ImportLimit(refusal),
    })?;
    let input = DataInput { version: report.version, cells, rows_added: Vec::new(), rows_removed: Vec::new() };
    let preview = recompute(state, who, id, input, writing).await?;
    if !preview.errors.is_empty() {
        return Err(AppError::InvalidCells(preview.errors));
    }
    let before: HashMap<(&str, &str), &serde_json::Value> = report.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    let after: HashMap<(&str, &str), &serde_json::Value> = preview.content.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    let mut keys: Vec<(&str, &str)> = before.keys().chain(after.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let null = serde_json::Value::Null;
    let value = |map: &HashMap<(&str, &str), &serde_json::Value>, k: &(&str, &str)| map.get(k).copied().unwrap_or(&null).clone();
    let changes: Vec<CellChange> = keys
        .into_iter()
        .filter(|k| !same_value(&value(&before, k), &value(&after, k)))
        .map(|k| CellChange { row: k.0.to_owned(), col: k.1.to_owned(), before: value(&before, &k), after: value(&after, &k) })
        .collect();
    if dry_run || changes.is_empty() {
        return Ok((report, changes));
    }
    let saved = store(state, who, id, preview, writing).await?;
    Ok((saved, changes))
}
