//! E-mail through a real SMTP server (aiosmtpd, started by the test): the
//! assignment mail, a server that is down, and two instances that deliver
//! each mail once between them.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use baocao_tests::{
    Backend, Session, TestApp, both, fresh_database, redis_url, spawn_app_with, start, test_settings, unique,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// The SMTP server: each accepted message becomes a JSON file in `dir`.
struct SmtpSink {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpSink {
    fn at(port: u16) -> Self {
        SmtpSink { child: None, dir: std::env::temp_dir().join(unique("baocao-mail")), port }
    }

    async fn start(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .args([script, "--port", &self.port.to_string(), "--dir"])
            .arg(&self.dir)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with aiosmtpd (installed by .ci/run)");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        assert_eq!(ready.unwrap().unwrap().as_deref(), Some("ready"), "the SMTP server started");
        self.child = Some(child);
    }

    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }

    fn mails(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut files: Vec<PathBuf> =
            entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        files.sort();
        files.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }

    /// Waits until `n` mails arrived (or a while passed), then a little more
    /// so that a duplicate would show.
    async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..100 {
            if self.mails().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        self.mails()
    }
}

fn mail_settings(port: u16) -> impl FnOnce(&mut baocao_config::Settings) {
    move |s| {
        s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail.public_url = "https://baocao.example.gov.vn".to_owned();
        s.jobs.enabled = true;
        s.jobs.outbox_seconds = 1;
        s.mail.retry_seconds = 1;
    }
}

/// Gives the Phố Hiến data-entry official an address, then assigns a meetings report to the ward.
async fn assign_to_pho_hien(app: &TestApp) -> (Session, i64) {
    let admin = app.login("hy.quantri").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let path = format!("/api/v1/users/{}", entry.user_id());
    let full_name = app.get_json(&admin, &path).await["full_name"].clone();
    let set =
        app.patch(&admin, &path, json!({"full_name": full_name, "email": "nhaplieu.phohien@hungyen.gov.vn"})).await;
    assert_eq!(set.status(), StatusCode::OK, "{}", set.text().await.unwrap());
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let assigned = crate::reports::assign_meetings(app, &app.login("hy.tonghop").await, ward, json!({})).await;
    (entry, assigned[0]["report"]["id"].as_i64().unwrap())
}

async fn the_assignment_mail_reaches_the_official_in_vietnamese(backend: Backend) {
    let mut smtp = SmtpSink::at(free_port());
    smtp.start().await;
    let app = spawn_app_with(backend, mail_settings(smtp.port)).await;
    let (_, id) = assign_to_pho_hien(&app).await;
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1, "one mail: {mails:?}");
    let mail = &mails[0];
    assert_eq!(mail["envelope_to"], json!(["nhaplieu.phohien@hungyen.gov.vn"]));
    assert_eq!(mail["subject"], "[Hệ thống báo cáo] Báo cáo mới được giao");
    assert_eq!(mail["content_type"], "text/plain");
    let message_id = mail["message_id"].as_str().unwrap();
    assert!(
        message_id.starts_with("<baocao-outbox-") && message_id.ends_with(">"),
        "one id per outbox row: {message_id}"
    );
    let body = mail["body"].as_str().unwrap();
    assert!(
        body.contains("đã được giao") && body.contains(&format!("https://baocao.example.gov.vn/reports/{id}")),
        "{body}"
    );
    // The operator sees it sent; nobody else sees the outbox.
    let operator = app.login("admin").await;
    let sent = app.get_json(&operator, "/api/v1/outbox?state=sent").await;
    assert_eq!(sent["total"], 1);
    assert_eq!(sent["items"][0]["kind"], "assigned");
    let jobs = app.get_json(&operator, "/api/v1/jobs").await;
    assert!(jobs.as_array().unwrap().iter().any(|j| j["name"] == "outbox" && j["runs"].as_i64().unwrap() >= 1));
    let clerk = app.login("hy.phohien.nhaplieu").await;
    assert_eq!(app.get(&clerk, "/api/v1/outbox").await.status(), StatusCode::FORBIDDEN);
    smtp.stop().await;
}

both!(the_assignment_mail_reaches_the_official_in_vietnamese);

