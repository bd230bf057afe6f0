//! Hostile input and hostile users: workbook bombs, administrators climbing
//! out of their subtree, lockout as a weapon, unbounded sessions, reset-code
//! floods, racing writers, absurd numbers and page numbers, NUL characters,
//! formulas in CSV, and errors that must all be the JSON body.

use baocao_tests::{Backend, PASSWORD, Session, TestApp, assert_error, both, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::reports::put;
use crate::xlsx::{V, filled_ward_report, import_, numbers_row, workbook};

/// The process's peak resident memory (VmHWM), in MiB: the server runs in this process.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    kb / 1024
}

/// A workbook bomb written by Python's zipfile (C zlib: fast): a valid .xlsx
/// whose shared-string table holds `strings` one-letter strings, or whose
/// sheet holds `rows` rows, streamed so the test itself stays small.
fn bomb(strings: u64, rows: u64) -> Vec<u8> {
    let script = r#"
import sys, zipfile
out, strings, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
z = zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED)
z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
z.writestr('_rels/.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
z.writestr('xl/workbook.xml', '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Bieu" sheetId="1" r:id="rId1"/></sheets></workbook>')
z.writestr('xl/_rels/workbook.xml.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
with z.open('xl/sharedStrings.xml', 'w', force_zip64=True) as f:
    f.write(('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (strings, strings)).encode())
    chunk = b'<si><t>a</t></si>' * 65536
    for _ in range(strings // 65536):
        f.write(chunk)
    f.write(b'</sst>')
with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
    f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    chunk = b'<row><c t="s"><v>0</v></c><c><v>1</v></c></row>' * 16384
    for _ in range(rows // 16384):
        f.write(chunk)
    f.write(b'</sheetData></worksheet>')
z.close()
"#;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bomb.xlsx");
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&out)
        .arg(strings.to_string())
        .arg(rows.to_string())
        .output()
        .expect("python3 runs");
    assert!(run.status.success(), "python: {}", String::from_utf8_lossy(&run.stderr));
    std::fs::read(&out).unwrap()
}

async fn workbook_bombs_are_refused_with_bounded_memory(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let stored = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    // 60 million one-letter shared strings (~1 GB of XML in ~1 MB), and ~1.5 GB of sheet rows.
    let strings = bomb(60 * 1024 * 1024, 0);
    let rows = bomb(0, 32 * 1024 * 1024);
    println!("bombs: {} KiB of shared strings, {} KiB of rows", strings.len() / 1024, rows.len() / 1024);
    assert!(strings.len() < 10 * 1024 * 1024 && rows.len() < 10 * 1024 * 1024, "both under the upload limit");
    let before = peak_mib();
    let started = std::time::Instant::now();
    // Both at once, twice each.
    let sends =
        [&strings, &rows, &strings, &rows].map(|body| import_(&app, &entry, id, "?dry_run=false", body.clone()));
    let answers = futures_join(sends).await;
    let grown = peak_mib().saturating_sub(before);
    println!("four bombs refused in {:?}; peak memory grew by {grown} MiB (bound: 256 MiB)", started.elapsed());
    for answer in answers {
        let body = assert_error(answer, StatusCode::PAYLOAD_TOO_LARGE, "import_too_large").await;
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("Tệp Excel không được nhập vì"), "{message}");
    }
    assert!(grown < 256, "peak memory grew by {grown} MiB");
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, stored, "nothing changed");
    // An ordinary workbook still imports after the bombs.
    let mut cells = numbers_row(7);
    cells.extend([(8, 1, V::S("r0")), (8, 5, V::N(1300.0))]);
    assert_eq!(import_(&app, &entry, id, "?dry_run=false", workbook(&cells)).await.status(), StatusCode::OK);
}

async fn futures_join<F: std::future::Future>(futures: [F; 4]) -> Vec<F::Output> {
    let [a, b, c, d] = futures;
    let (a, b, c, d) = tokio::join!(a, b, c, d);
    vec![a, b, c, d]
}

async fn import_limits_are_configuration(backend: Backend) {
    let mut cells = numbers_row(7);
    cells.extend([(8, 1, V::S("r0")), (8, 5, V::N(1300.0)), (8, 6, V::N(310.0))]);
    let few_cells = spawn_app_with(backend, |s| s.reports.import_max_cells = 8).await;
    let (_, entry, id) = filled_ward_report(&few_cells).await;
    let body = assert_error(
        import_(&few_cells, &entry, id, "", workbook(&cells)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "import_too_large",
    )
    .await;
    assert!(body["error"]["message"].as_str().unwrap().contains("có quá 8 ô dữ liệu"), "{body}");
    let no_time = spawn_app_with(backend, |s| s.reports.import_max_seconds = 0).await;
    let (_, entry, id) = filled_ward_report(&no_time).await;
    let body = assert_error(
        import_(&no_time, &entry, id, "", workbook(&cells)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_too_slow",
    )
    .await;
    assert!(body["error"]["message"].as_str().unwrap().contains("quá 0 giây"), "{body}");
}

/// A NaN cell in a workbook is refused at its place, not read as "empty".
async fn a_nan_cell_does_not_clear_a_value(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let stored = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let mut cells = numbers_row(7);
    cells.extend([(8, 1, V::S("r0")), (8, 5, V::N(f64::NAN))]);
    let error = assert_error(
        import_(&app, &entry, id, "", workbook(&cells)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    assert!(error["error"]["cells"][0]["message"].as_str().unwrap().contains("dòng 9, cột F"), "{error}");
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, stored);
}

both!(
    workbook_bombs_are_refused_with_bounded_memory,
    import_limits_are_configuration,
    a_nan_cell_does_not_clear_a_value
);

// ------------------------------------------------------------ administration ---

/// The reproduction of the finding: the province makes a district-homed user a
/// province administrator; the district administrator must not take it over.
async fn a_district_administrator_cannot_take_over_a_province_administrator(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("tb.quantri").await;
    let district = app.login("tb.vuthu.quantri").await;
    let vuthu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let tb = app.unit_id("thaibinh", "thaibinh").await;
    let body = json!({"unit_id": vuthu, "username": "tb.vuthu.tinh", "password": PASSWORD, "full_name": "Cán bộ tỉnh ở huyện", "groups": []});
    let created: Value = app.post(&province, "/api/v1/users", body).await.json().await.unwrap();
    let target = created["id"].as_i64().unwrap();
    let granted = app
        .post(&province, &format!("/api/v1/users/{target}/groups"), json!({"group": "TINH_QUANTRI", "unit_id": tb}))
        .await;
    assert!(granted.status().is_success(), "{}", granted.status());
    let before = app.snapshot().await;
    let attempts = [
        app.post(&district, &format!("/api/v1/users/{target}/password"), json!({"password": "Chiem#Quyen2026"})).await,
        app.post(&district, &format!("/api/v1/users/{target}/reset-token"), json!({})).await,
        app.delete(&district, &format!("/api/v1/users/{target}")).await,
        app.patch(
            &district,
            &format!("/api/v1/users/{target}"),
            json!({"full_name": "Đổi tên", "email": "x@attacker.vn"}),
        )
        .await,
        app.post(
            &district,
            &format!("/api/v1/users/{target}/groups"),
            json!({"group": "TINH_HUYEN_TONGHOP", "unit_id": vuthu}),
        )
        .await,
    ];
    for attempt in attempts {
        assert_error(attempt, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_eq!(app.snapshot().await, before, "nothing changed");
    app.login_with("tb.vuthu.tinh", PASSWORD).await;
    // The district's own users stay the district administrator's to manage.
    let own = app.get_json(&district, "/api/v1/users?q=tb.vuthu.gui").await[0]["id"].as_i64().unwrap();
    let reset =
        app.post(&district, &format!("/api/v1/users/{own}/password"), json!({"password": "Moi#MatKhau2026"})).await;
    assert!(reset.status().is_success(), "{}", reset.status());
}

/// Another tenant's unit or user answers exactly like one that does not exist.
async fn other_tenants_ids_answer_as_missing(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let hy_unit = app.unit_id("hungyen", "hungyen").await;
    let hy_admin = app.login("hy.quantri").await.user_id();
    for (other, missing) in [
        (format!("/api/v1/units/{hy_unit}"), "/api/v1/units/999999".to_owned()),
        (format!("/api/v1/users/{hy_admin}"), "/api/v1/users/999999".to_owned()),
    ] {
        let a = assert_error(app.get(&tb, &other).await, StatusCode::NOT_FOUND, "not_found").await;
        let b = assert_error(app.get(&tb, &missing).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(a, b, "{other} and {missing} answer alike");
        assert_eq!(
            app.patch(&tb, &other, json!({"full_name": "x", "name": "x"})).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

async fn receivers_stay_within_the_callers_reach(backend: Backend) {
    let app = spawn_app(backend).await;
    let district = app.login("tb.vuthu.quantri").await;
    let commune = app.unit_id("thaibinh", "xa-minh-quang").await;
    let vuthu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let department = app.unit_id("thaibinh", "so-tu-phap").await;
    let set = |unit: i64, receiver: i64| {
        let path = format!("/api/v1/units/{unit}/receiver");
        let app = &app;
        let district = &district;
        async move { put(app, district, &path, json!({"regime": "*", "receiver": receiver})).await }
    };
    // A provincial department is outside the district: as if it did not exist.
    assert_error(set(commune, department).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(set(vuthu, commune).await, StatusCode::CONFLICT, "receiver_below_sender").await;
    assert_eq!(set(commune, vuthu).await.status(), StatusCode::NO_CONTENT, "within the district: allowed");
}

both!(
    a_district_administrator_cannot_take_over_a_province_administrator,
    other_tenants_ids_answer_as_missing,
    receivers_stay_within_the_callers_reach
);

// ------------------------------------------------------- sign-in and sessions ---

/// A client bound to another loopback address: a different "client address" for the server.
fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(std::net::IpAddr::from(address)).build().unwrap()
}

async fn login_from(app: &TestApp, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_slow_the_attacker_and_never_lock_the_owner_out() {
    let app = spawn_app(Backend::Sqlite).await;
    let attacker = client_from([127, 0, 0, 9]);
    let owner = client_from([127, 0, 0, 1]);
    for _ in 0..5 {
        assert_error(
            login_from(&app, &attacker, "admin", "Wrong#Pass1").await,
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
        )
        .await;
    }
    // The attacker's address now waits, even with the right password…
    let waiting = login_from(&app, &attacker, "admin", PASSWORD).await;
    assert!(waiting.headers().get("retry-after").is_some());
    assert_error(waiting, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    // …while the owner, from a clean address, signs in (captcha is off in tests).
    assert_eq!(login_from(&app, &owner, "admin", PASSWORD).await.status(), StatusCode::OK);
    // Unknown names are slowed in exactly the same way.
    for _ in 0..5 {
        assert_error(
            login_from(&app, &attacker, "no.such.user", "Wrong#Pass1").await,
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
        )
        .await;
    }
    assert_error(
        login_from(&app, &attacker, "no.such.user", "Wrong#Pass1").await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_captcha_is_asked_alike_for_existing_and_unknown_names() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.captcha = true).await;
    let mut answers = Vec::new();
    for name in ["tb.duyet", "no.such.user"] {
        for _ in 0..3 {
            assert_error(app.try_login(name, "Wrong#Pass1").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
        }
        answers.push(
            assert_error(app.try_login(name, "Wrong#Pass1").await, StatusCode::UNAUTHORIZED, "captcha_required").await,
        );
    }
    assert_eq!(answers[0], answers[1], "no hint which names exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_sessions_are_bounded_per_address() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.attempts_per_minute = 5).await;
    let client = client_from([127, 0, 0, 7]);
    let mut refused = 0;
    for _ in 0..80 {
        if client.get(app.url("/login")).send().await.unwrap().status() == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 80 - 60, "sixty new sign-in sessions a minute per address");
    let other = client_from([127, 0, 0, 8]);
    assert_eq!(
        other.get(app.url("/login")).send().await.unwrap().status(),
        StatusCode::OK,
        "other addresses are not affected"
    );
}

async fn reset_codes_work_once_replace_earlier_ones_and_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let user = app.get_json(&admin, "/api/v1/users?q=tb.gui").await[0]["id"].as_i64().unwrap();
    let issue = || async {
        app.post(&admin, &format!("/api/v1/users/{user}/reset-token"), json!({})).await.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    };
    let first = issue().await;
    let second = issue().await;
    let reset = |token: String, password: &'static str| {
        app.client.post(app.url("/api/v1/auth/reset")).json(&json!({"token": token, "new_password": password})).send()
    };
    assert_error(
        reset(first, "Moi#MatKhau2026").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_reset_token",
    )
    .await;
    assert_eq!(reset(second.clone(), "Moi#MatKhau2026").await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_error(
        reset(second, "Khac#MatKhau2026").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_reset_token",
    )
    .await;
    app.login_with("tb.gui", "Moi#MatKhau2026").await;
    // One code guessed over and over is throttled.
    for _ in 0..5 {
        assert_error(
            reset("doan-ma".into(), "Moi#MatKhau2026").await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reset_token",
        )
        .await;
    }
    assert_error(
        reset("doan-ma".into(), "Moi#MatKhau2026").await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_attempts_are_throttled_per_address() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.attempts_per_minute = 3).await;
    let client = client_from([127, 0, 0, 5]);
    let mut codes = Vec::new();
    for i in 0..11 {
        let response = client
            .post(app.url("/api/v1/auth/reset"))
            .json(&json!({"token": format!("ma-{i}"), "new_password": "Moi#MatKhau2026"}))
            .send()
            .await
            .unwrap();
        codes.push(response.status());
    }
    assert!(codes[..10].iter().all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY), "{codes:?}");
    assert_eq!(codes[10], StatusCode::TOO_MANY_REQUESTS);
}

both!(reset_codes_work_once_replace_earlier_ones_and_are_throttled);

// ------------------------------------------------- concurrency and odd input ---

/// Two saves with the same version: one wins, the other is told its copy is
/// stale (409) — never a 500, on SQLite as on PostgreSQL.
async fn racing_saves_give_one_winner_and_one_stale_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    for trial in 0..10 {
        let version = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await["version"].clone();
        let path = format!("/api/v1/reports/{id}/data");
        let save = |value: i64| {
            put(&app, &entry, &path, json!({"version": version, "cells": [{"row": "r0", "col": "c4", "value": value}]}))
        };
        let (a, b) = tokio::join!(save(1000 + trial), save(2000 + trial));
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "trial {trial}");
    }
}

async fn page_numbers_past_any_list_are_refused_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    for path in [
        "/api/v1/reports?page=18446744073709551615",
        "/api/v1/reports?per_page=18446744073709551615",
        "/api/v1/users?page=18446744073709551615",
        "/api/v1/users?page=9223372036854775807&per_page=200",
        "/api/v1/audit?page=18446744073709551615",
        "/api/v1/notifications?page=18446744073709551615",
        "/api/v1/reports?page=0",
    ] {
        let body = assert_error(app.get(&admin, path).await, StatusCode::BAD_REQUEST, "page_out_of_range").await;
        assert!(body["error"]["message"].as_str().unwrap().contains("trang"), "{path}: {body}");
    }
    assert_eq!(
        app.get(&admin, "/api/v1/reports?page=1000000").await.status(),
        StatusCode::OK,
        "the last page allowed is empty, not an error"
    );
}

async fn numbers_are_finite_and_within_their_columns_bounds(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let stored = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let path = format!("/api/v1/reports/{id}/data");
    let save = |cells: Value| put(&app, &entry, &path, json!({"version": stored["version"], "cells": cells}));
    let huge =
        save(json!([{"row": "r0", "col": "c4", "value": 1.7e308}, {"row": "r0", "col": "c5", "value": 1.7e308}])).await;
    let body = assert_error(huge, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
    let cells: Vec<(&str, &str)> = body["error"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["row"].as_str().unwrap(), c["col"].as_str().unwrap()))
        .collect();
    assert_eq!(cells, vec![("r0", "c4"), ("r0", "c5")], "each cell named: {body}");
    assert!(body["error"]["cells"][0]["message"].as_str().unwrap().contains("9.007.199.254.740.991"), "{body}");
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, stored, "nothing stored");
    // Two large but allowed values: their total is stored, not dropped.
    let big = save(json!([{"row": "r0", "col": "c4", "value": 4_000_000_000_000_000i64}, {"row": "r0", "col": "c5", "value": 4_000_000_000_000_000i64}])).await;
    assert_eq!(big.status(), StatusCode::OK);
    let saved: Value = big.json().await.unwrap();
    let total = saved["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == "tong" && c["col"] == "c3")
        .map(|c| c["value"].clone());
    assert_eq!(total, Some(json!(8_000_000_000_000_000i64)), "the total is there");
}

async fn nul_characters_are_refused_alike_on_every_backend(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let stored = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    assert_error(app.get(&entry, "/api/v1/reports?q=a%00b").await, StatusCode::BAD_REQUEST, "invalid_character").await;
    assert_error(app.get(&entry, "/api/v1/regimes/TT01%00/forms").await, StatusCode::BAD_REQUEST, "invalid_character")
        .await;
    let comment = app
        .post(&entry, &format!("/api/v1/reports/{id}/transitions"), json!({"action": "submit", "comment": "a\u{0}b"}))
        .await;
    assert_error(comment, StatusCode::BAD_REQUEST, "invalid_character").await;
    let mut row = json!({"version": stored["version"], "cells": [], "rows_added": [{"title": "Dòng\u{0}mới"}]});
    assert_error(
        put(&app, &entry, &format!("/api/v1/reports/{id}/data"), row.take()).await,
        StatusCode::BAD_REQUEST,
        "invalid_character",
    )
    .await;
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, stored);
    // The escaped backslash followed by the letters "u0000" is ordinary text.
    assert_eq!(app.get(&entry, "/api/v1/reports?q=%5Cu0000").await.status(), StatusCode::OK);
}

both!(
    racing_saves_give_one_winner_and_one_stale_version,
    page_numbers_past_any_list_are_refused_with_400,
    numbers_are_finite_and_within_their_columns_bounds,
    nul_characters_are_refused_alike_on_every_backend
);

// ----------------------------------------------------------------- answers ---

async fn every_error_is_the_json_error_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let json_error = |response: reqwest::Response, status: StatusCode| async move {
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["content-type"], "application/json", "{status}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
        body
    };
    json_error(app.get(&admin, "/api/v1/units/abc").await, StatusCode::BAD_REQUEST).await;
    json_error(app.get(&admin, "/api/v1/reports?unit=x").await, StatusCode::BAD_REQUEST).await;
    json_error(app.get(&admin, "/api/v1/reports/1/cells/a/b/sources/extra").await, StatusCode::NOT_FOUND).await;
    // Its own connection: a server that refuses a body without reading it closes the connection after.
    let oversize = reqwest::Client::new()
        .post(app.url("/api/v1/units"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    json_error(oversize, StatusCode::PAYLOAD_TOO_LARGE).await;
    let wrong_method = app.request(&admin, reqwest::Method::PUT, "/api/v1/regimes").send().await.unwrap();
    assert!(wrong_method.status().is_client_error());
    let status = wrong_method.status();
    json_error(wrong_method, status).await;
    // Pages answer with the error page, never plain text.
    let page = app.client.get(app.url("/units/abc")).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

async fn attachment_names_lose_bidirectional_controls(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let name = "hoadon%E2%80%AEfdp.exe.pdf";
    let uploaded = app
        .request(&entry, reqwest::Method::POST, &format!("/api/v1/reports/{id}/attachments?name={name}"))
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let listed = app.get_json(&entry, &format!("/api/v1/reports/{id}/attachments")).await;
    assert_eq!(listed[0]["file_name"], "hoadonfdp.exe.pdf");
}

both!(every_error_is_the_json_error_body, attachment_names_lose_bidirectional_controls);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_exports_neutralise_formulas() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("hy.quantri").await;
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let renamed = app
        .patch(&admin, &format!("/api/v1/units/{ward}"), json!({"name": "=HYPERLINK(\"http://x.invalid\",\"Bấm\")"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    crate::aggregation::assign(&app, &province, &[ward]).await;
    let csv = app
        .client
        .get(app.url("/compliance.csv"))
        .bearer_auth(&province.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(!csv.contains(",\"=HYPERLINK(") && !csv.contains("\n\"=HYPERLINK("), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_follows_secure_cookies_and_metrics_can_be_restricted() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.http.secure_cookies = true;
        s.metrics.token = Some("bi-mat-giam-sat".into());
    })
    .await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(health.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    let refused = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let allowed = app.client.get(app.url("/metrics")).bearer_auth("bi-mat-giam-sat").send().await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    let plain = spawn_app(Backend::Sqlite).await;
    assert!(
        plain
            .client
            .get(plain.url("/healthz"))
            .send()
            .await
            .unwrap()
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "plain HTTP in tests: no HSTS"
    );
    assert_eq!(
        plain.client.get(plain.url("/metrics")).send().await.unwrap().status(),
        StatusCode::OK,
        "open by default"
    );
}

/// While the database cannot be reached, requests answer 503 (try again), not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503() {
    let app = spawn_app(Backend::Postgres).await;
    let admin = app.login("tb.quantri").await;
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(baocao_tests::postgres_admin_url()).await.unwrap();
        db.execute_unprepared(&format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false")).await.unwrap();
        db.execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    }
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = app.get(&admin, "/api/v1/units").await;
        statuses.push(response.status());
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_error(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
        }
    }
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE) && !statuses.contains(&StatusCode::INTERNAL_SERVER_ERROR),
        "{statuses:?}"
    );
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(baocao_tests::postgres_admin_url()).await.unwrap();
    db.execute_unprepared(&format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true")).await.unwrap();
    let _ = Session::clone(&admin);
}
