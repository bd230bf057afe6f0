//! Figures for the signature issue, each beside a peer in the same run (no
//! timing assertions): the PDF of a 100 × 15 report (beside the workbook of
//! the same report), signing it with a server-held key (beside pyHanko
//! signing the same file with the same key), and checking a twice-signed
//! report (beside pyHanko validating the same file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use baocao_documents::pdf::{Heading, SignatureKind, numeric, signature_appearance, signature_rect};
use baocao_domain::content::{ReportCell, ReportRow};
use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::report::{Period, PeriodKind, ReportKind, Status};
use baocao_domain::unit::UnitPath;
use baocao_regime_abi::{CellType, Column, Form, Row, RowMode, Text};
use baocao_signing::SigningKey;
use baocao_signing::pdf::Field;
use baocao_signing::pki::{Authority, Subject};
use baocao_signing::verify::{Trust, verify};
use chrono::{NaiveDate, Utc};

const RUNS: u32 = 20;

fn form() -> Form {
    let columns = (1..=15)
        .map(|j| Column {
            code: format!("c{j}"),
            number: j,
            header: vec![format!("Nhóm {}", (j - 1) / 5 + 1), format!("Chỉ tiêu số {j}")],
            cell_type: CellType::Decimal,
            formula: None,
            fill_groups: vec![],
            aggregate: None,
            min: None,
            max: None,
        })
        .collect();
    let rows = (1..=100)
        .map(|i| Row {
            code: format!("r{i}"),
            label: i.to_string(),
            title: format!("Đơn vị trực thuộc số {i} — xã, phường, thị trấn"),
            level: 1,
            mode: RowMode::Fixed,
            total: false,
        })
        .collect();
    Form {
        code: "BENCH.100x15".into(),
        title: Text::new("Báo cáo tổng hợp số liệu thử nghiệm", "Benchmark report"),
        unit_of_measure: Some("Đơn vị".into()),
        columns,
        rows,
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
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let cells = form
        .rows
        .iter()
        .flat_map(|r| form.columns.iter().map(move |c| (r, c)))
        .map(|(r, c)| ReportCell { row: r.code.clone(), col: c.code.clone(), value: serde_json::json!(1234.5) })
        .collect();
    ReportRow {
        id: 1,
        tenant: TenantId(1),
        unit_id: UnitId(2),
        unit_path: UnitPath::root(UnitId(2)),
        receiver_id: UnitId(1),
        receiver_path: UnitPath::root(UnitId(1)),
        regime: "BENCH".into(),
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
        cells,
        rows_added: vec![],
        content_sha256: String::new(),
        forward_to: None,
        last_comment: None,
        assigned_at: Utc::now(),
        updated_at: Utc::now(),
        sent_at: None,
    }
}

fn mean_ms(mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..RUNS {
        f();
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(RUNS)
}

fn sign(pdf: &[u8], key: &SigningKey, kind: SignatureKind, name: &str) -> Vec<u8> {
    let rect = signature_rect(kind, baocao_signing::pdf::last_page_size(pdf).unwrap());
    let appearance =
        signature_appearance((rect[2] - rect[0], rect[3] - rect[1]), None, &[format!("Ký bởi: {name}")]).unwrap();
    let field = Field {
        name: name.into(),
        rect,
        appearance: &appearance,
        signer_name: name.into(),
        reason: "Ký số".into(),
        location: String::new(),
        time: Utc::now().fixed_offset(),
    };
    baocao_signing::sign(pdf, &field, key).unwrap()
}

fn peer(args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pyhanko_peer.py");
    let out = Command::new("python3").arg(script).args(args).output().unwrap();
    if !out.status.success() {
        return format!("unavailable ({})", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
    }
    format!("{} ms", String::from_utf8_lossy(&out.stdout).trim())
}

fn main() {
    let form = form();
    let report = report(&form);
    let heading = Heading {
        unit: "Sở Tài chính tỉnh Thái Bình",
        receiver: "UBND tỉnh Thái Bình",
        place: "Thái Bình",
        date: report.data_to,
    };
    let pdf = numeric(&form, &report, &heading).unwrap();
    println!("report 100 rows × 15 columns, {RUNS} runs each, mean:");
    println!(
        "  PDF (krilla, fonts subset)      {:8.2} ms  ({} KiB)",
        mean_ms(|| drop(numeric(&form, &report, &heading).unwrap())),
        pdf.len() / 1024
    );
    println!(
        "  baseline: its .xlsx workbook    {:8.2} ms",
        mean_ms(|| {
            let names = baocao_documents::workbook::Names { unit: heading.unit, receiver: heading.receiver };
            drop(baocao_documents::workbook::export(&form, &report, names).unwrap())
        })
    );

    let dir = tempfile::tempdir().unwrap();
    let root = Authority::root("Gốc đo hiệu năng").unwrap();
    let ca = root.intermediate("CA đo hiệu năng").unwrap();
    let leader = ca.issue(&Subject::person("Nguyễn Văn Ánh"), 365).unwrap();
    let unit = ca.issue(&Subject::organisation("Sở Tài chính"), 365).unwrap();
    let (leader_key, unit_key) =
        (leader.signing_key(&[ca.certificate()]).unwrap(), unit.signing_key(&[ca.certificate()]).unwrap());
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(path("report.pdf"), &pdf).unwrap();
    std::fs::write(path("key.pem"), leader.private_key_pem().unwrap()).unwrap();
    std::fs::write(path("cert.pem"), leader.certificate().to_pem().unwrap()).unwrap();
    std::fs::write(path("ca.pem"), ca.certificate_pem().unwrap()).unwrap();
    std::fs::write(path("root.pem"), root.certificate_pem().unwrap()).unwrap();
    println!(
        "  sign, server-held RSA-2048 key  {:8.2} ms",
        mean_ms(|| drop(sign(&pdf, &leader_key, SignatureKind::Personal, "p1")))
    );
    println!(
        "  peer: pyHanko signs the same    {:>11}",
        peer(&["sign", &path("report.pdf"), &path("key.pem"), &path("cert.pem"), &path("ca.pem"), &RUNS.to_string()])
    );

    let twice =
        sign(&sign(&pdf, &leader_key, SignatureKind::Personal, "p1"), &unit_key, SignatureKind::Organisation, "o2");
    std::fs::write(path("twice.pdf"), &twice).unwrap();
    let trust = Trust::default().with_anchor(root.certificate().clone());
    println!(
        "  verify a twice-signed report    {:8.2} ms",
        mean_ms(|| assert!(verify(&twice, &trust).unwrap().iter().all(|c| c.valid())))
    );
    println!(
        "  peer: pyHanko validates it      {:>11}",
        peer(&["verify", &path("twice.pdf"), &path("root.pem"), &RUNS.to_string()])
    );
}
