//! "Kiểm tra ký số": every signature of a PDF, checked the way a careful
//! receiver would — the byte range covers the whole revision but the
//! signature value, the message digest matches, the CMS signature verifies
//! over the DER of the signed attributes, the certificate chains to a
//! configured anchor and was valid at the claimed time and fit for signing,
//! it is not on its CA's revocation list, and nothing was changed after
//! signing but further signatures.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone};
use der::Decode;
use lopdf::{Dictionary, Document, Object, ObjectId};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{CrlStatus, X509, X509Crl, X509StoreContext};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsage;

use crate::pdf::text_string;
use crate::{CertificateInfo, Error, cms};

/// The anchors a signature must chain to, and the revocation lists known.
#[derive(Default)]
pub struct Trust {
    anchors: Vec<X509>,
    crls: Vec<X509Crl>,
}

impl Trust {
    /// Every certificate (`.pem`, `.crt`, `.cer`, PEM or DER) and CRL (`.crl`)
    /// in `dir`; a missing directory trusts nothing.
    pub fn from_dir(dir: &Path) -> Result<Self, Error> {
        let mut trust = Trust::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(trust);
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            let Ok(bytes) = std::fs::read(&path) else { continue };
            match ext.as_str() {
                "pem" | "crt" | "cer" => trust.anchors.extend(certificates(&bytes)),
                "crl" => trust.crls.extend(X509Crl::from_der(&bytes).or_else(|_| X509Crl::from_pem(&bytes))),
                _ => {}
            }
        }
        Ok(trust)
    }

    pub fn with_anchor(mut self, cert: X509) -> Self {
        self.anchors.push(cert);
        self
    }

    pub fn with_crl(mut self, crl: X509Crl) -> Self {
        self.crls.push(crl);
        self
    }

    pub fn anchors(&self) -> usize {
        self.anchors.len()
    }

    /// Adds a CRL fetched from a distribution point (DER or PEM); unreadable bytes are ignored.
    pub fn with_crl_bytes(self, bytes: &[u8]) -> Self {
        match X509Crl::from_der(bytes).or_else(|_| X509Crl::from_pem(bytes)) {
            Ok(crl) => self.with_crl(crl),
            Err(_) => self,
        }
    }
}

/// The CRL distribution points (http URLs) of certificates a trusted CA
/// issued: fetching an address only a trusted issuer wrote is safe, one from
/// an untrusted certificate would let any PDF make the server call anywhere.
pub fn crl_urls(checks: &[SignatureCheck]) -> Vec<String> {
    let mut urls = Vec::new();
    for c in checks.iter().filter(|c| c.trusted && c.revocation == Revocation::Unknown) {
        let Some(cert) = c.signer_certificate.as_ref().and_then(|d| X509::from_der(d).ok()) else { continue };
        for point in cert.crl_distribution_points().into_iter().flatten() {
            let names = point.distpoint().and_then(|d| d.fullname());
            for name in names.into_iter().flatten() {
                if let Some(uri) = name.uri().filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
                    if !urls.iter().any(|u| u == uri) {
                        urls.push(uri.to_owned());
                    }
                }
            }
        }
    }
    urls
}

fn certificates(bytes: &[u8]) -> Vec<X509> {
    X509::stack_from_pem(bytes)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| X509::from_der(bytes).ok().map(|c| vec![c]))
        .unwrap_or_default()
}

/// What was found about the signer's certificate on the revocation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    Good,
    Revoked,
    /// No list of the issuer was at hand: "not checked".
    Unknown,
}

/// Why a signature is not valid, or what could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    ByteRange,
    DigestMismatch,
    SignatureInvalid,
    BadCms(String),
    NoSigner,
    SigningCertificateMismatch,
    /// PAdES forbids the signing-time attribute.
    SigningTimePresent,
    ModifiedAfterSigning,
    Untrusted(String),
    NotValidAtSigningTime,
    NotForSigning,
    Revoked,
    NoSigningTime,
    /// A time-stamp is attached but does not hold.
    TimeStampInvalid,
}

