//! Sign-in, sessions, CSRF, captcha, throttling, passwords.

use baocao_tests::{Backend, PASSWORD, assert_error, both, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn api_login_and_me(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = app.login("tb.minhquang.nhaplieu").await;
    assert_eq!(who.user["username"], "tb.minhquang.nhaplieu");
    let me = app.get_json(&who, "/api/v1/me").await;
    assert_eq!(me["username"], "tb.minhquang.nhaplieu");
    assert_eq!(me["unit_name"], "UBND xã Minh Quang");
    assert_eq!(me["groups"][0]["group"], "TINH_XA_NHAPLIEU");
    assert_eq!(me["csrf_token"], who.csrf.as_str());
}

async fn wrong_password_and_unknown_user_look_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong =
        assert_error(app.try_login("tb.quantri", "Wrong#Pass1").await, StatusCode::UNAUTHORIZED, "bad_credentials")
            .await;
    let unknown =
        assert_error(app.try_login("no.such.user", "Wrong#Pass1").await, StatusCode::UNAUTHORIZED, "bad_credentials")
            .await;
    assert_eq!(wrong, unknown, "no hint which usernames exist");
}

/// Repeated failures never lock the account: the failing address waits, and
/// another address with the right password still signs in.
async fn repeated_failures_slow_the_address_not_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        assert_error(app.try_login("tb.gui", "Wrong#Pass1").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    let body =
        assert_error(app.try_login("tb.gui", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("giây"));
    let elsewhere = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 3])).build().unwrap();
    let owner = elsewhere
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "tb.gui", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(owner.status(), StatusCode::OK, "the owner from another address is not locked out");
    // Other accounts are unaffected.
    app.login("tb.duyet").await;
}

