//! The contract between baocao and its regime plugins, defined once and
//! used by both sides: the host (`platform/plugins`) and every plugin (through
//! `plugins/sdk`).
//!
//! # Wire ABI, major version 1
//!
//! A plugin is a core WebAssembly module with **no imports** (the host grants
//! no capability: no clock, randomness, file system or network) that exports:
//!
//! | export | signature | meaning |
//! |---|---|---|
//! | `memory` | memory | the module's linear memory |
//! | `baocao_abi_major` | `() -> i32` | [`ABI_MAJOR`]; the host refuses other majors before any other call |
//! | `baocao_alloc` | `(len: i32) -> i32` | a buffer of `len` bytes for the host to write the input into |
//! | `baocao_free` | `(ptr: i32, len: i32)` | releases a buffer returned by `baocao_alloc` or `baocao_call` |
//! | `baocao_call` | `(function: i32, ptr: i32, len: i32) -> i64` | runs [`Function`] on the JSON input at `ptr..ptr+len`; returns `(out_ptr << 32) \| out_len` of a JSON [`Reply`] |
//!
//! Input and output are UTF-8 JSON of the types below. Every call runs with a
//! fuel budget, a wall-clock deadline and a memory cap set by the host.

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of the exports or of the JSON types.
pub const ABI_MAJOR: u32 = 1;
/// Bumped on compatible additions (new optional fields, new functions).
/// 1.1 added `Function::Score`, `Form::scoring`, `Form::groups_sum_children`,
/// the `linear` and `ratio` formulas and `Column::aggregate`.
/// 1.2 added `Function::Check` (compute and validate in one call) and
/// `Form::computed_rows` (the manifest states which rows the regime computes).
/// 1.3 added `Form::unit_levels` and `Form::tenants` (which units enter a form).
pub const ABI_MINOR: u32 = 3;

/// What `baocao_call` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Function {
    /// `()` → [`Manifest`]
    Manifest = 0,
    /// [`FormData`] → [`FormData`] with every formula and total cell filled.
    Compute = 1,
    /// [`FormData`] → `Vec<`[`CellError`]`>` (empty when valid).
    Validate = 2,
    /// [`ScheduleRequest`] → `Vec<`[`PeriodWindow`]`>`.
    Schedule = 3,
    /// [`ScoreRequest`] → `Vec<`[`UnitScore`]`>`, ranked (since 1.1; scoring regimes).
    Score = 4,
    /// [`FormData`] → [`Checked`]: `compute`, then `validate` of the result,
    /// in one instance and one round trip (since 1.2).
    Check = 5,
}

impl Function {
    pub fn from_i32(v: i32) -> Option<Self> {
        match v {
            0 => Some(Function::Manifest),
            1 => Some(Function::Compute),
            2 => Some(Function::Validate),
            3 => Some(Function::Schedule),
            4 => Some(Function::Score),
            5 => Some(Function::Check),
            _ => None,
        }
    }
}

/// Every answer of a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reply<T> {
    Ok(T),
    /// The plugin refused the input; the text is for the log and the user.
    Error(String),
}

/// A text in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Text { vi: vi.into(), en: en.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AbiVersion {
    pub major: u32,
    pub minor: u32,
}

/// How often a regime reports (Decree 09/2019, Art. 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    Month,
    Quarter,
    /// Six months: 15/12 → 14/06 and 15/06 → 14/12.
    HalfYear,
    /// Nine months (local regimes): 15/12 → 14/09.
    NineMonths,
    Year,
}

/// A regime version as the plugin declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Manifest {
    pub abi: AbiVersion,
    /// Stable code of the regime, e.g. `TT01-IV` (letters, digits, '-', '_', '.').
    pub code: String,
    pub name: Text,
    /// The regime's own version; a report keeps the version it was created under.
    pub version: u32,
    /// yyyy-MM-dd: the version applies to periods that start on or after this day.
    pub effective_from: String,
    /// The legal text, e.g. "Thông tư 01/2020/TT-VPCP, Điều 12".
    pub legal_basis: String,
    pub periods: Vec<PeriodType>,
    /// Unit levels that report under this regime (e.g. "bo", "tinh", "xa").
    pub reporting_levels: Vec<String>,
    /// Whom the reports go to, in words; the chain itself comes from the unit tree.
    pub receiver: Text,
    /// Deadlines, per level of the reporting chain when they differ.
    pub deadlines: Vec<Deadline>,
    pub forms: Vec<Form>,
    pub outlines: Vec<Outline>,
    /// Named catalogues the forms pick rows from, served by the platform.
    pub catalogues: Vec<String>,
}

