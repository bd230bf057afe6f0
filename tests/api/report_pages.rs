//! The report pages over plain HTTP: assignment through the form, the entry
//! list, the grid (formula cells read-only), workflow buttons that demand the
//! CSRF token, history, print view and notifications.

use baocao_tests::{Backend, both, spawn_app};

use crate::pages::{page, post_form};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Pages {
    app: baocao_tests::TestApp,
    province: baocao_tests::Session,
    entry: baocao_tests::Session,
    ward: i64,
    tien_lu: i64,
    y: i32,
}

async fn report_pages_render_and_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let tien_lu = app.unit_id("hungyen", "xa-tien-lu").await;
    let y = crate::reports::year();

    let c = Pages { app, province, entry, ward, tien_lu, y };
    assignment_through_the_form(&c).await;
    the_entry_list_and_search(&c).await;
    let id = the_grid_shows_what_was_filled(&c).await;
    let leader = the_workflow_through_the_page(&c, id).await;
    history_print_and_notifications(&c, id, leader).await;
    another_province_cannot_open_the_pages(&c, id).await;
}

/// Assignment through the form: two units picked, repeated fields kept.
async fn assignment_through_the_form(c: &Pages) {
    let Pages { app, province, .. } = c;
    let ward = c.ward;
    let tien_lu = c.tien_lu;
    // Assignment through the form: two units picked, repeated fields kept.
    let (status, form) = page(app, province, "/reports/assign?regime=TT01-III").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("III.01a/VPCP/KSTT") && form.contains("UBND phường Phố Hiến"));
    let fields = |csrf: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("regime", "TT01-III".to_owned()),
            ("forms", "III.01a/VPCP/KSTT".to_owned()),
            ("period_type", "year".to_owned()),
            ("year", crate::reports::year().to_string()),
            ("number", "1".to_owned()),
            ("units", ward.to_string()),
            ("units", tien_lu.to_string()),
            ("opens_on", crate::reports::OPEN.to_owned()),
        ]
    };
    assert_eq!(post_form(app, province, "/reports/assign", &fields("forged")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_json(province, "/api/v1/reports").await["total"], 0, "a forged form assigned nothing");
    let done = post_form(app, province, "/reports/assign", &fields(&province.csrf)).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("Đã giao 2 báo cáo mới"));
}

