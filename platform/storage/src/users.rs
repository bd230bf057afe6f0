//! User accounts, their group memberships and sign-in bookkeeping.

use baocao_authz::perms::{GrantGroup, ManageUsers, ReadUsers};
use baocao_authz::{Grant, Membership, Scope};
use baocao_domain::group::GroupCode;
use baocao_domain::ids::{TenantId, UnitId, UserId};
use baocao_domain::types::Username;
use baocao_domain::unit::Unit;
use baocao_domain::user::{User, UserProfile, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use serde_json::json;

use crate::audit::{Actor, Change, path_condition, record};
use crate::convert;
use crate::entity::{memberships, units, users};
use crate::error::{StoreError, conflict, refused};
use crate::{Page, Store};

/// A new account: validated profile and an already hashed password.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub password_hash: String,
    pub profile: UserProfile,
}

/// A group held in a unit, with the unit's name for display.
#[derive(Debug, Clone, Serialize)]
pub struct MembershipView {
    pub group: GroupCode,
    pub unit_id: UnitId,
    pub unit_name: String,
}

/// A user with memberships, as listed to administrators.
#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    #[serde(flatten)]
    pub user: User,
    pub unit_name: String,
    pub groups: Vec<MembershipView>,
}

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub user: User,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Search and paging of the user list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub text: Option<String>,
    pub unit: Option<UnitId>,
    pub include_disabled: bool,
    pub page: u64,
    pub per_page: u64,
}

fn user_json(u: &users::Model) -> serde_json::Value {
    json!({"id": u.id, "username": u.username, "full_name": u.full_name, "email": u.email, "phone": u.phone,
           "id_number": u.id_number, "status": u.status, "unit_id": u.unit_id})
}

pub(crate) async fn unit_path_of(
    db: &impl ConnectionTrait, unit: i64,
) -> Result<baocao_domain::unit::UnitPath, StoreError> {
    let row = units::Entity::find_by_id(unit).one(db).await?.ok_or(StoreError::NotFound("unit"))?;
    Ok(baocao_domain::unit::UnitPath::try_from(row.path)?)
}

/// Inserts an account (and optionally one membership at its unit), inside the caller's transaction.
pub(crate) async fn insert_account(
    db: &impl ConnectionTrait, actor: &Actor, tenant: TenantId, unit: &Unit, account: NewAccount,
    group: Option<&GroupCode>,
) -> Result<User, StoreError> {
    if users::Entity::find().filter(users::Column::Username.eq(account.username.as_str())).count(db).await? > 0 {
        return Err(conflict(
            "username",
            "duplicate_username",
            format!("Tên đăng nhập \"{}\" đã tồn tại.", account.username),
            format!("The username \"{}\" is already taken.", account.username),
        ));
    }
    let now = Utc::now();
    let row = users::ActiveModel {
        tenant_id: Set(tenant.0),
        unit_id: Set(unit.id.0),
        username: Set(account.username.as_str().to_owned()),
        full_name: Set(account.profile.full_name.as_str().to_owned()),
        email: Set(account.profile.email.map(String::from)),
        phone: Set(account.profile.phone.map(String::from)),
        id_number: Set(account.profile.id_number.map(String::from)),
        status: Set(UserStatus::Active.as_str().to_owned()),
        password_hash: Set(account.password_hash),
        failed_logins: Set(0),
        locked_until: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    record(
        db,
        actor,
        Change {
            tenant: Some(tenant),
            unit_path: Some(&unit.path),
            action: "user.create",
            entity: "user",
            entity_id: row.id.to_string(),
            before: None,
            after: Some(user_json(&row)),
        },
    )
    .await?;
    if let Some(group) = group {
        insert_membership(db, actor, UserId(row.id), group, unit).await?;
    }
    convert::user(&row)
}

async fn insert_membership(
    db: &impl ConnectionTrait, actor: &Actor, user: UserId, group: &GroupCode, unit: &Unit,
) -> Result<bool, StoreError> {
    let exists = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.0))
        .filter(memberships::Column::GroupCode.eq(group.as_str()))
        .filter(memberships::Column::UnitId.eq(unit.id.0))
        .count(db)
        .await?
        > 0;
    if exists {
        return Ok(false);
    }
    memberships::ActiveModel {
        user_id: Set(user.0),
        group_code: Set(group.as_str().to_owned()),
        unit_id: Set(unit.id.0),
        granted_by: Set(actor.id.map(|a| a.0)),
        granted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    record(
        db,
        actor,
        Change {
            tenant: Some(unit.tenant_id),
            unit_path: Some(&unit.path),
            action: "membership.grant",
            entity: "user",
            entity_id: user.to_string(),
            before: None,
            after: Some(json!({"group": group, "unit_id": unit.id})),
        },
    )
    .await?;
    Ok(true)
}

