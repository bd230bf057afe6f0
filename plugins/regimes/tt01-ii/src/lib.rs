//! Regime II of Circular 01/2020/TT-VPCP (Art. 10): control of administrative
//! procedures (TTHC), the one-stop and inter-agency one-stop mechanisms and
//! TTHC online — quarters I, II, III and the year (the year report replaces
//! the fourth quarter's). Deadlines per level follow Bắc Kạn's Q3/2021
//! practice [S]: communes and district offices to the district by the 16th,
//! departments to the province by the 18th, districts to the province by the
//! 19th, province or ministry to VPCP by about the 20th [U].
//!
//! II.06a and II.07b follow the columns found in public implementations with
//! the relations of `shared/regimes.md` [U]; II.06a's rows are picked from the
//! catalogue of TTHC fields (Công an, Công Thương, Giáo dục và Đào tạo …), as
//! on the handbook's screen. The other forms of Appendix II (II.01a, II.02a,
//! II.03a, II.04a, II.05a, II.07a, II.08) are modelled on them and on the
//! regime's subject [U]: correct them in a new plugin version when the
//! appendix is at hand. The outline II.01-ĐC follows the regime's subject [U].

use baocao_regime_sdk::logic::{self, ColumnExt, column, new_form, rule, text, total_row};
use baocao_regime_sdk::*;

pub struct RegimeIi;

fn base(code: &str, title_vi: &str, title_en: &str, columns: Vec<Column>) -> Form {
    Form {
        unit_of_measure: Some("Đơn vị tính: Thủ tục hành chính, hồ sơ".to_owned()),
        columns,
        rows: vec![total_row()],
        row_modes: vec![RowMode::Fixed, RowMode::Catalogue],
        catalogue: Some("linh_vuc_tthc".to_owned()),
        ..new_form(code, text(title_vi, title_en))
    }
}

fn ii_06a() -> Form {
    let received = "Số hồ sơ tiếp nhận";
    let resolved = "Số hồ sơ đã giải quyết";
    let pending = "Số hồ sơ đang giải quyết";
    let mut f = base(
        "II.06a/VPCP/KSTT",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Administrative procedures handled at the public administration service centre",
        vec![
            column("c3", 3, &[received, "Tổng số"], CellType::Integer).sum(&["c4", "c5", "c6"]),
            column("c4", 4, &[received, "Trực tuyến"], CellType::Integer),
            column("c5", 5, &[received, "Trực tiếp, dịch vụ bưu chính"], CellType::Integer),
            column("c6", 6, &[received, "Từ kỳ trước chuyển qua"], CellType::Integer),
            column("c7", 7, &[resolved, "Tổng số"], CellType::Integer).sum(&["c8", "c9", "c10"]),
            column("c8", 8, &[resolved, "Trước hạn"], CellType::Integer),
            column("c9", 9, &[resolved, "Đúng hạn"], CellType::Integer),
            column("c10", 10, &[resolved, "Quá hạn"], CellType::Integer),
            column("c11", 11, &[pending, "Tổng số"], CellType::Integer).sum(&["c12", "c13"]),
            column("c12", 12, &[pending, "Trong hạn"], CellType::Integer),
            column("c13", 13, &[pending, "Quá hạn"], CellType::Integer),
        ],
    );
    // Received = resolved + pending. (Column 6 of a period equals column 11 of
    // the previous one: a cross-period check for when reports are stored.)
    f.rules = vec![rule("c3", &["c7", "c11"], "(3) = (7) + (11)")];
    f.provenance =
        Some("Cột theo các triển khai công khai của biểu II.06a và màn hình Tài liệu hướng dẫn [U]".to_owned());
    f
}

