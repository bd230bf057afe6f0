//! The pages in a real browser: Debian's headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use baocao_tests::{Backend, PASSWORD, spawn_app};
use fantoccini::{Client, ClientBuilder, Locator};
// chromedriver speaks plain HTTP on loopback: no TLS stack needed.
use hyper_util::client::legacy::connect::HttpConnector;

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_browser() -> (Driver, Client) {
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    let port = free_port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{chromedriver} must be installed (Debian packages chromium and chromium-driver): {e}")
        });
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver { child, port, _profile: profile };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=vi",
                     format!("--user-data-dir={}", driver._profile.path().display())]
        }),
    );
    let mut last_error = None;
    for _ in 0..50 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) => {
                last_error = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not start a browser session: {last_error:?}");
}

async fn text_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_create_a_unit_and_see_it_in_the_tree() {
    let app = spawn_app(Backend::Sqlite).await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let (_driver, client) = start_browser().await;

    client.goto(&app.url("/login")).await.unwrap();
    let source = client.source().await.unwrap();
    assert!(source.contains("Đăng nhập"), "sign-in page: {source}");
    client.find(Locator::Css("#username")).await.unwrap().send_keys("tb.quantri").await.unwrap();
    client.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("main h1")).await.unwrap();
    assert!(text_of(&client, "main h1").await.contains("Quản trị UBND tỉnh Thái Bình"));

    client.goto(&app.url(&format!("/units/new?parent={vu_thu}"))).await.unwrap();
    client.find(Locator::Css("#name")).await.unwrap().send_keys("UBND xã Việt Hùng").await.unwrap();
    client.find(Locator::Css("#code")).await.unwrap().send_keys("xa-viet-hung").await.unwrap();
    client.find(Locator::Css("#kind")).await.unwrap().send_keys("UBND xã").await.unwrap();
    client.find(Locator::Css("#level")).await.unwrap().send_keys("xa").await.unwrap();
    client.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
    assert_eq!(text_of(&client, "main h1").await, "UBND xã Việt Hùng");

    client.goto(&app.url("/units")).await.unwrap();
    let tree = text_of(&client, "#unit-tree").await;
    assert!(tree.contains("UBND xã Việt Hùng"), "the new unit is in the tree: {tree}");
    // It hangs under its district.
    let district_item = client.find(Locator::Css(&format!("li[data-unit-id='{vu_thu}']"))).await.unwrap();
    assert!(district_item.text().await.unwrap().contains("UBND xã Việt Hùng"));

    // A form with a mistake comes back with the message next to the field, in Vietnamese.
    client.goto(&app.url(&format!("/units/new?parent={vu_thu}"))).await.unwrap();
    client.find(Locator::Css("#name")).await.unwrap().send_keys("UBND xã Trùng Mã").await.unwrap();
    client.find(Locator::Css("#code")).await.unwrap().send_keys("xa-viet-hung").await.unwrap();
    client.find(Locator::Css("#kind")).await.unwrap().send_keys("UBND xã").await.unwrap();
    client.find(Locator::Css("#level")).await.unwrap().send_keys("xa").await.unwrap();
    client.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css(".flash.error")).await.unwrap();
    assert!(text_of(&client, ".flash.error").await.contains("đã được dùng"));

    // Uploading a regime plugin from the page: the file goes to the API with the CSRF token.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tb-cds.wasm");
    let reply = serde_json::json!({"ok": baocao_tests::scoring_manifest(1, "Biểu chấm điểm sở, ngành")}).to_string();
    std::fs::write(&file, baocao_tests::fixed_plugin(1, &reply, None)).unwrap();
    client.goto(&app.url("/regimes")).await.unwrap();
    client.find(Locator::Css("#plugin-file")).await.unwrap().send_keys(&file.display().to_string()).await.unwrap();
    client.find(Locator::Css("[data-upload-regime]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("#upload-result.ok")).await.unwrap();
    assert!(text_of(&client, "#upload-result").await.contains("TB-CDS"));
    client.wait().for_element(Locator::Css("a[href='/regimes/TB-CDS/forms/CDS-SO']")).await.unwrap();
    client.close().await.unwrap();
}

async fn sign_in_as(client: &Client, app: &baocao_tests::TestApp, username: &str) {
    client.delete_all_cookies().await.unwrap();
    client.goto(&app.url("/login")).await.unwrap();
    client.find(Locator::Css("#username")).await.unwrap().send_keys(username).await.unwrap();
    client.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("#bell")).await.unwrap();
}

