//! "Tải xuống": a report as .xlsx, read back with calamine (an independent reader).

use std::io::Cursor;

use baocao_tests::{Backend, Session, TestApp, assert_error, both, spawn_app};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;
use serde_json::json;

use crate::aggregation::{assign, fill};

/// Phố Hiến's meetings report, assigned by the province and filled by the ward: (province, ward's entry, report).
pub async fn filled_ward_report(app: &TestApp) -> (Session, Session, i64) {
    let province = app.login("hy.tonghop").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let id = assign(app, &province, &[app.unit_id("hungyen", "phuong-pho-hien").await]).await[0];
    fill(app, &entry, id, &[("phuong-pho-hien", "UBND phường Phố Hiến", 1200, 300)]).await;
    (province, entry, id)
}

async fn a_report_downloads_as_a_workbook_laid_out_like_the_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let (province, entry, id) = filled_ward_report(&app).await;

    let response = app.get(&entry, &format!("/api/v1/reports/{id}/xlsx")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    assert_eq!(sheet, "III.01a-VPCP-KSTT", "a sheet name Excel accepts");
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
        .post(&province, "/api/v1/assignments", json!({"opens_on": crate::reports::OPEN, "regime": "TT01-II", "forms": ["II.01-ĐC"], "period": {"type": "quarter", "year": crate::reports::year(), "number": 3}, "units": [app.unit_id("hungyen", "phuong-pho-hien").await]}))
        .await
        .json()
        .await
        .unwrap();
    let narrative = narrative[0]["report"]["id"].as_i64().unwrap();
    assert_error(
        app.get(&entry, &format!("/api/v1/reports/{narrative}/xlsx")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_numeric",
    )
    .await;
    let other = app.login("tb.tonghop").await;
    assert_eq!(app.get(&other, &format!("/api/v1/reports/{id}/xlsx")).await.status(), StatusCode::NOT_FOUND);
}

both!(a_report_downloads_as_a_workbook_laid_out_like_the_form);

#[derive(Clone)]
pub enum V {
    S(&'static str),
    N(f64),
}

/// A workbook as another program would save it: only the cells given.
pub fn workbook(cells: &[(u32, u16, V)]) -> Vec<u8> {
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
pub fn numbers_row(row: u32) -> Vec<(u32, u16, V)> {
    ["(3)", "(4)", "(5)", "(6)", "(7)", "(8)"]
        .into_iter()
        .enumerate()
        .map(|(j, n)| (row, 4 + j as u16, V::S(n)))
        .collect()
}

pub async fn import_(app: &TestApp, who: &Session, id: i64, query: &str, body: Vec<u8>) -> reqwest::Response {
    app.request(who, reqwest::Method::POST, &format!("/api/v1/reports/{id}/xlsx{query}"))
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(body)
        .send()
        .await
        .unwrap()
}

struct Filled {
    app: TestApp,
    entry: Session,
    id: i64,
    before: serde_json::Value,
}

async fn a_filled_workbook_imports_after_a_preview_and_refusals_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let before = app.get_json(&entry, &format!("/api/v1/reports/{id}")).await;

    let c = Filled { app, entry, id, before };
    the_download_imported_unchanged_changes_nothing(&c).await;
    let (stored, filled) = another_programs_workbook_is_previewed_then_saved(&c).await;
    refusals_name_the_place_and_change_nothing(&c, stored, filled).await;
}

/// The downloaded workbook, imported unchanged, changes nothing.
async fn the_download_imported_unchanged_changes_nothing(c: &Filled) {
    let Filled { app, entry, .. } = c;
    let id = c.id;
    let before = c.before.clone();
    // The downloaded workbook, imported unchanged, changes nothing.
    let exported = app.get(entry, &format!("/api/v1/reports/{id}/xlsx")).await.bytes().await.unwrap().to_vec();
    let same = import_(app, entry, id, "?dry_run=false", exported).await;
    assert_eq!(same.status(), StatusCode::OK);
    let same: serde_json::Value = same.json().await.unwrap();
    assert_eq!(same["changed"].as_array().unwrap().len(), 0, "{same}");
    assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await["version"], before["version"]);
}

/// A workbook from another program, numbers typed the Vietnamese way: previewed, then saved.
async fn another_programs_workbook_is_previewed_then_saved(c: &Filled) -> (serde_json::Value, Vec<u8>) {
    let Filled { app, entry, .. } = c;
    let id = c.id;
    let before = c.before.clone();
    // A workbook from another program, numbers typed the Vietnamese way: previewed, then saved.
    let mut cells = numbers_row(7);
    cells.extend([(8, 1, V::S("r0")), (8, 5, V::S("1.250")), (8, 6, V::N(300.0)), (8, 7, V::S("12,0"))]);
    let filled = workbook(&cells);
    let preview: serde_json::Value = import_(app, entry, id, "", filled.clone()).await.json().await.unwrap();
    assert_eq!(preview["dry_run"], true);
    let changed: Vec<(String, String)> = preview["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["row"].as_str().unwrap().to_owned(), c["col"].as_str().unwrap().to_owned()))
        .collect();
    assert!(
        changed.contains(&("r0".into(), "c4".into()))
            && changed.contains(&("r0".into(), "c3".into()))
            && changed.contains(&("tong".into(), "c3".into())),
        "{changed:?}"
    );
    assert_eq!(
        app.get_json(entry, &format!("/api/v1/reports/{id}")).await["version"],
        before["version"],
        "a preview stores nothing"
    );
    let saved: serde_json::Value =
        import_(app, entry, id, "?dry_run=false", filled.clone()).await.json().await.unwrap();
    let c4 = saved["report"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == "r0" && c["col"] == "c4")
        .unwrap()["value"]
        .clone();
    assert_eq!(c4, json!(1250));
    let stored = app.get_json(entry, &format!("/api/v1/reports/{id}")).await;
    (stored, filled)
}

/// Refusals name the sheet, row and column, and leave the report as it was.
async fn refusals_name_the_place_and_change_nothing(c: &Filled, stored: serde_json::Value, filled: Vec<u8>) {
    let Filled { app, entry, .. } = c;
    let id = c.id;
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
        let response = import_(app, entry, id, "?dry_run=false", body).await;
        let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_cells").await;
        let messages: Vec<&str> =
            error["error"]["cells"].as_array().unwrap().iter().map(|c| c["message"].as_str().unwrap()).collect();
        assert!(messages.iter().any(|m| m.contains(expect)), "{expect}: {messages:?}");
        assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await, stored, "{expect}: nothing changed");
    }
    assert_error(
        import_(app, entry, id, "?code_col=1", filled.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_column",
    )
    .await;
    assert_error(
        import_(app, entry, id, "", vec![0u8; 10 * 1024 * 1024 + 1]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    let clerk = app.login("hy.phohien.gui").await;
    assert_error(import_(app, &clerk, id, "?dry_run=false", filled).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await, stored);
}

both!(a_filled_workbook_imports_after_a_preview_and_refusals_change_nothing);

/// Runs a Python script that writes the file named by its first argument,
/// with openpyxl, xlwt and msoffcrypto-tool from PyPI (`.ci/run` installs them):
/// workbooks as programs other than ours save them.
pub fn python_file(script: &str, extension: &str, input: Option<&[u8]>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("out.{extension}"));
    let given = dir.path().join("in.xlsx");
    if let Some(bytes) = input {
        std::fs::write(&given, bytes).unwrap();
    }
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&out)
        .arg(&given)
        .output()
        .expect("python3 runs (installed by .ci/run)");
    assert!(run.status.success(), "python: {}", String::from_utf8_lossy(&run.stderr));
    std::fs::read(&out).unwrap()
}

/// The downloaded workbook opened and saved again by openpyxl, with typed values: (cell, text or number).
pub fn resaved_by_openpyxl(downloaded: &[u8], edits: &[(&str, &str)]) -> Vec<u8> {
    let edits: Vec<String> = edits.iter().map(|(cell, value)| format!("ws[{cell:?}] = {value}")).collect();
    let script = format!(
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[2])\nws = wb.worksheets[0]\nws.protection.sheet = False\n{}\nwb.save(sys.argv[1])\n",
        edits.join("\n")
    );
    python_file(&script, "xlsx", Some(downloaded))
}

