//! Aggregation up the hierarchy: wards → province (Hưng Yên) → Government
//! Office, with catalogue-linked rows, a ward that never reports, provenance
//! of an aggregated cell, and a correction after aggregation.

use baocao_tests::{Backend, PASSWORD, Session, TestApp, assert_error, both, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::reports::{act, put, year};

const FORM: &str = "III.01a/VPCP/KSTT";

fn cell(report: &Value, row: &str, col: &str) -> Value {
    report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == row && c["col"] == col)
        .map(|c| c["value"].clone())
        .unwrap_or(Value::Null)
}

pub async fn assign(app: &TestApp, by: &Session, units: &[i64]) -> Vec<i64> {
    assign_form(app, by, "TT01-III", FORM, json!({"type": "year", "year": year(), "number": 1}), units).await
}

/// Assigns one form of a regime for a period to units; the reports' ids in the units' order.
pub async fn assign_form(
    app: &TestApp, by: &Session, regime: &str, form: &str, period: Value, units: &[i64],
) -> Vec<i64> {
    let body =
        json!({"opens_on": crate::reports::OPEN, "regime": regime, "forms": [form], "period": period, "units": units});
    let response = app.post(by, "/api/v1/assignments", body).await;
    assert_eq!(response.status(), StatusCode::OK, "assigning {form}");
    let out: Value = response.json().await.unwrap();
    out.as_array().unwrap().iter().map(|a| a["report"]["id"].as_i64().unwrap()).collect()
}

/// One row picked from a form's catalogue: (catalogue code, title, [(column, value)]).
pub type CatalogueRow<'a> = (&'a str, &'a str, &'a [(&'a str, i64)]);

/// Fills a report with rows picked from its form's catalogue.
pub async fn fill_rows(app: &TestApp, entry: &Session, id: i64, rows: &[CatalogueRow<'_>]) {
    let current = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let rows_added: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (c, t, _))| json!({"code": format!("r{i}"), "title": t, "catalogue": c}))
        .collect();
    let cells: Vec<Value> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, (_, _, values))| {
            values.iter().map(move |(col, v)| json!({"row": format!("r{i}"), "col": col, "value": v}))
        })
        .collect();
    let saved = put(
        app,
        entry,
        &format!("/api/v1/reports/{id}/data"),
        json!({"version": current["version"], "rows_added": rows_added, "cells": cells}),
    )
    .await;
    let status = saved.status();
    assert_eq!(status, StatusCode::OK, "{}", saved.text().await.unwrap());
}

fn names(list: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        list.as_array().unwrap().iter().map(|s| s["unit"]["name"].as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

/// Asks for a correction of an accepted report, has the receiver allow it,
/// changes some cells and sends the report again.
async fn correct(
    app: &TestApp, people: (&Session, &Session, &Session, &Session), id: i64, cells: &[(&str, &str, i64)],
) {
    let (entry, leader, sender, checker) = people;
    assert_eq!(
        act(app, entry, id, "request_correction", Some("Số liệu cần đính chính")).await.status(),
        StatusCode::OK
    );
    step(app, checker, id, "approve_correction").await;
    let current = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let cells: Vec<Value> =
        cells.iter().map(|(row, col, value)| json!({"row": row, "col": col, "value": value})).collect();
    let body = json!({"version": current["version"], "cells": cells});
    assert_eq!(put(app, entry, &format!("/api/v1/reports/{id}/data"), body).await.status(), StatusCode::OK);
    travel(app, entry, leader, sender, checker, id).await;
}

/// Fills a report with rows picked from the unit catalogue: (catalogue code, title, in person, online).
pub async fn fill(app: &TestApp, entry: &Session, id: i64, rows: &[(&str, &str, i64, i64)]) {
    let current = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let rows_added: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (c, t, _, _))| json!({"code": format!("r{i}"), "title": t, "catalogue": c}))
        .collect();
    let cells: Vec<Value> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, (_, _, direct, online))| {
            [
                json!({"row": format!("r{i}"), "col": "c4", "value": direct}),
                json!({"row": format!("r{i}"), "col": "c5", "value": online}),
            ]
        })
        .collect();
    let saved = put(
        app,
        entry,
        &format!("/api/v1/reports/{id}/data"),
        json!({"version": current["version"], "rows_added": rows_added, "cells": cells}),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
}

