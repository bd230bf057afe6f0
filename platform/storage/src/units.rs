//! The unit tree: lookups, creation (with a new tenant under the root, and an
//! administrator account), edits, deletion and reorganisations.

use std::collections::{HashMap, HashSet};

use baocao_authz::perms::{ManageTenants, ManageUnits, ReadUnits};
use baocao_authz::{Grant, Scope};
use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::types::{Code, UnitKind, UnitName};
use baocao_domain::unit::{NewUnit, Reorganisation, TenantKind, Unit, UnitPath};
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;

use crate::Store;
use crate::audit::{Actor, Change, path_condition, record};
use crate::convert;
use crate::entity::{memberships, reorganisations, tenants, unit_successors, units, users};
use crate::error::{StoreError, conflict, refused};
use crate::users::{NewAccount, insert_account};

/// A unit with the kind of its tenant, for screens and the API.
#[derive(Debug, Clone, Serialize)]
pub struct UnitWithTenant {
    #[serde(flatten)]
    pub unit: Unit,
    pub tenant_kind: TenantKind,
}

/// Edits to a unit; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct UnitChanges {
    pub name: Option<UnitName>,
    pub kind: Option<UnitKind>,
    pub level: Option<Code>,
    pub code: Option<Code>,
}

fn unit_json(u: &Unit) -> serde_json::Value {
    json!({"id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "level": u.level, "parent_id": u.parent_id,
           "valid_from": u.valid_from, "valid_to": u.valid_to})
}

async fn load_unit(db: &impl ConnectionTrait, id: UnitId) -> Result<Unit, StoreError> {
    let row = units::Entity::find_by_id(id.0).one(db).await?.ok_or(StoreError::NotFound("unit"))?;
    convert::unit(row)
}

async fn ensure_code_free(
    db: &impl ConnectionTrait, tenant: TenantId, code: &Code, except: Option<UnitId>,
) -> Result<(), StoreError> {
    let mut q = units::Entity::find()
        .filter(units::Column::TenantId.eq(tenant.0))
        .filter(units::Column::Code.eq(code.as_str()));
    if let Some(id) = except {
        q = q.filter(units::Column::Id.ne(id.0));
    }
    if q.count(db).await? > 0 {
        return Err(conflict(
            "code",
            "duplicate_unit_code",
            format!("Mã đơn vị \"{code}\" đã được dùng trong đơn vị chủ quản này."),
            format!("The unit code \"{code}\" is already used in this tenant."),
        ));
    }
    Ok(())
}

/// Inserts a unit under `parent` and gives it its path.
async fn insert_unit(
    db: &impl ConnectionTrait, tenant: TenantId, parent: &Unit, new: &NewUnit,
) -> Result<Unit, StoreError> {
    ensure_code_free(db, tenant, &new.code, None).await?;
    let now = Utc::now();
    let row = units::ActiveModel {
        tenant_id: Set(tenant.0),
        parent_id: Set(Some(parent.id.0)),
        code: Set(new.code.as_str().to_owned()),
        name: Set(new.name.as_str().to_owned()),
        kind: Set(new.kind.as_str().to_owned()),
        level: Set(new.level.as_str().to_owned()),
        // The path holds the unit's own id, known only after the insert.
        path: Set(parent.path.as_str().to_owned()),
        valid_from: Set(new.valid_from),
        valid_to: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let path = parent.path.child(UnitId(row.id));
    let mut active: units::ActiveModel = row.into();
    active.path = Set(path.as_str().to_owned());
    convert::unit(active.update(db).await?)
}

/// What a new tenant needs besides its root unit.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub kind: TenantKind,
    pub code: Code,
}

/// What requests keep of a unit (see [`Store::known_units`]).
#[derive(Debug, Clone)]
pub(crate) struct KnownUnit {
    path: UnitPath,
    name: String,
}

impl Store {
    /// A unit by id, without any scope: for authorisation checks only, which
    /// need the unit's path before they can say yes or no.
    pub async fn unit_unscoped(&self, id: UnitId) -> Result<Unit, StoreError> {
        load_unit(self.db(), id).await
    }

