//! `baocao sign-agent`: signs with a USB token (any PKCS#11 module) for an
//! official who keeps their key on the token, as the deferred signing of the
//! API expects — the server prepares the signed attributes, the token signs
//! them (CKM_SHA256_RSA_PKCS or CKM_ECDSA_SHA256: the data, never a hash of
//! it), the server completes. The PIN is read from `BAOCAO_TOKEN_PIN` or
//! standard input, never from the command line.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use serde_json::{Value, json};

/// Where the token is and which key to use.
pub struct Token {
    pub module: PathBuf,
    pub label: Option<String>,
    pub key: Option<String>,
}

/// A logged-in session on the token, with its signing key and certificate.
struct Open {
    session: Session,
    key: cryptoki::object::ObjectHandle,
    certificate: Vec<u8>,
    ec: bool,
}

impl Token {
    fn open(&self) -> anyhow::Result<Open> {
        let pkcs11 = Pkcs11::new(&self.module).with_context(|| format!("loading {}", self.module.display()))?;
        pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))?;
        let slot = pkcs11
            .get_slots_with_token()?
            .into_iter()
            .find(|s| {
                self.label.as_deref().is_none_or(|l| pkcs11.get_token_info(*s).is_ok_and(|i| i.label().trim() == l))
            })
            .ok_or_else(|| anyhow!("không thấy token / no token found"))?;
        let session = pkcs11.open_ro_session(slot)?;
        session.login(UserType::User, Some(&AuthPin::from(pin()?))).context("đăng nhập token / token login")?;
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        template.extend(self.key.as_ref().map(|k| Attribute::Label(k.as_bytes().to_vec())));
        let key = *session
            .find_objects(&template)?
            .first()
            .ok_or_else(|| anyhow!("không thấy khóa bí mật / no private key"))?;
        let ec = matches!(session.get_attributes(key, &[AttributeType::KeyType])?.first(), Some(Attribute::KeyType(t)) if *t == KeyType::EC);
        let id = session.get_attributes(key, &[AttributeType::Id])?;
        let mut cert_template = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
        if let Some(Attribute::Id(id)) = id.first() {
            cert_template.push(Attribute::Id(id.clone()));
        }
        let cert = *session
            .find_objects(&cert_template)?
            .first()
            .ok_or_else(|| anyhow!("không thấy chứng thư / no certificate"))?;
        let certificate = match session.get_attributes(cert, &[AttributeType::Value])?.into_iter().next() {
            Some(Attribute::Value(v)) => v,
            _ => bail!("chứng thư không đọc được / unreadable certificate"),
        };
        Ok(Open { session, key, certificate, ec })
    }
}

fn pin() -> anyhow::Result<String> {
    if let Ok(pin) = std::env::var("BAOCAO_TOKEN_PIN") {
        return Ok(pin);
    }
    eprintln!("Mã PIN của token / token PIN:");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

impl Open {
    /// The token signs the data itself (the DER of the signed attributes).
    fn sign(&self, data: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mechanism = if self.ec { Mechanism::EcdsaSha256 } else { Mechanism::Sha256RsaPkcs };
        Ok(self.session.sign(&mechanism, self.key, data)?)
    }
}

/// Prints the token's certificate, base64 DER.
pub fn certificate(token: &Token) -> anyhow::Result<()> {
    println!("{}", STANDARD.encode(token.open()?.certificate));
    Ok(())
}

/// Signs base64 data (what `prepare` answered as `to_be_signed`) and prints the signature, base64.
pub fn sign(token: &Token, data: &str) -> anyhow::Result<()> {
    let bytes = STANDARD.decode(data.trim()).context("dữ liệu không phải base64 / not base64")?;
    println!("{}", STANDARD.encode(token.open()?.sign(&bytes)?));
    Ok(())
}

/// The whole round: prepare on the server with the token's certificate (and
/// the issuers in `chain`), sign on the token, complete on the server.
pub async fn report(token: &Token, server: &str, report: i64, action: &str, chain: &[PathBuf]) -> anyhow::Result<()> {
    let open = token.open()?;
    let mut certificates = vec![STANDARD.encode(&open.certificate)];
    for file in chain {
        certificates.extend(pem_certificates(file)?);
    }
    let session = std::env::var("BAOCAO_SESSION").context("BAOCAO_SESSION: mã phiên đăng nhập / the session token")?;
    let client = reqwest::Client::new();
    let base = server.trim_end_matches('/');
    let prepared: Value = answer(
        client
            .post(format!("{base}/api/v1/reports/{report}/signatures/prepare"))
            .bearer_auth(&session)
            .json(&json!({"action": action, "certificate_chain": certificates}))
            .send()
            .await?,
    )
    .await?;
    let tbs = STANDARD.decode(prepared["to_be_signed"].as_str().unwrap_or_default())?;
    let signature = STANDARD.encode(open.sign(&tbs)?);
    let id = prepared["id"].as_str().unwrap_or_default();
    let done: Value = answer(
        client
            .post(format!("{base}/api/v1/reports/{report}/signatures/{id}/complete"))
            .bearer_auth(&session)
            .json(&json!({"signature": signature}))
            .send()
            .await?,
    )
    .await?;
    println!("Đã ký / signed: báo cáo {report} → {}", done["status"].as_str().unwrap_or("?"));
    Ok(())
}

async fn answer(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let message = body["error"]["message"].as_str().unwrap_or("");
        bail!("máy chủ từ chối / the server refused ({status}): {message}");
    }
    Ok(body)
}

/// The certificates of a PEM file, base64 DER.
fn pem_certificates(file: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut out = Vec::new();
    for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
        let body = block.split("-----END CERTIFICATE-----").next().unwrap_or("");
        out.push(body.split_whitespace().collect::<String>());
    }
    Ok(out)
}
