//! Deadline-hour load (prints figures; asserts nothing about speed).
//!
//!     cargo bench -p baocao-tests --bench deadline
//!
//! BENCH_OFFICIALS simulated data-entry officials (500), BENCH_CONCURRENCY of
//! them at once (100), each in its own ward: sign in, open the entry list,
//! open its 100-row × 15-column report, save it whole, submit it. Run against
//! (a) one instance on SQLite and (b) two instances on PostgreSQL + Redis
//! behind a real load balancer (Debian's haproxy, started here, round robin).
//! Prints throughput, errors and p50/p95/p99 per kind of request, beside a
//! bare actix-web handler loaded the same way in the same run.
//!
//! Then the cost of one request: wrk (Debian's package), 500 connections,
//! BENCH_WRK_SECONDS (5) per URL, against a bare actix-web handler and, as a
//! signed-in data-entry official, `GET /api/v1/me`, `GET /api/v1/reports/{id}`
//! and `GET /api/v1/reports?per_page=25` on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use baocao_tests::{Backend, TestApp, fresh_database, redis_url, spawn_app, start, test_settings, unique};
use futures::StreamExt;
use serde_json::{Value, json};

const KINDS: [&str; 5] = ["sign in", "entry list", "open report", "save 100×15", "submit"];
const PASSWORD: &str = "Tai#Han2026x";

#[derive(Default)]
struct Kind {
    latencies: Vec<Duration>,
    errors: usize,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print(label: &str, kinds: &[Kind], elapsed: Duration, baseline: Option<f64>) {
    let requests: usize = kinds.iter().map(|k| k.latencies.len() + k.errors).sum();
    let per_second = requests as f64 / elapsed.as_secs_f64();
    let share = baseline.map(|b| format!(" ({:.1} % of the bare handler)", 100.0 * per_second / b)).unwrap_or_default();
    println!("{label}: {requests} requests in {:.1} s, {per_second:.0} req/s{share}", elapsed.as_secs_f64());
    for (name, kind) in KINDS.iter().zip(kinds).filter(|(_, k)| !k.latencies.is_empty() || k.errors > 0) {
        let mut sorted = kind.latencies.clone();
        sorted.sort();
        let at = |p: f64| sorted.get(((sorted.len().max(1) - 1) as f64 * p) as usize).copied().unwrap_or_default();
        println!(
            "    {name:<14} n {:>5}  errors {:>3}  p50 {:>8.1} ms  p95 {:>8.1} ms  p99 {:>8.1} ms",
            sorted.len(),
            kind.errors,
            ms(at(0.5)),
            ms(at(0.95)),
            ms(at(0.99))
        );
    }
}

/// `n` wards of Hưng Yên, each with a data-entry official and the wide
/// fixture form assigned: (user name, report id) per official.
async fn world(app: &TestApp, n: usize) -> Vec<(String, i64)> {
    baocao_tests::upload_wide_form(app).await;
    let province_admin = app.login("hy.quantri").await;
    let root = app.unit_id("hungyen", "hungyen").await;
    let mut wards = Vec::with_capacity(n);
    for i in 0..n {
        let unit = json!({"parent_id": root, "code": format!("tai-xa-{i}"), "name": format!("UBND xã Tải {i}"), "kind": "UBND xã", "level": "xa"});
        let created: Value = app.post(&province_admin, "/api/v1/units", unit).await.json().await.unwrap();
        let ward = created["id"].as_i64().unwrap_or_else(|| panic!("ward {i}: {created}"));
        let user = json!({"unit_id": ward, "username": format!("tai.nhaplieu.{i}"), "password": PASSWORD,
            "full_name": format!("Công chức xã Tải {i}"), "groups": ["TINH_XA_NHAPLIEU"]});
        let made = app.post(&province_admin, "/api/v1/users", user).await;
        assert_eq!(made.status(), 201, "official {i}");
        wards.push(ward);
    }
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let body = json!({"opens_on": "01/01/2020", "regime": "FIXTURE-WIDE", "forms": ["WIDE.01"],
        "period": {"type": "year", "year": year, "number": 1}, "units": wards});
    let assigned: Value =
        app.post(&app.login("hy.tonghop").await, "/api/v1/assignments", body).await.json().await.unwrap();
    let by_unit: std::collections::HashMap<i64, i64> = assigned
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["report"]["unit"]["id"].as_i64().unwrap(), a["report"]["id"].as_i64().unwrap()))
        .collect();
    wards.iter().enumerate().map(|(i, w)| (format!("tai.nhaplieu.{i}"), by_unit[w])).collect()
}

