//! Keys the server holds: an organisation certificate per unit and a personal
//! certificate per user, uploaded as PKCS#12 and stored sealed. A key is
//! refused at upload when its certificate is expired, revoked, not for
//! signing or not from a trusted authority — better told now than at the
//! deadline.

use baocao_domain::clock::vietnam_time;
use baocao_domain::ids::UnitId;
use baocao_domain::report::Role;
use baocao_signing::verify::{Problem, check_chain};
use baocao_signing::{CertificateInfo, SigningKey};
use baocao_storage::{KeyOwner, SigningKeyRow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{from_signing, refused};
use crate::{App, Caller, Error};

/// What an installed certificate says.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    pub subject: String,
    pub common_name: String,
    pub issuer: String,
    /// Upper-case hexadecimal.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl From<CertificateInfo> for CertificateView {
    fn from(i: CertificateInfo) -> Self {
        Self {
            subject: i.subject,
            common_name: i.common_name,
            issuer: i.issuer,
            serial: i.serial,
            not_before: i.not_before,
            not_after: i.not_after,
        }
    }
}

/// Installs the organisation's key of `unit`: by whoever manages the unit or signs as it (văn thư).
pub async fn install_unit_key(
    app: &App, who: &Caller, unit: UnitId, p12: &[u8], password: &str,
) -> Result<CertificateView, Error> {
    let u = crate::admin::unit(app, who, unit).await?.unit;
    let signs = app.authz.check_role(who.user.id, Role::Send, &u.path).await.is_ok();
    if !signs && !crate::admin::may_manage_units_at(app, who, &u).await {
        let denied = baocao_authz::Denied { actor: who.user.id, object: "signing_key".into(), action: "install", unit };
        return Err(Error::Forbidden(denied));
    }
    install(app, KeyOwner::Unit(unit), p12, password).await
}

/// Installs the caller's own personal key.
pub async fn install_my_key(app: &App, who: &Caller, p12: &[u8], password: &str) -> Result<CertificateView, Error> {
    install(app, KeyOwner::User(who.user.id), p12, password).await
}

/// Which server-held keys would sign for `who` on `report`: the caller's own
/// (personal) and the report's unit's (organisation).
pub async fn server_keys(
    app: &App, who: &Caller, report: &baocao_domain::content::ReportRow,
) -> Result<Vec<&'static str>, Error> {
    let mut out = Vec::new();
    if app.store.signing_key(KeyOwner::User(who.user.id)).await?.is_some() {
        out.push("personal");
    }
    if app.store.signing_key(KeyOwner::Unit(report.unit_id)).await?.is_some() {
        out.push("organisation");
    }
    Ok(out)
}

async fn install(app: &App, owner: KeyOwner, p12: &[u8], password: &str) -> Result<CertificateView, Error> {
    let key = SigningKey::from_pkcs12(p12, password).map_err(from_signing)?;
    install_key(app, owner, &key).await
}

/// Seals and stores a key whose certificate a receiver would accept now.
pub(crate) async fn install_key(app: &App, owner: KeyOwner, key: &SigningKey) -> Result<CertificateView, Error> {
    let vault = app.signing().vault()?;
    let chain = key.chain_der().map_err(Error::internal)?;
    usable_now(app, &chain)?;
    let info = CertificateInfo::of(key.certificate()).map_err(from_signing)?;
    let private = key.private_der().map_err(Error::internal)?;
    let row = SigningKeyRow {
        sealed_key: vault.seal(&private, &owner.label()).map_err(Error::internal)?,
        chain: chain.iter().map(|c| STANDARD.encode(c)).collect(),
        subject: info.subject.clone(),
        common_name: info.common_name.clone(),
        serial: info.serial.clone(),
        not_before: info.not_before,
        not_after: info.not_after,
    };
    app.store.put_signing_key(owner, &row).await?;
    tracing::info!(owner = %owner.label(), serial = %info.serial, "signing key installed");
    Ok(info.into())
}

/// Refuses a chain a receiver would refuse now.
pub(crate) fn usable_now(app: &App, chain: &[Vec<u8>]) -> Result<(), Error> {
    let trust = app.signing().trust()?;
    let check = check_chain(chain, &trust, vietnam_time(app.clock.now()));
    match check.problems.first() {
        None => Ok(()),
        Some(Problem::NotValidAtSigningTime) => Err(refused(
            "certificate_expired",
            "Chứng thư số đã hết hạn hoặc chưa đến ngày hiệu lực.",
            "The certificate has expired or is not yet valid.",
        )),
        Some(Problem::Revoked) => {
            Err(refused("certificate_revoked", "Chứng thư số đã bị thu hồi.", "The certificate has been revoked."))
        }
        Some(Problem::NotForSigning) => Err(refused(
            "certificate_not_for_signing",
            "Chứng thư số không dùng để ký số.",
            "The certificate is not for signing.",
        )),
        Some(_) => Err(refused(
            "certificate_untrusted",
            "Chứng thư số không do tổ chức chứng thực tin cậy cấp.",
            "The certificate is not from a trusted certification authority.",
        )),
    }
}

/// `owner`'s key, opened; `None` when none is installed.
pub(crate) async fn load_key(app: &App, owner: KeyOwner) -> Result<Option<SigningKey>, Error> {
    let Some(row) = app.store.signing_key(owner).await? else { return Ok(None) };
    let vault = app.signing().vault()?;
    let private = vault.open(&row.sealed_key, &owner.label()).map_err(Error::internal)?;
    let chain = decode_chain(&row.chain)?;
    Ok(Some(SigningKey::from_parts(&private, &chain).map_err(Error::internal)?))
}

pub(crate) fn decode_chain(chain: &[String]) -> Result<Vec<Vec<u8>>, Error> {
    chain.iter().map(|c| STANDARD.decode(c).map_err(Error::internal)).collect()
}
