//! Several stateless instances behind a load balancer: PostgreSQL for data,
//! Redis for sessions and events.

use baocao_tests::{Backend, PASSWORD, fresh_database, redis_url, start, test_settings, unique};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_membership_changes_cross_instances() {
    let (url, _db) = fresh_database(Backend::Postgres).await;
    let mut settings = test_settings(&url);
    settings.redis.url = Some(redis_url());
    settings.redis.prefix = format!("{}:", unique("baocao_test"));
    let a = start(settings.clone(), true).await;
    let b = start(settings, false).await;

    // Signed in on A, recognised on B.
    let session = a.login("tb.quantri").await;
    let me: Value = b.get_json(&session, "/api/v1/me").await;
    assert_eq!(me["username"], "tb.quantri");
    let ready: Value = b.client.get(b.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["sessions"], true);
    assert_eq!(ready["events"], true);

    // A group revoked through A stops working on B as soon as the event arrives.
    let district = b.login("tb.vuthu.quantri").await;
    let vu_thu = a.unit_id("thaibinh", "huyen-vu-thu").await;
    assert_eq!(b.get_json(&district, "/api/v1/units").await.as_array().unwrap().len(), 3);
    let revoked =
        a.delete(&session, &format!("/api/v1/users/{}/groups/TINH_HUYEN_QUANTRI/{vu_thu}", district.user_id())).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let mut seen = usize::MAX;
    for _ in 0..50 {
        seen = b.get_json(&district, "/api/v1/units").await.as_array().unwrap().len();
        if seen == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, 0, "instance B applied the revocation made on A");
    let granted = b
        .post(
            &session,
            &format!("/api/v1/users/{}/groups", district.user_id()),
            json!({"group": "TINH_HUYEN_QUANTRI", "unit_id": vu_thu}),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let mut back = 0;
    for _ in 0..50 {
        back = a.get_json(&district, "/api/v1/units").await.as_array().unwrap().len();
        if back == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(back, 3, "instance A applied the grant made on B");

    // A regime uploaded through A is usable on B without a restart.
    let plugin = baocao_tests::fixed_plugin(
        1,
        &json!({"ok": baocao_tests::scoring_manifest(1, "Biểu chấm điểm")}).to_string(),
        None,
    );
    let uploaded = a
        .request(&session, reqwest::Method::POST, "/api/v1/regimes")
        .header("content-type", "application/wasm")
        .body(plugin)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let mut on_b = StatusCode::NOT_FOUND;
    for _ in 0..50 {
        on_b = b.get(&session, "/api/v1/regimes/TB-CDS/forms").await.status();
        if on_b == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(on_b, StatusCode::OK, "instance B loaded the plugin uploaded on A");

    // Signing out on B ends the session on A.
    assert_eq!(b.post(&session, "/api/v1/auth/logout", json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&session, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(a.try_login("tb.quantri", PASSWORD).await.status(), StatusCode::OK);
}

async fn upload(app: &baocao_tests::TestApp, who: &baocao_tests::Session, id: i64, name: &str, bytes: &[u8]) -> Value {
    let response = app
        .request(who, reqwest::Method::POST, &format!("/api/v1/reports/{id}/attachments?name={name}"))
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn download(app: &baocao_tests::TestApp, who: &baocao_tests::Session, id: i64, attachment: &Value) -> Vec<u8> {
    let response = app.get(who, &format!("/api/v1/reports/{id}/attachments/{}", attachment["id"])).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

/// Each instance has its own disk: an attachment uploaded through one is read
/// through the other, from the database (in parts, for a file over a MiB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_written_on_one_instance_are_read_on_the_other() {
    let (url, _db) = fresh_database(Backend::Postgres).await;
    let mut settings = test_settings(&url);
    settings.redis.url = Some(redis_url());
    settings.redis.prefix = format!("{}:", unique("baocao_test"));
    let a = start(settings.clone(), true).await;
    settings.reports.attachments_dir = std::env::temp_dir().join(unique("baocao-other-disk"));
    let b = start(settings, false).await;
    let entry = a.login("hy.phohien.nhaplieu").await;
    let ward = a.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned = crate::reports::assign_meetings(&a, &a.login("hy.tonghop").await, ward, json!({})).await;
    let id = assigned[0]["report"]["id"].as_i64().unwrap();
    let large: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..2_500_000u32).map(|i| (i % 251) as u8)).collect();
    let attachment = upload(&a, &entry, id, "bien-ban.pdf", &large).await;
    assert_eq!(download(&b, &entry, id, &attachment).await, large, "the same bytes through the other instance");
    assert!(!b.state.settings().reports.attachments_dir.exists(), "nothing was written to a disk");
    assert_eq!(blob_parts(&url), 3, "2.5 MB in parts of a MiB");
    let deleted = b.delete(&entry, &format!("/api/v1/reports/{id}/attachments/{}", attachment["id"])).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let listed = a.get_json(&entry, &format!("/api/v1/reports/{id}/attachments")).await;
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
    assert_eq!(blob_parts(&url), 0, "no part of it is left");
}

/// The parts stored in the `blobs` table of the PostgreSQL database at `url`.
fn blob_parts(url: &str) -> i64 {
    let database = url.rsplit('/').next().unwrap();
    let out = std::process::Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", "SELECT count(*) FROM blobs"])
        .output()
        .expect("psql");
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}

/// Attachments written while the store was a directory are still read after
/// the switch to the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_written_before_the_database_store_are_still_read() {
    let (url, _db) = fresh_database(Backend::Sqlite).await;
    let mut settings = test_settings(&url);
    settings.blobs.store = baocao_config::BlobStoreKind::Directory;
    let before = start(settings.clone(), true).await;
    let entry = before.login("hy.phohien.nhaplieu").await;
    let ward = before.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned = crate::reports::assign_meetings(&before, &before.login("hy.tonghop").await, ward, json!({})).await;
    let id = assigned[0]["report"]["id"].as_i64().unwrap();
    let attachment = upload(&before, &entry, id, "ghi-chu.txt", "Biên bản họp".as_bytes()).await;
    settings.blobs.store = baocao_config::BlobStoreKind::Database;
    let after = start(settings, false).await;
    let entry = after.login("hy.phohien.nhaplieu").await;
    assert_eq!(download(&after, &entry, id, &attachment).await, "Biên bản họp".as_bytes());
}

/// The sign-in budget of one address is counted in Redis: attempts spread
/// over two instances run out as they would on one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_has_one_sign_in_budget_across_instances() {
    let (url, _db) = fresh_database(Backend::Postgres).await;
    let mut settings = test_settings(&url);
    settings.redis.url = Some(redis_url());
    settings.redis.prefix = format!("{}:", unique("baocao_test"));
    settings.auth.attempts_per_minute = 4;
    let a = start(settings.clone(), true).await;
    let b = start(settings, false).await;
    for (n, instance) in [&a, &b, &a, &b].into_iter().enumerate() {
        let response = instance.try_login(&format!("khong.co.{n}"), "Sai#2026x").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {n} is within the budget");
    }
    let refused = b.try_login("khong.co.4", "Sai#2026x").await;
    baocao_tests::assert_error(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    let also = a.try_login("khong.co.5", "Sai#2026x").await;
    assert_eq!(also.status(), StatusCode::TOO_MANY_REQUESTS, "the other instance counts the same budget");
}