impl Problem {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::ByteRange => "byte_range",
            Problem::DigestMismatch => "digest_mismatch",
            Problem::SignatureInvalid => "signature_invalid",
            Problem::BadCms(_) => "bad_cms",
            Problem::NoSigner => "no_signer_certificate",
            Problem::SigningCertificateMismatch => "signing_certificate_mismatch",
            Problem::SigningTimePresent => "signing_time_attribute",
            Problem::ModifiedAfterSigning => "modified_after_signing",
            Problem::Untrusted(_) => "untrusted",
            Problem::NotValidAtSigningTime => "certificate_not_valid_at_signing_time",
            Problem::NotForSigning => "certificate_not_for_signing",
            Problem::Revoked => "revoked",
            Problem::NoSigningTime => "no_signing_time",
            Problem::TimeStampInvalid => "time_stamp_invalid",
        }
    }

    /// What a user reads, Vietnamese first.
    pub fn text(&self) -> (String, String) {
        let (vi, en) = match self {
            Problem::ByteRange => ("Vùng dữ liệu được ký không hợp lệ.", "The signed byte range is not valid."),
            Problem::DigestMismatch => {
                ("Tài liệu đã bị thay đổi sau khi ký.", "The document was changed after signing.")
            }
            Problem::SignatureInvalid => ("Giá trị chữ ký không đúng.", "The signature value does not verify."),
            Problem::BadCms(_) => ("Chữ ký không đọc được.", "The signature cannot be read."),
            Problem::NoSigner => ("Không tìm thấy chứng thư của người ký.", "The signer's certificate is missing."),
            Problem::SigningCertificateMismatch => {
                ("Chứng thư trong chữ ký không khớp.", "The signing certificate attribute does not match.")
            }
            Problem::SigningTimePresent => (
                "Chữ ký PAdES không được có thuộc tính thời gian ký.",
                "A PAdES signature must not carry signing-time.",
            ),
            Problem::ModifiedAfterSigning => (
                "Tài liệu có thay đổi sau khi ký (ngoài chữ ký khác).",
                "The document was changed after signing (beyond further signatures).",
            ),
            Problem::Untrusted(_) => (
                "Chứng thư không thuộc tổ chức chứng thực tin cậy.",
                "The certificate does not lead to a trusted authority.",
            ),
            Problem::NotValidAtSigningTime => {
                ("Chứng thư hết hiệu lực tại thời điểm ký.", "The certificate was not valid at the signing time.")
            }
            Problem::NotForSigning => ("Chứng thư không dùng để ký số.", "The certificate is not for signing."),
            Problem::Revoked => ("Chứng thư đã bị thu hồi.", "The certificate has been revoked."),
            Problem::NoSigningTime => ("Chữ ký không ghi thời gian ký.", "The signature states no signing time."),
            Problem::TimeStampInvalid => {
                ("Dấu thời gian kèm chữ ký không hợp lệ.", "The signature's time-stamp is not valid.")
            }
        };
        (vi.to_owned(), en.to_owned())
    }
}

/// One signature, checked.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    pub field: String,
    pub signer: Option<CertificateInfo>,
    /// The signer's certificate (DER), to compare with the one expected.
    pub signer_certificate: Option<Vec<u8>>,
    pub signed_at: Option<DateTime<FixedOffset>>,
    /// The time a trusted authority stamped on the signature (PAdES B-T).
    pub time_stamp: Option<chrono::DateTime<chrono::Utc>>,
    /// The byte range, digest and signature hold, and nothing but signatures came after.
    pub intact: bool,
    pub trusted: bool,
    pub revocation: Revocation,
    pub problems: Vec<Problem>,
    /// Where the signed revision ends; the last signature covers the whole file.
    pub revision_end: usize,
}

impl SignatureCheck {
    pub fn valid(&self) -> bool {
        self.problems.is_empty() && self.intact && self.trusted && self.revocation != Revocation::Revoked
    }
}

