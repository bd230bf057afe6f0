//! What the process tests share: a `baocao serve` or `baocao worker` started
//! with the cluster's settings (PostgreSQL, Redis), killed and reaped when
//! dropped; a fresh PostgreSQL database; a signed-in official.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const PASSWORD: &str = "Demo#Cross2026";

pub fn psql(sql: &str) {
    let status = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql])
        .status()
        .expect("psql must be installed");
    assert!(status.success(), "psql {sql}");
}

pub struct Instance {
    pub child: Child,
    pub url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn serve(dir: &std::path::Path, name: &str, database: &str, prefix: &str, demo: bool) -> Instance {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baocao"));
    command.args(["serve", "--listen", "127.0.0.1:0", "--database-url", database]);
    if demo {
        command.arg("--demo");
    }
    start(command, dir, name, prefix).await
}

/// Starts `command` with the shared settings and waits for the address it prints.
pub async fn start(mut command: Command, dir: &std::path::Path, name: &str, prefix: &str) -> Instance {
    let log = dir.join(format!("{name}.log"));
    // The machine's Redis unless the test brought its own.
    if !command.get_envs().any(|(key, _)| key == "BAOCAO_REDIS__URL") {
        command.env("BAOCAO_REDIS__URL", "redis://127.0.0.1:6379");
    }
    let out = std::fs::File::create(&log).unwrap();
    // Owned by an `Instance` at once, so that a failed start still kills and reaps it.
    let mut instance = Instance {
        child: command
            .env("BAOCAO_DEMO_PASSWORD", PASSWORD)
            .env("BAOCAO_AUTH__CAPTCHA", "false")
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
            instance.url = url.trim_end_matches("/healthz").to_owned();
            return instance;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "{name} did not start: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn login(client: &reqwest::Client, url: &str, user: &str) -> String {
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

/// A new PostgreSQL database, dropped first if a killed run left it.
pub fn fresh_database(name: &str) -> String {
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    psql(&format!("CREATE DATABASE \"{name}\""));
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

/// GET `url` as `token`: the JSON body, whatever the status.
pub async fn get_json(client: &reqwest::Client, url: String, token: &str) -> Value {
    client.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// Reads a notification stream until its first event: the unread count it carries.
pub async fn first_unread(stream: &mut reqwest::Response, deadline: Instant) -> u64 {
    let mut seen = String::new();
    while !seen.contains("\n\n") {
        let chunk =
            tokio::time::timeout_at(deadline.into(), stream.chunk()).await.expect("first event").unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen.split("data: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|n| n.trim().parse().ok())
        .expect("an unread count")
}

/// Reads a notification stream until the unread count `count` arrives.
pub async fn unread_reaches(stream: &mut reqwest::Response, count: u64, deadline: Instant) {
    let expected = format!("event: unread\ndata: {count}");
    let mut pushed = String::new();
    while !pushed.contains(&expected) {
        let chunk = tokio::time::timeout_at(deadline.into(), stream.chunk())
            .await
            .expect("the notification crossed instances in time")
            .unwrap()
            .unwrap();
        pushed.push_str(&String::from_utf8_lossy(&chunk));
    }
}
