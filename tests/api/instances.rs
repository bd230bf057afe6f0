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
