//! Regime II of Circular 01/2020/TT-VPCP (Art. 10): control of administrative
//! procedures (TTHC), the one-stop and inter-agency one-stop mechanisms and
//! TTHC online — quarters I, II, III and the year (the year report replaces
//! the fourth quarter's). Deadlines per level follow Bắc Kạn's Q3/2021
//! practice [S]: communes and district offices to the district by the 16th,
//! departments to the province by the 18th, districts to the province by the
//! 19th, province or ministry to VPCP by about the 20th [U].
//!
//! The forms and who enters them follow the handbook's §2.1.b [V]: the
//! ministries' departments II.01a (impact assessment), II.02b (appraisal of
//! procedures in circulars), II.03a (publication), II.04 (review and
//! simplification), II.07a (one-stop desk) and II.08 (online), Bộ Tư pháp also
//! II.02a; the central vertical agencies II.02c, II.07a and II.08; the
//! localities II.05a, II.06a (the handbook writes "II.06") and II.07b, whose
//! rows are picked from the catalogue of TTHC fields (Công an, Công Thương,
//! Giáo dục và Đào tạo …) or of units, as on the handbook's screen.
//! II.06a and II.07b follow the columns found in public implementations with
//! the relations of `shared/regimes.md` [U]; the other forms' columns are
//! modelled on them and on the regime's subject [U]: correct them in a new
//! plugin version when the appendix is at hand. The outline II.01-ĐC follows
//! the regime's subject [U]. Version 2 replaced version 1's forms, which
//! strayed from the handbook.

use baocao_regime_sdk::logic::{self, ColumnExt, column, new_form, rule, section, text, total_row};
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
    f.provenance = Some(
        "Cột theo các triển khai công khai của biểu II.06a và màn hình Tài liệu hướng dẫn; Tài liệu ghi \"II.06/VPCP/KSTT\" [U]"
            .to_owned(),
    );
    entered_at(f, &[LOCALITY])
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
    entered_at(f, &[LOCALITY])
}

/// Who enters which form (handbook §2.1.b): the ministries' departments
/// (and the ministry, which aggregates them), the central vertical agencies,
/// and the localities (the province or the departments it designates, the
/// districts, the communes).
const MINISTRY: &[&str] = &["bo", "cuc_vu"];
const VERTICAL: &[&str] = &["nganh_doc_tw"];
const LOCALITY: &[&str] = &["tinh", "so", "huyen", "xa"];

fn entered_at(mut f: Form, levels: &[&[&str]]) -> Form {
    f.unit_levels = levels.iter().flat_map(|l| l.iter()).map(|l| (*l).to_owned()).collect();
    f
}

fn modelled(code: &str, title_vi: &str, title_en: &str, columns: Vec<Column>, rules: Vec<Rule>) -> Form {
    let mut f = base(code, title_vi, title_en, columns);
    f.rules = rules;
    f.provenance = Some(
        "Tiêu đề và đơn vị nhập theo Tài liệu hướng dẫn §2.1.b; cột mô phỏng theo biểu II.06a, II.07b và Điều 10 Thông tư 01/2020/TT-VPCP [U]"
            .to_owned(),
    );
    f
}

/// Published procedures: decisions, procedures by kind of change, disclosed.
fn publication_columns(first: u32) -> Vec<Column> {
    let published = "Số TTHC đã công bố";
    let c = |n: u32| format!("c{n}");
    let (n0, n1, n2, n3, n4, n5) = (first, first + 1, first + 2, first + 3, first + 4, first + 5);
    vec![
        column(&c(n0), n0, &["Số quyết định công bố đã ban hành"], CellType::Integer),
        column(&c(n1), n1, &[published, "Tổng số"], CellType::Integer).sum(&[&c(n2), &c(n3), &c(n4)]),
        column(&c(n2), n2, &[published, "Ban hành mới"], CellType::Integer),
        column(&c(n3), n3, &[published, "Sửa đổi, bổ sung"], CellType::Integer),
        column(&c(n4), n4, &[published, "Bãi bỏ"], CellType::Integer),
        column(&c(n5), n5, &["Số TTHC đã công khai trên Cơ sở dữ liệu quốc gia"], CellType::Integer),
    ]
}

/// Review and simplification: reviewed, proposed for simplification, the
/// share, the compliance cost saved.
fn review_columns(first: u32) -> Vec<Column> {
    let c = |n: u32| format!("c{n}");
    let (n0, n1, n2, n3) = (first, first + 1, first + 2, first + 3);
    vec![
        column(&c(n0), n0, &["Số TTHC được rà soát"], CellType::Integer),
        column(&c(n1), n1, &["Số TTHC đề xuất đơn giản hóa"], CellType::Integer),
        column(&c(n2), n2, &["Tỷ lệ đề xuất đơn giản hóa (%)"], CellType::Percent).percent(&c(n1), &c(n0)),
        column(&c(n3), n3, &["Chi phí tuân thủ tiết kiệm được (triệu đồng)"], CellType::Decimal),
    ]
}

