//! Report benchmark (prints figures; asserts nothing about speed).
//!
//!     cargo bench -p baocao-tests --bench reports
//!
//! On SQLite and PostgreSQL, in one run so the figures compare:
//! - save + recompute + validate of a 100-row × 15-column form through HTTP
//!   (`PUT /api/v1/reports/{id}/data`, the plugin computing and validating
//!   every cell), p50 and p99 of sequential saves, beside a bare
//!   `GET /api/v1/me` as the HTTP round-trip floor, and the plugin's share
//!   of a save: its one `check` call (ABI 1.2) beside the two calls of ABI 1.1;
//! - the entry list at 100,000 reports: the JSON list and the HTML page,
//!   first page and a deep page.
//!
//! BENCH_SAVES and BENCH_REPORTS change the sizes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::report::{Period, PeriodKind, ReportKind};
use baocao_storage::{NewReport, NotificationDraft};
use baocao_tests::{Backend, Session, TestApp, spawn_app};
use chrono::Datelike;
use reqwest::Method;
use serde_json::{Value, json};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn timed(n: usize, mut f: impl AsyncFnMut(usize)) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i).await;
        out.push(t.elapsed());
    }
    out.sort();
    out
}

fn line(label: &str, backend: &str, sorted: &[Duration]) {
    println!(
        "{label:<52} {backend:<9} p50 {:>8.2} ms   p99 {:>8.2} ms",
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99))
    );
}

/// The plugin's share of a save: the sandbox time the saves above spent (one
/// `check` call each, ABI 1.2) against the save's p50, beside the same report
/// checked the ABI 1.1 way (compute, then validate: two calls) in this run.
async fn plugin_share(
    app: &TestApp, backend: &str, before: baocao_plugins::CallStats, saves: &[Duration], id: i64, who: &Session,
) {
    let host = app.state.app.regimes().host();
    let after = host.stats();
    let calls = after.calls - before.calls;
    let per_save = (after.busy - before.busy) / saves.len() as u32;
    let p50 = percentile(saves, 0.5);
    println!(
        "{:<52} {backend:<9} {:.1} calls, {:>6.2} ms per save = {:.0} % of the p50",
        "  plugin (ABI 1.2: one check call)",
        calls as f64 / saves.len() as f64,
        ms(per_save),
        100.0 * per_save.as_secs_f64() / p50.as_secs_f64()
    );
    let report = app.get_json(who, &format!("/api/v1/reports/{id}")).await;
    let cells: Vec<baocao_plugins::abi::Cell> = serde_json::from_value(report["cells"].clone()).unwrap();
    let data = baocao_plugins::abi::FormData { form: "WIDE.01".to_owned(), cells };
    let tenant = report["unit"]["id"].as_i64().unwrap();
    let entry = app
        .state
        .app
        .regimes()
        .all_visible(tenant_of(app, tenant).await)
        .into_iter()
        .find(|e| e.plugin.manifest.code == "FIXTURE-WIDE")
        .unwrap();
    let time = |two: bool| {
        let started = Instant::now();
        for _ in 0..saves.len() {
            if two {
                host.check_in_two_calls(&entry.plugin, &data).unwrap();
            } else {
                host.check(&entry.plugin, &data).unwrap();
            }
        }
        started.elapsed() / saves.len() as u32
    };
    let (one, two) = (time(false), time(true));
    println!(
        "{:<52} {backend:<9} one call {:>6.2} ms, two calls {:>6.2} ms (the ABI 1.1 way)",
        "  plugin alone, same report",
        ms(one),
        ms(two)
    );
}

async fn tenant_of(app: &TestApp, unit: i64) -> i64 {
    app.state.app.store_unscoped().unit_unscoped(UnitId(unit)).await.unwrap().tenant_id.0
}

