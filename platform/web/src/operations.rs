//! The platform operator's page of background work: each job's last run and
//! the outbox, with the last delivery error of mails that did not go.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_domain::format::moment;
use baocao_domain::text::Text;
use baocao_http::locale::{self, t};
use baocao_http::page::{InLocale, PagePrincipal, PageResult, html_page, layout};
use baocao_http::params::Params;
use baocao_http::state::AppState;
use maud::html;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/operations", web::get().to(show));
}

#[derive(Debug, Deserialize)]
pub struct OperationsQuery {
    pub state: Option<String>,
}

fn state_label(state: &str) -> Text {
    match state {
        "pending" => Text::fixed("Chờ gửi", "Waiting"),
        "sending" => Text::fixed("Đang gửi", "Sending"),
        "sent" => Text::fixed("Đã gửi", "Sent"),
        _ => Text::fixed("Không gửi được", "Failed"),
    }
}

async fn show(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<OperationsQuery>,
) -> PageResult {
    let (l, who) = (locale::of(&req), who.0);
    let jobs = baocao_app::operations::job_runs(&state.app, &who).await.in_locale(l)?;
    let mails = baocao_app::outbox::list(&state.app, &who, query.state.as_deref(), 1, 50).await.in_locale(l)?;
    let at = |m: Option<chrono::DateTime<chrono::Utc>>| m.map(|m| moment(m, l)).unwrap_or_default();
    let body = html! {
        h1 { (t(l, "Vận hành", "Operations")) }
        h2 { (t(l, "Công việc nền", "Background jobs")) }
        table #jobs {
            thead { tr { th { (t(l, "Công việc", "Job")) } th { (t(l, "Số lần chạy", "Runs")) } th { (t(l, "Lỗi", "Failures")) } th { (t(l, "Lần chạy gần nhất", "Last run")) } th { (t(l, "Kết quả", "Outcome")) } th { (t(l, "Máy chạy", "Instance")) } } }
            tbody { @for j in &jobs { tr {
                td { (baocao_domain::operations::job_label(&j.name).get(l)) } td.num { (j.runs) } td.num { (j.failures) } td { (at(j.last_finished_at)) }
                td { @if j.last_ok == Some(true) { (t(l, "Thành công", "OK")) } @else { span.overdue { (t(l, "Lỗi: ", "Failed: ")) (j.last_error.clone().unwrap_or_default()) } } }
                td { (j.instance.clone().unwrap_or_default()) }
            } } }
        }
        h2 { (t(l, "Hộp thư đi", "Outbox")) }
        p { @for s in ["pending", "failed", "sent"] { a.button.secondary href={ "/operations?state=" (s) } { (state_label(s).get(l)) } " " } }
        p.muted { (t(l, "Tổng số: ", "Total: ")) (mails.total) }
        table #outbox {
            thead { tr { th { (t(l, "Người nhận", "To")) } th { (t(l, "Tiêu đề", "Subject")) } th { (t(l, "Trạng thái", "State")) } th { (t(l, "Số lần thử", "Tries")) } th { (t(l, "Lỗi gần nhất", "Last error")) } th { (t(l, "Tạo lúc", "Created")) } } }
            tbody { @for m in &mails.items { tr {
                td { (m.to) } td { (m.subject) }
                td { (state_label(&m.state).get(l)) }
                td.num { (m.attempts) } td { (m.last_error.clone().unwrap_or_default()) } td { (moment(m.created_at, l)) }
            } } }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Vận hành", "Operations"), Some(&who), body)))
}
