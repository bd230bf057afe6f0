//! The binary itself, as the README tells people to run it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary, run outside the source tree unless a test says where: a
/// command that loads the regimes keeps them compiled under its working
/// directory (`baocao-files/compiled-regimes` by default).
fn baocao() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baocao"));
    command.current_dir(std::env::temp_dir());
    command
}

/// `baocao serve --demo` prints the sign-in URL and the administrator, the
/// printed password works, and no secret reaches the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_prints_a_working_login_and_logs_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.log");
    let mut child = spawn_demo(dir.path(), &log);
    let url = printed_url(&log).await;
    let client = reqwest::Client::new();
    let login = |user: &str, password: &str| {
        client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": user, "password": password}))
            .send()
    };
    assert_eq!(login("admin", "Demo#Secret2026").await.unwrap().status(), 200);
    assert_eq!(login("admin", "Typo#Secret77").await.unwrap().status(), 401);
    let token =
        login("tb.quantri", "Demo#Secret2026").await.unwrap().json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
    let me = client.get(format!("{url}/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    the_demo_has_reports_to_work_on(&client, &url).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let output = std::fs::read_to_string(&log).unwrap();
    assert!(output.contains("admin"), "the administrator is printed");
    assert!(
        output.contains("\"message\":\"signed in\"") || output.contains("signed in"),
        "sign-ins are logged: {output}"
    );
    // The demo password is printed once on purpose (the run command's contract); nothing else may leak.
    assert_eq!(output.matches("Demo#Secret2026").count(), 1, "the demo password appears only in the printed banner");
    assert!(!output.contains("Typo#Secret77"), "a mistyped password reached the log");
    assert!(!output.contains(&token), "a session token reached the log");
    assert!(!output.contains("$argon2"), "a password hash reached the log");
}

/// `baocao serve --demo` in `dir`, logging to `log`.
// The caller kills and waits for the child at the end of the test.
#[allow(clippy::zombie_processes)]
fn spawn_demo(dir: &std::path::Path, log: &std::path::Path) -> std::process::Child {
    let out = std::fs::File::create(log).unwrap();
    baocao()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.join("demo.db").display()))
        .env("BAOCAO_DEMO_PASSWORD", "Demo#Secret2026")
        .env("BAOCAO_LOG__FILTER", "debug")
        .env("BAOCAO_LOG__FORMAT", "json")
        .env("BAOCAO_AUTH__CAPTCHA", "false")
        .current_dir(dir)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap()
}

/// The sign-in address the server prints once it listens.
async fn printed_url(log: &std::path::Path) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("/login")) {
            break line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap()
                .trim_end_matches("/login")
                .to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no sign-in URL printed: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The demo has reports to work on: III.01a for Hưng Yên's wards and communes, the scoring for Thái Bình's communes.
async fn the_demo_has_reports_to_work_on(client: &reqwest::Client, url: &str) {
    let login = |user: &str, password: &str| {
        client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": user, "password": password}))
            .send()
    };
    // The demo has reports to work on: III.01a assigned to Hưng Yên's wards and communes.
    let ward = login("hy.phohien.nhaplieu", "Demo#Secret2026")
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reports: serde_json::Value =
        client.get(format!("{url}/api/v1/reports")).bearer_auth(&ward).send().await.unwrap().json().await.unwrap();
    assert_eq!(reports["total"], 1, "{reports}");
    assert_eq!(reports["items"][0]["form"], "III.01a/VPCP/KSTT");
    let province =
        login("hy.tonghop", "Demo#Secret2026").await.unwrap().json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
    let all: serde_json::Value =
        client.get(format!("{url}/api/v1/reports")).bearer_auth(&province).send().await.unwrap().json().await.unwrap();
    assert_eq!(all["total"], 3, "Phố Hiến, Sơn Nam, Tiên Lữ");
    // And Thái Bình's communes have their digital-transformation scoring to fill in.
    let commune = login("tb.minhquang.nhaplieu", "Demo#Secret2026")
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let scoring: serde_json::Value =
        client.get(format!("{url}/api/v1/reports")).bearer_auth(&commune).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (scoring["total"].as_u64(), scoring["items"][0]["form"].as_str()),
        (Some(1), Some("CDS_CAPXA_2022")),
        "{scoring}"
    );
}

