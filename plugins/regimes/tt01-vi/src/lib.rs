//! Regime VI of Circular 01/2020/TT-VPCP: "Tình hình tổ chức thực hiện các
//! quy định của pháp luật về Công báo" — yearly, provinces report to the
//! Government Office (handbook). The columns of VI.01/VPCP/TTĐT are not in the
//! public texts; they are modelled on the Official Gazette's work (documents
//! sent for publication, published, on time) and the ratio columns of I.01 [U].
//! The handbook's §2.2 also has ministries and provinces write the report
//! itself as an outline (it names it after the form, "Mẫu số VI.01/VPCP/TTĐT");
//! here it is VI.01-ĐC, beside I.01-ĐC and II.01-ĐC, its sections modelled on
//! the regime's subject [U]. The form is the provinces' (§2.1.e).

use baocao_regime_sdk::logic::{ColumnExt, column, new_form, row, section, text};
use baocao_regime_sdk::*;

pub struct RegimeVi;

fn vi_01() -> Form {
    let sent = "Số văn bản gửi đăng Công báo";
    Form {
        unit_of_measure: Some("Đơn vị tính: Văn bản".to_owned()),
        columns: vec![
            column("c3", 3, &[sent, "Tổng số"], CellType::Integer).sum(&["c4", "c5"]),
            column("c4", 4, &[sent, "Văn bản quy phạm pháp luật"], CellType::Integer),
            column("c5", 5, &[sent, "Văn bản khác"], CellType::Integer),
            column("c6", 6, &["Số văn bản đã đăng Công báo"], CellType::Integer),
            column("c7", 7, &["Số văn bản đăng đúng thời hạn"], CellType::Integer),
            column("c8", 8, &["Tỷ lệ đăng đúng thời hạn (%)"], CellType::Percent).percent("c7", "c6"),
            column("c9", 9, &["Số số Công báo đã xuất bản"], CellType::Integer),
            column("c10", 10, &["Ghi chú"], CellType::Text),
        ],
        rows: vec![row("ket-qua", "1", "Kết quả thực hiện trong năm", 0)],
        provenance: Some("Mô phỏng theo nội dung công tác Công báo và các cột tỷ lệ của biểu I.01 [U]".to_owned()),
        unit_levels: vec!["tinh".to_owned()],
        ..new_form(
            "VI.01/VPCP/TTĐT",
            text("TÌNH HÌNH THỰC HIỆN CÁC QUY ĐỊNH VỀ CÔNG BÁO", "Implementation of the rules on the Official Gazette"),
        )
    }
}

fn outline() -> Outline {
    let s = section;
    Outline {
        code: "VI.01-ĐC".to_owned(),
        title: text(
            "Đề cương báo cáo tình hình tổ chức thực hiện các quy định của pháp luật về Công báo",
            "Outline of the report on the implementation of the law on the Official Gazette",
        ),
        sections: vec![
            s(
                "1",
                "I",
                "Công tác chỉ đạo, hướng dẫn",
                "Văn bản chỉ đạo, hướng dẫn, kiểm tra việc thực hiện Công báo trong năm.",
                0,
            ),
            s("2", "II", "Kết quả gửi, đăng văn bản trên Công báo", "", 0),
            s(
                "2.1",
                "1",
                "Gửi văn bản đăng Công báo",
                "Số văn bản gửi đăng, đúng thời hạn (theo biểu VI.01/VPCP/TTĐT).",
                1,
            ),
            s("2.2", "2", "Xuất bản, phát hành Công báo", "Số số Công báo đã xuất bản; hình thức điện tử và in.", 1),
            s("3", "III", "Bảo đảm điều kiện thực hiện", "Kinh phí, nhân lực, hạ tầng công nghệ thông tin.", 0),
            s("4", "IV", "Tồn tại, hạn chế và nguyên nhân", "", 0),
            s("5", "V", "Kiến nghị, đề xuất", "", 0),
        ],
    }
}

impl Regime for RegimeVi {
    fn manifest() -> Manifest {
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            code: "TT01-VI".to_owned(),
            name: text(
                "Báo cáo tình hình tổ chức thực hiện các quy định của pháp luật về Công báo",
                "Implementation of the law on the Official Gazette",
            ),
            version: 2,
            effective_from: "2020-12-15".to_owned(),
            legal_basis: "Thông tư 01/2020/TT-VPCP ngày 21/10/2020, Điều 14".to_owned(),
            periods: vec![PeriodType::Year],
            reporting_levels: vec!["bo".to_owned(), "tinh".to_owned()],
            receiver: text("Văn phòng Chính phủ", "The Government Office"),
            deadlines: vec![Deadline { level: "*".to_owned(), days_after_cutoff: 11 }],
            forms: vec![vi_01()],
            outlines: vec![outline()],
            catalogues: vec![],
        }
    }
}

export_regime!(RegimeVi);
