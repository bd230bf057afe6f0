//! "Tải xuống": a report as .xlsx, read back with calamine (an independent reader).

use std::io::Cursor;

use baocao_tests::{Backend, assert_error, both, spawn_app};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;
use serde_json::json;

use crate::aggregation::{assign, fill};

async fn a_report_downloads_as_a_workbook_laid_out_like_the_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let id = assign(&app, &province, &[app.unit_id("hungyen", "phuong-pho-hien").await]).await[0];
    fill(&app, &entry, id, &[("phuong-pho-hien", "UBND phường Phố Hiến", 1200, 300)]).await;

    let response = app.get(&entry, &format!("/api/v1/reports/{id}/xlsx")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    assert_eq!(sheet, "III.01a-VPCP-TH", "a sheet name Excel accepts");
    let range = book.worksheet_range(&sheet).unwrap();
    let at = |row: u32, col: u32| range.get_value((row, col)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(0, 0), Data::String("TÌNH HÌNH TỔ CHỨC CÁC CUỘC HỌP".into()));
    assert_eq!(at(1, 0), Data::String("Đơn vị báo cáo: UBND phường Phố Hiến".into()));
    assert!(matches!(at(3, 0), Data::String(ref s) if s.contains("Năm") && s.contains("15/12/")));
    // Headers from row 7 (two levels), the codes in B, the data from E.
    assert_eq!(at(6, 1), Data::String("MÃ CHỈ TIÊU".into()));
    assert_eq!(at(6, 4), Data::String("Số cuộc họp đã tổ chức".into()));
    assert_eq!(at(7, 4), Data::String("Tổng số".into()));
    assert_eq!(at(8, 4), Data::String("(3)".into()), "column numbers under the headers");
    assert_eq!(at(9, 1), Data::String("r0".into()), "the added row's code");
    assert_eq!(at(9, 2), Data::String("UBND phường Phố Hiến".into()));
    assert_eq!(at(9, 4), Data::Float(1500.0), "the computed total of the row");
    assert_eq!(at(9, 5), Data::Float(1200.0));
    assert_eq!(at(9, 8), Data::Float(20.0), "the percentage");
    assert_eq!(at(10, 1), Data::String("tong".into()));
    assert_eq!(at(10, 4), Data::Float(1500.0));
    let merged = book.worksheet_merge_cells(&sheet).unwrap().unwrap();
    let spans: Vec<((u32, u32), (u32, u32))> = merged.iter().map(|d| (d.start, d.end)).collect();
    assert!(spans.contains(&((6, 4), (6, 6))), "the group header spans columns (3)–(5): {spans:?}");
    assert!(spans.contains(&((6, 1), (7, 1))), "the code column's header spans both header rows");

    // A narrative report has no workbook; another province's report is not found.
    let narrative: serde_json::Value = app
        .post(&province, "/api/v1/assignments", json!({"regime": "TT01-II", "forms": ["II.01-ĐC"], "period": {"type": "quarter", "year": crate::reports::year(), "number": 3}, "units": [app.unit_id("hungyen", "phuong-pho-hien").await]}))
        .await
        .json()
        .await
        .unwrap();
    let narrative = narrative[0]["report"]["id"].as_i64().unwrap();
    assert_error(app.get(&entry, &format!("/api/v1/reports/{narrative}/xlsx")).await, StatusCode::UNPROCESSABLE_ENTITY, "not_numeric").await;
    let other = app.login("tb.tonghop").await;
    assert_eq!(app.get(&other, &format!("/api/v1/reports/{id}/xlsx")).await.status(), StatusCode::NOT_FOUND);
}

both!(a_report_downloads_as_a_workbook_laid_out_like_the_form);

