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
