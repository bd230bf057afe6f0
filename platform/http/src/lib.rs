//! The web layer of baocao: the JSON API (`/api/v1`), the operational
//! endpoints (`/healthz`, `/readyz`, `/metrics`), what every server-rendered
//! page shares ([`page`]: the frame, the error page, the signed-in
//! extractor), and the server that serves them with the pages `baocao-web`
//! hands it. Handlers are thin: they parse, call `baocao_app`, and render;
//! every error goes through [`error::WebError`].

pub mod api;
pub mod error;
pub mod locale;
pub mod multipart;
pub mod ops;
pub mod page;
pub mod params;
pub mod principal;
pub mod state;

use baocao_app::Error;
use std::net::TcpListener;

use actix_web::ResponseError;
use actix_web::dev::{Server, Service};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer, web};

use crate::error::{ApiError, WebError};
pub use crate::state::AppState;

/// Whether a request is for the JSON API (errors as JSON) or a page (errors as the error page).
fn is_api(req: &actix_web::HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// An error as the request's kind of client expects it.
pub(crate) fn error_for(req: &actix_web::HttpRequest, error: WebError) -> actix_web::Error {
    if is_api(req) { ApiError(error).into() } else { page::PageError::new(error, locale::of(req)).into() }
}

/// Path segments that do not parse (`/units/abc`) answer 400 with the error
/// body, never the framework's text; query strings go through [`params`].
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| error_for(req, WebError::BadRequest(err.to_string())))
}

/// How request bodies that fail to parse are answered: JSON errors for the
/// API, with 413 for bodies over the limit.
fn body_configs(limit: usize) -> (web::JsonConfig, web::FormConfig, web::PayloadConfig) {
    let json = web::JsonConfig::default().limit(limit).error_handler(|err, _req| {
        let app = match &err {
            actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
            | actix_web::error::JsonPayloadError::Overflow { .. } => Error::PayloadTooLarge.into(),
            other => WebError::BadRequest(other.to_string()),
        };
        ApiError(app).into()
    });
    let form = web::FormConfig::default().limit(limit).error_handler(|err, req| {
        let app = match &err {
            actix_web::error::UrlencodedError::Overflow { .. } => Error::PayloadTooLarge.into(),
            other => WebError::BadRequest(other.to_string()),
        };
        page::PageError::new(app, locale::of(req)).into()
    });
    let payload = web::PayloadConfig::default().limit(limit);
    (json, form, payload)
}

/// Registers every route; shared by the server and by in-process benches.
/// Mounts the operational endpoints, the API, then the pages.
fn configure(cfg: &mut web::ServiceConfig, pages: fn(&mut web::ServiceConfig)) {
    ops::configure(cfg);
    api::configure(cfg);
    pages(cfg);
}

/// A request body the handler never reads (a `POST` of `{}` to an action that
/// takes no input, such as signing out) must still leave the socket: actix
/// otherwise closes the kept-alive connection, and a client that already sent
/// its next request on it gets a broken response. Small bodies are read here,
/// before routing, and handed on from memory; larger ones (uploads) stream to
/// the handlers, which read them.
///
/// Text bodies (JSON, forms) up to the body limit are read here too, so that
/// a NUL character — which PostgreSQL refuses in text and SQLite would store
/// — is refused the same way on both before any handler sees it; so is one
/// in the path or the query string.
async fn read_small_body(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    use actix_web::HttpMessage;
    use futures::StreamExt;
    const SMALL: usize = 64 * 1024;
    let refuse = |req: actix_web::dev::ServiceRequest| {
        let error = error_for(req.request(), WebError::NulCharacter);
        Ok(req.error_response(error).map_into_right_body())
    };
    if baocao_domain::nul::in_uri(req.uri().path()) || req.uri().query().is_some_and(baocao_domain::nul::in_uri) {
        return refuse(req);
    }
    let text = baocao_domain::nul::text_body(
        req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or(""),
    );
    let limit = req.app_data::<web::Data<AppState>>().map_or(SMALL, |s| s.settings().http.max_body_bytes.max(SMALL));
    let length = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let read_here = length.filter(|n| *n >= 1 && (*n <= SMALL || (text.is_some() && *n <= limit)));
    if let Some(length) = read_here {
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::with_capacity(length);
        while let Some(chunk) = payload.next().await {
            let chunk: web::Bytes = chunk?;
            body.extend_from_slice(&chunk);
        }
        if text.is_some_and(|kind| kind.has_nul(&body)) {
            return refuse(req);
        }
        req.set_payload(actix_web::dev::Payload::from(body.freeze()));
    }
    next.call(req).await.map(|res| res.map_into_left_body())
}