struct Others {
    app: TestApp,
    entry: Session,
    id: i64,
    downloaded: Vec<u8>,
}

async fn workbooks_from_other_programs_import_and_refusals_name_the_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, entry, id) = filled_ward_report(&app).await;
    let downloaded = app.get(&entry, &format!("/api/v1/reports/{id}/xlsx")).await.bytes().await.unwrap().to_vec();

    let c = Others { app, entry, id, downloaded };
    openpyxl_resaves_the_download(&c).await;
    let stored = an_xls_workbook_from_xlwt(&c).await;
    uncoded_rows_and_encrypted_files_are_refused(&c, stored).await;
}

/// openpyxl re-saves the download, the clerk typing "1.250" and a signature under the table.
async fn openpyxl_resaves_the_download(c: &Others) {
    let Others { app, entry, downloaded, .. } = c;
    let id = c.id;
    // openpyxl re-saves the download (its own shared strings, styles and merges), the clerk typing "1.250" and a signature under the table.
    let resaved = resaved_by_openpyxl(
        downloaded,
        &[("F10", "'1.250'"), ("G10", "310"), ("E14", "'Người lập biểu'"), ("C14", "'Nguyễn Văn A'")],
    );
    let saved = import_(app, entry, id, "?dry_run=false", resaved).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: serde_json::Value = saved.json().await.unwrap();
    let value = |col: &str| {
        saved["report"]["cells"].as_array().unwrap().iter().find(|c| c["row"] == "r0" && c["col"] == col).unwrap()["value"].clone()
    };
    assert_eq!(
        (value("c4"), value("c5"), value("c3")),
        (json!(1250), json!(310), json!(1560)),
        "read, then recomputed"
    );
}

