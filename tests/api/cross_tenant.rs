//! One tenant never reads or writes another's data, through any route.

use baocao_tests::{Backend, both, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

struct Intrusion {
    app: baocao_tests::TestApp,
    intruder: baocao_tests::Session,
    victim_user: i64,
    tb_unit: i64,
    tb_district: i64,
    tb_empty: i64,
    hy_root: i64,
    before: (serde_json::Value, serde_json::Value),
}

async fn no_route_crosses_tenants(backend: Backend) {
    let app = spawn_app(backend).await;
    let intruder = app.login("hy.quantri").await;
    let victim_user = app.login("tb.minhquang.gui").await.user_id();
    let tb_unit = app.unit_id("thaibinh", "xa-minh-quang").await;
    let tb_district = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let tb_empty = app.unit_id("thaibinh", "xa-tam-quang").await;
    let hy_root = app.unit_id("hungyen", "hungyen").await;
    let before = app.snapshot().await;

    let c = Intrusion { app, intruder, victim_user, tb_unit, tb_district, tb_empty, hy_root, before };
    the_api_refuses_every_foreign_target(&c).await;
    the_pages_refuse_too_and_nothing_changed(&c).await;
}

/// Every API route naming the other tenant's unit or user is refused; lists hold nothing of it.
async fn the_api_refuses_every_foreign_target(c: &Intrusion) {
    let Intrusion { app, intruder, .. } = c;
    let victim_user = c.victim_user;
    let tb_unit = c.tb_unit;
    let tb_district = c.tb_district;
    let tb_empty = c.tb_empty;
    let hy_root = c.hy_root;
    let api: Vec<(Method, String, serde_json::Value)> = vec![
        (Method::GET, format!("/api/v1/units/{tb_unit}"), json!(null)),
        (Method::PATCH, format!("/api/v1/units/{tb_unit}"), json!({"name": "Chiếm"})),
        (Method::DELETE, format!("/api/v1/units/{tb_empty}"), json!(null)),
        (
            Method::POST,
            "/api/v1/units".to_owned(),
            json!({"parent_id": tb_district, "code": "xa-la", "name": "Xã lạ", "kind": "UBND xã", "level": "xa"}),
        ),
        (
            Method::POST,
            "/api/v1/units/reorganisations".to_owned(),
            json!({"kind": "move", "units": [tb_unit], "into": [hy_root], "effective": "01/01/2026", "decision": "x"}),
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"unit_id": tb_unit, "username": "hy.lan.sang", "password": "Lan#Sang2026", "full_name": "Lấn sân"}),
        ),
        (Method::GET, format!("/api/v1/users/{victim_user}"), json!(null)),
        (Method::PATCH, format!("/api/v1/users/{victim_user}"), json!({"full_name": "Chiếm"})),
        (Method::DELETE, format!("/api/v1/users/{victim_user}"), json!(null)),
        (Method::POST, format!("/api/v1/users/{victim_user}/password"), json!({"password": "Chiem#Quyen1"})),
        (Method::POST, format!("/api/v1/users/{victim_user}/reset-token"), json!({})),
        (
            Method::POST,
            format!("/api/v1/users/{victim_user}/groups"),
            json!({"group": "TINH_XA_NHAPLIEU", "unit_id": tb_unit}),
        ),
        (Method::DELETE, format!("/api/v1/users/{victim_user}/groups/TINH_XA_GUI/{tb_unit}"), json!(null)),
    ];
    for (method, path, body) in api {
        let mut request = app.request(intruder, method.clone(), &path);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        // Refused; a unit or user named by id answers as if it did not exist.
        let named = |id: i64| path.split('/').any(|segment| segment == id.to_string());
        let expected = if named(tb_unit) || named(tb_empty) || named(victim_user) || path.ends_with("reorganisations") {
            (StatusCode::NOT_FOUND, "not_found")
        } else {
            (StatusCode::FORBIDDEN, "forbidden")
        };
        assert_eq!(response.status(), expected.0, "{method} {path}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], expected.1, "{method} {path}");
    }
    // Granting a group of the intruder's own tenant to a foreign user, at the intruder's own unit.
    let lure = app
        .post(
            intruder,
            &format!("/api/v1/users/{victim_user}/groups"),
            json!({"group": "TINH_TONGHOP", "unit_id": hy_root}),
        )
        .await;
    assert_eq!(lure.status(), StatusCode::NOT_FOUND);
    // Lists hold nothing of the other tenant.
    let units = app.get_json(intruder, "/api/v1/units").await;
    assert!(units.as_array().unwrap().iter().all(|u| !u["code"].as_str().unwrap().contains("minh-quang")));
    let users = app.get_json(intruder, "/api/v1/users?q=tb.").await;
    assert!(users.as_array().unwrap().is_empty());
    let by_unit = app.get_json(intruder, &format!("/api/v1/users?unit={tb_unit}")).await;
    assert!(by_unit.as_array().unwrap().is_empty());
    let audit = app.get_json(intruder, "/api/v1/audit").await;
    assert!(audit.as_array().unwrap().iter().all(|e| !e.to_string().contains("tb.")));
}

/// The pages refuse too, and nothing changed.
async fn the_pages_refuse_too_and_nothing_changed(c: &Intrusion) {
    let Intrusion { app, intruder, .. } = c;
    let victim_user = c.victim_user;
    let tb_unit = c.tb_unit;
    let before = c.before.clone();
    // The pages refuse too.
    let cookie = format!("baocao_session={}", intruder.token);
    for path in [format!("/units/{tb_unit}"), format!("/users/{victim_user}")] {
        let page = app.client.get(app.url(&path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "page {path}");
        assert!(page.text().await.unwrap().contains("Không tìm thấy"));
    }
    let form = [
        ("csrf_token", intruder.csrf.clone()),
        ("name", "Chiếm".to_owned()),
        ("code", "x".to_owned()),
        ("kind", "x".to_owned()),
        ("level", "xa".to_owned()),
    ];
    let edit = app
        .client
        .post(app.url(&format!("/units/{tb_unit}")))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before, "nothing changed");
}

both!(no_route_crosses_tenants);
