//! Regimes as plugins through the API: the built-in regime and its forms,
//! uploads scoped to a tenant, versions, refusals that store nothing.

use baocao_tests::{Backend, Session, TestApp, assert_error, both, fixed_plugin, scoring_manifest, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn upload(app: &TestApp, who: &Session, bytes: Vec<u8>) -> reqwest::Response {
    app.request(who, reqwest::Method::POST, "/api/v1/regimes")
        .header("content-type", "application/wasm")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

fn plugin(version: u32, title: &str) -> Vec<u8> {
    fixed_plugin(1, &json!({"ok": scoring_manifest(version, title)}).to_string(), None)
}

fn codes(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap().to_owned(), r["version"].as_u64().unwrap()))
        .collect()
}

async fn the_built_in_regime_and_its_forms_are_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    let regimes = app.get_json(&clerk, "/api/v1/regimes").await;
    let shipped: Vec<&str> = regimes.as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(
        shipped,
        vec!["TB-CDS-2022", "TT01-I", "TT01-II", "TT01-III", "TT01-IV", "TT01-V", "TT01-VI"],
        "the six national regimes and Thái Bình's"
    );
    let iv = regimes.as_array().unwrap().iter().find(|r| r["code"] == "TT01-IV").expect("regime IV is built in");
    assert_eq!(iv["scope"], "national");
    assert_eq!(iv["builtin"], true);
    assert_eq!(iv["version"], 1);
    assert!(iv["name"].as_str().unwrap().starts_with("Báo cáo tình hình gửi, nhận văn bản điện tử"));
    let forms = app.get_json(&clerk, "/api/v1/regimes/TT01-IV/forms").await;
    let form_codes: Vec<&str> = forms.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(form_codes, vec!["IV.01/VPCP/KSTT", "IV.02a/VPCP/KSTT"]);
    let form = app.get_json(&clerk, "/api/v1/regimes/TT01-IV/forms/IV.02a/VPCP/KSTT").await;
    let c3 = &form["columns"][0];
    assert_eq!(
        (c3["code"].as_str(), c3["number"].as_u64(), c3["type"].as_str()),
        (Some("c3"), Some(3), Some("integer"))
    );
    assert_eq!(c3["formula"], "(4) + (5) + (6)");
    assert!(c3["title"].as_str().unwrap().ends_with("/ Tổng số"));
    assert_eq!(form["columns"][4]["formula"], "(8) + (9) + (10)");
    assert!(form["columns"][1]["formula"].is_null());
    assert_eq!(form["rows"][0]["title"], "TỔNG CỘNG");
    assert_eq!(form["rows"][0]["mode"], "fixed");
    assert_eq!(form["row_modes"], json!(["fixed", "catalogue"]));
    let i01 = app.get_json(&clerk, "/api/v1/regimes/TT01-I/forms/I.01/VPCP/TH").await;
    assert_eq!(i01["columns"][3]["formula"], "(3) + (4) − (5)");
    assert_eq!(i01["columns"][11]["formula"], "((9) + (10)) / (6) × 100");
    let i04 = app.get_json(&clerk, "/api/v1/regimes/TT01-I/forms/I.04/VPCP/TH").await;
    assert_eq!(i04["outside_system"], true);
    let iv01 = app.get_json(&clerk, "/api/v1/regimes/TT01-IV/forms/IV.01/VPCP/KSTT").await;
    assert_eq!(iv01["columns"][2]["formula"], "(4) / (3) × 100");
    assert_error(app.get(&clerk, "/api/v1/regimes/TT01-IV/forms/X.99").await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.get(&clerk, "/api/v1/regimes/KHONG-CO/forms").await, StatusCode::NOT_FOUND, "not_found").await;
}

