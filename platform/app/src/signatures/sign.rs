//! Signing a report: with a key the server holds (in the same step as the
//! approval or the sending), with a USB token (prepare → the token signs the
//! DER of the signed attributes → complete), or as a PDF signed by another
//! tool and uploaded. Every way ends in the same workflow step, which writes
//! the signed document in its own transaction.

use std::collections::BTreeMap;

use baocao_documents::pdf::{SignatureKind, signature_appearance, signature_rect};
use baocao_domain::clock::vietnam_time;
use baocao_domain::content::ReportRow;
use baocao_domain::report::Action;
use baocao_signing::pdf::{Field, Prepared as PreparedPdf, field_names, last_page_size, prepare as prepare_pdf};
use baocao_signing::{CertificateInfo, SigningKey, cms};
use baocao_storage::{DocumentWrite, KeyOwner, PendingSignature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::document::{base, render};
use super::keys::{decode_chain, load_key, usable_now};
use super::{check, from_signing, kind_name, refused};
use crate::reports::{Signed, TransitionInput, get, may_take, take_step};
use crate::{App, Caller, Error};

/// How a signature looks on the page.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Look {
    /// Leave the signer's name off the visible signature ("ẩn người ký").
    #[serde(default)]
    pub hide_signer: bool,
    /// Leave the signing time off the visible signature ("ẩn ngày giờ").
    #[serde(default)]
    pub hide_time: bool,
    /// One of the caller's signature images.
    #[serde(default)]
    pub image: Option<i64>,
}

/// How to sign in a workflow step (`"signature"` of a transition).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SignatureInput {
    /// "server": the key the server holds — the caller's for approval, the unit's for sending.
    pub key: String,
    #[serde(flatten)]
    pub look: Look,
}

/// A signature to prepare for a token.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PrepareInput {
    /// "approve" (the leader's signature) or "send" (the organisation's).
    pub action: String,
    /// The signer's certificate chain, base64 DER, leaf first.
    pub certificate_chain: Vec<String>,
    #[serde(flatten)]
    pub look: Look,
}

/// What the token must sign: the DER of the signed attributes, and its SHA-256.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreparedView {
    pub id: String,
    pub to_be_signed: String,
    pub digest: String,
    pub digest_algorithm: &'static str,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CompleteInput {
    /// The token's signature over `to_be_signed`, base64.
    pub signature: String,
}

/// Which signature an action makes, if any.
pub fn kind_for(action: Action) -> Option<SignatureKind> {
    match action {
        Action::Approve => Some(SignatureKind::Personal),
        Action::Send => Some(SignatureKind::Organisation),
        _ => None,
    }
}

/// Whether the unit's policy (or the platform's default) requires a signature of `kind`.
pub(crate) async fn required(app: &App, report: &ReportRow, kind: SignatureKind) -> Result<bool, Error> {
    let policy = app.store.signing_policy_unscoped(report.unit_id).await?;
    let s = app.signing();
    Ok(match kind {
        SignatureKind::Personal => policy.require_personal.unwrap_or(s.require_personal),
        SignatureKind::Organisation => policy.require_organisation.unwrap_or(s.require_organisation),
    })
}

fn missing(kind: SignatureKind) -> Error {
    match kind {
        SignatureKind::Personal => refused(
            "signature_required",
            "Đơn vị yêu cầu lãnh đạo ký số khi duyệt báo cáo.",
            "The unit requires the leader's digital signature to approve.",
        ),
        SignatureKind::Organisation => refused(
            "signature_required",
            "Đơn vị yêu cầu ký số của cơ quan trước khi gửi báo cáo.",
            "The unit requires the organisation's digital signature before sending.",
        ),
    }
}