/// Every signature of `pdf`, in the order they were made.
pub fn verify(pdf: &[u8], trust: &Trust) -> Result<Vec<SignatureCheck>, Error> {
    let doc = Document::load_mem(pdf).map_err(|e| Error::BadPdf(e.to_string()))?;
    let mut checks: Vec<SignatureCheck> =
        signature_fields(&doc).into_iter().map(|(name, sig)| check(pdf, &doc, name, &sig, trust)).collect();
    checks.sort_by_key(|c| c.revision_end);
    Ok(checks)
}

/// (field name, signature dictionary) of every signed signature field.
fn signature_fields(doc: &Document) -> Vec<(String, Dictionary)> {
    let mut out = Vec::new();
    for object in doc.objects.values() {
        let Ok(d) = object.as_dict() else { continue };
        if !d.get(b"FT").and_then(Object::as_name).is_ok_and(|n| n == b"Sig") {
            continue;
        }
        let Some(v) = d.get(b"V").ok().and_then(|v| doc.dereference(v).ok()).and_then(|(_, v)| v.as_dict().ok()) else {
            continue;
        };
        let name = d.get(b"T").ok().and_then(text_string).unwrap_or_default();
        out.push((name, v.clone()));
    }
    out
}

fn check(pdf: &[u8], doc: &Document, field: String, sig: &Dictionary, trust: &Trust) -> SignatureCheck {
    let mut c = SignatureCheck {
        field,
        signer: None,
        signer_certificate: None,
        signed_at: sig.get(b"M").ok().and_then(text_string).and_then(|m| parse_pdf_date(&m)),
        time_stamp: None,
        intact: false,
        trusted: false,
        revocation: Revocation::Unknown,
        problems: Vec::new(),
        revision_end: 0,
    };
    let Some((range, contents)) = byte_range(pdf, sig) else {
        c.problems.push(Problem::ByteRange);
        return c;
    };
    c.revision_end = range[2] + range[3];
    let parsed = match cms::parse(&contents) {
        Ok(p) => p,
        Err(e) => {
            c.problems.push(Problem::BadCms(e.to_string()));
            return c;
        }
    };
    let digest = Sha256::new().chain_update(&pdf[..range[1]]).chain_update(&pdf[range[2]..c.revision_end]).finalize();
    let digest_ok = parsed.digest_is_sha256 && parsed.message_digest.as_deref() == Some(&digest[..]);
    if !digest_ok {
        c.problems.push(Problem::DigestMismatch);
    }
    let Some(signer) = parsed.signer.clone() else {
        c.problems.push(Problem::NoSigner);
        return c;
    };
    let signature_ok = signature_verifies(&signer, &parsed);
    if !signature_ok {
        c.problems.push(Problem::SignatureInvalid);
    }
    if parsed.signing_certificate_hash.as_deref() != Some(&Sha256::digest(&signer)[..]) {
        c.problems.push(Problem::SigningCertificateMismatch);
    }
    if parsed.has_signing_time {
        c.problems.push(Problem::SigningTimePresent);
    }
    let unchanged = c.revision_end == pdf.len() || only_signatures_after(pdf, doc, c.revision_end);
    if !unchanged {
        c.problems.push(Problem::ModifiedAfterSigning);
    }
    c.intact = digest_ok && signature_ok && unchanged;
    if let Some(token) = &parsed.time_stamp {
        match crate::tsa::check(token, &parsed.signature, trust) {
            Some(stamp) => c.time_stamp = Some(stamp.time),
            None => c.problems.push(Problem::TimeStampInvalid),
        }
    }
    c.signer = CertificateInfo::of_der(&signer).ok();
    c.signer_certificate = Some(signer.clone());
    check_certificate(&mut c, &signer, &parsed.certificates, trust);
    c
}

