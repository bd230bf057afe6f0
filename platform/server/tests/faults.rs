//! Faults a cluster survives, with real processes on PostgreSQL and Redis:
//! an instance killed (SIGKILL) in the middle of a deadline-hour load loses
//! no save its client saw acknowledged and leaves no report half-written;
//! the database dropping an instance's connections gives clean 503s that go
//! away by themselves; Redis going away keeps the instances answering
//! (signed-in requests refused with 503, never let through) until it returns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Instance, first_unread, fresh_database, get_json, login, psql, serve, start, unread_reaches};
use serde_json::{Value, json};

const FORM: &str = "III.01a/VPCP/KSTT";

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap()
}

/// Assigns the Phố Hiến ward one meetings report for each of `years` years
/// not yet assigned; returns the reports' ids.
async fn assign_reports(client: &reqwest::Client, url: &str, years: i32) -> Vec<i64> {
    use chrono::Datelike;
    let province = login(client, url, "hy.tonghop").await;
    let units = get_json(client, format!("{url}/api/v1/units"), &province).await;
    let ward = units.as_array().unwrap().iter().find(|u| u["code"] == "phuong-pho-hien").unwrap()["id"].clone();
    let first = chrono::Utc::now().year() + 5;
    let mut ids = Vec::new();
    for year in first..first + years {
        let body = json!({"opens_on": "01/01/2020", "regime": "TT01-III", "forms": [FORM],
            "period": {"type": "year", "year": year, "number": 1}, "units": [ward]});
        let response =
            client.post(format!("{url}/api/v1/assignments")).bearer_auth(&province).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200, "assign {year}");
        let assigned: Value = response.json().await.unwrap();
        ids.push(assigned[0]["report"]["id"].as_i64().unwrap());
    }
    ids
}

/// A save the client saw acknowledged: the version and content hash it was told.
#[derive(Debug, Clone)]
struct Ack {
    version: i64,
    value: i64,
    sha: String,
    on_a: bool,
    after_kill: bool,
}

/// Reads the report's version on `url` and saves `value` in one cell there.
async fn save(client: &reqwest::Client, url: &str, token: &str, report: i64, value: i64) -> Option<(i64, String)> {
    let current: Value =
        client.get(format!("{url}/api/v1/reports/{report}")).bearer_auth(token).send().await.ok()?.json().await.ok()?;
    let mut body = json!({"version": current["version"], "cells": [{"row": "x1", "col": "c4", "value": value}]});
    if current["rows_added"].as_array().is_none_or(Vec::is_empty) {
        // The first save picks the ward's row from the catalogue.
        body["rows_added"] = json!([{"title": "Phường Phố Hiến", "catalogue": "phuong-pho-hien"}]);
    }
    let response =
        client.put(format!("{url}/api/v1/reports/{report}/data")).bearer_auth(token).json(&body).send().await.ok()?;
    if response.status() != 200 {
        return None;
    }
    let saved: Value = response.json().await.ok()?;
    Some((saved["version"].as_i64()?, saved["content_sha256"].as_str()?.to_owned()))
}

