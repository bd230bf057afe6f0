//! The CMS of a PAdES baseline signature (`ETSI.CAdES.detached`).
//!
//! The signer signs the DER of the signed attributes (a SET OF, tag 0x31,
//! sorted by encoding): content type `id-data`, the message digest of the
//! signed byte ranges, and ESS signing-certificate-v2 naming the signer's
//! certificate by its SHA-256. PAdES forbids the signing-time attribute: the
//! claimed time is the `/M` of the signature dictionary.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier as Oid, OctetString, SetOfVec};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::Error;
use crate::der_lite::{element, elements, tlv};

const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// id-aa-signatureTimeStampToken: an RFC 3161 token over the signature value (PAdES B-T).
const SIGNATURE_TIME_STAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// The DER of the signed attributes for a document digest and the signer's
/// certificate: exactly the bytes a token must sign.
pub fn signed_attributes(document_sha256: &[u8], signer: &[u8]) -> Result<Vec<u8>, Error> {
    let cert = Certificate::from_der(signer)?;
    let attrs = vec![
        attribute(CONTENT_TYPE, &ID_DATA.to_der()?)?,
        attribute(MESSAGE_DIGEST, &OctetString::new(document_sha256)?.to_der()?)?,
        attribute(SIGNING_CERTIFICATE_V2, &signing_certificate_v2(&cert, signer)?)?,
    ];
    Ok(SetOfVec::try_from(attrs)?.to_der()?)
}

fn attribute(oid: Oid, value_der: &[u8]) -> Result<Attribute, Error> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![Any::from_der(value_der)?])? })
}

/// SigningCertificateV2 { certs: [ESSCertIDv2 { certHash, issuerSerial }] };
/// the hash algorithm is SHA-256, the DEFAULT, so DER leaves it out, and no
/// policies (RFC 5035; CAdES).
fn signing_certificate_v2(cert: &Certificate, der: &[u8]) -> Result<Vec<u8>, Error> {
    let hash = tlv(0x04, &Sha256::digest(der));
    let issuer = tlv(0xa4, &cert.tbs_certificate.issuer.to_der()?);
    let general_names = tlv(0x30, &issuer);
    let serial = cert.tbs_certificate.serial_number.to_der()?;
    let issuer_serial = tlv(0x30, &[general_names, serial].concat());
    let id = tlv(0x30, &[hash, issuer_serial].concat());
    Ok(tlv(0x30, &tlv(0x30, &id)))
}

/// The CMS SignedData (as a ContentInfo) around a signature made over
/// `signed_attributes` by the key of `chain[0]`; the chain goes along so a
/// verifier can build the path to its anchor.
pub fn signed_data(signed_attributes: &[u8], signature: &[u8], chain: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    signed_data_stamped(signed_attributes, signature, chain, None)
}

/// [`signed_data`] with, when given, a time-stamp token over the signature
/// value as the unsigned attribute signatureTimeStampToken (PAdES B-T).
pub fn signed_data_stamped(
    signed_attributes: &[u8], signature: &[u8], chain: &[Vec<u8>], stamp: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    let leaf_der = chain.first().ok_or_else(|| Error::BadCertificate("no certificate".into()))?;
    let leaf = Certificate::from_der(leaf_der)?;
    let sha256 = AlgorithmIdentifierOwned { oid: SHA256, parameters: None };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(SignedAttributes::from_der(signed_attributes)?),
        signature_algorithm: signature_algorithm(&leaf)?,
        signature: OctetString::new(signature)?,
        unsigned_attrs: stamp
            .map(|token| attribute(SIGNATURE_TIME_STAMP, token).and_then(|a| Ok(SetOfVec::try_from(vec![a])?)))
            .transpose()?,
    };
    let certificates = chain
        .iter()
        .map(|c| Ok(CertificateChoices::Certificate(Certificate::from_der(c)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256])?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
    };
    let info = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&data)? };
    Ok(info.to_der()?)
}

/// rsaEncryption for RSA keys (what Vietnamese tokens answer with), and
/// ecdsa-with-SHA256, never id-ecPublicKey, for EC keys.
fn signature_algorithm(leaf: &Certificate) -> Result<AlgorithmIdentifierOwned, Error> {
    let key = &leaf.tbs_certificate.subject_public_key_info.algorithm.oid;
    if *key == RSA_ENCRYPTION {
        Ok(AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::null()) })
    } else if *key == EC_PUBLIC_KEY {
        Ok(AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None })
    } else {
        Err(Error::BadCertificate(format!("unsupported key algorithm {key}")))
    }
}

/// Whether `signature` is `leaf`'s signature over `signed_attributes`
/// (SHA-256; RSA PKCS#1 v1.5 or DER ECDSA).
pub fn signature_matches(leaf: &[u8], signed_attributes: &[u8], signature: &[u8]) -> bool {
    let verify = || -> Result<bool, openssl::error::ErrorStack> {
        let key = openssl::x509::X509::from_der(leaf)?.public_key()?;
        let mut v = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &key)?;
        v.update(signed_attributes)?;
        v.verify(signature)
    };
    verify().unwrap_or(false)
}

