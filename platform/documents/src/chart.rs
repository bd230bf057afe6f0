//! The compliance chart: a horizontal stacked bar per unit (on time, late,
//! missing) as an SVG drawn on the server, for the dashboard and print.

use baocao_domain::compliance::Summary;
use maud::{Markup, html};

/// A horizontal stacked bar per line: on time, late, missing — drawn on the server.
pub fn on_time_bars(lines: &[(String, Summary)], title: &str) -> Markup {
    let height = 28 * lines.len() + 40;
    let width = 720.0;
    let label_width = 260.0;
    let bar = width - label_width - 60.0;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } role="img" aria-label=(title) class="chart" {
            title { (title) }
            @for (i, (name, s)) in lines.iter().enumerate() {
                @let y = 10 + i * 28;
                @let total = s.assigned.max(1) as f64;
                @let w_on = bar * s.on_time as f64 / total;
                @let w_late = bar * s.late as f64 / total;
                @let w_missing = bar * s.missing as f64 / total;
                text x="0" y=(y + 15) font-size="12" { (name) }
                rect x=(label_width) y=(y) width=(w_on) height="18" fill="#2e7d32" { title { "Đúng hạn: " (s.on_time) } }
                rect x=(label_width + w_on) y=(y) width=(w_late) height="18" fill="#ef6c00" { title { "Trễ hạn: " (s.late) } }
                rect x=(label_width + w_on + w_late) y=(y) width=(w_missing) height="18" fill="#c62828" { title { "Chưa gửi: " (s.missing) } }
                text x=(label_width + bar + 6.0) y=(y + 15) font-size="12" { (format!("{:.0}%", s.on_time_percent())) }
            }
            @let legend = 10 + lines.len() * 28 + 8;
            rect x=(label_width) y=(legend) width="12" height="12" fill="#2e7d32" {}
            text x=(label_width + 16.0) y=(legend + 10) font-size="12" { "Đúng hạn" }
            rect x=(label_width + 100.0) y=(legend) width="12" height="12" fill="#ef6c00" {}
            text x=(label_width + 116.0) y=(legend + 10) font-size="12" { "Trễ hạn" }
            rect x=(label_width + 200.0) y=(legend) width="12" height="12" fill="#c62828" {}
            text x=(label_width + 216.0) y=(legend + 10) font-size="12" { "Chưa gửi" }
        }
    }
}
