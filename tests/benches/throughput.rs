//! Throughput benchmark (prints figures; asserts nothing about speed).
//!
//!     cargo bench -p baocao-tests --bench throughput
//!
//! Measures, in one run so the figures compare: sign-in and `GET /api/v1/units`
//! on SQLite and on PostgreSQL, a bare actix-web handler on the same machine
//! as the baseline, and the cold start and idle memory of `baocao serve`.
//! Set BENCH_REQUESTS to change the number of requests per measurement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use baocao_tests::{Backend, PASSWORD, spawn_app};
use serde_json::json;

const CONCURRENCY: usize = 16;

struct Figures {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() as f64 - 1.0) * p) as usize]
    }
}

/// Sends `total` requests from `CONCURRENCY` tasks; every response must be 200.
async fn load<F, Fut>(total: usize, make: F) -> Figures
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = reqwest::Response> + Send,
{
    let make = Arc::new(make);
    let started = Instant::now();
    let per_task = total / CONCURRENCY;
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let t = Instant::now();
                let response = make().await;
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    Figures { requests: latencies.len(), elapsed: started.elapsed(), latencies }
}

fn row(name: &str, f: &Figures, baseline: Option<f64>) {
    let ratio =
        baseline.map(|b| format!("{:>8.1}%", 100.0 * f.per_second() / b)).unwrap_or_else(|| "       —".to_owned());
    println!(
        "{name:<44} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {ratio}",
        f.per_second(),
        f.percentile(0.5).as_secs_f64() * 1e3,
        f.percentile(0.99).as_secs_f64() * 1e3,
    );
}

async fn bare_baseline(total: usize) -> Figures {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| {
        App::new().route(
            "/units",
            web::get().to(|| async { HttpResponse::Ok().json(json!([{"id": 1, "name": "UBND tỉnh"}])) }),
        )
    })
    .workers(2)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/units");
    let figures = load(total, move || {
        let client = client.clone();
        let url = url.clone();
        async move { client.get(url).send().await.unwrap() }
    })
    .await;
    handle.stop(true).await;
    figures
}

async fn platform(backend: Backend, total: usize, baseline: f64) {
    let app = spawn_app(backend).await;
    let name = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    let client = reqwest::Client::new();

    // Sign-in is dominated by argon2 on purpose; fewer requests keep the run short.
    let url = app.url("/api/v1/auth/login");
    let c = client.clone();
    let logins = load((total / 10).max(CONCURRENCY), move || {
        let c = c.clone();
        let url = url.clone();
        async move {
            c.post(url).json(&json!({"username": "tb.minhquang.nhaplieu", "password": PASSWORD})).send().await.unwrap()
        }
    })
    .await;
    row(&format!("{name}: POST /api/v1/auth/login"), &logins, Some(baseline));

    for (user, label) in [("tb.quantri", "11 units"), ("admin", "22 units")] {
        let who = app.login(user).await;
        let url = app.url("/api/v1/units");
        let c = client.clone();
        let token = who.token.clone();
        let units = load(total, move || {
            let c = c.clone();
            let url = url.clone();
            let token = token.clone();
            async move { c.get(url).bearer_auth(token).send().await.unwrap() }
        })
        .await;
        row(&format!("{name}: GET /api/v1/units ({label})"), &units, Some(baseline));
    }
}

fn release_binary() -> std::path::PathBuf {
    // target/<profile>/deps/throughput-… → target/<profile>/baocao
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|d| d.parent()).map(|d| d.join("baocao")).unwrap()
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

async fn cold_start() {
    let binary = release_binary();
    if !binary.exists() {
        println!("cold start: {} not built; run `cargo build --release --bin baocao` first", binary.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let client = reqwest::Client::new();
    // The first start migrates and compiles every built-in regime, keeping
    // the machine code in the data directory; the next reads it back.
    for label in ["first start (migrates, compiles)", "next start (regimes precompiled)"] {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let started = Instant::now();
        let mut child = std::process::Command::new(&binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", &db])
            .env("BAOCAO_LOG__FILTER", "error")
            .env("BAOCAO_REPORTS__ATTACHMENTS_DIR", dir.path().join("files"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let ready_after = loop {
            if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await
                && r.status() == 200
            {
                break started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(30), "baocao did not become ready");
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss = rss_kib(child.id()).unwrap_or(0);
        println!(
            "baocao serve, {label:<34} ready after {:>7.1} ms, idle RSS {:>6.1} MiB",
            ready_after.as_secs_f64() * 1e3,
            rss as f64 / 1024.0
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(4000);
    println!("baocao throughput — {total} requests per measurement, {CONCURRENCY} concurrent clients, in-process load");
    println!("{:<44} {:>15}  {:>12}  {:>12}  {:>9}", "measurement", "throughput", "", "", "vs bare");
    let bare = bare_baseline(total).await;
    row("bare actix-web handler (baseline)", &bare, None);
    let baseline = bare.per_second();
    platform(Backend::Sqlite, total, baseline).await;
    platform(Backend::Postgres, total, baseline).await;
    cold_start().await;
}
