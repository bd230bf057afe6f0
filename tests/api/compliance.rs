//! The compliance figures against a scenario built by hand: one ward sends on
//! time (after a rejection), one late, one never; the public page shows the
//! provinces' figures and nothing private.

use baocao_tests::{Backend, assert_error, both, spawn_app};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::aggregation::{assign, fill, son_nam_accounts, step, travel};
use crate::reports::{act, year};

struct Deadlines {
    app: baocao_tests::TestApp,
    province: baocao_tests::Session,
    pho_hien: i64,
    tien_lu: i64,
    ph_entry: baocao_tests::Session,
    ph_leader: baocao_tests::Session,
    ph_clerk: baocao_tests::Session,
    sn_entry: baocao_tests::Session,
    sn_leader: baocao_tests::Session,
    ids: Vec<i64>,
    sn: i64,
}

async fn compliance_counts_on_time_late_and_missing(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.login("hy.tonghop").await;
    let hy_admin = app.login("hy.quantri").await;
    let (pho_hien, son_nam, tien_lu) = (
        app.unit_id("hungyen", "phuong-pho-hien").await,
        app.unit_id("hungyen", "phuong-son-nam").await,
        app.unit_id("hungyen", "xa-tien-lu").await,
    );
    let (ph_entry, ph_leader, ph_clerk) = (
        app.login("hy.phohien.nhaplieu").await,
        app.login("hy.phohien.duyet").await,
        app.login("hy.phohien.gui").await,
    );
    let (sn_entry, sn_leader) = son_nam_accounts(&app, &hy_admin, son_nam).await;

    // Phố Hiến and Tiên Lữ with the regime's deadline (December); Sơn Nam's closed long ago.
    let ids = assign(&app, &province, &[pho_hien, tien_lu]).await;
    let body = json!({"regime": "TT01-III", "forms": ["III.01a/VPCP/KSTT"], "period": {"type": "year", "year": year(), "number": 1}, "units": [son_nam],
                      "opens_on": "01/01/2021", "closes_on": "02/01/2021"});
    let sn: Value = app.post(&province, "/api/v1/assignments", body).await.json().await.unwrap();
    let sn = sn[0]["report"]["id"].as_i64().unwrap();

    let c = Deadlines { app, province, pho_hien, tien_lu, ph_entry, ph_leader, ph_clerk, sn_entry, sn_leader, ids, sn };
    one_ward_on_time_one_late_one_missing(&c).await;
    the_figures_count_them(&c).await;
    drill_down_and_filters(&c).await;
    the_dashboard_exports_csv_and_excel(&c).await;
}

/// Phố Hiến sends on time after a rejection; Sơn Nam, reopened, sends late; Tiên Lữ sends nothing.
async fn one_ward_on_time_one_late_one_missing(c: &Deadlines) {
    let Deadlines { app, province, ph_entry, ph_leader, ph_clerk, sn_entry, sn_leader, ids, .. } = c;
    let sn = c.sn;
    // Phố Hiến: rejected once by the province, then on time.
    fill(app, ph_entry, ids[0], &[("phuong-pho-hien", "UBND phường Phố Hiến", 3, 1)]).await;
    step(app, ph_entry, ids[0], "submit").await;
    step(app, ph_leader, ids[0], "approve").await;
    step(app, ph_clerk, ids[0], "send").await;
    assert_eq!(act(app, province, ids[0], "reject", Some("Thiếu số liệu")).await.status(), StatusCode::OK);
    travel(app, ph_entry, ph_leader, ph_clerk, province, ids[0]).await;
    // Sơn Nam: reopened by the province, filled and sent after its deadline.
    step(app, province, sn, "reopen").await;
    fill(app, sn_entry, sn, &[("phuong-son-nam", "UBND phường Sơn Nam", 2, 2)]).await;
    step(app, sn_entry, sn, "submit").await;
    step(app, sn_leader, sn, "approve").await;
    step(app, sn_entry, sn, "send").await;
}

/// The figures count on time, late and missing, per ward and per report.
async fn the_figures_count_them(c: &Deadlines) {
    let Deadlines { app, province, .. } = c;
    let sn = c.sn;
    let figures = app.get_json(province, &format!("/api/v1/compliance?regime=TT01-III&period={}", year())).await;
    let s = &figures["summary"];
    assert_eq!(
        (
            s["assigned"].as_u64(),
            s["on_time"].as_u64(),
            s["late"].as_u64(),
            s["missing"].as_u64(),
            s["rejected"].as_u64(),
            s["corrected"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1), Some(1), Some(0))
    );
    let line = |name: &str| {
        figures["children"].as_array().unwrap().iter().find(|c| c["unit"]["name"] == name).unwrap()["summary"].clone()
    };
    assert_eq!(line("UBND phường Sơn Nam")["late"], 1);
    assert_eq!(line("UBND xã Tiên Lữ")["missing"], 1);
    let report = figures["reports"].as_array().unwrap().iter().find(|r| r["report_id"] == sn).unwrap();
    assert_eq!((report["on_time"].as_bool(), report["deadline"].as_str()), (Some(false), Some("2021-01-02")));
}

