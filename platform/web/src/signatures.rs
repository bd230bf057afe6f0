//! "Ký số" for officials: check any signed PDF ("Kiểm tra ký số"), install
//! one's own certificate, and manage one's signature images (handbook §3.5).

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::signatures::{self as sig, SignatureView};
use baocao_domain::text::Locale;
use maud::{Markup, html};

use baocao_http::locale::{self, t};
use baocao_http::multipart;
use baocao_http::page::{InLocale, PagePrincipal, PageResult, csrf_field, html_page, layout, redirect};
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/signatures", web::get().to(page))
        .route("/signatures/verify", web::post().to(verify))
        .route("/signatures/certificate", web::post().to(certificate))
        .route("/signatures/images", web::post().to(add_image))
        .route("/signatures/images/{id}/delete", web::post().to(delete_image))
        .route("/reports/{id}/signed-upload", web::post().to(upload_signed));
}

/// The caller after the form's CSRF token was checked, with the form's fields.
async fn checked(
    req: &HttpRequest, who: PagePrincipal, form: Multipart,
) -> Result<(Locale, Principal, HashMap<String, Vec<u8>>), baocao_http::page::PageError> {
    let l = locale::of(req);
    let f = multipart::fields(form, 32 * 1024 * 1024).await.in_locale(l)?;
    let who = who.0;
    who.verify_csrf(&multipart::text(&f, "csrf_token")).in_locale(l)?;
    Ok((l, who, f))
}

async fn page(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    render(&state, locale::of(&req), &who.0, None).await
}

async fn render(state: &AppState, l: Locale, who: &Principal, checked: Option<&[SignatureView]>) -> PageResult {
    let images = sig::my_images(&state.app, who).await.in_locale(l)?;
    let upload = |action: &str, inner: Markup| {
        html! {
            form method="post" action=(action) enctype="multipart/form-data" { (csrf_field(who)) (inner) }
        }
    };
    let body = html! {
        h1 { (t(l, "Ký số", "Digital signatures")) }
        div.card #verify {
            h2 { (t(l, "Kiểm tra ký số", "Check a signed PDF")) }
            (upload("/signatures/verify", html! { input type="file" name="file" accept="application/pdf" required; button type="submit" { (t(l, "Kiểm tra", "Check")) } }))
            @if let Some(list) = checked { (results(list, l)) }
        }
        div.card #certificate {
            h2 { (t(l, "Chứng thư số của tôi (lưu trên máy chủ)", "My certificate (held by the server)")) }
            (upload("/signatures/certificate", html! {
                input type="file" name="file" accept=".p12,.pfx" required;
                input type="password" name="password" placeholder=(t(l, "Mật khẩu tập tin", "File password")) autocomplete="off";
                button type="submit" { (t(l, "Cài đặt", "Install")) }
            }))
        }
        div.card #images {
            h2 { (t(l, "Hình ảnh chữ ký", "Signature images")) }
            @for i in &images {
                form.inline method="post" action={ "/signatures/images/" (i.id) "/delete" } {
                    (csrf_field(who)) (i.title) " (" (i.kind_label().get(l)) ", " (i.width) "×" (i.height) ") "
                    button.link type="submit" { (t(l, "Xóa", "Delete")) }
                }
            }
            (upload("/signatures/images", html! {
                input type="file" name="file" accept="image/png" required;
                select name="kind" { option value="personal" { (t(l, "Chữ ký cá nhân", "Personal")) } option value="organisation" { (t(l, "Con dấu cơ quan", "Seal")) } }
                input type="text" name="title" placeholder=(t(l, "Chức danh", "Title"));
                button type="submit" { (t(l, "Tải lên", "Upload")) }
            }))
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Ký số", "Digital signatures"), Some(who), body)))
}

