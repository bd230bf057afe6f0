//! Regime I of Circular 01/2020/TT-VPCP (Art. 9): "Báo cáo kiểm điểm công tác
//! chỉ đạo, điều hành của Chính phủ, Thủ tướng Chính phủ" — six months and
//! year; ministries, ministry-level and Government agencies and provinces
//! report to the Government Office. Forms I.01, I.02, I.03, I.05 /VPCP/TH and
//! the outline I.01-ĐC; I.04 follows the state-secrets law and is handled
//! outside the system [V].
//!
//! I.01 follows the handbook's screen: projects assigned at the start of the
//! year, added, withdrawn, to submit (column 6, a formula), by level
//! (Politburo / Secretariat), submitted and issued on time or late, not
//! submitted, and the ratio submitted / to submit (column 14, a formula) [V];
//! the exact header words are [U]. I.02 keeps the relation the handbook's save
//! warning quotes, (4) = (5) + (6) …, as checks [V]; its other columns and
//! I.05 are modelled on them [U]. Ministries enter I.01, provinces I.03 — the
//! overdue tasks given to ministries that concern the province, one added row
//! per task (§2.1.a) [V]; its columns follow the handbook's screen of overdue
//! tasks [U].

use baocao_regime_sdk::logic::{ColumnExt, column, new_form, row, rule, section, text, total_row};
use baocao_regime_sdk::*;

pub struct RegimeI;

fn form(code: &str, title_vi: &str, title_en: &str, columns: Vec<Column>, rows: Vec<Row>, modes: Vec<RowMode>) -> Form {
    Form { columns, rows, row_modes: modes, ..new_form(code, text(title_vi, title_en)) }
}

fn i_01() -> Form {
    let level = "Cấp trình";
    let submitted = "Số đề án đã trình";
    let issued = "Số đề án đã được ban hành";
    let mut f = form(
        "I.01/VPCP/TH",
        "TÌNH HÌNH THỰC HIỆN CHƯƠNG TRÌNH CÔNG TÁC CỦA CHÍNH PHỦ, THỦ TƯỚNG CHÍNH PHỦ",
        "Projects of the Government's and the Prime Minister's work programme",
        vec![
            column("c3", 3, &["Số đề án giao đầu năm"], CellType::Integer),
            column("c4", 4, &["Số đề án bổ sung"], CellType::Integer),
            column("c5", 5, &["Số đề án rút khỏi Chương trình"], CellType::Integer),
            column("c6", 6, &["Số đề án phải trình"], CellType::Integer).linear(&[
                ("c3", 1.0),
                ("c4", 1.0),
                ("c5", -1.0),
            ]),
            column("c7", 7, &[level, "Bộ Chính trị"], CellType::Integer),
            column("c8", 8, &[level, "Ban Bí thư"], CellType::Integer),
            column("c9", 9, &[submitted, "Đúng hạn"], CellType::Integer),
            column("c10", 10, &[submitted, "Chậm"], CellType::Integer),
            column("c11", 11, &[issued, "Đúng hạn"], CellType::Integer),
            column("c12", 12, &[issued, "Chậm"], CellType::Integer),
            column("c13", 13, &["Số đề án chưa trình"], CellType::Integer),
            column("c14", 14, &["Tỷ lệ đề án đã trình / phải trình (%)"], CellType::Percent)
                .ratio(&["c9", "c10"], &["c6"]),
        ],
        vec![
            row("chinh-phu", "1", "Đề án trình Chính phủ", 0),
            row("thu-tuong", "2", "Đề án trình Thủ tướng Chính phủ", 0),
            total_row(),
        ],
        vec![RowMode::Fixed],
    );
    // Ministries build and submit the projects (§2.1.a); provinces do not.
    f.unit_levels = vec!["bo".to_owned()];
    f.unit_of_measure = Some("Đơn vị tính: Đề án".to_owned());
    f.provenance =
        Some("Màn hình biểu I.01 trong Tài liệu hướng dẫn sử dụng của VPCP; tên cột chi tiết [U]".to_owned());
    f
}

fn i_02() -> Form {
    let done = "Đã hoàn thành";
    let open = "Chưa hoàn thành";
    let mut f = form(
        "I.02/VPCP/TH",
        "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CHÍNH PHỦ, THỦ TƯỚNG CHÍNH PHỦ GIAO",
        "Tasks assigned by the Government and the Prime Minister",
        vec![
            column("c3", 3, &["Tổng số nhiệm vụ được giao"], CellType::Integer),
            column("c4", 4, &[done, "Tổng số"], CellType::Integer),
            column("c5", 5, &[done, "Đúng hạn"], CellType::Integer),
            column("c6", 6, &[done, "Quá hạn"], CellType::Integer),
            column("c7", 7, &[open, "Tổng số"], CellType::Integer),
            column("c8", 8, &[open, "Trong hạn"], CellType::Integer),
            column("c9", 9, &[open, "Quá hạn"], CellType::Integer),
        ],
        vec![
            row("khong-mat", "1", "Nhiệm vụ tại văn bản không mật", 0),
            row("mat", "2", "Nhiệm vụ tại văn bản mật", 0),
            total_row(),
        ],
        vec![RowMode::Fixed],
    );
    f.unit_of_measure = Some("Đơn vị tính: Nhiệm vụ".to_owned());
    f.rules = vec![
        rule("c3", &["c4", "c7"], "(3) = (4) + (7)"),
        rule("c4", &["c5", "c6"], "(4) = (5) + (6)"),
        rule("c7", &["c8", "c9"], "(7) = (8) + (9)"),
    ];
    f.provenance =
        Some("Ràng buộc (4) = (5) + (6) theo cảnh báo khi lưu trong Tài liệu hướng dẫn; các cột khác [U]".to_owned());
    f
}