/// Appraisal of procedures in drafts: drafts appraised, procedures appraised,
/// of which proposed to be dropped or simplified.
fn appraisal_columns(drafts: &str) -> Vec<Column> {
    let procedures = "Số TTHC được thẩm định";
    vec![
        column("c3", 3, &[drafts], CellType::Integer),
        column("c4", 4, &[procedures, "Tổng số"], CellType::Integer).sum(&["c5", "c6", "c7"]),
        column("c5", 5, &[procedures, "Quy định mới"], CellType::Integer),
        column("c6", 6, &[procedures, "Sửa đổi, bổ sung, thay thế"], CellType::Integer),
        column("c7", 7, &[procedures, "Bãi bỏ"], CellType::Integer),
        column("c8", 8, &["Số TTHC đề nghị không quy định hoặc đơn giản hóa"], CellType::Integer),
    ]
}

fn ii_01a() -> Form {
    let assessed = "Số TTHC được đánh giá tác động";
    let f = modelled(
        "II.01a/VPCP/KSTT",
        "KẾT QUẢ ĐÁNH GIÁ TÁC ĐỘNG CỦA THỦ TỤC HÀNH CHÍNH",
        "Impact assessment of administrative procedures",
        vec![
            column("c3", 3, &["Số dự án, dự thảo văn bản quy phạm pháp luật có quy định TTHC"], CellType::Integer),
            column("c4", 4, &[assessed, "Tổng số"], CellType::Integer).sum(&["c5", "c6"]),
            column("c5", 5, &[assessed, "Quy định mới"], CellType::Integer),
            column("c6", 6, &[assessed, "Sửa đổi, bổ sung, thay thế"], CellType::Integer),
            column("c7", 7, &["Chi phí tuân thủ ước tính (triệu đồng/năm)"], CellType::Decimal),
        ],
        vec![],
    );
    entered_at(f, &[MINISTRY])
}

/// Bộ Tư pháp's own form, besides the common ones.
fn ii_02a() -> Form {
    let mut f = modelled(
        "II.02a/VPCP/KSTT",
        "KẾT QUẢ THẨM ĐỊNH VỀ THỦ TỤC HÀNH CHÍNH QUY ĐỊNH TRONG CÁC DỰ ÁN, DỰ THẢO VĂN BẢN QUY PHẠM PHÁP LUẬT THUỘC THẨM QUYỀN CỦA QUỐC HỘI, ỦY BAN THƯỜNG VỤ QUỐC HỘI, CHÍNH PHỦ, THỦ TƯỚNG CHÍNH PHỦ",
        "Appraisal of procedures in draft laws, ordinances, decrees and Prime Minister's decisions",
        appraisal_columns("Số dự án, dự thảo văn bản quy phạm pháp luật được thẩm định"),
        vec![],
    );
    f.tenants = vec!["btp".to_owned()];
    entered_at(f, &[MINISTRY])
}

fn ii_02b() -> Form {
    let f = modelled(
        "II.02b/VPCP/KSTT",
        "KẾT QUẢ THẨM ĐỊNH VỀ THỦ TỤC HÀNH CHÍNH QUY ĐỊNH TẠI THÔNG TƯ CỦA BỘ TRƯỞNG, THỦ TRƯỞNG CƠ QUAN NGANG BỘ",
        "Appraisal of procedures in ministers' circulars",
        appraisal_columns("Số dự thảo thông tư có quy định TTHC được thẩm định"),
        vec![],
    );
    entered_at(f, &[MINISTRY])
}

/// The vertical agencies' form: publication, then review and simplification.
fn ii_02c() -> Form {
    let mut columns = publication_columns(3);
    columns.extend(review_columns(9));
    let f = modelled(
        "II.02c/VPCP/KSTT",
        "KẾT QUẢ CÔNG BỐ, CÔNG KHAI THỦ TỤC HÀNH CHÍNH; KẾT QUẢ RÀ SOÁT, ĐƠN GIẢN HÓA THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN",
        "Publication, review and simplification of procedures at the agency",
        columns,
        vec![],
    );
    entered_at(f, &[VERTICAL])
}

fn ii_03a() -> Form {
    let f = modelled(
        "II.03a/VPCP/KSTT",
        "KẾT QUẢ CÔNG BỐ, CÔNG KHAI THỦ TỤC HÀNH CHÍNH TẠI BỘ, CƠ QUAN",
        "Publication and disclosure of procedures at the ministry",
        publication_columns(3),
        vec![],
    );
    entered_at(f, &[MINISTRY])
}

fn ii_04() -> Form {
    let f = modelled(
        "II.04/VPCP/KSTT",
        "KẾT QUẢ RÀ SOÁT, ĐƠN GIẢN HÓA THỦ TỤC HÀNH CHÍNH TẠI BỘ, CƠ QUAN",
        "Review and simplification of procedures at the ministry",
        review_columns(3),
        vec![],
    );
    entered_at(f, &[MINISTRY])
}

