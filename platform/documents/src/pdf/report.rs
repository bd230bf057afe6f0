//! What goes on the pages of a report: the heading, the table of a numeric
//! form or the sections of a narrative one, the signature block; and the
//! small page that becomes a signature's appearance.

use std::collections::HashMap;

use baocao_domain::content::ReportRow;
use baocao_domain::layout::{DisplayRow, cell_text, display_rows, header_cells};
use baocao_domain::text::Locale;
use baocao_regime_abi::{Form, Outline};
use chrono::Datelike;

use super::flow::{Flow, MARGIN};
use super::layout::{Align, Face, Fonts, Page};
use super::{Heading, PdfError};

const PAD: f32 = 3.0;

/// The national motto block: the unit on the left, the motto and the place
/// and date on the right, as on every administrative document.
fn heading(flow: &mut Flow<'_>, h: &Heading<'_>) {
    let fonts = flow.fonts;
    let half = flow.inner() / 2.0;
    let (left, right) = ((MARGIN, half - 10.0), (MARGIN + half - 20.0, half + 20.0));
    let top = flow.y;
    let unit_lines = fonts.wrap(Face::Bold, 10.0, &h.unit.to_uppercase(), left.1);
    let mut y = top;
    for line in &unit_lines {
        y += 13.0;
        fonts.place(flow.page(), line, left, (y, 10.0), Face::Bold, Align::Center);
    }
    let underline =
        |page: &mut Page, y: f32, width: f32, center: f32| page.line(center - width / 2.0, y, center + width / 2.0, y);
    underline(flow.page(), y + 4.0, 60.0, left.0 + left.1 / 2.0);
    fonts.place(
        flow.page(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        right,
        (top + 13.0, 10.0),
        Face::Bold,
        Align::Center,
    );
    let motto = "Độc lập - Tự do - Hạnh phúc";
    fonts.place(flow.page(), motto, right, (top + 26.0, 10.5), Face::Bold, Align::Center);
    let motto_width = fonts.width(Face::Bold, 10.5, motto);
    underline(flow.page(), top + 30.0, motto_width, right.0 + right.1 / 2.0);
    let d = h.date;
    let date = format!("{}, ngày {:02} tháng {:02} năm {}", h.place, d.day(), d.month(), d.year());
    fonts.place(flow.page(), &date, right, (top + 46.0, 10.0), Face::Italic, Align::Center);
    flow.y = (y + 10.0).max(top + 56.0);
}

/// Title and the lines under it, centred.
fn title(flow: &mut Flow<'_>, title: &str, lines: &[String]) {
    flow.y += 8.0;
    flow.paragraph(&title.to_uppercase(), 12.0, Face::Bold, Align::Center, 0.0);
    for line in lines {
        flow.paragraph(line, 10.0, Face::Regular, Align::Center, 0.0);
    }
    flow.y += 6.0;
}

fn period_lines(report: &ReportRow, receiver: &str) -> Vec<String> {
    let from = baocao_domain::format::date(report.data_from, Locale::Vi);
    let to = baocao_domain::format::date(report.data_to, Locale::Vi);
    vec![
        format!("Kỳ báo cáo: {} (số liệu từ {from} đến {to})", report.period.label().vi),
        format!("Kính gửi: {receiver}"),
    ]
}

pub(crate) fn numeric(fonts: &Fonts, form: &Form, report: &ReportRow, h: &Heading<'_>) -> Vec<Page> {
    let (w, ht) = if form.columns.len() > 6 { (842.0, 595.0) } else { (595.0, 842.0) };
    let mut flow = Flow::new(fonts, w, ht);
    heading(&mut flow, h);
    let mut lines = period_lines(report, h.receiver);
    lines.push(format!("Biểu mẫu {} — {} phiên bản {}", form.code, report.regime, report.regime_version));
    title(&mut flow, &form.title.vi, &lines);
    if let Some(u) = &form.unit_of_measure {
        flow.paragraph(&format!("Đơn vị tính: {u}"), 9.0, Face::Italic, Align::Right, 0.0);
    }
    let table = Table::new(fonts, form, flow.inner());
    table.draw(&mut flow, form, report);
    flow.signature_block("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ");
    flow.finish()
}

/// Column geometry of a numeric form.
struct Table {
    size: f32,
    stt: f32,
    label: f32,
    data: f32,
    header_heights: Vec<f32>,
}

impl Table {
    fn new(fonts: &Fonts, form: &Form, inner: f32) -> Self {
        let n = form.columns.len().max(1) as f32;
        let size = if n > 8.0 { 7.0 } else { 8.5 };
        let stt = 26.0;
        let label = (inner * 0.32).clamp(110.0, 230.0).min(inner - stt - n * 36.0).max(90.0);
        let data = (inner - stt - label) / n;
        let mut t = Self { size, stt, label, data, header_heights: Vec::new() };
        t.header_heights = t.level_heights(fonts, form);
        t
    }

    fn line_height(&self) -> f32 {
        self.size * 1.3
    }

    /// Each header row tall enough for its single-row cells' wrapped text.
    fn level_heights(&self, fonts: &Fonts, form: &Form) -> Vec<f32> {
        let cells = header_cells(form);
        let depth = cells.iter().map(|c| c.level + c.rowspan).max().unwrap_or(1);
        let mut heights = vec![self.line_height() + 2.0 * PAD; depth];
        for c in cells.iter().filter(|c| c.rowspan == 1) {
            let lines = fonts.wrap(Face::Bold, self.size, &c.text, self.data * c.span as f32 - 2.0 * PAD).len();
            heights[c.level] = heights[c.level].max(lines as f32 * self.line_height() + 2.0 * PAD);
        }
        heights
    }

    fn data_x(&self, column: usize) -> f32 {
        MARGIN + self.stt + self.label + self.data * column as f32
    }

    /// The header rows and the row of column numbers, at the flow's position.
    fn draw_header(&self, flow: &mut Flow<'_>, form: &Form) {
        let top = flow.y;
        let total: f32 = self.header_heights.iter().sum();
        let fonts = flow.fonts;
        for (x, w, text) in [(MARGIN, self.stt, "STT"), (MARGIN + self.stt, self.label, "Chỉ tiêu")] {
            self.cell(fonts, flow.page(), (x, top, w, total), text, Face::Bold, Align::Center);
        }
        for c in header_cells(form) {
            let y = top + self.header_heights[..c.level].iter().sum::<f32>();
            let h: f32 = self.header_heights[c.level..c.level + c.rowspan].iter().sum();
            let rect = (self.data_x(c.column), y, self.data * c.span as f32, h);
            self.cell(fonts, flow.page(), rect, &c.text, Face::Bold, Align::Center);
        }
        let numbers_top = top + total;
        let row_h = self.line_height() + 2.0 * PAD;
        self.cell(fonts, flow.page(), (MARGIN, numbers_top, self.stt, row_h), "1", Face::Italic, Align::Center);
        self.cell(
            fonts,
            flow.page(),
            (MARGIN + self.stt, numbers_top, self.label, row_h),
            "2",
            Face::Italic,
            Align::Center,
        );
        for (i, col) in form.columns.iter().enumerate() {
            let rect = (self.data_x(i), numbers_top, self.data, row_h);
            self.cell(fonts, flow.page(), rect, &format!("({})", col.number), Face::Italic, Align::Center);
        }
        flow.y = numbers_top + row_h;
    }

    /// A bordered cell with its text wrapped and centred vertically.
    fn cell(
        &self, fonts: &Fonts, page: &mut Page, (x, y, w, h): (f32, f32, f32, f32), text: &str, face: Face, align: Align,
    ) {
        page.rect(x, y, w, h);
        let lines = fonts.wrap(face, self.size, text, w - 2.0 * PAD);
        let block = lines.len() as f32 * self.line_height();
        let mut baseline = y + (h - block) / 2.0 + self.size;
        for line in lines {
            fonts.place(page, &line, (x + PAD, w - 2.0 * PAD), (baseline, self.size), face, align);
            baseline += self.line_height();
        }
    }

    fn draw(&self, flow: &mut Flow<'_>, form: &Form, report: &ReportRow) {
        let values: HashMap<(&str, &str), &serde_json::Value> =
            report.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
        self.draw_header(flow, form);
        for row in display_rows(form, report) {
            let texts: Vec<String> = form
                .columns
                .iter()
                .map(|c| {
                    values
                        .get(&(row.code.as_str(), c.code.as_str()))
                        .map(|v| cell_text(v, c.cell_type, Locale::Vi))
                        .unwrap_or_default()
                })
                .collect();
            let height = self.row_height(flow.fonts, &row, &texts);
            if flow.room() < height {
                flow.new_page();
                self.draw_header(flow, form);
            }
            self.draw_row(flow, &row, &texts, height);
        }
    }

    fn label_text(row: &DisplayRow) -> String {
        let indent = "    ".repeat(usize::from(row.level.saturating_sub(1)));
        format!("{indent}{}", row.title)
    }

    fn face(row: &DisplayRow) -> Face {
        if row.total || row.computed { Face::Bold } else { Face::Regular }
    }

    fn row_height(&self, fonts: &Fonts, row: &DisplayRow, texts: &[String]) -> f32 {
        let label = fonts.wrap(Self::face(row), self.size, &Self::label_text(row), self.label - 2.0 * PAD).len();
        let data = texts
            .iter()
            .map(|t| fonts.wrap(Face::Regular, self.size, t, self.data - 2.0 * PAD).len())
            .max()
            .unwrap_or(1);
        label.max(data).max(1) as f32 * self.line_height() + 2.0 * PAD
    }

    fn draw_row(&self, flow: &mut Flow<'_>, row: &DisplayRow, texts: &[String], h: f32) {
        let (fonts, y, face) = (flow.fonts, flow.y, Self::face(row));
        let page = flow.page();
        self.cell(fonts, page, (MARGIN, y, self.stt, h), &row.label, face, Align::Center);
        self.cell(fonts, page, (MARGIN + self.stt, y, self.label, h), &Self::label_text(row), face, Align::Left);
        for (i, text) in texts.iter().enumerate() {
            let numeric = text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'));
            let align = if numeric { Align::Right } else { Align::Left };
            self.cell(fonts, page, (self.data_x(i), y, self.data, h), text, face, align);
        }
        flow.y += h;
    }
}

pub(crate) fn narrative(
    fonts: &Fonts, outline: &Outline, sections: &[(String, String)], report: &ReportRow, h: &Heading<'_>,
) -> Vec<Page> {
    let mut flow = Flow::new(fonts, 595.0, 842.0);
    heading(&mut flow, h);
    title(&mut flow, &outline.title.vi, &period_lines(report, h.receiver));
    let saved: HashMap<&str, &str> = sections.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for section in &outline.sections {
        let indent = 12.0 * f32::from(section.level.saturating_sub(1));
        flow.y += 4.0;
        let head = if section.label.is_empty() {
            section.title.clone()
        } else {
            format!("{}. {}", section.label, section.title)
        };
        flow.paragraph(&head, 11.0, Face::Bold, Align::Left, indent);
        for p in html_paragraphs(saved.get(section.code.as_str()).copied().unwrap_or("")) {
            flow.paragraph(&p, 11.0, Face::Regular, Align::Left, indent + 12.0);
        }
    }
    flow.signature_block("NGƯỜI LẬP BÁO CÁO", "THỦ TRƯỞNG ĐƠN VỊ");
    flow.finish()
}

/// The paragraphs of sanitised section HTML as plain text: block ends and
/// `<br>` break paragraphs, list items get a bullet, entities are decoded.
pub fn html_paragraphs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else { break };
        let tag = rest[lt + 1..lt + gt].trim().to_ascii_lowercase();
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if matches!(name.as_str(), "p" | "div" | "br" | "li" | "h1" | "h2" | "h3" | "h4" | "tr" | "ul" | "ol") {
            push_paragraph(&mut out, &mut text);
            if tag == "li" {
                text.push_str("• ");
            }
        } else if name == "td" || name == "th" {
            text.push(' ');
        }
        rest = &rest[lt + gt + 1..];
    }
    text.push_str(rest);
    push_paragraph(&mut out, &mut text);
    out
}

