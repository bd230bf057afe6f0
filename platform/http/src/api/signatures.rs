//! Digital signatures over HTTP: the report's PDF, signing with a token
//! (prepare, complete) or by uploading a PDF signed elsewhere, the checked
//! signatures of a report and of any PDF, certificates and signature images.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::signatures::{
    self as sig, CertificateView, CompleteInput, ImageView, PolicyInput, PolicyView, PrepareInput, PreparedView,
    SignatureView,
};
use baocao_domain::ids::UnitId;
use serde::Deserialize;

use crate::error::{ApiResult, ErrorBody};
use crate::multipart;
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::wire::{ReportDto, full};

/// The signature routes, under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/{id}/pdf", web::get().to(pdf));
    cfg.route("/reports/{id}/signatures", web::get().to(list));
    cfg.route("/reports/{id}/signatures/prepare", web::post().to(prepare));
    cfg.route("/reports/{id}/signatures/{sid}/complete", web::post().to(complete));
    // Signed PDFs and PKCS#12 files are larger than ordinary bodies.
    cfg.service(large("/reports/{id}/signatures/upload").route(web::post().to(upload)));
    cfg.service(large("/signatures/verify").route(web::post().to(verify)));
    cfg.service(large("/units/{id}/certificates").route(web::post().to(unit_certificate)));
    cfg.service(large("/me/certificates").route(web::post().to(my_certificate)));
    cfg.route("/me/signature-images", web::get().to(images));
    cfg.route("/me/signature-images", web::post().to(add_image));
    cfg.route("/me/signature-images/{id}", web::delete().to(delete_image));
    cfg.route("/units/{id}/signing-policy", web::get().to(policy));
    cfg.route("/units/{id}/signing-policy", web::put().to(set_policy));
}

/// A resource whose body may be as large as a signed report.
fn large(path: &str) -> actix_web::Resource {
    web::resource(path).app_data(web::PayloadConfig::new(64 * 1024 * 1024))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/pdf", tag = "signatures", params(("id" = i64, Path)),
    responses((status = 200, description = "The report's PDF as it stands (the signed file once signed)"), (status = 404, body = ErrorBody)))]
pub async fn pdf(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let file = sig::report_pdf(&state.app, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{}\"", file.file_name)))
        .body(file.bytes))
}

#[derive(Debug, Deserialize)]
pub struct Recheck {
    #[serde(default)]
    pub recheck: bool,
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/signatures", tag = "signatures", params(("id" = i64, Path), ("recheck" = Option<bool>, Query)),
    responses((status = 200, body = [SignatureView]), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, q: Params<Recheck>,
) -> ApiResult<web::Json<Vec<SignatureView>>> {
    Ok(web::Json(sig::report_signatures(&state.app, &who, id.into_inner(), q.recheck).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/signatures/prepare", tag = "signatures", params(("id" = i64, Path)), request_body = PrepareInput,
    responses((status = 200, body = PreparedView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn prepare(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<PrepareInput>,
) -> ApiResult<web::Json<PreparedView>> {
    Ok(web::Json(sig::prepare(&state.app, &who, id.into_inner(), body.into_inner()).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/signatures/{sid}/complete", tag = "signatures", params(("id" = i64, Path), ("sid" = String, Path)),
    request_body = CompleteInput, responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete(
    state: web::Data<AppState>, who: Principal, path: web::Path<(i64, String)>, body: web::Json<CompleteInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let (id, sid) = path.into_inner();
    let saved = sig::complete(&state.app, &who, id, &sid, body.into_inner()).await?;
    Ok(web::Json(full(&state.app, &who, &saved).await?))
}

#[derive(Debug, Deserialize)]
pub struct UploadParams {
    pub action: String,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/signatures/upload", tag = "signatures", params(("id" = i64, Path), ("action" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = ReportDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, q: Params<UploadParams>, body: web::Bytes,
) -> ApiResult<web::Json<ReportDto>> {
    let saved = sig::upload(&state.app, &who, id.into_inner(), &q.action, body.to_vec()).await?;
    Ok(web::Json(full(&state.app, &who, &saved).await?))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub signatures: Vec<SignatureView>,
}

#[utoipa::path(post, path = "/api/v1/signatures/verify", tag = "signatures", request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = Verification), (status = 422, body = ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>, who: Principal, body: web::Bytes,
) -> ApiResult<web::Json<Verification>> {
    Ok(web::Json(Verification { signatures: sig::verify_pdf(&state.app, &who, body.to_vec()).await? }))
}

/// The password as UTF-8 bytes: Vietnamese passwords are not ASCII.
fn pkcs12_password(req: &HttpRequest) -> String {
    req.headers()
        .get("X-Pkcs12-Password")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

#[utoipa::path(post, path = "/api/v1/units/{id}/certificates", tag = "signatures", params(("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "application/x-pkcs12"),
    responses((status = 201, body = CertificateView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unit_certificate(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, req: HttpRequest, body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let unit = UnitId(id.into_inner());
    let view = sig::install_unit_key(&state.app, &who, unit, &body, &pkcs12_password(&req)).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(post, path = "/api/v1/me/certificates", tag = "signatures",
    request_body(content = Vec<u8>, content_type = "application/x-pkcs12"),
    responses((status = 201, body = CertificateView), (status = 422, body = ErrorBody)))]
pub async fn my_certificate(
    state: web::Data<AppState>, who: Principal, req: HttpRequest, body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let view = sig::install_my_key(&state.app, &who, &body, &pkcs12_password(&req)).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/me/signature-images", tag = "signatures", responses((status = 200, body = [ImageView])))]
pub async fn images(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Vec<ImageView>>> {
    Ok(web::Json(sig::my_images(&state.app, &who).await?))
}

#[utoipa::path(post, path = "/api/v1/me/signature-images", tag = "signatures",
    request_body(content_type = "multipart/form-data", description = "file (PNG), kind (personal | organisation), title"),
    responses((status = 201, body = ImageView), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_image(state: web::Data<AppState>, who: Principal, form: Multipart) -> ApiResult<HttpResponse> {
    let f = multipart::fields(form, sig::MAX_IMAGE_BYTES).await?;
    let file = f.get("file").cloned().unwrap_or_default();
    let view =
        sig::add_image(&state.app, &who, multipart::text(&f, "kind").trim(), &multipart::text(&f, "title"), file)
            .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(delete, path = "/api/v1/me/signature-images/{id}", tag = "signatures", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_image(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    sig::delete_image(&state.app, &who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/units/{id}/signing-policy", tag = "signatures", params(("id" = i64, Path)),
    responses((status = 200, body = PolicyView), (status = 404, body = ErrorBody)))]
pub async fn policy(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>,
) -> ApiResult<web::Json<PolicyView>> {
    Ok(web::Json(sig::policy(&state.app, &who, UnitId(id.into_inner())).await?))
}

#[utoipa::path(put, path = "/api/v1/units/{id}/signing-policy", tag = "signatures", params(("id" = i64, Path)), request_body = PolicyInput,
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_policy(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<PolicyInput>,
) -> ApiResult<web::Json<PolicyView>> {
    Ok(web::Json(sig::set_policy(&state.app, &who, UnitId(id.into_inner()), body.into_inner()).await?))
}
