//! The token path end to end: a real PKCS#11 token (SoftHSM2) holds the
//! leader's key; `baocao sign-agent` prepares on a running `baocao serve`,
//! signs on the token and completes; the report is approved with a signature
//! that our check and pyHanko find valid. `.ci/run` installs softhsm2 and opensc.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baocao_signing::pki::{Authority, Subject};
use common::{PASSWORD, login};
use serde_json::{Value, json};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const LEADER: &str = "Chủ tịch UBND phường Phố Hiến";

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A SoftHSM2 token "baocao" (user PIN 1234) holding `key` and `cert` under label "leader".
fn token(dir: &Path, key_pem: &[u8], cert_der: &[u8]) -> PathBuf {
    let conf = dir.join("softhsm2.conf");
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\n", dir.join("tokens").display()),
    )
    .unwrap();
    std::fs::write(dir.join("key.pem"), key_pem).unwrap();
    std::fs::write(dir.join("cert.der"), cert_der).unwrap();
    let softhsm = |args: &[&str]| run(Command::new("softhsm2-util").env("SOFTHSM2_CONF", &conf).args(args));
    softhsm(&["--init-token", "--free", "--label", "baocao", "--pin", "1234", "--so-pin", "123456"]);
    let key = dir.join("key.pem");
    softhsm(&[
        "--import",
        key.to_str().unwrap(),
        "--token",
        "baocao",
        "--label",
        "leader",
        "--id",
        "01",
        "--pin",
        "1234",
    ]);
    run(Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--module", MODULE, "--token-label", "baocao", "--login", "--pin", "1234"])
        .args([
            "--write-object",
            dir.join("cert.der").to_str().unwrap(),
            "--type",
            "cert",
            "--id",
            "01",
            "--label",
            "leader",
        ]));
    conf
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The child is handed to `Server`, whose Drop kills and waits for it.
#[allow(clippy::zombie_processes)]
fn serve(dir: &Path, trust: &Path) -> Server {
    let log = dir.join("serve.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.join("demo.db").display()))
        .env("BAOCAO_DEMO_PASSWORD", PASSWORD)
        .env("BAOCAO_AUTH__CAPTCHA", "false")
        .env("BAOCAO_SIGNING__TRUST_DIR", trust)
        .current_dir(dir)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("/login")) {
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap()
                .trim_end_matches("/login")
                .to_owned();
            return Server { child, url };
        }
        assert!(started.elapsed() < Duration::from_secs(180), "the server did not start: {text}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The ward's demo report, filled and submitted by its data entry.
async fn submitted_report(client: &reqwest::Client, url: &str) -> i64 {
    let entry = login(client, url, "hy.phohien.nhaplieu").await;
    let list: Value =
        client.get(format!("{url}/api/v1/reports")).bearer_auth(&entry).send().await.unwrap().json().await.unwrap();
    let report = &list["items"][0];
    let id = report["id"].as_i64().unwrap();
    let data = json!({"version": report["version"], "rows_added": [{"title": "UBND phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
        "cells": [{"row": "x1", "col": "c4", "value": 12}]});
    let saved =
        client.put(format!("{url}/api/v1/reports/{id}/data")).bearer_auth(&entry).json(&data).send().await.unwrap();
    assert!(saved.status().is_success(), "{}", saved.text().await.unwrap());
    let submitted = client
        .post(format!("{url}/api/v1/reports/{id}/transitions"))
        .bearer_auth(&entry)
        .json(&json!({"action": "submit"}))
        .send()
        .await
        .unwrap();
    assert!(submitted.status().is_success());
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_signs_with_a_softhsm_token_and_the_report_is_approved() {
    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    let root = Authority::root("Gốc thử nghiệm token").unwrap();
    let ca = root.intermediate("CA thử nghiệm token").unwrap();
    std::fs::write(trust.join("root.pem"), root.certificate_pem().unwrap()).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.certificate_pem().unwrap()).unwrap();
    let leader = ca.issue(&Subject::person(LEADER), 365).unwrap();
    let conf = token(&dir.path().join("hsm"), &leader.private_key_pem().unwrap(), &leader.certificate_der().unwrap());

    let server = serve(dir.path(), &trust);
    let client = reqwest::Client::new();
    let id = submitted_report(&client, &server.url).await;
    let session = login(&client, &server.url, "hy.phohien.duyet").await;
    let agent = |pin: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baocao"));
        cmd.args([
            "sign-agent",
            "--module",
            MODULE,
            "--token",
            "baocao",
            "--key",
            "leader",
            "report",
            "--server",
            &server.url,
        ])
        .args(["--report", &id.to_string(), "--action", "approve", "--chain"])
        .arg(dir.path().join("ca.pem"))
        .env("SOFTHSM2_CONF", &conf)
        .env("BAOCAO_SESSION", &session)
        .env("BAOCAO_TOKEN_PIN", pin)
        .stdin(Stdio::null());
        cmd.output().unwrap()
    };
    let wrong = agent("0000");
    assert!(!wrong.status.success(), "a wrong PIN signs nothing");
    let out = agent("1234");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("unit_approved"));

    let sigs: Value = client
        .get(format!("{}/api/v1/reports/{id}/signatures?recheck=true", server.url))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sigs.as_array().unwrap().len(), 1, "{sigs}");
    assert_eq!(sigs[0]["valid"], true, "{sigs}");
    assert_eq!(sigs[0]["signer"], LEADER);
    let pdf = client
        .get(format!("{}/api/v1/reports/{id}/pdf", server.url))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = dir.path().join("approved.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../signing/tests/validators/pyhanko_validate.py");
    let crl = dir.path().join("ca.crl");
    std::fs::write(&crl, ca.crl(&[]).unwrap().to_der().unwrap()).unwrap();
    let report: Value = serde_json::from_str(&run(Command::new("python3")
        .arg(script)
        .arg(&file)
        .arg(trust.join("root.pem"))
        .arg(&crl)))
    .unwrap();
    assert_eq!(report[0]["valid"], true, "{report}");
    assert_eq!(report[0]["intact"], true, "{report}");
    assert_eq!(report[0]["trusted"], true, "{report}");
}
