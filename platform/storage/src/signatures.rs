//! Signature data: the report's document (the PDF frozen at approval and
//! signed since, with the stored result of its check), the keys the server
//! holds for units and users (sealed by the application before they get
//! here), users' signature images, signatures prepared for a token, and each
//! unit's signing policy.

use std::collections::BTreeMap;

use baocao_authz::Grant;
use baocao_authz::perms::ManageUnits;
use baocao_domain::ids::{UnitId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

use crate::Store;
use crate::entity::{pending_signatures, report_documents, signature_images, signing_keys, units};
use crate::error::StoreError;

/// The PDF of a report as it stands.
#[derive(Debug, Clone)]
pub struct ReportDocument {
    pub report_id: i64,
    pub pdf: Vec<u8>,
    pub sha256: String,
    /// The report version the document was frozen from.
    pub report_version: i32,
    /// Signature field name → "personal" | "organisation".
    pub fields: BTreeMap<String, String>,
    /// The stored result of checking its signatures (JSON), and when.
    pub checks: Option<serde_json::Value>,
    pub checked_at: Option<DateTime<Utc>>,
}

/// A new document for a report, written with the transition that makes it.
#[derive(Debug, Clone)]
pub struct DocumentWrite {
    pub pdf: Vec<u8>,
    pub fields: BTreeMap<String, String>,
    pub checks: Option<serde_json::Value>,
}

fn document(m: report_documents::Model) -> Result<ReportDocument, StoreError> {
    Ok(ReportDocument {
        report_id: m.report_id,
        fields: serde_json::from_str(&m.fields).map_err(|e| StoreError::Corrupt(format!("document fields: {e}")))?,
        checks: m
            .checks
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("checks: {e}")))?,
        pdf: m.pdf,
        sha256: m.sha256,
        report_version: m.report_version,
        checked_at: m.checked_at,
    })
}

/// Replaces the document of `report_id` inside the caller's transaction.
pub(crate) async fn put_document(
    tx: &impl ConnectionTrait, report_id: i64, report_version: i32, write: &DocumentWrite,
) -> Result<(), StoreError> {
    use sha2::Digest;
    report_documents::Entity::delete_by_id(report_id).exec(tx).await?;
    let now = Utc::now();
    report_documents::ActiveModel {
        report_id: Set(report_id),
        sha256: Set(hex::encode(sha2::Sha256::digest(&write.pdf))),
        pdf: Set(write.pdf.clone()),
        report_version: Set(report_version),
        fields: Set(serde_json::to_string(&write.fields).unwrap_or_else(|_| "{}".into())),
        checks: Set(write.checks.as_ref().map(|c| c.to_string())),
        checked_at: Set(write.checks.as_ref().map(|_| now)),
        updated_at: Set(now),
    }
    .insert(tx)
    .await?;
    Ok(())
}

