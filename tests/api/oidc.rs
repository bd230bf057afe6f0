//! Sign-in through a real OpenID provider (oidc-provider, started by the
//! test from tests/support/oidc, installed by .ci/run): an unlinked identity
//! waits and is found by administrators; linked, it signs in; created from,
//! it becomes a user without a password; unlinked, it waits again. Refused:
//! a tampered ID token, a wrong nonce or audience, an expired token, a
//! replayed callback, an identity linked to a locked user, and passwords in
//! a tenant that requires the identity.

use std::process::Stdio;
use std::time::Duration;

use baocao_tests::{Backend, Session, TestApp, assert_error, both, spawn_app, spawn_app_with};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

pub const CLIENT_ID: &str = "baocao";
const CLIENT_SECRET: &str = "bi-mat-cua-ung-dung-2026";

/// The provider: a Node process, killed when dropped.
pub struct OidcProvider {
    _child: Child,
    pub issuer: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl OidcProvider {
    pub async fn start(redirect: &str) -> Self {
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/support/oidc/provider.mjs");
        let mut child = Command::new("node")
            .args([script, "--port", &port.to_string(), "--redirect", redirect])
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node (oidc-provider is installed by .ci/run in tests/support/oidc)");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        assert_eq!(ready.unwrap().unwrap().as_deref(), Some("ready"), "the OpenID provider started");
        // The provider prints notices later; a closed pipe would end it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        OidcProvider { _child: child, issuer: format!("http://127.0.0.1:{port}") }
    }

    /// Makes the next token response carry a spoiled ID token.
    pub async fn misbehave(&self, mode: &str) {
        let url = format!("{}/_test/misbehave?mode={mode}", self.issuer);
        let response = reqwest::Client::new().post(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

/// baocao on `backend` with the provider configured, and the provider.
pub async fn with_provider(backend: Backend) -> (TestApp, OidcProvider) {
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/auth/oidc/callback");
    let provider = OidcProvider::start(&redirect).await;
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(backend, move |s| {
        s.http.listen = format!("127.0.0.1:{port}");
        s.auth.oidc.issuer = Some(issuer);
        s.auth.oidc.client_id = CLIENT_ID.to_owned();
        s.auth.oidc.client_secret = Some(CLIENT_SECRET.to_owned());
        s.auth.oidc.redirect_url = redirect;
    })
    .await;
    (app, provider)
}

/// One browser's way through "Đăng nhập với VNConnect", redirects followed
/// by hand so that the callback's address is known.
pub struct Trip {
    pub client: reqwest::Client,
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub callback: Option<String>,
}

pub fn browser_like() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in at the provider as `login` (its login form is shown only when
/// the provider has no session for this client yet).
pub async fn trip(app: &TestApp, client: reqwest::Client, login: &str) -> Trip {
    let mut url = Url::parse(&app.url("/auth/oidc/login")).unwrap();
    let mut callback = None;
    for _ in 0..12 {
        if url.path() == "/auth/oidc/callback" {
            callback = Some(url.to_string());
        }
        let mut response = client.get(url.clone()).send().await.unwrap();
        if response.status() == StatusCode::OK && url.path().starts_with("/interaction/") {
            // The provider's development login form posts back to its own address.
            let form = [("prompt", "login"), ("login", login), ("password", "any")];
            response = client.post(url.clone()).form(&form).send().await.unwrap();
        }
        let status = response.status();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        let at_home = url.as_str().starts_with(&app.address);
        match &location {
            Some(next) if status.is_redirection() && !(at_home && url.path() == "/auth/oidc/callback") => {
                url = url.join(next).unwrap();
            }
            _ => {
                let body = response.text().await.unwrap();
                return Trip { client, status, location, body, callback };
            }
        }
    }
    panic!("too many redirects signing in through the provider");
}

impl Trip {
    /// The user the trip's session is signed in as, if any.
    pub async fn me(&self, app: &TestApp) -> Option<Value> {
        let response = self.client.get(app.url("/api/v1/me")).send().await.unwrap();
        if response.status() != StatusCode::OK {
            return None;
        }
        response.json().await.ok()
    }
}

async fn waiting(app: &TestApp, admin: &Session, q: &str) -> Vec<Value> {
    let escaped: String = q
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    app.get_json(admin, &format!("/api/v1/identities?q={escaped}")).await.as_array().unwrap().clone()
}

async fn audit_actions(app: &TestApp, who: &Session) -> Vec<String> {
    let page = app.get_json(who, "/api/v1/audit").await;
    let items = page["items"].as_array().or(page.as_array()).cloned().unwrap_or_default();
    items.iter().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect()
}

async fn an_unlinked_identity_waits_then_signs_in_once_linked(backend: Backend) {
    let (app, _provider) = with_provider(backend).await;
    let first = trip(&app, browser_like(), "an.nguyen").await;
    assert_eq!(first.status, StatusCode::FORBIDDEN, "{}", first.body);
    assert!(first.body.contains("Tài khoản VNConnect của bạn chưa được liên kết với người dùng nào"), "{}", first.body);
    assert!(first.me(&app).await.is_none(), "no session for a waiting identity");

    let admin = app.login("hy.quantri").await;
    let by_number = waiting(&app, &admin, "001099012345").await;
    assert_eq!(by_number.len(), 1, "{by_number:?}");
    assert_eq!(by_number[0]["full_name"], "Nguyễn Văn An");
    assert_eq!(by_number[0]["phone"], "0912345678", "a whole number shows the claims whole");
    assert_eq!(by_number[0]["masked"], false);
    let by_name = waiting(&app, &admin, "nguyen van an").await;
    assert_eq!(by_name.len(), 1, "a name finds it without diacritics: {by_name:?}");
    assert_eq!(by_name[0]["id_number"], "*********345", "a search by name masks the CCCD");
    let too_short = app.get(&admin, "/api/v1/identities?q=ng").await;
    assert_error(too_short, StatusCode::UNPROCESSABLE_ENTITY, "query_too_short").await;
    let official = app.login("hy.phohien.nhaplieu").await;
    let refused = app.get(&official, "/api/v1/identities?q=001099012345").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "only administrators of users search");

    // Another tenant's administrator finds the identity but cannot link it to a Hưng Yên user.
    let identity = by_number[0]["id"].as_i64().unwrap();
    let user = official.user_id();
    let other = app.login("btp.quantri").await;
    let across = app.post(&other, &format!("/api/v1/identities/{identity}/link"), json!({"user_id": user})).await;
    assert_error(across, StatusCode::NOT_FOUND, "not_found").await;

    let path = format!("/api/v1/users/{user}");
    let name = app.get_json(&admin, &path).await["full_name"].clone();
    app.patch(&admin, &path, json!({"full_name": name, "email": "nhaplieu.phohien@hungyen.gov.vn"})).await;
    let linked = app.post(&admin, &format!("/api/v1/identities/{identity}/link"), json!({"user_id": user})).await;
    assert_eq!(linked.status(), StatusCode::OK, "{}", linked.text().await.unwrap());
    let again = app.post(&admin, &format!("/api/v1/identities/{identity}/link"), json!({"user_id": user})).await;
    assert_error(again, StatusCode::CONFLICT, "identity_linked").await;
    assert!(waiting(&app, &admin, "001099012345").await.is_empty(), "a linked identity no longer waits");
    let shown = app.get_json(&admin, &format!("/api/v1/users/{user}/identity")).await;
    assert_eq!(shown["id_number"], "001099012345");
    let renamed =
        app.patch(&admin, &path, json!({"full_name": "Tên Khác", "email": "nhaplieu.phohien@hungyen.gov.vn"})).await;
    assert_error(renamed, StatusCode::CONFLICT, "identity_field_read_only").await;
    let kept = app.patch(&admin, &path, json!({"full_name": name, "email": "nhaplieu.phohien@hungyen.gov.vn"})).await;
    assert_eq!(kept.status(), StatusCode::OK, "an edit that keeps the provider's fields is taken");
    let page = app.get(&admin, &format!("/users/{user}")).await.text().await.unwrap();
    assert!(page.contains("Thông tin do VNConnect cung cấp, chỉ xem.") && page.contains("001099012345"), "{page}");

    let second = trip(&app, browser_like(), "an.nguyen").await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(second.location.as_deref(), Some("/"));
    let me = second.me(&app).await.expect("signed in");
    assert_eq!(me["username"], "hy.phohien.nhaplieu");

    let operator = app.login("admin").await;
    let mails = app.get_json(&operator, "/api/v1/outbox").await;
    let linked_mails: Vec<&Value> =
        mails["items"].as_array().unwrap().iter().filter(|m| m["kind"] == "account_linked").collect();
    assert_eq!(linked_mails.len(), 1, "{mails}");
    assert_eq!(linked_mails[0]["to"], "nhaplieu.phohien@hungyen.gov.vn");
    let actions = audit_actions(&app, &admin).await;
    for action in ["identity.link", "identity.sign_in"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }

    let unlinked = app.delete(&admin, &format!("/api/v1/users/{user}/identity")).await;
    assert_eq!(unlinked.status(), StatusCode::NO_CONTENT);
    assert!(audit_actions(&app, &admin).await.iter().any(|a| a == "identity.unlink"));
    let third = trip(&app, browser_like(), "an.nguyen").await;
    assert_eq!(third.status, StatusCode::FORBIDDEN, "unlinked, it waits again");
    assert_eq!(waiting(&app, &admin, "001099012345").await.len(), 1);
}

async fn a_user_is_created_from_a_waiting_identity(backend: Backend) {
    let (app, _provider) = with_provider(backend).await;
    assert_eq!(trip(&app, browser_like(), "binh.tran").await.status, StatusCode::FORBIDDEN);
    let admin = app.login("hy.quantri").await;
    let found = waiting(&app, &admin, "0987654321").await;
    let identity = found[0]["id"].as_i64().unwrap();
    let ward = app.unit_id("hungyen", "phuong-pho-hien").await;
    let path = format!("/api/v1/identities/{identity}/user");
    let bad = app.post(&admin, &path, json!({"username": "có dấu", "unit_id": ward})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let made = app.post(&admin, &path, json!({"username": "binh.tran.hy", "unit_id": ward})).await;
    assert_eq!(made.status(), StatusCode::CREATED, "{}", made.text().await.unwrap());
    let user: Value = made.json().await.unwrap();
    assert_eq!(user["full_name"], "Trần Thị Bình", "the name comes from the provider");
    assert_eq!(user["email"], "binh.tran@hungyen.gov.vn");
    let twice = app.post(&admin, &path, json!({"username": "binh.tran.hy2", "unit_id": ward})).await;
    assert_eq!(twice.status(), StatusCode::NOT_FOUND, "the identity no longer waits");
    assert_eq!(app.try_login("binh.tran.hy2", "Baocao@2026").await.status(), StatusCode::UNAUTHORIZED);

    let signed_in = trip(&app, browser_like(), "binh.tran").await;
    assert_eq!(signed_in.me(&app).await.expect("signed in")["username"], "binh.tran.hy");
    let password = app.try_login("binh.tran.hy", "").await;
    assert_eq!(password.status(), StatusCode::UNAUTHORIZED, "an account made from an identity has no password");
}

both!(an_unlinked_identity_waits_then_signs_in_once_linked, a_user_is_created_from_a_waiting_identity);

/// Links an.nguyen to the Phố Hiến data-entry official.
async fn link_an(app: &TestApp) -> (Session, i64) {
    assert_eq!(trip(app, browser_like(), "an.nguyen").await.status, StatusCode::FORBIDDEN);
    let admin = app.login("hy.quantri").await;
    let identity = waiting(app, &admin, "001099012345").await[0]["id"].as_i64().unwrap();
    let user = app.login("hy.phohien.nhaplieu").await.user_id();
    let linked = app.post(&admin, &format!("/api/v1/identities/{identity}/link"), json!({"user_id": user})).await;
    assert_eq!(linked.status(), StatusCode::OK);
    (admin, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoiled_tokens_replayed_callbacks_and_locked_users_are_refused() {
    let (app, provider) = with_provider(Backend::Sqlite).await;
    let (admin, user) = link_an(&app).await;
    for mode in ["tamper", "nonce", "audience", "expired"] {
        provider.misbehave(mode).await;
        let refused = trip(&app, browser_like(), "an.nguyen").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{mode}: {}", refused.body);
        assert!(refused.body.contains("Không xác thực được thông tin đăng nhập do VNConnect trả về"), "{mode}");
        assert!(refused.me(&app).await.is_none(), "{mode}: no session");
    }

    let good = trip(&app, browser_like(), "an.nguyen").await;
    assert!(good.me(&app).await.is_some(), "the same identity signs in when nothing is spoiled");
    let callback = good.callback.clone().expect("the callback's address");
    let replayed = good.client.get(&callback).send().await.unwrap();
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST, "the same callback twice");
    assert!(replayed.text().await.unwrap().contains("không còn hiệu lực hoặc đã được dùng"));
    let elsewhere = browser_like().get(&callback).send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST, "a callback in another browser");

    let locked = app.delete(&admin, &format!("/api/v1/users/{user}")).await;
    assert!(locked.status().is_success(), "the user is deactivated");
    let refused = trip(&app, browser_like(), "an.nguyen").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("đang bị khóa"), "{}", refused.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_that_requires_the_identity_refuses_passwords() {
    let plain = spawn_app(Backend::Sqlite).await;
    let admin = plain.login("hy.quantri").await;
    let without = plain.request(&admin, reqwest::Method::PATCH, "/api/v1/tenant/settings");
    let without = without.json(&json!({"require_identity": true})).send().await.unwrap();
    assert_error(without, StatusCode::NOT_FOUND, "oidc_not_configured").await;
    let login = plain.get(&admin, "/login").await.text().await.unwrap();
    assert!(!login.contains("Đăng nhập với VNConnect"), "no button without a provider");

    let (app, _provider) = with_provider(Backend::Sqlite).await;
    link_an(&app).await;
    let page = reqwest::get(app.url("/login")).await.unwrap().text().await.unwrap();
    assert!(page.contains("Đăng nhập với VNConnect"), "the sign-in page offers the provider");
    let admin = app.login("hy.quantri").await;
    let entry = app.login("hy.phohien.nhaplieu").await;
    let forbidden = app.request(&entry, reqwest::Method::PATCH, "/api/v1/tenant/settings");
    let forbidden = forbidden.json(&json!({"require_identity": true})).send().await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN, "only the tenant's administrator sets the rule");
    let set = app.request(&admin, reqwest::Method::PATCH, "/api/v1/tenant/settings");
    let set = set.json(&json!({"require_identity": true})).send().await.unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    let refused = app.try_login("hy.phohien.nhaplieu", baocao_tests::PASSWORD).await;
    assert_error(refused, StatusCode::FORBIDDEN, "identity_required").await;
    let wrong = app.try_login("hy.phohien.nhaplieu", "Sai@2026").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "a wrong password learns nothing of the rule");
    assert_eq!(app.try_login("btp.quantri", baocao_tests::PASSWORD).await.status(), StatusCode::OK, "other tenants");
    let settings = app.get_json(&admin, "/api/v1/tenant/settings").await;
    assert_eq!(settings["require_identity"], true);
    assert_eq!(settings["reminder_days"], Value::Null, "a change of one setting leaves the other");
    assert!(audit_actions(&app, &admin).await.iter().any(|a| a == "tenant.settings"));

    let signed_in = trip(&app, browser_like(), "an.nguyen").await;
    assert!(signed_in.me(&app).await.is_some(), "the identity still signs in");
}