/// The four numbers of `/ByteRange`, checked to leave out exactly the
/// `<…>` of `/Contents` (a forged gap is the classic attack), and the contents.
fn byte_range(pdf: &[u8], sig: &Dictionary) -> Option<([usize; 4], Vec<u8>)> {
    let nums: Vec<usize> = sig
        .get(b"ByteRange")
        .ok()?
        .as_array()
        .ok()?
        .iter()
        .map(|n| n.as_i64().ok().and_then(|n| usize::try_from(n).ok()))
        .collect::<Option<_>>()?;
    let [a, b, c, d] = nums[..] else { return None };
    let contents = sig.get(b"Contents").ok()?.as_str().ok()?.to_vec();
    if a != 0 || b == 0 || c <= b || c.checked_add(d)? > pdf.len() {
        return None;
    }
    let gap = &pdf[b..c];
    let hex = gap.strip_prefix(b"<")?.strip_suffix(b">")?;
    if hex.len() != contents.len() * 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let decoded: Option<Vec<u8>> =
        hex.chunks(2).map(|p| std::str::from_utf8(p).ok().and_then(|s| u8::from_str_radix(s, 16).ok())).collect();
    (decoded? == contents).then_some(([a, b, c, d], contents))
}

fn signature_verifies(signer: &[u8], parsed: &cms::Parsed) -> bool {
    cms::signature_matches(signer, &parsed.signed_attributes, &parsed.signature)
}

fn check_certificate(c: &mut SignatureCheck, signer: &[u8], extra: &[Vec<u8>], trust: &Trust) {
    // A trusted time-stamp outranks the time the signer claims.
    let Some(at) = c.time_stamp.map(|t| t.fixed_offset()).or(c.signed_at) else {
        c.problems.push(Problem::NoSigningTime);
        return;
    };
    let chain: Vec<Vec<u8>> = std::iter::once(signer.to_vec()).chain(extra.iter().cloned()).collect();
    let check = check_chain(&chain, trust, at);
    c.trusted = check.trusted;
    c.revocation = check.revocation;
    c.problems.extend(check.problems);
}

/// What a certificate is worth at a moment: whether it leads to an anchor,
/// its revocation status, and what is wrong with it.
#[derive(Debug, Clone)]
pub struct CertificateCheck {
    pub trusted: bool,
    pub revocation: Revocation,
    pub problems: Vec<Problem>,
}

/// Checks `chain[0]` (with the rest as intermediates) as of `at`: the path
/// to an anchor, validity, key usage, revocation.
pub fn check_chain(chain: &[Vec<u8>], trust: &Trust, at: DateTime<FixedOffset>) -> CertificateCheck {
    let mut out = CertificateCheck { trusted: false, revocation: Revocation::Unknown, problems: Vec::new() };
    let Some(leaf) = chain.first().and_then(|d| X509::from_der(d).ok()) else {
        out.problems.push(Problem::NoSigner);
        return out;
    };
    if !fit_for_signing(&chain[0]) {
        out.problems.push(Problem::NotForSigning);
    }
    match path(&leaf, &chain[1..], trust, at.timestamp()) {
        Ok(path) => {
            out.trusted = true;
            out.revocation = revocation(&leaf, &path, trust);
            if out.revocation == Revocation::Revoked {
                out.problems.push(Problem::Revoked);
            }
        }
        Err(ChainError::OutOfValidity) => out.problems.push(Problem::NotValidAtSigningTime),
        Err(ChainError::Untrusted(why)) => out.problems.push(Problem::Untrusted(why)),
    }
    out
}

enum ChainError {
    /// A certificate of the path was not yet or no longer valid at the time.
    OutOfValidity,
    Untrusted(String),
}

impl From<openssl::error::ErrorStack> for ChainError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        ChainError::Untrusted(e.to_string())
    }
}

/// The path from the leaf to an anchor, at the claimed signing time.
fn path(leaf: &X509, extra: &[Vec<u8>], trust: &Trust, at: i64) -> Result<Vec<X509>, ChainError> {
    let mut store = X509StoreBuilder::new()?;
    for anchor in &trust.anchors {
        store.add_cert(anchor.clone())?;
    }
    let mut param = X509VerifyParam::new()?;
    param.set_time(at);
    store.set_param(&param)?;
    let store = store.build();
    let mut untrusted = Stack::new()?;
    for der in extra {
        if let Ok(c) = X509::from_der(der) {
            untrusted.push(c)?;
        }
    }
    let mut ctx = X509StoreContext::new()?;
    ctx.init(&store, leaf, &untrusted, |ctx| {
        if ctx.verify_cert()? {
            return Ok(Ok(ctx.chain().map(|s| s.iter().map(|c| c.to_owned()).collect()).unwrap_or_default()));
        }
        // X509_V_ERR_CERT_NOT_YET_VALID and X509_V_ERR_CERT_HAS_EXPIRED.
        Ok(Err(match ctx.error().as_raw() {
            9 | 10 => ChainError::OutOfValidity,
            _ => ChainError::Untrusted(ctx.error().error_string().to_owned()),
        }))
    })?
}