fn ii_07b() -> Form {
    let authority = "Số TTHC thuộc thẩm quyền giải quyết của địa phương";
    let one_stop = "Số TTHC thực hiện cơ chế một cửa, một cửa liên thông";
    let internal = "Số TTHC nội bộ đã ban hành";
    let mut f = base(
        "II.07b/VPCP/KSTT",
        "TỔNG HỢP SỐ LƯỢNG THỦ TỤC HÀNH CHÍNH",
        "Number of administrative procedures",
        vec![
            column("c3", 3, &[authority, "Tổng số"], CellType::Integer),
            column("c4", 4, &[authority, "Cấp tỉnh"], CellType::Integer),
            column("c5", 5, &[authority, "Cấp huyện"], CellType::Integer),
            column("c6", 6, &[authority, "Cấp xã"], CellType::Integer),
            column("c7", 7, &[one_stop, "Tổng số"], CellType::Integer),
            column("c8", 8, &[one_stop, "Tại Bộ phận một cửa cấp tỉnh"], CellType::Integer),
            column("c9", 9, &[one_stop, "Tại Bộ phận một cửa cấp huyện"], CellType::Integer),
            column("c10", 10, &[one_stop, "Tại Bộ phận một cửa cấp xã"], CellType::Integer),
            column("c11", 11, &[internal, "Tổng số"], CellType::Integer),
            column("c12", 12, &[internal, "Cấp tỉnh"], CellType::Integer),
            column("c13", 13, &[internal, "Cấp huyện"], CellType::Integer),
            column("c14", 14, &[internal, "Cấp xã"], CellType::Integer),
        ],
    );
    f.catalogue = Some("don_vi".to_owned());
    f.rules = vec![
        rule("c3", &["c4", "c5", "c6"], "(3) = (4) + (5) + (6)"),
        rule("c7", &["c8", "c9", "c10"], "(7) = (8) + (9) + (10)"),
        rule("c11", &["c12", "c13", "c14"], "(11) = (12) + (13) + (14)"),
    ];
    f.provenance = Some("Cột theo các triển khai công khai của biểu II.07b [U]".to_owned());
    f
}

fn ii_01a() -> Form {
    let mut f = base(
        "II.01a/VPCP/KSTT",
        "TÌNH HÌNH CÔNG BỐ, CÔNG KHAI THỦ TỤC HÀNH CHÍNH",
        "Publication of administrative procedures",
        vec![
            column("c3", 3, &["Số quyết định công bố đã ban hành"], CellType::Integer),
            column("c4", 4, &["Số TTHC đã công bố", "Tổng số"], CellType::Integer).sum(&["c5", "c6", "c7"]),
            column("c5", 5, &["Số TTHC đã công bố", "Ban hành mới"], CellType::Integer),
            column("c6", 6, &["Số TTHC đã công bố", "Sửa đổi, bổ sung"], CellType::Integer),
            column("c7", 7, &["Số TTHC đã công bố", "Bãi bỏ"], CellType::Integer),
            column("c8", 8, &["Số TTHC đã công khai trên Cơ sở dữ liệu quốc gia"], CellType::Integer),
        ],
    );
    f.provenance = Some("Mô phỏng theo biểu II.06a, II.07b [U]".to_owned());
    f
}

fn modelled(code: &str, title_vi: &str, title_en: &str, columns: Vec<Column>, rules: Vec<Rule>) -> Form {
    let mut f = base(code, title_vi, title_en, columns);
    f.rules = rules;
    f.provenance =
        Some("Mô phỏng theo biểu II.06a, II.07b và nội dung Điều 10 Thông tư 01/2020/TT-VPCP [U]".to_owned());
    f
}

fn ii_02a() -> Form {
    modelled(
        "II.02a/VPCP/KSTT",
        "KẾT QUẢ RÀ SOÁT, ĐƠN GIẢN HÓA THỦ TỤC HÀNH CHÍNH",
        "Review and simplification of administrative procedures",
        vec![
            column("c3", 3, &["Số TTHC được rà soát"], CellType::Integer),
            column("c4", 4, &["Số TTHC đề xuất đơn giản hóa"], CellType::Integer),
            column("c5", 5, &["Tỷ lệ đề xuất đơn giản hóa (%)"], CellType::Percent).percent("c4", "c3"),
            column("c6", 6, &["Chi phí tuân thủ tiết kiệm được (triệu đồng)"], CellType::Decimal),
        ],
        vec![],
    )
}