pub(crate) async fn drop_document(tx: &impl ConnectionTrait, report_id: i64) -> Result<(), StoreError> {
    report_documents::Entity::delete_by_id(report_id).exec(tx).await?;
    pending_signatures::Entity::delete_many()
        .filter(pending_signatures::Column::ReportId.eq(report_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Whose key: a unit's (the organisation's signature) or a user's (personal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    Unit(UnitId),
    User(UserId),
}

impl KeyOwner {
    pub fn label(self) -> String {
        match self {
            KeyOwner::Unit(u) => format!("unit:{}", u.0),
            KeyOwner::User(u) => format!("user:{}", u.0),
        }
    }
}

/// A key held by the server: sealed private key, the chain (base64 DER, leaf first) and what the certificate says.
#[derive(Debug, Clone)]
pub struct SigningKeyRow {
    pub sealed_key: Vec<u8>,
    pub chain: Vec<String>,
    pub subject: String,
    pub common_name: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureImage {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub png: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewSignatureImage {
    pub kind: String,
    pub title: String,
    pub png: Vec<u8>,
    pub width: i32,
    pub height: i32,
}

/// A signature prepared for a token, waiting for its value.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    pub id: String,
    pub report_id: i64,
    pub user_id: UserId,
    pub action: String,
    pub report_version: i32,
    pub field: String,
    pub prepared: Vec<u8>,
    pub contents: std::ops::Range<usize>,
    pub signed_attributes: Vec<u8>,
    pub chain: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// A unit's signing policy; `None` follows the platform's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SigningPolicy {
    pub require_organisation: Option<bool>,
    pub require_personal: Option<bool>,
}

impl Store {
    pub async fn report_document_unscoped(&self, report_id: i64) -> Result<Option<ReportDocument>, StoreError> {
        report_documents::Entity::find_by_id(report_id).one(self.db()).await?.map(document).transpose()
    }

    /// Stores a fresh check of the document's signatures.
    pub async fn save_document_checks(&self, report_id: i64, checks: &serde_json::Value) -> Result<(), StoreError> {
        let Some(m) = report_documents::Entity::find_by_id(report_id).one(self.db()).await? else {
            return Err(StoreError::NotFound("document"));
        };
        let mut active: report_documents::ActiveModel = m.into();
        active.checks = Set(Some(checks.to_string()));
        active.checked_at = Set(Some(Utc::now()));
        active.update(self.db()).await?;
        Ok(())
    }

    /// Installs `owner`'s key, replacing the one before (one transaction).
    pub async fn put_signing_key(&self, owner: KeyOwner, key: &SigningKeyRow) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        signing_keys::Entity::delete_many().filter(signing_keys::Column::Owner.eq(owner.label())).exec(&tx).await?;
        signing_keys::ActiveModel {
            owner: Set(owner.label()),
            sealed_key: Set(key.sealed_key.clone()),
            chain: Set(serde_json::to_string(&key.chain).unwrap_or_else(|_| "[]".into())),
            subject: Set(key.subject.clone()),
            common_name: Set(key.common_name.clone()),
            serial: Set(key.serial.clone()),
            not_before: Set(key.not_before),
            not_after: Set(key.not_after),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn signing_key(&self, owner: KeyOwner) -> Result<Option<SigningKeyRow>, StoreError> {
        let found =
            signing_keys::Entity::find().filter(signing_keys::Column::Owner.eq(owner.label())).one(self.db()).await?;
        found
            .map(|m| {
                Ok(SigningKeyRow {
                    chain: serde_json::from_str(&m.chain)
                        .map_err(|e| StoreError::Corrupt(format!("key chain: {e}")))?,
                    sealed_key: m.sealed_key,
                    subject: m.subject,
                    common_name: m.common_name,
                    serial: m.serial,
                    not_before: m.not_before,
                    not_after: m.not_after,
                })
            })
            .transpose()
    }

    pub async fn add_signature_image(
        &self, user: UserId, new: NewSignatureImage,
    ) -> Result<SignatureImage, StoreError> {
        let m = signature_images::ActiveModel {
            user_id: Set(user.0),
            kind: Set(new.kind),
            title: Set(new.title),
            png: Set(new.png),
            width: Set(new.width),
            height: Set(new.height),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.db())
        .await?;
        Ok(image(m))
    }

    /// `user`'s images, without their bytes.
    pub async fn signature_images(&self, user: UserId) -> Result<Vec<SignatureImage>, StoreError> {
        let rows = signature_images::Entity::find()
            .filter(signature_images::Column::UserId.eq(user.0))
            .order_by_asc(signature_images::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|m| SignatureImage { png: Vec::new(), ..image(m) }).collect())
    }

    /// One of `user`'s images with its bytes; another user's is not found.
    pub async fn signature_image(&self, user: UserId, id: i64) -> Result<SignatureImage, StoreError> {
        signature_images::Entity::find_by_id(id)
            .filter(signature_images::Column::UserId.eq(user.0))
            .one(self.db())
            .await?
            .map(image)
            .ok_or(StoreError::NotFound("signature_image"))
    }

    pub async fn delete_signature_image(&self, user: UserId, id: i64) -> Result<(), StoreError> {
        let done = signature_images::Entity::delete_many()
            .filter(signature_images::Column::Id.eq(id))
            .filter(signature_images::Column::UserId.eq(user.0))
            .exec(self.db())
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound("signature_image"));
        }
        Ok(())
    }

    pub async fn add_pending_signature(&self, p: &PendingSignature) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        // Expired ones go when new ones come: the table stays small without a sweeper.
        pending_signatures::Entity::delete_many()
            .filter(pending_signatures::Column::ExpiresAt.lt(Utc::now()))
            .exec(&tx)
            .await?;
        pending_signatures::ActiveModel {
            id: Set(p.id.clone()),
            report_id: Set(p.report_id),
            user_id: Set(p.user_id.0),
            action: Set(p.action.clone()),
            report_version: Set(p.report_version),
            field: Set(p.field.clone()),
            prepared: Set(p.prepared.clone()),
            contents_start: Set(p.contents.start as i64),
            contents_end: Set(p.contents.end as i64),
            signed_attributes: Set(p.signed_attributes.clone()),
            chain: Set(serde_json::to_string(&p.chain).unwrap_or_else(|_| "[]".into())),
            expires_at: Set(p.expires_at),
            created_at: Set(Utc::now()),
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A pending signature of `report_id` made by `user`.
    pub async fn pending_signature(
        &self, report_id: i64, user: UserId, id: &str,
    ) -> Result<PendingSignature, StoreError> {
        let m = pending_signatures::Entity::find_by_id(id.to_owned())
            .filter(pending_signatures::Column::ReportId.eq(report_id))
            .filter(pending_signatures::Column::UserId.eq(user.0))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound("signature"))?;
        Ok(PendingSignature {
            chain: serde_json::from_str(&m.chain).map_err(|e| StoreError::Corrupt(format!("pending chain: {e}")))?,
            id: m.id,
            report_id: m.report_id,
            user_id: UserId(m.user_id),
            action: m.action,
            report_version: m.report_version,
            field: m.field,
            prepared: m.prepared,
            contents: m.contents_start as usize..m.contents_end as usize,
            signed_attributes: m.signed_attributes,
            expires_at: m.expires_at,
        })
    }

    pub async fn signing_policy_unscoped(&self, unit: UnitId) -> Result<SigningPolicy, StoreError> {
        let m = units::Entity::find_by_id(unit.0).one(self.db()).await?.ok_or(StoreError::NotFound("unit"))?;
        Ok(SigningPolicy {
            require_organisation: m.require_organisation_signature,
            require_personal: m.require_personal_signature,
        })
    }

    pub async fn set_signing_policy(
        &self, grant: &Grant<ManageUnits>, policy: SigningPolicy,
    ) -> Result<(), StoreError> {
        let m =
            units::Entity::find_by_id(grant.target().0).one(self.db()).await?.ok_or(StoreError::NotFound("unit"))?;
        let mut active: units::ActiveModel = m.into();
        active.require_organisation_signature = Set(policy.require_organisation);
        active.require_personal_signature = Set(policy.require_personal);
        active.updated_at = Set(Utc::now());
        active.update(self.db()).await?;
        Ok(())
    }
}

fn image(m: signature_images::Model) -> SignatureImage {
    SignatureImage {
        id: m.id,
        kind: m.kind,
        title: m.title,
        width: m.width,
        height: m.height,
        created_at: m.created_at,
        png: m.png,
    }
}
