//! The administration pages over plain HTTP: they render in Vietnamese,
//! every state-changing form demands the CSRF token, and forms show errors
//! next to the fields.

use baocao_tests::{Backend, Session, TestApp, both, spawn_app};
use reqwest::StatusCode;

pub async fn page(app: &TestApp, who: &Session, path: &str) -> (StatusCode, String) {
    let response =
        app.client.get(app.url(path)).header("cookie", format!("baocao_session={}", who.token)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

pub async fn post_form(app: &TestApp, who: &Session, path: &str, form: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", format!("baocao_session={}", who.token))
        .form(form)
        .send()
        .await
        .unwrap()
}

struct Admin {
    app: TestApp,
    tb: Session,
    stp: i64,
}

async fn administration_pages_render_and_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    let c = Admin { app, tb, stp };
    the_pages_render_in_both_languages(&c).await;
    let location = a_user_is_created_through_the_form(&c).await;
    let id = every_form_refuses_a_missing_token(&c, location).await;
    groups_are_granted_and_revoked_on_the_detail_page(&c, id).await;
    changing_ones_password_voids_the_old_session(&c).await;
}

/// Home, unit tree, users, audit — in Vietnamese, and in English on request.
async fn the_pages_render_in_both_languages(c: &Admin) {
    let Admin { app, tb, .. } = c;
    let (status, home) = page(app, tb, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Quản trị hệ thống cấp Tỉnh"), "groups shown by their handbook names");
    let (_, tree) = page(app, tb, "/units").await;
    assert!(
        tree.contains("UBND huyện Vũ Thư") && tree.contains("UBND xã Minh Quang") && tree.contains("+ Thêm đơn vị con")
    );
    assert!(!tree.contains("Hưng Yên"));
    let (_, users) = page(app, tb, "/users?q=minhquang").await;
    assert!(
        users.contains("tb.minhquang.nhaplieu") && users.contains("Nhập liệu cấp xã") && !users.contains("tb.quantri<")
    );
    let (_, audit) = page(app, tb, "/audit").await;
    assert!(audit.contains("Nhật ký quản trị") && audit.contains("Thêm người dùng") && !audit.contains("user.create"));
    let (_, english) = page(app, tb, "/units?lang=en").await;
    assert!(english.contains("Unit tree"));
}

/// Creating a user through the form, with and without the CSRF token.
async fn a_user_is_created_through_the_form(c: &Admin) -> String {
    let Admin { app, tb, .. } = c;
    let stp = c.stp;
    // Creating a user through the form, with and without the CSRF token.
    let form = |csrf: &str, username: &str, password: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("unit_id", stp.to_string()),
            ("username", username.to_owned()),
            ("password", password.to_owned()),
            ("full_name", "Lê Thị Thu".to_owned()),
            ("email", String::new()),
            ("phone", String::new()),
            ("id_number", String::new()),
            ("group", "TINH_SO_NHAPLIEU".to_owned()),
        ]
    };
    let forged = post_form(app, tb, "/users", &form("forged", "tb.stp.thu", "Thu#Le2026ab")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let weak = post_form(app, tb, "/users", &form(&tb.csrf, "tb.stp.thu", "weak")).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = weak.text().await.unwrap();
    assert!(body.contains("class=\"field-error\"") && body.contains("ký tự đặc biệt"), "the error stands by the field");
    assert!(body.contains("value=\"tb.stp.thu\""), "what the user typed is kept");
    let created = post_form(app, tb, "/users", &form(&tb.csrf, "tb.stp.thu", "Thu#Le2026ab")).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let (_, detail) = page(app, tb, &location).await;
    assert!(detail.contains("Đã thêm người dùng") && detail.contains("Nhập liệu của sở, ngành"));
    app.login_with("tb.stp.thu", "Thu#Le2026ab").await;
    location
}

/// Every other form refuses a missing token too.
async fn every_form_refuses_a_missing_token(c: &Admin, location: String) -> String {
    let Admin { app, tb, .. } = c;
    let stp = c.stp;
    // Every other form refuses a missing token too.
    let id = location.trim_start_matches("/users/").split('?').next().unwrap().to_owned();
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    for (path, fields) in [
        (
            "/units".to_owned(),
            vec![
                ("parent_id", vu_thu.to_string()),
                ("code", "xa-moi".to_owned()),
                ("name", "Xã mới".to_owned()),
                ("kind", "UBND xã".to_owned()),
                ("level", "xa".to_owned()),
            ],
        ),
        (
            format!("/units/{stp}"),
            vec![
                ("name", "Sở".to_owned()),
                ("code", "so".to_owned()),
                ("kind", "Sở".to_owned()),
                ("level", "so".to_owned()),
            ],
        ),
        (format!("/units/{stp}/delete"), vec![]),
        (format!("/users/{id}"), vec![("full_name", "X".to_owned())]),
        (format!("/users/{id}/status"), vec![("status", "disabled".to_owned())]),
        (format!("/users/{id}/password"), vec![("password", "Moi#Mat2026x".to_owned())]),
        (format!("/users/{id}/reset-token"), vec![]),
        (format!("/users/{id}/groups"), vec![("group", "TINH_SO_GUI".to_owned()), ("unit_id", stp.to_string())]),
        (
            format!("/users/{id}/groups/revoke"),
            vec![("group", "TINH_SO_NHAPLIEU".to_owned()), ("unit_id", stp.to_string())],
        ),
        (
            "/units/reorganise".to_owned(),
            vec![
                ("kind", "move".to_owned()),
                ("units", stp.to_string()),
                ("into", vu_thu.to_string()),
                ("effective", "01/01/2026".to_owned()),
                ("decision", "x".to_owned()),
            ],
        ),
        (
            "/account/password".to_owned(),
            vec![
                ("current_password", baocao_tests::PASSWORD.to_owned()),
                ("new_password", "Moi#Mat2026x".to_owned()),
                ("confirm_password", "Moi#Mat2026x".to_owned()),
            ],
        ),
        ("/logout".to_owned(), vec![]),
    ] {
        let mut with_bad = fields.clone();
        with_bad.push(("csrf_token", "forged".to_owned()));
        let response = post_form(app, tb, &path, &with_bad).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "POST {path} without the right CSRF token");
    }
    app.login_with("tb.stp.thu", "Thu#Le2026ab").await;
    id
}