/// One line per signature: who, when, and valid or why not.
fn results(list: &[SignatureView], l: Locale) -> Markup {
    html! {
        @if list.is_empty() { p.muted #verify-result { (t(l, "Tệp không có chữ ký số.", "The file holds no signature.")) } }
        ul #verify-result {
            @for s in list {
                li data-valid=(s.valid) {
                    strong { (s.signer.as_deref().unwrap_or("?")) } " — " (s.shown_time()) " — "
                    @if s.valid { span.ok { (t(l, "Chữ ký hợp lệ", "Valid signature")) } }
                    @else { span.danger { (s.problems.iter().map(|p| if l == Locale::Vi { p.message.as_str() } else { p.message_en.as_str() }).collect::<Vec<_>>().join(" ")) } }
                }
            }
        }
    }
}

async fn verify(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: Multipart) -> PageResult {
    let (l, who, f) = checked(&req, who, form).await?;
    let list = sig::verify_pdf(&state.app, &who, f.get("file").cloned().unwrap_or_default()).await.in_locale(l)?;
    render(&state, l, &who, Some(&list)).await
}

async fn certificate(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: Multipart) -> PageResult {
    let (l, who, f) = checked(&req, who, form).await?;
    let p12 = f.get("file").cloned().unwrap_or_default();
    sig::install_my_key(&state.app, &who, &p12, &multipart::text(&f, "password")).await.in_locale(l)?;
    Ok(redirect("/signatures?installed=1"))
}

async fn add_image(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: Multipart) -> PageResult {
    let (l, who, f) = checked(&req, who, form).await?;
    let png = f.get("file").cloned().unwrap_or_default();
    sig::add_image(&state.app, &who, multipart::text(&f, "kind").trim(), &multipart::text(&f, "title"), png)
        .await
        .in_locale(l)?;
    Ok(redirect("/signatures"))
}

async fn delete_image(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<super::signin::CsrfOnly>,
) -> PageResult {
    let (l, who) = baocao_http::page::form_caller(&req, who, &form.csrf_token)?;
    sig::delete_image(&state.app, &who, id.into_inner()).await.in_locale(l)?;
    Ok(redirect("/signatures"))
}

/// A PDF signed by another tool (the VNPT-CA or Ban Cơ yếu plugin), taken as the step's signature.
async fn upload_signed(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: Multipart,
) -> PageResult {
    let (l, who, f) = checked(&req, who, form).await?;
    let id = id.into_inner();
    let action = multipart::text(&f, "action");
    let pdf = f.get("file").cloned().unwrap_or_default();
    sig::upload(&state.app, &who, id, &action, pdf).await.in_locale(l)?;
    Ok(redirect(&format!("/reports/{id}?done={action}")))
}

/// Signing without a key on the server: with a USB token through the agent,
/// or by uploading the document signed with another tool.
pub fn other_ways(report: i64, action: &str, who: &Principal, l: Locale) -> Markup {
    html! {
        details.sign-elsewhere {
            summary { (t(l, "Ký bằng USB token hoặc tệp đã ký", "Sign with a USB token or a signed file")) }
            ol {
                li { (t(l, "Tải bản PDF của báo cáo; ký bằng công cụ ký số của tổ chức chứng thực, rồi tải tệp đã ký lên:", "Download the report's PDF, sign it with your CA's signing tool, then upload the signed file:"))
                    form method="post" action={ "/reports/" (report) "/signed-upload" } enctype="multipart/form-data" {
                        (csrf_field(who)) input type="hidden" name="action" value=(action);
                        input type="file" name="file" accept="application/pdf" required;
                        button.secondary type="submit" { (t(l, "Tải lên tệp đã ký", "Upload the signed file")) }
                    }
                }
                li { (t(l, "Hoặc dùng USB token qua chương trình ký của hệ thống:", "Or use a USB token through the signing agent:"))
                    code { "BAOCAO_SESSION=… baocao sign-agent --module <driver.so> report --server <địa chỉ> --report " (report) " --action " (action) }
                }
            }
        }
    }
}
