//! The report PDF's layout and bytes, without a viewer: headers on every
//! page, landscape for wide forms, the signature block on the last page, the
//! narrative's sections, and the same bytes for the same report.

use baocao_domain::content::{ReportCell, ReportRow};
use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::report::{Period, PeriodKind, ReportKind, Status};
use baocao_domain::unit::UnitPath;
use baocao_regime_abi::{CellType, Column, Form, Outline, Row, RowMode, Section, Text};
use chrono::{NaiveDate, TimeZone, Utc};

use super::layout::{Fonts, Op, Page};
use super::{Heading, numeric, report};

fn form(rows: usize, columns: u32) -> Form {
    let column = |j: u32| Column {
        code: format!("c{j}"),
        number: j,
        header: vec!["Số liệu".into(), format!("Cột {j}")],
        cell_type: CellType::Decimal,
        formula: None,
        fill_groups: vec![],
        aggregate: None,
        min: None,
        max: None,
    };
    let row = |i: usize| Row {
        code: format!("r{i}"),
        label: i.to_string(),
        title: format!("Xã số {i}"),
        level: 1,
        mode: RowMode::Fixed,
        total: false,
    };
    Form {
        code: "T.01".into(),
        title: Text::new("Biểu thử nghiệm", "Test form"),
        unit_of_measure: None,
        columns: (1..=columns).map(column).collect(),
        rows: (1..=rows).map(row).collect(),
        row_modes: vec![],
        catalogue: None,
        outside_system: false,
        rules: vec![],
        provenance: None,
        groups_sum_children: false,
        scoring: None,
        computed_rows: None,
        unit_levels: Vec::new(),
        tenants: Vec::new(),
    }
}

fn report(form: &Form) -> ReportRow {
    let day = NaiveDate::from_ymd_opt(2026, 12, 14).unwrap_or_default();
    let at = Utc.with_ymd_and_hms(2026, 12, 15, 3, 0, 0).single().unwrap_or_default();
    ReportRow {
        id: 7,
        tenant: TenantId(1),
        unit_id: UnitId(2),
        unit_path: UnitPath::root(UnitId(2)),
        receiver_id: UnitId(1),
        receiver_path: UnitPath::root(UnitId(1)),
        regime: "TEST".into(),
        regime_version: 1,
        form: form.code.clone(),
        kind: ReportKind::Numeric,
        period: Period { kind: PeriodKind::Year, year: 2026, number: 1 },
        data_from: day,
        data_to: day,
        opens_on: day,
        closes_on: day,
        reopened: false,
        status: Status::Draft,
        version: 1,
        cells: vec![ReportCell { row: "r1".into(), col: "c1".into(), value: serde_json::json!(1500.5) }],
        rows_added: vec![],
        content_sha256: String::new(),
        forward_to: None,
        last_comment: None,
        assigned_at: at,
        updated_at: at,
        sent_at: None,
    }
}

const HEADING: Heading<'static> =
    Heading {
        unit: "UBND phường Phố Hiến", receiver: "UBND tỉnh Hưng Yên", place: "Hưng Yên", date: NaiveDate::MIN
    };

fn texts(page: &Page) -> Vec<&str> {
    page.ops.iter().filter_map(|op| if let Op::Text { text, .. } = op { Some(text.as_str()) } else { None }).collect()
}

#[test]
fn a_long_wide_form_repeats_its_headers_on_landscape_pages() {
    let fonts = Fonts::load().unwrap();
    let form = form(100, 15);
    let pages = report::numeric(&fonts, &form, &report(&form), &HEADING);
    assert!(pages.len() > 2, "{} pages", pages.len());
    assert!(pages.iter().all(|p| p.width > p.height), "A4 landscape");
    for (i, p) in pages.iter().enumerate() {
        let t = texts(p);
        if i + 1 < pages.len() || t.contains(&"Xã số 100") {
            assert!(t.contains(&"Chỉ tiêu") && t.contains(&"(15)"), "page {i} repeats the headers and column numbers");
        }
        assert!(t.contains(&format!("Trang {}/{}", i + 1, pages.len()).as_str()));
    }
    let first = texts(&pages[0]);
    assert!(first.contains(&"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") && first.contains(&"Độc lập - Tự do - Hạnh phúc"));
    assert!(first.contains(&"1.500,5"), "numbers the Vietnamese way");
    assert!(texts(pages.last().unwrap()).contains(&"THỦ TRƯỞNG ĐƠN VỊ"), "the signature block ends the document");
    let narrow = form_pages(5);
    assert!(narrow.iter().all(|p| p.height > p.width), "a narrow form stays portrait");
}

fn form_pages(columns: u32) -> Vec<Page> {
    let form = form(10, columns);
    report::numeric(&Fonts::load().unwrap(), &form, &report(&form), &HEADING)
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    let form = form(30, 8);
    let r = report(&form);
    let a = numeric(&form, &r, &HEADING).unwrap();
    assert!(a.starts_with(b"%PDF"));
    assert_eq!(a, numeric(&form, &r, &HEADING).unwrap());
    let mut changed = r.clone();
    changed.cells[0].value = serde_json::json!(2);
    assert_ne!(a, numeric(&form, &changed, &HEADING).unwrap());
}

#[test]
fn a_narrative_report_prints_its_outline_and_sections() {
    let fonts = Fonts::load().unwrap();
    let section = |code: &str, label: &str, title: &str| Section {
        code: code.into(),
        label: label.into(),
        title: title.into(),
        guidance: String::new(),
        level: 1,
    };
    let outline = Outline {
        code: "N.01".into(),
        title: Text::new("Báo cáo kết quả thực hiện", "Narrative"),
        sections: vec![section("s1", "I", "Tình hình chung"), section("s2", "II", "Phương hướng")],
    };
    let mut r = report(&form(1, 1));
    r.kind = ReportKind::Narrative;
    let saved = vec![(
        "s1".to_owned(),
        "<p>Đã hoàn thành <b>95%</b> kế hoạch &amp; vượt tiến độ.</p><ul><li>Một</li></ul>".to_owned(),
    )];
    let pages = report::narrative(&fonts, &outline, &saved, &r, &HEADING);
    let all: Vec<&str> = pages.iter().flat_map(texts).collect();
    for expected in [
        "BÁO CÁO KẾT QUẢ THỰC HIỆN",
        "I. Tình hình chung",
        "Đã hoàn thành 95% kế hoạch & vượt tiến độ.",
        "• Một",
        "II. Phương hướng",
    ] {
        assert!(all.contains(&expected), "{expected} in {all:?}");
    }
}
