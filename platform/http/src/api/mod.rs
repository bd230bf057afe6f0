//! The JSON API under `/api/v1`, documented at `/api/openapi.json`.

pub mod auth;
pub mod catalogues;
pub mod compliance;
pub mod identities;
pub mod openapi;
pub mod operations;
pub mod queues;
pub mod regimes;
pub mod reports;
pub mod signatures;
pub mod units;
pub mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api").route("/openapi.json", web::get().to(openapi::spec)).service(
            web::scope("/v1")
                // The reads every official makes most, first: actix tries the
                // routes in order, matching each pattern with a parameter as
                // a regular expression. Methods are resource guards, so a
                // POST to /reports/bulk-transitions still passes these by.
                .route("/me", web::get().to(auth::me))
                .route("/reports", web::get().to(reports::list))
                .route("/reports/{id}", web::get().to(reports::get))
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/captcha", web::get().to(auth::captcha))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/auth/password", web::post().to(auth::change_password))
                .route("/auth/reset", web::post().to(auth::reset_with_token))
                .route("/auth/forgot-password", web::post().to(auth::forgot_password))
                .route("/auth/forgot-username", web::post().to(auth::forgot_username))
                .route("/me/mail", web::get().to(auth::mail_choices))
                .route("/me/mail", web::put().to(auth::set_mail_choices))
                .route("/units", web::get().to(units::list))
                .route("/units", web::post().to(units::create))
                .route("/units/reorganisations", web::post().to(units::reorganise))
                .route("/units/{id}", web::get().to(units::get))
                .route("/units/{id}", web::patch().to(units::update))
                .route("/units/{id}", web::delete().to(units::delete))
                .route("/groups", web::get().to(units::groups))
                .route("/audit", web::get().to(units::audit))
                .configure(regimes::routes)
                .configure(catalogues::routes)
                .configure(operations::routes)
                .configure(identities::routes)
                .route("/assignments", web::post().to(reports::assign))
                .route("/compliance", web::get().to(compliance::get))
                .configure(queues::routes)
                .configure(report_routes)
                .route("/units/{id}/receiver", web::put().to(reports::set_receiver))
                .route("/notifications", web::get().to(reports::notifications))
                .route("/notifications/read-all", web::post().to(reports::read_all))
                .route("/notifications/stream", web::get().to(reports::stream))
                .route("/notifications/{id}/read", web::post().to(reports::read_one))
                .route("/users", web::get().to(users::list))
                .route("/users", web::post().to(users::create))
                .route("/users/{id}", web::get().to(users::get))
                .route("/users/{id}", web::patch().to(users::update))
                .route("/users/{id}", web::delete().to(users::deactivate))
                .route("/users/{id}/password", web::post().to(users::reset_password))
                .route("/users/{id}/reset-token", web::post().to(users::reset_token))
                .route("/users/{id}/groups", web::post().to(users::grant))
                .route("/users/{id}/groups/{group}/{unit_id}", web::delete().to(users::revoke))
                .configure(signatures::routes)
                .default_service(web::to(not_found)),
        ),
    );
}

/// What is done to one report, under /reports/{id}/… (its GET is among the first routes).
fn report_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/{id}/data", web::put().to(reports::put_data))
        .route("/reports/{id}/compute", web::post().to(reports::compute))
        .route("/reports/{id}/appraisal", web::put().to(reports::put_appraisal))
        .route("/reports/{id}/appraisal/compute", web::post().to(reports::compute_appraisal))
        .route("/reports/{id}/aggregate", web::post().to(reports::aggregate))
        .route("/reports/{id}/xlsx", web::get().to(reports::xlsx))
        .service(
            // Workbooks are larger than ordinary bodies; the handler refuses beyond its own limit with 413.
            web::resource("/reports/{id}/xlsx")
                .app_data(web::PayloadConfig::new(baocao_app::reports::MAX_IMPORT_BYTES + 1))
                .route(web::post().to(reports::import_xlsx)),
        )
        .route("/reports/{id}/cells/{row}/{col}/sources", web::get().to(reports::cell_sources))
        .route("/reports/{id}/sections", web::get().to(reports::sections))
        .route("/reports/{id}/sections/{section}", web::put().to(reports::put_section))
        .route("/reports/{id}/transitions", web::post().to(reports::transition))
        .route("/reports/{id}/history", web::get().to(reports::history))
        .route("/reports/{id}/attachments", web::get().to(reports::attachments))
        .service(
            // Attachments are larger than ordinary request bodies; the
            // handler enforces the configured limit with a clear error.
            web::resource("/reports/{id}/attachments")
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .route(web::post().to(reports::upload_attachment)),
        )
        .route("/reports/{id}/attachments/{attachment}", web::get().to(reports::download_attachment))
        .route("/reports/{id}/attachments/{attachment}", web::delete().to(reports::delete_attachment));
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    Err(crate::error::ApiError(crate::error::Error::NotFound("route").into()))
}