async fn unauthenticated_api_calls_get_401_json(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/v1/me", "/api/v1/units", "/api/v1/units/1", "/api/v1/groups", "/api/v1/users", "/api/v1/audit"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let response = app.client.post(app.url("/api/v1/users")).json(&json!({})).send().await.unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let response = app.client.get(app.url("/api/v1/units")).bearer_auth("forged-token").send().await.unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

async fn logout_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = app.login("tb.quantri").await;
    assert_eq!(app.post(&who, "/api/v1/auth/logout", json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&who, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

async fn cookie_sessions_need_the_csrf_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login: Value = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "tb.quantri", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = login["csrf_token"].as_str().unwrap().to_owned();
    // Reads work with the cookie alone.
    assert_eq!(browser.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::OK);
    let parent = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let body =
        json!({"parent_id": parent, "code": "xa-csrf", "name": "UBND xã Thử Nghiệm", "kind": "UBND xã", "level": "xa"});
    let without = browser.post(app.url("/api/v1/units")).json(&body).send().await.unwrap();
    assert_error(without, StatusCode::FORBIDDEN, "csrf").await;
    let wrong = browser.post(app.url("/api/v1/units")).header("X-CSRF-Token", "nope").json(&body).send().await.unwrap();
    assert_error(wrong, StatusCode::FORBIDDEN, "csrf").await;
    let admin = app.login("admin").await;
    assert!(
        !app.get_json(&admin, "/api/v1/units").await.as_array().unwrap().iter().any(|u| u["code"] == "xa-csrf"),
        "refused writes stored nothing"
    );
    let with = browser.post(app.url("/api/v1/units")).header("X-CSRF-Token", csrf).json(&body).send().await.unwrap();
    assert_eq!(with.status(), StatusCode::CREATED);
}

async fn passwords_follow_the_policy_when_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = app.login("tb.stp.gui").await;
    let weak = app
        .post(&who, "/api/v1/auth/password", json!({"current_password": PASSWORD, "new_password": "password"}))
        .await;
    assert_error(weak, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    let wrong = app
        .post(&who, "/api/v1/auth/password", json!({"current_password": "Nope#1234", "new_password": "Moi#Matkhau9"}))
        .await;
    assert_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "wrong_current_password").await;
    assert_eq!(
        app.try_login("tb.stp.gui", PASSWORD).await.status(),
        StatusCode::OK,
        "refused changes left the password as it was"
    );
    let other_device = app.login("tb.stp.gui").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let ok = app
        .post(&who, "/api/v1/auth/password", json!({"current_password": PASSWORD, "new_password": "Mới#Mậtkhẩu9"}))
        .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&other_device, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(app.try_login("tb.stp.gui", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.try_login("tb.stp.gui", "Mới#Mậtkhẩu9").await.status(), StatusCode::OK);
}

async fn forgotten_password_with_a_one_time_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let clerk = app.login("tb.minhquang.gui").await;
    let issued: Value = app
        .post(&admin, &format!("/api/v1/users/{}/reset-token", clerk.user_id()), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let token = issued["token"].as_str().unwrap().to_owned();
    let weak = app
        .client
        .post(app.url("/api/v1/auth/reset"))
        .json(&json!({"token": token, "new_password": "short"}))
        .send()
        .await
        .unwrap();
    assert_error(weak, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    let ok = app
        .client
        .post(app.url("/api/v1/auth/reset"))
        .json(&json!({"token": token, "new_password": "Quen#Matkhau1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.try_login("tb.minhquang.gui", "Quen#Matkhau1").await.status(), StatusCode::OK);
    let again = app
        .client
        .post(app.url("/api/v1/auth/reset"))
        .json(&json!({"token": token, "new_password": "Lan#Thuhai22"}))
        .send()
        .await
        .unwrap();
    assert_error(again, StatusCode::UNPROCESSABLE_ENTITY, "invalid_reset_token").await;
    // Someone outside the province cannot issue a token for this user.
    let other = app.login("hy.quantri").await;
    let response = app.post(&other, &format!("/api/v1/users/{}/reset-token", clerk.user_id()), json!({})).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

both!(
    api_login_and_me,
    wrong_password_and_unknown_user_look_the_same,
    repeated_failures_slow_the_address_not_the_account,
    unauthenticated_api_calls_get_401_json,
    logout_ends_the_session,
    cookie_sessions_need_the_csrf_token,
    passwords_follow_the_policy_when_changed,
    forgotten_password_with_a_one_time_token,
);

/// The answer of the captcha held in a session, read from the session store.
async fn captcha_answer(app: &baocao_tests::TestApp, session_id: &str) -> String {
    app.state.sessions.load(session_id).await.unwrap().unwrap().captcha.unwrap()
}

fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_sign_in_needs_the_captcha() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.captcha = true).await;
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let session = cookie_value(&page, "baocao_session").unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Mã kiểm tra") && html.contains("Đổi mã kiểm tra"));
    let csrf = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let cookie = format!("baocao_session={session}");
    let image = app.client.get(app.url("/captcha.png")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(&image.bytes().await.unwrap()[..4], b"\x89PNG");
    let answer = captcha_answer(&app, &session).await;

    let form = |captcha: &str, csrf: &str| {
        vec![
            ("username", "tb.quantri".to_owned()),
            ("password", PASSWORD.to_owned()),
            ("captcha", captcha.to_owned()),
            ("csrf_token", csrf.to_owned()),
        ]
    };
    let wrong =
        app.client.post(app.url("/login")).header("cookie", &cookie).form(&form("WRONG1", &csrf)).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Mã kiểm tra không đúng"));
    // The answer was good for one attempt only, even though the attempt failed.
    let replay =
        app.client.post(app.url("/login")).header("cookie", &cookie).form(&form(&answer, &csrf)).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);

    app.client.get(app.url("/captcha.png")).header("cookie", &cookie).send().await.unwrap();
    let answer = captcha_answer(&app, &session).await;
    let bad_csrf = app
        .client
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .form(&form(&answer, "forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_csrf.status(), StatusCode::FORBIDDEN);

    app.client.get(app.url("/captcha.png")).header("cookie", &cookie).send().await.unwrap();
    let answer = captcha_answer(&app, &session).await;
    let csrf = app.state.sessions.load(&session).await.unwrap().unwrap().csrf_token;
    let ok = app
        .client
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .form(&form(&answer.to_lowercase(), &csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let signed_in = cookie_value(&ok, "baocao_session").unwrap();
    assert_ne!(signed_in, session, "a new session id after sign-in");
    let home =
        app.client.get(app.url("/")).header("cookie", format!("baocao_session={signed_in}")).send().await.unwrap();
    assert!(home.text().await.unwrap().contains("Quản trị UBND tỉnh Thái Bình"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_asks_for_the_captcha_after_repeated_failures() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.captcha = true).await;
    // With no failure yet, scripts sign in without a captcha.
    app.login("tb.duyet").await;
    for _ in 0..3 {
        assert_error(app.try_login("tb.duyet", "Wrong#Pass1").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    assert_error(app.try_login("tb.duyet", PASSWORD).await, StatusCode::UNAUTHORIZED, "captcha_required").await;
    let challenge: Value = app.client.get(app.url("/api/v1/auth/captcha")).send().await.unwrap().json().await.unwrap();
    let id = challenge["captcha_id"].as_str().unwrap().to_owned();
    assert!(challenge["image_png_base64"].as_str().unwrap().len() > 100);
    let answer = captcha_answer(&app, &id).await;
    let wrong = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "tb.duyet", "password": PASSWORD, "captcha_id": id, "captcha": "ZZZZZZ"}))
        .send()
        .await
        .unwrap();
    assert_error(wrong, StatusCode::UNAUTHORIZED, "captcha_wrong").await;
    let challenge: Value = app.client.get(app.url("/api/v1/auth/captcha")).send().await.unwrap().json().await.unwrap();
    let id = challenge["captcha_id"].as_str().unwrap().to_owned();
    let answer2 = captcha_answer(&app, &id).await;
    assert_ne!(answer, "");
    let ok = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "tb.duyet", "password": PASSWORD, "captcha_id": id, "captcha": answer2}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.auth.attempts_per_minute = 5).await;
    for _ in 0..5 {
        assert_eq!(app.try_login("no.such.user", "Wrong#Pass1").await.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = app.try_login("tb.quantri", PASSWORD).await;
    assert!(limited.headers().get("retry-after").is_some());
    assert_error(limited, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
}
