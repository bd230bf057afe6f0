//! The unit tree: visibility by tenant and subtree, creation (with an
//! administrator, and of tenants), edits, deletion rules, reorganisations.

use baocao_tests::{Backend, assert_error, both, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn codes(units: &Value) -> Vec<String> {
    units.as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap().to_owned()).collect()
}

async fn each_tenant_sees_only_its_own_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let units = app.get_json(&tb, "/api/v1/units").await;
    let list = units.as_array().unwrap();
    assert_eq!(list.len(), 11);
    let tenant = list[0]["tenant_id"].clone();
    assert!(list.iter().all(|u| u["tenant_id"] == tenant
        && u["id"].is_i64()
        && u.get("parent_id").is_some()
        && u["name"].is_string()
        && u["kind"].is_string()));
    assert_eq!(list[0]["name"], "UBND tỉnh Thái Bình", "parents come before children");
    let hy = app.login("hy.quantri").await;
    let theirs = app.get_json(&hy, "/api/v1/units").await;
    assert_eq!(theirs.as_array().unwrap().len(), 6);
    assert!(theirs.as_array().unwrap().iter().all(|u| u["tenant_id"] != tenant));
    // A unit of another tenant, by id: refused.
    let tb_unit = list[1]["id"].as_i64().unwrap();
    assert_error(app.get(&hy, &format!("/api/v1/units/{tb_unit}")).await, StatusCode::NOT_FOUND, "not_found").await;
    let detail = app.get_json(&tb, &format!("/api/v1/units/{tb_unit}")).await;
    assert_eq!(detail["id"], tb_unit);
    // The operator sees every tenant.
    let admin = app.login("admin").await;
    assert_eq!(app.get_json(&admin, "/api/v1/units").await.as_array().unwrap().len(), 22);
}

