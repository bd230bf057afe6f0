//! The life of a report through the API: a ward of Hưng Yên (two-level
//! shape: ward → province) fills regime III's meetings form, its leader
//! approves, its clerk sends, the province rejects, the ward corrects and
//! resends, the province accepts, then a correction after acceptance.

use baocao_tests::{Backend, Session, TestApp, assert_error, both, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const FORM: &str = "III.01a/VPCP/KSTT";

/// The reporting year of these tests: next year, so that entry is open
/// (deadlines are in its December) whatever day the suite runs.
pub fn year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year() + 1
}

/// The entry date the tests' assignments open on: entry is refused before a
/// report's open date, and the schedules of next year's periods open later.
pub const OPEN: &str = "01/01/2020";

pub async fn put(app: &TestApp, who: &Session, path: &str, body: Value) -> reqwest::Response {
    app.request(who, Method::PUT, path).json(&body).send().await.unwrap()
}

pub async fn assign_meetings(app: &TestApp, by: &Session, unit: i64, extra: Value) -> Value {
    let mut body = json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": [FORM], "period": {"type": "year", "year": year(), "number": 1}, "units": [unit]});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let response = app.post(by, "/api/v1/assignments", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub async fn act(app: &TestApp, who: &Session, id: i64, action: &str, comment: Option<&str>) -> reqwest::Response {
    app.post(who, &format!("/api/v1/reports/{id}/transitions"), json!({"action": action, "comment": comment})).await
}

async fn status_after(app: &TestApp, who: &Session, id: i64, action: &str, comment: Option<&str>) -> String {
    let response = act(app, who, id, action, comment).await;
    assert_eq!(response.status(), StatusCode::OK, "{action} by {}", who.user["username"]);
    let body: Value = response.json().await.unwrap();
    body["status"].as_str().unwrap().to_owned()
}

/// Every actor in `who` is refused `action` with 403, and the report is unchanged.
async fn forbidden(app: &TestApp, who: &[&Session], reader: &Session, id: i64, action: &str) {
    let before = app.get_json(reader, &format!("/api/v1/reports/{id}")).await;
    for s in who {
        let response = act(app, s, id, action, Some("không được phép")).await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_eq!(
        app.get_json(reader, &format!("/api/v1/reports/{id}")).await,
        before,
        "{action}: refused attempts changed nothing"
    );
}

fn cell(report: &Value, row: &str, col: &str) -> Value {
    report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == row && c["col"] == col)
        .map(|c| c["value"].clone())
        .unwrap_or(Value::Null)
}

async fn unread(app: &TestApp, who: &Session) -> (u64, Vec<String>) {
    let page = app.get_json(who, "/api/v1/notifications?state=unread").await;
    let messages =
        page["items"].as_array().unwrap().iter().map(|n| n["message"].as_str().unwrap().to_owned()).collect();
    (page["unread"].as_u64().unwrap(), messages)
}

struct Travel {
    app: TestApp,
    province: Session,
    entry: Session,
    leader: Session,
    clerk: Session,
    department: Session,
    other_province: Session,
    ward: i64,
}

async fn a_report_travels_from_a_ward_to_the_province_and_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let leader = app.login("hy.phohien.duyet").await;
    let clerk = app.login("hy.phohien.gui").await;
    let department = app.login("hy.stp.nhaplieu").await;
    let other_province = app.login("tb.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;

    let c = Travel { app, province, entry, leader, clerk, department, other_province, ward };
    let id = assign_once_and_check_who_sees_it(&c).await;
    enter_and_submit(&c, id).await;
    approve_and_send(&c, id).await;
    reject_correct_and_accept(&c, id).await;
    correct_after_acceptance(&c, id).await;
    history_tells_the_story(&c, id).await;
    notifications_filter_and_mark_read(&c).await;
}