impl Store {
    /// A user by id, without scope: for the session of the user itself and
    /// for authorisation checks.
    pub async fn user_unscoped(&self, id: UserId) -> Result<User, StoreError> {
        let row = users::Entity::find_by_id(id.0).one(self.db()).await?.ok_or(StoreError::NotFound("user"))?;
        convert::user(&row)
    }

    /// The user a request's session names, read at most [`crate::RECENT`]
    /// ago: this instance's own writes to the account are seen at once.
    pub async fn user_of_session(&self, id: UserId) -> Result<User, StoreError> {
        if let Some(user) = self.users.get(&id) {
            return Ok(user);
        }
        let user = self.user_unscoped(id).await?;
        self.users.put(id, user.clone());
        Ok(user)
    }

    /// For sign-in: the account and its password hash.
    pub async fn login_record(&self, username: &Username) -> Result<Option<LoginRecord>, StoreError> {
        let Some(row) =
            users::Entity::find().filter(users::Column::Username.eq(username.as_str())).one(self.db()).await?
        else {
            return Ok(None);
        };
        Ok(Some(LoginRecord {
            user: convert::user(&row)?,
            password_hash: row.password_hash.clone(),
            failed_logins: row.failed_logins,
            locked_until: row.locked_until,
        }))
    }

    /// Counts a failed sign-in and, past the threshold, locks the account
    /// until `lock_until`. Returns the new count.
    pub async fn record_failed_login(
        &self, id: UserId, lock_until: impl Fn(i32) -> Option<DateTime<Utc>>,
    ) -> Result<i32, StoreError> {
        let tx = self.begin_write().await?;
        let row = users::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("user"))?;
        let failures = row.failed_logins.saturating_add(1);
        let mut active: users::ActiveModel = row.into();
        active.failed_logins = Set(failures);
        active.locked_until = Set(lock_until(failures));
        active.update(&tx).await?;
        tx.commit().await?;
        Ok(failures)
    }

    pub async fn record_successful_login(&self, id: UserId) -> Result<(), StoreError> {
        users::Entity::update_many()
            .col_expr(users::Column::FailedLogins, Expr::value(0))
            .col_expr(users::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(users::Column::Id.eq(id.0))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Every membership of the platform, to load the enforcer at start.
    pub async fn all_memberships(&self) -> Result<Vec<(UserId, Membership)>, StoreError> {
        let rows = memberships::Entity::find().all(self.db()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push((
                UserId(r.user_id),
                Membership { group: GroupCode::parse(&r.group_code)?, unit: UnitId(r.unit_id) },
            ));
        }
        Ok(out)
    }

    /// One user's memberships, for the enforcer.
    pub async fn all_memberships_of(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let rows = memberships::Entity::find().filter(memberships::Column::UserId.eq(user.0)).all(self.db()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Membership { group: GroupCode::parse(&r.group_code)?, unit: UnitId(r.unit_id) });
        }
        Ok(out)
    }

    /// One user's memberships, with unit names.
    pub async fn memberships_of(&self, user: UserId) -> Result<Vec<MembershipView>, StoreError> {
        let rows = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.0))
            .order_by_asc(memberships::Column::Id)
            .all(self.db())
            .await?;
        let unit_ids: Vec<i64> = rows.iter().map(|r| r.unit_id).collect();
        let names: std::collections::HashMap<i64, String> = units::Entity::find()
            .filter(units::Column::Id.is_in(unit_ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(MembershipView {
                group: GroupCode::parse(&r.group_code)?,
                unit_id: UnitId(r.unit_id),
                unit_name: names.get(&r.unit_id).cloned().unwrap_or_default(),
            });
        }
        Ok(out)
    }

    async fn record_of(&self, row: &users::Model) -> Result<UserRecord, StoreError> {
        let unit_name =
            units::Entity::find_by_id(row.unit_id).one(self.db()).await?.map(|u| u.name).unwrap_or_default();
        Ok(UserRecord { user: convert::user(row)?, unit_name, groups: self.memberships_of(UserId(row.id)).await? })
    }

    /// Users whose managing unit lies in the caller's scope.
    pub async fn users_in_scope(
        &self, scope: &Scope<ReadUsers>, query: &UserQuery,
    ) -> Result<Page<UserRecord>, StoreError> {
        let in_scope = Query::select()
            .column(units::Column::Id)
            .from(units::Entity)
            .cond_where(path_condition(units::Column::Path, scope))
            .to_owned();
        let mut q = users::Entity::find().filter(users::Column::UnitId.in_subquery(in_scope));
        if let Some(unit) = query.unit {
            q = q.filter(users::Column::UnitId.eq(unit.0));
        }
        if !query.include_disabled {
            q = q.filter(users::Column::Status.eq(UserStatus::Active.as_str()));
        }
        if let Some(text) = query.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
            let mut any = Condition::any();
            for col in [
                users::Column::Username,
                users::Column::FullName,
                users::Column::Email,
                users::Column::Phone,
                users::Column::IdNumber,
            ] {
                any = any.add(Expr::expr(Func::lower(Expr::col(col))).like(pattern.clone()));
            }
            q = q.filter(any);
        }
        let per_page = Ord::clamp(query.per_page, 1, 200);
        let page = Ord::max(query.page, 1);
        let total = q.clone().count(self.db()).await?;
        let rows = q
            .order_by_asc(users::Column::Username)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.record_of(row).await?);
        }
        Ok(Page { items, total, page, per_page })
    }

    /// A user the caller may read (the grant is for the user's unit).
    pub async fn user_in(&self, grant: &Grant<ReadUsers>, id: UserId) -> Result<UserRecord, StoreError> {
        let row = users::Entity::find_by_id(id.0)
            .filter(users::Column::UnitId.eq(grant.target().0))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        self.record_of(&row).await
    }

    /// Creates an account managed by the grant's unit, holding `groups` there
    /// (the caller checked that it may grant each), in one transaction.
    pub async fn create_user_with_groups(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, account: NewAccount, groups: &[GroupCode],
    ) -> Result<User, StoreError> {
        let tx = self.begin_write().await?;
        let unit_row =
            units::Entity::find_by_id(grant.target().0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?;
        let unit = convert::unit(unit_row)?;
        if unit.valid_to.is_some() {
            return Err(refused(
                "unit_id",
                "unit_dissolved",
                "Không thể tạo tài khoản cho đơn vị đã giải thể hoặc sáp nhập.",
                "Cannot create an account in a dissolved or merged unit.",
            ));
        }
        let user = insert_account(&tx, actor, unit.tenant_id, &unit, account, None).await?;
        for group in groups {
            insert_membership(&tx, actor, user.id, group, &unit).await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// Edits a user's profile; `new_unit` moves the account to another unit
    /// of the same tenant (the caller checked both units).
    pub async fn update_user(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, id: UserId, profile: UserProfile,
        new_unit: Option<&Grant<ManageUsers>>,
    ) -> Result<User, StoreError> {
        let tx = self.begin_write().await?;
        let row = users::Entity::find_by_id(id.0)
            .filter(users::Column::UnitId.eq(grant.target().0))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let before = user_json(&row);
        let tenant = row.tenant_id;
        let mut active: users::ActiveModel = row.into();
        active.full_name = Set(profile.full_name.as_str().to_owned());
        active.email = Set(profile.email.map(String::from));
        active.phone = Set(profile.phone.map(String::from));
        active.id_number = Set(profile.id_number.map(String::from));
        if let Some(target) = new_unit {
            let unit =
                units::Entity::find_by_id(target.target().0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?;
            if unit.tenant_id != tenant {
                return Err(refused(
                    "unit_id",
                    "cross_tenant",
                    "Không thể chuyển người dùng sang đơn vị chủ quản khác.",
                    "A user cannot move to another tenant.",
                ));
            }
            active.unit_id = Set(unit.id);
        }
        active.updated_at = Set(Utc::now());
        let after = active.update(&tx).await?;
        let path = unit_path_of(&tx, after.unit_id).await?;
        record(
            &tx,
            actor,
            Change {
                tenant: Some(TenantId(tenant)),
                unit_path: Some(&path),
                action: "user.update",
                entity: "user",
                entity_id: id.to_string(),
                before: Some(before),
                after: Some(user_json(&after)),
            },
        )
        .await?;
        tx.commit().await?;
        self.users.forget(&id);
        convert::user(&after)
    }

    /// Deactivates (status disabled) or reactivates an account; memberships
    /// are kept so that reactivation restores the same rights.
    pub async fn set_user_status(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, id: UserId, status: UserStatus,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let row = users::Entity::find_by_id(id.0)
            .filter(users::Column::UnitId.eq(grant.target().0))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        if actor.id == Some(id) && status == UserStatus::Disabled {
            return Err(refused(
                "user",
                "cannot_disable_self",
                "Không thể tự khóa tài khoản của chính mình.",
                "You cannot deactivate your own account.",
            ));
        }
        let before = user_json(&row);
        let mut active: users::ActiveModel = row.into();
        active.status = Set(status.as_str().to_owned());
        active.updated_at = Set(Utc::now());
        let after = active.update(&tx).await?;
        let path = grant.target_path().clone();
        record(
            &tx,
            actor,
            Change {
                tenant: Some(TenantId(after.tenant_id)),
                unit_path: Some(&path),
                action: if status == UserStatus::Disabled { "user.disable" } else { "user.enable" },
                entity: "user",
                entity_id: id.to_string(),
                before: Some(before),
                after: Some(user_json(&after)),
            },
        )
        .await?;
        tx.commit().await?;
        self.users.forget(&id);
        Ok(())
    }

    /// Sets a new password hash, by an administrator (grant) for a reset.
    pub async fn reset_password(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, id: UserId, password_hash: String,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let row = users::Entity::find_by_id(id.0)
            .filter(users::Column::UnitId.eq(grant.target().0))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let tenant = row.tenant_id;
        write_password(&tx, row, password_hash).await?;
        // The hash itself never goes into the audit log.
        record(
            &tx,
            actor,
            Change {
                tenant: Some(TenantId(tenant)),
                unit_path: Some(grant.target_path()),
                action: "user.reset_password",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.users.forget(&id);
        Ok(())
    }

    /// A user changing its own password (the old one was verified by the caller).
    pub async fn change_own_password(&self, id: UserId, password_hash: String) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let row = users::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("user"))?;
        let (tenant, unit) = (row.tenant_id, row.unit_id);
        let username = row.username.clone();
        write_password(&tx, row, password_hash).await?;
        let path = unit_path_of(&tx, unit).await?;
        record(
            &tx,
            &Actor { id: Some(id), username },
            Change {
                tenant: Some(TenantId(tenant)),
                unit_path: Some(&path),
                action: "user.change_password",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.users.forget(&id);
        Ok(())
    }

    /// Operators: sets a password by username, from the command line.
    pub async fn operator_set_password(
        &self, username: &Username, password_hash: String,
    ) -> Result<UserId, StoreError> {
        let tx = self.begin_write().await?;
        let row = users::Entity::find()
            .filter(users::Column::Username.eq(username.as_str()))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let id = UserId(row.id);
        let (tenant, unit) = (row.tenant_id, row.unit_id);
        write_password(&tx, row, password_hash).await?;
        let path = unit_path_of(&tx, unit).await?;
        record(
            &tx,
            &Actor::operator(),
            Change {
                tenant: Some(TenantId(tenant)),
                unit_path: Some(&path),
                action: "user.reset_password",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.users.forget(&id);
        Ok(id)
    }

    /// Grants a group at the grant's unit to a user of the same tenant.
    /// Returns false when the user already held it there.
    pub async fn grant_membership(
        &self, grant: &Grant<GrantGroup>, actor: &Actor, user: UserId, group: &GroupCode,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write().await?;
        let unit = convert::unit(
            units::Entity::find_by_id(grant.target().0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?,
        )?;
        let member = users::Entity::find_by_id(user.0).one(&tx).await?.ok_or(StoreError::NotFound("user"))?;
        ensure_same_tenant(&member, &unit)?;
        let added = insert_membership(&tx, actor, user, group, &unit).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Revokes a group held at the grant's unit. Returns false when it was not held.
    pub async fn revoke_membership(
        &self, grant: &Grant<GrantGroup>, actor: &Actor, user: UserId, group: &GroupCode,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write().await?;
        let unit = convert::unit(
            units::Entity::find_by_id(grant.target().0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?,
        )?;
        let deleted = memberships::Entity::delete_many()
            .filter(memberships::Column::UserId.eq(user.0))
            .filter(memberships::Column::GroupCode.eq(group.as_str()))
            .filter(memberships::Column::UnitId.eq(unit.id.0))
            .exec(&tx)
            .await?
            .rows_affected;
        if deleted > 0 {
            record(
                &tx,
                actor,
                Change {
                    tenant: Some(unit.tenant_id),
                    unit_path: Some(&unit.path),
                    action: "membership.revoke",
                    entity: "user",
                    entity_id: user.to_string(),
                    before: Some(json!({"group": group, "unit_id": unit.id})),
                    after: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    /// Operators: grants a group by username and unit code, from the command line.
    pub async fn operator_grant(
        &self, username: &Username, group: &GroupCode, unit: UnitId,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write().await?;
        let member = users::Entity::find()
            .filter(users::Column::Username.eq(username.as_str()))
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let unit =
            convert::unit(units::Entity::find_by_id(unit.0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?)?;
        ensure_same_tenant(&member, &unit)?;
        let added = insert_membership(&tx, &Actor::operator(), UserId(member.id), group, &unit).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Operators: creates an account from the command line.
    pub async fn operator_create_user(&self, unit: UnitId, account: NewAccount) -> Result<User, StoreError> {
        let tx = self.begin_write().await?;
        let unit =
            convert::unit(units::Entity::find_by_id(unit.0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?)?;
        let user = insert_account(&tx, &Actor::operator(), unit.tenant_id, &unit, account, None).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// A unit by tenant-unique code, for the command line and demo seeding.
    pub async fn unit_by_code_unscoped(&self, tenant_code: &str, code: &str) -> Result<Option<Unit>, StoreError> {
        let Some(tenant) = crate::entity::tenants::Entity::find()
            .filter(crate::entity::tenants::Column::Code.eq(tenant_code))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let row = units::Entity::find()
            .filter(units::Column::TenantId.eq(tenant.id))
            .filter(units::Column::Code.eq(code))
            .one(self.db())
            .await?;
        row.map(convert::unit).transpose()
    }
}

/// A group is held only within the user's own tenant.
fn ensure_same_tenant(member: &users::Model, unit: &Unit) -> Result<(), StoreError> {
    if member.tenant_id != unit.tenant_id.0 {
        return Err(refused(
            "unit_id",
            "cross_tenant",
            "Chỉ phân quyền cho người dùng trong cùng đơn vị chủ quản.",
            "Groups can only be granted to users of the same tenant.",
        ));
    }
    Ok(())
}

async fn write_password(db: &impl ConnectionTrait, row: users::Model, password_hash: String) -> Result<(), StoreError> {
    let mut active: users::ActiveModel = row.into();
    active.password_hash = Set(password_hash);
    active.password_changed_at = Set(Utc::now());
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    Ok(())
}

impl Store {
    /// Active accounts with a mail address, by user name or by address (any
    /// case): whom "forgot password / user name" writes to. Unscoped: the
    /// caller is not signed in, and learns nothing from the answer.
    pub async fn recovery_accounts_unscoped(
        &self, username: Option<&str>, email: Option<&str>,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let mut query = users::Entity::find()
            .filter(users::Column::Status.eq(UserStatus::Active.as_str()))
            .filter(users::Column::Email.is_not_null());
        query = match (username, email) {
            (Some(name), _) => query.filter(users::Column::Username.eq(name.trim())),
            (None, Some(address)) => {
                query.filter(Expr::expr(Func::lower(Expr::col(users::Column::Email))).eq(address.trim().to_lowercase()))
            }
            (None, None) => return Ok(Vec::new()),
        };
        let rows = query.limit(20).all(self.db()).await?;
        Ok(rows.into_iter().map(|u| (UserId(u.id), u.username)).collect())
    }
}
