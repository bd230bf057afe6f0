//! User accounts and group memberships: scope, search, delegation, revocation.

use baocao_tests::{Backend, assert_error, both, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn usernames(users: &Value) -> Vec<String> {
    users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()).collect()
}

async fn user_lists_are_scoped_searchable_and_paged(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let all = app.get(&tb, "/api/v1/users?per_page=100").await;
    let total: u64 = all.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    let all: Value = all.json().await.unwrap();
    assert_eq!(total, 22);
    assert!(usernames(&all).iter().all(|u| u.starts_with("tb.")), "only the province's users");
    let first = all.as_array().unwrap().iter().find(|u| u["username"] == "tb.minhquang.gui").unwrap();
    assert_eq!(first["groups"][0]["group"], "TINH_XA_GUI");
    assert!(first["unit_id"].is_i64());
    let found = app.get_json(&tb, "/api/v1/users?q=MINHQUANG").await;
    assert_eq!(usernames(&found), vec!["tb.minhquang.duyet", "tb.minhquang.gui", "tb.minhquang.nhaplieu"]);
    let by_name = app.get_json(&tb, "/api/v1/users?q=Bảo hiểm").await;
    assert_eq!(by_name.as_array().unwrap().len(), 3, "search matches full names with diacritics");
    let page2 = app.get_json(&tb, "/api/v1/users?per_page=10&page=3").await;
    assert_eq!(page2.as_array().unwrap().len(), 2);
    // A district administrator sees its district's users only.
    let district = app.login("tb.vuthu.quantri").await;
    let mine = usernames(&app.get_json(&district, "/api/v1/users").await);
    assert_eq!(
        mine,
        vec![
            "tb.minhquang.duyet",
            "tb.minhquang.gui",
            "tb.minhquang.nhaplieu",
            "tb.vuthu.gui",
            "tb.vuthu.quantri",
            "tb.vuthu.tonghop"
        ]
    );
}

