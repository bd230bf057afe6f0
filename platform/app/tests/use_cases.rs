//! The use cases of assignment, entry and the workflow, called as the CLI
//! or a background job would call them: an `App` and a `Caller`, no HTTP.
//! Each runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baocao_app::reports::{self, AssignInput, CellInput, DataInput, RowInput, TransitionInput, Writing};
use baocao_app::{App, Caller, Error};
use baocao_domain::content::ReportRow;
use baocao_domain::report::{Period, PeriodKind, Status};
use baocao_tests::{AppOnly, Backend, app_only, both};
use chrono::{Datelike, TimeZone, Utc};
use serde_json::{Value, json};

const REGIME: &str = "TT01-III";
const FORM: &str = "III.01a/VPCP/KSTT";

fn year() -> i32 {
    Utc::now().year() + 1
}

fn meetings(units: Vec<i64>, level: Option<&str>) -> AssignInput {
    AssignInput {
        regime: REGIME.to_owned(),
        forms: vec![FORM.to_owned()],
        period: Period { kind: PeriodKind::Year, year: year(), number: 1 },
        units,
        level: level.map(str::to_owned),
        under: None,
        // Entry is refused before a report's open date; next year's schedule opens later.
        opens_on: Some("01/01/2020".to_owned()),
        closes_on: None,
    }
}

/// The meetings report of the ward Phố Hiến, assigned by the province.
async fn pho_hien_report(world: &AppOnly) -> ReportRow {
    let province = world.caller("hy.tonghop").await;
    let ward = world.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned = reports::assign(&world.app, &province, meetings(vec![ward.0], None)).await.unwrap();
    assigned.into_iter().next().unwrap().0
}

fn cell(row: &str, col: &str, value: Value) -> CellInput {
    CellInput { row: row.to_owned(), col: col.to_owned(), value }
}

fn stored(report: &ReportRow, row: &str, col: &str) -> Value {
    report.cells.iter().find(|c| c.row == row && c.col == col).map(|c| c.value.clone()).unwrap_or(Value::Null)
}

/// A first save: the ward's own row picked from the catalogue, numbers typed the Vietnamese way.
fn first_entry(version: i32) -> DataInput {
    DataInput {
        version,
        cells: vec![cell("x1", "c4", json!("1.200")), cell("x1", "c5", json!(300)), cell("x1", "c6", json!(45))],
        rows_added: vec![RowInput {
            code: None,
            title: "UBND phường Phố Hiến".to_owned(),
            catalogue: Some("phuong-pho-hien".to_owned()),
        }],
        rows_removed: Vec::new(),
    }
}

async fn act(app: &App, who: &Caller, id: i64, action: &str, comment: Option<&str>) -> Result<ReportRow, Error> {
    reports::transition(
        app,
        who,
        id,
        TransitionInput {
            action: action.to_owned(),
            comment: comment.map(str::to_owned),
            forward_to: None,
            signature: None,
        },
    )
    .await
}

fn code_of(error: &Error) -> String {
    error.public().0
}

async fn assignment_makes_one_report_per_unit_once(backend: Backend) {
    let world = app_only(backend).await;
    let province = world.caller("hy.tonghop").await;
    let first = reports::assign(&world.app, &province, meetings(Vec::new(), Some("xa"))).await.unwrap();
    assert_eq!(first.len(), 3, "the province's three wards and communes");
    assert!(first.iter().all(|(r, created)| *created && r.status == Status::New && r.form == FORM));
    assert!(
        first.iter().all(|(r, _)| r.closes_on.to_string() == format!("{}-12-17", year())),
        "the commune-level deadline"
    );
    let again = reports::assign(&world.app, &province, meetings(Vec::new(), Some("xa"))).await.unwrap();
    assert!(again.iter().all(|(_, created)| !created), "assigning twice creates nothing");
    assert_eq!(
        first.iter().map(|(r, _)| r.id).collect::<Vec<_>>(),
        again.iter().map(|(r, _)| r.id).collect::<Vec<_>>()
    );

    let entry = world.caller("hy.phohien.nhaplieu").await;
    let neighbour = world.unit_id("hungyen", "phuong-son-nam").await;
    let refused = reports::assign(&world.app, &entry, meetings(vec![neighbour.0], None)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden(_)), "{refused:?}");
    let quarter = AssignInput {
        period: Period { kind: PeriodKind::Quarter, year: year(), number: 1 },
        ..meetings(Vec::new(), Some("xa"))
    };
    assert_eq!(code_of(&reports::assign(&world.app, &province, quarter).await.unwrap_err()), "period_not_reported");
    let unknown = AssignInput { regime: "KHONG-CO".to_owned(), ..meetings(Vec::new(), Some("xa")) };
    assert!(matches!(reports::assign(&world.app, &province, unknown).await.unwrap_err(), Error::NotFound("regime")));
    let other_province = world.caller("tb.tonghop").await;
    let query = baocao_app::views::ReportQuery { page: 1, per_page: 20, ..Default::default() };
    let listed = reports::list(&world.app, &other_province, &query).await.unwrap();
    assert_eq!(listed.total, 0, "another province sees none of them");
}

