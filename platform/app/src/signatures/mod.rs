//! Digital signatures ("Ký số"): the report's PDF frozen at approval, the
//! leader's personal signature and the organisation's signature at sending —
//! with a key the server holds, with a USB token through prepare/complete, or
//! as a PDF signed elsewhere and uploaded — and "Kiểm tra ký số" for the
//! receiver and for any PDF. The cryptography is in `baocao-signing`, the
//! PDF drawing in `baocao-documents`; here are the rules: who may sign what,
//! when a signature is required, which key is whose.

mod check;
mod demo;
mod document;
mod images;
mod keys;
mod policy;
mod sign;

pub use check::*;
pub use demo::equip_demo;
pub use document::*;
pub use images::*;
pub use keys::*;
pub use policy::*;
pub use sign::*;

use std::path::PathBuf;
use std::time::Duration;

use baocao_config::SigningSettings;
use baocao_documents::pdf::SignatureKind;
use baocao_domain::text::Invalid;
use baocao_signing::vault::Vault;
use baocao_signing::verify::Trust;

use crate::App;
use crate::error::Error;

/// What the application needs to sign and check: the sealing key, the trust
/// anchors' directory and the platform's default policy.
pub struct Signing {
    vault: Option<Vault>,
    crls: CrlCache,
    tsa_url: Option<String>,
    trust_dir: PathBuf,
    pending: Duration,
    require_organisation: bool,
    require_personal: bool,
}

impl Signing {
    pub fn new(s: &SigningSettings) -> Self {
        Self {
            vault: s.key_secret.as_deref().filter(|k| !k.is_empty()).map(Vault::new),
            crls: CrlCache::default(),
            tsa_url: s.tsa_url.clone().filter(|u| !u.is_empty()),
            trust_dir: s.trust_dir.clone(),
            pending: Duration::from_secs(s.pending_seconds.max(60)),
            require_organisation: s.require_organisation,
            require_personal: s.require_personal,
        }
    }

    /// The anchors and revocation lists, read afresh so an operator can add
    /// a root or a new CRL without a restart.
    fn trust(&self) -> Result<Trust, Error> {
        Trust::from_dir(&self.trust_dir).map_err(Error::internal)
    }

    /// A time-stamp token over `signature` from the configured TSA (PAdES
    /// B-T); none without a TSA. A TSA that does not answer stops the signing:
    /// the user asked for a time-stamped signature and gets none silently.
    async fn time_stamp(&self, signature: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let Some(url) = &self.tsa_url else { return Ok(None) };
        let nonce = baocao_signing::tsa::nonce().map_err(Error::internal)?;
        let request = baocao_signing::tsa::request(signature, nonce);
        let fetch = async {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
            let response = client
                .post(url)
                .header("content-type", "application/timestamp-query")
                .body(request)
                .send()
                .await?
                .error_for_status()?;
            anyhow::Ok(response.bytes().await?.to_vec())
        };
        let response = fetch.await.map_err(|e| Error::Unavailable(e.context("asking the time-stamping authority")))?;
        let token = baocao_signing::tsa::token(&response).map_err(|e| Error::Unavailable(anyhow::Error::new(e)))?;
        Ok(Some(token))
    }

    fn vault(&self) -> Result<&Vault, Error> {
        self.vault.as_ref().ok_or_else(|| {
            Error::Refused(Invalid::new(
                "signing",
                "signing_not_configured",
                baocao_domain::text::Text::fixed(
                    "Máy chủ chưa được cấu hình khóa bảo vệ chứng thư số (signing.key_secret).",
                    "The server has no secret to protect signing keys (signing.key_secret).",
                ),
            ))
        })
    }
}

/// Revocation lists fetched from the distribution points trusted CAs name,
/// kept for an hour; an unreachable one leaves the status "not checked".
#[derive(Default)]
struct CrlCache {
    fetched: tokio::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Vec<u8>)>>,
}

impl CrlCache {
    const KEEP: Duration = Duration::from_secs(3600);
    const MAX_BYTES: usize = 16 * 1024 * 1024;

    async fn get(&self, url: &str) -> Option<Vec<u8>> {
        if let Some((at, bytes)) = self.fetched.lock().await.get(url) {
            if at.elapsed() < Self::KEEP {
                return Some(bytes.clone());
            }
        }
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().ok()?;
        let response = client.get(url).send().await.ok()?.error_for_status().ok()?;
        let bytes = response.bytes().await.ok()?.to_vec();
        if bytes.len() > Self::MAX_BYTES {
            return None;
        }
        self.fetched.lock().await.insert(url.to_owned(), (std::time::Instant::now(), bytes.clone()));
        Some(bytes)
    }
}

/// The kind's word in the API and in field names.
pub fn kind_name(kind: SignatureKind) -> &'static str {
    match kind {
        SignatureKind::Personal => "personal",
        SignatureKind::Organisation => "organisation",
    }
}

/// A signature-specific refusal: field "signature", a code and both texts.
fn refused(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Error {
    Error::invalid("signature", code, vi, en)
}

/// What the signing crate could not do, in the user's words; the rest is internal.
fn from_signing(e: baocao_signing::Error) -> Error {
    use baocao_signing::Error as E;
    match e {
        E::NotPkcs12 => refused(
            "not_pkcs12",
            "Tập tin không phải chứng thư số PKCS#12 (.p12, .pfx).",
            "Not a PKCS#12 file (.p12, .pfx).",
        ),
        E::WrongPassword => {
            refused("wrong_password", "Mật khẩu của tập tin chứng thư số không đúng.", "The PKCS#12 password is wrong.")
        }
        E::Incomplete => refused(
            "no_private_key",
            "Tập tin không chứa khóa bí mật kèm chứng thư.",
            "The file holds no private key with its certificate.",
        ),
        E::KeyMismatch => refused(
            "key_mismatch",
            "Chứng thư không khớp với khóa bí mật.",
            "The certificate does not match the private key.",
        ),
        E::BadCertificate(_) => {
            refused("bad_certificate", "Chứng thư số không đọc được.", "The certificate cannot be read.")
        }
        E::BadPdf(_) => refused("bad_pdf", "Tập tin PDF không hợp lệ.", "The PDF cannot be read."),
        E::BadCms(_) => refused("bad_signature", "Chữ ký số không đọc được.", "The signature cannot be read."),
        other => Error::internal(other),
    }
}

impl App {
    pub(crate) fn signing(&self) -> &Signing {
        &self.signing
    }
}
