//! The OpenAPI 3 document of the whole JSON API.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{auth, compliance, dto, regimes, reports, signatures, units, users};
use crate::error;
use baocao_app::admin;

#[derive(OpenApi)]
#[openapi(
    info(title = "baocao API", description = "Hệ thống thông tin báo cáo — JSON API. Errors are `{\"error\": {\"code\", \"message\", \"message_en\", \"fields\", \"cells\"}}`."),
    paths(
        auth::login, auth::captcha, auth::logout, auth::me, auth::change_password, auth::reset_with_token,
        signatures::pdf, signatures::list, signatures::prepare, signatures::complete, signatures::upload,
        signatures::verify, signatures::unit_certificate, signatures::my_certificate, signatures::images,
        signatures::add_image, signatures::delete_image, signatures::policy, signatures::set_policy,
        units::list, units::get, units::create, units::update, units::delete, units::reorganise, units::groups, units::audit,
        users::list, users::create, users::get, users::update, users::deactivate, users::reset_password, users::reset_token,
        users::grant, users::revoke,
        regimes::list, regimes::upload, regimes::set_enabled, regimes::forms, regimes::form, regimes::catalogue,
        reports::assign, reports::list, reports::get, reports::put_data, reports::compute, reports::put_appraisal, reports::compute_appraisal, reports::aggregate, reports::cell_sources, reports::xlsx, reports::import_xlsx, reports::sections, reports::put_section, reports::transition, reports::history,
        reports::upload_attachment, reports::attachments, reports::download_attachment, reports::delete_attachment, reports::set_receiver,
        reports::notifications, reports::read_all, reports::read_one, reports::stream, compliance::get,
    ),
    components(schemas(
        error::ErrorBody, error::ErrorDetail, error::FieldError, baocao_domain::entry::CellProblem,
        compliance::ComplianceDto, compliance::UnitSummary, compliance::ReportLine, baocao_domain::compliance::Summary,
        reports::ReportDto, reports::ReportPage, reports::ComputedDto, reports::ImportDto, reports::CellChangeDto, reports::AggregateInfo, reports::AggregationDto, reports::SourceReportDto, reports::CellSourceDto, reports::AssignedDto, reports::UnitRef, reports::PeriodDto, reports::CellDto, reports::AddedRowDto,
        reports::SectionDto, reports::HistoryDto, reports::AttachmentDto, reports::ReceiverInput, reports::NotificationDto, reports::NotificationPage, reports::ReadAllDto,
        baocao_app::reports::AssignInput, baocao_app::reports::DataInput, baocao_app::reports::CellInput, baocao_app::reports::RowInput, baocao_app::reports::SectionInput, baocao_app::reports::TransitionInput,
        dto::UnitDto, dto::UserDto, dto::MembershipDto, dto::GroupDto, dto::MeDto, dto::AuditDto,
        auth::LoginRequest, auth::LoginResponse, auth::CaptchaResponse, auth::ChangePassword, auth::ResetWithToken,
        admin::NewUnitInput, admin::AccountInput, admin::UnitEdit, admin::ReorganisationInput, admin::NewUserInput,
        admin::UserEdit, admin::MembershipInput, units::ReorganisationDone, users::NewPassword, users::ResetToken, users::MembershipChanged,
        baocao_app::signatures::SignatureInput, baocao_app::signatures::Look, baocao_app::signatures::PrepareInput, baocao_app::signatures::PreparedView, baocao_app::signatures::CompleteInput,
        baocao_app::signatures::SignatureView, baocao_app::signatures::ProblemView, baocao_app::signatures::CertificateView, baocao_app::signatures::ImageView, signatures::Verification, baocao_app::signatures::PolicyView, baocao_app::signatures::PolicyInput,
        baocao_app::catalogues::CatalogueItem, regimes::RegimeDto, regimes::EnabledInput, regimes::FormSummaryDto, regimes::FormDto, regimes::ColumnDto, regimes::RowDto,
    )),
    tags((name = "auth", description = "Sign-in and the caller's account"), (name = "units", description = "Unit tree, groups, audit"), (name = "users", description = "Accounts and group memberships"), (name = "regimes", description = "Reporting regimes (WebAssembly plugins) and their forms"), (name = "reports", description = "Assignment, entry, workflow, history, attachments and notifications"), (name = "signatures", description = "Report PDFs, digital signatures and their checking"))
)]
pub struct ApiDoc;

pub async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
