//! Aggregation at national scale (prints figures; asserts nothing about speed).
//!
//!     cargo bench -p baocao-tests --bench aggregation
//!
//! One form of 100 fixed rows × 15 columns (the `FIXTURE-WIDE` plugin's
//! WIDE.02), filled and accepted by every commune of a country-sized tree:
//! 34 province-level units under one national unit, 3,321 communes under them
//! (≈ 5 million cells). On SQLite and PostgreSQL, in the same run:
//! - the national roll-up: `POST /api/v1/reports/{id}/aggregate` of the
//!   national unit's report over every commune's report;
//! - one province: the same over its ~98 communes;
//! - the baseline: a bare SQL `GROUP BY row, col` over the same numbers stored
//!   one cell per row, as a naive schema would hold them.
//!
//! BENCH_COMMUNES and BENCH_RUNS change the sizes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use baocao_authz::Grant;
use baocao_domain::group::GroupCode;
use baocao_domain::ids::UnitId;
use baocao_domain::report::{Period, PeriodKind, ReportKind};
use baocao_domain::types::{Code, UnitKind, UnitName, Username};
use baocao_domain::unit::{NewUnit, Unit};
use baocao_storage::{Actor, NewReport, NotificationDraft, ReportCell};
use baocao_tests::{Backend, TestApp, spawn_app_with};
use chrono::Datelike;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

const PROVINCES: usize = 34;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A commune's filled form: 100 rows × (14 entered columns + their sum), and the total row.
fn commune_cells(seed: usize) -> Vec<ReportCell> {
    let mut cells = Vec::with_capacity(1515);
    let mut totals = [0i64; 18];
    for r in 1..=100 {
        let mut sum = 0;
        for (c, total) in totals.iter_mut().enumerate().skip(4) {
            let v = ((seed * 7 + r * 13 + c * 3) % 50) as i64;
            cells.push(ReportCell { row: format!("r{r}"), col: format!("c{c}"), value: json!(v) });
            *total += v;
            if c <= 8 {
                sum += v;
            }
        }
        cells.push(ReportCell { row: format!("r{r}"), col: "c3".into(), value: json!(sum) });
        totals[3] += sum;
    }
    for (c, total) in totals.iter().enumerate().skip(3) {
        cells.push(ReportCell { row: "tong".into(), col: format!("c{c}"), value: json!(total) });
    }
    cells
}