/// One official keeps saving `report`, turn about on either instance, until
/// `stop`; returns the acknowledged saves and every value it tried.
async fn keep_saving(
    urls: [String; 2], token: String, report: i64, stop: Arc<AtomicBool>, killed: Arc<AtomicBool>,
) -> (Vec<Ack>, Vec<i64>) {
    let client = client();
    let (mut acks, mut tried) = (Vec::new(), Vec::new());
    let mut value = 0;
    while !stop.load(Ordering::SeqCst) {
        value += 1;
        let on_a = value % 2 == 0;
        let url = &urls[usize::from(!on_a)];
        tried.push(value);
        if let Some((version, sha)) = save(&client, url, &token, report, value).await {
            acks.push(Ack { version, value, sha, on_a, after_kill: killed.load(Ordering::SeqCst) });
        } else {
            // The killed instance refuses connections at once; do not spin.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    (acks, tried)
}

/// Every acknowledged save is in the report's history with the hash its
/// client was told; the report is the last save that reached the database,
/// and its content and its history's last entry agree.
async fn check_report(client: &reqwest::Client, url: &str, token: &str, report: i64, acks: &[Ack], tried: &[i64]) {
    let stored = get_json(client, format!("{url}/api/v1/reports/{report}"), token).await;
    let history = get_json(client, format!("{url}/api/v1/reports/{report}/history"), token).await;
    let saves: HashMap<i64, String> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "save")
        .map(|h| (h["version"].as_i64().unwrap(), h["content_sha256"].as_str().unwrap().to_owned()))
        .collect();
    for ack in acks {
        assert_eq!(
            saves.get(&ack.version),
            Some(&ack.sha),
            "report {report}: acknowledged save {ack:?} is in the history"
        );
    }
    let last = acks.iter().max_by_key(|a| a.version).expect("some saves were acknowledged");
    let version = stored["version"].as_i64().unwrap();
    let value =
        stored["cells"].as_array().unwrap().iter().find(|c| c["col"] == "c4").unwrap()["value"].as_i64().unwrap();
    if version == last.version {
        assert_eq!(value, last.value, "report {report} holds its last acknowledged save");
        assert_eq!(stored["content_sha256"], last.sha.as_str());
    } else {
        // A save in flight to the killed instance committed before its answer was lost.
        assert_eq!(version, last.version + 1, "report {report}: at most one save was in flight");
        assert!(
            tried.contains(&value) && value > last.value,
            "report {report}: {value} was sent after the last acknowledged"
        );
    }
    let newest = history.as_array().unwrap().last().unwrap();
    assert_eq!(newest["version"], stored["version"], "report {report}: history and content agree");
    assert_eq!(newest["content_sha256"], stored["content_sha256"], "report {report}: history and content agree");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_of_two_instances_mid_load_loses_no_acknowledged_save() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("baocao_t_kill_{}", std::process::id());
    let database = fresh_database(&name);
    let prefix = format!("baocao_kill_{}:", std::process::id());
    let mut a = serve(dir.path(), "a", &database, &prefix, true).await;
    let b = serve(dir.path(), "b", &database, &prefix, false).await;
    let client = client();
    let reports = assign_reports(&client, &a.url, 6).await;
    // Signed in through A; the session lives in Redis and outlives A.
    let token = login(&client, &a.url, "hy.phohien.nhaplieu").await;

    let (stop, killed) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let officials: Vec<_> = reports
        .iter()
        .map(|&report| {
            let urls = [a.url.clone(), b.url.clone()];
            tokio::spawn(keep_saving(urls, token.clone(), report, stop.clone(), killed.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    killed.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);

    let mut all = Vec::new();
    for (official, &report) in officials.into_iter().zip(&reports) {
        let (acks, tried) = official.await.unwrap();
        check_report(&client, &b.url, &token, report, &acks, &tried).await;
        all.extend(acks);
    }
    let on_a = all.iter().filter(|ack| ack.on_a && !ack.after_kill).count();
    let on_b_after = all.iter().filter(|ack| !ack.on_a && ack.after_kill).count();
    println!("acknowledged saves: {} in all, {on_a} on A before the kill, {on_b_after} on B after it", all.len());
    assert!(on_a > 0, "A took saves before it was killed");
    assert!(on_b_after > 0, "the session went on through B after A was killed");
    drop(b);
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
}

/// Statuses and bodies of the answers other than 200.
async fn read_until(
    client: reqwest::Client, url: String, token: String, stop: Arc<AtomicBool>,
) -> (usize, Vec<(u16, Value)>) {
    let (mut ok, mut other) = (0, Vec::new());
    while !stop.load(Ordering::SeqCst) {
        let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
        let status = response.status().as_u16();
        if status == 200 {
            ok += 1;
        } else {
            other.push((status, response.json().await.unwrap_or(Value::Null)));
        }
    }
    (ok, other)
}

/// The first report in the caller's list.
async fn first_report(client: &reqwest::Client, url: &str, token: &str) -> i64 {
    get_json(client, format!("{url}/api/v1/reports"), token).await["items"][0]["id"].as_i64().unwrap()
}

/// Waits until `url` has answered 200 twenty times in a row.
async fn recovers(client: &reqwest::Client, url: &str, token: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let mut in_a_row = 0;
    while in_a_row < 20 {
        assert!(Instant::now() < deadline, "{url} did not recover within {within:?}");
        let ok = client.get(url).bearer_auth(token).send().await.is_ok_and(|r| r.status() == 200);
        in_a_row = if ok { in_a_row + 1 } else { 0 };
        if !ok {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_database_connections_give_clean_503s_and_recover_by_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("baocao_t_term_{}", std::process::id());
    let database = fresh_database(&name);
    let prefix = format!("baocao_term_{}:", std::process::id());
    let a = serve(dir.path(), "a", &database, &prefix, true).await;
    let client = client();
    let token = login(&client, &a.url, "hy.phohien.nhaplieu").await;
    let report = first_report(&client, &a.url, &token).await;
    let url = format!("{}/api/v1/reports/{report}", a.url);

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> =
        (0..4).map(|_| tokio::spawn(read_until(client.clone(), url.clone(), token.clone(), stop.clone()))).collect();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        psql(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ));
    }
    stop.store(true, Ordering::SeqCst);
    let (mut ok, mut refused) = (0, Vec::new());
    for reader in readers {
        let (n, other) = reader.await.unwrap();
        ok += n;
        refused.extend(other);
    }
    println!("while connections were cut: {ok} answered, {} refused with 503", refused.len());
    assert!(ok > 0, "reads went on between the cuts");
    for (status, body) in &refused {
        assert_eq!(*status, 503, "a cut connection is a 503, never a 500: {body}");
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        assert_eq!(body["error"]["message"], "Hệ thống tạm thời không sẵn sàng, vui lòng thử lại sau.", "{body}");
    }
    recovers(&client, &url, &token, Duration::from_secs(15)).await;
    let ready = client.get(format!("{}/readyz", a.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200, "ready again");
    drop(a);
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
}

/// A Redis of the test's own on `port`, keeping nothing on disk; stopped when dropped.
fn redis_on(port: u16, dir: &std::path::Path) -> Instance {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Instance { child, url: String::new() }
}

async fn status(client: &reqwest::Client, url: String, token: &str) -> (u16, Value) {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instances_keep_answering_while_redis_is_away_and_recover_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut redis = redis_on(port, dir.path());
    let name = format!("baocao_t_redis_{}", std::process::id());
    let database = fresh_database(&name);
    let process = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_baocao"));
        command
            .args(args)
            .args(["--database-url", &database])
            .env("BAOCAO_REDIS__URL", format!("redis://127.0.0.1:{port}"));
        command
    };
    let a = start(process(&["serve", "--listen", "127.0.0.1:0", "--demo"]), dir.path(), "a", "baocao:").await;
    let b = start(process(&["serve", "--listen", "127.0.0.1:0"]), dir.path(), "b", "baocao:").await;
    let client = client();
    let token = login(&client, &a.url, "hy.phohien.nhaplieu").await;
    assert_eq!(status(&client, format!("{}/api/v1/me", b.url), &token).await.0, 200, "one session, both instances");

    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    for url in [&a.url, &b.url] {
        assert_eq!(client.get(format!("{url}/healthz")).send().await.unwrap().status(), 200, "alive without Redis");
        let ready: Value = client.get(format!("{url}/readyz")).send().await.unwrap().json().await.unwrap();
        assert_eq!(ready["status"], "degraded", "{ready}");
        assert_eq!(ready["sessions"], false, "{ready}");
        // Sessions fail closed: a session that cannot be read lets nobody in.
        let (code, body) = status(&client, format!("{url}/api/v1/me"), &token).await;
        assert_eq!((code, body["error"]["code"].as_str()), (503, Some("unavailable")), "{body}");
        let signin = client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({"username": "hy.phohien.nhaplieu", "password": common::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(signin.status(), 503, "no session can be opened without Redis");
    }

    let _redis = redis_on(port, dir.path());
    // This Redis kept nothing: the old session is gone, a new one works on both instances.
    let deadline = Instant::now() + Duration::from_secs(20);
    let fresh = loop {
        let signin = client
            .post(format!("{}/api/v1/auth/login", b.url))
            .json(&json!({"username": "hy.phohien.nhaplieu", "password": common::PASSWORD}))
            .send()
            .await
            .unwrap();
        if signin.status() == 200 {
            break signin.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "sign-in did not recover: {}", signin.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Each instance reconnects on its own, at the first command after Redis returned.
    for url in [&a.url, &b.url] {
        recovers(&client, &format!("{url}/api/v1/me"), &fresh, Duration::from_secs(20)).await;
    }
    assert_eq!(status(&client, format!("{}/api/v1/me", b.url), &token).await.0, 401, "the lost session is gone");
    for url in [&a.url, &b.url] {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready: Value = client.get(format!("{url}/readyz")).send().await.unwrap().json().await.unwrap();
            if ready["status"] == "ready" {
                break;
            }
            assert!(Instant::now() < deadline, "{url} is still {ready}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    notification_crosses(&client, &a.url, &b.url, &fresh).await;
    drop((a, b));
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
}

/// An assignment made through `a` reaches the ward's official's event stream on `b`.
async fn notification_crosses(client: &reqwest::Client, a: &str, b: &str, entry: &str) {
    let mut stream = client.get(format!("{b}/api/v1/notifications/stream")).bearer_auth(entry).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    let before = first_unread(&mut stream, deadline).await;
    assign_reports(client, a, 1).await;
    unread_reaches(&mut stream, before + 1, deadline).await;
}