/// The document a workflow step writes: the PDF frozen at approval (signed
/// by the leader when asked), signed by the organisation at sending.
pub(crate) async fn document_for_step(
    app: &App, who: &Caller, report: &ReportRow, action: Action, input: Option<&SignatureInput>,
) -> Result<Option<DocumentWrite>, Error> {
    let Some(kind) = kind_for(action) else { return Ok(None) };
    let (pdf, mut fields) = start_document(app, report, action).await?;
    let pdf = match input {
        None if required(app, report, kind).await? => return Err(missing(kind)),
        None => pdf,
        Some(s) if s.key != "server" => {
            return Err(refused(
                "unknown_key",
                "Chỉ ký bằng khóa lưu trên máy chủ trong bước này; dùng ký bằng USB token hoặc tải lên tệp đã ký.",
                "Only the server-held key signs in this step; use the token or upload a signed file.",
            ));
        }
        Some(s) => {
            let key = server_key(app, who, report, kind).await?;
            let (signed, field) = sign_with_key(app, who, &pdf, kind, &key, &s.look).await?;
            fields.insert(field, kind_name(kind).to_owned());
            signed
        }
    };
    write(app, action, pdf, fields).await.map(Some)
}

/// The document as a step writes it; at sending its signatures are checked and the result kept.
async fn write(
    app: &App, action: Action, pdf: Vec<u8>, fields: BTreeMap<String, String>,
) -> Result<DocumentWrite, Error> {
    let views = match action {
        Action::Send => Some(check(app, &pdf, &fields).await?),
        _ => None,
    };
    assemble(pdf, fields, views)
}

/// The document as written, with the checks already made (kept when sending).
fn assemble(
    pdf: Vec<u8>, fields: BTreeMap<String, String>, views: Option<Vec<super::SignatureView>>,
) -> Result<DocumentWrite, Error> {
    let checks = views.map(serde_json::to_value).transpose().map_err(Error::internal)?;
    Ok(DocumentWrite { pdf, fields, checks })
}

/// The kinds of the signatures the step's document already holds: none at
/// approval (a fresh drawing), the frozen document's at sending.
async fn fields_before(app: &App, report: &ReportRow, action: Action) -> Result<BTreeMap<String, String>, Error> {
    match action {
        Action::Approve => Ok(BTreeMap::new()),
        _ => Ok(app.store.report_document_unscoped(report.id).await?.map(|d| d.fields).unwrap_or_default()),
    }
}

/// Approval freezes a fresh drawing of the content; sending continues the frozen document.
async fn start_document(
    app: &App, report: &ReportRow, action: Action,
) -> Result<(Vec<u8>, BTreeMap<String, String>), Error> {
    match action {
        Action::Approve => Ok((render(app, report).await?, BTreeMap::new())),
        _ => base(app, report).await,
    }
}

async fn server_key(app: &App, who: &Caller, report: &ReportRow, kind: SignatureKind) -> Result<SigningKey, Error> {
    let (owner, vi, en) = match kind {
        SignatureKind::Personal => (
            KeyOwner::User(who.user.id),
            "Bạn chưa có chứng thư số cá nhân lưu trên máy chủ.",
            "You have no personal certificate on the server.",
        ),
        SignatureKind::Organisation => (
            KeyOwner::Unit(report.unit_id),
            "Đơn vị chưa có chứng thư số của cơ quan lưu trên máy chủ.",
            "The unit has no organisation certificate on the server.",
        ),
    };
    let key = load_key(app, owner).await?.ok_or_else(|| refused("no_key", vi, en))?;
    usable_now(app, &key.chain_der().map_err(Error::internal)?)?;
    Ok(key)
}

/// The field of the next signature: its unique name, its place, its appearance.
async fn field<'a>(
    app: &App, who: &Caller, pdf: &[u8], kind: SignatureKind, signer: &str, look: &Look, appearance: &'a mut Vec<u8>,
) -> Result<Field<'a>, Error> {
    let page = last_page_size(pdf).map_err(from_signing)?;
    let rect = signature_rect(kind, page);
    let time = vietnam_time(app.clock.now());
    let image = match look.image {
        Some(id) => Some(super::images::image(app, who, id).await?),
        None => None,
    };
    let lines = appearance_lines(kind, signer, image.as_ref().map(|i| i.title.as_str()), look, time);
    let size = (rect[2] - rect[0], rect[3] - rect[1]);
    *appearance =
        signature_appearance(size, image.as_ref().map(|i| i.png.as_slice()), &lines).map_err(Error::internal)?;
    let taken = field_names(pdf).map_err(from_signing)?.len();
    Ok(Field {
        name: format!("baocao-{}-{}", kind_name(kind), taken + 1),
        rect,
        appearance: appearance.as_slice(),
        signer_name: signer.to_owned(),
        reason: match kind {
            SignatureKind::Personal => "Duyệt báo cáo".to_owned(),
            SignatureKind::Organisation => "Ký số và gửi báo cáo".to_owned(),
        },
        location: String::new(),
        time,
    })
}