/// Assignment makes one report, once; only the ward and its province see it.
async fn assign_once_and_check_who_sees_it(c: &Travel) -> i64 {
    let Travel { app, province, entry, department, other_province, .. } = c;
    let ward = c.ward;
    // Assignment: one report, idempotent, and the ward's data entry is told.
    let assigned = assign_meetings(app, province, ward, json!({})).await;
    assert_eq!(assigned.as_array().unwrap().len(), 1);
    assert_eq!(assigned[0]["created"], true);
    let report = &assigned[0]["report"];
    let id = report["id"].as_i64().unwrap();
    assert_eq!(report["status"], "new");
    assert_eq!(report["form"], FORM);
    let y = year();
    assert_eq!(report["period"]["key"], y.to_string());
    assert_eq!(report["data_from"], format!("{}-12-15", y - 1));
    assert_eq!(report["data_to"], format!("{y}-12-14"));
    assert_eq!(report["closes_on"], format!("{y}-12-17"), "a commune-level deadline: 3 days after the cut-off");
    assert_eq!(report["receiver"]["id"], app.unit_id("hungyen", "hungyen").await, "default receiver: the parent");
    let again = assign_meetings(app, province, ward, json!({})).await;
    assert_eq!(again[0]["created"], false);
    assert_eq!(again[0]["report"]["id"], id);
    let (count, messages) = unread(app, entry).await;
    assert_eq!(count, 1, "assigning twice notifies once");
    assert!(
        messages[0].starts_with(&format!("Báo cáo {FORM} (Năm {y}) của UBND phường Phố Hiến đã được giao bởi")),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].contains(" - UBND tỉnh Hưng Yên vào lúc ") && messages[0].contains(" ngày "),
        "{}",
        messages[0]
    );

    // Who sees it: not another province, not another unit of the province.
    assert_eq!(app.get(other_province, &format!("/api/v1/reports/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(department, &format!("/api/v1/reports/{id}")).await.status(), StatusCode::NOT_FOUND);
    let listed = app.get_json(entry, &format!("/api/v1/reports?regime=TT01-III&period={y}&status=new")).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(app.get_json(other_province, "/api/v1/reports").await["total"], 0);
    id
}

/// Entry with Vietnamese numbers and recomputed formulas, then submission.
async fn enter_and_submit(c: &Travel, id: i64) {
    let Travel { app, province, entry, leader, clerk, .. } = c;
    // Entry: a row picked from the catalogue, Vietnamese-typed numbers, formulas recomputed.
    let current = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    assert!(current["actions"].as_array().unwrap().contains(&json!("edit")));
    let data = json!({
        "version": current["version"],
        "rows_added": [{"title": "UBND phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
        "cells": [{"row": "x1", "col": "c4", "value": "1.200"}, {"row": "x1", "col": "c5", "value": 300}, {"row": "x1", "col": "c6", "value": 45},
                  {"row": "x1", "col": "c3", "value": 999}]
    });
    assert_error(
        put(app, clerk, &format!("/api/v1/reports/{id}/data"), data.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A value typed into the formula cell (3) is refused, naming the cell; nothing is stored.
    let refused = assert_error(
        put(app, entry, &format!("/api/v1/reports/{id}/data"), data.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    assert_eq!(refused["error"]["cells"][0]["col"], "c3", "{refused}");
    assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await["version"], current["version"]);
    let mut data = data;
    data["cells"].as_array_mut().unwrap().retain(|c| c["col"] != "c3");
    let saved = put(app, entry, &format!("/api/v1/reports/{id}/data"), data).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["rows_added"][0]["code"], "x1");
    assert_eq!(cell(&saved, "x1", "c4"), json!(1200));
    assert_eq!(cell(&saved, "x1", "c3"), json!(1500), "the formula cell is (4) + (5)");
    assert_eq!(cell(&saved, "x1", "c7").as_f64(), Some(20.0), "(5) / (3) × 100");
    assert_eq!(cell(&saved, "tong", "c3"), json!(1500), "TỔNG CỘNG");

    // Submit to the leader: only data entry may.
    forbidden(app, &[leader, clerk, province], entry, id, "submit").await;
    assert_eq!(status_after(app, entry, id, "submit", None).await, "submitted");
    assert!(unread(app, leader).await.1[0].contains("đã được trình lãnh đạo bởi"));
    assert_error(
        put(
            app,
            entry,
            &format!("/api/v1/reports/{id}/data"),
            json!({"version": saved["version"].as_i64().unwrap() + 1, "cells": []}),
        )
        .await,
        StatusCode::CONFLICT,
        "not_editable",
    )
    .await;
}

/// The leader approves and forwards; the clerk sends; a sent report is frozen.
async fn approve_and_send(c: &Travel, id: i64) {
    let Travel { app, province, entry, leader, clerk, department, .. } = c;
    // The leader approves and forwards to the clerk.
    forbidden(app, &[entry, clerk, province], entry, id, "approve").await;
    let forward = app
        .post(
            leader,
            &format!("/api/v1/reports/{id}/transitions"),
            json!({"action": "approve", "forward_to": department.user_id()}),
        )
        .await;
    assert_error(forward, StatusCode::UNPROCESSABLE_ENTITY, "not_a_sender").await;
    let approved = app
        .post(
            leader,
            &format!("/api/v1/reports/{id}/transitions"),
            json!({"action": "approve", "forward_to": clerk.user_id()}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(approved.json::<Value>().await.unwrap()["status"], "unit_approved");
    assert!(unread(app, clerk).await.1[0].contains("đã được lãnh đạo duyệt bởi"));

    // The clerk signs and sends (the ward's data entry may send too, by policy).
    forbidden(app, &[leader, province], entry, id, "send").await;
    assert_eq!(status_after(app, clerk, id, "send", None).await, "sent");
    assert!(unread(app, province).await.1[0].contains("đã được gửi bởi"));
    let sent = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let edit_after_send = put(
        app,
        entry,
        &format!("/api/v1/reports/{id}/data"),
        json!({"version": sent["version"], "cells": [{"row": "x1", "col": "c4", "value": 1}]}),
    )
    .await;
    assert_error(edit_after_send, StatusCode::CONFLICT, "not_editable").await;
    assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await, sent, "a sent report cannot be edited");
}

/// The province rejects with a comment; the ward corrects and resends; the province accepts.
async fn reject_correct_and_accept(c: &Travel, id: i64) {
    let Travel { app, province, entry, leader, clerk, .. } = c;
    // The province checks and rejects, with a mandatory comment.
    forbidden(app, &[entry, leader, clerk], entry, id, "reject").await;
    assert_error(act(app, province, id, "reject", None).await, StatusCode::UNPROCESSABLE_ENTITY, "comment_required")
        .await;
    assert_error(act(app, province, id, "submit", None).await, StatusCode::CONFLICT, "transition_not_allowed").await;
    assert_eq!(
        status_after(app, province, id, "reject", Some("Cột (6) chưa khớp với biên bản họp.")).await,
        "rejected"
    );
    let shown = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(shown["last_comment"], "Cột (6) chưa khớp với biên bản họp.");
    assert!(
        unread(app, entry).await.1.iter().any(|m| m.contains("đã được từ chối bởi") && m.contains("Cột (6) chưa khớp"))
    );

    // The ward corrects (rejected is editable like a draft) and resends.
    let fixed = put(
        app,
        entry,
        &format!("/api/v1/reports/{id}/data"),
        json!({"version": shown["version"], "cells": [{"row": "x1", "col": "c6", "value": 40}]}),
    )
    .await;
    assert_eq!(fixed.status(), StatusCode::OK);
    let fixed: Value = fixed.json().await.unwrap();
    assert_eq!(fixed["status"], "rejected");
    assert_eq!(cell(&fixed, "x1", "c6"), json!(40));
    assert_eq!(cell(&fixed, "x1", "c4"), json!(1200), "cells not named keep their value");
    assert_eq!(status_after(app, entry, id, "submit", None).await, "submitted");
    assert_eq!(status_after(app, leader, id, "approve", None).await, "unit_approved");
    assert_eq!(status_after(app, clerk, id, "send", None).await, "sent");
    forbidden(app, &[entry, leader, clerk], entry, id, "accept").await;
    assert_eq!(status_after(app, province, id, "accept", None).await, "accepted");
    let accepted = app.get_json(province, &format!("/api/v1/reports/{id}")).await;
    assert!(accepted["sent_at"].is_string());
}

/// A correction after acceptance waits for the province.
async fn correct_after_acceptance(c: &Travel, id: i64) {
    let Travel { app, province, entry, leader, clerk, .. } = c;
    // A correction after acceptance waits for the province.
    forbidden(app, &[leader, province], entry, id, "request_correction").await;
    assert_error(
        act(app, entry, id, "request_correction", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    assert_eq!(
        status_after(app, entry, id, "request_correction", Some("Bổ sung cuộc họp ngày 10/12")).await,
        "correction_requested"
    );
    forbidden(app, &[entry, leader, clerk], entry, id, "approve_correction").await;
    assert_eq!(status_after(app, province, id, "approve_correction", None).await, "draft");
}

/// The history tells the whole story, each entry with who and a content hash.
async fn history_tells_the_story(c: &Travel, id: i64) {
    let Travel { app, entry, other_province, .. } = c;
    // The history tells the whole story, each entry with who and a content hash.
    let history = app.get_json(entry, &format!("/api/v1/reports/{id}/history")).await;
    let actions: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "assign",
            "save",
            "submit",
            "approve",
            "send",
            "reject",
            "save",
            "submit",
            "approve",
            "send",
            "accept",
            "request_correction",
            "approve_correction"
        ]
    );
    let reject = &history[5];
    assert_eq!(
        (reject["actor"].as_str(), reject["from"].as_str(), reject["to"].as_str()),
        (Some("hy.tonghop"), Some("sent"), Some("rejected"))
    );
    assert_eq!(reject["comment"], "Cột (6) chưa khớp với biên bản họp.");
    assert!(history.as_array().unwrap().iter().all(|h| h["content_sha256"].as_str().unwrap().len() == 64));
    assert_ne!(history[1]["content_sha256"], history[6]["content_sha256"], "the correction changed the content");
    assert_eq!(app.get(other_province, &format!("/api/v1/reports/{id}/history")).await.status(), StatusCode::NOT_FOUND);
}

/// Notifications: filters, and mark all read.
async fn notifications_filter_and_mark_read(c: &Travel) {
    let Travel { app, province, entry, .. } = c;
    // Notifications: filters, and mark all read.
    let all = app.get_json(entry, "/api/v1/notifications?state=all").await;
    assert!(all["total"].as_u64().unwrap() >= 4);
    let from_province = app.get_json(entry, &format!("/api/v1/notifications?sender={}", province.user_id())).await;
    assert!(from_province["items"].as_array().unwrap().iter().all(|n| n["sender"] == province.user_id()));
    let marked: Value = app.post(entry, "/api/v1/notifications/read-all", json!({})).await.json().await.unwrap();
    assert!(marked["marked"].as_u64().unwrap() >= 1);
    assert_eq!(unread(app, entry).await.0, 0);
    assert_eq!(app.get_json(entry, "/api/v1/notifications?state=read").await["total"], all["total"]);
    assert_error(
        app.get(entry, "/api/v1/notifications?state=maybe").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_filter",
    )
    .await;
}

struct BadInput {
    app: TestApp,
    province: Session,
    entry: Session,
    ward: i64,
    id: i64,
    path: String,
    before: Value,
    v: Value,
}

async fn bad_input_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let id = assign_meetings(&app, &province, ward, json!({})).await[0]["report"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/reports/{id}/data");
    let start = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let ok = put(
        &app,
        &entry,
        &path,
        json!({"version": start["version"], "rows_added": [{"title": "Phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
        "cells": [{"row": "x1", "col": "c4", "value": 5}]}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let before = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let v = before["version"].clone();

    let c = BadInput { app, province, entry, ward, id, path, before, v };
    refused_content_changes_nothing(&c).await;
    the_second_of_two_savers_gets_a_conflict(&c).await;
    malformed_bodies_and_unknown_actions_are_refused(&c).await;
    assignment_refusals(&c).await;
}

/// Each refused content leaves the report exactly as it was.
async fn refused_content_changes_nothing(c: &BadInput) {
    let BadInput { app, entry, path, .. } = c;
    let id = c.id;
    let before = c.before.clone();
    let v = c.v.clone();
    for (body, what) in [
        (json!({"version": v, "cells": [{"row": "x1", "col": "c4", "value": "abc"}]}), "text in a number column"),
        (json!({"version": v, "cells": [{"row": "x1", "col": "c4", "value": -3}]}), "a negative count"),
        (
            json!({"version": v, "cells": [{"row": "x1", "col": "c5", "value": "2,5"}]}),
            "a fraction in an integer column",
        ),
        (json!({"version": v, "cells": [{"row": "nope", "col": "c4", "value": 1}]}), "an unknown row"),
        (json!({"version": v, "cells": [{"row": "x1", "col": "c99", "value": 1}]}), "an unknown column"),
        (json!({"version": v, "rows_added": [{"title": "Dòng tự nhập"}]}), "a free-text row the form does not allow"),
        (json!({"version": v, "rows_removed": ["tong"]}), "removing a fixed row"),
    ] {
        let response = put(app, entry, path, body).await;
        let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
        let cells = error["error"]["cells"].as_array().unwrap();
        assert!(!cells.is_empty(), "{what}: the offending cells are named");
        assert!(
            cells
                .iter()
                .all(|c| !c["message"].as_str().unwrap().is_empty() && !c["message_en"].as_str().unwrap().is_empty()),
            "{what}"
        );
        assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await, before, "{what}: nothing stored");
    }
    let named = assert_error(
        put(app, entry, path, json!({"version": v, "cells": [{"row": "x1", "col": "c4", "value": "abc"}]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    assert_eq!(
        (named["error"]["cells"][0]["row"].as_str(), named["error"]["cells"][0]["col"].as_str()),
        (Some("x1"), Some("c4"))
    );
    assert!(named["error"]["cells"][0]["message"].as_str().unwrap().contains("cột (4)"), "{named}");
}

/// Two people save: the second, from the old version, gets a conflict naming what changed.
async fn the_second_of_two_savers_gets_a_conflict(c: &BadInput) {
    let BadInput { app, entry, path, .. } = c;
    let id = c.id;
    let v = c.v.clone();
    // Two people save: the second, from the old version, gets a conflict naming what changed.
    let first = put(app, entry, path, json!({"version": v, "cells": [{"row": "x1", "col": "c4", "value": 7}]})).await;
    assert_eq!(first.status(), StatusCode::OK);
    let after_first = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let stale = put(app, entry, path, json!({"version": v, "cells": [{"row": "x1", "col": "c4", "value": 9}]})).await;
    let stale = assert_error(stale, StatusCode::CONFLICT, "stale_version").await;
    assert_eq!(stale["error"]["current"]["current_version"], after_first["version"]);
    assert_eq!(stale["error"]["current"]["last_actor"], "hy.phohien.nhaplieu");
    let changed = stale["error"]["current"]["changed"].as_array().unwrap();
    assert!(changed.iter().any(|c| c["row"] == "x1" && c["col"] == "c4" && c["value"] == 7), "{changed:?}");
    assert_eq!(
        app.get_json(entry, &format!("/api/v1/reports/{id}")).await,
        after_first,
        "the stale write stored nothing"
    );
}

/// Malformed bodies and unknown actions.
async fn malformed_bodies_and_unknown_actions_are_refused(c: &BadInput) {
    let BadInput { app, entry, path, .. } = c;
    let id = c.id;
    // Malformed bodies and unknown actions.
    let raw = app
        .request(entry, Method::PUT, path)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert_error(act(app, entry, id, "teleport", None).await, StatusCode::UNPROCESSABLE_ENTITY, "unknown_action").await;
    assert_error(
        app.get(entry, "/api/v1/reports?period=2026-Q9").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_filter",
    )
    .await;
    assert_error(
        app.get(entry, "/api/v1/reports?status=approved").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_filter",
    )
    .await;
}

/// Assignment refusals.
async fn assignment_refusals(c: &BadInput) {
    let BadInput { app, province, entry, .. } = c;
    let ward = c.ward;
    // Assignment refusals.
    let bad_form = app
        .post(
            province,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": ["X.99"], "period": {"type": "year", "year": year(), "number": 1}, "units": [ward]}),
        )
        .await;
    assert_error(bad_form, StatusCode::UNPROCESSABLE_ENTITY, "unknown_form").await;
    let bad_period = app
        .post(
            province,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": [FORM], "period": {"type": "quarter", "year": year(), "number": 1}, "units": [ward]}),
        )
        .await;
    assert_error(bad_period, StatusCode::UNPROCESSABLE_ENTITY, "period_not_reported").await;
    let department = app.unit_id("hungyen", "so-tu-phap").await;
    let bad_level = app
        .post(
            province,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": [FORM], "period": {"type": "year", "year": year(), "number": 1}, "units": [department]}),
        )
        .await;
    assert_error(bad_level, StatusCode::UNPROCESSABLE_ENTITY, "level_not_reporting").await;
    let not_mine = app
        .post(
            entry,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": [FORM], "period": {"type": "year", "year": year(), "number": 1}, "units": [ward]}),
        )
        .await;
    assert_error(not_mine, StatusCode::FORBIDDEN, "forbidden").await;
    let other = app.login("tb.tonghop").await;
    let other_tenant = app
        .post(
            &other,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": [FORM], "period": {"type": "year", "year": year() - 1, "number": 1}, "units": [ward]}),
        )
        .await;
    assert_error(other_tenant, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_json(province, "/api/v1/reports").await["total"], 1, "refused assignments created nothing");
}

async fn a_closed_period_refuses_entry_until_reopened(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned =
        assign_meetings(&app, &province, ward, json!({"opens_on": "01/01/2021", "closes_on": "15/01/2021"})).await;
    let report = &assigned[0]["report"];
    assert_eq!(report["closes_on"], "2021-01-15");
    let id = report["id"].as_i64().unwrap();
    let body = json!({"version": report["version"], "rows_added": [{"title": "Phường Phố Hiến", "catalogue": "phuong-pho-hien"}]});
    let closed = put(&app, &entry, &format!("/api/v1/reports/{id}/data"), body.clone()).await;
    let error = assert_error(closed, StatusCode::CONFLICT, "entry_closed").await;
    assert!(error["error"]["message"].as_str().unwrap().contains("15/01/2021"));
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await["version"], report["version"]);
    forbidden(&app, &[&entry], &province, id, "reopen").await;
    assert_eq!(status_after(&app, &province, id, "reopen", None).await, "new");
    let current = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(current["reopened"], true);
    let reopened = put(
        &app,
        &entry,
        &format!("/api/v1/reports/{id}/data"),
        json!({"version": current["version"], "rows_added": body["rows_added"]}),
    )
    .await;
    assert_eq!(reopened.status(), StatusCode::OK);
}

/// The unit's meetings reports of `years` years from [`year`] on, assigned
/// by `by`: their ids, oldest period first.
async fn yearly_reports(app: &TestApp, by: &Session, unit: i64, years: i32) -> Vec<i64> {
    let mut ids = Vec::new();
    for year in year()..year() + years {
        let body = json!({"period": {"type": "year", "year": year, "number": 1}});
        ids.push(assign_meetings(app, by, unit, body).await[0]["report"]["id"].as_i64().unwrap());
    }
    ids
}

/// A list page counts every report the list matches, in the caller's scope
/// only, on every page and past the last one.
async fn a_list_page_counts_every_report_it_matches(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let other_province = app.login("tb.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let mut ids = yearly_reports(&app, &province, ward, 3).await;
    let regime = format!("/api/v1/reports?regime=TT01-III&form={FORM}&unit={ward}");
    let mut seen = Vec::new();
    for page in 1..=3 {
        let listed = app.get_json(&entry, &format!("{regime}&per_page=1&page={page}")).await;
        assert_eq!(listed["total"], 3, "page {page}: {listed}");
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "page {page}: {listed}");
        seen.push(listed["items"][0]["id"].as_i64().unwrap());
    }
    ids.reverse(); // newest period first
    assert_eq!(seen, ids);
    let past = app.get_json(&entry, &format!("{regime}&per_page=2&page=3")).await;
    assert_eq!((past["total"].as_u64(), past["items"].as_array().map(Vec::len)), (Some(3), Some(0)), "{past}");
    let status = app.get_json(&entry, &format!("{regime}&status=new&per_page=2")).await;
    assert_eq!((status["total"].as_u64(), status["items"].as_array().map(Vec::len)), (Some(3), Some(2)));
    let outside = app.get_json(&other_province, &format!("{regime}&per_page=1")).await;
    assert_eq!((outside["total"].as_u64(), outside["items"].as_array().map(Vec::len)), (Some(0), Some(0)));
}

/// Reports opened and list pages read at the same moment go to the database
/// together: each reader still gets its own report and its own list, nothing
/// outside its scopes, and what was saved before it asked.
async fn reads_at_the_same_moment_each_get_their_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let (province, entry) = (app.login("hy.tonghop").await, app.login("hy.phohien.nhaplieu").await);
    let (department, other_province) = (app.login("hy.stp.nhaplieu").await, app.login("tb.tonghop").await);
    let (ward, other_ward) =
        (app.unit_id("hungyen", "phuong-pho-hien").await, app.unit_id("thaibinh", "xa-minh-quang").await);
    let ours = yearly_reports(&app, &province, ward, 4).await;
    let theirs =
        assign_meetings(&app, &other_province, other_ward, json!({})).await[0]["report"]["id"].as_i64().unwrap();
    let c = AtOnce { app, province, entry, department, other_province, ours, theirs };
    each_opens_only_what_it_may(&c).await;
    each_lists_its_own_pages(&c).await;
    a_read_after_a_save_sees_it(&c).await;
}

struct AtOnce {
    app: TestApp,
    province: Session,
    entry: Session,
    department: Session,
    other_province: Session,
    /// The ward's reports, oldest period first.
    ours: Vec<i64>,
    /// A report of the other province.
    theirs: i64,
}

async fn each_opens_only_what_it_may(c: &AtOnce) {
    let AtOnce { app, province, entry, department, other_province, ours, theirs } = c;
    let missing = theirs + 1000;
    let mut asked: Vec<(&Session, i64, bool)> = Vec::new();
    for _ in 0..3 {
        for &id in ours {
            asked.extend([
                (entry, id, true),
                (province, id, true),
                (other_province, id, false),
                (department, id, false),
            ]);
        }
        asked.extend([(entry, *theirs, false), (other_province, *theirs, true), (entry, missing, false)]);
    }
    let opened = futures::future::join_all(
        asked.iter().map(|(who, id, _)| async move { app.get(who, &format!("/api/v1/reports/{id}")).await }),
    )
    .await;
    for ((who, id, sees), response) in asked.iter().zip(opened) {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if *sees {
            assert_eq!(
                (status, body["id"].as_i64()),
                (StatusCode::OK, Some(*id)),
                "{} opens {id}: {body}",
                who.user["username"]
            );
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND, "{} must not open {id}: {body}", who.user["username"]);
        }
    }
}

async fn each_lists_its_own_pages(c: &AtOnce) {
    let AtOnce { app, province, entry, department, other_province, ours, theirs } = c;
    let newest_first: Vec<i64> = ours.iter().rev().copied().collect();
    let pages: Vec<(&Session, &str, Vec<i64>, u64)> = vec![
        (entry, "per_page=10", newest_first.clone(), 4),
        (entry, "per_page=2&page=2", newest_first[2..].to_vec(), 4),
        (province, "per_page=3", newest_first[..3].to_vec(), 4),
        (other_province, "per_page=10", vec![*theirs], 1),
        (department, "per_page=10", vec![], 0),
        (entry, "per_page=2&page=9", vec![], 4),
    ];
    // The same page asked many times, and different pages, at once.
    let asked: Vec<_> = (0..4).flat_map(|_| pages.iter()).collect();
    let listed = futures::future::join_all(asked.iter().map(|(who, page, _, _)| async move {
        app.get_json(who, &format!("/api/v1/reports?regime=TT01-III&form={FORM}&{page}")).await
    }))
    .await;
    for ((who, page, ids, total), list) in asked.iter().zip(listed) {
        let got: Vec<i64> = list["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(
            (&got, list["total"].as_u64()),
            (ids, Some(*total)),
            "{} lists {page}: {list}",
            who.user["username"]
        );
    }
}

async fn a_read_after_a_save_sees_it(c: &AtOnce) {
    let AtOnce { app, entry, ours, .. } = c;
    let first = ours[0];
    let current = app.get_json(entry, &format!("/api/v1/reports/{first}")).await;
    let data = json!({
        "version": current["version"],
        "rows_added": [{"title": "UBND phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
        "cells": [{"row": "x1", "col": "c4", "value": 7}, {"row": "x1", "col": "c5", "value": 3}, {"row": "x1", "col": "c6", "value": 1}]
    });
    let saved = put(app, entry, &format!("/api/v1/reports/{first}/data"), data).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let version = saved.json::<Value>().await.unwrap()["version"].clone();
    let reads = futures::future::join_all(
        (0..24).map(|_| async move { app.get_json(entry, &format!("/api/v1/reports/{first}")).await }),
    )
    .await;
    assert!(reads.iter().all(|r| r["version"] == version), "a read after the save saw an older version");
}

both!(
    a_report_travels_from_a_ward_to_the_province_and_back,
    bad_input_changes_nothing,
    a_closed_period_refuses_entry_until_reopened,
    a_list_page_counts_every_report_it_matches,
    reads_at_the_same_moment_each_get_their_own
);
