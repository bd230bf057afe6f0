//! Attachments of a report ("Tập tin đính kèm"). The bytes live in a
//! directory the web layer manages (later: object storage); the row keeps the
//! name, type, size, hash and where the bytes are.

use baocao_authz::perms::{CheckReports, ReadReports};
use baocao_authz::{RoleGrant, Scope};
use baocao_domain::report::Role;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

use crate::Store;
use crate::audit::Actor;
use crate::entity::{attachments, reports};
use crate::error::StoreError;
use crate::reports::{HistoryRow, record_history};

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub report_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
}

fn row(m: attachments::Model) -> Attachment {
    Attachment {
        id: m.id,
        report_id: m.report_id,
        file_name: m.file_name,
        content_type: m.content_type,
        size: m.size,
        sha256: m.sha256,
        storage_key: m.storage_key,
        uploaded_at: m.uploaded_at,
    }
}

async fn editable_report(
    tx: &sea_orm::DatabaseTransaction, grant: &RoleGrant, id: i64,
) -> Result<reports::Model, StoreError> {
    let report = reports::Entity::find_by_id(id).one(tx).await?.ok_or(StoreError::NotFound("report"))?;
    if grant.role() != Role::Enter || grant.unit().0 != report.unit_id {
        return Err(StoreError::Forbidden);
    }
    if let Some(refusal) = baocao_domain::report::edit_refused(crate::reports::status_of(&report)?) {
        return Err(StoreError::Conflict(refusal));
    }
    Ok(report)
}

impl Store {
    pub async fn add_attachment(
        &self, grant: &RoleGrant, actor: &Actor, report_id: i64, new: NewAttachment,
    ) -> Result<Attachment, StoreError> {
        let tx = self.begin_write().await?;
        let report = editable_report(&tx, grant, report_id).await?;
        let model = attachments::ActiveModel {
            report_id: Set(report_id),
            file_name: Set(new.file_name.clone()),
            content_type: Set(new.content_type),
            size: Set(new.size),
            sha256: Set(new.sha256),
            storage_key: Set(new.storage_key),
            uploaded_by: Set(actor.id.map(|u| u.0)),
            uploaded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let status = crate::reports::status_of(&report)?;
        let comment = new.file_name;
        record_history(
            &tx,
            HistoryRow {
                report: &report,
                actor,
                actor_unit: Some(grant.unit()),
                action: "attach",
                from: status,
                to: status,
                comment: Some(&comment),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row(model))
    }

    pub async fn attachments(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, report_id: i64,
    ) -> Result<Vec<Attachment>, StoreError> {
        self.readable(read, check, report_id).await?;
        let rows = attachments::Entity::find()
            .filter(attachments::Column::ReportId.eq(report_id))
            .order_by_asc(attachments::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(row).collect())
    }

    pub async fn attachment(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, report_id: i64, id: i64,
    ) -> Result<Attachment, StoreError> {
        self.readable(read, check, report_id).await?;
        let model = attachments::Entity::find_by_id(id)
            .filter(attachments::Column::ReportId.eq(report_id))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound("attachment"))?;
        Ok(row(model))
    }

    /// Removes the row and returns it; the caller deletes the bytes after the commit.
    pub async fn delete_attachment(
        &self, grant: &RoleGrant, actor: &Actor, report_id: i64, id: i64,
    ) -> Result<Attachment, StoreError> {
        let tx = self.begin_write().await?;
        let report = editable_report(&tx, grant, report_id).await?;
        let model = attachments::Entity::find_by_id(id)
            .filter(attachments::Column::ReportId.eq(report_id))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("attachment"))?;
        let out = row(model.clone());
        model.delete(&tx).await?;
        let status = crate::reports::status_of(&report)?;
        record_history(
            &tx,
            HistoryRow {
                report: &report,
                actor,
                actor_unit: Some(grant.unit()),
                action: "detach",
                from: status,
                to: status,
                comment: Some(&out.file_name),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
