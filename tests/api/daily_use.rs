//! Daily use at a deadline: the forms people trip on. Filters left at
//! "— Tất cả —", searching by words as people type them, computed cells
//! that cannot be typed into, messages that name rows and write numbers the
//! Vietnamese way, the leader's forward list, compliance that counts only the
//! receiver's rejections, and pages that show words instead of codes.

use baocao_tests::{Backend, TestApp, assert_error, both, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::aggregation::{assign_form, step};
use crate::pages::page;
use crate::reports::{act, put, year};

fn messages(error: &Value) -> Vec<String> {
    error["error"]["cells"].as_array().unwrap().iter().map(|c| c["message"].as_str().unwrap().to_owned()).collect()
}

/// A Thái Bình scoring report of the commune of Minh Quang, with one score entered and submitted.
async fn submitted_scoring(app: &TestApp) -> i64 {
    let province = app.login("tb.tonghop").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let period = json!({"type": "year", "year": year(), "number": 1});
    let id = assign_form(app, &province, "TB-CDS-2022", "CDS_CAPXA_2022", period, &[minh_quang]).await[0];
    let entry = app.login("tb.minhquang.nhaplieu").await;
    let current = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let body = json!({"version": current["version"], "cells": [{"row": "1.1", "col": "self", "value": 30}]});
    assert_eq!(put(app, &entry, &format!("/api/v1/reports/{id}/data"), body).await.status(), StatusCode::OK);
    step(app, &entry, id, "submit").await;
    id
}

/// Two meetings reports in Hưng Yên: the ward of Phố Hiến and the commune of Tiên Lữ.
async fn meetings(app: &TestApp) -> (baocao_tests::Session, Vec<i64>) {
    let province = app.login("hy.tonghop").await;
    let units = [app.unit_id("hungyen", "phuong-pho-hien").await, app.unit_id("hungyen", "xa-tien-lu").await];
    let period = json!({"type": "year", "year": year(), "number": 1});
    let ids = assign_form(app, &province, "TT01-III", "III.01a/VPCP/KSTT", period, &units).await;
    (province, ids)
}

async fn filters_left_empty_mean_no_filter(backend: Backend) {
    let app = spawn_app(backend).await;
    let (province, _) = meetings(&app).await;
    // The API: every empty parameter is "not given".
    let all = app.get_json(&province, "/api/v1/reports?unit=&regime=&form=&period=&status=&kind=&q=&page=").await;
    assert_eq!(all["total"], 2, "{all}");
    let inbox = app.get_json(&province, "/api/v1/notifications?state=&sender=&sender_unit=&from=&to=&page=").await;
    assert!(inbox["items"].is_array(), "{inbox}");
    // The pages a person submits with "— Tất cả —" left as it is.
    for path in [
        "/reports/search?unit=&regime=&period=&status=&q=",
        "/reports?unit=&regime=&period=&status=&q=",
        "/notifications?state=&sender=&sender_unit=&from=&to=",
    ] {
        let (status, html) = page(&app, &province, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(!html.contains("deserialize"), "{path} shows the framework's text");
    }
    // A value that does not parse is refused in words, with the error body, on both.
    let error =
        assert_error(app.get(&province, "/api/v1/reports?unit=abc").await, StatusCode::BAD_REQUEST, "bad_query").await;
    assert!(error["error"]["message"].as_str().unwrap().contains("không hợp lệ"), "{error}");
    let (status, html) = page(&app, &province, "/reports/search?unit=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("không hợp lệ") && !html.contains("invalid digit"), "{html}");
}

async fn an_import_with_blank_rows_finds_them_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, ids) = meetings(&app).await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let workbook = app.get(&entry, &format!("/api/v1/reports/{}/xlsx", ids[0])).await.bytes().await.unwrap();
    // What the page sends when "Từ dòng" and "Đến dòng" are left blank.
    let query = "code_col=&data_col=&from_row=&to_row=&dry_run=true";
    let response = app
        .request(&entry, reqwest::Method::POST, &format!("/api/v1/reports/{}/xlsx?{query}", ids[0]))
        .body(workbook.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["changed"], json!([]), "the downloaded workbook changes nothing");
}

async fn search_finds_words_as_people_type_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let (province, ids) = meetings(&app).await;
    let found = |q: &str| {
        let path = format!("/api/v1/reports?q={}", urlencoding(q));
        let (app, province) = (&app, &province);
        async move {
            let page = app.get_json(province, &path).await;
            let mut ids: Vec<i64> =
                page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
            ids.sort();
            ids
        }
    };
    let both_reports = {
        let mut v = ids.clone();
        v.sort();
        v
    };
    // The form's title, with and without diacritics, in any case.
    for q in ["cuộc họp", "CUỘC HỌP", "cuoc hop", "Tình hình tổ chức"] {
        assert_eq!(found(q).await, both_reports, "{q}");
    }
    // The unit's name.
    for q in ["Tiên Lữ", "TIÊN LỮ", "tien lu"] {
        assert_eq!(found(q).await, vec![ids[1]], "{q}");
    }
    assert_eq!(found("phố hiến").await, vec![ids[0]]);
    // The form's code still finds it; nonsense finds nothing; wildcards are plain text.
    assert_eq!(found("iii.01a").await, both_reports);
    assert_eq!(found("không có báo cáo này").await, Vec::<i64>::new());
    assert_eq!(found("%").await, Vec::<i64>::new());
    // A renamed unit is found by its new name.
    let admin = app.login("admin").await;
    let tien_lu = app.unit_id("hungyen", "xa-tien-lu").await;
    let renamed = app.patch(&admin, &format!("/api/v1/units/{tien_lu}"), json!({"name": "UBND xã Đức Hợp Mới"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(found("duc hop moi").await, vec![ids[1]]);
    assert_eq!(found("tien lu").await, Vec::<i64>::new());
}

/// Query strings for the few words these tests search.
fn urlencoding(q: &str) -> String {
    q.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn computed_cells_are_shown_and_never_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    let appraiser = app.login("tb.tonghop").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let period = json!({"type": "year", "year": year(), "number": 1});
    let id = assign_form(&app, &appraiser, "TB-CDS-2022", "CDS_CAPXA_2022", period, &[minh_quang]).await[0];
    let entry = app.login("tb.minhquang.nhaplieu").await;

    // Before the first save the grid already shows each criterion's maximum, read-only and out of the Tab order.
    let (status, html) = page(&app, &entry, &format!("/reports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let input = |row: &str, col: &str| {
        let at = html.find(&format!("data-row=\"{row}\" data-col=\"{col}\"")).unwrap_or_else(|| panic!("{row}/{col}"));
        let start = html[..at].rfind("<input").unwrap();
        let end = at + html[at..].find('>').unwrap();
        html[start..end].to_owned()
    };
    let max = input("1.1", "max");
    assert!(max.contains("value=\"50\"") && max.contains("readonly") && max.contains("tabindex=\"-1\""), "{max}");
    let own = input("1.1", "self");
    assert!(!own.contains("readonly") && !own.contains("tabindex"), "{own}");

    // Sent through the API, a value for a computed cell is refused, naming the cell; nothing is stored.
    let before = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let path = format!("/api/v1/reports/{id}/data");
    for (row, col, column) in [("1.1", "max", "(3)"), ("tong", "self", "(4)")] {
        let body = json!({"version": before["version"], "cells": [{"row": row, "col": col, "value": 20}, {"row": "1.2", "col": "self", "value": 10}]});
        let error =
            assert_error(put(&app, &entry, &path, body).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
        let cells = error["error"]["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 1, "{error}");
        assert_eq!((cells[0]["row"].as_str(), cells[0]["col"].as_str()), (Some(row), Some(col)));
        assert!(cells[0]["message"].as_str().unwrap().contains(&format!("Cột {column}")), "{error}");
        assert!(cells[0]["message"].as_str().unwrap().contains("tự động"), "{error}");
    }
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, before, "nothing stored");
    // Unchanged values of computed cells (what a client read back) pass; the entered cell is kept.
    let body = json!({"version": before["version"], "cells": [{"row": "1.2", "col": "self", "value": 10}]});
    let saved = put(&app, &entry, &path, body).await;
    assert_eq!(saved.status(), StatusCode::OK);
}

async fn messages_name_rows_and_write_numbers_the_vietnamese_way(backend: Backend) {
    let app = spawn_app(backend).await;
    let vpcp = app.login("vpcp.tonghop").await;
    let quarter = json!({"type": "quarter", "year": year(), "number": 1});
    let hung_yen = app.unit_id("hungyen", "hungyen").await;
    let id = assign_form(&app, &vpcp, "TT01-IV", "IV.02a/VPCP/KSTT", quarter, &[hung_yen]).await[0];
    let entry = app.login("hy.tonghop").await;
    let current = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let cells: Vec<Value> = [("c11", 2400), ("c12", 1000), ("c13", 1000), ("c14", 50)]
        .iter()
        .map(|(col, v)| json!({"row": "r0", "col": col, "value": v}))
        .collect();
    let body = json!({
        "version": current["version"],
        "rows_added": [{"code": "r0", "title": "Tỉnh Hưng Yên", "catalogue": "hungyen"}],
        "cells": cells,
    });
    let error = assert_error(
        put(&app, &entry, &format!("/api/v1/reports/{id}/data"), body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    let said = messages(&error);
    let on_the_row = said.iter().find(|m| m.contains("Tỉnh Hưng Yên")).unwrap_or_else(|| panic!("{said:?}"));
    assert!(on_the_row.contains("2.400 ≠ 2.050"), "{on_the_row}");
    assert!(said.iter().all(|m| !m.contains("\"r0\"")), "no message names the row by its code: {said:?}");
    let english: Vec<&str> =
        error["error"]["cells"].as_array().unwrap().iter().map(|c| c["message_en"].as_str().unwrap()).collect();
    assert!(english.iter().any(|m| m.contains("2,400 ≠ 2,050")), "{english:?}");
}

async fn the_leader_forwards_to_the_clerk_not_the_data_entry_official(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = submitted_scoring(&app).await;
    let leader = app.login("tb.minhquang.duyet").await;
    let (status, html) = page(&app, &leader, &format!("/reports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let select = &html[html.find("name=\"forward_to\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(select.contains("Văn thư UBND xã Minh Quang"), "{select}");
    assert!(!select.contains("Công chức UBND xã Minh Quang"), "the data-entry official is not offered: {select}");
}

async fn compliance_counts_only_the_receivers_rejections(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("tb.tonghop").await;
    let id = submitted_scoring(&app).await;
    let leader = app.login("tb.minhquang.duyet").await;
    // The commune's own leader sends the draft back: an internal return, not a rejection by the receiver.
    let returned = act(&app, &leader, id, "reject", Some("Bổ sung tài liệu kiểm chứng")).await;
    assert_eq!(returned.status(), StatusCode::OK);
    let figures = app.get_json(&province, &format!("/api/v1/compliance?regime=TB-CDS-2022&period={}", year())).await;
    let line = figures["reports"].as_array().unwrap().iter().find(|r| r["report_id"] == id).unwrap().clone();
    assert_eq!(line["rejected"], false, "{line}");
    assert_eq!(figures["summary"]["rejected"], 0, "{figures}");
}

async fn pages_show_words_not_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (province, ids) = meetings(&app).await;
    // History: one status when it did not change, no content hash.
    let (_, history) = page(&app, &province, &format!("/reports/{}/history", ids[0])).await;
    assert!(history.contains("Mới giao") && !history.contains("Mới giao → Mới giao"), "{history}");
    assert!(!history.contains("Mã băm"), "{history}");
    // Unit levels in words, on the unit list and the assignment form.
    let admin = app.login("admin").await;
    let tien_lu = app.unit_id("hungyen", "xa-tien-lu").await;
    let (_, unit) = page(&app, &admin, &format!("/units/{tien_lu}")).await;
    assert!(unit.contains("<td>Xã, phường, đặc khu</td>") && !unit.contains("<td>xa</td>"), "levels in words: {unit}");
    // The error page: words only, never the error's code.
    let (status, missing) = page(&app, &province, "/reports/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!missing.contains("Mã lỗi") && !missing.contains("not_found"), "{missing}");
    // A group granted at a level it is not for: the levels named in Vietnamese words.
    let tb_admin = app.login("tb.quantri").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let users = app.get_json(&tb_admin, "/api/v1/users?q=tb.minhquang.gui").await;
    let clerk = users.as_array().unwrap()[0]["id"].as_i64().unwrap();
    let groups = format!("/api/v1/users/{clerk}/groups");
    let refused = app.post(&tb_admin, &groups, json!({"group": "TINH_DUYET", "unit_id": minh_quang})).await;
    let error = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "group_wrong_level").await;
    let said = error.to_string();
    assert!(said.contains("Tỉnh, thành phố") && !said.contains("cấp tinh"), "{said}");
    // The audit log: actions, subjects and fields in words, no raw JSON.
    let granted = app.post(&tb_admin, &groups, json!({"group": "TINH_XA_NHAPLIEU", "unit_id": minh_quang})).await;
    assert!(granted.status().is_success(), "{}", granted.text().await.unwrap());
    let (_, audit) = page(&app, &tb_admin, "/audit").await;
    assert!(audit.contains("Gán nhóm quyền") && audit.contains("Người dùng: Văn thư UBND xã Minh Quang"), "{audit}");
    assert!(!audit.contains("membership.grant") && !audit.contains("{\"") && !audit.contains("user #"), "{audit}");
    // The bell is drawn, not an emoji; the sign-in page has no inline style.
    let (_, home) = page(&app, &province, "/reports").await;
    assert!(home.contains("<svg") && !home.contains('🔔'));
    let signin = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!signin.contains("style=\""), "the content-security policy forbids inline styles");
}

async fn assignment_offers_what_the_regime_allows_in_tree_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("tb.tonghop").await;
    let (status, html) = page(&app, &province, "/reports/assign?regime=TB-CDS-2022").await;
    assert_eq!(status, StatusCode::OK);
    // No form is ticked for the assigner; every unit can be ticked at once.
    let forms: Vec<&str> = html.split("<input").filter(|i| i.contains("name=\"forms\"")).collect();
    assert!(!forms.is_empty() && forms.iter().all(|i| !i.contains("checked")), "{forms:?}");
    assert!(html.contains("id=\"pick-all-units\""));
    // Units in the tree's order: each district, then its communes.
    let at = |name: &str| html.find(name).unwrap_or_else(|| panic!("{name} not offered"));
    let order = [
        "UBND huyện Vũ Thư",
        "UBND xã Minh Quang",
        "UBND xã Tam Quang",
        "UBND thành phố Thái Bình",
        "UBND phường Lê Hồng Phong",
    ];
    let positions: Vec<usize> = order.iter().map(|n| at(n)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{order:?} at {positions:?}");
    // The meetings regime is not for provincial departments: Hưng Yên's Sở is not offered.
    let hy = app.login("hy.tonghop").await;
    let (_, meetings) = page(&app, &hy, "/reports/assign?regime=TT01-III").await;
    assert!(meetings.contains("UBND phường Phố Hiến") && !meetings.contains("Sở Tư pháp tỉnh Hưng Yên"));
}

async fn a_period_whose_entry_closed_is_not_assigned_silently(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let old = json!({"regime": "TT01-III", "forms": ["III.01a/VPCP/KSTT"], "period": {"type": "year", "year": year() - 3, "number": 1}, "units": [ward]});
    let error = assert_error(
        app.post(&province, "/api/v1/assignments", old.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "entry_already_closed",
    )
    .await;
    let said = error["error"]["message"].as_str().unwrap();
    assert!(said.contains("hết hạn nhập liệu ngày") && said.contains(&format!("/{}", year() - 3)), "{said}");
    assert_eq!(app.get_json(&province, "/api/v1/reports").await["total"], 0, "nothing was created");
    // With new dates the assigner gives, it is assigned.
    let mut renewed = old;
    renewed["closes_on"] = json!(format!("31/12/{}", year()));
    let response = app.post(&province, "/api/v1/assignments", renewed).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn the_receiver_page_shows_what_is_configured(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let (minh_quang, vu_thu, province) = (
        app.unit_id("thaibinh", "xa-minh-quang").await,
        app.unit_id("thaibinh", "huyen-vu-thu").await,
        app.unit_id("thaibinh", "thaibinh").await,
    );
    let body = json!({"regime": "TB-CDS-2022", "receiver": province});
    let saved = app
        .request(&admin, reqwest::Method::PUT, &format!("/api/v1/units/{minh_quang}/receiver"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    let (_, html) = page(&app, &admin, &format!("/units/{minh_quang}")).await;
    // The regime's own receiver is listed, and its choice carries it.
    let table = &html[html.find("<table class=\"receivers\"").expect("the configured receivers are listed")..];
    assert!(table.contains("TB-CDS-2022") && table.contains("UBND tỉnh Thái Bình"), "{table}");
    assert!(
        html.contains(&format!("value=\"TB-CDS-2022\" data-receiver=\"{province}\"")),
        "the choice names its receiver"
    );
    // The unit list preselects the receiver of every other regime (the district), not some other unit.
    let select = &html[html.find("id=\"receiver\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    let chosen: Vec<&str> = select.split("<option").filter(|o| o.contains("selected")).collect();
    assert_eq!(chosen.len(), 1, "{select}");
    assert!(chosen[0].contains(&format!("value=\"{vu_thu}\"")), "{chosen:?}");
}

async fn the_demo_scoring_reaches_an_appraiser(backend: Backend) {
    let app = spawn_app(backend).await;
    baocao_app::demo::assign_reports(&app.state.app).await.unwrap();
    let province = app.unit_id("thaibinh", "thaibinh").await;
    let entry = app.login("tb.minhquang.nhaplieu").await;
    let mine = app.get_json(&entry, "/api/v1/reports?regime=TB-CDS-2022").await;
    let report = mine["items"].as_array().unwrap()[0].clone();
    assert_eq!(report["receiver"]["id"], province, "the commune's scoring goes to the province: {report}");
    let id = report["id"].as_i64().unwrap();
    let path = format!("/api/v1/reports/{id}");
    let body = json!({"version": report["version"], "cells": [{"row": "1.1", "col": "self", "value": 30}]});
    assert_eq!(put(&app, &entry, &format!("{path}/data"), body).await.status(), StatusCode::OK);
    step(&app, &entry, id, "submit").await;
    step(&app, &app.login("tb.minhquang.duyet").await, id, "approve").await;
    step(&app, &app.login("tb.minhquang.gui").await, id, "send").await;
    let appraiser = app.login("tb.tonghop").await;
    let sent = app.get_json(&appraiser, &path).await;
    let appraisal = json!({"version": sent["version"], "cells": [{"row": "1.1", "col": "appraised", "value": 25}]});
    let response = put(&app, &appraiser, &format!("{path}/appraisal"), appraisal).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

/// A meetings report of Phố Hiến for `year`, filled and submitted.
pub(crate) async fn submitted_meetings(app: &TestApp, province: &baocao_tests::Session, year: i32) -> i64 {
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let period = json!({"type": "year", "year": year, "number": 1});
    let id = assign_form(app, province, "TT01-III", "III.01a/VPCP/KSTT", period, &[ward]).await[0];
    let entry = app.login("hy.phohien.nhaplieu").await;
    let current = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    let data = json!({"version": current["version"], "rows_added": [{"title": "Phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
                      "cells": [{"row": "x1", "col": "c4", "value": 5}]});
    assert_eq!(put(app, &entry, &format!("/api/v1/reports/{id}/data"), data).await.status(), StatusCode::OK);
    step(app, &entry, id, "submit").await;
    id
}

async fn queue(app: &TestApp, who: &baocao_tests::Session, name: &str) -> (Value, Vec<i64>) {
    let all = app.get_json(who, "/api/v1/queues").await;
    let summary = all.as_array().unwrap().iter().find(|q| q["name"] == name).unwrap().clone();
    let page = app.get_json(who, &format!("/api/v1/queues/{name}")).await;
    let ids = page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    (summary, ids)
}

async fn each_role_works_from_its_queue_and_in_bulk(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let ids =
        [submitted_meetings(&app, &province, year()).await, submitted_meetings(&app, &province, year() + 1).await];
    let (leader, clerk) = (app.login("hy.phohien.duyet").await, app.login("hy.phohien.gui").await);
    // Every queue is named for everyone; only the caller's own work is allowed and counted.
    let names: Vec<String> = app
        .get_json(&leader, "/api/v1/queues")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["entry", "approval", "sending", "incoming", "aggregation", "corrections"]);
    let (approval, waiting) = queue(&app, &leader, "approval").await;
    assert_eq!((approval["allowed"].clone(), approval["count"].clone(), waiting.len()), (json!(true), json!(2), 2));
    assert_eq!(queue(&app, &leader, "incoming").await.0["allowed"], false);
    for id in ids {
        step(&app, &leader, id, "approve").await;
    }
    // The clerk sends both at once; an unknown report is refused on its own line.
    assert_eq!(queue(&app, &clerk, "sending").await.0["count"], 2);
    let body = json!({"action": "send", "ids": [ids[0], 999_999, ids[1]]});
    let results: Value = app.post(&clerk, "/api/v1/reports/bulk-transitions", body).await.json().await.unwrap();
    let lines: Vec<(i64, bool)> =
        results.as_array().unwrap().iter().map(|r| (r["id"].as_i64().unwrap(), r["ok"].as_bool().unwrap())).collect();
    assert_eq!(lines, [(ids[0], true), (999_999, false), (ids[1], true)], "{results}");
    assert_eq!(results[1]["error"]["code"], "not_found");
    assert_eq!(results[0]["status"], "sent");
    // The province accepts them from its incoming queue, on the page, both at once.
    let (incoming, waiting) = queue(&app, &province, "incoming").await;
    assert_eq!((incoming["count"].clone(), waiting.len()), (json!(2), 2));
    let form: Vec<(&str, String)> = vec![
        ("csrf_token", province.csrf.clone()),
        ("action", "accept".to_owned()),
        ("ids", ids[0].to_string()),
        ("ids", ids[1].to_string()),
    ];
    let done = crate::pages::post_form(&app, &province, "/queues/incoming/bulk", &form).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("2 / 2"));
    for id in ids {
        assert_eq!(app.get_json(&province, &format!("/api/v1/reports/{id}")).await["status"], "accepted");
    }
    assert_eq!(queue(&app, &province, "incoming").await.0["count"], 0);
    // Bad batches and unknown queues are refused clearly.
    let empty = app.post(&clerk, "/api/v1/reports/bulk-transitions", json!({"action": "send", "ids": []})).await;
    assert_error(empty, StatusCode::UNPROCESSABLE_ENTITY, "bad_batch").await;
    assert_error(app.get(&clerk, "/api/v1/queues/khac").await, StatusCode::NOT_FOUND, "not_found").await;
}

async fn overdue_work_is_flagged_and_the_menu_is_the_callers(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let late = crate::reports::assign_meetings(
        &app,
        &province,
        ward,
        json!({"opens_on": "01/01/2021", "closes_on": "15/01/2021"}),
    )
    .await;
    let id = late[0]["report"]["id"].as_i64().unwrap();
    let entry = app.login("hy.phohien.nhaplieu").await;
    let (summary, waiting) = queue(&app, &entry, "entry").await;
    assert_eq!((summary["count"].clone(), summary["overdue"].clone(), waiting), (json!(1), json!(1), vec![id]));
    let page_json = app.get_json(&entry, "/api/v1/queues/entry").await;
    assert!(page_json["items"][0]["overdue_days"].as_i64().unwrap() > 300);
    let (status, html) = page(&app, &entry, "/queues/entry").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Quá hạn") && html.contains("15/01/2021"), "{html}");
    // The compliance page flags the same unsent report.
    let (_, compliance) = page(&app, &province, &format!("/compliance?regime=TT01-III&period={}", year())).await;
    assert!(compliance.contains("class=\"overdue\"") && compliance.contains("Quá hạn"), "{compliance}");
    let (_, english) = page(&app, &entry, "/queues/entry?lang=en").await;
    assert!(
        english.contains("<td>New</td>") && english.contains("<td>Year ") && !english.contains("<td>Năm "),
        "labels in English: {english}"
    );
    // The data-entry official's menu: its work, no assignment and no administration.
    assert!(html.contains("Nhập liệu báo cáo") && !html.contains("Duyệt cấp đơn vị"));
    assert!(!html.contains("href=\"/reports/assign\"") && !html.contains("Quản trị"));
    let admin = app.login("hy.quantri").await;
    let (_, admin_page) = page(&app, &admin, "/units").await;
    assert!(admin_page.contains("Quản trị") && admin_page.contains("href=\"/users\""));
    // The public figures are a link away from the sign-in page.
    let signin = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(signin.contains("href=\"/public/compliance\""));
}

async fn entry_waits_for_the_open_date_and_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let opens = format!("15/12/{}", year());
    let assigned = crate::reports::assign_meetings(
        &app,
        &province,
        ward,
        json!({"opens_on": opens, "closes_on": format!("31/12/{}", year())}),
    )
    .await;
    let id = assigned[0]["report"]["id"].as_i64().unwrap();
    let entry = app.login("hy.phohien.nhaplieu").await;
    let current = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;
    assert!(!current["actions"].as_array().unwrap().contains(&json!("edit")), "not editable before it opens");
    let data = json!({"version": current["version"], "rows_added": [{"title": "Phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
                      "cells": [{"row": "x1", "col": "c4", "value": 5}]});
    let error = assert_error(
        put(&app, &entry, &format!("/api/v1/reports/{id}/data"), data).await,
        StatusCode::CONFLICT,
        "entry_not_open",
    )
    .await;
    assert!(error["error"]["message"].as_str().unwrap().contains(&opens), "{error}");
    assert_eq!(
        app.get_json(&entry, &format!("/api/v1/reports/{id}")).await["version"],
        current["version"],
        "nothing stored"
    );
    // The list and the report say why, instead of a bare "Nhập liệu".
    let (_, list) = page(&app, &entry, "/reports").await;
    assert!(list.contains("Chưa đến kỳ nhập liệu") && list.contains(&opens), "{list}");
    let (_, report) = page(&app, &entry, &format!("/reports/{id}")).await;
    assert!(report.contains("Chưa đến kỳ nhập liệu"), "{report}");
}

async fn only_the_receiving_units_checkers_accept(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = submitted_scoring(&app).await;
    step(&app, &app.login("tb.minhquang.duyet").await, id, "approve").await;
    step(&app, &app.login("tb.minhquang.gui").await, id, "send").await;
    // Sent to the district (the commune's parent); the province reads it but does not check it.
    let (province, district) = (app.login("tb.tonghop").await, app.login("tb.vuthu.tonghop").await);
    let seen = app.get_json(&province, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(seen["receiver"]["name"], "UBND huyện Vũ Thư");
    assert!(!seen["actions"].as_array().unwrap().contains(&json!("accept")), "{seen}");
    assert_eq!(queue(&app, &province, "incoming").await.1, Vec::<i64>::new());
    assert_error(act(&app, &province, id, "accept", None).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(queue(&app, &district, "incoming").await.1, vec![id]);
    step(&app, &district, id, "accept").await;
}

/// A commune's scoring, self-assessed criteria (row, points), sent to the province.
async fn scored_and_sent(
    app: &TestApp, id: i64, entry: &baocao_tests::Session, leader: &baocao_tests::Session, points: &[(&str, f64)],
) {
    let current = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let cells: Vec<Value> = points.iter().map(|(row, p)| json!({"row": row, "col": "self", "value": p})).collect();
    let body = json!({"version": current["version"], "cells": cells});
    assert_eq!(put(app, entry, &format!("/api/v1/reports/{id}/data"), body).await.status(), StatusCode::OK);
    step(app, entry, id, "submit").await;
    step(app, leader, id, "approve").await;
}

/// Minh Quang and Tam Quang (given a data-entry official and a leader)
/// send their scoring to the province.
async fn two_communes_scoring_for_the_province(app: &TestApp) -> (i64, i64) {
    let admin = app.login("tb.quantri").await;
    let (minh_quang, tam_quang) =
        (app.unit_id("thaibinh", "xa-minh-quang").await, app.unit_id("thaibinh", "xa-tam-quang").await);
    for (username, group) in
        [("tb.tamquang.nhaplieu", "TINH_XA_NHAPLIEU"), ("tb.tamquang.duyet", "TINH_DONVI_DUYET_TT01")]
    {
        let body = json!({"unit_id": tam_quang, "username": username, "password": baocao_tests::PASSWORD, "full_name": "Công chức xã Tam Quang", "groups": [group]});
        assert_eq!(app.post(&admin, "/api/v1/users", body).await.status(), StatusCode::CREATED);
    }
    for commune in [minh_quang, tam_quang] {
        crate::appraisal::route_scoring_to_the_province(app, commune).await;
    }
    (minh_quang, tam_quang)
}

async fn scoring_regimes_rank_their_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("tb.tonghop").await;
    let (minh_quang, tam_quang) = two_communes_scoring_for_the_province(&app).await;
    let period = json!({"type": "year", "year": year(), "number": 1});
    let ids = assign_form(&app, &province, "TB-CDS-2022", "CDS_CAPXA_2022", period, &[minh_quang, tam_quang]).await;
    let (mq_entry, mq_leader) = (app.login("tb.minhquang.nhaplieu").await, app.login("tb.minhquang.duyet").await);
    let (tq_entry, tq_leader) = (app.login("tb.tamquang.nhaplieu").await, app.login("tb.tamquang.duyet").await);
    scored_and_sent(&app, ids[0], &mq_entry, &mq_leader, &[("1.1", 30.0), ("1.2", 20.0)]).await;
    step(&app, &app.login("tb.minhquang.gui").await, ids[0], "send").await;
    scored_and_sent(&app, ids[1], &tq_entry, &tq_leader, &[("1.1", 50.0)]).await;
    step(&app, &tq_entry, ids[1], "send").await;
    let url = format!("/api/v1/regimes/TB-CDS-2022/ranking?form=CDS_CAPXA_2022&period={}", year());
    let ranked = |v: &Value| -> Vec<(String, f64, u64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["unit"]["name"].as_str().unwrap().to_owned(),
                    l["total"].as_f64().unwrap(),
                    l["rank"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // A tie shares the rank; the indices carry their points.
    let first = app.get_json(&province, &url).await;
    assert_eq!(
        ranked(&first),
        [("UBND xã Minh Quang".to_owned(), 50.0, 1), ("UBND xã Tam Quang".to_owned(), 50.0, 1)],
        "{first}"
    );
    assert_eq!(first[0]["indices"][0]["points"], 50.0);
    assert_eq!(first[0]["appraised"], false);
    // The province appraises Minh Quang lower: its appraised total now counts.
    let sent = app.get_json(&province, &format!("/api/v1/reports/{}", ids[0])).await;
    let appraisal = json!({"version": sent["version"], "cells": [{"row": "1.1", "col": "appraised", "value": 10}, {"row": "1.2", "col": "appraised", "value": 10}]});
    assert_eq!(
        put(&app, &province, &format!("/api/v1/reports/{}/appraisal", ids[0]), appraisal).await.status(),
        StatusCode::OK
    );
    let second = app.get_json(&province, &url).await;
    assert_eq!(
        ranked(&second),
        [("UBND xã Tam Quang".to_owned(), 50.0, 1), ("UBND xã Minh Quang".to_owned(), 20.0, 2)],
        "{second}"
    );
    // The same ranking as a workbook and on the page.
    let book = app.get(&province, &url.replace("/ranking?", "/ranking.xlsx?")).await;
    assert_eq!(book.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(book.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "Xếp hạng").unwrap();
    let line: Vec<String> = sheet.rows().nth(3).unwrap().iter().map(|d| d.to_string()).collect();
    assert_eq!(&line[..3], ["1", "UBND xã Tam Quang", "50"], "{line:?}");
    let (_, html) =
        page(&app, &province, &format!("/regimes/TB-CDS-2022/ranking?form=CDS_CAPXA_2022&period={}", year())).await;
    assert!(html.contains("UBND xã Tam Quang") && html.contains("Xuất Excel"), "{html}");
    // A form that is not a scoring form is refused in words.
    let meetings =
        app.get(&province, &format!("/api/v1/regimes/TT01-III/ranking?form=III.01a/VPCP/KSTT&period={}", year())).await;
    assert_error(meetings, StatusCode::UNPROCESSABLE_ENTITY, "not_scoring").await;
}

both!(
    scoring_regimes_rank_their_units,
    only_the_receiving_units_checkers_accept,
    entry_waits_for_the_open_date_and_says_so,
    each_role_works_from_its_queue_and_in_bulk,
    overdue_work_is_flagged_and_the_menu_is_the_callers,
    the_receiver_page_shows_what_is_configured,
    the_demo_scoring_reaches_an_appraiser,
    assignment_offers_what_the_regime_allows_in_tree_order,
    a_period_whose_entry_closed_is_not_assigned_silently,
    filters_left_empty_mean_no_filter,
    an_import_with_blank_rows_finds_them_itself,
    search_finds_words_as_people_type_them,
    computed_cells_are_shown_and_never_typed,
    messages_name_rows_and_write_numbers_the_vietnamese_way,
    the_leader_forwards_to_the_clerk_not_the_data_entry_official,
    compliance_counts_only_the_receivers_rejections,
    pages_show_words_not_codes,
);

/// The forms of each assigned report, in the answer's order.
fn assigned_forms(answer: &Value) -> Vec<String> {
    answer.as_array().unwrap().iter().map(|a| a["report"]["form"].as_str().unwrap().to_owned()).collect()
}

async fn regime_ii_forms_reach_the_units_the_handbook_names(backend: Backend) {
    let app = spawn_app(backend).await;
    let quarter = json!({"type": "quarter", "year": year(), "number": 1});
    let every_form = |unit: i64| json!({"opens_on": crate::reports::OPEN, "regime": "TT01-II", "forms": [], "period": quarter, "units": [unit]});
    // A ministry's department, then its central vertical agency (§2.1.b).
    let ministry = app.login("btp.quantri").await;
    let department =
        app.post(&ministry, "/api/v1/assignments", every_form(app.unit_id("btp", "cuc-hotich").await)).await;
    assert_eq!(department.status(), StatusCode::OK);
    let forms = assigned_forms(&department.json().await.unwrap());
    let short: Vec<&str> = forms.iter().map(|f| f.split('/').next().unwrap()).collect();
    assert_eq!(short, ["II.01a", "II.02a", "II.02b", "II.03a", "II.04", "II.07a", "II.08", "II.01-ĐC"]);
    let vertical = app.post(&ministry, "/api/v1/assignments", every_form(app.unit_id("btp", "tc-thads").await)).await;
    assert_eq!(vertical.status(), StatusCode::OK);
    let forms = assigned_forms(&vertical.json().await.unwrap());
    assert_eq!(forms, ["II.02c/VPCP/KSTT", "II.07a/VPCP/KSTT", "II.08/VPCP/KSTT", "II.01-ĐC"]);
    // A commune: the localities' forms only; a ministry's form is refused by name, nothing stored.
    let province = app.login("tb.quantri").await;
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let listed = || app.get_json(&province, "/api/v1/reports?per_page=100");
    let before = listed().await["total"].clone();
    let one = json!({"opens_on": crate::reports::OPEN, "regime": "TT01-II", "forms": ["II.05a/VPCP/KSTT", "II.07a/VPCP/KSTT"], "period": quarter, "units": [minh_quang]});
    let refused = assert_error(
        app.post(&province, "/api/v1/assignments", one).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_not_for_unit",
    )
    .await;
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("II.07a") && message.contains("Cục, Vụ") && !message.contains("cuc_vu"), "{message}");
    assert_eq!(listed().await["total"], before, "nothing assigned");
    let justice = json!({"opens_on": crate::reports::OPEN, "regime": "TT01-II", "forms": ["II.02a/VPCP/KSTT"], "period": quarter, "units": [app.unit_id("thaibinh", "so-tu-phap").await]});
    assert_error(
        app.post(&province, "/api/v1/assignments", justice).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_not_for_unit",
    )
    .await;
    let commune = app.post(&province, "/api/v1/assignments", every_form(minh_quang)).await;
    let forms = assigned_forms(&commune.json().await.unwrap());
    assert_eq!(forms, ["II.05a/VPCP/KSTT", "II.06a/VPCP/KSTT", "II.07b/VPCP/KSTT", "II.01-ĐC"]);
    // The assignment page offers a province neither Bộ Tư pháp's own form nor hides the levels.
    let (status, page) = page(&app, &province, "/reports/assign?regime=TT01-II").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("II.02a/VPCP/KSTT") && page.contains("II.07a/VPCP/KSTT"), "{page}");
    assert!(page.contains("(Bộ, ngành hoặc Cục, Vụ hoặc Ngành dọc Trung ương)"), "each form says who enters it");
}

both!(regime_ii_forms_reach_the_units_the_handbook_names);

async fn a_form_picks_rows_from_the_catalogue_version_in_force(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app.login("admin").await;
    let v2 = json!({"base_version": 1, "items": [{"code": "tu-phap", "name": "Tư pháp"}, {"code": "so-hoa", "name": "Chuyển đổi số"}]});
    assert_eq!(app.post(&operator, "/api/v1/catalogues/linh_vuc_tthc", v2).await.status(), StatusCode::CREATED);
    let province = app.login("hy.tonghop").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let quarter = json!({"type": "quarter", "year": year(), "number": 1});
    let id = assign_form(&app, &province, "TT01-II", "II.06a/VPCP/KSTT", quarter, &[ward]).await[0];
    let entry = app.login("hy.phohien.nhaplieu").await;
    let path = format!("/api/v1/reports/{id}");
    let version = app.get_json(&entry, &path).await["version"].clone();
    let pick =
        |code: &str| json!({"version": version, "rows_added": [{"title": code, "catalogue": code}], "cells": []});
    // "cong-an" was in version 1, not in the version in force.
    let refused = put(&app, &entry, &format!("{path}/data"), pick("cong-an")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text().await.unwrap());
    let picked = put(&app, &entry, &format!("{path}/data"), pick("so-hoa")).await;
    assert_eq!(picked.status(), StatusCode::OK, "{}", picked.text().await.unwrap());
    // The report page offers the rows of the version in force.
    let (status, page) = page(&app, &entry, &format!("/reports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(">Chuyển đổi số<") && !page.contains(">Công an<"), "the catalogue drop-down");
}

both!(a_form_picks_rows_from_the_catalogue_version_in_force);

async fn the_operator_maintains_catalogues_on_their_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app.login("admin").await;
    let (status, list) = page(&app, &operator, "/catalogues").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Lĩnh vực thủ tục hành chính") && list.contains("Tạo danh mục mới"), "{list}");
    let (_, current) = page(&app, &operator, "/catalogues/linh_vuc_tthc").await;
    assert!(current.contains("cong-an | Công an"), "the form holds the version in force, one row per line");
    let form = |csrf: &str, lines: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("title", "Lĩnh vực thủ tục hành chính".to_owned()),
            ("lines", lines.to_owned()),
            ("note", "Sáp nhập bộ, ngành 2025".to_owned()),
            ("base_version", "1".to_owned()),
        ]
    };
    // A forged token, then a line without a separator: refused, what was typed kept, nothing published.
    let forged = crate::pages::post_form(&app, &operator, "/catalogues/linh_vuc_tthc", &form("forged", "a | A")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let typed = "cong-an | Công an\nthiếu dấu tách\nnoi-vu\tNội vụ";
    let bad = crate::pages::post_form(&app, &operator, "/catalogues/linh_vuc_tthc", &form(&operator.csrf, typed)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("Dòng 2: hãy ghi") && bad.contains("thiếu dấu tách"), "the error by line, the text kept");
    assert_eq!(app.get_json(&operator, "/api/v1/catalogues/linh_vuc_tthc").await["version"], 1);
    // Published from the page: a new version in force, the first one still readable.
    let good = crate::pages::post_form(
        &app,
        &operator,
        "/catalogues/linh_vuc_tthc",
        &form(&operator.csrf, "cong-an | Công an\nnoi-vu\tNội vụ"),
    )
    .await;
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    let now = app.get_json(&operator, "/api/v1/catalogues/linh_vuc_tthc").await;
    assert_eq!((now["version"].as_i64(), now["items"].as_array().unwrap().len()), (Some(2), 2));
    let (_, shown) = page(&app, &operator, "/catalogues/linh_vuc_tthc?saved=2").await;
    assert!(
        shown.contains("Đã công bố phiên bản 2.")
            && shown.contains("Sáp nhập bộ, ngành 2025")
            && shown.contains("?version=1")
    );
    // Everyone reads; only the operator sees the publishing form.
    let clerk = app.login("tb.quantri").await;
    let (status, read) = page(&app, &clerk, "/catalogues/linh_vuc_tthc?version=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(read.contains("Giáo dục và Đào tạo") && !read.contains("publish-catalogue"), "version 1, read-only");
}

both!(the_operator_maintains_catalogues_on_their_pages);

/// A report of `form` assigned to `unit` by `assigner`, filled by `entry` with `data` (rows added and
/// cells) and submitted; its status after.
async fn submitted(
    app: &TestApp, (assigner, entry): (&str, &str), (regime, form): (&str, &str), unit: i64, data: Value,
) -> (i64, Value) {
    let period = json!({"type": if regime == "TT01-II" { "quarter" } else { "year" }, "year": year(), "number": 1});
    let id = assign_form(app, &app.login(assigner).await, regime, form, period, &[unit]).await[0];
    let entry = app.login(entry).await;
    let path = format!("/api/v1/reports/{id}");
    let version = app.get_json(&entry, &path).await["version"].clone();
    let data = json!({"version": version, "rows_added": data["rows_added"], "cells": data["cells"]});
    let saved = put(app, &entry, &format!("{path}/data"), data).await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    step(app, &entry, id, "submit").await;
    (id, app.get_json(&entry, &path).await["status"].clone())
}

async fn a_department_without_an_approver_hands_its_report_to_the_sender(backend: Backend) {
    let app = spawn_app(backend).await;
    let department = app.unit_id("btp", "cuc-hotich").await;
    let cell = json!({"rows_added": [{"title": "Tư pháp", "catalogue": "tu-phap"}], "cells": [{"row": "x1", "col": "c3", "value": 2}]});
    let (id, status) =
        submitted(&app, ("btp.quantri", "btp.cuc.nhaplieu"), ("TT01-II", "II.01a/VPCP/KSTT"), department, cell).await;
    assert_eq!(status, "unit_approved", "no leader approves at a department: straight to its sender");
    let sender = app.login("btp.cuc.gui").await;
    let history = app.get_json(&sender, &format!("/api/v1/reports/{id}/history")).await;
    let submit = history.as_array().unwrap().iter().find(|h| h["action"] == "submit").unwrap();
    assert_eq!((submit["from"].as_str(), submit["to"].as_str()), (Some("draft"), Some("unit_approved")));
    assert!(submit["comment"].as_str().unwrap().contains("Không qua bước duyệt cấp đơn vị"), "{submit}");
    let (_, sending) = queue(&app, &sender, "sending").await;
    assert!(sending.contains(&id), "the clerk finds it in the sending queue");
    step(&app, &sender, id, "send").await;
    step(&app, &app.login("btp.tonghop").await, id, "accept").await;
    // The ministry's own level keeps its leader; the rule comes from the groups.
    let levels = app.get_json(&app.login("btp.quantri").await, "/api/v1/regimes/TT01-II/approvals").await;
    let by_level: Vec<(&str, &str)> = levels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["level"].as_str().unwrap(), l["approval"].as_str().unwrap()))
        .collect();
    assert_eq!(by_level, [("bo", "required"), ("cuc_vu", "skipped"), ("nganh_doc_tw", "skipped")]);
}

both!(a_department_without_an_approver_hands_its_report_to_the_sender);

async fn a_tenant_sets_the_approval_of_a_level_per_regime(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let path = "/api/v1/regimes/TB-CDS-2022/approvals";
    let put_rule = |who: &baocao_tests::Session, body: Value| {
        let request = app.request(who, reqwest::Method::PUT, path).json(&body);
        async move { request.send().await.unwrap() }
    };
    // Refused: a clerk, a level with no unit under the regime; nothing changes.
    let before = app.get_json(&admin, path).await;
    let clerk = app.login("tb.minhquang.nhaplieu").await;
    assert_error(
        put_rule(&clerk, json!({"level": "xa", "approval": "skipped"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        put_rule(&admin, json!({"level": "bo", "approval": "skipped"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "level_not_in_chain",
    )
    .await;
    assert_eq!(app.get_json(&admin, path).await, before);
    let commune = before.as_array().unwrap().iter().find(|l| l["level"] == "xa").unwrap().clone();
    assert_eq!(
        (&commune["default"], &commune["rule"], &commune["level_name"]),
        (&json!("required"), &Value::Null, &json!("Xã, phường, đặc khu"))
    );
    // The province lets its communes' scoring skip the leader: that regime only.
    let set = put_rule(&admin, json!({"level": "xa", "approval": "skipped"})).await;
    assert_eq!(set.status(), StatusCode::OK);
    let minh_quang = app.unit_id("thaibinh", "xa-minh-quang").await;
    let scoring = json!({"rows_added": [], "cells": [{"row": "1.1", "col": "self", "value": 30}]});
    let (_, status) = submitted(
        &app,
        ("tb.tonghop", "tb.minhquang.nhaplieu"),
        ("TB-CDS-2022", "CDS_CAPXA_2022"),
        minh_quang,
        scoring,
    )
    .await;
    assert_eq!(status, "unit_approved");
    let meetings = json!({"rows_added": [{"title": "UBND xã Minh Quang", "catalogue": "xa-minh-quang"}], "cells": [{"row": "x1", "col": "c4", "value": 3}]});
    let (_, status) = submitted(
        &app,
        ("tb.tonghop", "tb.minhquang.nhaplieu"),
        ("TT01-III", "III.01a/VPCP/KSTT"),
        minh_quang,
        meetings,
    )
    .await;
    assert_eq!(status, "submitted", "another regime keeps the leader's approval");
    // Back to what the groups give; the audit log says it in words.
    let reset = put_rule(&admin, json!({"level": "xa", "approval": null})).await;
    let reset: Value = reset.json().await.unwrap();
    assert_eq!(reset.as_array().unwrap().iter().find(|l| l["level"] == "xa").unwrap()["approval"], "required");
    let audit = app.get_json(&admin, "/api/v1/audit?per_page=5").await;
    assert!(
        audit.to_string().contains("approval_rule.set") && audit.to_string().contains("Không qua duyệt cấp đơn vị"),
        "{audit}"
    );
    // The page shows each level and lets the administrator set it.
    let (status, page) = page(&app, &admin, "/regimes/TB-CDS-2022/approvals").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Xã, phường, đặc khu") && page.contains("Theo nhóm quyền của cấp (mặc định)"), "{page}");
    let form = [("csrf_token", admin.csrf.clone()), ("level", "xa".to_owned()), ("approval", "skipped".to_owned())];
    let saved = crate::pages::post_form(&app, &admin, "/regimes/TB-CDS-2022/approvals", &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let now = app.get_json(&admin, path).await;
    assert_eq!(now.as_array().unwrap().iter().find(|l| l["level"] == "xa").unwrap()["rule"], "skipped");
}

both!(a_tenant_sets_the_approval_of_a_level_per_regime);
