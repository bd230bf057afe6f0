//! The OpenAPI 3 document of the whole JSON API.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{auth, catalogues, compliance, identities, operations, queues, regimes, reports, signatures, units, users};

/// The schemas are collected from the paths' bodies and responses (utoipa 5);
/// the suite checks that every reference resolves.
#[derive(OpenApi)]
#[openapi(
    info(title = "baocao API", description = "Hệ thống thông tin báo cáo — JSON API. Errors are `{\"error\": {\"code\", \"message\", \"message_en\", \"fields\", \"cells\"}}`."),
    paths(
        auth::login, auth::captcha, auth::logout, auth::me, auth::change_password, auth::reset_with_token, auth::forgot_password, auth::forgot_username, auth::mail_choices, auth::set_mail_choices,
        signatures::pdf, signatures::list, signatures::prepare, signatures::complete, signatures::upload,
        signatures::verify, signatures::unit_certificate, signatures::my_certificate, signatures::images,
        signatures::add_image, signatures::delete_image, signatures::policy, signatures::set_policy,
        units::list, units::get, units::create, units::update, units::delete, units::reorganise, units::groups, units::audit,
        users::list, users::create, users::get, users::update, users::deactivate, users::reset_password, users::reset_token,
        users::grant, users::revoke,
        regimes::list, regimes::upload, regimes::set_enabled, regimes::forms, regimes::form, regimes::ranking, regimes::ranking_xlsx, regimes::approvals, regimes::set_approval,
        reports::assign, reports::list, reports::get, reports::put_data, reports::compute, reports::put_appraisal, reports::compute_appraisal, reports::aggregate, reports::cell_sources, reports::xlsx, reports::import_xlsx, reports::sections, reports::put_section, reports::transition, reports::history,
        reports::upload_attachment, reports::attachments, reports::download_attachment, reports::delete_attachment, reports::set_receiver,
        reports::notifications, reports::read_all, reports::read_one, reports::stream, compliance::get,
        queues::list, queues::reports, queues::bulk,
        catalogues::list, catalogues::get, catalogues::publish, catalogues::versions,
        operations::outbox, operations::jobs,
        identities::search, identities::link, identities::create_user, identities::of_user, identities::unlink, identities::settings, identities::change_settings,
    ),
    tags((name = "auth", description = "Sign-in and the caller's account"), (name = "units", description = "Unit tree, groups, audit"), (name = "users", description = "Accounts and group memberships"), (name = "regimes", description = "Reporting regimes (WebAssembly plugins) and their forms"), (name = "reports", description = "Assignment, entry, workflow, history, attachments and notifications"), (name = "signatures", description = "Report PDFs, digital signatures and their checking"), (name = "operations", description = "The outbox and the background jobs, for the platform operator"))
)]
pub struct ApiDoc;

pub async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
