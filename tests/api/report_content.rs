//! Narrative reports (sections, sanitised), attachments (limits, types,
//! only while editable) and the receiving-unit configuration.

use baocao_tests::{Backend, assert_error, both, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::reports::{act, put};

async fn narrative_sections_are_saved_sanitised(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned: Value = app
        .post(
            &province,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-II", "forms": ["II.01-ĐC"], "period": {"type": "quarter", "year": crate::reports::year(), "number": 3}, "units": [ward]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let report = &assigned[0]["report"];
    assert_eq!(report["kind"], "narrative");
    assert_eq!(report["data_from"], format!("{}-06-15", crate::reports::year()), "Q3: 15/06 to 14/09");
    let id = report["id"].as_i64().unwrap();
    let sections = app.get_json(&entry, &format!("/api/v1/reports/{id}/sections")).await;
    assert_eq!(sections.as_array().unwrap().len(), 5);
    assert_eq!(sections[0]["title"], "Công tác chỉ đạo, điều hành");

    let path = format!("/api/v1/reports/{id}/sections/1");
    let html =
        r#"<p onclick="x()">Đã ban hành <b>3</b> kế hoạch.</p><script>alert(1)</script><img src=x onerror=alert(2)>"#;
    let saved = put(&app, &entry, &path, json!({"version": report["version"], "html": html})).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["status"], "draft");
    let sections = app.get_json(&entry, &format!("/api/v1/reports/{id}/sections")).await;
    assert_eq!(sections[0]["html"], "<p>Đã ban hành <b>3</b> kế hoạch.</p>");

    // Stale version, unknown section, and a non-entry caller change nothing.
    assert_error(
        put(&app, &entry, &path, json!({"version": report["version"], "html": "<p>cũ</p>"})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    assert_error(
        put(
            &app,
            &entry,
            &format!("/api/v1/reports/{id}/sections/9"),
            json!({"version": saved["version"], "html": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_section",
    )
    .await;
    assert_error(
        put(&app, &province, &path, json!({"version": saved["version"], "html": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}/sections")).await, sections);
    // A numeric edit on a narrative report is refused.
    assert_error(
        put(&app, &entry, &format!("/api/v1/reports/{id}/data"), json!({"version": saved["version"], "cells": []}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_numeric",
    )
    .await;
    let history = app.get_json(&entry, &format!("/api/v1/reports/{id}/history")).await;
    assert_eq!(history.as_array().unwrap().last().unwrap()["action"], "save_section");
}

/// On the directory store, whose files can be counted; the database store
/// (the default) is tested across instances in `instances.rs`.
async fn attachments_respect_types_limits_and_status(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.reports.max_attachment_bytes = 4096;
        s.blobs.store = baocao_config::BlobStoreKind::Directory;
    })
    .await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned = crate::reports::assign_meetings(&app, &province, ward, json!({})).await;
    let id = assigned[0]["report"]["id"].as_i64().unwrap();
    let upload = |name: &str, bytes: Vec<u8>| {
        app.request(&entry, Method::POST, &format!("/api/v1/reports/{id}/attachments?name={name}"))
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    let pdf = b"%PDF-1.4\n% bao cao\n".to_vec();
    let created = upload("bien-ban-hop.pdf", pdf.clone()).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["content_type"], "application/pdf");
    let listed = app.get_json(&province, &format!("/api/v1/reports/{id}/attachments")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "the receiver sees the attachment too");
    let download = app.get(&province, &format!("/api/v1/reports/{id}/attachments/{}", created["id"])).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf);

    assert_error(
        upload("virus.exe", b"MZ\x90\x00".to_vec()).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_type",
    )
    .await;
    assert_error(
        upload("fake.pdf", b"MZ\x90\x00".to_vec()).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_content",
    )
    .await;
    assert_error(
        upload("big.pdf", [b"%PDF".to_vec(), vec![b'x'; 5000]].concat()).await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert_error(upload("empty.txt", Vec::new()).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "empty_file").await;
    let other = app.login("tb.tonghop").await;
    assert_eq!(app.get(&other, &format!("/api/v1/reports/{id}/attachments")).await.status(), StatusCode::NOT_FOUND);
    let clerk = app.login("hy.phohien.gui").await;
    let not_entry = app
        .request(&clerk, Method::POST, &format!("/api/v1/reports/{id}/attachments?name=a.txt"))
        .body("xin chào")
        .send()
        .await
        .unwrap();
    assert_error(not_entry, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.get_json(&entry, &format!("/api/v1/reports/{id}/attachments")).await.as_array().unwrap().len(),
        1,
        "refused uploads stored nothing"
    );
    let files = std::fs::read_dir(app.state.settings().reports.attachments_dir.join(id.to_string())).unwrap().count();
    assert_eq!(files, 1, "refused uploads left no file behind");

    // After submission the attachments are frozen.
    let r = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let filled = put(&app, &entry, &format!("/api/v1/reports/{id}/data"), json!({"version": r["version"], "rows_added": [{"title": "Phố Hiến", "catalogue": "phuong-pho-hien"}], "cells": [{"row": "x1", "col": "c4", "value": 1}]})).await;
    assert_eq!(filled.status(), StatusCode::OK);
    assert_eq!(act(&app, &entry, id, "submit", None).await.status(), StatusCode::OK);
    assert_error(upload("late.txt", b"muon".to_vec()).await.unwrap(), StatusCode::CONFLICT, "not_editable").await;
    let delete = app.delete(&entry, &format!("/api/v1/reports/{id}/attachments/{}", created["id"])).await;
    assert_error(delete, StatusCode::CONFLICT, "not_editable").await;
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}/attachments")).await.as_array().unwrap().len(), 1);
}

async fn a_configured_receiver_gets_the_reports(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let district = app.login("tb.vuthu.tonghop").await;
    let commune = app.unit_id("thaibinh", "xa-minh-quang").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    // Default: the parent (the district of Vũ Thư) receives.
    let first = crate::reports::assign_meetings(&app, &admin, commune, json!({})).await;
    assert_eq!(first[0]["report"]["receiver"]["id"], app.unit_id("thaibinh", "huyen-vu-thu").await);
    assert_eq!(app.get_json(&district, "/api/v1/reports?received=true").await["total"], 1);
    // Regime II of this commune goes to the department of justice instead.
    let set =
        put(&app, &admin, &format!("/api/v1/units/{commune}/receiver"), json!({"regime": "TT01-II", "receiver": stp}))
            .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let second: Value = app
        .post(
            &admin,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-II", "forms": ["II.01-ĐC"], "period": {"type": "quarter", "year": crate::reports::year(), "number": 3}, "units": [commune]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second[0]["report"]["receiver"]["id"], stp);
    // Refusals: another tenant's unit, the unit itself, and a caller without the right.
    let hy = app.unit_id("hungyen", "hungyen").await;
    assert_eq!(
        put(&app, &admin, &format!("/api/v1/units/{commune}/receiver"), json!({"regime": "*", "receiver": hy}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_error(
        put(&app, &admin, &format!("/api/v1/units/{commune}/receiver"), json!({"regime": "*", "receiver": commune}))
            .await,
        StatusCode::CONFLICT,
        "self",
    )
    .await;
    let clerk = app.login("tb.minhquang.gui").await;
    assert_error(
        put(&app, &clerk, &format!("/api/v1/units/{commune}/receiver"), json!({"regime": "*", "receiver": stp})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

both!(
    narrative_sections_are_saved_sanitised,
    attachments_respect_types_limits_and_status,
    a_configured_receiver_gets_the_reports
);

/// Every report route, tried on another tenant's report: nothing is seen, nothing changes.
async fn no_report_route_crosses_tenants(backend: Backend) {
    let app = spawn_app(backend).await;
    let tb = app.login("tb.quantri").await;
    let commune = app.unit_id("thaibinh", "xa-minh-quang").await;
    let id = crate::reports::assign_meetings(&app, &tb, commune, json!({}))
        .await
        .get(0)
        .and_then(|a| a["report"]["id"].as_i64())
        .unwrap();
    let owner = app.login("tb.minhquang.nhaplieu").await;
    let before = app.get_json(&owner, &format!("/api/v1/reports/{id}")).await;
    for intruder in ["hy.quantri", "hy.tonghop", "hy.phohien.nhaplieu"] {
        let who = app.login(intruder).await;
        let tries: Vec<(Method, String, Value)> = vec![
            (Method::GET, format!("/api/v1/reports/{id}"), Value::Null),
            (Method::GET, format!("/api/v1/reports/{id}/history"), Value::Null),
            (Method::GET, format!("/api/v1/reports/{id}/sections"), Value::Null),
            (Method::GET, format!("/api/v1/reports/{id}/attachments"), Value::Null),
            (Method::GET, format!("/api/v1/reports/{id}/attachments/1"), Value::Null),
            (Method::DELETE, format!("/api/v1/reports/{id}/attachments/1"), Value::Null),
            (Method::PUT, format!("/api/v1/reports/{id}/data"), json!({"version": before["version"], "cells": []})),
            (Method::POST, format!("/api/v1/reports/{id}/compute"), json!({"version": before["version"], "cells": []})),
            (
                Method::PUT,
                format!("/api/v1/reports/{id}/sections/1"),
                json!({"version": before["version"], "html": "x"}),
            ),
            (Method::POST, format!("/api/v1/reports/{id}/transitions"), json!({"action": "submit"})),
            (Method::POST, format!("/api/v1/reports/{id}/transitions"), json!({"action": "reopen"})),
        ];
        for (method, path, body) in tries {
            let mut request = app.request(&who, method.clone(), &path);
            if !body.is_null() {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        }
        let upload = app
            .request(&who, Method::POST, &format!("/api/v1/reports/{id}/attachments?name=a.txt"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_error(upload, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.get_json(&who, "/api/v1/reports").await["total"], 0, "{intruder} lists nothing of Thái Bình");
        let assign = app.post(&who, "/api/v1/assignments", json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": ["III.01a/VPCP/KSTT"], "period": {"type": "year", "year": crate::reports::year(), "number": 1}, "units": [commune]})).await;
        assert_error(assign, StatusCode::FORBIDDEN, "forbidden").await;
        let receiver = put(
            &app,
            &who,
            &format!("/api/v1/units/{commune}/receiver"),
            json!({"regime": "*", "receiver": app.unit_id("hungyen", "hungyen").await}),
        )
        .await;
        assert_error(receiver, StatusCode::NOT_FOUND, "not_found").await;
        let cookie = format!("baocao_session={}", who.token);
        for page in [format!("/reports/{id}"), format!("/reports/{id}/history"), format!("/reports/{id}/print")] {
            let response = app.client.get(app.url(&page)).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{intruder} {page}");
        }
    }
    assert_eq!(app.get_json(&owner, &format!("/api/v1/reports/{id}")).await, before, "nothing changed");
    // The Government Office's aggregator, above every tenant, does see it.
    let vpcp = app.login("vpcp.tonghop").await;
    assert_eq!(app.get(&vpcp, &format!("/api/v1/reports/{id}")).await.status(), StatusCode::OK);
}

both!(no_report_route_crosses_tenants);