/// The entry list of the ward shows its report with the handbook's columns; search and its filters.
async fn the_entry_list_and_search(c: &Pages) {
    let Pages { app, province, entry, .. } = c;
    let y = c.y;
    // The entry list of the ward shows its report with the handbook's columns.
    let (_, list) = page(app, entry, "/reports").await;
    assert!(
        list.contains("Danh sách nhập liệu")
            && list.contains("III.01a/VPCP/KSTT")
            && list.contains("TÌNH HÌNH TỔ CHỨC CÁC CUỘC HỌP")
    );
    assert!(list.contains(&format!("15/12/{} – 14/12/{y}", y - 1)), "data period in dd/MM/yyyy");
    assert!(list.contains("Mới giao") && !list.contains("UBND xã Tiên Lữ"), "only the ward's own report");
    let (_, search) = page(app, province, "/reports/search?status=new").await;
    assert!(search.contains("UBND xã Tiên Lữ") && search.contains("UBND phường Phố Hiến"));
    let (status, _) = page(app, province, "/reports/search?status=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Fill through the API, then look at the grid.
async fn the_grid_shows_what_was_filled(c: &Pages) -> i64 {
    let Pages { app, entry, .. } = c;
    // Fill through the API, then look at the grid.
    let reports = app.get_json(entry, "/api/v1/reports").await;
    let id = reports["items"][0]["id"].as_i64().unwrap();
    let r = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    let saved = app
        .request(entry, reqwest::Method::PUT, &format!("/api/v1/reports/{id}/data"))
        .json(&json!({"version": r["version"], "rows_added": [{"title": "Phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
                      "cells": [{"row": "x1", "col": "c4", "value": 1200}, {"row": "x1", "col": "c5", "value": 300}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let (_, grid) = page(app, entry, &format!("/reports/{id}")).await;
    assert!(grid.contains("id=\"report-grid\"") && grid.contains("data-editable=\"true\""));
    assert!(grid.contains("value=\"1.500\""), "computed total shown the Vietnamese way");
    assert!(
        grid.contains("data-col=\"c3\" data-type=\"integer\" value=\"1.500\" readonly"),
        "formula cells are read-only: {}",
        &grid[grid.find("data-col=\"c3\"").unwrap_or(0)..][..200.min(grid.len())]
    );
    assert!(grid.contains("Trình lãnh đạo"), "the submit button for data entry");
    assert!(
        grid.contains("Nhập dữ liệu từ Excel") && grid.contains(&format!("/api/v1/reports/{id}/xlsx")),
        "Excel import and download"
    );
    assert!(!grid.contains("value=\"reject\""), "no rejection for data entry");
    id
}

/// Workflow through the page: CSRF demanded, then submitted.
async fn the_workflow_through_the_page(c: &Pages, id: i64) -> baocao_tests::Session {
    let Pages { app, entry, .. } = c;
    // Workflow through the page: CSRF demanded, then submitted.
    let step = |csrf: &str| vec![("csrf_token", csrf.to_owned()), ("action", "submit".to_owned())];
    assert_eq!(
        post_form(app, entry, &format!("/reports/{id}/transition"), &step("forged")).await.status(),
        StatusCode::FORBIDDEN
    );
    let submitted = post_form(app, entry, &format!("/reports/{id}/transition"), &step(&entry.csrf)).await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let (_, after) = page(app, entry, &format!("/reports/{id}?done=submit")).await;
    assert!(after.contains("Chờ lãnh đạo duyệt") && after.contains("data-editable=\"false\""));
    let leader = app.login("hy.phohien.duyet").await;
    let refused = post_form(
        app,
        &leader,
        &format!("/reports/{id}/transition"),
        &[("csrf_token", leader.csrf.clone()), ("action", "reject".to_owned()), ("comment", String::new())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("Cần nhập lý do"));
    leader
}

/// History, print, notifications.
async fn history_print_and_notifications(c: &Pages, id: i64, leader: baocao_tests::Session) {
    let Pages { app, entry, .. } = c;
    let y = c.y;
    // History, print, notifications.
    let (_, history) = page(app, entry, &format!("/reports/{id}/history")).await;
    assert!(
        history.contains("Lịch sử báo cáo")
            && history.contains("Giao báo cáo")
            && history.contains("Lưu số liệu")
            && history.contains("hy.phohien.nhaplieu")
    );
    let (_, print) = page(app, entry, &format!("/reports/{id}/print")).await;
    assert!(
        print.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            && print.contains("1.500")
            && print.contains(&format!("Năm {y}"))
    );
    let (_, bell) = page(app, &leader, "/notifications?state=unread").await;
    assert!(bell.contains("đã được trình lãnh đạo bởi") && bell.contains("1 chưa đọc"));
    let read = post_form(app, &leader, "/notifications/read-all", &[("csrf_token", leader.csrf.clone())]).await;
    assert_eq!(read.status(), StatusCode::SEE_OTHER);
    let unread: Value = app.get_json(&leader, "/api/v1/notifications?state=unread").await;
    assert_eq!(unread["unread"], 0);
}

/// Another province's aggregator cannot open the pages.
async fn another_province_cannot_open_the_pages(c: &Pages, id: i64) {
    let Pages { app, .. } = c;
    // Another province's aggregator cannot open the pages.
    let other = app.login("tb.tonghop").await;
    assert_eq!(page(app, &other, &format!("/reports/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(app, &other, &format!("/reports/{id}/history")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(app, &other, &format!("/reports/{id}/print")).await.0, StatusCode::NOT_FOUND);
}

both!(report_pages_render_and_work);

async fn the_receiving_unit_is_configured_on_the_unit_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("tb.quantri").await;
    let commune = app.unit_id("thaibinh", "xa-minh-quang").await;
    let stp = app.unit_id("thaibinh", "so-tu-phap").await;
    let (_, detail) = page(&app, &admin, &format!("/units/{commune}")).await;
    assert!(
        detail.contains("Cấu hình đơn vị nhận báo cáo") && detail.contains("UBND huyện Vũ Thư"),
        "the current receiver is the parent"
    );
    let form =
        |csrf: &str| vec![("csrf_token", csrf.to_owned()), ("regime", "*".to_owned()), ("receiver", stp.to_string())];
    assert_eq!(
        post_form(&app, &admin, &format!("/units/{commune}/receiver"), &form("forged")).await.status(),
        StatusCode::FORBIDDEN
    );
    let saved = post_form(&app, &admin, &format!("/units/{commune}/receiver"), &form(&admin.csrf)).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, after) = page(&app, &admin, &format!("/units/{commune}")).await;
    let current = &after[after.find("Đơn vị nhận báo cáo hiện tại").unwrap()..];
    assert!(
        current[..300.min(current.len())].contains("Sở Tư pháp tỉnh Thái Bình"),
        "{}",
        &current[..300.min(current.len())]
    );
    // A clerk of the commune sees no such form.
    let clerk = app.login("tb.minhquang.gui").await;
    let (_, theirs) = page(&app, &clerk, &format!("/units/{commune}")).await;
    assert!(!theirs.contains("Cấu hình đơn vị nhận báo cáo"));
}

both!(the_receiving_unit_is_configured_on_the_unit_page);
