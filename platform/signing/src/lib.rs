//! Digital signatures on report PDFs, the PAdES way (ETSI.CAdES.detached).
//!
//! - [`cms`]: the signed attributes a signer signs (content type, message
//!   digest, signing-certificate-v2; no signing-time) and the CMS SignedData
//!   that carries the signature;
//! - [`pdf`]: one signature as one incremental update — the field, its
//!   visible appearance, the `/ByteRange` and the `/Contents` placeholder;
//! - [`verify`]: "Kiểm tra ký số" — every signature of a PDF checked against
//!   the configured trust anchors and revocation lists;
//! - [`keys`]: a signing key from PKCS#12, and what a certificate says;
//! - [`tsa`]: RFC 3161 time-stamps over a signature (PAdES B-T);
//! - [`vault`]: keys sealed with a secret from configuration before they are stored;
//! - [`pki`]: a small certification authority for the demo and the tests.
//!
//! The split between preparing, signing and embedding is what lets a USB
//! token sign elsewhere: the server prepares, the token signs the DER of the
//! signed attributes, the server embeds.

pub mod cms;
mod der_lite;
pub mod keys;
pub mod pdf;
pub mod pki;
pub mod tsa;
pub mod vault;
pub mod verify;

pub use keys::{CertificateInfo, SigningKey};

/// Signs `pdf` with a key held here: the field added as an incremental
/// update, the signed attributes signed, the CMS embedded.
pub fn sign(pdf: &[u8], field: &pdf::Field<'_>, key: &SigningKey) -> Result<Vec<u8>, Error> {
    let prepared = pdf::prepare(pdf, field)?;
    let chain = key.chain_der()?;
    let leaf = chain.first().ok_or(Error::Incomplete)?;
    let attributes = cms::signed_attributes(&prepared.digest(), leaf)?;
    let signature = key.sign(&attributes)?;
    prepared.embed(&cms::signed_data(&attributes, &signature, &chain)?)
}

/// Why a signing operation could not be done. Texts are for logs and
/// developers; the application layer turns each into a user's message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a PKCS#12 file")]
    NotPkcs12,
    #[error("the PKCS#12 password is wrong")]
    WrongPassword,
    #[error("the PKCS#12 file holds no private key with its certificate")]
    Incomplete,
    #[error("the certificate does not belong to the private key")]
    KeyMismatch,
    #[error("not a certificate: {0}")]
    BadCertificate(String),
    #[error("not a PDF this signer can update: {0}")]
    BadPdf(String),
    #[error("the signature does not fit in the space reserved for it ({needed} > {room} bytes)")]
    TooLarge { needed: usize, room: usize },
    #[error("not a CMS signature: {0}")]
    BadCms(String),
    #[error("the sealed key cannot be opened with this secret")]
    Sealed,
    #[error("cryptography: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
    #[error("encoding: {0}")]
    Der(#[from] der::Error),
}