async fn administrators_add_units_that_appear_in_the_tree(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let created = app
        .post(
            &tb,
            "/api/v1/units",
            json!({"parent_id": vu_thu, "code": "xa-hong-ly", "name": "UBND xã Hồng Lý", "kind": "UBND xã", "level": "xa", "valid_from": "01/01/2021"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let unit: Value = created.json().await.unwrap();
    assert_eq!(unit["parent_id"], vu_thu);
    assert_eq!(unit["valid_from"], "2021-01-01");
    assert_eq!(unit["valid_from_display"], "01/01/2021");
    assert!(codes(&app.get_json(&tb, "/api/v1/units").await).contains(&"xa-hong-ly".to_owned()));
    // The district's own administrator sees it too (its subtree), the province's other district does not.
    let district = app.login("tb.vuthu.quantri").await;
    assert!(codes(&app.get_json(&district, "/api/v1/units").await).contains(&"xa-hong-ly".to_owned()));
    let city = app.login("tb.tp.tonghop").await;
    assert!(!codes(&app.get_json(&city, "/api/v1/units").await).contains(&"xa-hong-ly".to_owned()));
    // Recorded in the audit log, visible to the province's administrator.
    let audit = app.get_json(&tb, "/api/v1/audit").await;
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "unit.create" && e["after"]["code"] == "xa-hong-ly")
        .expect("audit entry");
    assert_eq!(entry["actor"], "tb.quantri");
    // An administrator of another province sees nothing of it.
    let hy = app.login("hy.quantri").await;
    let theirs = app.get_json(&hy, "/api/v1/audit").await;
    assert!(theirs.as_array().unwrap().iter().all(|e| e["after"]["code"] != "xa-hong-ly"));
}

async fn a_new_unit_can_come_with_its_administrator(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let province = app.unit_id("thaibinh", "thaibinh").await;
    let created = app
        .post(
            &tb,
            "/api/v1/units",
            json!({
                "parent_id": province, "code": "huyen-kien-xuong", "name": "UBND huyện Kiến Xương", "kind": "UBND huyện", "level": "huyen",
                "admin": {"username": "tb.kienxuong.quantri", "password": "Kien#Xuong2021", "full_name": "Quản trị huyện Kiến Xương"}
            }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let district: Value = created.json().await.unwrap();
    let session = app.try_login("tb.kienxuong.quantri", "Kien#Xuong2021").await;
    assert_eq!(session.status(), StatusCode::OK);
    let body: Value = session.json().await.unwrap();
    assert_eq!(
        body["user"]["groups"][0]["group"], "TINH_HUYEN_QUANTRI",
        "the district level's administration group by default"
    );
    assert_eq!(body["user"]["unit_id"], district["id"]);
    let who = baocao_tests::Session {
        token: body["token"].as_str().unwrap().to_owned(),
        csrf: String::new(),
        user: body["user"].clone(),
    };
    // The new administrator manages its district only.
    let commune = app
        .post(
            &who,
            "/api/v1/units",
            json!({"parent_id": district["id"], "code": "xa-quang-minh", "name": "UBND xã Quang Minh", "kind": "UBND xã", "level": "xa"}),
        )
        .await;
    assert_eq!(commune.status(), StatusCode::CREATED);
    let sibling = app
        .post(&who, "/api/v1/units", json!({"parent_id": province, "code": "huyen-x", "name": "UBND huyện X", "kind": "UBND huyện", "level": "huyen"}))
        .await;
    assert_error(sibling, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn the_operator_creates_tenants(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let root = app.unit_id("vpcp", "vpcp").await;
    let missing_kind = app
        .post(&admin, "/api/v1/units", json!({"parent_id": root, "code": "hanoi", "name": "UBND thành phố Hà Nội", "kind": "UBND thành phố", "level": "tinh"}))
        .await;
    assert_error(missing_kind, StatusCode::UNPROCESSABLE_ENTITY, "tenant_kind_required").await;
    let created = app
        .post(
            &admin,
            "/api/v1/units",
            json!({
                "parent_id": root, "code": "hanoi", "name": "UBND thành phố Hà Nội", "kind": "UBND thành phố", "level": "tinh", "tenant_kind": "province",
                "admin": {"username": "hn.quantri", "password": "HaNoi#2026a", "full_name": "Quản trị thành phố Hà Nội"}
            }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let unit: Value = created.json().await.unwrap();
    assert_eq!(unit["tenant_kind"], "province");
    let tb = app.login("tb.quantri").await;
    assert_ne!(unit["tenant_id"], tb.user["tenant_id"]);
    let hn = app.login_with("hn.quantri", "HaNoi#2026a").await;
    let units = app.get_json(&hn, "/api/v1/units").await;
    assert_eq!(codes(&units), vec!["hanoi"]);
    assert_eq!(hn.user["groups"][0]["group"], "TINH_QUANTRI");
    // Province administrators cannot create tenants.
    let refused =
        app.post(&tb, "/api/v1/units", json!({"parent_id": root, "code": "x", "name": "X", "kind": "X", "level": "tinh", "tenant_kind": "province"})).await;
    assert_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn refused_unit_writes_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let before = app.snapshot().await;
    // Duplicate code within the tenant.
    let duplicate = app
        .post(
            &tb,
            "/api/v1/units",
            json!({"parent_id": vu_thu, "code": "xa-minh-quang", "name": "Trùng", "kind": "UBND xã", "level": "xa"}),
        )
        .await;
    assert_error(duplicate, StatusCode::CONFLICT, "duplicate_unit_code").await;
    // Unknown parent.
    let orphan = app
        .post(
            &tb,
            "/api/v1/units",
            json!({"parent_id": 999_999, "code": "xa-mo-coi", "name": "Mồ côi", "kind": "UBND xã", "level": "xa"}),
        )
        .await;
    assert_error(orphan, StatusCode::UNPROCESSABLE_ENTITY, "unknown_unit").await;
    // Every invalid field is reported at once.
    let invalid = app
        .post(&tb, "/api/v1/units", json!({"parent_id": vu_thu, "code": "Mã có dấu", "name": "", "kind": "UBND xã", "level": "xa", "valid_from": "31/02/2021"}))
        .await;
    let body = assert_error(invalid, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["code", "name", "valid_from"]);
    // A weak administrator password: neither the unit nor the account is created.
    let weak = app
        .post(
            &tb,
            "/api/v1/units",
            json!({"parent_id": vu_thu, "code": "xa-vu-hoi", "name": "UBND xã Vũ Hội", "kind": "UBND xã", "level": "xa",
            "admin": {"username": "tb.vuhoi", "password": "vuhoi", "full_name": "Quản trị xã"}}),
        )
        .await;
    assert_error(weak, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    // An administrator account whose username exists: the transaction leaves no unit behind.
    let taken = app
        .post(
            &tb,
            "/api/v1/units",
            json!({"parent_id": vu_thu, "code": "xa-vu-hoi", "name": "UBND xã Vũ Hội", "kind": "UBND xã", "level": "xa",
            "admin": {"username": "tb.gui", "password": "Vu#Hoi20211", "full_name": "Quản trị xã"}, "admin_group": "TINH_XA_GUI"}),
        )
        .await;
    assert_error(taken, StatusCode::CONFLICT, "duplicate_username").await;
    assert_eq!(app.snapshot().await, before);
}

async fn deleting_units_follows_the_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let with_users = app.unit_id("thaibinh", "xa-minh-quang").await;
    let empty = app.unit_id("thaibinh", "xa-tam-quang").await;
    let province = app.unit_id("thaibinh", "thaibinh").await;
    let before = app.snapshot().await;
    let children = assert_error(
        app.delete(&tb, &format!("/api/v1/units/{vu_thu}")).await,
        StatusCode::CONFLICT,
        "unit_has_children",
    )
    .await;
    assert!(children["error"]["message"].as_str().unwrap().contains("UBND huyện Vũ Thư"));
    assert_error(app.delete(&tb, &format!("/api/v1/units/{with_users}")).await, StatusCode::CONFLICT, "unit_has_users")
        .await;
    assert_error(app.delete(&tb, &format!("/api/v1/units/{province}")).await, StatusCode::FORBIDDEN, "forbidden").await;
    let clerk = app.login("tb.vuthu.gui").await;
    // A unit the caller cannot see answers as a missing one.
    assert_error(app.delete(&clerk, &format!("/api/v1/units/{empty}")).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.delete(&tb, "/api/v1/units/999999").await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.delete(&tb, &format!("/api/v1/units/{empty}")).await.status(), StatusCode::NO_CONTENT);
    assert!(!codes(&app.get_json(&tb, "/api/v1/units").await).contains(&"xa-tam-quang".to_owned()));
}

async fn units_can_be_edited(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    let edited = app.patch(&tb, &format!("/api/v1/units/{stp}"), json!({"name": "Sở Tư pháp Thái Bình"})).await;
    assert_eq!(edited.status(), StatusCode::OK);
    let unit: Value = edited.json().await.unwrap();
    assert_eq!(unit["name"], "Sở Tư pháp Thái Bình");
    assert_eq!(unit["code"], "so-tu-phap");
    let clash = app.patch(&tb, &format!("/api/v1/units/{stp}"), json!({"code": "so-tttt"})).await;
    assert_error(clash, StatusCode::CONFLICT, "duplicate_unit_code").await;
    let hy = app.login("hy.quantri").await;
    assert_error(
        app.patch(&hy, &format!("/api/v1/units/{stp}"), json!({"name": "Chiếm"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let audit = app.get_json(&tb, "/api/v1/audit").await;
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "unit.update").unwrap();
    assert_eq!(entry["before"]["name"], "Sở Tư pháp tỉnh Thái Bình");
    assert_eq!(entry["after"]["name"], "Sở Tư pháp Thái Bình");
}

struct Merged {
    app: baocao_tests::TestApp,
    tb: baocao_tests::Session,
    vu_thu: i64,
    minh_quang: i64,
    tam_quang: i64,
    successor: serde_json::Value,
}

async fn merging_communes_keeps_the_old_units_and_links_the_successor(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let tam_quang = app.unit_id("thaibinh", "xa-tam-quang").await;
    let successor: Value = app
        .post(
            &tb,
            "/api/v1/units",
            json!({"parent_id": vu_thu, "code": "xa-vu-quang", "name": "UBND xã Vũ Quang", "kind": "UBND xã", "level": "xa", "valid_from": "01/07/2025"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let merge = app
        .post(&tb, "/api/v1/units/reorganisations", json!({"kind": "merge", "units": [minh_quang, tam_quang], "into": [successor["id"]], "effective": "01/07/2025", "decision": "Nghị quyết 1656/NQ-UBTVQH15"}))
        .await;
    assert_eq!(merge.status(), StatusCode::CREATED);
    let units = app.get_json(&tb, "/api/v1/units").await;
    let old = units.as_array().unwrap().iter().find(|u| u["id"] == minh_quang).expect("the merged unit is kept");
    assert_eq!(old["valid_to"], "2025-06-30");
    // New work goes to the successor; the old unit's users and history stay.
    let current = app
        .state
        .app
        .store_unscoped()
        .current_successor_unscoped(
            baocao_domain::ids::UnitId(minh_quang),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.id.0, successor["id"].as_i64().unwrap());
    app.login("tb.minhquang.nhaplieu").await;
    let c = Merged { app, tb, vu_thu, minh_quang, tam_quang, successor };
    a_closed_unit_refuses_what_it_cannot_do(&c).await;
}

/// A closed unit takes no new children, cannot be merged twice or deleted; malformed or foreign operations are refused.
async fn a_closed_unit_refuses_what_it_cannot_do(c: &Merged) {
    let Merged { app, tb, .. } = c;
    let vu_thu = c.vu_thu;
    let minh_quang = c.minh_quang;
    let tam_quang = c.tam_quang;
    let successor = c.successor.clone();
    // A closed unit takes no new children and cannot be merged twice.
    let child = app
        .post(
            tb,
            "/api/v1/units",
            json!({"parent_id": minh_quang, "code": "thon-a", "name": "Thôn A", "kind": "Thôn", "level": "thon"}),
        )
        .await;
    assert_error(child, StatusCode::CONFLICT, "parent_dissolved").await;
    let again = app
        .post(
            tb,
            "/api/v1/units/reorganisations",
            json!({"kind": "merge", "units": [minh_quang], "into": [successor["id"]], "effective": "01/08/2025", "decision": "x"}),
        )
        .await;
    assert_error(again, StatusCode::CONFLICT, "unit_already_closed").await;
    // A unit with history cannot be deleted.
    assert_error(app.delete(tb, &format!("/api/v1/units/{tam_quang}")).await, StatusCode::CONFLICT, "unit_has_history")
        .await;
    // Malformed operations are refused with reasons.
    let bad = app
        .post(
            tb,
            "/api/v1/units/reorganisations",
            json!({"kind": "split", "units": [vu_thu], "into": [vu_thu], "effective": "x", "decision": ""}),
        )
        .await;
    let body = assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert!(body["error"]["fields"].as_array().unwrap().len() >= 2);
    // Another province cannot reorganise these units.
    let hy = app.login("hy.quantri").await;
    let foreign = app
        .post(
            &hy,
            "/api/v1/units/reorganisations",
            json!({"kind": "move", "units": [vu_thu], "into": [app.unit_id("hungyen", "hungyen").await], "effective": "01/01/2026", "decision": "x"}),
        )
        .await;
    assert_error(foreign, StatusCode::NOT_FOUND, "not_found").await;
}

async fn moving_a_unit_moves_its_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let vu_thu = app.unit_id("thaibinh", "huyen-vu-thu").await;
    let city = app.unit_id("thaibinh", "tp-thai-binh").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let moved = app
        .post(
            &tb,
            "/api/v1/units/reorganisations",
            json!({"kind": "move", "units": [minh_quang], "into": [city], "effective": "01/01/2026", "decision": "Quyết định điều chỉnh địa giới"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::CREATED);
    let unit = app.get_json(&tb, &format!("/api/v1/units/{minh_quang}")).await;
    assert_eq!(unit["parent_id"], city);
    assert!(unit["path"].as_str().unwrap().contains(&format!("/{city}/{minh_quang}/")));
    // Authority follows the tree: the old district loses it, the city's aggregator gains it.
    let district = app.login("tb.vuthu.quantri").await;
    assert_error(app.get(&district, &format!("/api/v1/units/{minh_quang}")).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    let city_aggregator = app.login("tb.tp.tonghop").await;
    assert_eq!(app.get(&city_aggregator, &format!("/api/v1/units/{minh_quang}")).await.status(), StatusCode::OK);
    // Cycles are refused.
    let cycle = app
        .post(
            &tb,
            "/api/v1/units/reorganisations",
            json!({"kind": "move", "units": [vu_thu], "into": [app.unit_id("thaibinh", "xa-tam-quang").await], "effective": "01/01/2026", "decision": "x"}),
        )
        .await;
    assert_error(cycle, StatusCode::CONFLICT, "move_into_own_subtree").await;
}

both!(
    each_tenant_sees_only_its_own_units,
    administrators_add_units_that_appear_in_the_tree,
    a_new_unit_can_come_with_its_administrator,
    the_operator_creates_tenants,
    refused_unit_writes_store_nothing,
    deleting_units_follows_the_rules,
    units_can_be_edited,
    merging_communes_keeps_the_old_units_and_links_the_successor,
    moving_a_unit_moves_its_subtree,
);