async fn entry_recomputes_and_refuses_as_a_whole(backend: Backend) {
    let world = app_only(backend).await;
    let report = pho_hien_report(&world).await;
    let entry = world.caller("hy.phohien.nhaplieu").await;
    let clerk = world.caller("hy.phohien.gui").await;

    let forbidden = reports::save_data(&world.app, &clerk, report.id, first_entry(report.version), Writing::Entry)
        .await
        .unwrap_err();
    assert!(matches!(forbidden, Error::Forbidden(_)), "{forbidden:?}");
    let saved =
        reports::save_data(&world.app, &entry, report.id, first_entry(report.version), Writing::Entry).await.unwrap();
    assert_eq!(saved.status, Status::Draft);
    assert_eq!(stored(&saved, "x1", "c4"), json!(1200), "\"1.200\" is one thousand two hundred");
    assert_eq!(stored(&saved, "x1", "c3"), json!(1500), "(3) = (4) + (5), computed by the regime");
    assert_eq!(stored(&saved, "tong", "c3"), json!(1500), "TỔNG CỘNG");

    // One bad cell among good ones: nothing is stored, the bad one is named.
    let bad = DataInput {
        version: saved.version,
        cells: vec![cell("x1", "c5", json!(10)), cell("x1", "c4", json!("nhiều"))],
        ..first_entry(saved.version)
    };
    let bad = DataInput { rows_added: Vec::new(), ..bad };
    match reports::save_data(&world.app, &entry, report.id, bad, Writing::Entry).await.unwrap_err() {
        Error::InvalidCells(problems) => assert!(
            problems.iter().any(|p| p.row.as_deref() == Some("x1") && p.col.as_deref() == Some("c4")),
            "{problems:?}"
        ),
        other => panic!("expected invalid cells, got {other:?}"),
    }
    let unchanged = reports::get(&world.app, &entry, report.id).await.unwrap();
    assert_eq!(
        (unchanged.version, stored(&unchanged, "x1", "c5")),
        (saved.version, json!(300)),
        "a refused save stores nothing"
    );

    // A writer whose copy is older is told what changed instead of overwriting.
    let stale = DataInput {
        version: report.version,
        cells: vec![cell("x1", "c6", json!(1))],
        rows_added: Vec::new(),
        rows_removed: Vec::new(),
    };
    match reports::save_data(&world.app, &entry, report.id, stale, Writing::Entry).await.unwrap_err() {
        Error::Stale(s) => assert_eq!(s.current_version, saved.version),
        other => panic!("expected a stale version, got {other:?}"),
    }
}