fn push_paragraph(out: &mut Vec<String>, text: &mut String) {
    let decoded = decode_entities(text);
    let clean = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    if !clean.is_empty() && clean != "•" {
        out.push(clean);
    }
    text.clear();
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The appearance page: the image fitted above the text lines, both centred.
pub(crate) fn appearance(
    fonts: &Fonts, (w, h): (f32, f32), image: Option<&[u8]>, lines: &[String],
) -> Result<Page, PdfError> {
    let mut page = Page::new(w, h);
    let size = 6.5;
    let wrapped: Vec<String> = lines.iter().flat_map(|l| fonts.wrap(Face::Regular, size, l, w - 4.0)).collect();
    let text_height = wrapped.len() as f32 * size * 1.3;
    if let Some(png) = image {
        let (iw, ih) = png_size(png).ok_or(PdfError::Image)?;
        let room = (w - 4.0, (h - text_height - 4.0).max(10.0));
        let scale = (room.0 / iw).min(room.1 / ih);
        let (dw, dh) = (iw * scale, ih * scale);
        page.ops.push(super::layout::Op::Image { x: (w - dw) / 2.0, y: 2.0, w: dw, h: dh, png: png.to_vec() });
    }
    let mut y = h - text_height + size;
    for line in wrapped {
        fonts.place(&mut page, &line, (2.0, w - 4.0), (y, size), Face::Regular, Align::Center);
        y += size * 1.3;
    }
    Ok(page)
}

/// Width and height from a PNG's IHDR.
fn png_size(png: &[u8]) -> Option<(f32, f32)> {
    if png.get(..8)? != b"\x89PNG\r\n\x1a\n" || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f32;
    Some((be(png.get(16..20)?), be(png.get(20..24)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_paragraphs() {
        let html = "<p>Tình hình <b>chung</b> &amp; kết quả</p><ul><li>Một</li><li>Hai</li></ul>Cuối<br>dòng";
        assert_eq!(html_paragraphs(html), ["Tình hình chung & kết quả", "• Một", "• Hai", "Cuối", "dòng"]);
        assert!(html_paragraphs("").is_empty());
    }
}
