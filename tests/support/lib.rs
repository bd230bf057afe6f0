//! Test support: `spawn_app()` starts the real server on port 0 against a
//! fresh database — a temporary SQLite file, or a new PostgreSQL database
//! on 127.0.0.1:5432 — seeded with the demo world, and gives a client for it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use baocao::{Application, demo, open_store};
use baocao_config::Settings;
use baocao_domain::types::Password;
use baocao_http::AppState;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// The password of every seeded account.
pub const PASSWORD: &str = "Demo#2026x";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("BAOCAO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("BAOCAO_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name unique to this test process and call.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), rand::random::<u32>())
}

/// A database that disappears with the test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { name } = self {
            let name = name.clone();
            // Drop runs outside any runtime we may block; use a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async move {
                    use sea_orm::ConnectionTrait;
                    if let Ok(db) = sea_orm::Database::connect(postgres_admin_url()).await {
                        let _ =
                            db.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    }
                });
            })
            .join();
        }
    }
}

/// A fresh, empty database of the given backend; returns its URL.
pub async fn fresh_database(backend: Backend) -> (String, TestDb) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("baocao.db").display());
            (url, TestDb::Sqlite(dir))
        }
        Backend::Postgres => {
            use sea_orm::ConnectionTrait;
            let name = unique("baocao_t");
            let admin = sea_orm::Database::connect(postgres_admin_url())
                .await
                .expect("PostgreSQL at 127.0.0.1:5432 must be running");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            let base = postgres_admin_url();
            let url = match base.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{name}"),
                None => panic!("bad BAOCAO_TEST_POSTGRES"),
            };
            (url, TestDb::Postgres { name })
        }
    }
}

/// Settings for tests: port 0, captcha off, generous rate limits, plain cookies.
pub fn test_settings(database_url: &str) -> Settings {
    let mut s = Settings::default();
    s.http.listen = "127.0.0.1:0".to_owned();
    s.http.secure_cookies = false;
    s.http.workers = 2;
    s.database.url = database_url.to_owned();
    s.auth.captcha = false;
    s.auth.attempts_per_minute = 10_000;
    s.log.filter = "warn".to_owned();
    // Built-in regimes compile on first use: most tests never touch them.
    s.plugins.preload = false;
    s.reports.attachments_dir = std::env::temp_dir().join(unique("baocao-files"));
    // One directory of compiled regimes for every test: each regime is
    // compiled once per build, as a cluster's image does, not once per test.
    s.plugins.compiled_dir = Some(std::env::temp_dir().join("baocao-tests-compiled-regimes"));
    s.signing.trust_dir = std::env::temp_dir().join(unique("baocao-trust"));
    s.signing.key_secret = Some(unique("test-signing-secret"));
    // The workflow tests send without signing; the signature tests turn the
    // organisation's signature back on, as production has it by default.
    s.signing.require_organisation = false;
    // Background jobs run only where a test starts them (the mail tests).
    s.jobs.enabled = false;
    s
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub backend: Backend,
    pub database_url: String,
    pub state: actix_web::web::Data<AppState>,
    pub client: Client,
    _db: Option<TestDb>,
}

/// The server on a fresh database with the demo world.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, db) = fresh_database(backend).await;
    let mut settings = test_settings(&url);
    tweak(&mut settings);
    let app = start(settings, true).await;
    TestApp { _db: Some(db), ..app }
}

/// Starts another instance on the same settings (database, Redis) as `settings`.
pub async fn start(settings: Settings, seed: bool) -> TestApp {
    baocao_config::init_tracing(&settings.log);
    let store = open_store(&settings).await.unwrap();
    if seed {
        demo::seed(&store, &Password::parse(PASSWORD).unwrap()).await.unwrap();
    }
    let backend = if settings.database.url.starts_with("sqlite") { Backend::Sqlite } else { Backend::Postgres };
    let database_url = settings.database.url.clone();
    let app = Application::build_with_store(settings, store).await.unwrap();
    let port = app.port();
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address: format!("http://127.0.0.1:{port}"), port, backend, database_url, state, client, _db: None }
}

/// The application alone, without a web server, on a fresh database with
/// the demo world: for use-case tests.
pub struct AppOnly {
    pub app: baocao_app::App,
    settings: Settings,
    store: baocao_storage::Store,
    _db: TestDb,
}

pub async fn app_only(backend: Backend) -> AppOnly {
    let (url, db) = fresh_database(backend).await;
    let settings = test_settings(&url);
    baocao_config::init_tracing(&settings.log);
    let store = open_store(&settings).await.unwrap();
    demo::seed(&store, &Password::parse(PASSWORD).unwrap()).await.unwrap();
    let app = assemble(&settings, &store).await;
    AppOnly { app, settings, store, _db: db }
}

async fn assemble(settings: &Settings, store: &baocao_storage::Store) -> baocao_app::App {
    let bus = std::sync::Arc::new(baocao_bus::InProcessBus::default());
    baocao_app::start::assemble(settings.clone(), store.clone(), bus).await.unwrap()
}

