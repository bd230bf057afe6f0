//! The sections of a narrative report, sanitised before they are stored.

use baocao_domain::report::Role;
use baocao_storage::ReportRow;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;

use super::*;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SectionInput {
    pub version: i32,
    /// Formatted text; sanitised on the server.
    pub html: String,
}

/// Saves one section of a narrative report, after sanitising its HTML.
pub async fn save_section(
    app: &App, who: &Caller, id: i64, section: &str, input: SectionInput,
) -> Result<ReportRow, Error> {
    let report = for_write(app, who, id).await?;
    let grant = app.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await?;
    let entry = plugin_of(app, &report).await?;
    let Some(Template::Narrative(outline)) = template(&entry.plugin, &report.form) else {
        return Err(Error::invalid(
            "form",
            "not_narrative",
            "Báo cáo này không phải báo cáo thuyết minh.",
            "This report is not a narrative report.",
        ));
    };
    if !outline.sections.iter().any(|s| s.code == section) {
        return Err(Error::invalid(
            "section",
            "unknown_section",
            format!("Đề cương không có mục \"{section}\"."),
            format!("The outline has no section \"{section}\"."),
        ));
    }
    if input.html.len() > 512 * 1024 {
        return Err(Error::PayloadTooLarge);
    }
    let clean = baocao_domain::sanitize::html(&input.html);
    let edit = baocao_storage::SectionEdit { expected_version: input.version, section, html: &clean };
    Ok(app.store.save_report_section(&grant, &who.actor(), id, edit, app.clock.today()).await?)
}

/// A narrative report's outline, section by section, with what was saved in each.
pub async fn outline_sections(
    app: &App, who: &Caller, id: i64,
) -> Result<Vec<(baocao_plugins::abi::Section, String)>, Error> {
    let report = get(app, who, id).await?;
    let Template::Narrative(outline) = template_of(app, &report).await? else {
        return Err(Error::NotFound("form"));
    };
    let mut saved = sections(app, who, id).await?;
    Ok(outline
        .sections
        .into_iter()
        .map(|sec| {
            let html = saved.remove(&sec.code).unwrap_or_default();
            (sec, html)
        })
        .collect())
}
