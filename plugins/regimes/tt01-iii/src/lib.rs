//! Regime III of Circular 01/2020/TT-VPCP (Art. 11): "Báo cáo về tổ chức các
//! cuộc họp" — yearly, data from 15/12 of the previous year to 14/12. Every
//! level aggregates its children and adds its own meetings: commune → district
//! by 17/12, district → province by 19/12, province and ministries → VPCP by
//! 22/12 [V]. Since 1 July 2025 the district level is gone; the chain comes
//! from the unit tree, the deadlines stay per level.
//!
//! Form III.01a adds rows by picking the unit from the catalogue [V]. Its
//! columns are not in the public texts; they are modelled on the circular's
//! subject (meetings held, in person or online, chaired by the leader) [U] —
//! edit them in a new plugin version when the appendix is at hand.

use baocao_regime_sdk::logic::{ColumnExt, column, new_form, text, total_row};
use baocao_regime_sdk::*;

pub struct RegimeIii;

fn iii_01a() -> Form {
    let held = "Số cuộc họp đã tổ chức";
    Form {
        unit_of_measure: Some("Đơn vị tính: Cuộc họp".to_owned()),
        columns: vec![
            column("c3", 3, &[held, "Tổng số"], CellType::Integer).sum(&["c4", "c5"]),
            column("c4", 4, &[held, "Họp trực tiếp"], CellType::Integer),
            column("c5", 5, &[held, "Họp trực tuyến"], CellType::Integer),
            column("c6", 6, &["Số cuộc họp do lãnh đạo chủ trì"], CellType::Integer),
            column("c7", 7, &["Tỷ lệ họp trực tuyến (%)"], CellType::Percent).percent("c5", "c3"),
            column("c8", 8, &["Ghi chú"], CellType::Text),
        ],
        rows: vec![total_row()],
        row_modes: vec![RowMode::Fixed, RowMode::Catalogue],
        catalogue: Some("don_vi".to_owned()),
        provenance: Some("Cột mô phỏng theo nội dung Điều 11 Thông tư 01/2020/TT-VPCP [U]".to_owned()),
        ..new_form("III.01a/VPCP/KSTT", text("TÌNH HÌNH TỔ CHỨC CÁC CUỘC HỌP", "Meetings organised"))
    }
}

impl Regime for RegimeIii {
    fn manifest() -> Manifest {
        let days = |level: &str, days_after_cutoff: u32| Deadline { level: level.to_owned(), days_after_cutoff };
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            code: "TT01-III".to_owned(),
            name: text("Báo cáo về tổ chức các cuộc họp", "Report on the organisation of meetings"),
            version: 1,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 11".to_owned(),
            periods: vec![PeriodType::Year],
            reporting_levels: vec!["xa".to_owned(), "huyen".to_owned(), "tinh".to_owned(), "bo".to_owned()],
            receiver: text(
                "Cấp trên trực tiếp; bộ và tỉnh gửi Văn phòng Chính phủ",
                "The level above; ministries and provinces send to the Government Office",
            ),
            // The cut-off is 14/12: commune 17/12, district 19/12, province and ministry 22/12.
            deadlines: vec![days("xa", 3), days("huyen", 5), days("tinh", 8), days("bo", 8)],
            forms: vec![iii_01a()],
            outlines: vec![],
            catalogues: vec!["don_vi".to_owned()],
        }
    }
}

export_regime!(RegimeIii);