/// Provinces list, row by row ("+" on the handbook's screen), the tasks the
/// Government gave ministries that concern the province but are overdue.
fn i_03() -> Form {
    let mut f = form(
        "I.03/VPCP/TH",
        "NHIỆM VỤ GIAO BỘ, CƠ QUAN LIÊN QUAN ĐẾN ĐỊA PHƯƠNG NHƯNG CHƯA THỰC HIỆN (QUÁ HẠN)",
        "Overdue tasks given to ministries that concern the province",
        vec![
            // A detail form: the receiver lists every province's rows as they are.
            column("c3", 3, &["Bộ, cơ quan được giao"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("c4", 4, &["Văn bản giao nhiệm vụ"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("c5", 5, &["Nội dung nhiệm vụ"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("c6", 6, &["Thời hạn thực hiện"], CellType::Date).aggregate(Aggregate::CopyPerUnit),
            column("c7", 7, &["Nguyên nhân, kiến nghị"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
        ],
        vec![],
        vec![RowMode::FreeText],
    );
    f.unit_levels = vec!["tinh".to_owned()];
    f.provenance = Some(
        "Tiêu đề và cách thêm dòng theo Tài liệu hướng dẫn (§2.1.a); cột theo màn hình chi tiết nhiệm vụ quá hạn [U]"
            .to_owned(),
    );
    f
}

fn i_04() -> Form {
    let mut f = form(
        "I.04/VPCP/TH",
        "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ TẠI VĂN BẢN MẬT",
        "Tasks in classified documents",
        vec![column("c3", 3, &["Số nhiệm vụ"], CellType::Integer)],
        vec![],
        vec![RowMode::Fixed],
    );
    // The state-secrets law forbids sending it through the system.
    f.outside_system = true;
    f.provenance = Some("Thực hiện theo pháp luật về bảo vệ bí mật nhà nước, không gửi qua Hệ thống".to_owned());
    f
}

fn i_05() -> Form {
    let mut f = form(
        "I.05/VPCP/TH",
        "DANH MỤC NHIỆM VỤ CHẬM, CHƯA HOÀN THÀNH",
        "Tasks late or not completed",
        vec![
            // A detail form: the receiver lists every unit's rows as they are.
            column("c3", 3, &["Văn bản giao nhiệm vụ"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("c4", 4, &["Thời hạn"], CellType::Date).aggregate(Aggregate::CopyPerUnit),
            column("c5", 5, &["Tình hình thực hiện"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
            column("c6", 6, &["Lý do chậm, chưa hoàn thành"], CellType::Text).aggregate(Aggregate::CopyPerUnit),
        ],
        vec![],
        vec![RowMode::FreeText],
    );
    f.provenance = Some("Biểu thêm dòng theo Thông tư; cột [U]".to_owned());
    f
}

fn outline() -> Outline {
    let s = section;
    Outline {
        code: "I.01-ĐC".to_owned(),
        title: text(
            "Đề cương báo cáo kiểm điểm công tác chỉ đạo, điều hành",
            "Outline of the review of direction and management",
        ),
        sections: vec![
            s(
                "1",
                "I",
                "Tình hình thực hiện Chương trình công tác",
                "Kết quả xây dựng, trình các đề án; nguyên nhân chậm trình.",
                0,
            ),
            s(
                "2",
                "II",
                "Tình hình thực hiện nhiệm vụ được giao",
                "Số nhiệm vụ được giao, đã hoàn thành, chưa hoàn thành; đánh giá.",
                0,
            ),
            s("3", "III", "Đánh giá chung", "Ưu điểm, tồn tại, hạn chế và nguyên nhân.", 0),
            s("4", "IV", "Kiến nghị, đề xuất", "Kiến nghị với Chính phủ, Thủ tướng Chính phủ.", 0),
        ],
    }
}

impl Regime for RegimeI {
    fn manifest() -> Manifest {
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            code: "TT01-I".to_owned(),
            name: text(
                "Báo cáo kiểm điểm công tác chỉ đạo, điều hành của Chính phủ, Thủ tướng Chính phủ",
                "Review of the direction and management of the Government and the Prime Minister",
            ),
            version: 2,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 9".to_owned(),
            periods: vec![PeriodType::HalfYear, PeriodType::Year],
            reporting_levels: vec!["bo".to_owned(), "tinh".to_owned()],
            receiver: text("Văn phòng Chính phủ", "The Government Office"),
            // The cut-off follows the Government's working rules (Decree 39/2022) [S]; by the 25th [U].
            deadlines: vec![Deadline { level: "*".to_owned(), days_after_cutoff: 11 }],
            forms: vec![i_01(), i_02(), i_03(), i_04(), i_05()],
            outlines: vec![outline()],
            catalogues: vec![],
        }
    }
}

export_regime!(RegimeI);
