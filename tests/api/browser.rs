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
        .unwrap_or_else(|e| panic!("{chromedriver} must be installed (Debian packages chromium and chromium-driver): {e}"));
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
        match ClientBuilder::new(HttpConnector::new()).capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{}", driver.port)).await {
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
