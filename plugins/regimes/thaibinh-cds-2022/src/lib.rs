//! Thái Bình's 2022 ranking of digital transformation (đánh giá, xếp hạng
//! chuyển đổi số) of its departments (sở, ban, ngành), districts and communes.
//!
//! From the province's guide of 15/12/2022 [V]: one Excel template per level
//! (CDS_CAPSO_2022, CDS_CAPHUYEN_2022, CDS_CAPXA_2022) whose rows are criteria;
//! units type a self-assessed score (decimals with a comma, "8,5"), the
//! evidence and a note; the appraisal score is entered only by the appraiser,
//! and a file with a value there is refused.
//!
//! The indices follow the national DTI of Decision 922/QĐ-BTTTT (departments:
//! 6 indices; districts and communes: 8) with the provincial weights of
//! `shared/regimes.md` [V]. The sub-criteria and their maximum points below are
//! illustrative [U]: the province's criteria list is not in the public texts.
//! Publish a new plugin version with the real list; reports made under this
//! version keep it.

use std::collections::HashMap;

use baocao_regime_sdk::logic::{self, column, new_form, text, total_row};
use baocao_regime_sdk::*;
use serde_json::Value;

pub struct ThaiBinhCds2022;

/// (code, printed label, title, maximum points for a criterion or None for an index).
type Criterion = (&'static str, &'static str, &'static str, Option<f64>);

const DEPARTMENT: &[Criterion] = &[
    ("1", "1", "Chuyển đổi nhận thức", None),
    ("1.1", "1.1", "Người đứng đầu chỉ đạo, ban hành văn bản về chuyển đổi số", Some(50.0)),
    ("1.2", "1.2", "Tuyên truyền, phổ biến về chuyển đổi số", Some(50.0)),
    ("2", "2", "Kiến tạo thể chế", None),
    ("2.1", "2.1", "Kế hoạch chuyển đổi số năm của cơ quan", Some(50.0)),
    ("2.2", "2.2", "Bố trí kinh phí cho chuyển đổi số", Some(50.0)),
    ("3", "3", "Hạ tầng và nền tảng số", None),
    ("3.1", "3.1", "Cán bộ có máy tính kết nối mạng", Some(50.0)),
    ("3.2", "3.2", "Sử dụng hệ thống quản lý văn bản và điều hành", Some(50.0)),
    ("3.3", "3.3", "Kết nối Trục liên thông văn bản quốc gia", Some(50.0)),
    ("4", "4", "Thông tin và dữ liệu số", None),
    ("4.1", "4.1", "Cơ sở dữ liệu chuyên ngành được cập nhật", Some(75.0)),
    ("4.2", "4.2", "Dữ liệu mở được công bố", Some(75.0)),
    ("5", "5", "Hoạt động chính quyền số", None),
    ("5.1", "5.1", "Hồ sơ thủ tục hành chính trực tuyến toàn trình", Some(150.0)),
    ("5.2", "5.2", "Văn bản điện tử có ký số", Some(100.0)),
    ("5.3", "5.3", "Báo cáo qua Hệ thống thông tin báo cáo", Some(100.0)),
    ("6", "6", "An toàn thông tin mạng", None),
    ("6.1", "6.1", "Phương án bảo đảm an toàn hệ thống thông tin theo cấp độ", Some(75.0)),
    ("6.2", "6.2", "Diễn tập, kiểm tra an toàn thông tin", Some(75.0)),
];

const LOCAL: &[Criterion] = &[
    ("1", "1", "Chuyển đổi nhận thức", None),
    ("1.1", "1.1", "Người đứng đầu chỉ đạo chuyển đổi số", Some(50.0)),
    ("1.2", "1.2", "Tuyên truyền về chuyển đổi số", Some(50.0)),
    ("2", "2", "Kiến tạo thể chế", None),
    ("2.1", "2.1", "Kế hoạch chuyển đổi số năm", Some(50.0)),
    ("2.2", "2.2", "Kinh phí cho chuyển đổi số", Some(50.0)),
    ("3", "3", "Hạ tầng và nền tảng số", None),
    ("3.1", "3.1", "Hạ tầng mạng, máy tính của cơ quan", Some(50.0)),
    ("3.2", "3.2", "Sử dụng các nền tảng số dùng chung", Some(50.0)),
    ("4", "4", "Nhân lực số", None),
    ("4.1", "4.1", "Cán bộ chuyên trách công nghệ thông tin", Some(50.0)),
    ("4.2", "4.2", "Cán bộ được bồi dưỡng kỹ năng số", Some(50.0)),
    ("5", "5", "An toàn thông tin mạng", None),
    ("5.1", "5.1", "Bảo đảm an toàn thông tin theo cấp độ", Some(50.0)),
    ("5.2", "5.2", "Xử lý sự cố an toàn thông tin", Some(50.0)),
    ("6", "6", "Hoạt động chính quyền số", None),
    ("6.1", "6.1", "Hồ sơ thủ tục hành chính trực tuyến", Some(100.0)),
    ("6.2", "6.2", "Văn bản điện tử có ký số", Some(100.0)),
    ("7", "7", "Hoạt động kinh tế số", None),
    ("7.1", "7.1", "Doanh nghiệp, hộ kinh doanh sử dụng thanh toán số", Some(75.0)),
    ("7.2", "7.2", "Sản phẩm địa phương trên sàn thương mại điện tử", Some(75.0)),
    ("8", "8", "Hoạt động xã hội số", None),
    ("8.1", "8.1", "Người dân có tài khoản định danh điện tử", Some(75.0)),
    ("8.2", "8.2", "Người dân dùng dịch vụ công trực tuyến", Some(75.0)),
];

/// Groups allowed to enter the appraisal score: the province's aggregators.
const APPRAISERS: &[&str] = &["TINH_TONGHOP", "TINH_SO_TONGHOP"];

fn criteria(form: &str) -> Option<&'static [Criterion]> {
    match form {
        "CDS_CAPSO_2022" => Some(DEPARTMENT),
        "CDS_CAPHUYEN_2022" | "CDS_CAPXA_2022" => Some(LOCAL),
        _ => None,
    }
}