impl AppOnly {
    /// A demo account as the use cases see it.
    pub async fn caller(&self, username: &str) -> baocao_app::Caller {
        let name = baocao_domain::types::Username::parse(username).unwrap();
        baocao_app::Caller::new(
            self.store.login_record(&name).await.unwrap().unwrap_or_else(|| panic!("no account {username}")).user,
        )
    }

    /// Another application over the same database, whose clock stands at `now`.
    pub async fn at(&self, now: chrono::DateTime<chrono::Utc>) -> baocao_app::App {
        assemble(&self.settings, &self.store).await.with_clock(std::sync::Arc::new(baocao_app::clock::FixedClock(now)))
    }

    pub async fn unit_id(&self, tenant: &str, code: &str) -> baocao_domain::ids::UnitId {
        self.store
            .unit_by_code_unscoped(tenant, code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no unit {tenant}/{code}"))
            .id
    }
}

/// A signed-in caller of the API.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub user: Value,
}

impl Session {
    pub fn user_id(&self) -> i64 {
        self.user["id"].as_i64().unwrap()
    }

    pub fn unit_id(&self) -> i64 {
        self.user["unit_id"].as_i64().unwrap()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        let response = self.try_login(username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let body: Value = response.json().await.unwrap();
        Session {
            token: body["token"].as_str().unwrap().to_owned(),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            user: body["user"].clone(),
        }
    }

    pub fn request(&self, who: &Session, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(&who.token)
    }

    pub async fn get(&self, who: &Session, path: &str) -> Response {
        self.request(who, Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, who: &Session, path: &str, body: Value) -> Response {
        self.request(who, Method::POST, path).json(&body).send().await.unwrap()
    }

    pub async fn patch(&self, who: &Session, path: &str, body: Value) -> Response {
        self.request(who, Method::PATCH, path).json(&body).send().await.unwrap()
    }

    pub async fn delete(&self, who: &Session, path: &str) -> Response {
        self.request(who, Method::DELETE, path).send().await.unwrap()
    }

    /// GET that must succeed, as JSON.
    pub async fn get_json(&self, who: &Session, path: &str) -> Value {
        let response = self.get(who, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// The id of a unit by tenant and unit code, read straight from the store.
    pub async fn unit_id(&self, tenant: &str, code: &str) -> i64 {
        self.state
            .app
            .store_unscoped()
            .unit_by_code_unscoped(tenant, code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no unit {tenant}/{code}"))
            .id
            .0
    }

    /// Every unit and user, as the platform operator sees them: to check that a refused write stored nothing.
    pub async fn snapshot(&self) -> (Value, Value) {
        let admin = self.login("admin").await;
        let units = self.get_json(&admin, "/api/v1/units").await;
        let users = self.get_json(&admin, "/api/v1/users?per_page=200&include_disabled=true").await;
        (units, users)
    }
}

/// Asserts a JSON error: status, code, and messages in both languages.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status for expected error {code}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "error body: {body}");
    assert!(!body["error"]["message"].as_str().unwrap_or("").is_empty(), "Vietnamese message present");
    assert!(!body["error"]["message_en"].as_str().unwrap_or("").is_empty(), "English message present");
    body
}

/// A minimal plugin speaking the ABI whose every call answers `reply` (a JSON
/// `{"ok": …}`): enough to upload a regime with a hand-written manifest. With
/// `body`, `baocao_call` runs that WAT instead (hostile modules).
pub fn fixed_plugin(abi: i32, reply: &str, body: Option<&str>) -> Vec<u8> {
    let escaped: String = reply.bytes().map(|b| format!("\\{b:02x}")).collect();
    let packed = (2048u64 << 32) | reply.len() as u64;
    let call = body.map(str::to_owned).unwrap_or_else(|| format!("i64.const {packed}"));
    let text = format!(
        r#"(module
            (memory (export "memory") 2)
            (data (i32.const 2048) "{escaped}")
            (func (export "baocao_abi_major") (result i32) i32.const {abi})
            (func (export "baocao_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "baocao_free") (param i32 i32))
            (func (export "baocao_call") (param i32 i32 i32) (result i64) {call}))"#
    );
    wat::parse_str(text).unwrap()
}

/// A small regime manifest (Thái Bình's scoring, as a test fixture).
pub fn scoring_manifest(version: u32, title: &str) -> serde_json::Value {
    json!({
        "abi": {"major": 1, "minor": 0},
        "code": "TB-CDS",
        "name": {"vi": "Đánh giá chuyển đổi số tỉnh Thái Bình", "en": "Thái Bình digital transformation scoring"},
        "version": version,
        "effective_from": "2022-01-01",
        "legal_basis": "Kế hoạch của UBND tỉnh Thái Bình năm 2022",
        "periods": ["year"],
        "reporting_levels": ["so", "huyen", "xa"],
        "receiver": {"vi": "Sở Thông tin và Truyền thông", "en": "Department of Information and Communications"},
        "deadlines": [{"level": "*", "days_after_cutoff": 10}],
        "forms": [{
            "code": "CDS-SO", "title": {"vi": title, "en": "Department scoring"}, "unit_of_measure": "Điểm",
            "columns": [
                {"code": "max", "number": 3, "header": ["Điểm tối đa"], "type": "decimal", "formula": null, "fill_groups": []},
                {"code": "self", "number": 4, "header": ["Điểm tự đánh giá"], "type": "decimal", "formula": null, "fill_groups": []},
                {"code": "appraised", "number": 6, "header": ["Điểm thẩm định"], "type": "decimal", "formula": null, "fill_groups": ["TINH_TONGHOP"]}
            ],
            "rows": [{"code": "1", "label": "1", "title": "Chuyển đổi nhận thức", "level": 0, "mode": "fixed", "total": false}],
            "row_modes": ["fixed"], "catalogue": null, "outside_system": false, "rules": [], "provenance": null
        }],
        "outlines": [],
        "catalogues": []
    })
}

/// Runs a test body on SQLite and on PostgreSQL: `both!(name)` for an
/// `async fn name(backend: Backend)` in scope makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Uploads the wide-form fixture regime (FIXTURE-WIDE, form WIDE.01: 100
/// rows × 15 columns) as the platform operator: what the benchmarks load.
pub async fn upload_wide_form(app: &TestApp) {
    let admin = app.login("admin").await;
    let wasm =
        baocao_plugins::fixture_plugin("fixture_wide_form").expect("the wide-form fixture is built with the regimes");
    let uploaded = app
        .request(&admin, Method::POST, "/api/v1/regimes")
        .header("content-type", "application/wasm")
        .body(wasm)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED, "upload: {:?}", uploaded.text().await);
}

/// WIDE.01 filled in whole: 100 rows, every input cell, keeping the
/// fixture's rule (3) = (10) + (14) — (3) = 60 + 6i and (10) = 40 + 3i, so
/// (14) = 20 + 3i. The body of a `PUT …/data` at `version`.
pub fn wide_form_filled(version: i64) -> Value {
    let rows: Vec<Value> =
        (1..=100).map(|i| json!({"code": format!("r{i}"), "title": format!("Chỉ tiêu {i}")})).collect();
    let mut cells = Vec::new();
    for i in 1..=100 {
        let row = format!("r{i}");
        let inputs = [
            ("c4", 10),
            ("c5", 10),
            ("c6", 10),
            ("c7", 10),
            ("c8", 10),
            ("c9", 10),
            ("c11", 20),
            ("c12", 10),
            ("c13", 10),
        ];
        for (col, v) in inputs {
            cells.push(json!({"row": row, "col": col, "value": v + i}));
        }
        cells.push(json!({"row": row, "col": "c14", "value": 20 + 3 * i}));
        cells.push(json!({"row": row, "col": "c16", "value": "12,5"}));
        cells.push(json!({"row": row, "col": "c17", "value": "ghi chú"}));
    }
    json!({"version": version, "rows_added": rows, "cells": cells})
}

/// What the grid sends when its user changes one column of WIDE.01 (the
/// notes, column (16), in 20 rows) for the `n`th time: the body of a
/// `PUT …/data` at `version`.
pub fn wide_column_edit(version: i32, n: usize) -> Value {
    let cells: Vec<Value> =
        (1..=20).map(|r| json!({"row": format!("r{r}"), "col": "c16", "value": format!("{n},{r}")})).collect();
    json!({"version": version, "cells": cells})
}

/// The Phố Hiến ward's WIDE.01 report of next year, assigned and saved
/// whole once by its data-entry official: the official, the report and its version.
pub async fn wide_report(app: &TestApp) -> (Session, i64, i32) {
    use chrono::Datelike;
    upload_wide_form(app).await;
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let year = chrono::Utc::now().year() + 1;
    let assigned: Value = app
        .post(
            &province,
            "/api/v1/assignments",
            json!({"opens_on": "01/01/2020", "regime": "FIXTURE-WIDE", "forms": ["WIDE.01"], "period": {"type": "year", "year": year, "number": 1}, "units": [ward]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = assigned[0]["report"]["id"].as_i64().unwrap();
    let entry = app.login("hy.phohien.nhaplieu").await;
    let version = assigned[0]["report"]["version"].as_i64().unwrap() as i32;
    let saved = app
        .request(&entry, Method::PUT, &format!("/api/v1/reports/{id}/data"))
        .json(&wide_form_filled(i64::from(version)))
        .send()
        .await
        .unwrap();
    let status = saved.status();
    let body: Value = saved.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    // 15 cells in each of 100 rows, and 14 in the total row (the note column is not summed).
    assert_eq!(body["cells"].as_array().unwrap().len(), 1514, "every cell of 100 rows and the total row");
    (entry, id, body["version"].as_i64().unwrap() as i32)
}
