//! "Nghiệp vụ": one page per queue of the caller's work, the nearest deadline
//! first, overdue reports flagged; incoming reports accepted and approved
//! ones sent several at a time.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::reports::BulkTransitionInput;
use baocao_app::wire::{self, BulkResultDto, QueuePageDto};
use baocao_domain::queue::{Queue, overdue_label};
use baocao_domain::report::{Period, Status};
use baocao_domain::text::Locale;
use baocao_domain::types::Paging;
use maud::{Markup, html};

use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::{InLocale, PagePrincipal, PageResult, csrf_field, form_caller, html_page, layout};
use baocao_http::params::Params;
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/queues/{name}", web::get().to(queue)).route("/queues/{name}/bulk", web::post().to(bulk));
}

/// The step a queue's reports can take together, with its button's words.
fn bulk_action(queue: Queue, l: Locale) -> Option<(&'static str, &'static str)> {
    match queue {
        Queue::Incoming => Some(("accept", t(l, "Tiếp nhận các báo cáo đã chọn", "Accept the selected reports"))),
        Queue::Sending => {
            Some(("send", t(l, "Ký số và gửi các báo cáo đã chọn", "Sign and send the selected reports")))
        }
        _ => None,
    }
}

async fn queue(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, name: web::Path<String>,
    params: Params<baocao_http::api::queues::QueueParams>,
) -> PageResult {
    let l = locale::of(&req);
    let queue = Queue::parse(&name).ok_or(WebError::from(baocao_app::Error::NotFound("queue"))).in_locale(l)?;
    render(&state, l, &who.0, queue, params.page, None).await
}

async fn render(
    state: &AppState, l: Locale, who: &Principal, queue: Queue, page: Option<u64>, done: Option<Vec<BulkResultDto>>,
) -> PageResult {
    let paging = Paging::parse(page, None, 50).map_err(WebError::BadQuery).in_locale(l)?;
    let rows = baocao_app::queues::reports(&state.app, who, queue, paging.page, paging.per_page).await.in_locale(l)?;
    let view = wire::queue_page(&state.app, queue, &rows).await.in_locale(l)?;
    let title = queue.label().get(l).to_owned();
    let body = html! {
        h1 { (title) }
        @if let Some(results) = &done { (outcome(results, l)) }
        @if view.items.is_empty() {
            p.muted { (t(l, "Không có báo cáo nào đang chờ.", "Nothing is waiting.")) }
        } @else {
            (table(&view, queue, who, l))
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, &title, Some(who), body)))
}

fn table(view: &QueuePageDto, queue: Queue, who: &Principal, l: Locale) -> Markup {
    let bulk = bulk_action(queue, l);
    html! {
        form method="post" action={ "/queues/" (queue.as_str()) "/bulk" } {
            (csrf_field(who))
            table.queue {
                thead { tr {
                    @if bulk.is_some() { th { input #pick-all-reports type="checkbox" data-pick-all="ids" aria-label=(t(l, "Chọn tất cả", "Select all")); } }
                    th { (t(l, "Biểu mẫu", "Form")) } th { (t(l, "Đơn vị báo cáo", "Reporting unit")) } th { (t(l, "Kỳ", "Period")) }
                    th { (t(l, "Hạn nhập liệu", "Deadline")) } th { (t(l, "Trạng thái", "Status")) }
                } }
                tbody {
                    @for item in &view.items {
                        @let r = &item.report;
                        tr {
                            @if bulk.is_some() { td { input type="checkbox" name="ids" value=(r.id) aria-label=(r.form); } }
                            td { a href={ "/reports/" (r.id) } { (r.form) } }
                            td { (r.unit.name) }
                            td { (Period::parse_key(&r.period.key).map_or(r.period.label.clone(), |p| p.label().get(l).to_owned())) }
                            td { (r.closes_on_display) @if let Some(days) = item.overdue_days { " " span.overdue { (overdue_label(days).get(l)) } } }
                            td { (Status::parse(&r.status).map_or(r.status_label.clone(), |s| s.label().get(l).to_owned())) }
                        }
                    }
                }
            }
            @if let Some((action, words)) = bulk {
                input type="hidden" name="action" value=(action);
                @if action == "send" { label.check { input type="checkbox" name="sign" value="server" checked; " " (t(l, "Ký số bằng chứng thư của đơn vị lưu trên máy chủ", "Sign with the unit's server-held certificate")) } }
                div.actions { button type="submit" { (words) } }
            }
        }
    }
}

/// What a bulk step did: how many reports moved, and why each other one did not.
fn outcome(results: &[BulkResultDto], l: Locale) -> Markup {
    let done = results.iter().filter(|r| r.ok).count();
    html! {
        div.flash.ok role="status" { (t(l, "Đã xử lý ", "Done: ")) (done) " / " (results.len()) (t(l, " báo cáo.", " reports.")) }
        @let refused: Vec<&BulkResultDto> = results.iter().filter(|r| !r.ok).collect();
        @if !refused.is_empty() {
            div.flash.error role="alert" { ul {
                @for r in refused { li { a href={ "/reports/" (r.id) } { (t(l, "Báo cáo số ", "Report ")) (r.id) } ": "
                    (r.error.as_ref().map_or("", |e| if l == Locale::Vi { e.message.as_str() } else { e.message_en.as_str() })) } }
            } }
        }
    }
}

async fn bulk(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, name: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    // Repeated fields (ids) need the pairs as sent.
    let pairs = form.into_inner();
    let get = |k: &str| pairs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let (l, who) = form_caller(&req, who, &get("csrf_token").unwrap_or_default())?;
    let queue = Queue::parse(&name).ok_or(WebError::from(baocao_app::Error::NotFound("queue"))).in_locale(l)?;
    let ids: Vec<i64> = pairs.iter().filter(|(k, _)| k == "ids").filter_map(|(_, v)| v.parse().ok()).collect();
    let input = BulkTransitionInput {
        action: get("action").unwrap_or_default(),
        ids,
        comment: None,
        signature: get("sign").map(|key| baocao_app::signatures::SignatureInput { key, look: Default::default() }),
    };
    let results = baocao_app::reports::bulk_transition(&state.app, &who, input).await.in_locale(l)?;
    render(&state, l, &who, queue, None, Some(wire::bulk_results(&results))).await
}