fn scoring_form(code: &str, title_vi: &str, title_en: &str, list: &[Criterion]) -> Form {
    use baocao_regime_sdk::logic::ColumnExt;
    Form {
        unit_of_measure: Some("Đơn vị tính: Điểm".to_owned()),
        columns: vec![
            // A receiver combining several units' forms shows the average score.
            column("max", 3, &["Điểm tối đa"], CellType::Decimal).aggregate(Aggregate::None),
            column("self", 4, &["Điểm tự đánh giá"], CellType::Decimal).aggregate(Aggregate::Mean),
            column("evidence", 5, &["Tài liệu kiểm chứng"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("note", 6, &["Ghi chú"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("appraised", 7, &["Điểm thẩm định"], CellType::Decimal).only(APPRAISERS).aggregate(Aggregate::Mean),
        ],
        rows: list
            .iter()
            .map(|(code, label, title, max)| Row {
                code: (*code).to_owned(),
                label: (*label).to_owned(),
                title: (*title).to_owned(),
                level: if max.is_some() { 1 } else { 0 },
                mode: RowMode::Fixed,
                total: false,
            })
            .chain([total_row()])
            .collect(),
        provenance: Some(
            "Chỉ số theo Quyết định 922/QĐ-BTTTT; tiêu chí con và điểm tối đa mang tính minh hoạ [U]".to_owned(),
        ),
        groups_sum_children: true,
        scoring: Some(Scoring {
            max_column: "max".to_owned(),
            self_column: "self".to_owned(),
            appraised_column: "appraised".to_owned(),
        }),
        ..new_form(code, text(title_vi, title_en))
    }
}

impl Regime for ThaiBinhCds2022 {
    fn manifest() -> Manifest {
        Manifest {
            // Written against ABI 1.1 and still stating it: the host serves it a
            // save in two calls (compute, then validate) and infers its computed rows.
            abi: AbiVersion { major: ABI_MAJOR, minor: 1 },
            code: "TB-CDS-2022".to_owned(),
            name: text(
                "Đánh giá, xếp hạng chuyển đổi số các sở, ban, ngành, chính quyền điện tử cấp huyện, cấp xã tỉnh Thái Bình năm 2022",
                "Thái Bình 2022 ranking of the digital transformation of departments, districts and communes",
            ),
            version: 1,
            effective_from: "2022-01-01".to_owned(),
            legal_basis: "Kế hoạch của Sở Thông tin và Truyền thông tỉnh Thái Bình, hướng dẫn ngày 15/12/2022"
                .to_owned(),
            periods: vec![PeriodType::Year],
            reporting_levels: vec!["so".to_owned(), "huyen".to_owned(), "xa".to_owned()],
            receiver: text(
                "Sở Thông tin và Truyền thông tỉnh Thái Bình",
                "Thái Bình Department of Information and Communications",
            ),
            deadlines: vec![Deadline { level: "*".to_owned(), days_after_cutoff: 10 }],
            forms: vec![
                scoring_form(
                    "CDS_CAPSO_2022",
                    "TIÊU CHÍ ĐÁNH GIÁ, XẾP HẠNG CHUYỂN ĐỔI SỐ CÁC SỞ, BAN, NGÀNH",
                    "Digital transformation criteria, departments",
                    DEPARTMENT,
                ),
                scoring_form(
                    "CDS_CAPHUYEN_2022",
                    "TIÊU CHÍ ĐÁNH GIÁ, XẾP HẠNG CHUYỂN ĐỔI SỐ CẤP HUYỆN",
                    "Digital transformation criteria, districts",
                    LOCAL,
                ),
                scoring_form(
                    "CDS_CAPXA_2022",
                    "TIÊU CHÍ ĐÁNH GIÁ, XẾP HẠNG CHUYỂN ĐỔI SỐ CẤP XÃ",
                    "Digital transformation criteria, communes",
                    LOCAL,
                ),
            ],
            outlines: vec![],
            catalogues: vec![],
        }
    }

    /// The maximum points come from the criteria list, whatever was typed;
    /// then indices and the total add up their criteria.
    fn compute(manifest: &Manifest, mut data: FormData) -> Result<FormData, String> {
        let list = criteria(&data.form).ok_or_else(|| format!("unknown form {}", data.form))?;
        data.cells.retain(|c| c.col != "max");
        for (code, _, _, max) in list {
            if let Some(max) = max {
                data.cells.push(Cell { row: (*code).to_owned(), col: "max".to_owned(), value: Value::from(*max) });
            }
        }
        Ok(logic::compute(logic::form(manifest, &data.form)?, data))
    }

    /// Beyond the types: every score lies between 0 and the criterion's maximum,
    /// and scores are given per criterion, not per index.
    fn validate(manifest: &Manifest, data: &FormData) -> Result<Vec<CellError>, String> {
        let form = logic::form(manifest, &data.form)?;
        let mut errors = logic::validate(form, data);
        let list = criteria(&data.form).ok_or_else(|| format!("unknown form {}", data.form))?;
        let maxima: HashMap<&str, (&str, Option<f64>)> =
            list.iter().map(|(code, _, title, max)| (*code, (*title, *max))).collect();
        let given = |row: &str, col: &str| {
            data.cells.iter().find(|c| c.row == row && c.col == col).and_then(|c| c.value.as_f64())
        };
        // An index's score is the sum of its criteria (`compute` puts it there); another value was typed on the index itself.
        let sum_of_criteria = |index: &str, col: &str| -> f64 {
            let prefix = format!("{index}.");
            list.iter().filter(|(code, ..)| code.starts_with(&prefix)).filter_map(|(code, ..)| given(code, col)).sum()
        };
        for cell in data.cells.iter().filter(|c| c.col == "self" || c.col == "appraised") {
            let Some(score) = cell.value.as_f64() else {
                continue;
            };
            let Some((title, max)) = maxima.get(cell.row.as_str()) else {
                continue;
            };
            let which = if cell.col == "self" {
                ("điểm tự đánh giá", "self-assessed score")
            } else {
                ("điểm thẩm định", "appraisal score")
            };
            let fail = |vi: String, en: String| CellError {
                row: Some(cell.row.clone()),
                col: Some(cell.col.clone()),
                message: text(&vi, &en),
            };
            match max {
                None if (score - sum_of_criteria(&cell.row, &cell.col)).abs() < 1e-9 => {}
                None => errors.push(fail(
                    format!("Tiêu chí \"{title}\": chỉ chấm {} ở các tiêu chí con.", which.0),
                    format!("Criterion \"{title}\": the {} is given on its sub-criteria only.", which.1),
                )),
                Some(max) if score < 0.0 || score > *max => errors.push(fail(
                    format!("Tiêu chí \"{title}\": {} {} nằm ngoài khoảng 0 – {}.", which.0, vn(score), vn(*max)),
                    format!("Criterion \"{title}\": the {} {score} is outside 0 – {max}.", which.1),
                )),
                Some(_) => {}
            }
        }
        Ok(errors)
    }
}

/// A number as Vietnamese users write it: decimal comma (8,5).
fn vn(x: f64) -> String {
    let s = if x.fract() == 0.0 { format!("{}", x as i64) } else { format!("{x}") };
    s.replace('.', ",")
}

export_regime!(ThaiBinhCds2022);