/// When the certificate states a key usage, it must allow digital signature or non-repudiation.
fn fit_for_signing(der: &[u8]) -> bool {
    let Ok(cert) = Certificate::from_der(der) else { return false };
    let usage = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.15"))
        .and_then(|e| KeyUsage::from_der(e.extn_value.as_bytes()).ok());
    usage.is_none_or(|u| u.digital_signature() || u.non_repudiation())
}

/// The leaf on its issuer's CRL, when a CRL signed by that issuer is known.
fn revocation(leaf: &X509, chain: &[X509], trust: &Trust) -> Revocation {
    let Some(issuer) = chain.get(1) else { return Revocation::Unknown };
    let Ok(issuer_key) = issuer.public_key() else { return Revocation::Unknown };
    let mut answer = Revocation::Unknown;
    for crl in &trust.crls {
        let same_issuer = crl.issuer_name().try_cmp(issuer.subject_name()).is_ok_and(|o| o.is_eq());
        if !same_issuer || !crl.verify(&issuer_key).unwrap_or(false) {
            continue;
        }
        match crl.get_by_cert(leaf) {
            CrlStatus::Revoked(_) => return Revocation::Revoked,
            CrlStatus::NotRevoked | CrlStatus::RemoveFromCrl(_) => answer = Revocation::Good,
        }
    }
    answer
}

/// Whether everything after `end` only adds signatures: earlier objects may
/// change only where a signature is added (a page's `/Annots`, the catalog's
/// `/AcroForm`, the form's `/Fields` and `/SigFlags`), and no new page or content appears.
fn only_signatures_after(pdf: &[u8], now: &Document, end: usize) -> bool {
    let Ok(before) = Document::load_mem(&pdf[..end]) else { return false };
    let allowed: [&[u8]; 4] = [b"Annots", b"AcroForm", b"Fields", b"SigFlags"];
    for (id, old) in &before.objects {
        let Some(new) = now.objects.get(id) else { return false };
        if old == new {
            continue;
        }
        let same = match (old, new) {
            (Object::Dictionary(a), Object::Dictionary(b)) => same_but(a, b, &allowed),
            (Object::Array(a), Object::Array(b)) => b.starts_with(a),
            _ => false,
        };
        if !same {
            return false;
        }
    }
    let added: BTreeMap<&ObjectId, &Object> =
        now.objects.iter().filter(|(id, _)| !before.objects.contains_key(id)).collect();
    added.values().all(|o| o.as_dict().map_or(true, |d| !d.has_type(b"Page") && !d.has_type(b"Pages")))
}

fn same_but(a: &Dictionary, b: &Dictionary, allowed: &[&[u8]]) -> bool {
    let keys = a.iter().map(|(k, _)| k).chain(b.iter().map(|(k, _)| k));
    keys.filter(|k| !allowed.contains(&k.as_slice())).all(|k| a.get(k).ok() == b.get(k).ok())
}

/// `D:YYYYMMDDHHmmSS+07'00'` (the offset may be `Z` or missing: UTC).
pub fn parse_pdf_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = s.get(..14)?;
    let naive = chrono::NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()?;
    let rest = &s[14..];
    let offset = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let h: i32 = rest.get(1..3)?.parse().ok()?;
            let m: i32 = rest.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            let secs = h * 3600 + m * 60;
            FixedOffset::east_opt(if sign == '-' { -secs } else { secs })?
        }
        _ => FixedOffset::east_opt(0)?,
    };
    offset.from_local_datetime(&naive).single()
}
