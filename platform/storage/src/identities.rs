//! Identities of the national identity platform: recorded at each sign-in,
//! waiting until an administrator links them to a user, linked and unlinked
//! in one transaction with the audit entry and the "account linked" mail.

use baocao_authz::Grant;
use baocao_authz::perms::{ManageUsers, ReadUsers};
use baocao_domain::identity::{Identity, IdentityClaims, IdentitySearch};
use baocao_domain::ids::{IdentityId, TenantId, UserId};
use baocao_domain::mail::MailKind;
use baocao_domain::text::Text;
use baocao_domain::user::User;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::audit::{Actor, Change, record};
use crate::entity::{identities, units, users};
use crate::error::{StoreError, conflict};
use crate::outbox::{MailDraft, enqueue};
use crate::users::{NewAccount, insert_account};
use crate::{Store, convert};

fn identity(row: identities::Model) -> Identity {
    Identity {
        id: IdentityId(row.id),
        issuer: row.issuer,
        claims: IdentityClaims {
            subject: row.subject,
            full_name: row.full_name,
            id_number: row.id_number,
            phone: row.phone,
            email: row.email,
        },
        user_id: row.user_id.map(UserId),
        first_seen_at: row.first_seen_at,
        last_seen_at: row.last_seen_at,
    }
}

fn identity_json(row: &identities::Model) -> serde_json::Value {
    json!({"issuer": row.issuer, "subject": row.subject, "full_name": row.full_name, "id_number": row.id_number,
           "phone": row.phone, "email": row.email, "user": row.user_id})
}

fn already_linked() -> StoreError {
    conflict(
        "identity",
        "identity_linked",
        "Tài khoản VNConnect này đã được liên kết với một người dùng.",
        "This VNConnect account is already linked to a user.",
    )
}

/// The claims as stored: numbers without spaces, the address in lower case.
fn apply_claims(row: &mut identities::ActiveModel, claims: &IdentityClaims) {
    let number = |v: &Option<String>| v.as_deref().map(baocao_domain::identity::phone_digits).filter(|d| !d.is_empty());
    row.full_name = Set(claims.full_name.clone());
    row.name_folded = Set(claims.name_folded());
    row.id_number = Set(number(&claims.id_number));
    row.phone = Set(number(&claims.phone));
    row.email = Set(claims.email.as_deref().map(|e| e.trim().to_lowercase()));
}

/// The "account linked" mail to the user, in the linking transaction.
async fn linked_mail(db: &impl ConnectionTrait, user: UserId) -> Result<(), StoreError> {
    let text = Text::fixed(
        "Tài khoản VNConnect của bạn đã được liên kết với tài khoản của bạn trên Hệ thống báo cáo: từ nay bạn có thể đăng nhập bằng VNConnect. Nếu bạn không yêu cầu, hãy báo ngay cho quản trị đơn vị.",
        "Your VNConnect account was linked to your account on the reporting system: you can now sign in through VNConnect. If you did not ask for this, tell your unit's administrator at once.",
    );
    let draft = MailDraft {
        kind: MailKind::AccountLinked,
        users: vec![user],
        text,
        link: Some("/login".into()),
        dedup_key: None,
    };
    enqueue(db, &draft).await
}

/// Links a waiting identity to `user` inside the caller's transaction, with
/// its audit entry and mail. Refused when either side is linked already.
async fn link_in(
    db: &impl ConnectionTrait, actor: &Actor, row: identities::Model, user: &users::Model,
) -> Result<Identity, StoreError> {
    if row.user_id.is_some() {
        return Err(already_linked());
    }
    let taken = identities::Entity::find().filter(identities::Column::UserId.eq(user.id)).one(db).await?;
    if taken.is_some() {
        return Err(conflict(
            "user_id",
            "user_has_identity",
            format!("Người dùng \"{}\" đã có tài khoản VNConnect liên kết; hãy gỡ liên kết cũ trước.", user.username),
            format!("User \"{}\" already has a linked VNConnect account; unlink it first.", user.username),
        ));
    }
    let before = identity_json(&row);
    let mut active: identities::ActiveModel = row.into();
    active.user_id = Set(Some(user.id));
    active.linked_at = Set(Some(Utc::now()));
    let after = active.update(db).await?;
    let path = crate::users::unit_path_of(db, user.unit_id).await?;
    let change = Change {
        tenant: Some(TenantId(user.tenant_id)),
        unit_path: Some(&path),
        action: "identity.link",
        entity: "identity",
        entity_id: after.id.to_string(),
        before: Some(before),
        after: Some(identity_json(&after)),
    };
    record(db, actor, change).await?;
    linked_mail(db, UserId(user.id)).await?;
    Ok(identity(after))
}

impl Store {
    /// Records a sign-in of `claims` from `issuer`: a new identity waits, a
    /// known one has its claims refreshed. Returns it with its user, if linked.
    pub async fn identity_signed_in_unscoped(
        &self, issuer: &str, claims: &IdentityClaims, now: DateTime<Utc>,
    ) -> Result<Identity, StoreError> {
        let tx = self.begin_write().await?;
        let found = identities::Entity::find()
            .filter(identities::Column::Issuer.eq(issuer))
            .filter(identities::Column::Subject.eq(claims.subject.as_str()))
            .one(&tx)
            .await?;
        let saved = match found {
            Some(row) => {
                let mut row: identities::ActiveModel = row.into();
                apply_claims(&mut row, claims);
                row.last_seen_at = Set(now);
                row.update(&tx).await?
            }
            None => {
                let mut row = identities::ActiveModel {
                    issuer: Set(issuer.to_owned()),
                    subject: Set(claims.subject.clone()),
                    first_seen_at: Set(now),
                    last_seen_at: Set(now),
                    user_id: Set(None),
                    linked_at: Set(None),
                    ..Default::default()
                };
                apply_claims(&mut row, claims);
                row.insert(&tx).await?
            }
        };
        tx.commit().await?;
        Ok(identity(saved))
    }

