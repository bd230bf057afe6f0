//! Reports as PDF ("Bản PDF của báo cáo"): the document that is approved,
//! signed, sent and checked. A numeric form prints with its multi-level
//! headers and column numbers, its rows in the order of the grid and the
//! workbook ([`baocao_domain::layout`]), headers repeated on every page, A4
//! landscape when the form is wide; a narrative report prints its outline
//! with what was written under each section. Both open with the national
//! motto block and end with the signature block, whose places
//! [`signature_rect`] gives to the signer.

mod flow;
mod layout;
mod render;
mod report;
#[cfg(test)]
mod tests;

use baocao_domain::content::ReportRow;
use baocao_regime_abi::{Form, Outline};
use chrono::NaiveDate;

pub use report::html_paragraphs;

/// The media type of a PDF.
pub const PDF_CONTENT_TYPE: &str = "application/pdf";

/// A PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded fonts cannot be read")]
    Font,
    #[error("a page or box has no size")]
    Layout,
    #[error("not a PNG image")]
    Image,
    #[error("writing the PDF: {0}")]
    Write(String),
}

/// What the top of the document says besides the form: who issues it, to
/// whom, where and when.
pub struct Heading<'a> {
    /// The reporting unit, printed upper-case at the top left.
    pub unit: &'a str,
    pub receiver: &'a str,
    /// The place in "Hà Nội, ngày … tháng … năm …".
    pub place: &'a str,
    pub date: NaiveDate,
}

/// A numeric report as PDF.
pub fn numeric(form: &Form, report: &ReportRow, heading: &Heading<'_>) -> Result<Vec<u8>, PdfError> {
    let fonts = layout::Fonts::load().ok_or(PdfError::Font)?;
    render::render(&report::numeric(&fonts, form, report, heading))
}

/// A narrative report as PDF: each section of `outline` with its saved text (HTML).
pub fn narrative(
    outline: &Outline, sections: &[(String, String)], report: &ReportRow, heading: &Heading<'_>,
) -> Result<Vec<u8>, PdfError> {
    let fonts = layout::Fonts::load().ok_or(PdfError::Font)?;
    render::render(&report::narrative(&fonts, outline, sections, report, heading))
}

/// Whose signature a place is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// The leader's own signature, at approval.
    Personal,
    /// The organisation's, at sending: drawn over the left third of the
    /// leader's, as Decree 30/2020 places the seal.
    Organisation,
}

/// Where a signature goes on the last page of a `width` × `height` page, in
/// PDF coordinates (origin bottom left): [x1, y1, x2, y2].
pub fn signature_rect(kind: SignatureKind, (width, _height): (f32, f32)) -> [f32; 4] {
    let personal_x = width - flow::MARGIN - 190.0;
    let (y1, y2) = (flow::MARGIN + 20.0, flow::MARGIN + 95.0);
    match kind {
        SignatureKind::Personal => [personal_x, y1, personal_x + 180.0, y2],
        SignatureKind::Organisation => [personal_x - 120.0, y1, personal_x + 60.0, y2],
    }
}

/// The appearance of a signature: a one-page PDF of `size` with the
/// signature image (PNG, transparency kept) above the text lines.
pub fn signature_appearance(size: (f32, f32), image: Option<&[u8]>, lines: &[String]) -> Result<Vec<u8>, PdfError> {
    let fonts = layout::Fonts::load().ok_or(PdfError::Font)?;
    render::render(&[report::appearance(&fonts, size, image, lines)?])
}