async fn backend_figures(backend: Backend, saves: usize, reports: usize) {
    let name = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    let app = spawn_app(backend).await;
    let (entry, id, mut version) = baocao_tests::wide_report(&app).await;

    let floor = timed(saves, async |_| {
        let r = app.get(&entry, "/api/v1/me").await;
        assert_eq!(r.status(), 200);
    })
    .await;
    line("GET /api/v1/me (round-trip floor)", name, &floor);
    let plugin_before = app.state.app.regimes().host().stats();
    let save = timed(saves, async |i| {
        // The grid sends the cells the user changed: a column of 20 rows here.
        let r = app
            .request(&entry, Method::PUT, &format!("/api/v1/reports/{id}/data"))
            .json(&baocao_tests::wide_column_edit(version, i))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        version = body["version"].as_i64().unwrap() as i32;
    })
    .await;
    line("save + recompute + validate, 100 × 15 (1,514 cells)", name, &save);
    plugin_share(&app, name, plugin_before, &save, id, &entry).await;
    let compute = timed(saves, async |_| {
        let r = app
            .request(&entry, Method::POST, &format!("/api/v1/reports/{id}/compute"))
            .json(&json!({"version": version, "cells": [{"row": "r1", "col": "c4", "value": 99}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    })
    .await;
    line("live recompute (nothing stored), 100 × 15", name, &compute);
    excel_round_trip(&app, &entry, id, name, saves).await;

    entry_list_at_scale(&app, name, saves, reports).await;
}

/// The entry list at scale: reports of every ward of a synthetic province tree are
/// modelled as many forms of one ward, which is the same rows for the list query.
async fn entry_list_at_scale(app: &TestApp, name: &str, saves: usize, reports: usize) {
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let province = app.unit_id("hungyen", "hungyen").await;
    let ward_unit = app.state.app.store_unscoped().unit_unscoped(UnitId(ward)).await.unwrap();
    let province_unit = app.state.app.store_unscoped().unit_unscoped(UnitId(province)).await.unwrap();
    let period = Period::new(PeriodKind::Year, chrono::Utc::now().year(), 1).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(period.year, 12, 14).unwrap();
    let items: Vec<NewReport> = (0..reports)
        .map(|i| NewReport {
            tenant: TenantId(ward_unit.tenant_id.0),
            unit_id: ward_unit.id,
            unit_path: ward_unit.path.clone(),
            receiver_id: province_unit.id,
            receiver_path: province_unit.path.clone(),
            regime: "BULK".to_owned(),
            regime_version: 1,
            form: format!("F{i:06}"),
            kind: ReportKind::Numeric,
            period,
            data_from: day,
            data_to: day,
            opens_on: day,
            closes_on: day,
            notify: NotificationDraft::default(),
        })
        .collect();
    let t = Instant::now();
    app.state.app.store_unscoped().operator_bulk_reports(items, None).await.unwrap();
    println!("{:<52} {name:<9} {:>8.1} s", format!("inserting {reports} reports (setup)"), t.elapsed().as_secs_f64());
    let aggregator = app.login("hy.tonghop").await;
    let list = timed(saves, async |_| {
        let r = app.get(&aggregator, "/api/v1/reports?per_page=25").await;
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    })
    .await;
    line(&format!("GET /api/v1/reports, page 1 of {reports}"), name, &list);
    let deep = timed(saves, async |_| {
        let r = app.get(&aggregator, &format!("/api/v1/reports?per_page=25&page={}", reports / 50)).await;
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    })
    .await;
    line(&format!("GET /api/v1/reports, page {} of {reports}", reports / 50), name, &deep);
    let filtered = timed(saves, async |_| {
        let r = app.get(&aggregator, "/api/v1/reports?per_page=25&q=F0999&status=new").await;
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    })
    .await;
    line("GET /api/v1/reports, keyword + status filter", name, &filtered);
    let cookie = format!("baocao_session={}", aggregator.token);
    let page = timed(saves, async |_| {
        let r = app.client.get(app.url("/reports")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    })
    .await;
    line(&format!("entry list page (HTML), {reports} reports"), name, &page);
}

/// The process's peak resident memory so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kib.unwrap_or(0.0) / 1024.0
}

/// "Tải xuống" then "Import Excel" of the same workbook (a preview that finds
/// nothing to change): the 100 × 15 report, then a 2,000-row one, whose sheet
/// the import streams row by row.
async fn excel_round_trip(app: &TestApp, entry: &Session, id: i64, name: &str, n: usize) {
    let export = async |id: i64| {
        let r = app.get(entry, &format!("/api/v1/reports/{id}/xlsx")).await;
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap().to_vec()
    };
    let import = async |id: i64, book: Vec<u8>| {
        let r =
            app.request(entry, Method::POST, &format!("/api/v1/reports/{id}/xlsx")).body(book).send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["changed"].as_array().map(Vec::len), Some(0), "an unchanged workbook changes nothing");
    };
    let book = export(id).await;
    let downloads = timed(n, async |_| drop(export(id).await)).await;
    line("Excel download, 100 × 15", name, &downloads);
    let imports = timed(n, async |_| import(id, book.clone()).await).await;
    line(&format!("Excel import preview, 100 × 15 ({} KiB)", book.len() / 1024), name, &imports);

    // A long free-text report: 2,000 rows.
    let big = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let rows: Vec<Value> =
        (101..=2100).map(|i| json!({"code": format!("r{i}"), "title": format!("Chỉ tiêu {i}")})).collect();
    let cells: Vec<Value> = (101..=2100)
        .flat_map(|i| [json!({"row": format!("r{i}"), "col": "c17", "value": format!("ghi chú {i}")})])
        .collect();
    let saved = app
        .request(entry, Method::PUT, &format!("/api/v1/reports/{id}/data"))
        .json(&json!({"version": big["version"], "rows_added": rows, "cells": cells}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let book = export(id).await;
    let before = peak_rss_mib();
    let imports = timed(n.min(20), async |_| import(id, book.clone()).await).await;
    line(&format!("Excel import preview, 2,100 × 15 ({} KiB)", book.len() / 1024), name, &imports);
    println!("{:<52} {name:<9} {:>8.1} MiB", "peak RSS growth over those imports", peak_rss_mib() - before);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let saves: usize = std::env::var("BENCH_SAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let reports: usize = std::env::var("BENCH_REPORTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    println!("baocao reports — {saves} sequential requests per measurement");
    backend_figures(Backend::Sqlite, saves, reports).await;
    backend_figures(Backend::Postgres, saves, reports).await;
}