fn ii_03a() -> Form {
    let received = "Số phản ánh, kiến nghị tiếp nhận";
    modelled(
        "II.03a/VPCP/KSTT",
        "TÌNH HÌNH TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ VỀ QUY ĐỊNH HÀNH CHÍNH",
        "Feedback and petitions on administrative rules",
        vec![
            column("c3", 3, &[received, "Tổng số"], CellType::Integer).sum(&["c4", "c5"]),
            column("c4", 4, &[received, "Trực tuyến"], CellType::Integer),
            column("c5", 5, &[received, "Trực tiếp, bưu chính"], CellType::Integer),
            column("c6", 6, &["Số đã xử lý"], CellType::Integer),
            column("c7", 7, &["Số đang xử lý"], CellType::Integer),
        ],
        vec![rule("c3", &["c6", "c7"], "(3) = (6) + (7)")],
    )
}

fn ii_04a() -> Form {
    let linked = "Số TTHC thực hiện liên thông";
    modelled(
        "II.04a/VPCP/KSTT",
        "KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA LIÊN THÔNG",
        "The inter-agency one-stop mechanism",
        vec![
            column("c3", 3, &[linked, "Tổng số"], CellType::Integer).sum(&["c4", "c5"]),
            column("c4", 4, &[linked, "Cùng cấp"], CellType::Integer),
            column("c5", 5, &[linked, "Giữa các cấp"], CellType::Integer),
            column("c6", 6, &["Số hồ sơ liên thông đã giải quyết"], CellType::Integer),
        ],
        vec![],
    )
}

fn ii_05a() -> Form {
    modelled(
        "II.05a/VPCP/KSTT",
        "TÌNH HÌNH SỐ HÓA HỒ SƠ, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Digitisation of files and results of administrative procedures",
        vec![
            column("c3", 3, &["Số hồ sơ tiếp nhận"], CellType::Integer),
            column("c4", 4, &["Số hồ sơ được số hóa"], CellType::Integer),
            column("c5", 5, &["Tỷ lệ số hóa (%)"], CellType::Percent).percent("c4", "c3"),
            column("c6", 6, &["Số kết quả giải quyết được số hóa"], CellType::Integer),
        ],
        vec![],
    )
}

fn ii_07a() -> Form {
    let count = "Số TTHC thuộc phạm vi quản lý";
    modelled(
        "II.07a/VPCP/KSTT",
        "TỔNG HỢP SỐ LƯỢNG THỦ TỤC HÀNH CHÍNH THUỘC PHẠM VI QUẢN LÝ CỦA BỘ, NGÀNH",
        "Number of administrative procedures in a ministry's remit",
        vec![
            column("c3", 3, &[count, "Tổng số"], CellType::Integer),
            column("c4", 4, &[count, "Cấp trung ương"], CellType::Integer),
            column("c5", 5, &[count, "Cấp tỉnh"], CellType::Integer),
            column("c6", 6, &[count, "Cấp huyện, cấp xã"], CellType::Integer),
        ],
        vec![rule("c3", &["c4", "c5", "c6"], "(3) = (4) + (5) + (6)")],
    )
}