fn ii_05a() -> Form {
    let received = "Số phản ánh, kiến nghị tiếp nhận";
    let f = modelled(
        "II.05a/VPCP/KSTT",
        "TÌNH HÌNH, KẾT QUẢ TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ VỀ QUY ĐỊNH HÀNH CHÍNH TẠI ĐỊA PHƯƠNG",
        "Feedback and petitions on administrative rules in the locality",
        vec![
            column("c3", 3, &[received, "Tổng số"], CellType::Integer).sum(&["c4", "c5"]),
            column("c4", 4, &[received, "Trực tuyến"], CellType::Integer),
            column("c5", 5, &[received, "Trực tiếp, bưu chính"], CellType::Integer),
            column("c6", 6, &["Số đã xử lý"], CellType::Integer),
            column("c7", 7, &["Số đang xử lý"], CellType::Integer),
        ],
        vec![rule("c3", &["c6", "c7"], "(3) = (6) + (7)")],
    );
    entered_at(f, &[LOCALITY])
}

fn ii_07a() -> Form {
    let f = modelled(
        "II.07a/VPCP/KSTT",
        "SỐ LƯỢNG THỦ TỤC HÀNH CHÍNH TRIỂN KHAI TẠI BỘ PHẬN MỘT CỬA",
        "Procedures handled at the one-stop desk",
        vec![
            column("c3", 3, &["Số TTHC thuộc thẩm quyền giải quyết"], CellType::Integer),
            column("c4", 4, &["Số TTHC tiếp nhận, trả kết quả tại Bộ phận một cửa"], CellType::Integer),
            column("c5", 5, &["Tỷ lệ (%)"], CellType::Percent).percent("c4", "c3"),
        ],
        vec![],
    );
    entered_at(f, &[MINISTRY, VERTICAL])
}

fn ii_08() -> Form {
    let online = "Số TTHC cung cấp dịch vụ công trực tuyến";
    let mut f = base(
        "II.08/VPCP/KSTT",
        "TÌNH HÌNH TRIỂN KHAI THỦ TỤC HÀNH CHÍNH TRÊN MÔI TRƯỜNG ĐIỆN TỬ TẠI BỘ, CƠ QUAN",
        "Administrative procedures carried out online at the ministry or agency",
        vec![
            column("c3", 3, &[online, "Tổng số"], CellType::Integer).sum(&["c4", "c5"]),
            column("c4", 4, &[online, "Toàn trình"], CellType::Integer),
            column("c5", 5, &[online, "Một phần"], CellType::Integer),
            column("c6", 6, &["Số hồ sơ trực tuyến"], CellType::Integer),
            column("c7", 7, &["Tổng số hồ sơ"], CellType::Integer),
            column("c8", 8, &["Tỷ lệ hồ sơ trực tuyến (%)"], CellType::Percent).percent("c6", "c7"),
        ],
    );
    f.provenance =
        Some("Tiêu đề theo Tài liệu hướng dẫn §2.1.b; cột mô phỏng theo biểu II.06a và các cột tỷ lệ [U]".to_owned());
    entered_at(f, &[MINISTRY, VERTICAL])
}

fn outline() -> Outline {
    let s = |code: &str, label: &str, title: &str, guidance: &str| section(code, label, title, guidance, 0);
    Outline {
        code: "II.01-ĐC".to_owned(),
        title: text(
            "Đề cương báo cáo công tác kiểm soát thủ tục hành chính",
            "Outline of the report on administrative-procedure control",
        ),
        sections: vec![
            s("1", "I", "Công tác chỉ đạo, điều hành", "Văn bản chỉ đạo, kế hoạch kiểm soát TTHC trong kỳ."),
            s(
                "2",
                "II",
                "Kết quả kiểm soát, công bố, công khai TTHC",
                "Kết quả theo các biểu II.01a, II.02a, II.02b, II.02c, II.03a, II.04, II.05a.",
            ),
            s(
                "3",
                "III",
                "Thực hiện cơ chế một cửa, một cửa liên thông và TTHC trên môi trường điện tử",
                "Kết quả theo các biểu II.06a, II.07a, II.07b, II.08.",
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
            version: 2,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 10".to_owned(),
            periods: vec![PeriodType::Quarter, PeriodType::Year],
            reporting_levels: [LOCALITY, MINISTRY, VERTICAL].concat().into_iter().map(str::to_owned).collect(),
            receiver: text(
                "Cấp trên trực tiếp; tỉnh và bộ gửi Văn phòng Chính phủ",
                "The level above; provinces and ministries send to the Government Office",
            ),
            deadlines: vec![
                days("xa", 2),
                days("huyen", 5),
                days("so", 4),
                days("tinh", 6),
                days("cuc_vu", 4),
                days("nganh_doc_tw", 6),
                days("bo", 6),
            ],
            forms: vec![
                ii_01a(),
                ii_02a(),
                ii_02b(),
                ii_02c(),
                ii_03a(),
                ii_04(),
                ii_07a(),
                ii_08(),
                ii_05a(),
                ii_06a(),
                ii_07b(),
            ],
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