fn appearance_lines(
    kind: SignatureKind, signer: &str, title: Option<&str>, look: &Look, t: DateTime<FixedOffset>,
) -> Vec<String> {
    let mut lines = Vec::new();
    if !look.hide_signer {
        lines.push(match kind {
            SignatureKind::Personal => format!("Ký bởi: {signer}"),
            SignatureKind::Organisation => signer.to_owned(),
        });
    }
    if let Some(title) = title.filter(|t| !t.is_empty()) {
        lines.push(title.to_owned());
    }
    if !look.hide_time {
        lines.push(format!("Thời gian ký: {}", t.format("%d/%m/%Y %H:%M:%S %:z")));
    }
    lines
}

/// Signs `pdf` with a key the server holds; answers the signed PDF and the field's name.
async fn sign_with_key(
    app: &App, who: &Caller, pdf: &[u8], kind: SignatureKind, key: &SigningKey, look: &Look,
) -> Result<(Vec<u8>, String), Error> {
    let signer = CertificateInfo::of(key.certificate()).map_err(from_signing)?.common_name;
    let mut appearance = Vec::new();
    let field = field(app, who, pdf, kind, &signer, look, &mut appearance).await?;
    let prepared = prepare_pdf(pdf, &field).map_err(from_signing)?;
    let chain = key.chain_der().map_err(Error::internal)?;
    let attributes = cms::signed_attributes(&prepared.digest(), &chain[0]).map_err(Error::internal)?;
    let signature = key.sign(&attributes).map_err(Error::internal)?;
    let stamp = app.signing().time_stamp(&signature).await?;
    let cms = cms::signed_data_stamped(&attributes, &signature, &chain, stamp.as_deref()).map_err(Error::internal)?;
    Ok((prepared.embed(&cms).map_err(Error::internal)?, field.name))
}

fn signing_action(action: &str) -> Result<(Action, SignatureKind), Error> {
    Action::parse(action).and_then(|a| kind_for(a).map(|k| (a, k))).ok_or_else(|| {
        Error::invalid(
            "action",
            "unknown_action",
            "Chỉ ký số khi duyệt (approve) hoặc gửi (send) báo cáo.",
            "Signatures are made when approving (approve) or sending (send).",
        )
    })
}

/// Step one of signing with a token: the document with an empty signature is
/// kept (any instance can complete it), the token gets the bytes to sign.
pub async fn prepare(app: &App, who: &Caller, id: i64, input: PrepareInput) -> Result<PreparedView, Error> {
    let (action, kind) = signing_action(&input.action)?;
    let report = get(app, who, id).await?;
    may_take(app, who, &report, action).await?;
    let chain = input
        .certificate_chain
        .iter()
        .map(|c| STANDARD.decode(c.trim()))
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            refused("bad_certificate", "Chuỗi chứng thư số không hợp lệ.", "The certificate chain cannot be read.")
        })?;
    usable_now(app, &chain)?;
    let info = CertificateInfo::of_der(&chain[0]).map_err(from_signing)?;
    expected_signer(app, who, &report, kind, &chain[0], &info).await?;
    let (pdf, _) = start_document(app, &report, action).await?;
    let mut appearance = Vec::new();
    let field = field(app, who, &pdf, kind, &info.common_name, &input.look, &mut appearance).await?;
    let prepared = prepare_pdf(&pdf, &field).map_err(from_signing)?;
    let attrs = cms::signed_attributes(&prepared.digest(), &chain[0]).map_err(Error::internal)?;
    let pending = PendingSignature {
        id: baocao_signing::vault::random_id().map_err(Error::internal)?,
        report_id: report.id,
        user_id: who.user.id,
        action: action.as_str().to_owned(),
        report_version: report.version,
        field: field.name.clone(),
        prepared: prepared.bytes,
        contents: prepared.contents,
        signed_attributes: attrs.clone(),
        chain: chain.iter().map(|c| STANDARD.encode(c)).collect(),
        expires_at: app.clock.now() + app.signing().pending,
    };
    app.store.add_pending_signature(&pending).await?;
    Ok(PreparedView {
        id: pending.id,
        to_be_signed: STANDARD.encode(&attrs),
        digest: STANDARD.encode(Sha256::digest(&attrs)),
        digest_algorithm: "sha256",
    })
}

