//! One-time tokens for "forgot password". Only the SHA-256 of a token is
//! stored; the token itself is shown once (until mail delivery arrives, to
//! an administrator who hands it over) and never logged.

use baocao_domain::ids::UserId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::Store;
use crate::audit::{Actor, Change, record};
use crate::entity::{password_resets, users};
use crate::error::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetOutcome {
    Done(UserId),
    /// Unknown, used or expired: the three are not told apart to the user.
    Invalid,
}

impl Store {
    /// Issues a reset code; the user's earlier unused codes stop working.
    pub async fn create_reset_token(
        &self, user: UserId, token_hash: String, expires_at: DateTime<Utc>, created_by: Option<UserId>,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        password_resets::Entity::update_many()
            .col_expr(password_resets::Column::UsedAt, Expr::value(Some(Utc::now())))
            .filter(password_resets::Column::UserId.eq(user.0))
            .filter(password_resets::Column::UsedAt.is_null())
            .exec(&tx)
            .await?;
        password_resets::ActiveModel {
            user_id: Set(user.0),
            token_hash: Set(token_hash),
            created_by: Set(created_by.map(|u| u.0)),
            expires_at: Set(expires_at),
            used_at: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether a code (by its digest) exists, is unused and has not expired.
    pub async fn reset_token_usable(&self, token_hash: &str) -> Result<bool, StoreError> {
        let token = password_resets::Entity::find()
            .filter(password_resets::Column::TokenHash.eq(token_hash))
            .one(self.db())
            .await?;
        Ok(token.is_some_and(|t| t.used_at.is_none() && t.expires_at >= Utc::now()))
    }

    /// Uses a token to set a new password, once.
    pub async fn consume_reset_token(
        &self, token_hash: &str, password_hash: String,
    ) -> Result<ResetOutcome, StoreError> {
        let tx = self.begin_write().await?;
        let Some(token) =
            password_resets::Entity::find().filter(password_resets::Column::TokenHash.eq(token_hash)).one(&tx).await?
        else {
            return Ok(ResetOutcome::Invalid);
        };
        if token.used_at.is_some() || token.expires_at < Utc::now() {
            return Ok(ResetOutcome::Invalid);
        }
        let user = users::Entity::find_by_id(token.user_id).one(&tx).await?.ok_or(StoreError::NotFound("user"))?;
        let (id, username, tenant) = (UserId(user.id), user.username.clone(), user.tenant_id);
        let mut active: password_resets::ActiveModel = token.into();
        active.used_at = Set(Some(Utc::now()));
        active.update(&tx).await?;
        let mut account: users::ActiveModel = user.into();
        account.password_hash = Set(password_hash);
        account.password_changed_at = Set(Utc::now());
        account.failed_logins = Set(0);
        account.locked_until = Set(None);
        account.update(&tx).await?;
        record(
            &tx,
            &Actor { id: Some(id), username },
            Change {
                tenant: Some(baocao_domain::ids::TenantId(tenant)),
                unit_path: None,
                action: "user.reset_password_with_token",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.users.forget(&id);
        Ok(ResetOutcome::Done(id))
    }
}