fn ii_08() -> Form {
    let mut f = base(
        "II.08/VPCP/KSTT",
        "KẾT QUẢ THỰC HIỆN THỦ TỤC HÀNH CHÍNH TRÊN MÔI TRƯỜNG ĐIỆN TỬ",
        "Administrative procedures carried out online",
        vec![
            column("c3", 3, &["Số TTHC cung cấp dịch vụ công trực tuyến", "Tổng số"], CellType::Integer)
                .sum(&["c4", "c5"]),
            column("c4", 4, &["Số TTHC cung cấp dịch vụ công trực tuyến", "Toàn trình"], CellType::Integer),
            column("c5", 5, &["Số TTHC cung cấp dịch vụ công trực tuyến", "Một phần"], CellType::Integer),
            column("c6", 6, &["Số hồ sơ trực tuyến"], CellType::Integer),
            column("c7", 7, &["Tổng số hồ sơ"], CellType::Integer),
            column("c8", 8, &["Tỷ lệ hồ sơ trực tuyến (%)"], CellType::Percent).percent("c6", "c7"),
        ],
    );
    f.provenance = Some("Mô phỏng theo biểu II.06a và các cột tỷ lệ [U]".to_owned());
    f
}

fn outline() -> Outline {
    let s = |code: &str, label: &str, title: &str, guidance: &str| Section {
        code: code.to_owned(),
        label: label.to_owned(),
        title: title.to_owned(),
        guidance: guidance.to_owned(),
        level: 0,
    };
    Outline {
        code: "II.01-ĐC".to_owned(),
        title: text(
            "Đề cương báo cáo công tác kiểm soát thủ tục hành chính",
            "Outline of the report on administrative-procedure control",
        ),
        sections: vec![
            s("1", "I", "Công tác chỉ đạo, điều hành", "Văn bản chỉ đạo, kế hoạch kiểm soát TTHC trong kỳ."),
            s("2", "II", "Kết quả kiểm soát, công bố, công khai TTHC", "Kết quả theo các biểu II.01a …"),
            s(
                "3",
                "III",
                "Thực hiện cơ chế một cửa, một cửa liên thông và TTHC trên môi trường điện tử",
                "Kết quả theo các biểu II.06a, II.08.",
            ),
            s("4", "IV", "Tồn tại, hạn chế, nguyên nhân", ""),
            s("5", "V", "Nhiệm vụ kỳ tới và kiến nghị", ""),
        ],
    }
}

impl Regime for RegimeIi {
    fn manifest() -> Manifest {
        let days = |level: &str, days_after_cutoff: u32| Deadline { level: level.to_owned(), days_after_cutoff };
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            code: "TT01-II".to_owned(),
            name: text(
                "Báo cáo công tác kiểm soát thủ tục hành chính, triển khai cơ chế một cửa, một cửa liên thông và thực hiện thủ tục hành chính trên môi trường điện tử",
                "Control of administrative procedures, the one-stop mechanisms and procedures online",
            ),
            version: 1,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 10".to_owned(),
            periods: vec![PeriodType::Quarter, PeriodType::Year],
            reporting_levels: vec![
                "xa".to_owned(),
                "huyen".to_owned(),
                "so".to_owned(),
                "tinh".to_owned(),
                "bo".to_owned(),
            ],
            receiver: text(
                "Cấp trên trực tiếp; tỉnh và bộ gửi Văn phòng Chính phủ",
                "The level above; provinces and ministries send to the Government Office",
            ),
            deadlines: vec![days("xa", 2), days("huyen", 5), days("so", 4), days("tinh", 6), days("bo", 6)],
            forms: vec![ii_01a(), ii_02a(), ii_03a(), ii_04a(), ii_05a(), ii_06a(), ii_07a(), ii_07b(), ii_08()],
            outlines: vec![outline()],
            catalogues: vec!["linh_vuc_tthc".to_owned(), "don_vi".to_owned()],
        }
    }

    /// Quarters I, II and III only: the year's report stands for the fourth quarter.
    fn schedule(manifest: &Manifest, request: &ScheduleRequest) -> Result<Vec<PeriodWindow>, String> {
        let mut windows = logic::schedule(manifest, request)?;
        if request.period == PeriodType::Quarter {
            windows.retain(|w| w.number <= 3);
        }
        Ok(windows)
    }
}

export_regime!(RegimeIi);
