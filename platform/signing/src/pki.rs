//! A small certification authority: the demo gives its leaders and clerks
//! certificates from it, and the tests make a root, an intermediate, unit and
//! personal certificates, a revoked one with its CRL and an expired one.
//! Production keys come from the Government's CAs, never from here.

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509Crl, X509CrlBuilder, X509Name, X509NameBuilder, X509RevokedBuilder};

use crate::{Error, SigningKey};

const DAY: i64 = 86_400;

/// Who a certificate is for: a person (RSA key, as on most tokens) or an organisation (EC key).
pub struct Subject {
    pub common_name: String,
    pub organisation: Option<String>,
    person: bool,
}

impl Subject {
    pub fn person(name: &str) -> Self {
        Self { common_name: name.into(), organisation: None, person: true }
    }
    pub fn organisation(name: &str) -> Self {
        Self { common_name: name.into(), organisation: Some(name.into()), person: false }
    }
}

/// A CA: its key and its certificate.
pub struct Authority {
    key: PKey<Private>,
    cert: X509,
    /// Where certificates it issues say its CRL is published.
    crl_url: Option<String>,
}

/// A certificate issued to a person or an organisation, with its key.
pub struct Issued {
    key: PKey<Private>,
    cert: X509,
}

impl Authority {
    pub fn root(name: &str) -> Result<Self, Error> {
        let key = rsa_key()?;
        let subject = name_of(name, Some("Baocao thử nghiệm"))?;
        let mut b = builder(&subject, &subject, &key, -DAY, 20 * 365 * DAY)?;
        ca_extensions(&mut b, None)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok(Self { key, cert: b.build(), crl_url: None })
    }

    pub fn intermediate(&self, name: &str) -> Result<Self, Error> {
        let key = rsa_key()?;
        let subject = name_of(name, Some("Baocao thử nghiệm"))?;
        let mut b = builder(&subject, self.cert.subject_name(), &key, -DAY, 10 * 365 * DAY)?;
        ca_extensions(&mut b, Some(&self.cert))?;
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok(Self { key, cert: b.build(), crl_url: None })
    }

    /// Certificates issued from now on name `url` as their CRL distribution point.
    pub fn with_crl_url(mut self, url: &str) -> Self {
        self.crl_url = Some(url.to_owned());
        self
    }

    /// A signing certificate valid from yesterday for `days` days (negative:
    /// one that expired that many days ago, issued a year before).
    pub fn issue(&self, subject: &Subject, days: i64) -> Result<Issued, Error> {
        let key = if subject.person { rsa_key()? } else { ec_key()? };
        let name = name_of(&subject.common_name, subject.organisation.as_deref())?;
        let (from, to) = if days < 0 { (-365 * DAY, days * DAY) } else { (-DAY, days * DAY) };
        let mut b = builder(&name, self.cert.subject_name(), &key, from, to)?;
        b.append_extension(BasicConstraints::new().build()?)?;
        b.append_extension(KeyUsage::new().critical().digital_signature().non_repudiation().build()?)?;
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(&self.cert), None))?;
        b.append_extension(ski)?;
        let aki = AuthorityKeyIdentifier::new().keyid(false).build(&b.x509v3_context(Some(&self.cert), None))?;
        b.append_extension(aki)?;
        if let Some(url) = &self.crl_url {
            // CRLDistributionPoints: [{ distributionPoint: fullName: [URI] }].
            use crate::der_lite::tlv;
            let points = tlv(0x30, &tlv(0x30, &tlv(0xa0, &tlv(0xa0, &tlv(0x86, url.as_bytes())))));
            b.append_extension(extension("2.5.29.31", &points)?)?;
        }
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok(Issued { key, cert: b.build() })
    }

    /// A time-stamping authority's certificate (extended key usage timeStamping, critical).
    pub fn issue_tsa(&self, name: &str) -> Result<Issued, Error> {
        let key = rsa_key()?;
        let subject = name_of(name, Some("Baocao thử nghiệm"))?;
        let mut b = builder(&subject, self.cert.subject_name(), &key, -DAY, 365 * DAY)?;
        b.append_extension(BasicConstraints::new().build()?)?;
        b.append_extension(KeyUsage::new().critical().digital_signature().non_repudiation().build()?)?;
        b.append_extension(ExtendedKeyUsage::new().critical().time_stamping().build()?)?;
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok(Issued { key, cert: b.build() })
    }

    /// A CRL of this CA listing `revoked`, valid for a week.
    pub fn crl(&self, revoked: &[&X509]) -> Result<X509Crl, Error> {
        let mut b = X509CrlBuilder::new()?;
        b.set_issuer_name(self.cert.subject_name())?;
        b.set_last_update(time(-DAY)?.as_ref())?;
        b.set_next_update(time(7 * DAY)?.as_ref())?;
        // RFC 5280 §5.2: the authority key identifier and a CRL number.
        let ski = self.cert.subject_key_id().map(|k| k.as_slice().to_vec()).unwrap_or_default();
        let aki = crate::der_lite::tlv(0x30, &crate::der_lite::tlv(0x80, &ski));
        b.append_extension(extension("2.5.29.35", &aki)?)?;
        b.append_extension(extension("2.5.29.20", &[0x02, 0x01, 0x01])?)?;
        for cert in revoked {
            let mut r = X509RevokedBuilder::new()?;
            r.set_serial_number(cert.serial_number())?;
            r.set_revocation_date(time(-60)?.as_ref())?;
            b.add_revoked(r.build())?;
        }
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok(b.build()?)
    }

    pub fn certificate(&self) -> &X509 {
        &self.cert
    }

    pub fn certificate_pem(&self) -> Result<Vec<u8>, Error> {
        Ok(self.cert.to_pem()?)
    }
}

