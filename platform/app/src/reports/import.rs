//! Importing a filled workbook into a report ("Nhập dữ liệu từ Excel").

use std::collections::HashMap;
use std::time::Duration;

use baocao_domain::report::{Role, Status};
use baocao_storage::ReportRow;

use crate::App;
use crate::Caller;
use crate::error::Error;
use baocao_domain::entry::same_value;

pub use baocao_documents::XLSX_CONTENT_TYPE;
use baocao_documents::guard::ImportLimits;
pub use baocao_documents::guard::{Limit, Refusal};
use baocao_documents::import;
pub use baocao_documents::import::{ImportParams, MAX_IMPORT_BYTES, column_index};
pub use baocao_documents::workbook::{CODE_COL, FIRST_DATA_COL};

use super::*;

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
    app: &App, who: &Caller, id: i64, bytes: &[u8], params: &ImportParams, dry_run: bool,
) -> Result<(ReportRow, Vec<CellChange>), Error> {
    let report = get(app, who, id).await?;
    let entry = plugin_of(app, &report).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &report.form) else {
        return Err(Error::invalid(
            "form",
            "not_numeric",
            "Chỉ nhập Excel cho biểu mẫu số liệu.",
            "Only numeric forms are imported from Excel.",
        ));
    };
    // A sent report is imported by its appraiser (the appraisal columns only); the
    // unit's own import of it goes the entry way and is told it is no longer editable.
    let appraiser = report.status == Status::Sent
        && app.authz.check_role(who.user.id, Role::Check, &report.receiver_path).await.is_ok();
    let writing = if appraiser { Writing::Appraisal } else { Writing::Entry };
    let (_, writer) = writer(app, who, &report, &form, writing).await?;
    let data = bytes.to_vec();
    let form_for_read = (*form).clone();
    let report_for_read = report.clone();
    let params = params.clone();
    let limits = import_limits(app);
    // A few imports at a time, each waiting no longer than one may take.
    let permit = tokio::time::timeout(Duration::from_secs(limits.max_seconds), app.imports.clone().acquire_owned())
        .await
        .map_err(|_| Error::Unavailable(anyhow::anyhow!("every import slot stayed busy")))?
        .map_err(Error::internal)?;
    // Parsing a workbook is CPU work: the blocking pool, not an async worker.
    let cells = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        import::read(&data, &form_for_read, &report_for_read, &params, &writer, limits)
    })
    .await?
    .map_err(|e| match e {
        import::ReadError::Problems(p) => Error::InvalidCells(p),
        import::ReadError::Limit(refusal) => Error::ImportLimit(refusal),
    })?;
    let input = DataInput { version: report.version, cells, rows_added: Vec::new(), rows_removed: Vec::new() };
    let preview = recompute(app, who, id, input, writing).await?;
    if !preview.errors.is_empty() {
        return Err(Error::InvalidCells(preview.errors));
    }
    let before: HashMap<(&str, &str), &serde_json::Value> =
        report.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    let after: HashMap<(&str, &str), &serde_json::Value> =
        preview.content.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    let mut keys: Vec<(&str, &str)> = before.keys().chain(after.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let null = serde_json::Value::Null;
    let value = |map: &HashMap<(&str, &str), &serde_json::Value>, k: &(&str, &str)| {
        map.get(k).copied().unwrap_or(&null).clone()
    };
    let changes: Vec<CellChange> = keys
        .into_iter()
        .filter(|k| !same_value(&value(&before, k), &value(&after, k)))
        .map(|k| CellChange {
            row: k.0.to_owned(),
            col: k.1.to_owned(),
            before: value(&before, &k),
            after: value(&after, &k),
        })
        .collect();
    if dry_run || changes.is_empty() {
        return Ok((report, changes));
    }
    let saved = store(app, who, id, preview, writing).await?;
    Ok((saved, changes))
}

/// The limits of one workbook import, from the settings.
fn import_limits(app: &App) -> ImportLimits {
    let r = &app.settings.reports;
    ImportLimits {
        max_unpacked_bytes: r.import_max_unpacked_bytes,
        max_cells: r.import_max_cells,
        max_seconds: r.import_max_seconds,
    }
}

/// The import's settings as the page and the API take them: column letters
/// (blank: the workbook's own layout, B and E) and 1-based rows (blank: found
/// automatically). A letter that is not a column is refused, naming the field.
pub fn import_params(
    code_col: Option<&str>, data_col: Option<&str>, from_row: Option<u32>, to_row: Option<u32>,
) -> Result<ImportParams, Error> {
    let column = |raw: Option<&str>, default: u16, field: &'static str| -> Result<u32, Error> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(u32::from(default)),
            Some(s) => column_index(s).ok_or_else(|| {
                Error::invalid(
                    field,
                    "invalid_column",
                    format!("Cột \"{s}\" không hợp lệ (vd. B, E)."),
                    format!("Column \"{s}\" is not valid (e.g. B, E)."),
                )
            }),
        }
    };
    Ok(ImportParams {
        code_col: column(code_col, CODE_COL, "code_col")?,
        data_col: column(data_col, FIRST_DATA_COL, "data_col")?,
        from_row,
        to_row,
    })
}