/// Granting and revoking through the detail page.
async fn groups_are_granted_and_revoked_on_the_detail_page(c: &Admin, id: String) {
    let Admin { app, tb, .. } = c;
    let stp = c.stp;
    // Granting and revoking through the detail page.
    let granted = post_form(
        app,
        tb,
        &format!("/users/{id}/groups"),
        &[("csrf_token", tb.csrf.clone()), ("group", "TINH_SO_GUI".to_owned()), ("unit_id", stp.to_string())],
    )
    .await;
    assert_eq!(granted.status(), StatusCode::OK);
    assert!(granted.text().await.unwrap().contains("Gửi báo cáo của sở, ngành"));
    let reset = post_form(app, tb, &format!("/users/{id}/reset-token"), &[("csrf_token", tb.csrf.clone())]).await;
    let html = reset.text().await.unwrap();
    let token = html.split("<code id=\"reset-token\">").nth(1).unwrap().split('<').next().unwrap();
    assert_eq!(token.len(), 43, "the one-time code is shown to the administrator once");
}

/// Changing one's own password: this browser stays signed in with a new session, the old one is void.
async fn changing_ones_password_voids_the_old_session(c: &Admin) {
    let Admin { app, .. } = c;
    // Changing one's own password: this browser stays signed in with a new session, the old one is void.
    let clerk = app.login("tb.stp.gui").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mismatch = post_form(
        app,
        &clerk,
        "/account/password",
        &[
            ("csrf_token", clerk.csrf.clone()),
            ("current_password", baocao_tests::PASSWORD.to_owned()),
            ("new_password", "Moi#Mat2026x".to_owned()),
            ("confirm_password", "Khac#Mat2026".to_owned()),
        ],
    )
    .await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().await.unwrap().contains("không khớp"));
    let changed = post_form(
        app,
        &clerk,
        "/account/password",
        &[
            ("csrf_token", clerk.csrf.clone()),
            ("current_password", baocao_tests::PASSWORD.to_owned()),
            ("new_password", "Moi#Mat2026x".to_owned()),
            ("confirm_password", "Moi#Mat2026x".to_owned()),
        ],
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let fresh = changed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("baocao_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, clerk.token);
    let home = app.client.get(app.url("/")).header("cookie", format!("baocao_session={fresh}")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let (old, _) = page(app, &clerk, "/").await;
    assert_eq!(old, StatusCode::SEE_OTHER, "the old session was signed out");
}

both!(administration_pages_render_and_work);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_send_visitors_to_sign_in() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/", "/units", "/users", "/audit", "/units/1", "/account/password"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/login");
    }
}

async fn regime_pages_show_forms_as_in_the_handbook(backend: Backend) {
    let app = spawn_app(backend).await;
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    let (status, list) = page(&app, &clerk, "/regimes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Báo cáo tình hình gửi, nhận văn bản điện tử") && list.contains("IV.02a/VPCP/KSTT"));
    assert!(!list.contains("plugin-file"), "no upload for someone who may not manage regimes");
    let (status, form) = page(&app, &clerk, "/regimes/TT01-IV/forms/IV.02a/VPCP/KSTT").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains(r#"<th colspan="4" rowspan="1">Số đơn vị thực hiện gửi, nhận văn bản điện tử</th>"#),
        "the group header spans its four columns"
    );
    assert!(
        form.contains("= (4) + (5) + (6)") && form.contains("TỔNG CỘNG") && form.contains("(11) = (12) + (13) + (14)")
    );
    let admin = app.login("tb.quantri").await;
    let (_, managed) = page(&app, &admin, "/regimes").await;
    assert!(managed.contains("plugin-file") && managed.contains("regime-versions"));
}

both!(regime_pages_show_forms_as_in_the_handbook);