enum V {
    S(&'static str),
    N(f64),
}

/// A workbook as another program would save it: only the cells given.
fn workbook(cells: &[(u32, u16, V)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Bieu").unwrap();
    for (row, col, value) in cells {
        match value {
            V::S(s) => sheet.write_string(*row, *col, *s).unwrap(),
            V::N(n) => sheet.write_number(*row, *col, *n).unwrap(),
        };
    }
    book.save_to_buffer().unwrap()
}

/// The numbers row of III.01a: (3) … (8) from column E.
fn numbers_row(row: u32) -> Vec<(u32, u16, V)> {
    ["(3)", "(4)", "(5)", "(6)", "(7)", "(8)"].into_iter().enumerate().map(|(j, n)| (row, 4 + j as u16, V::S(n))).collect()
}

async fn import_(app: &baocao_tests::TestApp, who: &baocao_tests::Session, id: i64, query: &str, body: Vec<u8>) -> reqwest::Response {
    app.request(who, reqwest::Method::POST, &format!("/api/v1/reports/{id}/xlsx{query}"))
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn a_filled_workbook_imports_after_a_preview_and_refusals_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let id = assign(&app, &province, &[app.unit_id("hungyen", "phuong-pho-hien").await]).await[0];
    fill(&app, &entry, id, &[("phuong-pho-hien", "UBND phường Phố Hiến", 1200, 300)]).await;
    let before = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;

    // The downloaded workbook, imported unchanged, changes nothing.
    let exported = app.get(&entry, &format!("/api/v1/reports/{id}/xlsx")).await.bytes().await.unwrap().to_vec();
    let same = import_(&app, &entry, id, "?dry_run=false", exported).await;
    assert_eq!(same.status(), StatusCode::OK);
    let same: serde_json::Value = same.json().await.unwrap();
    assert_eq!(same["changed"].as_array().unwrap().len(), 0, "{same}");
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await["version"], before["version"]);

    // A workbook from another program, numbers typed the Vietnamese way: previewed, then saved.
    let mut cells = numbers_row(7);
    cells.extend([(8, 1, V::S("r0")), (8, 5, V::S("1.250")), (8, 6, V::N(300.0)), (8, 7, V::S("12,0"))]);
    let filled = workbook(&cells);
    let preview: serde_json::Value = import_(&app, &entry, id, "", filled.clone()).await.json().await.unwrap();
    assert_eq!(preview["dry_run"], true);
    let changed: Vec<(String, String)> =
        preview["changed"].as_array().unwrap().iter().map(|c| (c["row"].as_str().unwrap().to_owned(), c["col"].as_str().unwrap().to_owned())).collect();
    assert!(
        changed.contains(&("r0".into(), "c4".into())) && changed.contains(&("r0".into(), "c3".into())) && changed.contains(&("tong".into(), "c3".into())),
        "{changed:?}"
    );
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await["version"], before["version"], "a preview stores nothing");
    let saved: serde_json::Value = import_(&app, &entry, id, "?dry_run=false", filled.clone()).await.json().await.unwrap();
    let c4 = saved["report"]["cells"].as_array().unwrap().iter().find(|c| c["row"] == "r0" && c["col"] == "c4").unwrap()["value"].clone();
    assert_eq!(c4, json!(1250));
    let stored = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;

    // Refusals name the sheet, row and column, and leave the report as it was.
    let mut text = numbers_row(7);
    text.extend([(8, 1, V::S("r0")), (8, 5, V::S("mười hai"))]);
    let mut unknown = numbers_row(7);
    unknown.extend([(8, 1, V::S("r9")), (8, 5, V::N(1.0))]);
    let mut moved = numbers_row(7);
    moved[0] = (7, 4, V::S("(4)"));
    moved.extend([(8, 1, V::S("r0")), (8, 5, V::N(1.0))]);
    let mut fraction = numbers_row(7);
    fraction.extend([(8, 1, V::S("r0")), (8, 5, V::S("8,5"))]);
    for (body, expect) in [
        (workbook(&text), "Trang tính \"Bieu\", dòng 9, cột F"),
        (workbook(&unknown), "mã chỉ tiêu \"r9\" không có trong biểu mẫu"),
        (workbook(&moved), "cấu trúc biểu mẫu đã bị thay đổi"),
        (workbook(&fraction), "phải là số nguyên"),
        (b"PK not a workbook".to_vec(), "không phải sổ tính Excel"),
    ] {
        let response = import_(&app, &entry, id, "?dry_run=false", body).await;
        let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
        let messages: Vec<&str> = error["error"]["cells"].as_array().unwrap().iter().map(|c| c["message"].as_str().unwrap()).collect();
        assert!(messages.iter().any(|m| m.contains(expect)), "{expect}: {messages:?}");
        assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, stored, "{expect}: nothing changed");
    }
    assert_error(import_(&app, &entry, id, "?code_col=1", filled.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_column").await;
    assert_error(import_(&app, &entry, id, "", vec![0u8; 10 * 1024 * 1024 + 1]).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let clerk = app.login("hy.phohien.gui").await;
    assert_error(import_(&app, &clerk, id, "?dry_run=false", filled).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_json(&entry, &format!("/api/v1/reports/{id}")).await, stored);
}

both!(a_filled_workbook_imports_after_a_preview_and_refusals_change_nothing);
