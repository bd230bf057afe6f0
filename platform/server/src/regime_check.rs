//! `baocao regime check FILE.wasm`: what a province's developer runs before
//! uploading a regime. Every check of an upload, then the regime as the
//! platform reads it — forms, columns, rows it computes, and a year's schedule.

use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, bail};
use baocao_app::regimes::{ModuleCheck, check_module, wire_name};
use baocao_plugins::abi::{Column, Form, Formula, PeriodWindow};

/// Checks the module and prints what it declares; an error names why an upload would be refused.
pub async fn run(file: &Path, year: i32) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let checked = match check_module(bytes, year).await {
        Ok(checked) => checked,
        Err(error) => {
            let (code, text) = error.public();
            bail!("{}\n{}\n({code})", text.vi, text.en);
        }
    };
    print!("{}", describe(&checked, year));
    Ok(())
}

fn describe(checked: &ModuleCheck, year: i32) -> String {
    let plugin = &checked.plugin;
    let m = &plugin.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "Hợp lệ, có thể tải lên / valid, can be uploaded");
    let _ = writeln!(
        out,
        "Chế độ báo cáo / regime: {} phiên bản / version {} (ABI {}.{})",
        m.code, m.version, m.abi.major, m.abi.minor
    );
    let _ = writeln!(out, "  {} / {}", m.name.vi, m.name.en);
    let _ = writeln!(out, "  Căn cứ / legal basis: {}", m.legal_basis);
    let _ = writeln!(out, "  Hiệu lực từ / effective from: {}", m.effective_from);
    let _ = writeln!(out, "  SHA-256: {} ({} KiB)", plugin.sha256, plugin.size.div_ceil(1024));
    let _ = writeln!(out, "  Cấp báo cáo / reporting levels: {}", m.reporting_levels.join(", "));
    for form in &m.forms {
        out.push_str(&describe_form(form));
    }
    for outline in &m.outlines {
        let _ = writeln!(
            out,
            "\nĐề cương / outline {} — {} ({} mục / sections)",
            outline.code,
            outline.title.vi,
            outline.sections.len()
        );
    }
    let _ = writeln!(out, "\nLịch năm / schedule of {year}:");
    for window in &checked.schedule {
        out.push_str(&describe_window(window));
    }
    let _ = writeln!(out, "\nKiểm tra biểu trống / an empty form checked:");
    for (form, answer) in &checked.empty_forms {
        let _ = match answer {
            Ok(problems) => {
                writeln!(out, "  {form}: trả lời được / answers ({problems} lỗi được nêu / problems named)")
            }
            Err(error) => writeln!(out, "  {form}: LỖI / FAILED: {error}"),
        };
    }
    out
}

fn describe_form(form: &Form) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nBiểu mẫu / form {} — {}", form.code, form.title.vi);
    if form.outside_system {
        let _ = writeln!(out, "  (xử lý ngoài hệ thống / handled outside the system)");
    }
    for column in &form.columns {
        let _ = writeln!(
            out,
            "  ({}) {:<6} {:<8} {}{}",
            column.number,
            column.code,
            wire_name(&column.cell_type),
            column.header.join(" / "),
            column_notes(column)
        );
    }
    let computed: Vec<&str> =
        form.rows.iter().filter(|r| form.computes_row(&r.code)).map(|r| r.code.as_str()).collect();
    let _ = writeln!(
        out,
        "  {} dòng / rows; hệ thống tính / computed: {}",
        form.rows.len(),
        if computed.is_empty() { "—".to_owned() } else { computed.join(", ") }
    );
    let modes: Vec<String> = form.row_modes.iter().map(wire_name).collect();
    let _ = writeln!(out, "  thêm dòng / added rows: {}", modes.join(", "));
    if !form.unit_levels.is_empty() || !form.tenants.is_empty() {
        let levels = if form.unit_levels.is_empty() { "*".to_owned() } else { form.unit_levels.join(", ") };
        let tenants = if form.tenants.is_empty() { "*".to_owned() } else { form.tenants.join(", ") };
        let _ = writeln!(out, "  đơn vị nhập / entered at: {levels}; đơn vị chủ quản / tenants: {tenants}");
    }
    out
}

fn column_notes(column: &Column) -> String {
    let mut notes = Vec::new();
    match &column.formula {
        Some(Formula::Sum { of }) => notes.push(format!("= sum({})", of.join(", "))),
        Some(Formula::Percent { numerator, denominator }) => notes.push(format!("= {numerator} / {denominator} × 100")),
        Some(Formula::Linear { terms }) => notes.push(format!("= linear of {} terms", terms.len())),
        Some(Formula::Ratio { numerator, denominator }) => {
            notes.push(format!("= Σ({}) / Σ({}) × 100", numerator.join(", "), denominator.join(", ")))
        }
        None => {}
    }
    if !column.fill_groups.is_empty() {
        notes.push(format!("nhóm nhập / filled by {}", column.fill_groups.join(", ")));
    }
    if notes.is_empty() { String::new() } else { format!("  [{}]", notes.join("; ")) }
}

fn describe_window(w: &PeriodWindow) -> String {
    let deadlines: Vec<String> = w.deadlines.iter().map(|d| format!("{} {}", d.level, d.date)).collect();
    format!(
        "  {} {}: số liệu / data {} → {}, mở nhập / entry opens {}, hạn / deadlines: {}\n",
        wire_name(&w.period),
        w.number,
        w.data_from,
        w.data_to,
        w.entry_opens,
        deadlines.join(", ")
    )
}