async fn the_workflow_checks_status_role_and_comment(backend: Backend) {
    let world = app_only(backend).await;
    let app = &world.app;
    let report = pho_hien_report(&world).await;
    let (entry, leader, clerk, province) = (
        world.caller("hy.phohien.nhaplieu").await,
        world.caller("hy.phohien.duyet").await,
        world.caller("hy.phohien.gui").await,
        world.caller("hy.tonghop").await,
    );
    let unsaved = act(app, &entry, report.id, "submit", None).await.unwrap_err();
    assert_eq!(code_of(&unsaved), "transition_not_allowed", "a report never saved is not submitted");
    reports::save_data(app, &entry, report.id, first_entry(report.version), Writing::Entry).await.unwrap();

    assert!(matches!(act(app, &leader, report.id, "submit", None).await.unwrap_err(), Error::Forbidden(_)));
    assert_eq!(act(app, &entry, report.id, "submit", None).await.unwrap().status, Status::Submitted);
    let elsewhere = TransitionInput {
        action: "approve".to_owned(),
        comment: None,
        forward_to: Some(province.user.id.0),
        signature: None,
    };
    assert_eq!(code_of(&reports::transition(app, &leader, report.id, elsewhere).await.unwrap_err()), "not_a_sender");
    assert_eq!(act(app, &leader, report.id, "approve", None).await.unwrap().status, Status::UnitApproved);
    assert!(matches!(act(app, &leader, report.id, "send", None).await.unwrap_err(), Error::Forbidden(_)));
    assert_eq!(act(app, &clerk, report.id, "send", None).await.unwrap().status, Status::Sent);

    assert_eq!(code_of(&act(app, &entry, report.id, "submit", None).await.unwrap_err()), "transition_not_allowed");
    assert_eq!(code_of(&act(app, &province, report.id, "reject", None).await.unwrap_err()), "comment_required");
    let rejected = act(app, &province, report.id, "reject", Some("Cột (6) chưa khớp.")).await.unwrap();
    assert_eq!((rejected.status, rejected.last_comment.as_deref()), (Status::Rejected, Some("Cột (6) chưa khớp.")));
    assert_eq!(act(app, &entry, report.id, "submit", None).await.unwrap().status, Status::Submitted);
    act(app, &leader, report.id, "approve", None).await.unwrap();
    act(app, &clerk, report.id, "send", None).await.unwrap();
    assert_eq!(act(app, &province, report.id, "accept", None).await.unwrap().status, Status::Accepted);

    let history = reports::history(app, &entry, report.id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        ["assign", "save", "submit", "approve", "send", "reject", "submit", "approve", "send", "accept"]
    );
}

async fn entry_closes_with_the_day_in_viet_nam(backend: Backend) {
    let world = app_only(backend).await;
    let report = pho_hien_report(&world).await;
    let entry = world.caller("hy.phohien.nhaplieu").await;
    let y = year();
    // The deadline is 17/12: 16:59 UTC is 23:59 in Hà Nội, 17:00 UTC is already the 18th.
    let last_minute = world.at(Utc.with_ymd_and_hms(y, 12, 17, 16, 59, 0).unwrap()).await;
    let saved =
        reports::save_data(&last_minute, &entry, report.id, first_entry(report.version), Writing::Entry).await.unwrap();
    let too_late = world.at(Utc.with_ymd_and_hms(y, 12, 17, 17, 0, 0).unwrap()).await;
    let late = DataInput {
        version: saved.version,
        cells: vec![cell("x1", "c6", json!(1))],
        rows_added: Vec::new(),
        rows_removed: Vec::new(),
    };
    assert_eq!(
        code_of(&reports::save_data(&too_late, &entry, report.id, late, Writing::Entry).await.unwrap_err()),
        "entry_closed"
    );
    assert!(!reports::may_edit(&too_late, &entry, &saved).await, "the page offers no entry either");
}

both!(
    assignment_makes_one_report_per_unit_once,
    entry_recomputes_and_refuses_as_a_whole,
    the_workflow_checks_status_role_and_comment,
    entry_closes_with_the_day_in_viet_nam,
);

/// The entry-opened mails in the outbox, each checked to say the window opened.
async fn announced(app: &App, operator: &Caller) -> usize {
    let page = baocao_app::outbox::list(app, operator, None, 1, 50).await.unwrap();
    let opened: Vec<_> = page.items.into_iter().filter(|m| m.kind == "entry_opened").collect();
    for mail in &opened {
        assert!(mail.body.starts_with("Đã mở nhập liệu báo cáo"), "the opening notice, not a reminder: {}", mail.body);
    }
    opened.len()
}