/// Step two: the token's signature is checked against the certificate,
/// embedded, and the step (approve or send) is taken with the signed document.
pub async fn complete(app: &App, who: &Caller, id: i64, sid: &str, input: CompleteInput) -> Result<ReportRow, Error> {
    let report = get(app, who, id).await?;
    let p = app.store.pending_signature(report.id, who.user.id, sid).await?;
    let (action, kind) = signing_action(&p.action)?;
    if p.expires_at < app.clock.now() {
        return Err(Error::Conflict(baocao_domain::text::Invalid::new(
            "signature",
            "signature_expired",
            baocao_domain::text::Text::fixed(
                "Yêu cầu ký đã hết hạn, vui lòng ký lại.",
                "The signing request expired; sign again.",
            ),
        )));
    }
    if p.report_version != report.version {
        return Err(Error::Conflict(baocao_domain::text::Invalid::new(
            "signature",
            "report_changed",
            baocao_domain::text::Text::fixed(
                "Báo cáo đã thay đổi sau khi chuẩn bị ký, vui lòng ký lại.",
                "The report changed after the signature was prepared; sign again.",
            ),
        )));
    }
    let chain = decode_chain(&p.chain)?;
    let raw = STANDARD
        .decode(input.signature.trim())
        .map_err(|_| refused("bad_signature", "Chữ ký không đúng định dạng base64.", "The signature is not base64."))?;
    let signature = cms::der_signature(&chain[0], &raw);
    if !cms::signature_matches(&chain[0], &p.signed_attributes, &signature) {
        return Err(refused(
            "signature_mismatch",
            "Chữ ký không khớp với chứng thư số và dữ liệu cần ký.",
            "The signature does not match the certificate and the data to be signed.",
        ));
    }
    let stamp = app.signing().time_stamp(&signature).await?;
    let cms = cms::signed_data_stamped(&p.signed_attributes, &signature, &chain, stamp.as_deref())
        .map_err(Error::internal)?;
    let pdf = PreparedPdf { bytes: p.prepared, contents: p.contents }.embed(&cms).map_err(Error::internal)?;
    let mut fields = fields_before(app, &report, action).await?;
    fields.insert(p.field, kind_name(kind).to_owned());
    let document = write(app, action, pdf, fields).await?;
    take_step(app, who, id, plain(action), Some(Signed { document, completes: Some(p.id) })).await
}

fn plain(action: Action) -> TransitionInput {
    TransitionInput { action: action.as_str().to_owned(), comment: None, forward_to: None, signature: None }
}

