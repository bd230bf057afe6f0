//! `baocao serve` and `baocao worker` processes behind one PostgreSQL and one
//! Redis, as in production: a notification raised on one instance reaches a
//! browser connected to the other, over server-sent events; with the jobs on
//! in every process, a report due soon gets one reminder and an overdue one
//! one notice, not three.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Instance, first_unread, get_json, login, psql, serve, start, unread_reaches};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_raised_on_one_instance_reaches_a_browser_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("baocao_t_sse_{}", std::process::id());
    psql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
    psql(&format!("CREATE DATABASE \"{db}\""));
    let database = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let prefix = format!("baocao_sse_{}:", std::process::id());
    let a = serve(dir.path(), "a", &database, &prefix, true).await;
    let b = serve(dir.path(), "b", &database, &prefix, false).await;
    assert_ne!(a.url, b.url);

    let client = reqwest::Client::new();
    let entry = login(&client, &b.url, "hy.phohien.nhaplieu").await;
    let mut stream =
        client.get(format!("{}/api/v1/notifications/stream", b.url)).bearer_auth(&entry).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let deadline = Instant::now() + Duration::from_secs(20);
    // The demo's own assignment already told this user something.
    let before = first_unread(&mut stream, deadline).await;

    // The province assigns through instance A.
    let province = login(&client, &a.url, "hy.tonghop").await;
    let ward = get_json(&client, format!("{}/api/v1/units", a.url), &province).await;
    let ward =
        ward.as_array().unwrap().iter().find(|u| u["code"] == "phuong-pho-hien").unwrap()["id"].as_i64().unwrap();
    use chrono::Datelike;
    // A year the demo has not assigned yet.
    let year = chrono::Utc::now().year() + 2;
    let assigned = client
        .post(format!("{}/api/v1/assignments", a.url))
        .bearer_auth(&province)
        .json(&json!({"opens_on": "01/01/2020", "regime": "TT01-III", "forms": ["III.01a/VPCP/KSTT"], "period": {"type": "year", "year": year, "number": 1}, "units": [ward]}))
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.status(), 200, "{:?}", assigned.text().await);

    // The browser on instance B hears of it.
    unread_reaches(&mut stream, before + 1, deadline).await;
    drop(stream);
    drop(a);
    drop(b);
    psql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
}

/// The mail tests' SMTP server (aiosmtpd): each mail it takes becomes a JSON file in `dir`.
fn smtp_sink(dir: &std::path::Path) -> (Instance, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/support/smtp_sink.py");
    let mut child = Command::new("python3")
        .args([script, "--port", &port.to_string(), "--dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (installed by .ci/run)");
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut ready).unwrap();
    assert_eq!(ready.trim(), "ready", "the SMTP server started");
    (Instance { child, url: String::new() }, port)
}

fn subjects(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .map(|mail| mail["subject"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn api(
    client: &reqwest::Client, method: reqwest::Method, url: String, token: &str, body: Option<Value>,
) -> Value {
    let mut request = client.request(method, url.clone()).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.json().await.unwrap()
}

/// Gives the Phố Hiến data-entry official an address and assigns the ward a
/// report whose deadline passed three days ago and one due in two days.
async fn an_overdue_and_a_due_report(client: &reqwest::Client, url: &str) {
    use reqwest::Method;
    let admin = login(client, url, "hy.quantri").await;
    let found = api(client, Method::GET, format!("{url}/api/v1/users?q=hy.phohien.nhaplieu"), &admin, None).await;
    let user = &found[0];
    let body = json!({"full_name": user["full_name"], "email": "nhaplieu.phohien@hungyen.gov.vn"});
    api(client, Method::PATCH, format!("{url}/api/v1/users/{}", user["id"]), &admin, Some(body)).await;
    let province = login(client, url, "hy.tonghop").await;
    let units = api(client, Method::GET, format!("{url}/api/v1/units"), &province, None).await;
    let ward = units.as_array().unwrap().iter().find(|u| u["code"] == "phuong-pho-hien").unwrap()["id"].clone();
    let today = chrono::Utc::now().date_naive();
    let date = |days: i64| (today + chrono::Duration::days(days)).format("%d/%m/%Y").to_string();
    use chrono::Datelike;
    for (years_ahead, closes_in) in [(3, -3), (4, 2)] {
        let period = json!({"type": "year", "year": today.year() + years_ahead, "number": 1});
        let body = json!({"regime": "TT01-III", "forms": ["III.01a/VPCP/KSTT"], "period": period, "units": [ward],
            "opens_on": date(closes_in - 40), "closes_on": date(closes_in)});
        api(client, Method::POST, format!("{url}/api/v1/assignments"), &province, Some(body)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_a_worker_send_one_reminder_and_one_overdue_notice_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let mails = dir.path().join("mails");
    let (_sink, smtp_port) = smtp_sink(&mails);
    let db = format!("baocao_t_jobs_{}", std::process::id());
    psql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
    psql(&format!("CREATE DATABASE \"{db}\""));
    let database = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let prefix = format!("baocao_jobs_{}:", std::process::id());
    let jobs = [
        ("BAOCAO_MAIL__SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ("BAOCAO_JOBS__OUTBOX_SECONDS", "1".to_owned()),
        ("BAOCAO_JOBS__REMINDER_SECONDS", "1".to_owned()),
    ];
    let process = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_baocao"));
        command.args(args).args(["--database-url", &database]).envs(jobs.iter().map(|(k, v)| (k, v)));
        command
    };
    let a = start(process(&["serve", "--listen", "127.0.0.1:0", "--demo"]), dir.path(), "a", &prefix).await;
    let _b = start(process(&["serve", "--listen", "127.0.0.1:0"]), dir.path(), "b", &prefix).await;
    let worker = start(process(&["worker", "--listen", "127.0.0.1:0"]), dir.path(), "worker", &prefix).await;

    let client = reqwest::Client::new();
    let health = client.get(format!("{}/healthz", worker.url)).send().await.unwrap();
    assert_eq!(health.status(), 200, "the worker answers its liveness probe");
    let ready: Value = client.get(format!("{}/readyz", worker.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    let pages = client.get(format!("{}/login", worker.url)).send().await.unwrap();
    assert_eq!(pages.status(), 404, "a worker serves no pages");

    an_overdue_and_a_due_report(&client, &a.url).await;
    let count = |subjects: &[String], subject: &str| subjects.iter().filter(|s| s.ends_with(subject)).count();
    let overdue = |subjects: &[String]| count(subjects, "Báo cáo quá hạn");
    let reminders = |subjects: &[String]| count(subjects, "Sắp đến hạn gửi báo cáo");
    let deadline = Instant::now() + Duration::from_secs(60);
    while (overdue(&subjects(&mails)) == 0 || reminders(&subjects(&mails)) == 0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Every process runs the jobs every second: a few more seconds would show a second notice.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let seen = subjects(&mails);
    assert_eq!(overdue(&seen), 1, "one overdue notice between three processes: {seen:?}");
    assert_eq!(reminders(&seen), 1, "one reminder between three processes: {seen:?}");
    assert_eq!(count(&seen, "Báo cáo mới được giao"), 2, "{seen:?}");
    // The three take turns with the jobs' leases; the worker's turns show at its /metrics.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut metrics = String::new();
    while !metrics.contains("baocao_job_runs_total{job=") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        metrics = client.get(format!("{}/metrics", worker.url)).send().await.unwrap().text().await.unwrap();
    }
    assert!(metrics.contains("outcome=\"ok\""), "the worker ran jobs: {metrics}");
    psql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
}
