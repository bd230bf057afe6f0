//! A save across the network (prints figures; asserts nothing about speed).
//!
//!     cargo bench -p baocao-tests --bench network
//!
//! sqlx 0.9.0 does not set TCP_NODELAY (sqlx issue #4335), so over TCP a
//! write larger than one packet waits for the database's delayed
//! acknowledgement (~40 ms). The cluster's answer is a PgBouncer beside each
//! instance, reached over a Unix socket (no Nagle there), which talks TCP to
//! the database with TCP_NODELAY set and pools the connections of many
//! instances. This saves the same 100 × 15 report (BENCH_SAVES times, 30)
//! through three routes to one database: TCP directly, the database's Unix
//! socket, and PgBouncer (Debian's package, started here as `postgres`) over
//! its Unix socket; p50/p99 and each route's ratio to the Unix socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baocao_tests::{Backend, fresh_database, start, test_settings};
use reqwest::Method;

/// PgBouncer on a Unix socket in its own directory; stopped when dropped.
struct Bouncer {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pgbouncer() -> Bouncer {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let path = dir.path();
    let config = format!(
        "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr =\nunix_socket_dir = {0}\nlisten_port = {port}\n\
         auth_type = trust\nauth_file = {0}/users.txt\npool_mode = session\nmax_client_conn = 200\ndefault_pool_size = 40\n\
         ignore_startup_parameters = extra_float_digits,options\n",
        path.display()
    );
    std::fs::write(path.join("pgbouncer.ini"), config).unwrap();
    std::fs::write(path.join("users.txt"), "\"postgres\" \"\"\n").unwrap();
    // PgBouncer refuses to run as root; it drops to the database's own user.
    let _ = Command::new("chown").args(["-R", "postgres"]).arg(path).status();
    let mut command = Command::new("pgbouncer");
    if Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0")) {
        command.args(["-u", "postgres"]);
    }
    let child = command
        .arg(path.join("pgbouncer.ini"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pgbouncer (Debian's package pgbouncer) must be installed");
    let socket = path.join(format!(".s.PGSQL.{port}"));
    let started = Instant::now();
    while !socket.exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "pgbouncer did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Bouncer { child, dir, port }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let saves: usize = std::env::var("BENCH_SAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let (tcp, _db) = fresh_database(Backend::Postgres).await;
    let name = tcp.rsplit('/').next().unwrap().to_owned();
    let seeded = start(test_settings(&tcp), true).await;
    let (_, id, mut version) = baocao_tests::wide_report(&seeded).await;
    let bouncer = pgbouncer();
    let routes = [
        ("Unix socket of the server", format!("postgres://postgres@localhost/{name}?host=/var/run/postgresql")),
        ("TCP, 127.0.0.1:5432", tcp.clone()),
        (
            "PgBouncer, its Unix socket",
            format!("postgres://postgres@localhost:{}/{name}?host={}", bouncer.port, bouncer.dir.path().display()),
        ),
    ];
    println!("a save of a 100 × 15 report (1,514 cells), {saves} in a row per route, one database");
    let mut figures = Vec::new();
    for (label, url) in routes {
        let app = start(test_settings(&url), false).await;
        let entry = app.login("hy.phohien.nhaplieu").await;
        let mut times = Vec::with_capacity(saves);
        for i in 0..saves {
            let started = Instant::now();
            let response = app
                .request(&entry, Method::PUT, &format!("/api/v1/reports/{id}/data"))
                .json(&baocao_tests::wide_column_edit(version, i))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{label}");
            times.push(started.elapsed());
            let body: serde_json::Value = response.json().await.unwrap();
            version = body["version"].as_i64().unwrap() as i32;
        }
        times.sort();
        figures.push((label, percentile(&times, 0.5), percentile(&times, 0.99)));
    }
    let unix = figures[0].1;
    for (label, p50, p99) in figures {
        println!("  {label:<28} p50 {p50:>7.1} ms   p99 {p99:>7.1} ms   {:.2}× the Unix socket", p50 / unix);
    }
}
