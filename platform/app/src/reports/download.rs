//! Downloading a numeric report as a workbook laid out like the printed form ("Tải xuống").

use baocao_documents::workbook::{self, Names};
use baocao_domain::ids::UnitId;

use super::*;

/// A file to hand to the user.
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub async fn download_workbook(app: &App, who: &Caller, id: i64) -> Result<Download, Error> {
    let r = get(app, who, id).await?;
    let entry = plugin_of(app, &r).await?;
    let Some(Template::Numeric(form)) = template(&entry.plugin, &r.form) else {
        return Err(Error::Invalid(vec![Invalid::new(
            "form",
            "not_numeric",
            Text::fixed(
                "Báo cáo thuyết minh không tải xuống dạng Excel.",
                "Narrative reports are not downloaded as Excel.",
            ),
        )]));
    };
    let names = app.store.unit_names_unscoped(&[r.unit_id, r.receiver_id]).await?;
    let name = |u: UnitId| names.get(&u).map(String::as_str).unwrap_or("");
    let bytes = workbook::export(&form, &r, Names { unit: name(r.unit_id), receiver: name(r.receiver_id) })?;
    let stem: String = r.form.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    Ok(Download {
        file_name: format!("{stem}-{}.xlsx", r.id),
        content_type: baocao_documents::XLSX_CONTENT_TYPE,
        bytes,
    })
}
