//! RFC 3161 time-stamps for PAdES B-T: the request over the signature value,
//! the token taken out of the TSA's response, and the token checked — its
//! imprint is the signature's hash, its own signature verifies, and its TSA
//! certificate leads to a trust anchor at the stamped time.

use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use crate::der_lite::{element, elements, tlv};
use crate::verify::{Trust, check_chain};
use crate::{CertificateInfo, Error, cms};

/// The OID of SHA-256, DER-encoded inside an AlgorithmIdentifier.
const SHA256_ALGORITHM: &[u8] =
    &[0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00];

/// TimeStampReq { version 1, messageImprint (SHA-256 of `signature`), nonce, certReq TRUE }.
pub fn request(signature: &[u8], nonce: u64) -> Vec<u8> {
    let imprint = tlv(0x30, &[SHA256_ALGORITHM, &tlv(0x04, &Sha256::digest(signature))].concat());
    // A DER INTEGER is minimal: no leading zero byte unless the next has its high bit set.
    let mut nonce_bytes: Vec<u8> = nonce.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
    if nonce_bytes.first().is_none_or(|b| b & 0x80 != 0) {
        nonce_bytes.insert(0, 0);
    }
    let body = [tlv(0x02, &[1]), imprint, tlv(0x02, &nonce_bytes), tlv(0x01, &[0xff])].concat();
    tlv(0x30, &body)
}

/// A fresh random nonce for [`request`], so a replayed response is not taken.
pub fn nonce() -> Result<u64, Error> {
    let mut bytes = [0u8; 8];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(u64::from_be_bytes(bytes))
}

/// The token of a TimeStampResp whose status is granted (0) or granted with mods (1).
pub fn token(response: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |why: &str| Error::BadCms(format!("time-stamp response: {why}"));
    let (_, body, _) = element(response)?;
    let parts = elements(body)?;
    let (_, status_info, _) = parts.first().ok_or_else(|| bad("empty"))?;
    let status = elements(status_info)?.first().map(|(_, v, _)| v.last().copied().unwrap_or(0xff)).unwrap_or(0xff);
    if status > 1 {
        return Err(bad(&format!("refused with status {status}")));
    }
    parts.get(1).map(|(_, _, whole)| whole.to_vec()).ok_or_else(|| bad("no token"))
}

/// A checked time-stamp: when, and by which authority.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub time: DateTime<Utc>,
    pub authority: Option<CertificateInfo>,
}

/// Checks `token` as a time-stamp of `signature`; `None` when it does not hold.
pub fn check(token: &[u8], signature: &[u8], trust: &Trust) -> Option<Stamp> {
    let parsed = cms::parse(token).ok()?;
    let info = parsed.content.as_deref()?;
    let fields = elements(element(info).ok()?.1).ok()?;
    // TSTInfo: version, policy, messageImprint, serialNumber, genTime, …
    let imprint = elements(fields.get(2)?.1).ok()?;
    let hashed = imprint.get(1)?.1;
    let time = generalized_time(fields.get(4)?.1)?;
    let tsa = parsed.signer.as_deref()?;
    let digest_ok = parsed.message_digest.as_deref() == Some(&Sha256::digest(info)[..]);
    let signed_ok = cms::signature_matches(tsa, &parsed.signed_attributes, &parsed.signature);
    let chain: Vec<Vec<u8>> = std::iter::once(tsa.to_vec()).chain(parsed.certificates.iter().cloned()).collect();
    let trusted = check_chain(&chain, trust, time.fixed_offset()).trusted;
    (hashed == &Sha256::digest(signature)[..] && digest_ok && signed_ok && trusted)
        .then(|| Stamp { time, authority: CertificateInfo::of_der(tsa).ok() })
}

/// `YYYYMMDDHHMMSS[.fff]Z`.
fn generalized_time(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let whole = text.get(..14)?;
    NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S").ok().map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_minimal_der() {
        for nonce in [0u64, 1, 0x7f, 0x80, 0x1234, u64::MAX] {
            let req = request(b"signature", nonce);
            let (_, body, len) = element(&req).unwrap();
            assert_eq!(len, req.len());
            let parts = elements(body).unwrap();
            let (tag, value, _) = parts[2];
            assert_eq!(tag, 0x02);
            assert!(!(value.len() > 1 && value[0] == 0 && value[1] & 0x80 == 0), "{nonce}: {value:?}");
            assert_eq!(parts[3].1, &[0xff]);
        }
    }
}
