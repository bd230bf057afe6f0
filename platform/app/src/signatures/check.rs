//! "Kiểm tra ký số": every signature of a report's document (stored when
//! the report is sent, recomputed on demand), and of any PDF an official
//! brings from elsewhere.

use std::collections::BTreeMap;

use baocao_documents::pdf::SignatureKind;
use baocao_domain::clock::vietnam_time;
use baocao_signing::verify::{Revocation, SignatureCheck, Trust, crl_urls, verify};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{from_signing, kind_name};
use crate::reports::get;
use crate::{App, Caller, Error};

/// One signature as a user sees it checked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    pub field: String,
    /// "personal" (the leader's) or "organisation".
    pub kind: String,
    /// The signer's name (the certificate's common name).
    pub signer: Option<String>,
    pub subject: Option<String>,
    pub serial: Option<String>,
    /// The claimed signing time, with Viet Nam's offset.
    pub signed_at: Option<String>,
    /// The time a trusted time-stamping authority vouches for (PAdES B-T), with Viet Nam's offset.
    #[serde(default)]
    pub time_stamp: Option<String>,
    pub valid: bool,
    pub intact: bool,
    pub trusted: bool,
    /// "good", "revoked" or "unknown" (not checked: no revocation list at hand).
    pub revocation: String,
    pub problems: Vec<ProblemView>,
}

impl SignatureView {
    /// When it was signed as users read it: dd/MM/yyyy HH:mm:ss (Viet Nam
    /// time), the time-stamp's when there is one.
    pub fn shown_time(&self) -> String {
        self.time_stamp
            .as_deref()
            .or(self.signed_at.as_deref())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.format("%d/%m/%Y %H:%M:%S").to_string())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProblemView {
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// The stored signatures of a report's document; `recheck` checks them
/// afresh (against today's anchors and revocation lists) and stores the result.
pub async fn report_signatures(app: &App, who: &Caller, id: i64, recheck: bool) -> Result<Vec<SignatureView>, Error> {
    let report = get(app, who, id).await?;
    let Some(doc) = app.store.report_document_unscoped(report.id).await? else { return Ok(Vec::new()) };
    if !recheck && let Some(stored) = doc.checks.and_then(|c| serde_json::from_value(c).ok()) {
        return Ok(stored);
    }
    let views = check(app, &doc.pdf, &doc.fields).await?;
    let json = serde_json::to_value(&views).map_err(Error::internal)?;
    app.store.save_document_checks(report.id, &json).await?;
    Ok(views)
}

/// The signatures of a report's document as last checked (for a report the caller already read).
pub(crate) async fn stored_signatures(app: &App, report_id: i64) -> Result<Vec<SignatureView>, Error> {
    let doc = app.store.report_document_unscoped(report_id).await?;
    Ok(doc.and_then(|d| d.checks).and_then(|c| serde_json::from_value(c).ok()).unwrap_or_default())
}

/// Checks any PDF ("Kiểm tra ký số" for documents from elsewhere).
pub async fn verify_pdf(app: &App, _who: &Caller, pdf: Vec<u8>) -> Result<Vec<SignatureView>, Error> {
    check(app, &pdf, &BTreeMap::new()).await
}

/// Every signature of `pdf`, the kinds known from `fields` (else read from the field's name).
pub(crate) async fn check(
    app: &App, pdf: &[u8], fields: &BTreeMap<String, String>,
) -> Result<Vec<SignatureView>, Error> {
    Ok(checks(app, pdf).await?.iter().map(|c| view(c, fields)).collect())
}

/// Every signature of `pdf` checked, with the revocation lists of trusted
/// issuers that the trust directory lacks fetched and the check run again.
pub(crate) async fn checks(app: &App, pdf: &[u8]) -> Result<Vec<SignatureCheck>, Error> {
    let pdf = std::sync::Arc::new(pdf.to_vec());
    let (trust, checks) = verify_blocking(pdf.clone(), app.signing().trust()?).await?;
    let mut fetched = Vec::new();
    for url in crl_urls(&checks) {
        fetched.extend(app.signing().crls.get(&url).await);
    }
    if fetched.is_empty() {
        return Ok(checks);
    }
    let trust = fetched.iter().fold(trust, |t, crl| t.with_crl_bytes(crl));
    Ok(verify_blocking(pdf, trust).await?.1)
}

/// Verification is CPU work: off the async workers.
async fn verify_blocking(pdf: std::sync::Arc<Vec<u8>>, trust: Trust) -> Result<(Trust, Vec<SignatureCheck>), Error> {
    let (trust, checks) = tokio::task::spawn_blocking(move || {
        let checks = verify(&pdf, &trust);
        (trust, checks)
    })
    .await
    .map_err(Error::internal)?;
    Ok((trust, checks.map_err(from_signing)?))
}

pub(crate) fn view(c: &SignatureCheck, fields: &BTreeMap<String, String>) -> SignatureView {
    let kind = fields.get(&c.field).cloned().unwrap_or_else(|| {
        let organisation = c.field.contains("organisation") || c.field.contains("to-chuc");
        kind_name(if organisation { SignatureKind::Organisation } else { SignatureKind::Personal }).to_owned()
    });
    SignatureView {
        field: c.field.clone(),
        kind,
        signer: c.signer.as_ref().map(|s| s.common_name.clone()),
        subject: c.signer.as_ref().map(|s| s.subject.clone()),
        serial: c.signer.as_ref().map(|s| s.serial.clone()),
        signed_at: c.signed_at.map(|t| vietnam_time(t.to_utc()).to_rfc3339()),
        time_stamp: c.time_stamp.map(|t| vietnam_time(t).to_rfc3339()),
        valid: c.valid(),
        intact: c.intact,
        trusted: c.trusted,
        revocation: match c.revocation {
            Revocation::Good => "good",
            Revocation::Revoked => "revoked",
            Revocation::Unknown => "unknown",
        }
        .to_owned(),
        problems: c
            .problems
            .iter()
            .map(|p| {
                let (message, message_en) = p.text();
                ProblemView { code: p.code().to_owned(), message, message_en }
            })
            .collect(),
    }
}