async fn a_province_uploads_its_own_regime_and_versions_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let created = upload(&app, &tb, plugin(1, "Biểu chấm điểm sở, ngành")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let v1: Value = created.json().await.unwrap();
    assert_eq!(
        (v1["code"].as_str(), v1["version"].as_u64(), v1["scope"].as_str()),
        (Some("TB-CDS"), Some(1), Some("tenant"))
    );
    assert_eq!(v1["sha256"].as_str().unwrap().len(), 64);
    // Usable at once, without a restart, by the province's users …
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    assert!(codes(&app.get_json(&clerk, "/api/v1/regimes").await).contains(&("TB-CDS".to_owned(), 1)));
    let form = app.get_json(&clerk, "/api/v1/regimes/TB-CDS/forms/CDS-SO").await;
    assert_eq!(
        form["columns"][2]["fill_groups"],
        json!(["TINH_TONGHOP"]),
        "only the appraiser fills the appraisal score"
    );
    let shipped = app.get_json(&clerk, "/api/v1/regimes/TB-CDS-2022/forms/CDS_CAPXA_2022").await;
    let aggregate: Vec<&str> =
        shipped["columns"].as_array().unwrap().iter().map(|c| c["aggregate"].as_str().unwrap_or("default")).collect();
    assert_eq!(
        aggregate,
        vec!["none", "mean", "copy_per_unit", "copy_per_unit", "mean"],
        "the scoring regime declares how scores combine"
    );
    // … and invisible to another province.
    let hy = app.login("hy.quantri").await;
    assert!(!codes(&app.get_json(&hy, "/api/v1/regimes").await).iter().any(|(c, _)| c == "TB-CDS"));
    assert_error(app.get(&hy, "/api/v1/regimes/TB-CDS/forms").await, StatusCode::NOT_FOUND, "not_found").await;

    // Versions are immutable: the same file or the same version again is a conflict.
    assert_error(
        upload(&app, &tb, plugin(1, "Biểu chấm điểm sở, ngành")).await,
        StatusCode::CONFLICT,
        "duplicate_plugin",
    )
    .await;
    assert_error(upload(&app, &tb, plugin(1, "Tiêu đề khác")).await, StatusCode::CONFLICT, "duplicate_regime_version")
        .await;
    // Version 2 becomes current; version 1 stays for the reports made under it.
    let v2: Value = upload(&app, &tb, plugin(2, "Biểu chấm điểm sở, ngành (sửa đổi)")).await.json().await.unwrap();
    assert_eq!(v2["version"], 2);
    assert!(codes(&app.get_json(&clerk, "/api/v1/regimes").await).contains(&("TB-CDS".to_owned(), 2)));
    let all = codes(&app.get_json(&clerk, "/api/v1/regimes?all=true").await);
    assert!(all.contains(&("TB-CDS".to_owned(), 1)) && all.contains(&("TB-CDS".to_owned(), 2)));
    let tenant = tb.user["tenant_id"].as_i64().unwrap();
    let old = app.state.app.regimes().version(tenant, "TB-CDS", 1).unwrap();
    assert_eq!(
        old.plugin.manifest.forms[0].title.vi, "Biểu chấm điểm sở, ngành",
        "version 1 is unchanged by version 2"
    );
    assert_eq!(
        app.get_json(&clerk, "/api/v1/regimes/TB-CDS/forms/CDS-SO").await["title"],
        "Biểu chấm điểm sở, ngành (sửa đổi)"
    );
    // Disabling version 2 makes version 1 current again.
    let disabled = app.post(&tb, &format!("/api/v1/regimes/{}/enabled", v2["id"]), json!({"enabled": false})).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert!(codes(&app.get_json(&clerk, "/api/v1/regimes").await).contains(&("TB-CDS".to_owned(), 1)));
    // Another province cannot touch it.
    assert_error(
        app.post(&hy, &format!("/api/v1/regimes/{}/enabled", v2["id"]), json!({"enabled": true})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let audit = app.get_json(&tb, "/api/v1/audit").await;
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "regime.upload" && e["after"]["code"] == "TB-CDS"));
}

