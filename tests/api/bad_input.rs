//! Bad input gets a clear error and leaves stored data as it was.

use baocao_tests::{Backend, assert_error, both, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

async fn malformed_and_oversize_bodies_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.http.max_body_bytes = 16 * 1024).await;
    let tb = app.login("tb.quantri").await;
    let before = app.snapshot().await;
    let malformed = app
        .request(&tb, reqwest::Method::POST, "/api/v1/units")
        .header("content-type", "application/json")
        .body("{\"parent_id\": ")
        .send()
        .await
        .unwrap();
    assert_error(malformed, StatusCode::BAD_REQUEST, "bad_request").await;
    let wrong_type = app
        .request(&tb, reqwest::Method::POST, "/api/v1/units")
        .header("content-type", "application/json")
        .body("{\"parent_id\": \"abc\"}")
        .send()
        .await
        .unwrap();
    assert_error(wrong_type, StatusCode::BAD_REQUEST, "bad_request").await;
    let huge = "x".repeat(64 * 1024);
    let oversize = app
        .post(&tb, "/api/v1/units", json!({"parent_id": 1, "code": "x", "name": huge, "kind": "x", "level": "x"}))
        .await;
    assert_error(oversize, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let login_garbage = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_error(login_garbage, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(app.snapshot().await, before);
}

async fn unknown_ids_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    assert_error(app.get(&admin, "/api/v1/units/424242").await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.get(&admin, "/api/v1/users/424242").await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(
        app.patch(&admin, "/api/v1/units/424242", json!({"name": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let user = app
        .post(
            &admin,
            "/api/v1/users",
            json!({"unit_id": 424242, "username": "ma.x", "password": "Ma#Xo2026ab", "full_name": "Ma"}),
        )
        .await;
    assert_error(user, StatusCode::UNPROCESSABLE_ENTITY, "unknown_unit").await;
    assert_error(app.get(&admin, "/api/v1/no-such-route").await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.get(&admin, "/api/v1/units/abc").await, StatusCode::BAD_REQUEST, "bad_request").await;
}

async fn weak_passwords_and_bad_fields_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    let before = app.snapshot().await;
    for (password, why) in [
        ("abc", "short"),
        ("alllowercase1!", "no upper case"),
        ("ALLUPPER1!", "no lower case"),
        ("NoDigits!!", "no digit"),
        ("NoSymbol123", "no symbol"),
    ] {
        let response = app
            .post(
                &tb,
                "/api/v1/users",
                json!({"unit_id": stp, "username": "tb.yeu", "password": password, "full_name": "Mật khẩu yếu"}),
            )
            .await;
        let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
        assert!(body["error"]["message"].as_str().unwrap().contains("ký tự đặc biệt"), "{why}");
    }
    let many = app
        .post(
            &tb,
            "/api/v1/users",
            json!({"unit_id": stp, "username": "x", "password": "abc", "full_name": " ", "email": "no", "phone": "12", "id_number": "1"}),
        )
        .await;
    let body = assert_error(many, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["username", "password", "full_name", "email", "phone", "id_number"]);
    assert_eq!(app.snapshot().await, before);
}

both!(
    malformed_and_oversize_bodies_are_refused,
    unknown_ids_are_not_found,
    weak_passwords_and_bad_fields_store_nothing
);
