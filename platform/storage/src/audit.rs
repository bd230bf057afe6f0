//! The audit log: who changed what, when, with the state before and after.
//! Entries are written inside the transaction of the change they describe.

use baocao_authz::{Scope, perms::ReadAudit};
use baocao_domain::ids::{TenantId, UserId};
use baocao_domain::unit::UnitPath;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;

use crate::entity::audit_log;
use crate::error::StoreError;
use crate::{Page, Store};

/// Who is acting, as recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<UserId>,
    pub username: String,
}

impl Actor {
    /// Operators acting from the command line.
    pub fn operator() -> Self {
        Actor { id: None, username: "(cli)".to_owned() }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One change to record.
pub(crate) struct Change<'a> {
    pub tenant: Option<TenantId>,
    pub unit_path: Option<&'a UnitPath>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub(crate) async fn record(db: &impl ConnectionTrait, actor: &Actor, change: Change<'_>) -> Result<(), StoreError> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor_id: Set(actor.id.map(|u| u.0)),
        actor_username: Set(actor.username.clone()),
        tenant_id: Set(change.tenant.map(|t| t.0)),
        unit_path: Set(change.unit_path.map(|p| p.as_str().to_owned())),
        action: Set(change.action.to_owned()),
        entity: Set(change.entity.to_owned()),
        entity_id: Set(change.entity_id),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// `column LIKE 'subtree%' OR …` for each subtree of a scope, and `IN` for single units.
pub(crate) fn path_condition<P>(column: impl ColumnTrait, scope: &Scope<P>) -> Condition {
    let mut any = Condition::any();
    for subtree in scope.subtrees() {
        any = any.add(column.like(subtree.subtree_pattern()));
    }
    for unit in scope.units() {
        any = any.add(column.like(format!("%/{}/", unit.0)));
    }
    if scope.is_empty() {
        any = any.add(Expr::val(1).eq(0));
    }
    any
}

impl Store {
    /// The audit entries about units inside the caller's scope, newest first.
    pub async fn audit_entries(
        &self, scope: &Scope<ReadAudit>, page: u64, per_page: u64,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let query = audit_log::Entity::find()
            .filter(path_condition(audit_log::Column::UnitPath, scope))
            .order_by_desc(audit_log::Column::Id);
        let total = query.clone().count(self.db()).await?;
        let rows = query.offset(crate::offset(page, per_page)).limit(per_page).all(self.db()).await?;
        let items = rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor_username,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                before: r.before.and_then(|b| serde_json::from_str(&b).ok()),
                after: r.after.and_then(|a| serde_json::from_str(&a).ok()),
            })
            .collect();
        Ok(Page { items, total, page, per_page })
    }
}