/// Drill-down to one ward; another period; another province; a bad filter.
async fn drill_down_and_filters(c: &Deadlines) {
    let Deadlines { app, province, .. } = c;
    let pho_hien = c.pho_hien;
    let tien_lu = c.tien_lu;
    // Drill-down to one ward; another period; another province; a bad filter.
    let one = app.get_json(province, &format!("/api/v1/compliance?unit={tien_lu}")).await;
    assert_eq!((one["summary"]["assigned"].as_u64(), one["summary"]["missing"].as_u64()), (Some(1), Some(1)));
    assert_eq!(
        app.get_json(province, &format!("/api/v1/compliance?period={}", year() + 1)).await["summary"]["assigned"],
        0
    );
    let other = app.login("tb.tonghop").await;
    assert_eq!(
        app.get_json(&other, "/api/v1/compliance").await["summary"]["assigned"],
        0,
        "another province sees nothing of Hưng Yên"
    );
    assert_eq!(app.get(&other, &format!("/api/v1/compliance?unit={pho_hien}")).await.status(), StatusCode::NOT_FOUND);
    assert_error(
        app.get(province, "/api/v1/compliance?period=2026-Q7").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_filter",
    )
    .await;
}

/// The dashboard page, sorted, with its chart, CSV and Excel.
async fn the_dashboard_exports_csv_and_excel(c: &Deadlines) {
    let Deadlines { app, province, .. } = c;
    // The dashboard page, sorted, with its chart and CSV.
    let cookie = format!("baocao_session={}", province.token);
    let page = app
        .client
        .get(app.url("/compliance?sort=missing"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<svg") && page.contains("Thống kê tình hình gửi báo cáo") && page.contains("id=\"late\">1<")
    );
    let first_row = &page[page.find("<tbody>").unwrap()..];
    assert!(
        first_row.find("UBND xã Tiên Lữ").unwrap() < first_row.find("UBND phường Sơn Nam").unwrap(),
        "sorted by missing first"
    );
    let csv = app.client.get(app.url("/compliance.csv")).header("cookie", &cookie).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains("\"UBND phường Sơn Nam\",\"III.01a/VPCP/KSTT\",\"02/01/2021\"")
            && csv.contains("Trễ hạn")
            && csv.contains("Chưa gửi")
    );

    // And as Excel: the counts per ward with the total, and every report.
    let xlsx = app
        .client
        .get(app.url(&format!("/compliance.xlsx?regime=TT01-III&period={}", year())))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Tổng hợp", "Chi tiết"]);
    let summary = book.worksheet_range("Tổng hợp").unwrap();
    let rows: Vec<Vec<String>> = summary.rows().map(|r| r.iter().map(|d| d.to_string()).collect()).collect();
    assert!(rows[0][0].contains("UBND tỉnh Hưng Yên") && rows[0][0].contains("kỳ"), "{:?}", rows[0]);
    let son_nam_line = rows.iter().find(|r| r[0] == "UBND phường Sơn Nam").unwrap();
    assert_eq!(son_nam_line[1..5], ["1", "0", "1", "0"], "assigned, on time, late, missing");
    let total = rows.last().unwrap();
    assert!(total[0].starts_with("Tổng cộng"));
    assert_eq!(total[1..7], ["3", "1", "1", "1", "1", "0"]);
    let detail = book.worksheet_range("Chi tiết").unwrap();
    assert_eq!(detail.height(), 4, "a header and three reports");
    assert!(detail.rows().any(|r| r[0] == Data::String("UBND phường Sơn Nam".into())
        && r[2] == Data::String("02/01/2021".into())
        && r[4] == Data::String("Trễ hạn".into())));
}

async fn the_public_page_shows_provinces_and_nothing_private(backend: Backend) {
    let app = spawn_app(backend).await;
    let vpcp = app.login("vpcp.tonghop").await;
    let ids =
        assign(&app, &vpcp, &[app.unit_id("hungyen", "hungyen").await, app.unit_id("thaibinh", "thaibinh").await])
            .await;
    let (entry, leader, clerk) =
        (app.login("hy.tonghop").await, app.login("hy.duyet").await, app.login("hy.gui").await);
    fill(&app, &entry, ids[0], &[("so-tu-phap", "Sở Tư pháp tỉnh Hưng Yên", 1, 1)]).await;
    step(&app, &entry, ids[0], "submit").await;
    step(&app, &leader, ids[0], "approve").await;
    step(&app, &clerk, ids[0], "send").await;
    // No sign-in.
    let page = app.client.get(app.url(&format!("/public/compliance?period={}", year()))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Hưng Yên") && page.contains("Thái Bình") && page.contains("100%") && page.contains("<svg"));
    let hy = &page[page.find("<tbody>").unwrap()..];
    assert!(hy.find("Hưng Yên").unwrap() < hy.find("Thái Bình").unwrap(), "the best on-time share first");
    for private in ["III.01a", "hy.tonghop", "Sở Tư pháp", "/reports/", "Văn thư"] {
        assert!(!page.contains(private), "the public page shows {private}");
    }
}

both!(compliance_counts_on_time_late_and_missing, the_public_page_shows_provinces_and_nothing_private);
