//! Two `baocao serve` processes behind one PostgreSQL and one Redis, as in
//! production: a notification raised on one instance reaches a browser
//! connected to the other, over server-sent events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "Demo#Cross2026";

fn psql(sql: &str) {
    let status = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql])
        .status()
        .expect("psql must be installed");
    assert!(status.success(), "psql {sql}");
}

struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(dir: &std::path::Path, name: &str, database: &str, prefix: &str, demo: bool) -> Instance {
    let log = dir.join(format!("{name}.log"));
    let out = std::fs::File::create(&log).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_baocao"));
    command.args(["serve", "--listen", "127.0.0.1:0", "--database-url", database]);
    if demo {
        command.arg("--demo");
    }
    // Owned by an `Instance` at once, so that a failed start still kills and reaps it.
    let mut instance = Instance {
        child: command
            .env("BAOCAO_DEMO_PASSWORD", PASSWORD)
            .env("BAOCAO_AUTH__CAPTCHA", "false")
            .env("BAOCAO_REDIS__URL", "redis://127.0.0.1:6379")
            .env("BAOCAO_REDIS__PREFIX", prefix)
            .env("BAOCAO_REPORTS__ATTACHMENTS_DIR", dir.join("files"))
            .env("BAOCAO_LOG__FILTER", "info")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
        url: String::new(),
    };
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        // Both print where they listen; the demo run prints the sign-in URL.
        if let Some(url) = text
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .map(|w| w.trim_end_matches("/login").trim_end_matches(['.', ',']).to_owned())
        {
            instance.url = url;
            return instance;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "{name} did not start: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn login(client: &reqwest::Client, url: &str, user: &str) -> String {
    let body: Value = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap_or_else(|| panic!("login {user}: {body}")).to_owned()
}

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
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.contains("\n\n") {
        let chunk =
            tokio::time::timeout_at(deadline.into(), stream.chunk()).await.expect("first event").unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    // The demo's own assignment already told this user something.
    let before: u64 = seen
        .split("data: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|n| n.trim().parse().ok())
        .expect("an unread count");

    // The province assigns through instance A.
    let province = login(&client, &a.url, "hy.tonghop").await;
    let ward: Value = client
        .get(format!("{}/api/v1/units", a.url))
        .bearer_auth(&province)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let mut pushed = String::new();
    let expected = format!("event: unread\ndata: {}", before + 1);
    while !pushed.contains(&expected) {
        let chunk = tokio::time::timeout_at(deadline.into(), stream.chunk())
            .await
            .expect("the notification crossed instances in time")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(stream);
    drop(a);
    drop(b);
    psql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
}
