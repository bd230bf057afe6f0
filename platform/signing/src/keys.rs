//! A signing key held by the server (from a PKCS#12 file), and what a
//! certificate says about its holder.

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::x509::{X509, X509NameRef, X509Ref};

use crate::Error;

/// A private key with its certificate chain, leaf first.
pub struct SigningKey {
    key: PKey<Private>,
    chain: Vec<X509>,
}

impl std::fmt::Debug for SigningKey {
    // The key itself never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("certificates", &self.chain.len()).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Opens a PKCS#12 file (as OpenSSL 3 writes it by default, or the legacy kinds OpenSSL still reads).
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, Error> {
        let file = Pkcs12::from_der(der).map_err(|_| Error::NotPkcs12)?;
        let parsed = file.parse2(password).map_err(|_| Error::WrongPassword)?;
        let (Some(key), Some(cert)) = (parsed.pkey, parsed.cert) else {
            return Err(Error::Incomplete);
        };
        let rest: Vec<X509> = parsed.ca.map(|s| s.into_iter().collect()).unwrap_or_default();
        Self::new(key, ordered_chain(cert, rest))
    }

    /// A key and its chain (leaf first); refused when the leaf is not the key's.
    pub fn new(key: PKey<Private>, chain: Vec<X509>) -> Result<Self, Error> {
        let leaf = chain.first().ok_or(Error::Incomplete)?;
        if !leaf.public_key()?.public_eq(&key) {
            return Err(Error::KeyMismatch);
        }
        Ok(Self { key, chain })
    }

    /// From what [`SigningKey::private_der`] and [`SigningKey::chain_der`] gave.
    pub fn from_parts(private_der: &[u8], chain: &[Vec<u8>]) -> Result<Self, Error> {
        let key = PKey::private_key_from_der(private_der)?;
        let chain = chain.iter().map(|c| X509::from_der(c)).collect::<Result<Vec<_>, _>>()?;
        Self::new(key, chain)
    }

    /// Signs `data` (the DER of the signed attributes) with SHA-256:
    /// PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key)?;
        signer.update(data)?;
        Ok(signer.sign_to_vec()?)
    }

    /// The private key as PKCS#8 DER, to be sealed before it is stored.
    pub fn private_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.key.private_key_to_pkcs8()?)
    }

    pub fn chain_der(&self) -> Result<Vec<Vec<u8>>, Error> {
        Ok(self.chain.iter().map(|c| c.to_der()).collect::<Result<Vec<_>, _>>()?)
    }

    pub fn certificate(&self) -> &X509Ref {
        // `new` refused an empty chain.
        &self.chain[0]
    }
}

/// Leaf first, then each issuer as found; certificates that fit nowhere go last.
fn ordered_chain(leaf: X509, mut rest: Vec<X509>) -> Vec<X509> {
    let mut chain = vec![leaf];
    while let Some(i) =
        rest.iter().position(|c| chain.last().is_some_and(|last| c.issued(last) == openssl::x509::X509VerifyResult::OK))
    {
        let issuer = rest.remove(i);
        let self_signed = issuer.issued(&issuer) == openssl::x509::X509VerifyResult::OK;
        chain.push(issuer);
        if self_signed {
            break;
        }
    }
    chain.extend(rest);
    chain
}

/// What a certificate says about its holder, as the user is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The subject, e.g. "CN=Nguyễn Văn A, O=Sở Tài chính, C=VN".
    pub subject: String,
    /// The common name alone (the signer's or the organisation's name).
    pub common_name: String,
    pub issuer: String,
    /// The serial number in upper-case hexadecimal.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl CertificateInfo {
    pub fn of(cert: &X509Ref) -> Result<Self, Error> {
        Ok(Self {
            subject: name_text(cert.subject_name()),
            common_name: common_name(cert.subject_name()),
            issuer: name_text(cert.issuer_name()),
            serial: cert.serial_number().to_bn()?.to_hex_str()?.to_string(),
            not_before: time(cert.not_before())?,
            not_after: time(cert.not_after())?,
        })
    }

    pub fn of_der(der: &[u8]) -> Result<Self, Error> {
        let cert = X509::from_der(der).map_err(|e| Error::BadCertificate(e.to_string()))?;
        Self::of(&cert)
    }

    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}

fn name_text(name: &X509NameRef) -> String {
    let parts: Vec<String> = name
        .entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect();
    parts.join(", ")
}

fn common_name(name: &X509NameRef) -> String {
    name.entries_by_nid(Nid::COMMONNAME).next().and_then(|e| e.data().to_string().ok()).unwrap_or_default()
}

fn time(t: &Asn1TimeRef) -> Result<DateTime<Utc>, Error> {
    let epoch = Asn1Time::from_unix(0)?;
    let diff = epoch.diff(t)?;
    let seconds = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| Error::BadCertificate("time out of range".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{Authority, Subject};

    #[test]
    fn pkcs12_round_trip_orders_the_chain_and_checks_the_password() {
        let root = Authority::root("Gốc").unwrap();
        let ca = root.intermediate("Trung gian").unwrap();
        let leaf = ca.issue(&Subject::organisation("Sở Tài chính"), 1).unwrap();
        let p12 = leaf.pkcs12("mật khẩu", &[ca.certificate(), root.certificate()]).unwrap();
        assert!(matches!(SigningKey::from_pkcs12(&p12, "sai").unwrap_err(), Error::WrongPassword));
        assert!(matches!(SigningKey::from_pkcs12(b"not p12", "x").unwrap_err(), Error::NotPkcs12));
        let key = SigningKey::from_pkcs12(&p12, "mật khẩu").unwrap();
        let info = CertificateInfo::of(key.certificate()).unwrap();
        assert_eq!(info.common_name, "Sở Tài chính");
        let chain: Vec<String> = key.chain.iter().map(|c| CertificateInfo::of(c).unwrap().common_name).collect();
        assert_eq!(chain, ["Sở Tài chính", "Trung gian", "Gốc"]);
        let again = SigningKey::from_parts(&key.private_der().unwrap(), &key.chain_der().unwrap()).unwrap();
        assert_eq!(again.certificate().to_der().unwrap(), key.certificate().to_der().unwrap());
    }
}
