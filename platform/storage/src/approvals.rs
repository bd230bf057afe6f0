//! A tenant's rules on which levels of its chain pass the leader's approval,
//! per regime (see `domain::report::Approval`). No rule: the groups decide.

use baocao_authz::Grant;
use baocao_authz::perms::ConfigureReceivers;
use baocao_domain::ids::TenantId;
use baocao_domain::report::Approval;
use baocao_domain::unit::level_label;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::Store;
use crate::audit::{Actor, Change, record};
use crate::entity::approval_rules;
use crate::error::StoreError;

/// One configured rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRule {
    pub regime: String,
    pub level: String,
    pub approval: Approval,
    pub set_by: String,
}

fn rule(model: approval_rules::Model) -> Result<ApprovalRule, StoreError> {
    let approval = Approval::parse(&model.approval)
        .ok_or_else(|| StoreError::Corrupt(format!("approval rule {}: {}", model.id, model.approval)))?;
    Ok(ApprovalRule { regime: model.regime_code, level: model.level, approval, set_by: model.set_by })
}

impl Store {
    /// The rules of a tenant for a regime (every regime when None).
    pub async fn approval_rules_unscoped(
        &self, tenant: TenantId, regime: Option<&str>,
    ) -> Result<Vec<ApprovalRule>, StoreError> {
        let mut query = approval_rules::Entity::find().filter(approval_rules::Column::TenantId.eq(tenant.0));
        if let Some(regime) = regime {
            query = query.filter(approval_rules::Column::RegimeCode.eq(regime));
        }
        let rows = query.order_by_asc(approval_rules::Column::Id).all(self.db()).await?;
        rows.into_iter().map(rule).collect()
    }

    /// Sets a level's rule for a regime, or removes it (`None`: the groups decide).
    pub async fn set_approval_rule(
        &self, grant: &Grant<ConfigureReceivers>, actor: &Actor, tenant: TenantId, (regime, level): (&str, &str),
        approval: Option<Approval>,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let existing = approval_rules::Entity::find()
            .filter(approval_rules::Column::TenantId.eq(tenant.0))
            .filter(approval_rules::Column::RegimeCode.eq(regime))
            .filter(approval_rules::Column::Level.eq(level))
            .one(&tx)
            .await?;
        // Recorded in words: the audit page shows these values as they are.
        let words = |a: Option<Approval>| a.map_or(Approval::DEFAULT_LABEL.vi, |a| a.label().vi);
        let before = existing.as_ref().map(|m| json!({"approval": words(Approval::parse(&m.approval))}));
        match (existing, approval) {
            (Some(model), None) => {
                model.delete(&tx).await?;
            }
            (Some(model), Some(a)) => {
                let mut active: approval_rules::ActiveModel = model.into();
                active.approval = Set(a.as_str().to_owned());
                active.set_by = Set(actor.username.clone());
                active.set_at = Set(Utc::now());
                active.update(&tx).await?;
            }
            (None, Some(a)) => {
                approval_rules::ActiveModel {
                    tenant_id: Set(tenant.0),
                    regime_code: Set(regime.to_owned()),
                    level: Set(level.to_owned()),
                    approval: Set(a.as_str().to_owned()),
                    set_by: Set(actor.username.clone()),
                    set_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&tx)
                .await?;
            }
            (None, None) => {}
        }
        let change = Change {
            tenant: Some(tenant),
            unit_path: Some(grant.target_path()),
            action: "approval_rule.set",
            entity: "approval_rule",
            entity_id: format!("{regime}/{level}"),
            before,
            after: Some(json!({"level": level_label(level).vi, "approval": words(approval)})),
        };
        record(&tx, actor, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
