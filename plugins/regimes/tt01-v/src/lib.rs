//! Regime V of Circular 01/2020/TT-VPCP: "Kết quả chuẩn hóa, điện tử hóa chế
//! độ báo cáo và triển khai Hệ thống thông tin báo cáo" — six months and year,
//! ministries and provinces report to the Government Office.
//!
//! V.01 follows the handbook's screen [V]: the regimes in scope; those
//! standardised (serving the unit's own direction; reporting to the
//! Government and the Prime Minister; to the National Assembly), cumulative
//! and in the period (the two fixed rows); those published after
//! standardisation and the publishing document. V.02 is not shown in the
//! public texts; it is modelled on V.01 and on the system's deployment [U].

use baocao_regime_sdk::logic::{ColumnExt, column, new_form, row, text, total_row};
use baocao_regime_sdk::*;

pub struct RegimeV;

fn v_01() -> Form {
    let done = "Số chế độ báo cáo đã chuẩn hóa";
    Form {
        unit_of_measure: Some("Đơn vị tính: Chế độ báo cáo".to_owned()),
        columns: vec![
            column("c3", 3, &["Tổng số chế độ báo cáo thuộc phạm vi chuẩn hóa"], CellType::Integer),
            column("c4", 4, &[done, "Tổng số"], CellType::Integer).sum(&["c5", "c6", "c7"]),
            column("c5", 5, &[done, "Phục vụ chỉ đạo, điều hành của bộ, ngành, địa phương"], CellType::Integer),
            column("c6", 6, &[done, "Gửi Chính phủ, Thủ tướng Chính phủ"], CellType::Integer),
            column("c7", 7, &[done, "Gửi Quốc hội, cơ quan của Quốc hội"], CellType::Integer),
            column("c8", 8, &["Số chế độ báo cáo đã công bố sau chuẩn hóa"], CellType::Integer),
            column("c9", 9, &["Văn bản công bố"], CellType::Text),
        ],
        rows: vec![row("luy-ke", "1", "Lũy kế đến kỳ báo cáo", 0), row("trong-ky", "2", "Trong kỳ báo cáo", 0)],
        provenance: Some("Màn hình biểu V.01 trong Tài liệu hướng dẫn sử dụng của VPCP".to_owned()),
        ..new_form("V.01/VPCP/KSTT", text("KẾT QUẢ CHUẨN HÓA CHẾ ĐỘ BÁO CÁO", "Standardisation of reporting regimes"))
    }
}

fn v_02() -> Form {
    Form {
        unit_of_measure: Some("Đơn vị tính: Chế độ báo cáo, đơn vị".to_owned()),
        columns: vec![
            column("c3", 3, &["Số chế độ báo cáo đã chuẩn hóa"], CellType::Integer),
            column("c4", 4, &["Số chế độ báo cáo đã tích hợp lên Hệ thống thông tin báo cáo"], CellType::Integer),
            column("c5", 5, &["Tỷ lệ tích hợp (%)"], CellType::Percent).percent("c4", "c3"),
            column("c6", 6, &["Số đơn vị đã kết nối, gửi báo cáo qua Hệ thống"], CellType::Integer),
            column("c7", 7, &["Ghi chú"], CellType::Text),
        ],
        rows: vec![total_row()],
        row_modes: vec![RowMode::Fixed, RowMode::Catalogue],
        catalogue: Some("don_vi".to_owned()),
        provenance: Some("Mô phỏng theo biểu V.01 và nội dung triển khai Hệ thống thông tin báo cáo [U]".to_owned()),
        ..new_form(
            "V.02/VPCP/KSTT",
            text(
                "KẾT QUẢ ĐIỆN TỬ HÓA CHẾ ĐỘ BÁO CÁO VÀ TRIỂN KHAI HỆ THỐNG THÔNG TIN BÁO CÁO",
                "Digitisation of reporting regimes and deployment of the reporting system",
            ),
        )
    }
}

impl Regime for RegimeV {
    fn manifest() -> Manifest {
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            code: "TT01-V".to_owned(),
            name: text(
                "Báo cáo kết quả chuẩn hóa, điện tử hóa chế độ báo cáo và triển khai Hệ thống thông tin báo cáo",
                "Standardising and digitising reporting regimes and deploying the reporting information system",
            ),
            version: 1,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 13".to_owned(),
            periods: vec![PeriodType::HalfYear, PeriodType::Year],
            reporting_levels: vec!["bo".to_owned(), "tinh".to_owned()],
            receiver: text("Văn phòng Chính phủ", "The Government Office"),
            // Decree 09/2019 Art. 13: by the 25th of the period's last month, i.e. 11 days after the 14th [V].
            deadlines: vec![Deadline { level: "*".to_owned(), days_after_cutoff: 11 }],
            forms: vec![v_01(), v_02()],
            outlines: vec![],
            catalogues: vec!["don_vi".to_owned()],
        }
    }
}

export_regime!(RegimeV);
