//! The report's PDF: drawn from its content until approval, then the frozen
//! document that is signed, sent and checked — the receiver downloads exactly
//! what was signed.

use std::collections::BTreeMap;

use baocao_documents::pdf::{self, Heading, PDF_CONTENT_TYPE};
use baocao_domain::clock::vietnam_date;
use baocao_domain::content::ReportRow;

use crate::reports::{Download, Template, get, template_of};
use crate::{App, Caller, Error};

/// The document of a report as it stands: the stored (frozen, maybe signed)
/// PDF, else the PDF of its current content.
pub async fn report_pdf(app: &App, who: &Caller, id: i64) -> Result<Download, Error> {
    let report = get(app, who, id).await?;
    let (bytes, _) = base(app, &report).await?;
    Ok(Download { file_name: file_name(&report), content_type: PDF_CONTENT_TYPE, bytes })
}

pub(crate) fn file_name(r: &ReportRow) -> String {
    let stem: String = r.form.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    format!("{stem}-{}.pdf", r.id)
}

/// The document a signature goes onto, with the kinds of the signatures it
/// already holds: the stored one, else a fresh drawing.
pub(crate) async fn base(app: &App, report: &ReportRow) -> Result<(Vec<u8>, BTreeMap<String, String>), Error> {
    match app.store.report_document_unscoped(report.id).await? {
        Some(doc) => Ok((doc.pdf, doc.fields)),
        None => Ok((render(app, report).await?, BTreeMap::new())),
    }
}

/// Draws the report's PDF from its content. The date is the day of its last
/// change, so the same report gives the same bytes (a PDF downloaded to be
/// signed elsewhere is still the document when it comes back).
pub(crate) async fn render(app: &App, report: &ReportRow) -> Result<Vec<u8>, Error> {
    let names = app.store.unit_names_unscoped(&[report.unit_id, report.receiver_id]).await?;
    let name = |u| names.get(&u).cloned().unwrap_or_default();
    let root = app.store.tenant_root_unscoped(report.tenant).await?;
    let (unit, receiver, place) = (name(report.unit_id), name(report.receiver_id), place(root.name.as_str()));
    let heading = Heading { unit: &unit, receiver: &receiver, place: &place, date: vietnam_date(report.updated_at) };
    let bytes = match template_of(app, report).await? {
        Template::Numeric(form) => pdf::numeric(&form, report, &heading),
        Template::Narrative(outline) => {
            let saved: Vec<(String, String)> = app.store.report_sections_unscoped(report.id).await?;
            pdf::narrative(&outline, &saved, report, &heading)
        }
    };
    bytes.map_err(Error::internal)
}

/// The place in "…, ngày … tháng … năm …": the province or city of the
/// tenant; ministries and the Government sit in Hà Nội.
fn place(tenant_root: &str) -> String {
    for prefix in
        ["Ủy ban nhân dân tỉnh ", "UBND tỉnh ", "Tỉnh ", "Ủy ban nhân dân thành phố ", "UBND thành phố ", "Thành phố "]
    {
        if let Some(rest) = tenant_root.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    "Hà Nội".to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_place_is_the_province_or_ha_noi() {
        assert_eq!(super::place("Tỉnh Thái Bình"), "Thái Bình");
        assert_eq!(super::place("UBND tỉnh Quảng Trị"), "Quảng Trị");
        assert_eq!(super::place("Thành phố Hải Phòng"), "Hải Phòng");
        assert_eq!(super::place("Bộ Tài chính"), "Hà Nội");
    }
}