/// Every error response is the JSON error body (API) or the error page: an
/// error that left a handler or an extractor as plain text (a method not
/// allowed, a body over a size limit) is rewritten here, keeping its status.
async fn uniform_errors(
    req: actix_web::dev::ServiceRequest, next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let res = next.call(req).await?;
    let status = res.status();
    let typed = res
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    let sign_in_redirect = status == actix_web::http::StatusCode::UNAUTHORIZED && !is_api(res.request());
    if !(status.is_client_error() || status.is_server_error()) || typed || sign_in_redirect {
        return Ok(res.map_into_left_body());
    }
    let (req, _) = res.into_parts();
    let error = match status.as_u16() {
        400 => WebError::BadRequest(String::new()),
        401 => Error::Unauthenticated.into(),
        404 => Error::NotFound("route").into(),
        413 => Error::PayloadTooLarge.into(),
        415 => WebError::UnsupportedMediaType("application/json"),
        503 => Error::Unavailable(anyhow::anyhow!("a 503 response without a body")).into(),
        s if s < 500 => WebError::BadRequest(String::new()),
        _ => Error::Internal(anyhow::anyhow!("a response with status {status} and no body")).into(),
    };
    let mut response = if is_api(&req) {
        ApiError(error).error_response()
    } else {
        page::PageError::new(error, locale::of(&req)).error_response()
    };
    *response.status_mut() = status;
    Ok(actix_web::dev::ServiceResponse::new(req, response).map_into_right_body())
}

/// Builds the HTTP server on an already bound listener (port 0 in tests),
/// serving the API and the pages `pages` mounts (`baocao_web::configure`).
/// Only `/healthz`, `/readyz` and `/metrics`: what a `baocao worker`'s probes
/// and Prometheus need, without the pages or the API.
pub fn ops_server(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let server = HttpServer::new(move || App::new().app_data(state.clone()).configure(ops::configure))
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
    Ok(server)
}

/// The span of one request in the log. Unlike tracing-actix-web's default
/// it does not match the route itself (the metrics wrapper records the
/// route it matches once) nor read the forwarding headers.
struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let request_id = actix_web::HttpMessage::extensions(request).get::<tracing_actix_web::RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = tracing::field::Empty,
            http.target = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = request_id.map(tracing::field::display),
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span, outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

pub fn server(
    state: web::Data<AppState>, listener: TcpListener, pages: fn(&mut web::ServiceConfig),
) -> std::io::Result<Server> {
    let limit = state.settings().http.max_body_bytes;
    let workers = state.settings().http.workers;
    let grace = state.settings().http.shutdown_seconds;
    let hsts = state.settings().http.sends_hsts();
    let mut server = HttpServer::new(move || {
        let (json, form, payload) = body_configs(limit);
        let path = path_config();
        let metrics = state.metrics.clone();
        let mut headers = DefaultHeaders::new()
            .add(("X-Content-Type-Options", "nosniff"))
            .add(("X-Frame-Options", "DENY"))
            .add(("Referrer-Policy", "same-origin"))
            .add((
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            ));
        if hsts {
            headers = headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"));
        }
        App::new()
            .app_data(state.clone())
            .app_data(json)
            .app_data(form)
            .app_data(payload)
            .app_data(path)
            .wrap(actix_web::middleware::from_fn(uniform_errors))
            .wrap(headers)
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
                    // Matching a route again walks the routes; done once, here, for the metrics and the log.
                    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
                    tracing::Span::current().record("http.route", route.as_str());
                    let status = res.status().as_u16().to_string();
                    metrics.http_requests.with_label_values(&[&method, &route, &status]).inc();
                    metrics
                        .http_duration
                        .with_label_values(&[&method, &route])
                        .observe(started.elapsed().as_secs_f64());
                    Ok(res)
                }
            })
            .wrap(tracing_actix_web::TracingLogger::<RequestSpan>::new())
            .configure(|cfg| configure(cfg, pages))
    })
    // The binary stops the server itself on SIGTERM, after ending the event streams.
    .disable_signals()
    .shutdown_timeout(grace)
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}
