//! Health, readiness and metrics for the people and machines that run the platform.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Whether the process can serve. Only the database decides: without Redis
/// an instance still answers (signed-in requests with a clear 503, since no
/// session can be read; events do not cross instances), and taking every
/// instance out of the load balancer would only hide that message behind the
/// balancer's own error page. The session store and the event bus are
/// reported beside it, and the status says "degraded" while either is away.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.app.database_ready().await;
    let sessions = state.sessions.ping().await.is_ok();
    let bus = state.app.bus_ready().await;
    let status = match (database, sessions && bus) {
        (false, _) => "not_ready",
        (true, false) => "degraded",
        (true, true) => "ready",
    };
    let body = json!({
        "status": status,
        "database": database,
        "database_backend": state.app.database_backend(),
        "sessions": sessions,
        "events": bus,
    });
    if database { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// Prometheus metrics. Open unless `metrics.allow` or `metrics.token` is set;
/// then only a listed client address or the bearer token is served.
async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    let rules = &state.settings().metrics;
    if rules.restricted() {
        let from_allowed = req.peer_addr().is_some_and(|a| rules.allow.contains(&a.ip()));
        let bearer = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let with_token = matches!((bearer, &rules.token), (Some(given), Some(token)) if baocao_identity::token::constant_time_eq(given, token));
        if !(from_allowed || with_token) {
            return actix_web::ResponseError::error_response(&crate::error::ApiError(
                crate::error::Error::NotFound("route").into(),
            ));
        }
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