async fn a_mail_server_that_is_down_loses_nothing(backend: Backend) {
    let mut smtp = SmtpSink::at(free_port());
    let app = spawn_app_with(backend, mail_settings(smtp.port)).await;
    assign_to_pho_hien(&app).await;
    let operator = app.login("admin").await;
    // Tried, refused by nobody listening, kept for later with the reason.
    let mut waiting = Value::Null;
    for _ in 0..50 {
        waiting = app.get_json(&operator, "/api/v1/outbox?state=pending").await;
        if waiting["items"][0]["attempts"].as_i64().unwrap_or(0) >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(waiting["total"], 1, "{waiting}");
    assert!(waiting["items"][0]["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{waiting}");
    // The server comes back: the mail arrives, once.
    smtp.start().await;
    let mut mails = Vec::new();
    for _ in 0..120 {
        mails = smtp.mails();
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mails = if mails.is_empty() { mails } else { smtp.wait_for(1).await };
    assert_eq!(mails.len(), 1, "delivered once when the server is back");
    assert_eq!(app.get_json(&operator, "/api/v1/outbox?state=sent").await["total"], 1);
    smtp.stop().await;
}

both!(a_mail_server_that_is_down_loses_nothing);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_deliver_each_mail_once() {
    let mut smtp = SmtpSink::at(free_port());
    smtp.start().await;
    let (url, _db) = fresh_database(Backend::Postgres).await;
    let mut settings = test_settings(&url);
    settings.redis.url = Some(redis_url());
    settings.redis.prefix = format!("{}:", unique("baocao_test"));
    mail_settings(smtp.port)(&mut settings);
    settings.jobs.reminder_seconds = 1;
    let a = start(settings.clone(), true).await;
    let _b = start(settings, false).await;
    // Two assignments (one already overdue), two instances running the jobs
    // every second: each mail once — two assignments and one overdue notice.
    assign_to_pho_hien(&a).await;
    assign_closing(&a, crate::reports::year() - 2, -3).await;
    let mails = smtp.wait_for(3).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = if smtp.mails().len() > mails.len() { smtp.mails() } else { mails };
    let subjects: Vec<&str> = mails.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    let count = |s: &str| subjects.iter().filter(|x| x.ends_with(s)).count();
    assert_eq!(
        (count("Báo cáo mới được giao"), count("Báo cáo quá hạn")),
        (2, 1),
        "once between the two instances: {subjects:?}"
    );
    smtp.stop().await;
}

/// On PostgreSQL without Redis, a job's lease is an advisory lock: held by
/// one holder at a time, free again once released.
#[tokio::test]
async fn a_postgres_lease_is_held_by_one_instance_at_a_time() {
    use baocao_jobs::{Lease, PostgresLease};
    let app = baocao_tests::spawn_app(Backend::Postgres).await;
    let (one, two) = (PostgresLease::new(app.state.app.clone()), PostgresLease::new(app.state.app.clone()));
    let ttl = Duration::from_secs(60);
    let held = one.acquire("outbox", ttl).await.unwrap().expect("the first holder gets it");
    assert!(two.acquire("outbox", ttl).await.unwrap().is_none(), "nobody else while it is held");
    assert!(two.acquire("reminders", ttl).await.unwrap().is_some(), "another job's lease is another lock");
    held.release().await;
    assert!(two.acquire("outbox", ttl).await.unwrap().is_some(), "free once released");
}

/// The link in a mail, as the sink decoded it.
fn link_in(mail: &Value) -> String {
    let body = mail["body"].as_str().unwrap();
    body.split_whitespace().find(|w| w.starts_with("https://")).unwrap().to_owned()
}

async fn a_forgotten_password_is_reset_from_the_mailed_link_once(backend: Backend) {
    let mut smtp = SmtpSink::at(free_port());
    smtp.start().await;
    let app = spawn_app_with(backend, mail_settings(smtp.port)).await;
    let admin = app.login("hy.quantri").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let path = format!("/api/v1/users/{}", entry.user_id());
    let full_name = app.get_json(&admin, &path).await["full_name"].clone();
    let address = "Nhaplieu.PhoHien@hungyen.gov.vn";
    assert_eq!(
        app.patch(&admin, &path, json!({"full_name": full_name, "email": address})).await.status(),
        StatusCode::OK
    );
    let ask = |body: Value, what: &'static str| {
        let request = app.client.post(app.url(&format!("/api/v1/auth/{what}"))).json(&body);
        async move { request.send().await.unwrap().status() }
    };
    // The same answer for an account that does not exist; only the real one gets mail.
    assert_eq!(ask(json!({"username": "khong.co.ai"}), "forgot-password").await, StatusCode::ACCEPTED);
    assert_eq!(ask(json!({"email": "nhaplieu.phohien@HUNGYEN.gov.vn"}), "forgot-password").await, StatusCode::ACCEPTED);
    assert_eq!(ask(json!({"email": "nhaplieu.phohien@hungyen.gov.vn"}), "forgot-username").await, StatusCode::ACCEPTED);
    assert_eq!(ask(json!({}), "forgot-password").await, StatusCode::UNPROCESSABLE_ENTITY);
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let reset = mails.iter().find(|m| m["subject"] == "[Hệ thống báo cáo] Đặt lại mật khẩu").expect("the reset mail");
    let name =
        mails.iter().find(|m| m["subject"] == "[Hệ thống báo cáo] Tên đăng nhập của bạn").expect("the user-name mail");
    assert!(name["body"].as_str().unwrap().contains("hy.phohien.nhaplieu"));
    assert_eq!(reset["envelope_to"], json!([address.to_lowercase()]), "to the address on the account");
    // The code is in the mail only: the outbox keeps no copy of it.
    let link = link_in(reset);
    assert!(link.contains("/forgot-password#token="), "the code rides in the fragment, which no server logs: {link}");
    let token = link.split("#token=").nth(1).unwrap().to_owned();
    let operator = app.login("admin").await;
    let outbox = app.get_json(&operator, "/api/v1/outbox?per_page=50").await.to_string();
    assert!(!outbox.contains(&token), "the code is not stored in the clear");
    // The code works once (the browser test fills the form from the link).
    let reset_with = |password: &str| {
        let request =
            app.client.post(app.url("/api/v1/auth/reset")).json(&json!({"token": token, "new_password": password}));
        async move { request.send().await.unwrap() }
    };
    assert_eq!(reset_with("Mat#Khau2026moi").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.try_login("hy.phohien.nhaplieu", "Mat#Khau2026moi").await.status(), StatusCode::OK);
    baocao_tests::assert_error(
        reset_with("Mat#Khau2026khac").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_reset_token",
    )
    .await;
    smtp.stop().await;
}

both!(a_forgotten_password_is_reset_from_the_mailed_link_once);

/// Assigns Phố Hiến's meetings report of `year` whose entry closes `closes_in` days from today.
async fn assign_closing(app: &TestApp, year: i32, closes_in: i64) -> i64 {
    let today = app.state.app.today();
    let date = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let closes = today + chrono::Duration::days(closes_in);
    let body = json!({"regime": "TT01-III", "forms": ["III.01a/VPCP/KSTT"], "period": {"type": "year", "year": year, "number": 1},
        "units": [app.unit_id("hungyen", "phuong-pho-hien").await], "opens_on": date(closes - chrono::Duration::days(30)), "closes_on": date(closes)});
    let response = app.post(&app.login("hy.tonghop").await, "/api/v1/assignments", body).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    response.json::<Value>().await.unwrap()[0]["report"]["id"].as_i64().unwrap()
}

async fn deadlines_send_one_reminder_and_one_overdue_notice(backend: Backend) {
    let mut smtp = SmtpSink::at(free_port());
    smtp.start().await;
    let app = spawn_app_with(backend, |s| {
        mail_settings(smtp.port)(s);
        s.jobs.reminder_seconds = 1;
        s.jobs.reminder_days = 3;
    })
    .await;
    assign_to_pho_hien(&app).await;
    let year = crate::reports::year();
    let soon = assign_closing(&app, year - 1, 2).await;
    let late = assign_closing(&app, year - 2, -3).await;
    // Three assignments, one reminder, one overdue notice; the job runs every second, each goes once.
    let mails = smtp.wait_for(5).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mails = if smtp.mails().len() > mails.len() { smtp.mails() } else { mails };
    let subjects: Vec<&str> = mails.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    let count = |s: &str| subjects.iter().filter(|x| x.ends_with(s)).count();
    assert_eq!(
        (count("Báo cáo mới được giao"), count("Sắp đến hạn gửi báo cáo"), count("Báo cáo quá hạn")),
        (3, 1, 1),
        "{subjects:?}"
    );
    let body_of = |s: &str| {
        mails.iter().find(|m| m["subject"].as_str().unwrap().ends_with(s)).unwrap()["body"].as_str().unwrap().to_owned()
    };
    let reminder = body_of("Sắp đến hạn gửi báo cáo");
    assert!(reminder.contains("(còn 2 ngày)") && reminder.contains(&format!("/reports/{soon}")), "{reminder}");
    let overdue = body_of("Báo cáo quá hạn");
    assert!(overdue.contains("đã quá hạn 3 ngày") && overdue.contains(&format!("/reports/{late}")), "{overdue}");
    smtp.stop().await;
}

both!(deadlines_send_one_reminder_and_one_overdue_notice);

async fn an_official_turns_off_workflow_mails_but_not_security_ones(backend: Backend) {
    let mut smtp = SmtpSink::at(free_port());
    smtp.start().await;
    let app = spawn_app_with(backend, mail_settings(smtp.port)).await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let put = |body: Value| {
        let request = app.request(&entry, reqwest::Method::PUT, "/api/v1/me/mail").json(&body);
        async move { request.send().await.unwrap() }
    };
    assert_eq!(app.get_json(&entry, "/api/v1/me/mail").await, json!({"locale": "vi", "off": []}));
    baocao_tests::assert_error(
        put(json!({"locale": "vi", "off": ["password_reset"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_mail_kind",
    )
    .await;
    baocao_tests::assert_error(
        put(json!({"locale": "fr", "off": []})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_locale",
    )
    .await;
    let set = put(json!({"locale": "en", "off": ["assigned"]})).await;
    assert_eq!(set.json::<Value>().await.unwrap(), json!({"locale": "en", "off": ["assigned"]}));
    // No assignment mail; the reset mail still comes, in English.
    assign_to_pho_hien(&app).await;
    let ask =
        app.client.post(app.url("/api/v1/auth/forgot-password")).json(&json!({"username": "hy.phohien.nhaplieu"}));
    assert_eq!(ask.send().await.unwrap().status(), StatusCode::ACCEPTED);
    let mails = smtp.wait_for(1).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["[Reporting system] Reset your password"]);
    smtp.stop().await;
}

both!(an_official_turns_off_workflow_mails_but_not_security_ones);

async fn the_mail_settings_page_saves_the_choices(backend: Backend) {
    let app = baocao_tests::spawn_app(backend).await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let (status, shown) = crate::pages::page(&app, &entry, "/account/mail").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        shown.contains("Báo cáo mới được giao") && !shown.contains("value=\"password_reset\""),
        "security mails are not offered"
    );
    let form = [("csrf_token", entry.csrf.clone()), ("locale", "vi".to_owned()), ("on", "overdue".to_owned())];
    let saved = crate::pages::post_form(&app, &entry, "/account/mail", &form).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let choices = app.get_json(&entry, "/api/v1/me/mail").await;
    assert_eq!(
        choices["off"],
        json!([
            "assigned",
            "entry_opened",
            "rejected",
            "correction_requested",
            "correction_approved",
            "deadline_approaching"
        ])
    );
    let forged = [("csrf_token", "forged".to_owned()), ("locale", "en".to_owned())];
    assert_eq!(crate::pages::post_form(&app, &entry, "/account/mail", &forged).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_json(&entry, "/api/v1/me/mail").await, choices, "nothing changed");
}

both!(the_mail_settings_page_saves_the_choices);

async fn the_operator_sees_jobs_and_the_outbox_on_a_page(backend: Backend) {
    let port = free_port();
    let app = spawn_app_with(backend, mail_settings(port)).await;
    assign_to_pho_hien(&app).await;
    let operator = app.login("admin").await;
    let mut page = String::new();
    for _ in 0..50 {
        page = crate::pages::page(&app, &operator, "/operations?state=pending").await.1;
        if page.contains("nhaplieu.phohien@hungyen.gov.vn") && page.contains("<td>outbox</td>") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(page.contains("nhaplieu.phohien@hungyen.gov.vn") && page.contains("Chờ gửi"), "the waiting mail: {page}");
    assert!(
        page.contains("<td>Gửi thư điện tử</td>") && page.contains("href=\"/operations\""),
        "the job in words and the menu entry"
    );
    let clerk = app.login("hy.quantri").await;
    assert_eq!(crate::pages::page(&app, &clerk, "/operations").await.0, StatusCode::FORBIDDEN);
}

both!(the_operator_sees_jobs_and_the_outbox_on_a_page);

/// The ward's leader returns a submitted report: the official who entered it
/// gets a mail with the reason and the link, through the real SMTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_mail_carries_the_reason() {
    let mut smtp = SmtpSink::at(free_port());
    smtp.start().await;
    let app = spawn_app_with(Backend::Sqlite, mail_settings(smtp.port)).await;
    assign_to_pho_hien(&app).await;
    let province = app.login("hy.tonghop").await;
    let id = crate::daily_use::submitted_meetings(&app, &province, crate::reports::year() + 3).await;
    let leader = app.login("hy.phohien.duyet").await;
    let returned = crate::reports::act(&app, &leader, id, "reject", Some("Thiếu số liệu tháng 11")).await;
    assert_eq!(returned.status(), StatusCode::OK);
    let mails = smtp.wait_for(3).await;
    let rejected: Vec<&Value> =
        mails.iter().filter(|m| m["subject"] == "[Hệ thống báo cáo] Báo cáo bị từ chối").collect();
    assert_eq!(rejected.len(), 1, "{mails:?}");
    assert_eq!(rejected[0]["envelope_to"], json!(["nhaplieu.phohien@hungyen.gov.vn"]));
    let body = rejected[0]["body"].as_str().unwrap();
    assert!(body.contains("Thiếu số liệu tháng 11"), "the reason: {body}");
    assert!(body.contains(&format!("https://baocao.example.gov.vn/reports/{id}")), "the link: {body}");
    smtp.stop().await;
}