/// When a level must have sent its report: `days_after_cutoff` days after
/// the last day of the data window (the 14th).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Deadline {
    /// A unit level, or "*" for every level.
    pub level: String,
    pub days_after_cutoff: u32,
}

/// A numeric form (biểu mẫu số liệu).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Form {
    /// e.g. `IV.02a/VPCP/KSTT`.
    pub code: String,
    pub title: Text,
    /// e.g. "Đơn vị tính: Đơn vị".
    pub unit_of_measure: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// How rows beyond the fixed ones may be added.
    pub row_modes: Vec<RowMode>,
    /// For catalogue rows: which catalogue.
    pub catalogue: Option<String>,
    /// Handled outside the system (e.g. I.04, state secrets): shown, never filled.
    pub outside_system: bool,
    /// Relations the form must satisfy, checked by `validate`.
    pub rules: Vec<Rule>,
    /// Where the column layout comes from when the public texts do not give it.
    pub provenance: Option<String>,
    /// Rows that have deeper rows under them hold the sum of those (criteria
    /// groups of a scoring form, hierarchical indicators). Since 1.1.
    #[serde(default)]
    pub groups_sum_children: bool,
    /// For scoring regimes: which columns hold the maximum, the self-assessed
    /// and the appraised score. Since 1.1.
    #[serde(default)]
    pub scoring: Option<Scoring>,
    /// The codes of the rows the regime computes rather than the unit enters
    /// (the total, groups that sum their children). Since 1.2; for an older
    /// manifest they are inferred the way 1.1 regimes compute them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed_rows: Option<Vec<String>>,
    /// The unit levels that enter this form (a subset of the regime's
    /// `reporting_levels`); empty: every reporting level. Since 1.3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_levels: Vec<String>,
    /// Tenant codes the form is limited to (Bộ Tư pháp's appraisal form);
    /// empty: every tenant using the regime. Since 1.3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
}

impl Form {
    /// Whether a 1.1 regime computes row `i`: the total row, or with
    /// `groups_sum_children` a row that has deeper rows right under it.
    fn inferred_at(&self, i: usize) -> bool {
        let Some(row) = self.rows.get(i) else { return false };
        let group = |next: &Row| !next.total && next.level > row.level;
        row.total || (self.groups_sum_children && self.rows.get(i + 1).is_some_and(group))
    }

    /// The rows a 1.1 regime computes, by code.
    pub fn inferred_computed_rows(&self) -> Vec<String> {
        (0..self.rows.len()).filter(|i| self.inferred_at(*i)).map(|i| self.rows[i].code.clone()).collect()
    }

    /// Whether the regime computes the form's row `i`: as the manifest states it, else inferred.
    pub fn computes_row_at(&self, i: usize) -> bool {
        match (&self.computed_rows, self.rows.get(i)) {
            (Some(rows), Some(row)) => rows.iter().any(|r| *r == row.code),
            (None, _) => self.inferred_at(i),
            (_, None) => false,
        }
    }

    /// Whether the regime fills column `code` itself, so nobody enters it: a
    /// formula column, or a scoring form's maximum (set per criterion).
    pub fn computes_column(&self, code: &str) -> bool {
        let formula = self.columns.iter().any(|c| c.code == code && c.formula.is_some());
        formula || self.scoring.as_ref().is_some_and(|s| s.max_column == code)
    }

    /// Whether a unit at `level` of the tenant `tenant` enters this form:
    /// the form names the level (or no level) and the tenant (or none).
    pub fn entered_at(&self, level: &str, tenant: &str) -> bool {
        let level_ok = self.unit_levels.is_empty() || self.unit_levels.iter().any(|l| l == level);
        level_ok && (self.tenants.is_empty() || self.tenants.iter().any(|t| t == tenant))
    }

    /// Whether the regime computes the row `code`.
    pub fn computes_row(&self, code: &str) -> bool {
        self.rows.iter().position(|r| r.code == code).is_some_and(|i| self.computes_row_at(i))
    }
}