async fn value_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().prop("value").await.unwrap().unwrap_or_default()
}

/// Waits until the input at `css` shows `expected` (the live recompute is asynchronous).
async fn wait_for_value(client: &Client, css: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        last = value_of(client, css).await;
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} shows {last:?}, expected {expected:?}");
}

/// Clicks the grid's save button and waits until the page says it saved.
async fn save_grid(client: &Client) {
    client.find(Locator::Css("#grid-save")).await.unwrap().click().await.unwrap();
    let mut status = String::new();
    for _ in 0..100 {
        status = text_of(client, "#grid-status").await;
        if status.contains("Đã lưu") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not saved: {status}");
}

/// Clicks a workflow button (which asks for confirmation) and waits for the outcome.
async fn take_step(client: &Client, app: &baocao_tests::TestApp, id: i64, action: &str) {
    client.goto(&app.url(&format!("/reports/{id}"))).await.unwrap();
    client.find(Locator::Css(&format!("button[data-action='{action}']"))).await.unwrap().click().await.unwrap();
    client.accept_alert().await.unwrap();
    client.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
}

struct Grid {
    app: baocao_tests::TestApp,
    client: Client,
    province: baocao_tests::Session,
    id: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ward_fills_its_report_in_the_grid_and_it_travels_to_the_province() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser().await;

    // The ward's data entry is signed in when the province assigns: the bell rings live.
    sign_in_as(&client, &app, "hy.phohien.nhaplieu").await;
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned = crate::reports::assign_meetings(&app, &province, ward, serde_json::json!({})).await;
    let id = assigned[0]["report"]["id"].as_i64().unwrap();
    let mut bell = String::new();
    for _ in 0..100 {
        bell = text_of(&client, "#bell-count").await;
        if bell == "1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bell, "1", "the unread count arrived over server-sent events");

    let c = Grid { app, client, province, id };
    a_catalogue_row_is_picked_and_typed_in(&c).await;
    unsaved_edits_survive_and_wrong_values_are_marked(&c).await;
    the_report_travels_in_the_browser(&c).await;
}

/// From the entry list to the grid; a row picked from the catalogue; keyboard entry with live totals.
async fn a_catalogue_row_is_picked_and_typed_in(c: &Grid) {
    let Grid { app, client, .. } = c;
    let id = c.id;
    // From the entry list to the grid; a row picked from the catalogue.
    client.goto(&app.url("/reports")).await.unwrap();
    client.find(Locator::Css(&format!("a[href='/reports/{id}']"))).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("#report-grid")).await.unwrap();
    client.find(Locator::Css("#add-catalogue option[value='phuong-pho-hien']")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("#add-catalogue-row")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("input[data-row='x1'][data-col='c4']")).await.unwrap();

    // Keyboard entry: type, move right with the arrow, then Tab; totals recompute live.
    use fantoccini::key::Key;
    let key = |k: Key| char::from(k).to_string();
    let c4 = client.find(Locator::Css("input[data-row='x1'][data-col='c4']")).await.unwrap();
    c4.click().await.unwrap();
    c4.send_keys(&format!("1.200{}", key(Key::Right))).await.unwrap();
    client.active_element().await.unwrap().send_keys(&format!("300{}45", key(Key::Tab))).await.unwrap();
    assert_eq!(value_of(client, "input[data-row='x1'][data-col='c6']").await, "45", "Tab moved on to column (6)");
    wait_for_value(client, "input[data-row='x1'][data-col='c3']", "1.500").await;
    wait_for_value(client, "input[data-row='tong'][data-col='c3']", "1.500").await;
    wait_for_value(client, "input[data-row='x1'][data-col='c7']", "20").await;
    let formula = client.find(Locator::Css("input[data-row='x1'][data-col='c3']")).await.unwrap();
    assert!(formula.attr("readonly").await.unwrap().is_some(), "formula cells are read-only");
}

/// Unsaved edits survive a reload; a wrong value is marked on its cell and not saved.
async fn unsaved_edits_survive_and_wrong_values_are_marked(c: &Grid) {
    let Grid { app, client, province, .. } = c;
    let id = c.id;
    // Unsaved edits survive a reload.
    client.refresh().await.unwrap();
    client.wait().for_element(Locator::Css("#report-grid")).await.unwrap();
    assert_eq!(value_of(client, "input[data-row='x1'][data-col='c4']").await, "1.200");
    assert!(text_of(client, "#grid-status").await.contains("Đã khôi phục 3 ô chưa lưu"));

    // A wrong value is marked on its cell and not saved; fixed, it saves.
    let c6 = client.find(Locator::Css("input[data-row='x1'][data-col='c6']")).await.unwrap();
    c6.clear().await.unwrap();
    c6.send_keys("4,5").await.unwrap();
    client.find(Locator::Css("#grid-save")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("input.invalid[data-row='x1'][data-col='c6']")).await.unwrap();
    assert!(text_of(client, "#grid-errors").await.contains("phải là số nguyên"));
    let before = app.get_json(province, &format!("/api/v1/reports/{id}")).await;
    assert!(
        !before["cells"].as_array().unwrap().iter().any(|c| c["row"] == "x1" && c["col"] == "c4"),
        "nothing of the refused save was stored: {before}"
    );
    c6.clear().await.unwrap();
    c6.send_keys("45").await.unwrap();
    save_grid(client).await;
    let stored = app.get_json(province, &format!("/api/v1/reports/{id}")).await;
    assert!(
        stored["cells"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["row"] == "tong" && c["col"] == "c3" && c["value"] == 1500)
    );
}

/// Submit, approve, send, accept — each in the browser by the one who may.
async fn the_report_travels_in_the_browser(c: &Grid) {
    let Grid { app, client, .. } = c;
    let id = c.id;
    // Submit, approve, send, accept — each in the browser by the one who may.
    take_step(client, app, id, "submit").await;
    sign_in_as(client, app, "hy.phohien.duyet").await;
    take_step(client, app, id, "approve").await;
    sign_in_as(client, app, "hy.phohien.gui").await;
    take_step(client, app, id, "send").await;
    sign_in_as(client, app, "hy.tonghop").await;
    take_step(client, app, id, "accept").await;
    assert!(text_of(client, "#report-status").await.contains("Đã được duyệt"));
    client.goto(&app.url(&format!("/reports/{id}/history"))).await.unwrap();
    let history = text_of(client, "table.history").await;
    for step in ["Giao báo cáo", "Lưu số liệu", "Trình lãnh đạo", "Duyệt", "Ký số và gửi", "Duyệt báo cáo"]
    {
        assert!(history.contains(step), "history shows {step}: {history}");
    }
    client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_appraises_a_sent_scoring_in_the_grid() {
    use crate::aggregation::{assign_form, step};
    let app = spawn_app(Backend::Sqlite).await;
    let appraiser = app.login("tb.tonghop").await;
    let commune = app.unit_id("thaibinh", "xa-minh-quang").await;
    crate::appraisal::route_scoring_to_the_province(&app, commune).await;
    let period = serde_json::json!({"type": "year", "year": crate::reports::year(), "number": 1});
    let id = assign_form(&app, &appraiser, "TB-CDS-2022", "CDS_CAPXA_2022", period, &[commune]).await[0];
    let (entry, leader, clerk) = (
        app.login("tb.minhquang.nhaplieu").await,
        app.login("tb.minhquang.duyet").await,
        app.login("tb.minhquang.gui").await,
    );
    let cells =
        serde_json::json!([{"row": "1.1", "col": "self", "value": "8,5"}, {"row": "1.2", "col": "self", "value": 40}]);
    let saved = crate::reports::put(
        &app,
        &entry,
        &format!("/api/v1/reports/{id}/data"),
        serde_json::json!({"version": 1, "cells": cells}),
    )
    .await;
    assert_eq!(saved.status(), reqwest::StatusCode::OK);
    for (who, action) in [(&entry, "submit"), (&leader, "approve"), (&clerk, "send")] {
        step(&app, who, id, action).await;
    }

    let (_driver, client) = start_browser().await;
    sign_in_as(&client, &app, "tb.tonghop").await;
    client.goto(&app.url(&format!("/reports/{id}"))).await.unwrap();
    client.wait().for_element(Locator::Css("#report-grid")).await.unwrap();
    let input = |row: &str, col: &str| format!("input[data-row='{row}'][data-col='{col}']");
    let readonly = |css: String| {
        let client = client.clone();
        async move { client.find(Locator::Css(&css)).await.unwrap().attr("readonly").await.unwrap().is_some() }
    };
    assert!(readonly(input("1.1", "self")).await, "the self-assessment is the commune's");
    assert!(readonly(input("1", "appraised")).await, "an index sums its criteria");
    assert!(!readonly(input("1.1", "appraised")).await, "the appraisal score is open to the appraiser");

    // Typed the Vietnamese way, checked live, the index sums it; saved, the report stays sent.
    let cell = client.find(Locator::Css(&input("1.1", "appraised"))).await.unwrap();
    cell.click().await.unwrap();
    cell.send_keys("7,5").await.unwrap();
    wait_for_value(&client, &input("1", "appraised"), "7,5").await;
    save_grid(&client).await;
    let report = app.get_json(&appraiser, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(report["status"], "sent");
    let appraised = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == "1.1" && c["col"] == "appraised")
        .unwrap()["value"]
        .as_f64();
    assert_eq!(appraised, Some(7.5));
    client.close().await.unwrap();
}

/// "Duyệt và ký số" with the name hidden, "Ký số và gửi" with the seal, and
/// the receiver sees both signatures valid on the page and the seal on the PDF.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_and_a_clerk_sign_in_the_browser_and_the_province_sees_valid_signatures() {
    use baocao_signing::pki::Subject;
    let w = crate::signatures::world(Backend::Sqlite).await;
    let leader_name = w.leader.user["full_name"].as_str().unwrap().to_owned();
    let personal = w.pki.ca.issue(&Subject::person(&leader_name), 365).unwrap();
    let unit = w.pki.ca.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    assert!(
        w.install(&w.leader, "/api/v1/me/certificates", w.pki.p12(&personal), "mật khẩu 123")
            .await
            .status()
            .is_success()
    );
    let path = format!("/api/v1/units/{}/certificates", w.ward);
    assert!(w.install(&w.clerk, &path, w.pki.p12(&unit), "mật khẩu 123").await.status().is_success());
    let seal: serde_json::Value =
        w.image(&w.clerk, crate::signatures::seal_png(120), "organisation", "Con dấu").await.json().await.unwrap();
    let id = w.submitted().await;
    let (_driver, client) = start_browser().await;

    sign_in_as(&client, &w.app, "hy.phohien.duyet").await;
    client.goto(&w.app.url(&format!("/reports/{id}"))).await.unwrap();
    let approve = client.find(Locator::Css("form.step:has(button[data-action='approve'])")).await.unwrap();
    let sign = approve.find(Locator::Css("input[name='sign']")).await.unwrap();
    assert!(sign.prop("checked").await.unwrap().as_deref() == Some("true"), "ticked: the leader has a key");
    approve.find(Locator::Css("input[name='hide_signer']")).await.unwrap().click().await.unwrap();
    approve.find(Locator::Css("button[data-action='approve']")).await.unwrap().click().await.unwrap();
    client.accept_alert().await.unwrap();
    client.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();

    sign_in_as(&client, &w.app, "hy.phohien.gui").await;
    client.goto(&w.app.url(&format!("/reports/{id}"))).await.unwrap();
    let send = client.find(Locator::Css("form.step:has(button[data-action='send'])")).await.unwrap();
    send.find(Locator::Css(&format!("select[name='image'] option[value='{}']", seal["id"])))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    send.find(Locator::Css("button[data-action='send']")).await.unwrap().click().await.unwrap();
    client.accept_alert().await.unwrap();
    client.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();

    sign_in_as(&client, &w.app, "hy.tonghop").await;
    client.goto(&w.app.url(&format!("/reports/{id}"))).await.unwrap();
    let shown = text_of(&client, ".card.signatures").await;
    assert_eq!(shown.matches("Chữ ký hợp lệ").count(), 2, "{shown}");
    assert!(shown.contains(&leader_name) && shown.contains("UBND phường Phố Hiến"), "{shown}");
    client.close().await.unwrap();

    let pdf = w.pdf(&w.province, id).await;
    assert!(crate::signatures::red_pixels_on_last_page(&pdf) > 50, "the seal is drawn on the last page");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), &pdf).unwrap();
    let text =
        String::from_utf8(Command::new("pdftotext").arg(dir.path().join("r.pdf")).arg("-").output().unwrap().stdout)
            .unwrap();
    assert!(!text.contains("Ký bởi"), "the leader's name is hidden: {text}");
    assert_eq!(text.matches("Thời gian ký").count(), 2, "{text}");
}

