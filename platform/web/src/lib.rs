//! The server-rendered pages of baocao, Vietnamese first: sign-in, each
//! role's queues, reports (assignment, the grid, the workflow, printing),
//! compliance, signatures, regimes, catalogues and administration. Like the
//! API, each handler parses, calls `baocao_app`, and renders; the frame every
//! page shares (head, menu, error page, CSRF helpers) is `baocao_http::page`.
//! `app.js` and `app.css` are served from here: they belong to these pages.

mod account;
mod admin_units;
mod admin_users;
mod catalogues;
mod compliance;
mod identities;
mod operations;
mod queues;
mod regimes;
mod reports;
mod signatures;
mod signin;
mod tenant;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{HttpResponse, web};
use baocao_http::AppState;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

/// Mounts the pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/static/app.css",
        web::get().to(|| async { HttpResponse::Ok().content_type("text/css; charset=utf-8").body(CSS) }),
    )
    .route(
        "/static/app.js",
        web::get().to(|| async { HttpResponse::Ok().content_type("text/javascript; charset=utf-8").body(JS) }),
    );
    signin::configure(cfg);
    account::configure(cfg);
    admin_units::configure(cfg);
    admin_users::configure(cfg);
    regimes::configure(cfg);
    catalogues::configure(cfg);
    reports::configure(cfg);
    compliance::configure(cfg);
    queues::configure(cfg);
    operations::configure(cfg);
    signatures::configure(cfg);
    identities::configure(cfg);
    tenant::configure(cfg);
}

/// The whole web server: the API and the operational endpoints of
/// `baocao-http`, and these pages.
pub fn server(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    baocao_http::server(state, listener, configure)
}