/// What `check` answers: the cells with every formula and total filled, and
/// what validation says of them (empty when valid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Checked {
    pub data: FormData,
    pub errors: Vec<CellError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Scoring {
    pub max_column: String,
    pub self_column: String,
    pub appraised_column: String,
}

/// The forms of several units to score and rank against each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScoreRequest {
    pub form: String,
    pub units: Vec<UnitData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnitData {
    pub unit: String,
    pub cells: Vec<Cell>,
}

/// A unit's totals and its rank (1 is best; ties share a rank).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnitScore {
    pub unit: String,
    pub self_score: f64,
    /// None until the appraiser has scored every criterion the unit scored.
    pub appraised_score: Option<f64>,
    /// The appraised total when there is one, else the self-assessed total.
    pub final_score: f64,
    pub rank: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CellType {
    Integer,
    Decimal,
    Percent,
    Text,
    Date,
}

/// How a computed column is derived from the others of the same row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Formula {
    /// The sum of the named columns.
    Sum { of: Vec<String> },
    /// numerator / denominator × 100, empty when the denominator is 0.
    Percent { numerator: String, denominator: String },
    /// Σ coefficient × column, e.g. (3) + (4) − (5). Since 1.1.
    Linear { terms: Vec<Term> },
    /// (Σ numerator) / (Σ denominator) × 100, empty when the denominator is 0. Since 1.1.
    Ratio { numerator: Vec<String>, denominator: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Term {
    pub col: String,
    pub coefficient: f64,
}

impl Formula {
    /// The handbook's notation, e.g. "(3) + (4) − (5)" or "((9) + (10)) / (6) × 100",
    /// given how to print a column code (its number in parentheses).
    pub fn notation(&self, column: impl Fn(&str) -> String) -> String {
        let joined = |cols: &[String]| cols.iter().map(|c| column(c)).collect::<Vec<_>>().join(" + ");
        let grouped = |cols: &[String]| {
            if cols.len() > 1 { format!("({})", joined(cols)) } else { joined(cols) }
        };
        match self {
            Formula::Sum { of } => joined(of),
            Formula::Percent { numerator, denominator } => {
                format!("{} / {} × 100", column(numerator), column(denominator))
            }
            Formula::Linear { terms } => {
                let mut out = String::new();
                for (i, t) in terms.iter().enumerate() {
                    let sign = if t.coefficient < 0.0 { "−" } else { "+" };
                    let magnitude = t.coefficient.abs();
                    let factor = if magnitude == 1.0 { String::new() } else { format!("{magnitude} × ") };
                    if i == 0 {
                        out.push_str(&format!(
                            "{}{factor}{}",
                            if t.coefficient < 0.0 { "−" } else { "" },
                            column(&t.col)
                        ));
                    } else {
                        out.push_str(&format!(" {sign} {factor}{}", column(&t.col)));
                    }
                }
                out
            }
            Formula::Ratio { numerator, denominator } => {
                format!("{} / {} × 100", grouped(numerator), grouped(denominator))
            }
        }
    }

    /// The columns the formula reads.
    pub fn inputs(&self) -> Vec<&String> {
        match self {
            Formula::Sum { of } => of.iter().collect(),
            Formula::Percent { numerator, denominator } => vec![numerator, denominator],
            Formula::Linear { terms } => terms.iter().map(|t| &t.col).collect(),
            Formula::Ratio { numerator, denominator } => numerator.iter().chain(denominator).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Column {
    /// Stable code used in the API and the data, e.g. "c3".
    pub code: String,
    /// The printed column number (1, 2, 3 …).
    pub number: u32,
    /// Multi-level header, outermost first, e.g. ["Số đơn vị gửi, nhận văn bản điện tử", "Tổng số"].
    pub header: Vec<String>,
    #[serde(rename = "type")]
    pub cell_type: CellType,
    pub formula: Option<Formula>,
    /// Groups allowed to fill this column; empty means whoever enters data.
    pub fill_groups: Vec<String>,
    /// How the receiver's report combines this column of its senders'
    /// reports; `None` means the default: numbers add up, text is listed per
    /// unit, formula columns are recomputed. Since 1.1.
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
    /// The smallest and the largest number the column accepts (entered or
    /// computed); when absent, the platform's bounds for the cell type apply.
    /// Optional, so manifests without them stay valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// How lower units' values of a column combine in the receiver's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// The sum over the units (counts, amounts).
    Sum,
    /// How many units gave a value.
    Count,
    /// The mean over the units that gave a value (scores).
    Mean,
    /// Each unit's value kept in a row of its own (free text, details).
    CopyPerUnit,
    /// Not aggregated: the receiver fills it itself.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RowMode {
    /// Rows written in the form; values are typed straight in.
    Fixed,
    /// Rows added by picking indicators from the form's catalogue.
    Catalogue,
    /// Rows added with a free-text indicator.
    FreeText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Row {
    pub code: String,
    /// The printed label: "I", "II", "1", "2", "a" …
    pub label: String,
    pub title: String,
    /// Depth in the row hierarchy, 0 for the top.
    pub level: u8,
    pub mode: RowMode,
    /// The computed "TỔNG CỘNG" row: the sum of every other top-level row.
    pub total: bool,
}

/// A relation among columns of every row: `left = sum(right)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rule {
    pub left: String,
    pub right: Vec<String>,
    /// How the handbook states it, e.g. "(3) = (4) + (5) + (6)".
    pub text: String,
}

/// A narrative outline (đề cương): its table of contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outline {
    pub code: String,
    pub title: Text,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Section {
    pub code: String,
    pub label: String,
    pub title: String,
    pub guidance: String,
    pub level: u8,
}

/// One cell: row and column codes of the form, and a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Cell {
    pub row: String,
    pub col: String,
    pub value: serde_json::Value,
}

/// A form's content, as entered or as computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FormData {
    pub form: String,
    pub cells: Vec<Cell>,
}

/// A cell-addressed problem found by `validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CellError {
    pub row: Option<String>,
    pub col: Option<String>,
    pub message: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScheduleRequest {
    pub year: i32,
    pub period: PeriodType,
}

/// One reporting period of a year: the data window and the dates around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PeriodWindow {
    pub period: PeriodType,
    /// 1-based number within the year (quarter 1–4, half 1–2, 1 for a year).
    pub number: u32,
    /// yyyy-MM-dd, inclusive.
    pub data_from: String,
    pub data_to: String,
    /// Entry opens the day after the window closes … and closes at the deadline.
    pub entry_opens: String,
    /// Deadlines for each declared level.
    pub deadlines: Vec<LevelDeadline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LevelDeadline {
    pub level: String,
    pub date: String,
}

/// What makes a manifest acceptable, checked by the host before a plugin is
/// stored or used: the ABI it states, its code, names, date, periods, and that
/// codes are unique and formulas and rules name existing columns.
pub fn check_manifest(manifest: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    if manifest.abi.major != ABI_MAJOR {
        problems.push(format!(
            "the manifest states ABI {}.{}, this host speaks {ABI_MAJOR}",
            manifest.abi.major, manifest.abi.minor
        ));
    } else if manifest.abi.minor > ABI_MINOR {
        problems.push(format!(
            "the manifest states ABI {}.{}, newer than this host serves ({ABI_MAJOR}.{ABI_MINOR}); build the plugin against ABI {ABI_MAJOR}.{ABI_MINOR} or upgrade the platform",
            manifest.abi.major, manifest.abi.minor
        ));
    }
    let code_ok = !manifest.code.is_empty()
        && manifest.code.len() <= 64
        && manifest.code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !code_ok {
        problems.push(format!("regime code \"{}\" is not valid", manifest.code));
    }
    if manifest.name.vi.trim().is_empty() || manifest.name.en.trim().is_empty() {
        problems.push("the regime needs a Vietnamese and an English name".to_owned());
    }
    let date_ok = manifest.effective_from.len() == 10
        && manifest
            .effective_from
            .chars()
            .enumerate()
            .all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    if !date_ok {
        problems.push(format!("effective_from \"{}\" is not a yyyy-MM-dd date", manifest.effective_from));
    }
    if manifest.periods.is_empty() {
        problems.push("the regime declares no period type".to_owned());
    }
    let mut forms = std::collections::HashSet::new();
    for form in &manifest.forms {
        if !forms.insert(&form.code) {
            problems.push(format!("form {} is declared twice", form.code));
        }
        let levels = &manifest.reporting_levels;
        for level in form.unit_levels.iter().filter(|l| !levels.is_empty() && !levels.contains(l)) {
            problems
                .push(format!("form {}: unit level {level} is not one of the regime's reporting levels", form.code));
        }
        let mut columns = std::collections::HashSet::new();
        for c in &form.columns {
            if !columns.insert(c.code.as_str()) {
                problems.push(format!("form {}: column code {} is used twice", form.code, c.code));
            }
        }
        for c in &form.columns {
            let refs: Vec<&String> = c.formula.as_ref().map(Formula::inputs).unwrap_or_default();
            for r in refs {
                if !columns.contains(r.as_str()) {
                    problems.push(format!("form {}: column {} refers to unknown column {r}", form.code, c.code));
                }
            }
        }
        let mut rows = std::collections::HashSet::new();
        for r in &form.rows {
            if !rows.insert(r.code.as_str()) {
                problems.push(format!("form {}: row code {} is used twice", form.code, r.code));
            }
        }
        for code in form.computed_rows.iter().flatten() {
            if !rows.contains(code.as_str()) {
                problems.push(format!("form {}: computed row {code} is not a row of the form", form.code));
            }
        }
        for rule in &form.rules {
            if !columns.contains(rule.left.as_str()) || rule.right.iter().any(|c| !columns.contains(c.as_str())) {
                problems.push(format!("form {}: rule {} names an unknown column", form.code, rule.text));
            }
        }
        if let Some(s) = &form.scoring {
            for c in [&s.max_column, &s.self_column, &s.appraised_column] {
                if !columns.contains(c.as_str()) {
                    problems.push(format!("form {}: scoring names unknown column {c}", form.code));
                }
            }
        }
    }
    problems
}

/// The contract as a JSON Schema (draft 2020-12), generated from these
/// types: every value a plugin receives or answers, under `$defs`. Published
/// as `plugins/abi.schema.json`; the host's tests keep the file in step.
#[cfg(feature = "schema")]
pub fn json_schema() -> serde_json::Value {
    let mut generator = schemars::SchemaGenerator::default();
    let answers = [
        ("manifest", generator.subschema_for::<Manifest>()),
        ("compute", generator.subschema_for::<FormData>()),
        ("validate", generator.subschema_for::<Vec<CellError>>()),
        ("check", generator.subschema_for::<Checked>()),
        ("schedule", generator.subschema_for::<Vec<PeriodWindow>>()),
        ("score", generator.subschema_for::<Vec<UnitScore>>()),
    ];
    let inputs = [
        ("compute", generator.subschema_for::<FormData>()),
        ("validate", generator.subschema_for::<FormData>()),
        ("check", generator.subschema_for::<FormData>()),
        ("schedule", generator.subschema_for::<ScheduleRequest>()),
        ("score", generator.subschema_for::<ScoreRequest>()),
    ];
    let map = |pairs: &[(&str, schemars::Schema)]| -> serde_json::Map<String, serde_json::Value> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone().to_value())).collect()
    };
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://baocao.invalid/plugins/abi.schema.json",
        "title": format!("baocao regime plugin ABI {ABI_MAJOR}.{ABI_MINOR}"),
        "description": "The JSON a regime plugin exchanges with the host through `baocao_call`: each function's input and the `ok` value of its reply (`{\"ok\": …}` or `{\"error\": \"…\"}`). Generated from the Rust types of baocao-regime-abi; see plugins/README.md.",
        "x-abi": { "major": ABI_MAJOR, "minor": ABI_MINOR },
        "x-functions": { "inputs": map(&inputs), "answers": map(&answers) },
        "$defs": generator.definitions().clone(),
    })
}

/// Packs an output buffer into the `baocao_call` return value.
pub fn pack(ptr: u32, len: u32) -> i64 {
    ((u64::from(ptr) << 32) | u64::from(len)) as i64
}

/// Unpacks a `baocao_call` return value into (ptr, len).
pub fn unpack(v: i64) -> (u32, u32) {
    let v = v as u64;
    ((v >> 32) as u32, (v & 0xFFFF_FFFF) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips() {
        assert_eq!(unpack(pack(0x1234, 0xFFFF_FFFF)), (0x1234, 0xFFFF_FFFF));
        assert_eq!(unpack(pack(u32::MAX, 7)), (u32::MAX, 7));
    }

    #[test]
    fn replies_have_a_stable_shape() {
        let ok: Reply<u32> = Reply::Ok(3);
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"ok":3}"#);
        let err: Reply<u32> = serde_json::from_str(r#"{"error":"x"}"#).unwrap();
        assert_eq!(err, Reply::Error("x".into()));
    }
}