/// Accounts the demo lacks: data entry and a leader for the ward of Sơn Nam, created by the province's administrator.
pub async fn son_nam_accounts(app: &TestApp, admin: &Session, son_nam: i64) -> (Session, Session) {
    for (username, group) in [("hy.sonnam.nhaplieu", "TINH_XA_NHAPLIEU"), ("hy.sonnam.duyet", "TINH_DONVI_DUYET_TT01")]
    {
        let body = json!({"unit_id": son_nam, "username": username, "password": PASSWORD, "full_name": "Công chức phường Sơn Nam", "groups": [group]});
        assert_eq!(app.post(admin, "/api/v1/users", body).await.status(), StatusCode::CREATED, "{username}");
    }
    (app.login("hy.sonnam.nhaplieu").await, app.login("hy.sonnam.duyet").await)
}

pub async fn step(app: &TestApp, who: &Session, id: i64, action: &str) {
    let response = act(app, who, id, action, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{action} by {}", who.user["username"]);
}

/// Submit, approve, send, accept.
pub async fn travel(app: &TestApp, entry: &Session, leader: &Session, sender: &Session, checker: &Session, id: i64) {
    step(app, entry, id, "submit").await;
    step(app, leader, id, "approve").await;
    step(app, sender, id, "send").await;
    step(app, checker, id, "accept").await;
}

struct TwoLevels {
    app: TestApp,
    vpcp: Session,
    province: Session,
    sn_entry: Session,
    sn_leader: Session,
    ph_entry: Session,
    ph_leader: Session,
    ph_clerk: Session,
    ph: i64,
    sn: i64,
    hy_report: i64,
}

async fn aggregation_goes_up_two_levels_with_provenance(backend: Backend) {
    let app = spawn_app(backend).await;
    let vpcp = app.login("vpcp.tonghop").await;
    let hy_admin = app.login("hy.quantri").await;
    let province = app.login("hy.tonghop").await;
    let hy = app.unit_id("hungyen", "hungyen").await;
    let tb = app.unit_id("thaibinh", "thaibinh").await;
    let pho_hien = app.unit_id("hungyen", "phuong-pho-hien").await;
    let son_nam = app.unit_id("hungyen", "phuong-son-nam").await;
    let tien_lu = app.unit_id("hungyen", "xa-tien-lu").await;

    // Sơn Nam gets its data entry and its leader.
    let (sn_entry, sn_leader) = son_nam_accounts(&app, &hy_admin, son_nam).await;
    let (ph_entry, ph_leader, ph_clerk) = (
        app.login("hy.phohien.nhaplieu").await,
        app.login("hy.phohien.duyet").await,
        app.login("hy.phohien.gui").await,
    );

    // The Government Office assigns to the provinces, the province to its wards and communes.
    let national = assign(&app, &vpcp, &[hy, tb]).await;
    let ids = assign(&app, &province, &[pho_hien, son_nam, tien_lu]).await;
    let (ph, sn) = (ids[0], ids[1]);
    let hy_report = national[0];

    let c = TwoLevels { app, vpcp, province, sn_entry, sn_leader, ph_entry, ph_leader, ph_clerk, ph, sn, hy_report };
    the_wards_report_and_the_province_sees_who_is_missing(&c).await;
    only_the_aggregator_aggregates(&c).await;
    an_aggregated_cell_names_its_sources(&c).await;
    a_later_correction_marks_the_aggregate_outdated(&c).await;
    the_aggregate_travels_to_the_government_office(&c).await;
}

/// The wards report; before aggregating, the province sees who is in and who is missing.
async fn the_wards_report_and_the_province_sees_who_is_missing(c: &TwoLevels) {
    let TwoLevels { app, province, sn_entry, sn_leader, ph_entry, ph_leader, ph_clerk, .. } = c;
    let ph = c.ph;
    let sn = c.sn;
    let hy_report = c.hy_report;
    // Phố Hiến and Sơn Nam both report their own meetings and one shared catalogue row.
    fill(
        app,
        ph_entry,
        ph,
        &[("phuong-pho-hien", "UBND phường Phố Hiến", 10, 2), ("so-tu-phap", "Sở Tư pháp tỉnh Hưng Yên", 1, 1)],
    )
    .await;
    fill(
        app,
        sn_entry,
        sn,
        &[("phuong-son-nam", "UBND phường Sơn Nam", 7, 3), ("so-tu-phap", "Sở Tư pháp tỉnh Hưng Yên", 2, 0)],
    )
    .await;
    travel(app, ph_entry, ph_leader, ph_clerk, province, ph).await;

    // Before aggregating, the province sees who is in and who is missing.
    let preview: Value = app
        .post(province, &format!("/api/v1/reports/{hy_report}/aggregate?dry_run=true"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let names = |list: &Value| {
        list.as_array().unwrap().iter().map(|s| s["unit"]["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(&preview["included"]), ["UBND phường Phố Hiến"]);
    assert_eq!(names(&preview["missing"]).len(), 2, "Sơn Nam (draft) and Tiên Lữ (new)");
    assert_eq!(preview["report"]["status"], "new", "a dry run stores nothing");

    travel(app, sn_entry, sn_leader, sn_entry, province, sn).await;
}

/// Who may aggregate, and what aggregating makes.
async fn only_the_aggregator_aggregates(c: &TwoLevels) {
    let TwoLevels { app, province, ph_entry, .. } = c;
    let hy_report = c.hy_report;
    // Who may aggregate: the province's aggregator, not its data entry of a department nor a ward.
    let department = app.login("hy.stp.nhaplieu").await;
    assert_eq!(
        app.post(&department, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_error(
        app.post(ph_entry, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let leader = app.login("hy.duyet").await;
    assert_error(
        app.post(&leader, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let done = app.post(province, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(names(&done["included"]).len(), 2);
    assert_eq!(names(&done["missing"]), ["UBND xã Tiên Lữ"]);
    let r = &done["report"];
    assert_eq!(r["status"], "draft");
    assert_eq!(cell(r, "k.so-tu-phap", "c4"), json!(3), "rows with the same catalogue code add up");
    assert_eq!(cell(r, "k.phuong-pho-hien", "c4"), json!(10), "a row one ward added appears");
    assert_eq!(cell(r, "k.phuong-son-nam", "c3"), json!(10), "formulas recomputed by the regime");
    assert_eq!(cell(r, "tong", "c3"), json!(26), "the total recomputed");
    assert_eq!(r["aggregate"]["sources"], 2);
    assert_eq!(r["aggregate"]["outdated"], false);
}

/// Provenance of one aggregated cell.
async fn an_aggregated_cell_names_its_sources(c: &TwoLevels) {
    let TwoLevels { app, province, .. } = c;
    let hy_report = c.hy_report;
    // Provenance of one aggregated cell.
    let sources = app.get_json(province, &format!("/api/v1/reports/{hy_report}/cells/k.so-tu-phap/c4/sources")).await;
    let mut seen: Vec<(String, i64)> = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["unit"]["name"].as_str().unwrap().to_owned(), s["value"].as_i64().unwrap()))
        .collect();
    seen.sort();
    assert_eq!(seen, [("UBND phường Phố Hiến".to_owned(), 1), ("UBND phường Sơn Nam".to_owned(), 2)]);
    assert!(
        sources.as_array().unwrap().iter().all(|s| s["version"] == s["current_version"] && s["report_id"].is_i64())
    );
    assert_error(
        app.get(province, &format!("/api/v1/reports/{hy_report}/cells/k.so-tu-phap/c99/sources")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_column",
    )
    .await;
    let other = app.login("tb.tonghop").await;
    assert_eq!(
        app.get(&other, &format!("/api/v1/reports/{hy_report}/cells/tong/c3/sources")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// A correction accepted after aggregation marks the aggregate outdated until re-run.
async fn a_later_correction_marks_the_aggregate_outdated(c: &TwoLevels) {
    let TwoLevels { app, province, ph_entry, ph_leader, ph_clerk, .. } = c;
    let ph = c.ph;
    let hy_report = c.hy_report;
    // A correction accepted after aggregation marks the aggregate outdated until re-run.
    let corrected = act(app, ph_entry, ph, "request_correction", Some("Thiếu một cuộc họp")).await;
    assert_eq!(corrected.status(), StatusCode::OK);
    step(app, province, ph, "approve_correction").await;
    let current = app.get_json(ph_entry, &format!("/api/v1/reports/{ph}")).await;
    let fix = put(
        app,
        ph_entry,
        &format!("/api/v1/reports/{ph}/data"),
        json!({"version": current["version"], "cells": [{"row": "r0", "col": "c4", "value": 11}]}),
    )
    .await;
    assert_eq!(fix.status(), StatusCode::OK);
    travel(app, ph_entry, ph_leader, ph_clerk, province, ph).await;
    let stale = app.get_json(province, &format!("/api/v1/reports/{hy_report}")).await;
    assert_eq!(stale["aggregate"]["outdated"], true);
    let sources =
        app.get_json(province, &format!("/api/v1/reports/{hy_report}/cells/k.phuong-pho-hien/c4/sources")).await;
    assert_ne!(
        sources[0]["version"], sources[0]["current_version"],
        "provenance shows the aggregated version and the current one"
    );
    let rerun: Value =
        app.post(province, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(cell(&rerun["report"], "k.phuong-pho-hien", "c4"), json!(11));
    assert_eq!(rerun["report"]["aggregate"]["outdated"], false);
}

/// The province's aggregate travels on to the Government Office, which aggregates the provinces.
async fn the_aggregate_travels_to_the_government_office(c: &TwoLevels) {
    let TwoLevels { app, vpcp, province, .. } = c;
    let hy_report = c.hy_report;
    // The province's aggregate travels on to the Government Office, which aggregates the provinces.
    let (hy_leader, hy_clerk) = (app.login("hy.duyet").await, app.login("hy.gui").await);
    travel(app, province, &hy_leader, &hy_clerk, vpcp, hy_report).await;
    let root = app.get_json(vpcp, &format!("/api/v1/reports/{hy_report}")).await["receiver"]["id"].as_i64().unwrap();
    // The Government Office's own report: the root has nobody above it, so it is its own receiver.
    let national_id = assign(app, vpcp, &[root]).await[0];
    let own = app.get_json(vpcp, &format!("/api/v1/reports/{national_id}")).await;
    assert_eq!(own["receiver"]["id"], root);
    let preview: Value = app
        .post(vpcp, &format!("/api/v1/reports/{national_id}/aggregate?dry_run=true"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&preview["missing"]), ["UBND tỉnh Thái Bình"], "Thái Bình has not reported");
    // A province may not assign the root's report.
    let refused = app
        .post(
            province,
            "/api/v1/assignments",
            json!({"opens_on": crate::reports::OPEN, "regime": "TT01-III", "forms": [FORM], "period": {"type": "year", "year": year() + 1, "number": 1}, "units": [root]}),
        )
        .await;
    assert_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let top: Value =
        app.post(vpcp, &format!("/api/v1/reports/{national_id}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(cell(&top["report"], "tong", "c3"), json!(27), "13 + 2 from Phố Hiến, 10 + 2 from Sơn Nam");
    assert_eq!(cell(&top["report"], "k.so-tu-phap", "c4"), json!(3), "catalogue rows stay linked across two levels");
    let sources = app.get_json(vpcp, &format!("/api/v1/reports/{national_id}/cells/tong/c3/sources")).await;
    assert_eq!(sources.as_array().unwrap().len(), 1, "the national total comes from Hưng Yên's report");
}

async fn aggregation_refuses_what_it_cannot_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let hy = app.unit_id("hungyen", "hungyen").await;
    let vpcp = app.login("vpcp.tonghop").await;
    let hy_report = assign(&app, &vpcp, &[hy]).await[0];
    let before = app.get_json(&province, &format!("/api/v1/reports/{hy_report}")).await;
    assert_error(
        app.post(&province, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing_to_aggregate",
    )
    .await;
    assert_eq!(app.get_json(&province, &format!("/api/v1/reports/{hy_report}")).await, before, "nothing stored");
    assert!(before["aggregate"].is_null(), "not an aggregate yet");
}

both!(aggregation_goes_up_two_levels_with_provenance, aggregation_refuses_what_it_cannot_do);

struct AggregatorPage {
    app: TestApp,
    province: Session,
    hy_report: i64,
    ids: Vec<i64>,
    entry: Session,
}

async fn the_aggregator_page_names_included_and_missing_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let vpcp = app.login("vpcp.tonghop").await;
    let province = app.login("hy.tonghop").await;
    let hy_report = assign(&app, &vpcp, &[app.unit_id("hungyen", "hungyen").await]).await[0];
    let ids = assign(
        &app,
        &province,
        &[app.unit_id("hungyen", "phuong-pho-hien").await, app.unit_id("hungyen", "xa-tien-lu").await],
    )
    .await;
    let (entry, leader, clerk) = (
        app.login("hy.phohien.nhaplieu").await,
        app.login("hy.phohien.duyet").await,
        app.login("hy.phohien.gui").await,
    );
    fill(&app, &entry, ids[0], &[("phuong-pho-hien", "UBND phường Phố Hiến", 4, 1)]).await;
    travel(&app, &entry, &leader, &clerk, &province, ids[0]).await;

    let c = AggregatorPage { app, province, hy_report, ids, entry };
    the_page_names_included_and_missing_and_aggregates(&c).await;
    the_ward_sees_no_aggregation_card(&c).await;
}

/// The aggregator's page names who is in and who is missing, demands the token, and aggregates.
async fn the_page_names_included_and_missing_and_aggregates(c: &AggregatorPage) {
    let AggregatorPage { app, province, .. } = c;
    let hy_report = c.hy_report;
    let cookie = format!("baocao_session={}", province.token);
    let page = app
        .client
        .get(app.url(&format!("/reports/{hy_report}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tổng hợp báo cáo số liệu"), "the aggregation card");
    let missing = &page[page.find("Còn thiếu").expect("missing units listed")..];
    assert!(missing.contains("UBND xã Tiên Lữ") && missing.contains("Mới giao"));
    assert!(page.contains("Tổng hợp từ 1 báo cáo đã duyệt; 1 đơn vị còn thiếu?"), "the confirmation names the counts");
    let forged = app
        .client
        .post(app.url(&format!("/reports/{hy_report}/aggregate")))
        .header("cookie", &cookie)
        .form(&[("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let done = app
        .client
        .post(app.url(&format!("/reports/{hy_report}/aggregate")))
        .header("cookie", &cookie)
        .form(&[("csrf_token", province.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let after = app
        .client
        .get(app.url(&format!("/reports/{hy_report}?aggregated=1")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        after.contains("Đã tổng hợp số liệu")
            && after.contains("id=\"provenance\"")
            && after.contains("Báo cáo tổng hợp từ 1 báo cáo")
    );
    // Reports stored before the number grid existed are read from their cells.
    {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
        db.execute_unprepared("UPDATE reports SET numbers = NULL").await.unwrap();
    }
    let again: Value =
        app.post(province, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(cell(&again["report"], "tong", "c3"), json!(5), "4 in person + 1 online, from the cells");
}

/// The ward's entry official sees no aggregation card on its own report.
async fn the_ward_sees_no_aggregation_card(c: &AggregatorPage) {
    let AggregatorPage { app, ids, entry, .. } = c;
    // The ward's entry official sees no aggregation card on its own report.
    let ward_cookie = format!("baocao_session={}", entry.token);
    let ward_page = app
        .client
        .get(app.url(&format!("/reports/{}", ids[0])))
        .header("cookie", &ward_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!ward_page.contains("Tổng hợp báo cáo số liệu"));
}

both!(the_aggregator_page_names_included_and_missing_units);

struct National {
    app: TestApp,
    vpcp: Session,
    ids: Vec<i64>,
    national: i64,
    hy: (Session, Session, Session),
    tb: (Session, Session, Session),
}

/// IV.02a (Regime IV, reported by provinces and ministries to the Government
/// Office): each province's rows are localities from the "dia_phuong"
/// catalogue, so each row comes from one province; a ministry never reports;
/// a correction after aggregation outdates the national figures.
async fn iv_02a_aggregates_the_provinces_at_the_government_office(backend: Backend) {
    let app = spawn_app(backend).await;
    let vpcp = app.login("vpcp.tonghop").await;
    let quarter = json!({"type": "quarter", "year": year(), "number": 1});
    let units = [
        app.unit_id("hungyen", "hungyen").await,
        app.unit_id("thaibinh", "thaibinh").await,
        app.unit_id("btp", "btp").await,
    ];
    let ids = assign_form(&app, &vpcp, "TT01-IV", "IV.02a/VPCP/KSTT", quarter.clone(), &units).await;
    let national =
        assign_form(&app, &vpcp, "TT01-IV", "IV.02a/VPCP/KSTT", quarter, &[app.unit_id("vpcp", "vpcp").await]).await[0];
    let hy = (app.login("hy.tonghop").await, app.login("hy.duyet").await, app.login("hy.gui").await);
    let tb = (app.login("tb.tonghop").await, app.login("tb.duyet").await, app.login("tb.gui").await);

    let c = National { app, vpcp, ids, national, hy, tb };
    the_provinces_report_and_are_aggregated(&c).await;
    a_later_correction_marks_the_national_aggregate_outdated(&c).await;
}

/// The provinces report units sending, handling online and in all; the Government Office aggregates them.
async fn the_provinces_report_and_are_aggregated(c: &National) {
    let National { app, vpcp, ids, hy, tb, .. } = c;
    let national = c.national;
    // Units sending, handling online, and in all: (4)–(6), (8)–(10), (12)–(14), with (11) their sum.
    let hy_row: &[(&str, i64)] = &[
        ("c4", 18),
        ("c5", 8),
        ("c6", 100),
        ("c8", 18),
        ("c9", 8),
        ("c10", 90),
        ("c11", 130),
        ("c12", 18),
        ("c13", 8),
        ("c14", 104),
    ];
    let tb_row: &[(&str, i64)] = &[
        ("c4", 20),
        ("c5", 8),
        ("c6", 200),
        ("c8", 20),
        ("c9", 8),
        ("c10", 180),
        ("c11", 269),
        ("c12", 21),
        ("c13", 8),
        ("c14", 240),
    ];
    // A pick must be in the form's catalogue.
    let version = app.get_json(&hy.0, &format!("/api/v1/reports/{}", ids[0])).await["version"].clone();
    let body = json!({"version": version, "rows_added": [{"title": "Tỉnh không có", "catalogue": "atlantis"}]});
    let refused = assert_error(
        put(app, &hy.0, &format!("/api/v1/reports/{}/data", ids[0]), body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    assert!(
        refused["error"]["cells"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"atlantis\" không có trong danh mục dia_phuong"),
        "{refused}"
    );
    fill_rows(app, &hy.0, ids[0], &[("hungyen", "UBND tỉnh Hưng Yên", hy_row)]).await;
    fill_rows(app, &tb.0, ids[1], &[("thaibinh", "UBND tỉnh Thái Bình", tb_row)]).await;
    travel(app, &hy.0, &hy.1, &hy.2, vpcp, ids[0]).await;
    travel(app, &tb.0, &tb.1, &tb.2, vpcp, ids[1]).await;

    let done = app.post(vpcp, &format!("/api/v1/reports/{national}/aggregate"), json!({})).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(names(&done["included"]), ["UBND tỉnh Hưng Yên", "UBND tỉnh Thái Bình"]);
    assert_eq!(names(&done["missing"]), ["Bộ Tư pháp"], "the ministry has not reported");
    let r = &done["report"];
    assert_eq!(cell(r, "k.hungyen", "c6"), json!(100), "a locality only Hưng Yên reported");
    assert_eq!(cell(r, "k.thaibinh", "c6"), json!(200), "a locality only Thái Bình reported");
    assert_eq!(cell(r, "k.thaibinh", "c3"), json!(228), "(3) = (4) + (5) + (6), recomputed by the regime");
    assert_eq!(cell(r, "tong", "c3"), json!(126 + 228));
    assert_eq!(cell(r, "tong", "c11"), json!(130 + 269));
}

/// Thái Bình corrects its communes after the national aggregation.
async fn a_later_correction_marks_the_national_aggregate_outdated(c: &National) {
    let National { app, vpcp, ids, tb, .. } = c;
    let national = c.national;
    // Thái Bình corrects its communes after the national aggregation.
    correct(app, (&tb.0, &tb.1, &tb.2, vpcp), ids[1], &[("r0", "c6", 210)]).await;
    assert_eq!(app.get_json(vpcp, &format!("/api/v1/reports/{national}")).await["aggregate"]["outdated"], true);
    // Until aggregated again, a cell's source shows what was summed, beside what the unit has now.
    let before = app.get_json(vpcp, &format!("/api/v1/reports/{national}/cells/k.thaibinh/c6/sources")).await;
    let line = &before[0];
    assert_ne!(line["version"], line["current_version"], "{before}");
    assert_eq!((line["value"].as_i64(), line["current_value"].as_i64()), (Some(200), Some(210)), "{before}");
    let rerun: Value =
        app.post(vpcp, &format!("/api/v1/reports/{national}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(cell(&rerun["report"], "k.thaibinh", "c3"), json!(238));
    assert_eq!(cell(&rerun["report"], "tong", "c3"), json!(126 + 238));
    assert_eq!(rerun["report"]["aggregate"]["outdated"], false);
    let sources = app.get_json(vpcp, &format!("/api/v1/reports/{national}/cells/k.thaibinh/c6/sources")).await;
    assert_eq!(sources.as_array().unwrap().len(), 1);
    assert_eq!(
        (sources[0]["unit"]["name"].as_str(), sources[0]["value"].as_i64()),
        (Some("UBND tỉnh Thái Bình"), Some(210))
    );
}

/// II.06a (Regime II, rows from the catalogue of procedure fields): wards →
/// Hưng Yên → the Government Office. Two wards share a field, each adds one
/// the other lacks, a commune never reports, and a ward corrects its report
/// after the province aggregated.
async fn ii_06a_catalogue_rows_aggregate_over_two_levels(backend: Backend) {
    let app = spawn_app(backend).await;
    let vpcp = app.login("vpcp.tonghop").await;
    let province = app.login("hy.tonghop").await;
    let quarter = json!({"type": "quarter", "year": year(), "number": 2});
    let (hy, pho_hien, son_nam, tien_lu) = (
        app.unit_id("hungyen", "hungyen").await,
        app.unit_id("hungyen", "phuong-pho-hien").await,
        app.unit_id("hungyen", "phuong-son-nam").await,
        app.unit_id("hungyen", "xa-tien-lu").await,
    );
    let form = "II.06a/VPCP/KSTT";
    let hy_report =
        assign_form(&app, &vpcp, "TT01-II", form, quarter.clone(), &[hy, app.unit_id("thaibinh", "thaibinh").await])
            .await[0];
    let national =
        assign_form(&app, &vpcp, "TT01-II", form, quarter.clone(), &[app.unit_id("vpcp", "vpcp").await]).await[0];
    let wards = assign_form(&app, &province, "TT01-II", form, quarter, &[pho_hien, son_nam, tien_lu]).await;
    let (sn_entry, sn_leader) = son_nam_accounts(&app, &app.login("hy.quantri").await, son_nam).await;
    let ph = (
        app.login("hy.phohien.nhaplieu").await,
        app.login("hy.phohien.duyet").await,
        app.login("hy.phohien.gui").await,
    );

    // Received (4)–(6) = resolved (8)–(10) + pending (12)–(13).
    fill_rows(
        &app,
        &ph.0,
        wards[0],
        &[
            ("tu-phap", "Tư pháp", &[("c4", 10), ("c5", 5), ("c8", 8), ("c9", 4), ("c10", 1), ("c12", 2)]),
            ("y-te", "Y tế", &[("c4", 6), ("c8", 6)]),
        ],
    )
    .await;
    fill_rows(
        &app,
        &sn_entry,
        wards[1],
        &[
            ("tu-phap", "Tư pháp", &[("c4", 4), ("c5", 2), ("c6", 1), ("c8", 3), ("c9", 2), ("c12", 1), ("c13", 1)]),
            ("cong-an", "Công an", &[("c5", 3), ("c9", 3)]),
        ],
    )
    .await;
    travel(&app, &ph.0, &ph.1, &ph.2, &province, wards[0]).await;
    travel(&app, &sn_entry, &sn_leader, &sn_entry, &province, wards[1]).await;

    let done: Value =
        app.post(&province, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(names(&done["missing"]), ["UBND xã Tiên Lữ"]);
    let r = &done["report"];
    assert_eq!(cell(r, "k.tu-phap", "c4"), json!(14), "the shared field adds up");
    assert_eq!(cell(r, "k.tu-phap", "c3"), json!(22), "15 + 7, recomputed");
    assert_eq!(cell(r, "k.y-te", "c4"), json!(6), "a field only Phố Hiến reported");
    assert_eq!(cell(r, "k.cong-an", "c5"), json!(3), "a field only Sơn Nam reported");
    assert_eq!(cell(r, "tong", "c3"), json!(31));

    // Phố Hiến corrects after the province aggregated: outdated, then re-run.
    correct(&app, (&ph.0, &ph.1, &ph.2, &province), wards[0], &[("r1", "c4", 7), ("r1", "c8", 7)]).await;
    assert_eq!(app.get_json(&province, &format!("/api/v1/reports/{hy_report}")).await["aggregate"]["outdated"], true);
    let rerun: Value =
        app.post(&province, &format!("/api/v1/reports/{hy_report}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(cell(&rerun["report"], "k.y-te", "c4"), json!(7));
    assert_eq!(cell(&rerun["report"], "tong", "c3"), json!(32));
    assert_eq!(rerun["report"]["aggregate"]["outdated"], false);

    // The province sends its aggregate; the Government Office aggregates the provinces.
    travel(&app, &province, &app.login("hy.duyet").await, &app.login("hy.gui").await, &vpcp, hy_report).await;
    let top: Value =
        app.post(&vpcp, &format!("/api/v1/reports/{national}/aggregate"), json!({})).await.json().await.unwrap();
    assert_eq!(names(&top["missing"]), ["UBND tỉnh Thái Bình"]);
    assert_eq!(cell(&top["report"], "k.tu-phap", "c4"), json!(14), "catalogue rows stay linked across two levels");
    assert_eq!(cell(&top["report"], "k.cong-an", "c5"), json!(3));
    assert_eq!(cell(&top["report"], "tong", "c3"), json!(32));
}

both!(iv_02a_aggregates_the_provinces_at_the_government_office, ii_06a_catalogue_rows_aggregate_over_two_levels);
