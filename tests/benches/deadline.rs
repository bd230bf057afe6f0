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

/// A bare actix-web handler loaded with as many requests, as concurrently.
async fn bare(requests: usize, concurrency: usize) -> f64 {
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
    let officials = world(&single, n).await;
    let (kinds, elapsed) = deadline_hour(&single.address, &officials, concurrency).await;
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
}