/// One request, timed and counted under its kind; its JSON when it succeeded.
async fn step(kinds: &mut [Kind], kind: usize, request: reqwest::RequestBuilder) -> Option<Value> {
    let started = Instant::now();
    let outcome = match request.send().await {
        Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
        _ => None,
    };
    match &outcome {
        Some(_) => kinds[kind].latencies.push(started.elapsed()),
        None => kinds[kind].errors += 1,
    }
    outcome
}

/// One official's deadline: sign in, list, open, save, submit.
async fn official(client: reqwest::Client, base: String, username: String, report: i64) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = KINDS.iter().map(|_| Kind::default()).collect();
    let login =
        client.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": username, "password": PASSWORD}));
    let Some(session) = step(&mut kinds, 0, login).await else { return kinds };
    let token = session["token"].as_str().unwrap_or_default().to_owned();
    step(&mut kinds, 1, client.get(format!("{base}/api/v1/reports?per_page=25")).bearer_auth(&token)).await;
    let opened = step(&mut kinds, 2, client.get(format!("{base}/api/v1/reports/{report}")).bearer_auth(&token)).await;
    let Some(opened) = opened else { return kinds };
    let version = opened["version"].as_i64().unwrap_or_default();
    let save = client
        .put(format!("{base}/api/v1/reports/{report}/data"))
        .bearer_auth(&token)
        .json(&baocao_tests::wide_form_filled(version));
    if step(&mut kinds, 3, save).await.is_some() {
        let submit = json!({"action": "submit"});
        let url = format!("{base}/api/v1/reports/{report}/transitions");
        step(&mut kinds, 4, client.post(url).bearer_auth(&token).json(&submit)).await;
    }
    kinds
}

/// Every official at `base`, `concurrency` at a time; the kinds merged and the time taken.
async fn deadline_hour(base: &str, officials: &[(String, i64)], concurrency: usize) -> (Vec<Kind>, Duration) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let started = Instant::now();
    let runs = futures::stream::iter(officials.iter().cloned())
        .map(|(user, report)| tokio::spawn(official(client.clone(), base.to_owned(), user, report)))
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    let mut kinds: Vec<Kind> = KINDS.iter().map(|_| Kind::default()).collect();
    for run in runs {
        for (all, one) in kinds.iter_mut().zip(run.unwrap()) {
            all.latencies.extend(one.latencies);
            all.errors += one.errors;
        }
    }
    (kinds, started.elapsed())
}

/// A bare actix-web handler on two workers, as the platform runs: its port,
/// and the handle that stops it.
fn bare_server() -> (u16, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| {
        App::new().route("/", web::get().to(|| async { HttpResponse::Ok().json(json!({"trang_thai": "ok"})) }))
    })
    .workers(2)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (port, handle)
}

/// A bare actix-web handler loaded with as many requests, as concurrently.
async fn bare(requests: usize, concurrency: usize) -> f64 {
    let (port, handle) = bare_server();
    let client = reqwest::Client::new();
    let url = Arc::new(format!("http://127.0.0.1:{port}/"));
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(0..requests)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let t = Instant::now();
                client.get(url.as_str()).send().await.unwrap().bytes().await.unwrap();
                t.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    handle.stop(true).await;
    latencies.sort();
    let per_second = requests as f64 / elapsed.as_secs_f64();
    let p99 = latencies[((latencies.len() - 1) as f64 * 0.99) as usize];
    println!("bare actix-web handler: {requests} requests, {per_second:.0} req/s, p99 {:.1} ms", ms(p99));
    per_second
}

/// What wrk measured on one URL.
struct Wrk {
    per_second: f64,
    p50: String,
    p99: String,
    failed: u64,
}

/// Loads `url` with wrk: two threads, 500 connections, as `token` if given.
async fn wrk(url: String, token: Option<String>) -> Option<Wrk> {
    let seconds = std::env::var("BENCH_WRK_SECONDS").unwrap_or_else(|_| "5".to_owned());
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c500", &format!("-d{seconds}s"), "--latency"]);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    command.arg(&url);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let field =
        |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|rest| rest.trim().to_owned()));
    // Answers other than 2xx, and requests wrk gave up on (its timeout is 2 s).
    let non_2xx: u64 = field("Non-2xx or 3xx responses:").and_then(|n| n.parse().ok()).unwrap_or(0);
    let timeouts: u64 = field("Socket errors:")
        .and_then(|errors| errors.split("timeout").nth(1).and_then(|n| n.trim().parse().ok()))
        .unwrap_or(0);
    let failed = non_2xx + timeouts;
    Some(Wrk { per_second: field("Requests/sec:")?.parse().ok()?, p50: field("50%")?, p99: field("99%")?, failed })
}