async fn unit(app: &TestApp, parent: &Unit, code: &str, name: &str, level: &str) -> Unit {
    let grant = Grant::for_operator(parent.path.clone()).unwrap();
    let new = NewUnit {
        parent_id: parent.id,
        code: Code::parse(code, "code").unwrap(),
        name: UnitName::parse(name).unwrap(),
        kind: UnitKind::parse("UBND").unwrap(),
        level: Code::parse(level, "level").unwrap(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
    };
    app.state.app.store_unscoped().create_unit(&grant, &Actor::operator(), new, None).await.unwrap()
}

fn report(unit: &Unit, receiver: &Unit, period: Period) -> NewReport {
    let day = chrono::NaiveDate::from_ymd_opt(period.year, 12, 14).unwrap();
    NewReport {
        tenant: unit.tenant_id,
        unit_id: unit.id,
        unit_path: unit.path.clone(),
        receiver_id: receiver.id,
        receiver_path: receiver.path.clone(),
        regime: "FIXTURE-WIDE".into(),
        regime_version: 1,
        form: "WIDE.02".into(),
        kind: ReportKind::Numeric,
        period,
        data_from: day,
        data_to: day,
        opens_on: day,
        closes_on: chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
        notify: NotificationDraft::default(),
    }
}

async fn aggregate(app: &TestApp, who: &baocao_tests::Session, id: i64) -> (Duration, Value) {
    let t = Instant::now();
    let response = app
        .request(who, Method::POST, &format!("/api/v1/reports/{id}/aggregate"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let elapsed = t.elapsed();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    (elapsed, body)
}

/// The country's units, built for the benchmark.
struct Country {
    national: Unit,
    vpcp: Unit,
    provinces: Vec<Unit>,
    commune_units: Vec<(usize, Unit)>,
}

/// What the timed runs measured.
struct Timings {
    national_times: Vec<Duration>,
    province_times: Vec<Duration>,
}

async fn backend_figures(backend: Backend, communes: usize, runs: usize) {
    let name = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    // The service logs where an aggregation's time goes (load, combine, regime, store).
    let app = spawn_app_with(backend, |s| s.log.filter = "baocao_app::reports=info,warn".to_owned()).await;
    baocao_tests::upload_wide_form(&app).await;
    let t = Instant::now();
    let country = build_country(&app, communes).await;
    let (me, cells, this_year, next_year) = seed_reports(&app, &country).await;
    let commune_units = &country.commune_units;
    let total_cells = commune_units.len() * cells.len();
    println!(
        "{:<58} {name:<9} {:>9.1} s",
        format!("setup: {} communes, {total_cells} cells", commune_units.len()),
        t.elapsed().as_secs_f64()
    );
    let Timings { mut national_times, mut province_times } =
        time_aggregations(&app, &me, &country, &cells, (this_year, next_year), runs).await;
    national_times.sort();
    province_times.sort();
    let baseline = baseline(&app, backend, &cells, commune_units.len(), runs, name).await;
    let p50 = |v: &[Duration]| v[v.len() / 2];
    println!(
        "{:<58} {name:<9} {:>9.1} ms  (baseline {:>8.1} ms, {:.1}× faster)",
        format!("national roll-up, {} reports → 1 (HTTP, p50)", commune_units.len()),
        ms(p50(&national_times)),
        ms(p50(&baseline)),
        ms(p50(&baseline)) / ms(p50(&national_times))
    );
    println!(
        "{:<58} {name:<9} {:>9.1} ms",
        format!("one province, {} reports → 1 (HTTP, p50)", commune_units.iter().filter(|(p, _)| *p == 0).count()),
        ms(p50(&province_times))
    );
}

/// 34 provinces under the national unit, and `communes` communes shared among them.
async fn build_country(app: &TestApp, communes: usize) -> Country {
    // The country: the Hưng Yên tenant's root stands for the national unit.
    let national =
        app.state.app.store_unscoped().unit_unscoped(UnitId(app.unit_id("hungyen", "hungyen").await)).await.unwrap();
    let vpcp = app.state.app.store_unscoped().unit_unscoped(national.parent_id.unwrap()).await.unwrap();
    let mut provinces = Vec::new();
    let mut commune_units: Vec<(usize, Unit)> = Vec::new();
    for p in 0..PROVINCES {
        let province = unit(app, &national, &format!("bench-p{p}"), &format!("Tỉnh thử {p}"), "huyen").await;
        let share = communes / PROVINCES + usize::from(p < communes % PROVINCES);
        for c in 0..share {
            commune_units
                .push((p, unit(app, &province, &format!("bench-p{p}-x{c}"), &format!("Xã thử {p}.{c}"), "xa").await));
        }
        provinces.push(province);
    }
    Country { national, vpcp, provinces, commune_units }
}

/// Every commune's report, the receivers' own reports, and the aggregator's grant.
async fn seed_reports(app: &TestApp, country: &Country) -> (baocao_tests::Session, Vec<ReportCell>, Period, Period) {
    let Country { national, vpcp, provinces, commune_units } = country;
    let year = chrono::Utc::now().year() + 1;
    let this_year = Period::new(PeriodKind::Year, year, 1).unwrap();
    let next_year = Period::new(PeriodKind::Year, year + 1, 1).unwrap();
    // Every commune sends to the national unit this year; the first province's communes send to it next year.
    let cells = commune_cells(1);
    app.state
        .app
        .store_unscoped()
        .operator_bulk_reports(
            vec![report(national, vpcp, this_year), report(&provinces[0], national, next_year)],
            None,
        )
        .await
        .unwrap();
    app.state
        .app
        .store_unscoped()
        .operator_bulk_reports(
            commune_units.iter().map(|(_, u)| report(u, national, this_year)).collect(),
            Some(&cells),
        )
        .await
        .unwrap();
    app.state
        .app
        .store_unscoped()
        .operator_bulk_reports(
            commune_units.iter().filter(|(p, _)| *p == 0).map(|(_, u)| report(u, &provinces[0], next_year)).collect(),
            Some(&cells),
        )
        .await
        .unwrap();
    let aggregator = Username::parse("hy.tonghop").unwrap();
    app.state
        .app
        .store_unscoped()
        .operator_grant(&aggregator, &GroupCode::parse("TINH_HUYEN_TONGHOP").unwrap(), provinces[0].id)
        .await
        .unwrap();
    let me = app.login("hy.tonghop").await;
    let rows =
        app.state.app.store_unscoped().all_memberships_of(baocao_domain::ids::UserId(me.user_id())).await.unwrap();
    app.state.app.authz_unscoped().replace_memberships(baocao_domain::ids::UserId(me.user_id()), &rows).await.unwrap();
    (me, cells, this_year, next_year)
}

/// Aggregates the national report `runs` times and the first province's at least five times.
async fn time_aggregations(
    app: &TestApp, me: &baocao_tests::Session, country: &Country, cells: &[ReportCell],
    (this_year, next_year): (Period, Period), runs: usize,
) -> Timings {
    let Country { national, provinces, commune_units, .. } = country;
    // The receiving units' own reports are the only ones not accepted yet.
    let own_report = |unit: &Unit, period: Period| {
        let path = format!("/api/v1/reports?unit={}&form=WIDE.02&period={}&status=new", unit.id.0, period.key());
        let me = &me;
        let app = &app;
        async move {
            let list = app.get_json(me, &path).await;
            assert_eq!(list["total"], 1, "{list}");
            list["items"][0]["id"].as_i64().unwrap()
        }
    };
    let national_report = own_report(national, this_year).await;
    let province_report = own_report(&provinces[0], next_year).await;

    // The built-in regimes compile on first use in test settings: not part of any figure.
    assert_eq!(app.get(me, "/api/v1/regimes").await.status(), 200);
    let mut national_times = Vec::new();
    let mut check = Value::Null;
    for _ in 0..runs {
        let (d, body) = aggregate(app, me, national_report).await;
        national_times.push(d);
        check = body;
    }
    let total = check["report"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == "tong" && c["col"] == "c3")
        .unwrap()["value"]
        .as_i64()
        .unwrap();
    let expected = cells.iter().find(|c| c.row == "tong" && c.col == "c3").unwrap().value.as_i64().unwrap()
        * commune_units.len() as i64;
    assert_eq!(total, expected, "the national total is every commune's total");
    let mut province_times = Vec::new();
    for _ in 0..runs.max(5) {
        province_times.push(aggregate(app, me, province_report).await.0);
    }
    national_times.sort();
    province_times.sort();
    Timings { national_times, province_times }
}

/// The baseline: the same numbers one cell per row, summed by the database.
async fn baseline(
    app: &TestApp, backend: Backend, cells: &[ReportCell], reports: usize, runs: usize, name: &str,
) -> Vec<Duration> {
    let db = Database::connect(&app.database_url).await.unwrap();
    let backend_kind = db.get_database_backend();
    db.execute_unprepared(
        "CREATE TABLE bench_cells (report_id BIGINT NOT NULL, row_code VARCHAR(16) NOT NULL, col_code VARCHAR(16) NOT NULL, value DOUBLE PRECISION NOT NULL)",
    )
    .await
    .unwrap();
    let t = Instant::now();
    let numbers: Vec<(String, String, f64)> =
        cells.iter().filter_map(|c| Some((c.row.clone(), c.col.clone(), c.value.as_f64()?))).collect();
    db.execute_unprepared("BEGIN").await.unwrap();
    let mut batch = String::new();
    let mut in_batch = 0;
    for report in 0..reports {
        for (row, col, value) in &numbers {
            batch.push_str(if in_batch == 0 { "INSERT INTO bench_cells VALUES " } else { "," });
            batch.push_str(&format!("({report},'{row}','{col}',{value})"));
            in_batch += 1;
            if in_batch == 2000 {
                db.execute_unprepared(&batch).await.unwrap();
                batch.clear();
                in_batch = 0;
            }
        }
    }
    if in_batch > 0 {
        db.execute_unprepared(&batch).await.unwrap();
    }
    db.execute_unprepared("COMMIT").await.unwrap();
    if backend == Backend::Postgres {
        db.execute_unprepared("ANALYZE bench_cells").await.unwrap();
    }
    println!("{:<58} {name:<9} {:>9.1} s", "setup: one-cell-per-row copy for the baseline", t.elapsed().as_secs_f64());
    let mut baseline = Vec::new();
    for _ in 0..runs.clamp(1, 3) {
        let t = Instant::now();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend_kind,
                "SELECT row_code, col_code, SUM(value) FROM bench_cells GROUP BY row_code, col_code",
            ))
            .await
            .unwrap();
        baseline.push(t.elapsed());
        assert_eq!(rows.len(), numbers.len());
    }
    baseline.sort();
    baseline
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let communes: usize = std::env::var("BENCH_COMMUNES").ok().and_then(|v| v.parse().ok()).unwrap_or(3321);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    println!("baocao aggregation — a 100 × 15 form over {communes} communes in {PROVINCES} provinces, {runs} runs");
    backend_figures(Backend::Sqlite, communes, runs).await;
    backend_figures(Backend::Postgres, communes, runs).await;
}