/// A copy of the built-in policies without the group TH_VPCP.
fn policies_without_th_vpcp(dir: &std::path::Path) -> std::path::PathBuf {
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    for file in ["model.conf", "policy.csv"] {
        std::fs::copy(source.join(file), policies.join(file)).unwrap();
    }
    let groups = std::fs::read_to_string(source.join("groups.toml")).unwrap();
    let start = groups.find("code = \"TH_VPCP\"").unwrap();
    let block_start = groups[..start].rfind("[[group]]").unwrap();
    let block_end = block_start + groups[block_start..].find("\n# ---").unwrap();
    std::fs::write(policies.join("groups.toml"), format!("{}{}", &groups[..block_start], &groups[block_end..]))
        .unwrap();
    policies
}

/// Migrating twice is harmless; operators create accounts and are held to the password policy.
#[test]
fn migrate_is_idempotent_and_the_cli_manages_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("twice.db").display());
    for _ in 0..2 {
        let status = baocao().args(["migrate", "--database-url", &db]).status().unwrap();
        assert!(status.success());
    }
    let output = baocao()
        .args([
            "user",
            "create",
            "--username",
            "op.test",
            "--full-name",
            "Người vận hành",
            "--unit-id",
            "1",
            "--group",
            "QT_VPCP",
            "--database-url",
            &db,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"Van#Hanh2026\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let weak = baocao()
        .args(["user", "reset-password", "--username", "op.test", "--database-url", &db])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"weak\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(!weak.status.success(), "a weak password is refused");
    // `user grant` reads the same policies as the server: here a copy without TH_VPCP.
    let policies = policies_without_th_vpcp(dir.path());
    let grant = |with_dir: bool| {
        let mut cmd = baocao();
        cmd.args([
            "user",
            "grant",
            "--username",
            "op.test",
            "--group",
            "TH_VPCP",
            "--unit-id",
            "1",
            "--database-url",
            &db,
        ]);
        if with_dir {
            cmd.env("BAOCAO_AUTHZ__POLICIES_DIR", &policies);
        }
        cmd.output().unwrap()
    };
    let refused = grant(true);
    assert!(!refused.status.success(), "a group missing from the configured policies is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown group TH_VPCP"));
    assert!(grant(false).status.success(), "the built-in policies know TH_VPCP");
    assert!(String::from_utf8_lossy(&weak.stderr).contains("ký tự"));
}

/// `baocao regime check` runs the checks of an upload on a module and
/// prints what the platform reads from it; a module it would refuse is
/// refused with the reason in both languages and a failing exit status.
#[test]
fn regime_check_prints_the_template_and_refuses_what_an_upload_would() {
    let template =
        baocao_plugins::fixture_plugin("template_regime").expect("the template regime is built with the regimes");
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("template_regime.wasm");
    std::fs::write(&good, template).unwrap();
    let out = baocao().args(["regime", "check"]).arg(&good).args(["--year", "2026"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("MAU-TINH") && stdout.contains("(ABI 1.3)"), "{stdout}");
    assert!(stdout.contains("MAU.01") && stdout.contains("= sum(c5, c6)"), "the formulas are shown: {stdout}");
    assert!(stdout.contains("hệ thống tính / computed: tong"), "the computed rows: {stdout}");
    assert!(
        stdout.contains("xa 2026-12-17") && stdout.contains("so 2026-12-20"),
        "the deadline of each level: {stdout}"
    );

    let bad = dir.path().join("not-a-module.wasm");
    std::fs::write(&bad, b"PK\x03\x04 a renamed zip").unwrap();
    let refused = baocao().args(["regime", "check"]).arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("Không chấp nhận tệp chế độ báo cáo") && stderr.contains("invalid_plugin"), "{stderr}");
}