/// The cost of one request, beside a bare actix-web handler on the same machine.
async fn per_request(label: &str, base: &str, token: &str, report: i64, bare: f64) {
    for path in ["/api/v1/me".to_owned(), format!("/api/v1/reports/{report}"), "/api/v1/reports?per_page=25".to_owned()]
    {
        let Some(w) = wrk(format!("{base}{path}"), Some(token.to_owned())).await else { return };
        println!(
            "  {label:<11} {path:<30} {:>8.0} req/s ({:>5.1} % of bare), p50 {:>9}, p99 {:>9}, {} failed",
            w.per_second,
            100.0 * w.per_second / bare,
            w.p50,
            w.p99,
            w.failed
        );
    }
}

/// The bare handler under wrk, or None (with a note) where wrk is missing.
async fn bare_under_wrk() -> Option<f64> {
    let (port, handle) = bare_server();
    let measured = wrk(format!("http://127.0.0.1:{port}/"), None).await;
    handle.stop(true).await;
    let Some(w) = measured else {
        println!("per-request cost: wrk is not installed (apt-get install wrk); skipped");
        return None;
    };
    println!("per-request cost, wrk, 500 connections:");
    println!(
        "  {:<11} {:<30} {:>8.0} req/s,                p50 {:>9}, p99 {:>9}",
        "bare", "GET /", w.per_second, w.p50, w.p99
    );
    Some(w.per_second)
}

/// A signed-in official of `officials` and its report.
async fn one_official(app: &TestApp, officials: &[(String, i64)]) -> (String, i64) {
    let (username, report) = officials[0].clone();
    (app.login_with(&username, PASSWORD).await.token, report)
}

/// haproxy in front of `backends`, round robin; killed when dropped.
struct Balancer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn haproxy(backends: &[u16]) -> Balancer {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let servers: String =
        backends.iter().enumerate().map(|(i, p)| format!("    server b{i} 127.0.0.1:{p} check\n")).collect();
    let config = format!(
        "global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 120s\n    timeout server 120s\n\
         frontend baocao\n    bind 127.0.0.1:{port}\n    default_backend instances\n\
         backend instances\n    balance roundrobin\n    option httpchk GET /healthz\n{servers}"
    );
    let path = dir.path().join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let child = Command::new("haproxy")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy (Debian's package haproxy) must be installed");
    std::thread::sleep(Duration::from_millis(500));
    Balancer { child, port, _dir: dir }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_OFFICIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    println!("baocao deadline hour — {n} officials, {concurrency} at once; per official: {}", KINDS.join(", "));
    let baseline = bare(n * KINDS.len(), concurrency).await;

    let single = spawn_app(Backend::Sqlite).await;
    let single_officials = world(&single, n).await;
    let (kinds, elapsed) = deadline_hour(&single.address, &single_officials, concurrency).await;
    print("(a) one instance, SQLite", &kinds, elapsed, Some(baseline));

    let (url, _db) = fresh_database(Backend::Postgres).await;
    let mut settings = test_settings(&url);
    settings.redis.url = Some(redis_url());
    settings.redis.prefix = format!("{}:", unique("baocao_bench"));
    let a = start(settings.clone(), true).await;
    let b = start(settings, false).await;
    let officials = world(&a, n).await;
    let balancer = haproxy(&[a.port, b.port]);
    let base = format!("http://127.0.0.1:{}", balancer.port);
    let (kinds, elapsed) = deadline_hour(&base, &officials, concurrency).await;
    print("(b) two instances, PostgreSQL + Redis, behind haproxy", &kinds, elapsed, Some(baseline));

    let Some(bare) = bare_under_wrk().await else { return };
    let (token, report) = one_official(&single, &single_officials).await;
    per_request("SQLite", &single.address, &token, report, bare).await;
    let (token, report) = one_official(&a, &officials).await;
    per_request("PostgreSQL", &a.address, &token, report, bare).await;
}