impl Issued {
    pub fn certificate(&self) -> &X509 {
        &self.cert
    }

    pub fn certificate_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.cert.to_der()?)
    }

    /// The key with its chain; `issuers` from the issuing CA up.
    pub fn signing_key(&self, issuers: &[&X509]) -> Result<SigningKey, Error> {
        let chain = std::iter::once(self.cert.clone()).chain(issuers.iter().map(|c| (*c).clone())).collect();
        SigningKey::new(self.key.clone(), chain)
    }

    /// A PKCS#12 file as OpenSSL 3 writes it by default (AES-256, PBKDF2).
    pub fn pkcs12(&self, password: &str, issuers: &[&X509]) -> Result<Vec<u8>, Error> {
        let mut ca = Stack::new()?;
        for c in issuers {
            ca.push((*c).clone())?;
        }
        let mut b = Pkcs12::builder();
        let name =
            self.cert.subject_name().entries().last().and_then(|e| e.data().to_string().ok()).unwrap_or_default();
        b.name(&name);
        b.pkey(&self.key).cert(&self.cert).ca(ca);
        Ok(b.build2(password)?.to_der()?)
    }

    /// The private key alone, as PKCS#8 PEM (to load into a token).
    pub fn private_key_pem(&self) -> Result<Vec<u8>, Error> {
        Ok(self.key.private_key_to_pem_pkcs8()?)
    }
}

fn extension(oid: &str, der: &[u8]) -> Result<openssl::x509::X509Extension, Error> {
    let oid = openssl::asn1::Asn1Object::from_str(oid)?;
    let value = openssl::asn1::Asn1OctetString::new_from_bytes(der)?;
    Ok(openssl::x509::X509Extension::new_from_der(&oid, false, &value)?)
}

/// Now plus `offset` seconds.
fn time(offset: i64) -> Result<Asn1Time, Error> {
    Ok(Asn1Time::from_unix(chrono::Utc::now().timestamp() + offset)?)
}

fn rsa_key() -> Result<PKey<Private>, Error> {
    Ok(PKey::from_rsa(Rsa::generate(2048)?)?)
}

fn ec_key() -> Result<PKey<Private>, Error> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

fn name_of(common_name: &str, organisation: Option<&str>) -> Result<X509Name, Error> {
    let mut n = X509NameBuilder::new()?;
    n.append_entry_by_nid(Nid::COUNTRYNAME, "VN")?;
    if let Some(o) = organisation {
        n.append_entry_by_nid(Nid::ORGANIZATIONNAME, o)?;
    }
    n.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    Ok(n.build())
}

fn builder(
    subject: &openssl::x509::X509NameRef, issuer: &openssl::x509::X509NameRef, key: &PKey<Private>, from: i64, to: i64,
) -> Result<X509Builder, Error> {
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(subject)?;
    b.set_issuer_name(issuer)?;
    b.set_pubkey(key)?;
    b.set_not_before(time(from)?.as_ref())?;
    b.set_not_after(time(to)?.as_ref())?;
    Ok(b)
}

fn ca_extensions(b: &mut X509Builder, issuer: Option<&X509>) -> Result<(), Error> {
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer.map(|c| &**c), None))?;
    b.append_extension(ski)?;
    Ok(())
}