/// Runs `args` until it exits (it must, within a minute); its status and standard error.
fn exits(args: &[&str]) -> (bool, String) {
    let mut child = baocao().args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("baocao {args:?} kept running");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// On PostgreSQL a cluster migrates once, with `baocao migrate` (the Helm
/// hook): `serve` and `worker` refuse a schema older than themselves instead
/// of migrating behind the operator's back, and start once it ran.
#[test]
fn on_postgres_serve_and_worker_wait_for_baocao_migrate() {
    let name = format!("baocao_t_migrate_{}", std::process::id());
    let psql = |sql: &str| {
        let status = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql])
            .status()
            .expect("psql must be installed");
        assert!(status.success(), "{sql}");
    };
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    psql(&format!("CREATE DATABASE \"{name}\""));
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    for command in ["serve", "worker"] {
        let (ok, stderr) = exits(&[command, "--listen", "127.0.0.1:0", "--database-url", &url]);
        assert!(!ok, "{command} started on an empty database");
        assert!(stderr.contains("run `baocao migrate` first"), "{command}: {stderr}");
        assert!(stderr.contains("hãy chạy `baocao migrate` trước"), "in Vietnamese too: {stderr}");
    }
    for _ in 0..2 {
        let (ok, stderr) = exits(&["migrate", "--database-url", &url]);
        assert!(ok, "migrate exits 0, also on an up-to-date database: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("worker.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut worker = baocao()
        .args(["worker", "--listen", "127.0.0.1:0", "--database-url", &url])
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut text = String::new();
    while !text.contains("baocao worker: http://") && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
        text = std::fs::read_to_string(&log).unwrap_or_default();
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(text.contains("baocao worker: http://"), "the worker starts on the migrated database: {text}");
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
}

/// On SIGTERM `serve` ends the event streams (a browser's EventSource then
/// reconnects to another instance), finishes what is in flight and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_event_streams_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.log");
    let mut child = spawn_demo(dir.path(), &log);
    let url = printed_url(&log).await;
    let client = reqwest::Client::new();
    let body = serde_json::json!({"username": "hy.phohien.nhaplieu", "password": "Demo#Secret2026"});
    let session: serde_json::Value =
        client.post(format!("{url}/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
    let token = session["token"].as_str().unwrap();
    let mut stream = client.get(format!("{url}/api/v1/notifications/stream")).bearer_auth(token).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(20), stream.chunk()).await.unwrap().unwrap();
    assert!(first.is_some_and(|c| String::from_utf8_lossy(&c).contains("event: unread")));

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // The stream ends well before its 20-second keep-alive would come.
    let ended =
        tokio::time::timeout(Duration::from_secs(10), async { while let Ok(Some(_)) = stream.chunk().await {} }).await;
    assert!(ended.is_ok(), "the event stream ended when the instance began to stop");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not stop within its grace period");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "a clean exit: {status:?}");
    let output = std::fs::read_to_string(&log).unwrap();
    assert!(output.contains("stopping: no new connections"), "{output}");
}

/// The `.cwasm` files of a directory with their modification times.
fn compiled_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .map(|p| {
            let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
            (p, modified)
        })
        .collect();
    files.sort();
    files
}

/// `baocao regime precompile` keeps every built-in regime compiled; a server
/// started on that directory reads them as they are, and compiles again (and
/// replaces) the one whose bytes were spoiled instead of running it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_reads_precompiled_regimes_and_compiles_a_spoiled_one_again() {
    let dir = tempfile::tempdir().unwrap();
    let compiled = dir.path().join("compiled");
    let output = baocao().args(["regime", "precompile", "--dir"]).arg(&compiled).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let kept: usize = stdout.split_whitespace().find_map(|w| w.parse().ok()).expect("a count printed");
    let before = compiled_files(&compiled);
    assert_eq!(before.len(), kept, "{stdout}");
    assert!(kept >= 7, "the six national regimes and Thái Bình's: {stdout}");

    let spoiled = &before[0].0;
    let mut bytes = std::fs::read(spoiled).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(spoiled, &bytes).unwrap();
    let spoiled_at = std::fs::metadata(spoiled).unwrap().modified().unwrap();

    let log = dir.path().join("serve.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut child = baocao()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", dir.path().join("db.sqlite").display()))
        .env("BAOCAO_PLUGINS__COMPILED_DIR", &compiled)
        .env("BAOCAO_LOG__FILTER", "info")
        .current_dir(dir.path())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("http://127.0.0.1:") {
            break text;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "serve did not start: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(text.matches("does not match its module or this engine").count(), 1, "{text}");
    let after = compiled_files(&compiled);
    assert_eq!(after.len(), kept);
    for ((path, was), (_, now)) in before.iter().zip(&after) {
        if path == spoiled {
            assert_ne!(*now, spoiled_at, "the spoiled file was compiled again and replaced");
            assert_ne!(std::fs::read(path).unwrap(), bytes, "the spoiled file was compiled again and replaced");
        } else {
            assert_eq!(now, was, "{} was read as it was", path.display());
        }
    }
}
