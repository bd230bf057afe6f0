//! Thái Bình's digital-transformation scoring (seed
//! `thai-binh-digital-transformation-scoring.txt`): the commune types its
//! self-assessed scores with decimal commas, offline in Excel or on the page;
//! the appraisal score ("điểm thẩm định") is refused from the commune and
//! entered by the province's appraiser once the report is sent, before it is
//! accepted.

use baocao_tests::{Backend, TestApp, assert_error, both, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::aggregation::{assign_form, step};
use crate::reports::{put, year};
use crate::xlsx::python_file;

/// The commune's scoring goes to the province, whose aggregators appraise it
/// (only the receiving unit checks what it receives), as the demo sets it up.
pub async fn route_scoring_to_the_province(app: &TestApp, commune: i64) {
    let admin = app.login("tb.quantri").await;
    let body = json!({"regime": "TB-CDS-2022", "receiver": app.unit_id("thaibinh", "thaibinh").await});
    let path = format!("/api/v1/units/{commune}/receiver");
    let routed = app.request(&admin, reqwest::Method::PUT, &path).json(&body).send().await.unwrap();
    assert_eq!(routed.status(), StatusCode::NO_CONTENT);
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

/// A score (decimal columns may hold 50 or 50.0 alike).
fn score(report: &Value, row: &str, col: &str) -> Option<f64> {
    cell(report, row, col).as_f64()
}

/// The downloaded workbook with values typed by openpyxl into the rows of the
/// given criteria codes (column B): (code, column letter, Python literal).
fn scored(downloaded: &[u8], edits: &[(&str, &str, &str)]) -> Vec<u8> {
    let edits: Vec<String> =
        edits.iter().map(|(code, col, value)| format!("ws[{col:?} + str(rows[{code:?}])] = {value}")).collect();
    let script = format!(
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[2])\nws = wb.worksheets[0]\n\
         rows = {{str(c.value): c.row for c in ws['B'] if c.value is not None}}\n{}\nwb.save(sys.argv[1])\n",
        edits.join("\n")
    );
    python_file(&script, "xlsx", Some(downloaded))
}

async fn import(app: &TestApp, who: &baocao_tests::Session, id: i64, query: &str, body: Vec<u8>) -> reqwest::Response {
    app.request(who, reqwest::Method::POST, &format!("/api/v1/reports/{id}/xlsx{query}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn messages(response: reqwest::Response, status: StatusCode, code: &str) -> Vec<String> {
    let error = assert_error(response, status, code).await;
    error["error"]["cells"].as_array().unwrap().iter().map(|c| c["message"].as_str().unwrap().to_owned()).collect()
}

async fn download(app: &TestApp, who: &baocao_tests::Session, id: i64) -> Vec<u8> {
    let response = app.get(who, &format!("/api/v1/reports/{id}/xlsx")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

struct Scoring {
    app: TestApp,
    appraiser: baocao_tests::Session,
    id: i64,
    entry: baocao_tests::Session,
    leader: baocao_tests::Session,
    clerk: baocao_tests::Session,
    path: String,
    blank: Vec<u8>,
}

async fn the_commune_scores_itself_and_only_the_appraiser_fills_the_appraisal(backend: Backend) {
    let app = spawn_app(backend).await;
    let appraiser = app.login("tb.tonghop").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    route_scoring_to_the_province(&app, minh_quang).await;
    let year_period = json!({"type": "year", "year": year(), "number": 1});
    let id = assign_form(&app, &appraiser, "TB-CDS-2022", "CDS_CAPXA_2022", year_period, &[minh_quang]).await[0];
    let (entry, leader, clerk) = (
        app.login("tb.minhquang.nhaplieu").await,
        app.login("tb.minhquang.duyet").await,
        app.login("tb.minhquang.gui").await,
    );
    let path = format!("/api/v1/reports/{id}");
    let blank = download(&app, &entry, id).await;

    let c = Scoring { app, appraiser, id, entry, leader, clerk, path, blank };
    the_commune_fills_its_self_assessment_only(&c).await;
    let district = only_the_appraiser_appraises_the_sent_report(&c).await;
    the_appraisal_comes_from_a_workbook_and_closes_on_acceptance(&c, district).await;
}

/// The commune's own workbook and typing fill the self-assessment only; nothing to appraise before sending.
async fn the_commune_fills_its_self_assessment_only(c: &Scoring) {
    let Scoring { app, appraiser, entry, path, blank, .. } = c;
    let id = c.id;
    // The commune's workbook with an appraisal score typed in: refused, naming sheet, row and column; nothing changes.
    let before = app.get_json(entry, path).await;
    let with_appraisal = scored(
        blank,
        &[("1.1", "F", "'8,5'"), ("1.2", "F", "40"), ("1.1", "G", "'Quyết định 12/QĐ-UBND'"), ("1.1", "I", "'9'")],
    );
    let refused = messages(
        import(app, entry, id, "?dry_run=false", with_appraisal).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    assert!(
        refused.iter().any(|m| m.starts_with(
            "Trang tính \"CDS_CAPXA_2022\", dòng 10, cột I: cột (7) \"Điểm thẩm định\" chỉ dành cho nhóm TINH_TONGHOP"
        )),
        "{refused:?}"
    );
    assert_eq!(app.get_json(entry, path).await, before, "a refused import changes nothing");

    // Without it, "8,5" reads as 8.5 and the indices and the total add up their criteria.
    let self_only = scored(
        blank,
        &[("1.1", "F", "'8,5'"), ("1.2", "F", "40"), ("2.1", "F", "'12,25'"), ("1.1", "G", "'Quyết định 12/QĐ-UBND'")],
    );
    let saved: Value = import(app, entry, id, "?dry_run=false", self_only).await.json().await.unwrap();
    assert!(saved["report"].is_object(), "{saved}");
    let r = &saved["report"];
    assert_eq!(
        (score(r, "1.1", "self"), score(r, "1.2", "self"), score(r, "2.1", "self")),
        (Some(8.5), Some(40.0), Some(12.25))
    );
    assert_eq!(score(r, "1", "self"), Some(48.5), "the index sums its criteria");
    assert_eq!(score(r, "tong", "self"), Some(60.75));
    assert_eq!(cell(r, "1.1", "evidence"), json!("Quyết định 12/QĐ-UBND"));
    assert_eq!(score(r, "1.1", "max"), Some(50.0), "the maximum comes from the criteria list");

    // Typed on the page (the API), the appraisal column is refused to the commune too.
    let version = saved["report"]["version"].clone();
    let typed = put(
        app,
        entry,
        &format!("{path}/data"),
        json!({"version": version, "cells": [{"row": "1.1", "col": "appraised", "value": "9"}]}),
    )
    .await;
    let refused = messages(typed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
    assert!(refused[0].contains("chỉ dành cho nhóm TINH_TONGHOP"), "{refused:?}");
    // Before the report is sent there is nothing to appraise.
    let early = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        json!({"version": version, "cells": [{"row": "1.1", "col": "appraised", "value": 7}]}),
    )
    .await;
    assert_error(early, StatusCode::CONFLICT, "not_appraisable").await;
}

/// Sent, the report is appraised by the appraisers' groups only, within each criterion's maximum.
async fn only_the_appraiser_appraises_the_sent_report(c: &Scoring) -> baocao_tests::Session {
    let Scoring { app, appraiser, entry, leader, clerk, path, blank, .. } = c;
    let id = c.id;
    step(app, entry, id, "submit").await;
    step(app, leader, id, "approve").await;
    step(app, clerk, id, "send").await;
    let sent = app.get_json(appraiser, path).await;
    let version = sent["version"].clone();
    let appraisal = |cells: Value| json!({"version": version, "cells": cells});

    // The commune's own import of its sent report is refused as for typing: request a correction first.
    let resent = import(app, entry, id, "?dry_run=false", scored(blank, &[("1.1", "F", "'9'")])).await;
    assert_error(resent, StatusCode::CONFLICT, "not_editable").await;
    // Neither the commune nor a checker outside the appraisers' groups may appraise.
    let district = app.login("tb.vuthu.tonghop").await;
    for who in [entry, &district] {
        let response = put(
            app,
            who,
            &format!("{path}/appraisal"),
            appraisal(json!([{"row": "1.1", "col": "appraised", "value": 7}])),
        )
        .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    the_appraiser_fills_the_reserved_column_within_its_maximum(c, sent).await;
    district
}

/// The appraiser: the reserved column only, within the criterion's maximum.
async fn the_appraiser_fills_the_reserved_column_within_its_maximum(c: &Scoring, sent: Value) {
    let Scoring { app, appraiser, path, .. } = c;
    let version = sent["version"].clone();
    let appraisal = |cells: Value| json!({"version": version, "cells": cells});
    let wrong_column = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        appraisal(json!([{"row": "1.1", "col": "self", "value": 9}])),
    )
    .await;
    assert!(
        messages(wrong_column, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await[0]
            .contains("do đơn vị báo cáo nhập")
    );
    let too_high = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        appraisal(json!([{"row": "1.2", "col": "appraised", "value": 60}])),
    )
    .await;
    assert!(
        messages(too_high, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await[0]
            .contains("nằm ngoài khoảng 0 – 50")
    );
    let rows = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        json!({"version": version, "rows_added": [{"title": "Thêm"}]}),
    )
    .await;
    assert!(
        messages(rows, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await[0]
            .contains("không được thêm hoặc xóa dòng")
    );
    assert_eq!(app.get_json(appraiser, path).await, sent, "refusals change nothing");
    let done = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        appraisal(json!([{"row": "1.1", "col": "appraised", "value": "7,5"}])),
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(
        (done["status"].as_str(), score(&done, "1.1", "appraised"), score(&done, "1.1", "self")),
        (Some("sent"), Some(7.5), Some(8.5))
    );
    let stale = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        appraisal(json!([{"row": "1.2", "col": "appraised", "value": 30}])),
    )
    .await;
    assert_error(stale, StatusCode::CONFLICT, "stale_version").await;
}

/// The appraiser's workbook, the page's open column, and acceptance closing the appraisal.
async fn the_appraisal_comes_from_a_workbook_and_closes_on_acceptance(c: &Scoring, district: baocao_tests::Session) {
    let Scoring { app, appraiser, path, .. } = c;
    let id = c.id;
    // From a workbook: the appraiser's download with scores typed in column I; a changed self-assessment is refused.
    let theirs = download(app, appraiser, id).await;
    let preview = import(app, appraiser, id, "", scored(&theirs, &[("1.2", "I", "'35,5'")])).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: Value = preview.json().await.unwrap();
    let changed: Vec<(&str, &str)> = preview["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["row"].as_str().unwrap(), c["col"].as_str().unwrap()))
        .collect();
    assert!(changed.contains(&("1.2", "appraised")) && changed.contains(&("1", "appraised")), "{changed:?}");
    assert!(changed.iter().all(|(_, col)| *col == "appraised"), "{changed:?}");
    let tampered =
        import(app, appraiser, id, "?dry_run=false", scored(&theirs, &[("1.2", "I", "'35,5'"), ("1.1", "F", "10")]))
            .await;
    let refused = messages(tampered, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
    assert!(
        refused.iter().any(|m| m.starts_with(
            "Trang tính \"CDS_CAPXA_2022\", dòng 10, cột F: cột (4) \"Điểm tự đánh giá\" do đơn vị báo cáo nhập"
        )),
        "{refused:?}"
    );
    let saved = import(app, appraiser, id, "?dry_run=false", scored(&theirs, &[("1.2", "I", "'35,5'")])).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let report = app.get_json(appraiser, path).await;
    assert_eq!((score(&report, "1.2", "appraised"), score(&report, "1", "appraised")), (Some(35.5), Some(43.0)));

    // The page opens the appraisal column to the appraiser only.
    let page = |who: &baocao_tests::Session| {
        let request = app
            .client
            .get(app.url(&format!("/reports/{id}")))
            .header("cookie", format!("baocao_session={}", who.token));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let theirs = page(appraiser).await;
    assert!(
        theirs.contains("Lưu điểm thẩm định")
            && theirs.contains(&format!("data-save-url=\"/api/v1/reports/{id}/appraisal\""))
    );
    assert!(!page(&district).await.contains("Lưu điểm thẩm định"));

    // Accepted: the appraisal is closed; the history records who appraised.
    step(app, appraiser, id, "accept").await;
    let late = put(
        app,
        appraiser,
        &format!("{path}/appraisal"),
        json!({"version": report["version"].as_i64().unwrap() + 1, "cells": []}),
    )
    .await;
    assert_error(late, StatusCode::CONFLICT, "not_appraisable").await;
    let history = app.get_json(appraiser, &format!("{path}/history")).await;
    let appraisals: Vec<&Value> = history.as_array().unwrap().iter().filter(|h| h["action"] == "appraise").collect();
    assert_eq!(appraisals.len(), 2, "one typed, one imported");
    assert!(appraisals.iter().all(|h| h["from"] == "sent" && h["to"] == "sent"));
}

both!(the_commune_scores_itself_and_only_the_appraiser_fills_the_appraisal);