/// A PDF signed by another tool (the VNPT-CA or Ban Cơ yếu plugins): taken
/// only if it is the document plus exactly one incremental update holding one
/// new signature that verifies, by the expected person or organisation.
pub async fn upload(app: &App, who: &Caller, id: i64, action: &str, pdf: Vec<u8>) -> Result<ReportRow, Error> {
    let (action, kind) = signing_action(action)?;
    let report = get(app, who, id).await?;
    may_take(app, who, &report, action).await?;
    let (document, mut fields) = start_document(app, &report, action).await?;
    let added = pdf.strip_prefix(document.as_slice()).filter(|rest| !rest.is_empty()).ok_or_else(|| {
        refused(
            "not_this_document",
            "Tệp PDF không phải bản báo cáo đã tải xuống để ký (hoặc đã bị sửa).",
            "The PDF is not the report's document as downloaded for signing (or it was changed).",
        )
    })?;
    if added.windows(5).filter(|w| w == b"%%EOF").count() != 1 {
        return Err(refused(
            "one_update_expected",
            "Tệp đã ký phải chỉ thêm đúng một lần cập nhật (một chữ ký).",
            "The signed file must add exactly one incremental update (one signature).",
        ));
    }
    let before = field_names(&document).map_err(from_signing)?.len();
    let checks = super::check::checks(app, &pdf).await?;
    let new = checks.last().filter(|_| checks.len() == before + 1).ok_or_else(|| {
        refused(
            "one_signature_expected",
            "Tệp đã ký phải có thêm đúng một chữ ký.",
            "The file must hold exactly one new signature.",
        )
    })?;
    if let Some(bad) = checks.iter().find(|c| !c.valid()) {
        let why = bad.problems.first().map(|p| p.text().0).unwrap_or_default();
        return Err(refused(
            "signature_invalid",
            format!("Chữ ký không hợp lệ: {why}"),
            "A signature of the file is not valid.",
        ));
    }
    let leaf = new.signer_certificate.clone().ok_or_else(|| {
        refused("no_signer", "Không tìm thấy chứng thư của người ký.", "The signer's certificate is missing.")
    })?;
    let info = CertificateInfo::of_der(&leaf).map_err(from_signing)?;
    expected_signer(app, who, &report, kind, &leaf, &info).await?;
    fields.insert(new.field.clone(), kind_name(kind).to_owned());
    let views = (action == Action::Send).then(|| checks.iter().map(|c| super::check::view(c, &fields)).collect());
    let document = assemble(pdf, fields, views)?;
    take_step(app, who, id, plain(action), Some(Signed { document, completes: None })).await
}

/// The signer must be who the step is for: the certificate installed for the
/// person or the unit, or a (trusted) certificate in their name — a leader
/// may hold a key on the server and another on a token.
async fn expected_signer(
    app: &App, who: &Caller, report: &ReportRow, kind: SignatureKind, leaf: &[u8], info: &CertificateInfo,
) -> Result<(), Error> {
    let (owner, name) = match kind {
        SignatureKind::Personal => (KeyOwner::User(who.user.id), who.user.full_name.as_str().to_owned()),
        SignatureKind::Organisation => {
            let unit = crate::admin::unit_unscoped(app, report.unit_id).await?;
            (KeyOwner::Unit(report.unit_id), unit.name.as_str().to_owned())
        }
    };
    let installed = app.store.signing_key(owner).await?;
    let same_certificate = match &installed {
        Some(k) => decode_chain(&k.chain)?.first().is_some_and(|c| c == leaf),
        None => false,
    };
    let same_name = info.common_name.trim().to_lowercase() == name.trim().to_lowercase();
    if same_certificate || same_name {
        return Ok(());
    }
    Err(refused(
        "unexpected_signer",
        format!("Chứng thư số của \"{}\" không phải của {name}.", info.common_name),
        format!("The certificate of \"{}\" is not {name}'s.", info.common_name),
    ))
}

/// Accepting a report whose required signature is not valid is refused.
pub(crate) async fn check_before_accept(app: &App, report: &ReportRow) -> Result<(), Error> {
    let mut needed = Vec::new();
    for kind in [SignatureKind::Personal, SignatureKind::Organisation] {
        if required(app, report, kind).await? {
            needed.push(kind);
        }
    }
    if needed.is_empty() {
        return Ok(());
    }
    let doc = app.store.report_document_unscoped(report.id).await?;
    let views = match &doc {
        Some(d) => check(app, &d.pdf, &d.fields).await?,
        None => Vec::new(),
    };
    for kind in needed {
        if !views.iter().any(|v| v.kind == kind_name(kind) && v.valid) {
            return Err(Error::Conflict(baocao_domain::text::Invalid::new(
                "signature",
                "signature_invalid",
                baocao_domain::text::Text::fixed(
                    "Báo cáo chưa có chữ ký số hợp lệ theo yêu cầu; không thể tiếp nhận.",
                    "The report lacks a valid required signature and cannot be accepted.",
                ),
            )));
        }
    }
    Ok(())
}