    /// Waiting identities matching `search`, most recently seen first.
    pub async fn waiting_identities(&self, search: &IdentitySearch, limit: u64) -> Result<Vec<Identity>, StoreError> {
        let mut query = identities::Entity::find().filter(identities::Column::UserId.is_null());
        match search {
            IdentitySearch::All => {}
            IdentitySearch::Name(name) => {
                let Some(pattern) = baocao_domain::search::like_pattern(name) else { return Ok(Vec::new()) };
                query = query.filter(identities::Column::NameFolded.like(pattern));
            }
            IdentitySearch::Exact(value) => {
                let any = Condition::any()
                    .add(identities::Column::IdNumber.eq(value.as_str()))
                    .add(identities::Column::Phone.eq(value.as_str()))
                    .add(identities::Column::Email.eq(value.as_str()));
                query = query.filter(any);
            }
        }
        let rows = query.order_by_desc(identities::Column::LastSeenAt).limit(limit).all(self.db()).await?;
        Ok(rows.into_iter().map(identity).collect())
    }

    /// A waiting identity by id (linking and creating a user from it).
    pub async fn waiting_identity(&self, id: IdentityId) -> Result<Identity, StoreError> {
        let row = identities::Entity::find_by_id(id.0)
            .filter(identities::Column::UserId.is_null())
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound("identity"))?;
        Ok(identity(row))
    }

    /// The identity linked to a user the grant covers, if any.
    pub async fn identity_of(&self, grant: &Grant<ReadUsers>, user: UserId) -> Result<Option<Identity>, StoreError> {
        let owner = users::Entity::find_by_id(user.0).filter(users::Column::UnitId.eq(grant.target().0));
        if owner.one(self.db()).await?.is_none() {
            return Err(StoreError::NotFound("user"));
        }
        self.identity_of_user_unscoped(user).await
    }

    /// The identity linked to a user, for rules about that user (the caller checked the user).
    pub async fn identity_of_user_unscoped(&self, user: UserId) -> Result<Option<Identity>, StoreError> {
        let row = identities::Entity::find().filter(identities::Column::UserId.eq(user.0)).one(self.db()).await?;
        Ok(row.map(identity))
    }

    /// Links a waiting identity to a user the grant lets the caller manage.
    pub async fn link_identity(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, id: IdentityId, user: UserId,
    ) -> Result<Identity, StoreError> {
        let tx = self.begin_write().await?;
        let row = identities::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("identity"))?;
        let owner = users::Entity::find_by_id(user.0)
            .filter(users::Column::UnitId.eq(grant.target().0))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let linked = link_in(&tx, actor, row, &owner).await?;
        tx.commit().await?;
        Ok(linked)
    }

    /// Creates a user at the grant's unit from a waiting identity and links
    /// the two, in one transaction.
    pub async fn create_user_from_identity(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, id: IdentityId, account: NewAccount,
    ) -> Result<User, StoreError> {
        let tx = self.begin_write().await?;
        let row = identities::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("identity"))?;
        if row.user_id.is_some() {
            return Err(already_linked());
        }
        let unit = units::Entity::find_by_id(grant.target().0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?;
        let unit = convert::unit(unit)?;
        let user = insert_account(&tx, actor, unit.tenant_id, &unit, account, None).await?;
        let owner = users::Entity::find_by_id(user.id.0).one(&tx).await?.ok_or(StoreError::NotFound("user"))?;
        link_in(&tx, actor, row, &owner).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Unlinks the identity of a user the grant lets the caller manage; it
    /// waits again, to be linked to someone else or left.
    pub async fn unlink_identity(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, user: UserId,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let owner = users::Entity::find_by_id(user.0)
            .filter(users::Column::UnitId.eq(grant.target().0))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let row = identities::Entity::find()
            .filter(identities::Column::UserId.eq(user.0))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("identity"))?;
        let before = identity_json(&row);
        let mut active: identities::ActiveModel = row.into();
        active.user_id = Set(None);
        active.linked_at = Set(None);
        let after = active.update(&tx).await?;
        let change = Change {
            tenant: Some(TenantId(owner.tenant_id)),
            unit_path: Some(grant.target_path()),
            action: "identity.unlink",
            entity: "identity",
            entity_id: after.id.to_string(),
            before: Some(before),
            after: Some(identity_json(&after)),
        };
        record(&tx, actor, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audits a sign-in through the provider, as the user who signed in.
    pub async fn record_identity_sign_in(&self, user: &User, identity: IdentityId) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let path = crate::users::unit_path_of(&tx, user.unit_id.0).await?;
        let actor = Actor { id: Some(user.id), username: user.username.as_str().to_owned() };
        let change = Change {
            tenant: Some(user.tenant_id),
            unit_path: Some(&path),
            action: "identity.sign_in",
            entity: "identity",
            entity_id: identity.to_string(),
            before: None,
            after: Some(json!({"user": user.id})),
        };
        record(&tx, &actor, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the tenant's users must sign in through the identity provider.
    pub async fn tenant_requires_identity(&self, tenant: TenantId) -> Result<bool, StoreError> {
        Ok(self.tenant_settings(tenant).await?.require_identity)
    }
}