    /// Names of units, for lists that show them beside ids the caller may already see.
    pub async fn unit_names_unscoped(&self, ids: &[UnitId]) -> Result<HashMap<UnitId, String>, StoreError> {
        Ok(self.known_units(ids).await?.into_iter().map(|(id, known)| (id, known.name)).collect())
    }

    /// Paths and names of units read at most [`crate::RECENT`] ago (what
    /// nearly every request asks: its caller's scopes, the names it shows);
    /// this instance's own changes to units are seen at once.
    async fn known_units(&self, ids: &[UnitId]) -> Result<HashMap<UnitId, KnownUnit>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing: Vec<i64> = Vec::new();
        for &id in ids {
            match self.units.get(&id) {
                Some(known) => {
                    out.insert(id, known);
                }
                None => missing.push(id.0),
            }
        }
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(out);
        }
        let rows = units::Entity::find().filter(units::Column::Id.is_in(missing)).all(self.db()).await?;
        for row in rows {
            let known = KnownUnit { path: UnitPath::try_from(row.path)?, name: row.name };
            self.units.put(UnitId(row.id), known.clone());
            out.insert(UnitId(row.id), known);
        }
        Ok(out)
    }

    /// A unit the caller was allowed to read.
    pub async fn unit(&self, grant: &Grant<ReadUnits>) -> Result<UnitWithTenant, StoreError> {
        let unit = load_unit(self.db(), grant.target()).await?;
        let tenant = self.tenant_unscoped(unit.tenant_id).await?;
        Ok(UnitWithTenant { unit, tenant_kind: tenant.kind })
    }

    /// Paths of several units, for building scopes from memberships.
    pub async fn unit_paths_unscoped(&self, ids: &[UnitId]) -> Result<HashMap<UnitId, UnitPath>, StoreError> {
        Ok(self.known_units(ids).await?.into_iter().map(|(id, known)| (id, known.path)).collect())
    }

    /// The codes of every unit of a tenant, dissolved ones included (a report
    /// of a past period may name them): what a pick from the "don_vi" catalogue may be.
    pub async fn unit_codes_of_tenant_unscoped(&self, tenant: TenantId) -> Result<HashSet<String>, StoreError> {
        let rows = units::Entity::find().filter(units::Column::TenantId.eq(tenant.0)).all(self.db()).await?;
        Ok(rows.into_iter().map(|r| r.code).collect())
    }

    /// Every unit the scope covers, in tree order (by path).
    pub async fn units_in_scope(&self, scope: &Scope<ReadUnits>) -> Result<Vec<UnitWithTenant>, StoreError> {
        let rows = units::Entity::find()
            .filter(path_condition(units::Column::Path, scope))
            .order_by_asc(units::Column::Path)
            .all(self.db())
            .await?;
        let kinds: HashMap<i64, TenantKind> = tenants::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .filter_map(|t| t.kind.parse().ok().map(|k| (t.id, k)))
            .collect();
        let mut units: Vec<UnitWithTenant> = Vec::with_capacity(rows.len());
        for row in rows {
            let tenant_kind = *kinds.get(&row.tenant_id).ok_or(StoreError::NotFound("tenant"))?;
            units.push(UnitWithTenant { unit: convert::unit(row)?, tenant_kind });
        }
        // Sort by the numeric ids along the path so that children follow parents.
        units.sort_by_key(|u| u.unit.path.ids());
        Ok(units)
    }

    /// Adds a unit under the grant's target (the parent), optionally with its
    /// administrator account, in one transaction.
    pub async fn create_unit(
        &self, grant: &Grant<ManageUnits>, actor: &Actor, new: NewUnit,
        admin: Option<(NewAccount, baocao_domain::group::GroupCode)>,
    ) -> Result<Unit, StoreError> {
        let tx = self.begin_write().await?;
        let parent = load_unit(&tx, grant.target()).await?;
        if parent.valid_to.is_some() {
            return Err(refused(
                "parent_id",
                "parent_dissolved",
                "Không thể thêm đơn vị con vào đơn vị đã giải thể hoặc sáp nhập.",
                "Cannot add a unit under a dissolved or merged unit.",
            ));
        }
        let unit = insert_unit(&tx, parent.tenant_id, &parent, &new).await?;
        record(
            &tx,
            actor,
            Change {
                tenant: Some(unit.tenant_id),
                unit_path: Some(&unit.path),
                action: "unit.create",
                entity: "unit",
                entity_id: unit.id.to_string(),
                before: None,
                after: Some(unit_json(&unit)),
            },
        )
        .await?;
        if let Some((account, group)) = admin {
            insert_account(&tx, actor, unit.tenant_id, &unit, account, Some(&group)).await?;
        }
        tx.commit().await?;
        self.units.forget_all();
        Ok(unit)
    }

    /// Creates a tenant whose root unit hangs under the platform root (the
    /// grant's target), with its top administrator.
    pub async fn create_tenant(
        &self, grant: &Grant<ManageTenants>, actor: &Actor, tenant: NewTenant, root: NewUnit,
        admin: Option<(NewAccount, baocao_domain::group::GroupCode)>,
    ) -> Result<Unit, StoreError> {
        let tx = self.begin_write().await?;
        let parent = load_unit(&tx, grant.target()).await?;
        if tenants::Entity::find().filter(tenants::Column::Code.eq(tenant.code.as_str())).count(&tx).await? > 0 {
            return Err(conflict(
                "tenant_code",
                "duplicate_tenant_code",
                format!("Mã đơn vị chủ quản \"{}\" đã tồn tại.", tenant.code),
                format!("The tenant code \"{}\" already exists.", tenant.code),
            ));
        }
        let row = tenants::ActiveModel {
            code: Set(tenant.code.as_str().to_owned()),
            name: Set(root.name.as_str().to_owned()),
            kind: Set(tenant.kind.as_str().to_owned()),
            require_identity: Set(false),
            reminder_days: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let tenant_id = TenantId(row.id);
        let unit = insert_unit(&tx, tenant_id, &parent, &root).await?;
        record(
            &tx,
            actor,
            Change {
                tenant: Some(tenant_id),
                unit_path: Some(&unit.path),
                action: "tenant.create",
                entity: "tenant",
                entity_id: tenant_id.to_string(),
                before: None,
                after: Some(json!({"kind": tenant.kind, "code": tenant.code, "root_unit": unit_json(&unit)})),
            },
        )
        .await?;
        if let Some((account, group)) = admin {
            insert_account(&tx, actor, tenant_id, &unit, account, Some(&group)).await?;
        }
        tx.commit().await?;
        self.units.forget_all();
        Ok(unit)
    }

    /// The platform's root unit and tenant, created on first start.
    pub async fn ensure_root(&self, name: &UnitName) -> Result<Unit, StoreError> {
        if let Some(row) = units::Entity::find().filter(units::Column::ParentId.is_null()).one(self.db()).await? {
            return convert::unit(row);
        }
        let tx = self.begin_write().await?;
        let now = Utc::now();
        let tenant = tenants::ActiveModel {
            code: Set("vpcp".to_owned()),
            name: Set(name.as_str().to_owned()),
            kind: Set(TenantKind::Root.as_str().to_owned()),
            require_identity: Set(false),
            reminder_days: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let row = units::ActiveModel {
            tenant_id: Set(tenant.id),
            parent_id: Set(None),
            code: Set("vpcp".to_owned()),
            name: Set(name.as_str().to_owned()),
            kind: Set("Văn phòng Chính phủ".to_owned()),
            level: Set("trung_uong".to_owned()),
            path: Set("/".to_owned()),
            valid_from: Set(NaiveDate::from_ymd_opt(2020, 12, 15).unwrap_or_default()),
            valid_to: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let path = UnitPath::root(UnitId(row.id));
        let mut active: units::ActiveModel = row.into();
        active.path = Set(path.as_str().to_owned());
        let unit = convert::unit(active.update(&tx).await?)?;
        record(
            &tx,
            &Actor::operator(),
            Change {
                tenant: Some(unit.tenant_id),
                unit_path: Some(&unit.path),
                action: "unit.create_root",
                entity: "unit",
                entity_id: unit.id.to_string(),
                before: None,
                after: Some(unit_json(&unit)),
            },
        )
        .await?;
        tx.commit().await?;
        self.units.forget_all();
        Ok(unit)
    }

    /// Edits a unit's name, kind, level or code.
    pub async fn update_unit(
        &self, grant: &Grant<ManageUnits>, actor: &Actor, changes: UnitChanges,
    ) -> Result<Unit, StoreError> {
        let tx = self.begin_write().await?;
        let before = load_unit(&tx, grant.target()).await?;
        if let Some(code) = &changes.code {
            ensure_code_free(&tx, before.tenant_id, code, Some(before.id)).await?;
        }
        let row = units::Entity::find_by_id(before.id.0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?;
        let mut active: units::ActiveModel = row.into();
        if let Some(v) = changes.name {
            active.name = Set(v.as_str().to_owned());
        }
        if let Some(v) = changes.kind {
            active.kind = Set(v.as_str().to_owned());
        }
        if let Some(v) = changes.level {
            active.level = Set(v.as_str().to_owned());
        }
        if let Some(v) = changes.code {
            active.code = Set(v.as_str().to_owned());
        }
        active.updated_at = Set(Utc::now());
        let after = convert::unit(active.update(&tx).await?)?;
        record(
            &tx,
            actor,
            Change {
                tenant: Some(after.tenant_id),
                unit_path: Some(&after.path),
                action: "unit.update",
                entity: "unit",
                entity_id: after.id.to_string(),
                before: Some(unit_json(&before)),
                after: Some(unit_json(&after)),
            },
        )
        .await?;
        tx.commit().await?;
        self.units.forget_all();
        Ok(after)
    }

    /// Deletes a unit created by mistake. A unit with children, users or
    /// memberships is refused: those must be moved first, or the unit closed
    /// by a reorganisation so that its history stays.
    pub async fn delete_unit(&self, grant: &Grant<ManageUnits>, actor: &Actor, id: UnitId) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let unit = load_unit(&tx, id).await?;
        if unit.parent_id != Some(grant.target()) {
            return Err(StoreError::NotFound("unit"));
        }
        let children = units::Entity::find().filter(units::Column::ParentId.eq(id.0)).count(&tx).await?;
        let people = users::Entity::find().filter(users::Column::UnitId.eq(id.0)).count(&tx).await?;
        let grants = memberships::Entity::find().filter(memberships::Column::UnitId.eq(id.0)).count(&tx).await?;
        let history = unit_successors::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(unit_successors::Column::PredecessorId.eq(id.0))
                    .add(unit_successors::Column::SuccessorId.eq(id.0)),
            )
            .count(&tx)
            .await?;
        if children > 0 {
            return Err(refused(
                "unit",
                "unit_has_children",
                format!("Không thể xóa \"{}\": đơn vị còn {children} đơn vị trực thuộc.", unit.name),
                format!("Cannot delete \"{}\": it still has {children} child unit(s).", unit.name),
            ));
        }
        if people > 0 || grants > 0 {
            return Err(refused(
                "unit",
                "unit_has_users",
                format!(
                    "Không thể xóa \"{}\": đơn vị còn {} tài khoản người dùng hoặc phân quyền.",
                    unit.name,
                    people + grants
                ),
                format!(
                    "Cannot delete \"{}\": it still has {} user account(s) or group grant(s).",
                    unit.name,
                    people + grants
                ),
            ));
        }
        if history > 0 {
            return Err(refused(
                "unit",
                "unit_has_history",
                format!("Không thể xóa \"{}\": đơn vị đã có lịch sử sáp nhập, chia tách.", unit.name),
                format!("Cannot delete \"{}\": it takes part in a recorded reorganisation.", unit.name),
            ));
        }
        units::Entity::delete_by_id(id.0).exec(&tx).await?;
        record(
            &tx,
            actor,
            Change {
                tenant: Some(unit.tenant_id),
                unit_path: Some(&unit.path),
                action: "unit.delete",
                entity: "unit",
                entity_id: unit.id.to_string(),
                before: Some(unit_json(&unit)),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.units.forget_all();
        Ok(())
    }

    /// Records a merge, split or move. `grants` must cover every unit the
    /// operation touches (checked by the caller, one grant per unit).
    /// Merged and split units end the day before `effective`; their successors
    /// are linked to them; a moved unit keeps its identity and its subtree
    /// follows it.
    pub async fn reorganise(
        &self, grants: &[Grant<ManageUnits>], actor: &Actor, reorganisation: &Reorganisation, effective: NaiveDate,
        decision: &str,
    ) -> Result<i64, StoreError> {
        reorganisation.check_shape().map_err(StoreError::Refused)?;
        let touched = touched_units(reorganisation);
        if let Some(missing) = touched.iter().find(|id| !grants.iter().any(|g| g.target() == **id)) {
            return Err(StoreError::Corrupt(format!("reorganise called without a grant for unit {missing}")));
        }
        let tx = self.begin_write().await?;
        let (loaded, tenant) = load_within_one_tenant(&tx, &touched).await?;
        let reorg = reorganisations::ActiveModel {
            tenant_id: Set(tenant.0),
            kind: Set(reorganisation.kind().to_owned()),
            effective_date: Set(effective),
            decision: Set(decision.to_owned()),
            actor_id: Set(actor.id.map(|u| u.0)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let day_before = effective.pred_opt().unwrap_or(effective);
        let anchor_path = apply_reorganisation(&tx, reorganisation, &loaded, reorg.id, day_before).await?;
        let before = touched.iter().filter_map(|id| loaded.get(id)).map(unit_json).collect::<Vec<_>>();
        let change = Change {
            tenant: Some(tenant),
            unit_path: anchor_path.as_ref(),
            action: "unit.reorganise",
            entity: "reorganisation",
            entity_id: reorg.id.to_string(),
            before: Some(json!(before)),
            after: Some(json!({"operation": reorganisation, "effective": effective, "decision": decision})),
        };
        record(&tx, actor, change).await?;
        tx.commit().await?;
        self.units.forget_all();
        Ok(reorg.id)
    }

    /// The units that took over from `id`, following merges and splits.
    pub async fn successors_unscoped(&self, id: UnitId) -> Result<Vec<Unit>, StoreError> {
        let links = unit_successors::Entity::find()
            .filter(unit_successors::Column::PredecessorId.eq(id.0))
            .filter(unit_successors::Column::SuccessorId.ne(id.0))
            .all(self.db())
            .await?;
        let mut out = Vec::new();
        for link in links {
            out.push(load_unit(self.db(), UnitId(link.successor_id)).await?);
        }
        Ok(out)
    }

    /// The active unit that receives new work for `id`: `id` itself while it
    /// is open, else the first open successor along the chain.
    pub async fn current_successor_unscoped(&self, id: UnitId, on: NaiveDate) -> Result<Option<Unit>, StoreError> {
        let mut frontier = vec![load_unit(self.db(), id).await?];
        let mut seen = std::collections::HashSet::new();
        while let Some(unit) = frontier.pop() {
            if !seen.insert(unit.id) {
                continue;
            }
            if unit.is_active_on(on) {
                return Ok(Some(unit));
            }
            frontier.extend(self.successors_unscoped(unit.id).await?);
        }
        Ok(None)
    }
}

fn ensure_open(unit: &Unit) -> Result<(), StoreError> {
    if unit.valid_to.is_some() {
        return Err(refused(
            "reorganisation",
            "unit_already_closed",
            format!("Đơn vị \"{}\" đã được sắp xếp lại trước đó.", unit.name),
            format!("The unit \"{}\" was already reorganised.", unit.name),
        ));
    }
    Ok(())
}

/// Every unit a reorganisation touches.
fn touched_units(reorganisation: &Reorganisation) -> Vec<UnitId> {
    match reorganisation {
        Reorganisation::Merge { sources, into } => sources.iter().copied().chain([*into]).collect(),
        Reorganisation::Split { source, into } => into.iter().copied().chain([*source]).collect(),
        Reorganisation::Move { unit, new_parent } => vec![*unit, *new_parent],
    }
}

/// Loads the touched units, refusing a reorganisation that crosses tenants.
async fn load_within_one_tenant(
    tx: &DatabaseTransaction, ids: &[UnitId],
) -> Result<(HashMap<UnitId, Unit>, TenantId), StoreError> {
    let mut loaded = HashMap::new();
    for id in ids {
        loaded.insert(*id, load_unit(tx, *id).await?);
    }
    let tenant = loaded.values().next().map(|u| u.tenant_id).ok_or(StoreError::NotFound("unit"))?;
    if loaded.values().any(|u| u.tenant_id != tenant) {
        return Err(refused(
            "reorganisation",
            "cross_tenant",
            "Chỉ sắp xếp lại các đơn vị trong cùng một đơn vị chủ quản.",
            "A reorganisation must stay inside one tenant.",
        ));
    }
    Ok((loaded, tenant))
}

/// Closes merged and split units the day before the change, links them to
/// their successors, or moves a unit with its subtree. Returns the path the
/// audit entry is filed under.
async fn apply_reorganisation(
    tx: &DatabaseTransaction, reorganisation: &Reorganisation, loaded: &HashMap<UnitId, Unit>, reorg_id: i64,
    day_before: NaiveDate,
) -> Result<Option<UnitPath>, StoreError> {
    let close = |id: UnitId| {
        units::Entity::update_many()
            .col_expr(units::Column::ValidTo, Expr::value(day_before))
            .col_expr(units::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(units::Column::Id.eq(id.0))
    };
    let link = |from: UnitId, to: UnitId| unit_successors::ActiveModel {
        predecessor_id: Set(from.0),
        successor_id: Set(to.0),
        reorganisation_id: Set(reorg_id),
        ..Default::default()
    };
    match reorganisation {
        Reorganisation::Merge { sources, into } => {
            for source in sources {
                ensure_open(&loaded[source])?;
                close(*source).exec(tx).await?;
                link(*source, *into).insert(tx).await?;
            }
            Ok(Some(loaded[into].path.clone()))
        }
        Reorganisation::Split { source, into } => {
            ensure_open(&loaded[source])?;
            close(*source).exec(tx).await?;
            for successor in into {
                link(*source, *successor).insert(tx).await?;
            }
            Ok(Some(loaded[source].path.clone()))
        }
        Reorganisation::Move { unit, new_parent } => {
            let path = move_subtree(tx, &loaded[unit], &loaded[new_parent]).await?;
            link(*unit, *unit).insert(tx).await?;
            Ok(path)
        }
    }
}

/// Moves a unit under a new parent; its whole subtree follows in one statement.
async fn move_subtree(tx: &DatabaseTransaction, moving: &Unit, parent: &Unit) -> Result<Option<UnitPath>, StoreError> {
    if parent.path.is_within(&moving.path) {
        return Err(refused(
            "new_parent",
            "move_into_own_subtree",
            "Không thể chuyển đơn vị vào một đơn vị trực thuộc chính nó.",
            "A unit cannot be moved under one of its own descendants.",
        ));
    }
    let old_prefix = moving.path.as_str().to_owned();
    let new_prefix = parent.path.child(moving.id).as_str().to_owned();
    let backend = tx.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE units SET path = $1 || substr(path, CAST($2 AS INTEGER)) WHERE path LIKE $3"
        }
        _ => "UPDATE units SET path = ? || substr(path, CAST(? AS INTEGER)) WHERE path LIKE ?",
    };
    let values = [new_prefix.clone().into(), (old_prefix.len() as i64 + 1).into(), format!("{old_prefix}%").into()];
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values)).await?;
    units::Entity::update_many()
        .col_expr(units::Column::ParentId, Expr::value(parent.id.0))
        .filter(units::Column::Id.eq(moving.id.0))
        .exec(tx)
        .await?;
    Ok(UnitPath::try_from(new_prefix).ok())
}
