//! Health, readiness, metrics and the OpenAPI contract.

use baocao_tests::{Backend, both, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;

async fn health_readiness_and_metrics(backend: Backend) {
    let app = spawn_app(backend).await;
    let health: Value = app.client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["database"], true);
    assert_eq!(ready["database_backend"], if backend == Backend::Sqlite { "sqlite" } else { "postgres" });
    // One failed request and one success, then both show up in the metrics.
    app.try_login("admin", "Wrong#Pass1").await;
    app.login("admin").await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("baocao_http_requests_total{method=\"POST\",route=\"/api/v1/auth/login\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("baocao_logins_total{outcome=\"bad_credentials\"} 1"));
    assert!(metrics.contains("baocao_logins_total{outcome=\"success\"} 1"));
    assert!(metrics.contains("baocao_http_request_duration_seconds_bucket"));
}

both!(health_readiness_and_metrics);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_api_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/units", "get"),
        ("/api/v1/units", "post"),
        ("/api/v1/units/{id}", "get"),
        ("/api/v1/units/{id}", "patch"),
        ("/api/v1/units/{id}", "delete"),
        ("/api/v1/units/reorganisations", "post"),
        ("/api/v1/groups", "get"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}/groups", "post"),
        ("/api/v1/users/{id}/groups/{group}/{unit_id}", "delete"),
        ("/api/v1/audit", "get"),
        ("/api/v1/assignments", "post"),
        ("/api/v1/reports", "get"),
        ("/api/v1/reports/{id}", "get"),
        ("/api/v1/reports/{id}/data", "put"),
        ("/api/v1/reports/{id}/compute", "post"),
        ("/api/v1/reports/{id}/transitions", "post"),
        ("/api/v1/reports/{id}/history", "get"),
        ("/api/v1/reports/{id}/sections/{section}", "put"),
        ("/api/v1/reports/{id}/attachments", "post"),
        ("/api/v1/units/{id}/receiver", "put"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/read-all", "post"),
        ("/api/v1/notifications/stream", "get"),
        ("/api/v1/reports/{id}/aggregate", "post"),
        ("/api/v1/compliance", "get"),
        ("/api/v1/reports/{id}/xlsx", "get"),
        ("/api/v1/reports/{id}/xlsx", "post"),
        ("/api/v1/reports/{id}/cells/{row}/{col}/sources", "get"),
        ("/api/v1/queues", "get"),
        ("/api/v1/queues/{name}", "get"),
        ("/api/v1/reports/bulk-transitions", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    assert!(spec["components"]["schemas"]["UnitDto"]["properties"]["tenant_id"].is_object());
    // Every schema a path refers to is in the document.
    let text = spec.to_string();
    let refs: Vec<&str> =
        text.split("\"$ref\":\"#/components/schemas/").skip(1).filter_map(|r| r.split('"').next()).collect();
    assert!(refs.len() > 30, "{} references", refs.len());
    for name in refs {
        assert!(spec["components"]["schemas"][name].is_object(), "the schema {name} is referred to but missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_security_headers() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let headers = page.headers();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

async fn demo_seeding_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.snapshot().await;
    let password = baocao_domain::types::Password::parse(baocao_tests::PASSWORD).unwrap();
    let accounts = baocao::demo::seed(app.state.app.store_unscoped(), &password).await.unwrap();
    assert_eq!(accounts.len(), 41);
    assert_eq!(app.snapshot().await, before, "a second seeding adds nothing");
}

both!(demo_seeding_is_idempotent);

/// Reads one HTTP/1.1 response with a Content-Length body from a raw socket: (status, body).
async fn read_response(socket: &mut tokio::net::TcpStream) -> Option<(u16, String)> {
    use tokio::io::AsyncReadExt;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            let status = head.split_whitespace().nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return Some((status, String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned()));
            }
        }
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), socket.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// A body the handler never reads (`{}` posted to an action without input),
/// arriving after the headers, leaves the kept-alive connection usable: the
/// next request on the same socket is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_request_body_keeps_the_connection_usable() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app(Backend::Sqlite).await;
    let who = app.login("hy.tonghop").await;
    let address = app.url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    socket.set_nodelay(true).unwrap();
    for i in 0..3 {
        let head = format!(
            "POST /api/v1/notifications/read-all HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
            who.token
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        socket.write_all(b"{}").await.unwrap();
        let (status, _) = read_response(&mut socket).await.unwrap_or_else(|| panic!("no answer to the post {i}"));
        assert_eq!(status, 200);
        let get = format!("GET /api/v1/me HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\r\n", who.token);
        socket.write_all(get.as_bytes()).await.unwrap();
        let (status, body) =
            read_response(&mut socket).await.unwrap_or_else(|| panic!("the connection was dropped after the post {i}"));
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("hy.tonghop"), "{body}");
    }
}