/// The background work the jobs do, run as the jobs run it, with the clock
/// moved on: a window that opens is announced once, and what expired goes.
async fn opening_windows_are_announced_once_and_expired_codes_removed(backend: Backend) {
    let world = app_only(backend).await;
    let (admin, entry) = pho_hien_with_address(&world).await;
    let today = world.app.today();
    let opens = today + chrono::Duration::days(5);
    let date = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let mut input = meetings(vec![world.unit_id("hungyen", "phuong-pho-hien").await.0], None);
    input.opens_on = Some(date(opens));
    input.closes_on = Some(date(opens + chrono::Duration::days(20)));
    reports::assign(&world.app, &world.caller("hy.tonghop").await, input).await.unwrap();

    let operator = world.caller("admin").await;
    // Before the day nothing is announced; on the day, once, however often the job runs.
    baocao_app::reminders::write_due(&world.app).await.unwrap();
    assert_eq!(announced(&world.app, &operator).await, 0);
    let on_the_day = world.at(Utc.from_utc_datetime(&opens.and_hms_opt(1, 0, 0).unwrap())).await;
    assert!(baocao_app::reminders::write_due(&on_the_day).await.unwrap().opened >= 1);
    baocao_app::reminders::write_due(&on_the_day).await.unwrap();
    assert_eq!(announced(&on_the_day, &operator).await, 1, "one mail, to the official with an address");

    // A reset code is removed once it expired, not before.
    baocao_app::admin::issue_reset_token(&world.app, &admin, entry.user.id).await.unwrap();
    assert_eq!(baocao_app::reminders::remove_expired(&world.app).await.unwrap().reset_codes, 0);
    let later = world.at(Utc::now() + chrono::Duration::days(1)).await;
    assert_eq!(baocao_app::reminders::remove_expired(&later).await.unwrap().reset_codes, 1);
}

/// The Hưng Yên administrator, and the Phố Hiến data-entry official given a mail address.
async fn pho_hien_with_address(world: &AppOnly) -> (Caller, Caller) {
    let admin = world.caller("hy.quantri").await;
    let entry = world.caller("hy.phohien.nhaplieu").await;
    let edit = baocao_app::admin::UserEdit {
        full_name: entry.user.full_name.as_str().to_owned(),
        email: Some("nhaplieu.phohien@hungyen.gov.vn".to_owned()),
        phone: None,
        id_number: None,
        unit_id: None,
    };
    baocao_app::admin::update_user(&world.app, &admin, entry.user.id, edit).await.unwrap();
    (admin, entry)
}

async fn reminders_in_outbox(app: &App, operator: &Caller) -> usize {
    let page = baocao_app::outbox::list(app, operator, None, 1, 50).await.unwrap();
    page.items.iter().filter(|m| m.kind == "deadline_approaching").count()
}

/// A deadline five days off: no reminder under the platform's three days,
/// one once the tenant sets seven; the setting is the tenant administrator's.
async fn a_tenant_sets_its_own_reminder_days(backend: Backend) {
    use baocao_app::tenants::{self, SettingsChange};
    let world = app_only(backend).await;
    let (admin, entry) = pho_hien_with_address(&world).await;
    let today = world.app.today();
    let date = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let mut input = meetings(vec![world.unit_id("hungyen", "phuong-pho-hien").await.0], None);
    input.opens_on = Some(date(today));
    input.closes_on = Some(date(today + chrono::Duration::days(5)));
    reports::assign(&world.app, &world.caller("hy.tonghop").await, input).await.unwrap();
    let operator = world.caller("admin").await;

    baocao_app::reminders::write_due(&world.app).await.unwrap();
    assert_eq!(reminders_in_outbox(&world.app, &operator).await, 0, "5 days off, the platform reminds 3 days ahead");
    let seven = SettingsChange { reminder_days: Some(Some(7)), ..SettingsChange::default() };
    let refused = tenants::change(&world.app, &entry, &seven).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden(_)), "{refused:?}");
    let zero = SettingsChange { reminder_days: Some(Some(0)), ..SettingsChange::default() };
    assert_eq!(code_of(&tenants::change(&world.app, &admin, &zero).await.unwrap_err()), "reminder_days_out_of_range");
    let saved = tenants::change(&world.app, &admin, &seven).await.unwrap();
    assert_eq!(saved.reminder_days, Some(7));
    assert!(!saved.require_identity, "left out, the sign-in rule stays");
    baocao_app::reminders::write_due(&world.app).await.unwrap();
    baocao_app::reminders::write_due(&world.app).await.unwrap();
    assert_eq!(reminders_in_outbox(&world.app, &operator).await, 1, "under the tenant's seven days, once");
}

both!(opening_windows_are_announced_once_and_expired_codes_removed, a_tenant_sets_its_own_reminder_days);