/// An .xls (BIFF8) workbook written by xlwt.
async fn an_xls_workbook_from_xlwt(c: &Others) -> serde_json::Value {
    let Others { app, entry, .. } = c;
    let id = c.id;
    // An .xls (BIFF8) workbook written by xlwt.
    let xls = python_file(
        "import sys, xlwt\nb = xlwt.Workbook()\ns = b.add_sheet('Bieu')\n\
         [s.write(7, 4 + j, '(%d)' % (3 + j)) for j in range(6)]\ns.write(8, 1, 'r0')\ns.write(8, 5, 1300)\ns.write(8, 6, '320')\nb.save(sys.argv[1])\n",
        "xls",
        None,
    );
    assert!(xls.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]), "a compound document");
    let saved: serde_json::Value = import_(app, entry, id, "?dry_run=false", xls).await.json().await.unwrap();
    let changed: Vec<(&str, &str, &serde_json::Value)> = saved["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["row"].as_str().unwrap(), c["col"].as_str().unwrap(), &c["after"]))
        .collect();
    assert!(
        changed.contains(&("r0", "c4", &json!(1300))) && changed.contains(&("r0", "c5", &json!(320))),
        "{changed:?}"
    );
    assert!(changed.contains(&("tong", "c3", &json!(1620))), "the totals recomputed: {changed:?}");

    app.get_json(entry, &format!("/api/v1/reports/{id}")).await
}

/// Refused, naming the place, and changing nothing: an uncoded row, an encrypted file.
async fn uncoded_rows_and_encrypted_files_are_refused(c: &Others, stored: serde_json::Value) {
    let Others { app, entry, downloaded, .. } = c;
    let id = c.id;
    // Refused, naming the place, and changing nothing: a row inserted without a code, and an encrypted file.
    let mut inserted = numbers_row(7);
    inserted.extend([
        (8, 1, V::S("r0")),
        (8, 5, V::N(1.0)),
        (9, 2, V::S("Dòng chèn thêm")),
        (9, 5, V::N(5.0)),
        (10, 1, V::S("tong")),
    ]);
    let encrypted = python_file(
        "import sys, io, msoffcrypto.format.ooxml as o\nsrc = open(sys.argv[2], 'rb')\nout = open(sys.argv[1], 'wb')\no.OOXMLFile(src).encrypt('matkhau', out)\nout.close()\n",
        "xlsx",
        Some(downloaded),
    );
    for (body, expect) in [
        (workbook(&inserted), "Trang tính \"Bieu\", dòng 10, cột F: dòng không có mã chỉ tiêu nhưng có số liệu"),
        (encrypted, "đã được đặt mật khẩu"),
    ] {
        let error = assert_error(
            import_(app, entry, id, "?dry_run=false", body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_cells",
        )
        .await;
        let messages: Vec<&str> =
            error["error"]["cells"].as_array().unwrap().iter().map(|c| c["message"].as_str().unwrap()).collect();
        assert!(messages.iter().any(|m| m.contains(expect)), "{expect}: {messages:?}");
        assert_eq!(app.get_json(entry, &format!("/api/v1/reports/{id}")).await, stored, "{expect}: nothing changed");
    }
    // The same uncoded row is a footer when no coded row follows it, unless it holds numbers.
    let mut trailing = numbers_row(7);
    trailing.extend([(8, 1, V::S("r0")), (8, 5, V::N(1300.0)), (9, 1, V::S("tong")), (10, 4, V::N(99.0))]);
    let error = assert_error(
        import_(app, entry, id, "", workbook(&trailing)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cells",
    )
    .await;
    assert!(
        error["error"]["cells"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Trang tính \"Bieu\", dòng 11, cột E: dòng không có mã chỉ tiêu"),
        "{error}"
    );
    let mut footer = trailing.clone();
    footer.pop();
    footer.push((10, 4, V::S("Người lập biểu")));
    assert_eq!(
        import_(app, entry, id, "", workbook(&footer)).await.status(),
        StatusCode::OK,
        "text under the table is a signature block"
    );
}

both!(workbooks_from_other_programs_import_and_refusals_name_the_place);
