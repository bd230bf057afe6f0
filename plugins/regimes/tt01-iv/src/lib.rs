//! Regime IV of Circular 01/2020/TT-VPCP: "Gửi, nhận văn bản điện tử và xử lý
//! hồ sơ công việc trên môi trường mạng" — quarterly, ministries and provinces
//! report to the Government Office.
//!
//! Sources: the VPCP handbook's screen of IV.02a (columns 3 and 7 are
//! formulas; its sample row 222 = 17 + 85 + 120 shows (3) = (4) + (5) + (6)),
//! and `shared/regimes.md`. The title is taken from the handbook [U]; the
//! columns of IV.01 are not in the public texts and are modelled on IV.02a and
//! the ratio columns of I.01 [U] — edit them in a new plugin version when the
//! circular's appendix is at hand.

use baocao_regime_sdk::logic::{ColumnExt, column, new_form, rule, text, total_row};
use baocao_regime_sdk::*;

pub struct RegimeIv;

const TT01: &str = "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 12";

fn iv_01() -> Form {
    let sent = "Văn bản đi";
    let received = "Văn bản đến";
    Form {
        unit_of_measure: Some("Đơn vị tính: Văn bản".to_owned()),
        columns: vec![
            column("c3", 3, &[sent, "Tổng số"], CellType::Integer),
            column("c4", 4, &[sent, "Gửi dưới dạng điện tử"], CellType::Integer),
            column("c5", 5, &[sent, "Tỷ lệ (%)"], CellType::Percent).percent("c4", "c3"),
            column("c6", 6, &[received, "Tổng số"], CellType::Integer),
            column("c7", 7, &[received, "Nhận dưới dạng điện tử"], CellType::Integer),
            column("c8", 8, &[received, "Tỷ lệ (%)"], CellType::Percent).percent("c7", "c6"),
        ],
        rows: vec![total_row()],
        row_modes: vec![RowMode::Fixed, RowMode::Catalogue],
        catalogue: Some("don_vi".to_owned()),
        provenance: Some("Cột mô phỏng theo biểu IV.02a và các cột tỷ lệ của biểu I.01 [U]".to_owned()),
        ..new_form(
            "IV.01/VPCP/KSTT",
            text("TÌNH HÌNH GỬI, NHẬN VĂN BẢN ĐIỆN TỬ", "Electronic documents sent and received"),
        )
    }
}

fn iv_02a() -> Form {
    let g1 = "Số đơn vị thực hiện gửi, nhận văn bản điện tử";
    let g2 = "Số đơn vị xử lý hồ sơ công việc trên môi trường mạng";
    let g3 = "Tổng số đơn vị trên địa bàn";
    Form {
        unit_of_measure: Some("Đơn vị tính: Đơn vị".to_owned()),
        columns: vec![
            column("c3", 3, &[g1, "Tổng số"], CellType::Integer).sum(&["c4", "c5", "c6"]),
            column("c4", 4, &[g1, "Sở, ban, ngành"], CellType::Integer),
            column("c5", 5, &[g1, "UBND cấp huyện"], CellType::Integer),
            column("c6", 6, &[g1, "UBND cấp xã"], CellType::Integer),
            column("c7", 7, &[g2, "Tổng số"], CellType::Integer).sum(&["c8", "c9", "c10"]),
            column("c8", 8, &[g2, "Sở, ban, ngành"], CellType::Integer),
            column("c9", 9, &[g2, "UBND cấp huyện"], CellType::Integer),
            column("c10", 10, &[g2, "UBND cấp xã"], CellType::Integer),
            column("c11", 11, &[g3, "Tổng số"], CellType::Integer),
            column("c12", 12, &[g3, "Sở, ban, ngành"], CellType::Integer),
            column("c13", 13, &[g3, "UBND cấp huyện"], CellType::Integer),
            column("c14", 14, &[g3, "UBND cấp xã"], CellType::Integer),
        ],
        rows: vec![total_row()],
        row_modes: vec![RowMode::Fixed, RowMode::Catalogue],
        catalogue: Some("dia_phuong".to_owned()),
        // (11) = (12) + (13) + (14) follows the layout of the other groups [U].
        rules: vec![rule("c11", &["c12", "c13", "c14"], "(11) = (12) + (13) + (14)")],
        provenance: Some("Màn hình biểu IV.02a trong Tài liệu hướng dẫn sử dụng của VPCP".to_owned()),
        ..new_form(
            "IV.02a/VPCP/KSTT",
            text(
                "TÌNH HÌNH GỬI, NHẬN VĂN BẢN ĐIỆN TỬ VÀ XỬ LÝ HỒ SƠ CÔNG VIỆC TRÊN MÔI TRƯỜNG MẠNG TẠI ĐỊA PHƯƠNG",
                "Units sending and receiving electronic documents and handling work files online, by locality",
            ),
        )
    }
}

impl Regime for RegimeIv {
    fn manifest() -> Manifest {
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            code: "TT01-IV".to_owned(),
            name: text(
                "Báo cáo tình hình gửi, nhận văn bản điện tử và xử lý hồ sơ công việc trên môi trường mạng",
                "Sending and receiving electronic documents and handling work files online",
            ),
            version: 1,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: TT01.to_owned(),
            periods: vec![PeriodType::Quarter],
            reporting_levels: vec!["bo".to_owned(), "tinh".to_owned()],
            receiver: text("Văn phòng Chính phủ", "The Government Office"),
            // Decree 09/2019 Art. 13: by the 25th of the period's last month … here the
            // handbook's practice of ~6 days after the cut-off [U].
            deadlines: vec![Deadline { level: "*".to_owned(), days_after_cutoff: 6 }],
            forms: vec![iv_01(), iv_02a()],
            outlines: vec![],
            catalogues: vec!["don_vi".to_owned(), "dia_phuong".to_owned()],
        }
    }
}

export_regime!(RegimeIv);