async fn administrators_create_users_with_groups(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    let created = app
        .post(
            &tb,
            "/api/v1/users",
            json!({
                "unit_id": stp, "username": "Tb.Stp.Moi", "password": "Nhap#Lieu2026", "full_name": "Nguyễn Thị Hoà",
                "email": "hoa@thaibinh.gov.vn", "phone": "0912 107 973", "id_number": "034190000123", "groups": ["TINH_SO_NHAPLIEU"]
            }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let user: Value = created.json().await.unwrap();
    assert_eq!(user["username"], "tb.stp.moi", "usernames are folded to lower case");
    assert_eq!(user["phone"], "0912107973");
    assert_eq!(user["groups"][0]["group"], "TINH_SO_NHAPLIEU");
    assert_eq!(user["groups"][0]["unit_id"], stp);
    let session = app.login_with("tb.stp.moi", "Nhap#Lieu2026").await;
    assert_eq!(session.user["full_name"], "Nguyễn Thị Hoà");
    // The same username again: refused, and nothing else stored.
    let before = app.snapshot().await;
    let again = app
        .post(
            &tb,
            "/api/v1/users",
            json!({"unit_id": stp, "username": "tb.stp.moi", "password": "Nhap#Lieu2026", "full_name": "Ai đó"}),
        )
        .await;
    assert_error(again, StatusCode::CONFLICT, "duplicate_username").await;
    // A group that does not belong at the unit's level.
    let wrong_level = app
        .post(
            &tb,
            "/api/v1/users",
            json!({"unit_id": stp, "username": "tb.stp.sai", "password": "Nhap#Lieu2026", "full_name": "Sai cấp", "groups": ["TINH_XA_NHAPLIEU"]}),
        )
        .await;
    assert_error(wrong_level, StatusCode::UNPROCESSABLE_ENTITY, "group_wrong_level").await;
    let unknown = app
        .post(
            &tb,
            "/api/v1/users",
            json!({"unit_id": stp, "username": "tb.stp.sai", "password": "Nhap#Lieu2026", "full_name": "Sai nhóm", "groups": ["KHONG_CO"]}),
        )
        .await;
    assert_error(unknown, StatusCode::UNPROCESSABLE_ENTITY, "unknown_group").await;
    let ministry_group = app
        .post(
            &tb,
            "/api/v1/users",
            json!({"unit_id": stp, "username": "tb.stp.sai", "password": "Nhap#Lieu2026", "full_name": "Sai nhóm", "groups": ["BO_DUYET"]}),
        )
        .await;
    assert_error(ministry_group, StatusCode::UNPROCESSABLE_ENTITY, "group_not_for_tenant").await;
    assert_eq!(app.snapshot().await, before);
}

async fn delegated_administrators_stay_within_their_subtree_and_groups(backend: Backend) {
    let app = spawn_app(backend).await;
    let district = app.login("tb.vuthu.quantri").await;
    let commune = app.unit_id("thaibinh", "xa-tam-quang").await;
    let province = app.unit_id("thaibinh", "thaibinh").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    let created = app
        .post(&district, "/api/v1/users", json!({"unit_id": commune, "username": "tb.tamquang.nhaplieu", "password": "Tam#Quang2026", "full_name": "Công chức xã Tam Quang", "groups": ["TINH_XA_NHAPLIEU"]}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let user: Value = created.json().await.unwrap();
    let id = user["id"].as_i64().unwrap();
    // Delegating administration further down is allowed …
    let delegate = app
        .post(&district, &format!("/api/v1/users/{id}/groups"), json!({"group": "TINH_XA_GUI", "unit_id": commune}))
        .await;
    assert_eq!(delegate.status(), StatusCode::OK);
    // … granting beyond its own groups is not, nor outside its subtree.
    let beyond = app
        .post(&district, &format!("/api/v1/users/{id}/groups"), json!({"group": "TINH_QUANTRI", "unit_id": commune}))
        .await;
    assert!(matches!(beyond.status(), StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY));
    let province_level = app
        .post(&district, &format!("/api/v1/users/{id}/groups"), json!({"group": "TINH_TONGHOP", "unit_id": province}))
        .await;
    assert_error(province_level, StatusCode::NOT_FOUND, "not_found").await;
    let outside = app
        .post(
            &district,
            "/api/v1/users",
            json!({"unit_id": stp, "username": "tb.stp.x", "password": "Tam#Quang2026", "full_name": "Ngoài phạm vi"}),
        )
        .await;
    assert_error(outside, StatusCode::FORBIDDEN, "forbidden").await;
    let other_user = app.login("tb.stp.gui").await;
    let foreign = app
        .post(
            &district,
            &format!("/api/v1/users/{}/groups", other_user.user_id()),
            json!({"group": "TINH_XA_GUI", "unit_id": commune}),
        )
        .await;
    assert_error(foreign, StatusCode::NOT_FOUND, "not_found").await;
}

async fn revoking_a_group_takes_effect_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let district = app.login("tb.vuthu.quantri").await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    assert_eq!(app.get_json(&district, "/api/v1/units").await.as_array().unwrap().len(), 3);
    let revoked =
        app.delete(&tb, &format!("/api/v1/users/{}/groups/TINH_HUYEN_QUANTRI/{vu_thu}", district.user_id())).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let body: Value = revoked.json().await.unwrap();
    assert_eq!(body["changed"], true);
    assert!(body["user"]["groups"].as_array().unwrap().is_empty());
    // The same session, right after: no rights left.
    assert!(app.get_json(&district, "/api/v1/units").await.as_array().unwrap().is_empty());
    let child = app
        .post(
            &district,
            "/api/v1/units",
            json!({"parent_id": vu_thu, "code": "xa-y", "name": "Xã Y", "kind": "UBND xã", "level": "xa"}),
        )
        .await;
    assert_error(child, StatusCode::FORBIDDEN, "forbidden").await;
    // Granting it back restores them.
    let granted = app
        .post(
            &tb,
            &format!("/api/v1/users/{}/groups", district.user_id()),
            json!({"group": "TINH_HUYEN_QUANTRI", "unit_id": vu_thu}),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    assert_eq!(app.get_json(&district, "/api/v1/units").await.as_array().unwrap().len(), 3);
}

async fn deactivated_users_cannot_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let clerk = app.login("tb.vuthu.gui").await;
    assert_error(
        app.delete(&tb, &format!("/api/v1/users/{}", tb.user_id())).await,
        StatusCode::CONFLICT,
        "cannot_disable_self",
    )
    .await;
    assert_eq!(app.delete(&tb, &format!("/api/v1/users/{}", clerk.user_id())).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&clerk, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_error(
        app.try_login("tb.vuthu.gui", baocao_tests::PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    let listed = app.get_json(&tb, "/api/v1/users?q=vuthu.gui").await;
    assert!(listed.as_array().unwrap().is_empty(), "deactivated accounts are hidden by default");
    let with_disabled = app.get_json(&tb, "/api/v1/users?q=vuthu.gui&include_disabled=true").await;
    assert_eq!(with_disabled[0]["status"], "disabled");
}

async fn administrators_edit_profiles_and_reset_passwords(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let clerk = app.login("tb.stp.gui").await;
    let edited = app
        .patch(
            &tb,
            &format!("/api/v1/users/{}", clerk.user_id()),
            json!({"full_name": "Trần Văn Bình", "email": "binh@thaibinh.gov.vn"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let user: Value = edited.json().await.unwrap();
    assert_eq!(user["full_name"], "Trần Văn Bình");
    let bad = app
        .patch(
            &tb,
            &format!("/api/v1/users/{}", clerk.user_id()),
            json!({"full_name": "Trần Văn Bình", "email": "không-phải-email"}),
        )
        .await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email").await;
    let weak =
        app.post(&tb, &format!("/api/v1/users/{}/password", clerk.user_id()), json!({"password": "12345678"})).await;
    assert_error(weak, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    // Pause so the reset falls in a later second than the clerk's sign-in.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reset =
        app.post(&tb, &format!("/api/v1/users/{}/password", clerk.user_id()), json!({"password": "Dat#Lai2026"})).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&clerk, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(app.try_login("tb.stp.gui", "Dat#Lai2026").await.status(), StatusCode::OK);
    // Another tenant's administrator touches nothing here, and cannot even tell the account exists.
    let hy = app.login("hy.quantri").await;
    for response in [
        app.get(&hy, &format!("/api/v1/users/{}", clerk.user_id())).await,
        app.patch(&hy, &format!("/api/v1/users/{}", clerk.user_id()), json!({"full_name": "X"})).await,
        app.post(&hy, &format!("/api/v1/users/{}/password", clerk.user_id()), json!({"password": "Chiem#Quyen1"}))
            .await,
        app.delete(&hy, &format!("/api/v1/users/{}", clerk.user_id())).await,
    ] {
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let audit = app.get_json(&tb, "/api/v1/audit").await;
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "user.reset_password").unwrap();
    assert!(entry["after"].is_null(), "no password material in the audit log");
}

both!(
    user_lists_are_scoped_searchable_and_paged,
    administrators_create_users_with_groups,
    delegated_administrators_stay_within_their_subtree_and_groups,
    revoking_a_group_takes_effect_at_once,
    deactivated_users_cannot_sign_in,
    administrators_edit_profiles_and_reset_passwords,
);