async fn bad_plugins_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let before = app.get_json(&tb, "/api/v1/regimes?all=true").await;
    let refused = |body: Value| body["error"]["message"].as_str().unwrap().to_owned();

    let not_wasm = assert_error(
        upload(&app, &tb, b"PK\x03\x04 a zip file".to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_plugin",
    )
    .await;
    assert!(refused(not_wasm).contains("không phải mô-đun WebAssembly"));
    let looping = fixed_plugin(1, "", Some("(loop $l (br $l)) i64.const 0"));
    let body = assert_error(upload(&app, &tb, looping).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_plugin").await;
    assert!(refused(body).contains("quá"), "out of fuel or time");
    let future = fixed_plugin(7, &json!({"ok": scoring_manifest(1, "x")}).to_string(), None);
    let body = assert_error(upload(&app, &tb, future).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_plugin").await;
    assert!(refused(body).contains("ABI) 7"));
    let mut duplicate = scoring_manifest(1, "x");
    let first = duplicate["forms"][0]["columns"][0].clone();
    duplicate["forms"][0]["columns"].as_array_mut().unwrap().push(first);
    let body = assert_error(
        upload(&app, &tb, fixed_plugin(1, &json!({"ok": duplicate}).to_string(), None)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_plugin",
    )
    .await;
    assert!(refused(body).contains("column code max is used twice"));
    let wrong_type = app
        .request(&tb, reqwest::Method::POST, "/api/v1/regimes")
        .header("content-type", "application/json")
        .body(plugin(1, "x"))
        .send()
        .await
        .unwrap();
    assert_error(wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    // Over the limit: the server answers 413 and may close before the client has written everything.
    let oversize = app
        .request(&tb, reqwest::Method::POST, "/api/v1/regimes")
        .header("content-type", "application/wasm")
        .body(vec![0u8; 9 * 1024 * 1024])
        .send()
        .await;
    match oversize {
        Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(error) => assert!(error.is_request(), "the upload was cut off by the server: {error}"),
    }
    // Only administrators with the right upload.
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    assert_error(upload(&app, &clerk, plugin(1, "x")).await, StatusCode::FORBIDDEN, "forbidden").await;
    let district = app.login("tb.vuthu.quantri").await;
    assert_error(upload(&app, &district, plugin(1, "x")).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_json(&tb, "/api/v1/regimes?all=true").await, before, "nothing was stored");
    // The server keeps serving after all of that.
    assert_eq!(app.get(&tb, "/api/v1/regimes/TT01-IV/forms").await.status(), StatusCode::OK);
}

async fn national_uploads_reach_every_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let created: Value = upload(&app, &admin, plugin(1, "Biểu dùng chung")).await.json().await.unwrap();
    assert_eq!(created["scope"], "national");
    for user in ["tb.quantri", "hy.phohien.nhaplieu", "btp.cuc.nhaplieu"] {
        let who = app.login(user).await;
        assert!(codes(&app.get_json(&who, "/api/v1/regimes").await).contains(&("TB-CDS".to_owned(), 1)), "{user}");
    }
}

both!(
    the_built_in_regime_and_its_forms_are_served,
    a_province_uploads_its_own_regime_and_versions_it,
    bad_plugins_are_refused_and_nothing_is_stored,
    national_uploads_reach_every_tenant,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_add_regimes_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tb-cds.wasm"), plugin(3, "Biểu của người vận hành")).unwrap();
    std::fs::write(dir.path().join("README.txt"), "not a plugin").unwrap();
    let path = dir.path().to_path_buf();
    let app = baocao_tests::spawn_app_with(Backend::Sqlite, move |s| s.plugins.dir = Some(path)).await;
    let who = app.login("hy.phohien.nhaplieu").await;
    let list = app.get_json(&who, "/api/v1/regimes").await;
    let tb = list.as_array().unwrap().iter().find(|r| r["code"] == "TB-CDS").expect("loaded from the directory");
    assert_eq!(
        (tb["version"].as_u64(), tb["scope"].as_str(), tb["builtin"].as_bool()),
        (Some(3), Some("national"), Some(true))
    );
}

async fn a_version_applies_to_periods_from_its_effective_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    // Version 1 from 2022; version 2, as a successor circular would, from 15/02/2026.
    assert_eq!(upload(&app, &tb, plugin(1, "Biểu 2022")).await.status(), StatusCode::CREATED);
    let mut successor = scoring_manifest(2, "Biểu theo văn bản mới");
    successor["effective_from"] = json!("2026-02-15");
    let v2 = fixed_plugin(1, &json!({"ok": successor}).to_string(), None);
    assert_eq!(upload(&app, &tb, v2).await.status(), StatusCode::CREATED);
    let tenant = tb.user["tenant_id"].as_i64().unwrap();
    let regimes = app.state.app.regimes();
    assert!(regimes.applicable(tenant, "TB-CDS", "2021-12-15").is_none(), "no version before 2022");
    assert_eq!(
        regimes.applicable(tenant, "TB-CDS", "2025-12-15").unwrap().plugin.manifest.version,
        1,
        "the 2026 year starts 15/12/2025, under version 1"
    );
    assert_eq!(regimes.applicable(tenant, "TB-CDS", "2026-03-15").unwrap().plugin.manifest.version, 2);
    assert_eq!(
        regimes.applicable(tenant, "TT01-IV", "2021-03-15").unwrap().plugin.manifest.version,
        1,
        "built-in regimes too"
    );
}

both!(a_version_applies_to_periods_from_its_effective_date);

async fn catalogues_are_served_by_the_platform(backend: Backend) {
    let app = spawn_app(backend).await;
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    let fields = app.get_json(&clerk, "/api/v1/catalogues/linh_vuc_tthc").await;
    assert_eq!((fields["version"].as_i64(), &fields["derived"]), (Some(1), &json!(false)), "{fields}");
    let names: Vec<&str> = fields["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(
        names.starts_with(&["Công an", "Công Thương", "Giáo dục và Đào tạo"]),
        "as on the handbook's screen: {names:?}"
    );
    let provinces = app.get_json(&clerk, "/api/v1/catalogues/dia_phuong").await;
    assert_eq!(provinces["derived"], true);
    let codes: Vec<&str> = provinces["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"thaibinh") && codes.contains(&"hungyen") && !codes.contains(&"btp"));
    // Units: the caller's tenant only, and only what the caller may see.
    let admin = app.login("tb.quantri").await;
    let units = app.get_json(&admin, "/api/v1/catalogues/don_vi").await;
    let unit_codes: Vec<&str> =
        units["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert!(unit_codes.contains(&"xa-minh-quang") && unit_codes.contains(&"so-tu-phap"));
    assert!(!unit_codes.iter().any(|c| c.contains("pho-hien")), "no unit of another tenant");
    assert_error(app.get(&clerk, "/api/v1/catalogues/khong-co").await, StatusCode::NOT_FOUND, "not_found").await;
    // Every catalogue a shipped regime names is served.
    for regime in app.get_json(&clerk, "/api/v1/regimes").await.as_array().unwrap() {
        let entry = app
            .state
            .app
            .regimes()
            .find(clerk.user["tenant_id"].as_i64().unwrap(), regime["code"].as_str().unwrap())
            .unwrap();
        for name in &entry.plugin.manifest.catalogues {
            let served = app.get(&clerk, &format!("/api/v1/catalogues/{name}")).await;
            assert_eq!(served.status(), StatusCode::OK, "{} names catalogue {name}", regime["code"]);
        }
    }
}

both!(catalogues_are_served_by_the_platform);

fn fields(names: &[(&str, &str)]) -> Value {
    Value::Array(names.iter().map(|(code, name)| json!({"code": code, "name": name})).collect())
}

async fn the_operator_publishes_catalogue_versions_and_keeps_the_old_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app.login("admin").await;
    let v2 = json!({"items": fields(&[("cong-an", "Công an"), ("so-hoa", "Chuyển đổi số")]), "base_version": 1, "note": "QĐ 01/2026"});
    let published = app.post(&operator, "/api/v1/catalogues/linh_vuc_tthc", v2).await;
    assert_eq!(published.status(), StatusCode::CREATED);
    let published: Value = published.json().await.unwrap();
    assert_eq!(
        (published["version"].as_i64(), published["title"].as_str()),
        (Some(2), Some("Lĩnh vực thủ tục hành chính"))
    );
    // Everyone reads the version in force; the first is kept, whole.
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    let now = app.get_json(&clerk, "/api/v1/catalogues/linh_vuc_tthc").await;
    assert_eq!(now["items"], fields(&[("cong-an", "Công an"), ("so-hoa", "Chuyển đổi số")]));
    let first = app.get_json(&clerk, "/api/v1/catalogues/linh_vuc_tthc?version=1").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 21, "{first}");
    let versions = app.get_json(&clerk, "/api/v1/catalogues/linh_vuc_tthc/versions").await;
    let listed: Vec<i64> = versions.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(listed, [2, 1]);
    assert_eq!(versions[0]["note"], "QĐ 01/2026");
    let unchanged = || app.get_json(&clerk, "/api/v1/catalogues/linh_vuc_tthc/versions");
    // Refusals store nothing: a stale base, bad rows, a derived catalogue, a province's administrator.
    let stale = json!({"items": fields(&[("a", "A")]), "base_version": 1});
    assert_error(
        app.post(&operator, "/api/v1/catalogues/linh_vuc_tthc", stale).await,
        StatusCode::CONFLICT,
        "catalogue_changed",
    )
    .await;
    let bad = json!({"items": fields(&[("a", "A"), ("a", "B")]), "base_version": 2});
    let body = assert_error(
        app.post(&operator, "/api/v1/catalogues/linh_vuc_tthc", bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_item_code",
    )
    .await;
    assert!(body["error"]["message"].as_str().unwrap().contains("Dòng 2"), "{body}");
    let derived = json!({"items": fields(&[("a", "A")])});
    assert_error(
        app.post(&operator, "/api/v1/catalogues/don_vi", derived).await,
        StatusCode::CONFLICT,
        "catalogue_derived",
    )
    .await;
    let province = app.login("tb.quantri").await;
    let theirs = json!({"items": fields(&[("a", "A")]), "base_version": 2});
    assert_error(
        app.post(&province, "/api/v1/catalogues/linh_vuc_tthc", theirs).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(unchanged().await, versions);
    // A new catalogue needs a title; then it is listed beside the others.
    let untitled = json!({"items": fields(&[("a", "A")])});
    assert_error(
        app.post(&operator, "/api/v1/catalogues/nhom_chi_tieu", untitled).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_catalogue_title",
    )
    .await;
    let titled = json!({"title": "Nhóm chỉ tiêu", "items": fields(&[("a", "A")])});
    assert_eq!(app.post(&operator, "/api/v1/catalogues/nhom_chi_tieu", titled).await.status(), StatusCode::CREATED);
    let all = app.get_json(&clerk, "/api/v1/catalogues").await;
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["don_vi", "dia_phuong", "linh_vuc_tthc", "nhom_chi_tieu"]);
    // The audit log says it in words.
    let audit = app.get_json(&operator, "/api/v1/audit?per_page=5").await;
    assert!(audit.to_string().contains("catalogue.publish"), "{audit}");
}

both!(the_operator_publishes_catalogue_versions_and_keeps_the_old_ones);