/// A token's ECDSA answer is often the raw r‖s; CMS needs the DER
/// ECDSA-Sig-Value. Anything else is returned as it is.
pub fn der_signature(leaf: &[u8], signature: &[u8]) -> Vec<u8> {
    let ec = Certificate::from_der(leaf)
        .is_ok_and(|c| c.tbs_certificate.subject_public_key_info.algorithm.oid == EC_PUBLIC_KEY);
    if !ec
        || signature.len() % 2 != 0
        || signature.first() == Some(&0x30) && element(signature).is_ok_and(|(_, _, n)| n == signature.len())
    {
        return signature.to_vec();
    }
    let half = signature.len() / 2;
    let der = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let r = openssl::bn::BigNum::from_slice(&signature[..half])?;
        let s = openssl::bn::BigNum::from_slice(&signature[half..])?;
        openssl::ecdsa::EcdsaSig::from_private_components(r, s)?.to_der()
    };
    der().unwrap_or_else(|_| signature.to_vec())
}

/// What a verifier needs out of a CMS signature.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The DER of the signed attributes, as signed (tag 0x31).
    pub signed_attributes: Vec<u8>,
    pub message_digest: Option<Vec<u8>>,
    /// The certificate hash of signing-certificate-v2, when present.
    pub signing_certificate_hash: Option<Vec<u8>>,
    pub has_signing_time: bool,
    pub digest_is_sha256: bool,
    pub signature: Vec<u8>,
    /// The signer's certificate (DER), found by issuer and serial among `certificates`.
    pub signer: Option<Vec<u8>>,
    pub certificates: Vec<Vec<u8>>,
    /// The encapsulated content, when present (a time-stamp token's TSTInfo).
    pub content: Option<Vec<u8>>,
    /// The signatureTimeStampToken of the signer, when present (PAdES B-T).
    pub time_stamp: Option<Vec<u8>>,
}

/// Reads a CMS SignedData; `bytes` may carry the zero padding of `/Contents`.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
    let (_, _, len) = element(bytes)?;
    let info = ContentInfo::from_der(&bytes[..len])?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(Error::BadCms("not SignedData".into()));
    }
    let data: SignedData = info.content.decode_as()?;
    let signer = data.signer_infos.0.iter().next().ok_or_else(|| Error::BadCms("no signer".into()))?;
    let attrs = signer.signed_attrs.as_ref().ok_or_else(|| Error::BadCms("no signed attributes".into()))?;
    let value_of = |oid: Oid| attrs.iter().find(|a| a.oid == oid).and_then(|a| a.values.iter().next()).cloned();
    let message_digest = value_of(MESSAGE_DIGEST).map(|v| v.value().to_vec());
    let time_stamp = signer
        .unsigned_attrs
        .as_ref()
        .and_then(|u| u.iter().find(|a| a.oid == SIGNATURE_TIME_STAMP))
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.to_der().ok());
    let content = data.encap_content_info.econtent.as_ref().map(|c| c.value().to_vec());
    let signing_certificate_hash = value_of(SIGNING_CERTIFICATE_V2).and_then(|v| ess_hash(&v.to_der().ok()?));
    let mut certificates = Vec::new();
    for c in data.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(c) = c {
            certificates.push(c.to_der()?);
        }
    }
    let signer_cert = match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => certificates.iter().find(|c| {
            Certificate::from_der(c).is_ok_and(|c| {
                c.tbs_certificate.issuer == id.issuer && c.tbs_certificate.serial_number == id.serial_number
            })
        }),
        SignerIdentifier::SubjectKeyIdentifier(_) => certificates.first(),
    };
    Ok(Parsed {
        signed_attributes: attrs.to_der()?,
        message_digest,
        signing_certificate_hash,
        has_signing_time: value_of(SIGNING_TIME).is_some(),
        digest_is_sha256: signer.digest_alg.oid == SHA256,
        signature: signer.signature.as_bytes().to_vec(),
        signer: signer_cert.cloned(),
        certificates,
        content,
        time_stamp,
    })
}

/// The certHash of the first ESSCertIDv2 (whose hash algorithm must be the default, SHA-256).
fn ess_hash(value: &[u8]) -> Option<Vec<u8>> {
    let (_, outer, _) = element(value).ok()?;
    let (_, certs, _) = element(outer).ok()?;
    let (_, first, _) = element(certs).ok()?;
    let fields = elements(first).ok()?;
    match fields.first()? {
        (0x04, hash, _) => Some(hash.to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{Authority, Subject};

    #[test]
    fn signed_attributes_are_sorted_der_without_signing_time() {
        let root = Authority::root("Gốc thử").unwrap();
        let leaf = root.issue(&Subject::person("Nguyễn Văn A"), 1).unwrap();
        let der = leaf.certificate_der().unwrap();
        let attrs = signed_attributes(&[9u8; 32], &der).unwrap();
        assert_eq!(attrs[0], 0x31, "hashed as a SET OF");
        let set = SignedAttributes::from_der(&attrs).unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(set.to_der().unwrap(), attrs, "already in DER order");
        let key = leaf.signing_key(&[]).unwrap();
        let sig = key.sign(&attrs).unwrap();
        let cms = signed_data(&attrs, &sig, std::slice::from_ref(&der)).unwrap();
        let mut padded = cms.clone();
        padded.extend([0u8; 64]);
        let parsed = parse(&padded).unwrap();
        assert_eq!(parsed.message_digest.as_deref(), Some(&[9u8; 32][..]));
        assert_eq!(parsed.signing_certificate_hash.as_deref(), Some(&Sha256::digest(&der)[..]));
        assert!(!parsed.has_signing_time);
        assert_eq!(parsed.signer.as_deref(), Some(&der[..]));
        assert_eq!(parsed.signed_attributes, attrs);
    }
}
