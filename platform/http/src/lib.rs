//! The web layer of baocao: the JSON API (`/api/v1`), the server-rendered
//! Vietnamese pages, and the operational endpoints (`/healthz`, `/readyz`,
//! `/metrics`). Handlers are thin: they parse, call [`admin`] or
//! [`signin`], and render; every error goes through [`error::AppError`].

pub mod admin;
pub mod aggregate;
pub mod api;
pub mod catalogues;
pub mod compliance;
pub mod error;
pub mod locale;
pub mod ops;
pub mod pages;
pub mod principal;
pub mod regimes;
pub mod reports;
pub mod sanitize;
pub mod signin;
pub mod state;
pub mod xlsx;

use std::net::TcpListener;

use actix_web::dev::{Server, Service};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer, web};

use crate::error::{ApiError, AppError};
pub use crate::state::AppState;

/// How request bodies that fail to parse are answered: JSON errors for the
/// API, with 413 for bodies over the limit.
fn body_configs(limit: usize) -> (web::JsonConfig, web::FormConfig, web::PayloadConfig) {
    let json = web::JsonConfig::default().limit(limit).error_handler(|err, _req| {
        let app = match &err {
            actix_web::error::JsonPayloadError::OverflowKnownLength { .. } | actix_web::error::JsonPayloadError::Overflow { .. } => AppError::PayloadTooLarge,
            other => AppError::BadRequest(other.to_string()),
        };
        ApiError(app).into()
    });
    let form = web::FormConfig::default().limit(limit).error_handler(|err, req| {
        let app = match &err {
            actix_web::error::UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
            other => AppError::BadRequest(other.to_string()),
        };
        pages::PageError::new(app, locale::of(req)).into()
    });
    let payload = web::PayloadConfig::default().limit(limit);
    (json, form, payload)
}

/// Registers every route; shared by the server and by in-process benches.
pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    api::configure(cfg);
    pages::configure(cfg);
}

/// A request body the handler never reads (a `POST` of `{}` to an action that
/// takes no input, such as signing out) must still leave the socket: actix
/// otherwise closes the kept-alive connection, and a client that already sent
/// its next request on it gets a broken response. Small bodies are read here,
/// before routing, and handed on from memory; larger ones (uploads) stream to
/// the handlers, which read them.
async fn read_small_body(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use futures::StreamExt;
    const SMALL: usize = 64 * 1024;
    let length = req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = length.filter(|n| (1..=SMALL).contains(n)) {
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::with_capacity(length);
        while let Some(chunk) = payload.next().await {
            let chunk: web::Bytes = chunk?;
            body.extend_from_slice(&chunk);
        }
        req.set_payload(actix_web::dev::Payload::from(body.freeze()));
    }
    next.call(req).await
}

/// Builds the HTTP server on an already bound listener (port 0 in tests).
pub fn server(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let limit = state.settings.http.max_body_bytes;
    let workers = state.settings.http.workers;
    let mut server = HttpServer::new(move || {
        let (json, form, payload) = body_configs(limit);
        let metrics = state.metrics.clone();
        App::new()
            .app_data(state.clone())
            .app_data(json)
            .app_data(form)
            .app_data(payload)
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")),
            )
            .wrap(Compress::default())
            .wrap(actix_web::middleware::from_fn(read_small_body))
            .wrap_fn(move |req, srv| {
                let started = std::time::Instant::now();
                let method = req.method().to_string();
                let metrics = metrics.clone();
                let language = locale::requested(req.request());
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    if let Some(language) = language {
                        let _ = res.response_mut().add_cookie(&locale::cookie(language));
                    }
                    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
                    let status = res.status().as_u16().to_string();
                    metrics.http_requests.with_label_values(&[&method, &route, &status]).inc();
                    metrics.http_duration.with_label_values(&[&method, &route]).observe(started.elapsed().as_secs_f64());
                    Ok(res)
                }
            })
            .wrap(tracing_actix_web::TracingLogger::default())
            .configure(configure)
    })
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}