/// A reset mail's link carries the code in its fragment: the page fills the
/// form from it and drops it from the address bar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_fills_in_its_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser().await;
    client.goto(&app.url("/forgot-password#token=Ma-dat-lai_123")).await.unwrap();
    wait_for_value(&client, "#token", "Ma-dat-lai_123").await;
    let url = client.current_url().await.unwrap();
    assert!(url.fragment().is_none(), "the code left the address bar: {url}");
    client.close().await.unwrap();
}

/// "Đăng nhập với VNConnect" through a real OpenID provider: an unlinked
/// identity gets the message, the administrator finds it on the identities
/// page and links it, and the same person is then let in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_signs_in_with_vnconnect_once_the_administrator_links_the_account() {
    let (app, _provider) = crate::oidc::with_provider(Backend::Sqlite).await;
    let (_driver, client) = start_browser().await;
    let through_provider = || async {
        client.goto(&app.url("/login")).await.unwrap();
        client.find(Locator::Css("#oidc-login")).await.unwrap().click().await.unwrap();
        let login = client.wait().for_element(Locator::Css("input[name=login]")).await.unwrap();
        login.send_keys("cuong.le").await.unwrap();
        client.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("any").await.unwrap();
        client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
        client.wait().for_element(Locator::Css("h1")).await.unwrap();
    };
    through_provider().await;
    let page = client.source().await.unwrap();
    assert!(page.contains("Tài khoản VNConnect của bạn chưa được liên kết với người dùng nào"), "{page}");

    sign_in_as(&client, &app, "hy.quantri").await;
    client.goto(&app.url("/identities?q=034077001111")).await.unwrap();
    assert!(text_of(&client, "#identities").await.contains("Lê Văn Cường"));
    let link = "#identities form[action$='/link']";
    let username = client.find(Locator::Css(&format!("{link} input[name=username]"))).await.unwrap();
    username.send_keys("hy.phohien.nhaplieu").await.unwrap();
    client.find(Locator::Css(&format!("{link} button"))).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css(".flash")).await.unwrap();
    assert!(client.source().await.unwrap().contains("Đã liên kết tài khoản VNConnect"));

    client.delete_all_cookies().await.unwrap();
    through_provider().await;
    let welcome = text_of(&client, "h1").await;
    assert!(welcome.starts_with("Xin chào"), "signed in: {welcome}");
    client.close().await.unwrap();
}
