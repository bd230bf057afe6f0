//! The Casbin enforcer, kept in memory. Memberships live in the database;
//! each instance loads them at start and reloads a user's whenever the event
//! bus says they changed, so the enforcer answers without a query.

use std::collections::HashMap;

use baocao_domain::group::GroupCode;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::unit::{TenantKind, UnitPath};
use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use tokio::sync::RwLock;

use crate::PolicyError;
use crate::catalogue::{GroupCatalogue, PolicySet};
use crate::permission::{Grant, Permission, Reach, RoleGrant, Scope, perms};
use baocao_domain::report::Role;

/// A group held by a user within a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group: GroupCode,
    pub unit: UnitId,
}

/// The caller may not do this here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{actor} may not {action} {object} at unit {unit}")]
pub struct Denied {
    pub actor: UserId,
    pub object: String,
    pub action: &'static str,
    pub unit: UnitId,
}

fn subject(user: UserId) -> String {
    format!("u:{}", user.0)
}

fn domain(unit: UnitId) -> String {
    format!("unit:{}", unit.0)
}

/// A membership as the enforcer's grouping rule: user, group, domain.
fn rule(user: UserId, m: &Membership) -> Vec<String> {
    vec![subject(user), m.group.as_str().to_owned(), domain(m.unit)]
}

pub struct Authorizer {
    /// The model, the groups' rules and every membership as grouping rules.
    /// Whoever changes the rules holds its write lock and, under it, brings
    /// `memberships` and `decisions` in line, so a reader never sees them disagree.
    enforcer: RwLock<Enforcer>,
    /// Each user's memberships, beside the enforcer's grouping rules: asked
    /// for on every request, where the enforcer can only filter the list of
    /// every membership of the platform.
    memberships: std::sync::RwLock<HashMap<UserId, Vec<Membership>>>,
    decisions: Decisions,
    catalogue: GroupCatalogue,
}

/// One question put to the enforcer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Question {
    user: UserId,
    unit: UnitId,
    object: Box<str>,
    action: Box<str>,
    reach: Reach,
}

/// The enforcer's answers since the rules last changed. Every request of a
/// user asks the same few questions (a report's buttons walk the unit's
/// ancestors for each step), and each answer costs a matcher evaluation.
#[derive(Default)]
struct Decisions(std::sync::Mutex<HashMap<Question, bool>>);

impl Decisions {
    /// Past this many answers the memo starts again: it stays small however
    /// many users ask, and a busy instance refills it within seconds.
    const MAX: usize = 100_000;

    fn get(&self, q: &Question) -> Option<bool> {
        self.0.lock().ok()?.get(q).copied()
    }

    fn put(&self, q: Question, allowed: bool) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= Self::MAX {
                map.clear();
            }
            map.insert(q, allowed);
        }
    }

    fn forget(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}

impl Authorizer {
    /// Builds the enforcer from the policy files; memberships are added with
    /// [`Authorizer::load_memberships`].
    pub async fn new(policies: &PolicySet) -> Result<Self, PolicyError> {
        let catalogue = GroupCatalogue::parse(&policies.groups)?;
        let model = DefaultModel::from_str(&policies.model).await?;
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default()).await?;
        enforcer.add_policies(policies.rules()?).await?;
        Ok(Authorizer {
            enforcer: RwLock::new(enforcer),
            memberships: Default::default(),
            decisions: Decisions::default(),
            catalogue,
        })
    }

    pub fn catalogue(&self) -> &GroupCatalogue {
        &self.catalogue
    }

    /// Adds every membership of the platform (start-up).
    pub async fn load_memberships(
        &self, all: impl IntoIterator<Item = (UserId, Membership)>,
    ) -> Result<(), PolicyError> {
        let all: Vec<(UserId, Membership)> = all.into_iter().collect();
        let rules: Vec<Vec<String>> = all.iter().map(|(user, m)| rule(*user, m)).collect();
        let mut enforcer = self.enforcer.write().await;
        if !rules.is_empty() {
            enforcer.add_grouping_policies(rules).await?;
        }
        if let Ok(mut index) = self.memberships.write() {
            for (user, m) in all {
                index.entry(user).or_default().push(m);
            }
        }
        self.decisions.forget();
        Ok(())
    }

    /// Replaces one user's memberships, after a grant or revoke anywhere.
    pub async fn replace_memberships(&self, user: UserId, memberships: &[Membership]) -> Result<(), PolicyError> {
        let mut enforcer = self.enforcer.write().await;
        enforcer.remove_filtered_grouping_policy(0, vec![subject(user)]).await?;
        let rules: Vec<Vec<String>> = memberships.iter().map(|m| rule(user, m)).collect();
        if !rules.is_empty() {
            enforcer.add_grouping_policies(rules).await?;
        }
        if let Ok(mut index) = self.memberships.write() {
            index.insert(user, memberships.to_vec());
        }
        self.decisions.forget();
        Ok(())
    }

    /// The memberships the enforcer holds for a user.
    pub async fn memberships(&self, user: UserId) -> Vec<Membership> {
        let _rules = self.enforcer.read().await;
        self.memberships.read().ok().and_then(|index| index.get(&user).cloned()).unwrap_or_default()
    }

    fn allowed(
        &self, enforcer: &Enforcer, user: UserId, unit: UnitId, object: &str, action: &str, reach: Reach,
    ) -> bool {
        let question = Question { user, unit, object: object.into(), action: action.into(), reach };
        if let Some(answer) = self.decisions.get(&question) {
            return answer;
        }
        let answer = Self::enforce(enforcer, user, unit, object, action, reach);
        self.decisions.put(question, answer);
        answer
    }

    fn enforce(enforcer: &Enforcer, user: UserId, unit: UnitId, object: &str, action: &str, reach: Reach) -> bool {
        match enforcer.enforce((subject(user), domain(unit), object, action, reach.as_str())) {
            Ok(allowed) => allowed,
            Err(error) => {
                // A malformed request or model must never let anybody through.
                tracing::error!(%error, "casbin enforce failed; denying");
                false
            }
        }
    }

    /// Walks from the target up to the root.
    async fn check_object(
        &self, user: UserId, object: &str, action: &'static str, target: &UnitPath,
    ) -> Result<UnitId, Denied> {
        self.check_walking(user, object, action, &target.ids()).await
    }

    /// Walks `ancestors` (the target last) upwards: a rule held at the target
    /// itself applies with either reach, one held at an ancestor only with "subtree".
    async fn check_walking(
        &self, user: UserId, object: &str, action: &'static str, ancestors: &[UnitId],
    ) -> Result<UnitId, Denied> {
        let enforcer = self.enforcer.read().await;
        let Some(&unit) = ancestors.last() else {
            return Err(Denied { actor: user, object: object.to_owned(), action, unit: UnitId(0) });
        };
        for &ancestor in ancestors.iter().rev() {
            let reach = if ancestor == unit { Reach::Unit } else { Reach::Subtree };
            if self.allowed(&enforcer, user, ancestor, object, action, reach) {
                return Ok(unit);
            }
        }
        Err(Denied { actor: user, object: object.to_owned(), action, unit })
    }

    /// For acts on a unit that does not exist yet or is being removed: only
    /// rules held at `parent` or above with reach "subtree" count. A clerk
    /// who holds a group at a unit may therefore not create or delete its children.
    async fn check_object_below(
        &self, user: UserId, object: &str, action: &'static str, parent: &UnitPath,
    ) -> Result<UnitId, Denied> {
        let enforcer = self.enforcer.read().await;
        let ids = parent.ids();
        let Some(&unit) = ids.last() else {
            return Err(Denied { actor: user, object: object.to_owned(), action, unit: UnitId(0) });
        };
        for &ancestor in ids.iter().rev() {
            if self.allowed(&enforcer, user, ancestor, object, action, Reach::Subtree) {
                return Ok(unit);
            }
        }
        Err(Denied { actor: user, object: object.to_owned(), action, unit })
    }

    /// Checks that `user` may exercise `P` on units below `parent` (create or
    /// delete a child). The grant's target is the parent.
    pub async fn check_below<P: Permission>(&self, user: UserId, parent: &UnitPath) -> Result<Grant<P>, Denied> {
        let unit = self.check_object_below(user, P::OBJECT, P::ACTION, parent).await?;
        Ok(Grant::new(user, parent.clone(), unit))
    }

    /// Checks that `user` may exercise `P` on the unit at `target`.
    pub async fn check<P: Permission>(&self, user: UserId, target: &UnitPath) -> Result<Grant<P>, Denied> {
        let unit = self.check_object(user, P::OBJECT, P::ACTION, target).await?;
        Ok(Grant::new(user, target.clone(), unit))
    }

    /// Checks that `user` may grant or revoke `group` at the unit at `target`.
    /// A delegated administrator passes only for the groups its own group
    /// lists as grantable, and only inside its subtree.
    pub async fn check_grant(
        &self, user: UserId, group: &GroupCode, target: &UnitPath,
    ) -> Result<Grant<perms::GrantGroup>, Denied> {
        let object = format!("group:{}", group.as_str());
        let unit = self.check_object(user, &object, "grant", target).await?;
        Ok(Grant::new(user, target.clone(), unit))
    }

    /// Checks that `user` may grant `group` at a unit about to be created below `parent`.
    pub async fn check_grant_below(&self, user: UserId, group: &GroupCode, parent: &UnitPath) -> Result<(), Denied> {
        let object = format!("group:{}", group.as_str());
        self.check_object_below(user, &object, "grant", parent).await.map(|_| ())
    }

    /// Checks that `user` holds a workflow role at the unit at `target`
    /// (through the units [`reaching`] it for that role).
    pub async fn check_role(&self, user: UserId, role: Role, target: &UnitPath) -> Result<RoleGrant, Denied> {
        let ids = target.ids();
        let unit = self.check_walking(user, "report", role.policy_action(), reaching(&ids, role)).await?;
        Ok(RoleGrant::new(user, unit, role))
    }

    /// The users who hold `role` at the unit at `target` (through a group held
    /// there, or one held above with subtree reach): whom to notify.
    pub async fn holders(&self, role: Role, target: &UnitPath) -> Vec<UserId> {
        let enforcer = self.enforcer.read().await;
        let ids = target.ids();
        let Some(&unit) = ids.last() else { return Vec::new() };
        let mut out: Vec<UserId> = Vec::new();
        for &ancestor in reaching(&ids, role).iter().rev() {
            let reach = if ancestor == unit { Reach::Unit } else { Reach::Subtree };
            for rule in enforcer.get_filtered_grouping_policy(2, vec![domain(ancestor)]) {
                let Some(user) =
                    rule.first().and_then(|s| s.strip_prefix("u:")).and_then(|s| s.parse().ok()).map(UserId)
                else {
                    continue;
                };
                if !out.contains(&user)
                    && self.allowed(&enforcer, user, ancestor, "report", role.policy_action(), reach)
                {
                    out.push(user);
                }
            }
        }
        out.sort();
        out
    }

    /// Where `user` may exercise `P`, given the paths of the units where the
    /// user holds groups (`membership_paths`, from storage).
    pub async fn scope<P: Permission>(&self, user: UserId, membership_paths: &HashMap<UnitId, UnitPath>) -> Scope<P> {
        self.scope_of(user, P::OBJECT, P::ACTION, membership_paths).await
    }

    /// Where `user` does the work of a workflow role (the queues of its work).
    pub async fn role_scope(
        &self, user: UserId, role: Role, membership_paths: &HashMap<UnitId, UnitPath>,
    ) -> Scope<Role> {
        self.scope_of(user, "report", role.policy_action(), membership_paths).await
    }

    async fn scope_of<P>(
        &self, user: UserId, object: &str, action: &str, membership_paths: &HashMap<UnitId, UnitPath>,
    ) -> Scope<P> {
        let memberships = self.memberships(user).await;
        let enforcer = self.enforcer.read().await;
        let mut subtrees = Vec::new();
        let mut units = Vec::new();
        for m in memberships {
            let Some(path) = membership_paths.get(&m.unit) else { continue };
            if self.allowed(&enforcer, user, m.unit, object, action, Reach::Subtree) {
                subtrees.push(path.clone());
            } else if self.allowed(&enforcer, user, m.unit, object, action, Reach::Unit) {
                units.push(m.unit);
            }
        }
        Scope::new(user, subtrees, units)
    }

    /// Whether anybody can hold `role` at a unit of `level` in a tenant of
    /// `kind`: some group the tenant offers at that level grants it. The
    /// groups and their rules are data (`policies/`); a ministry's departments
    /// have no approving group, so their reports skip the leader's approval.
    pub async fn role_offered_at(&self, role: Role, kind: TenantKind, level: &str) -> bool {
        let enforcer = self.enforcer.read().await;
        let grants = |group: &GroupCode| {
            enforcer.get_filtered_policy(0, vec![group.as_str().to_owned()]).iter().any(|rule| {
                rule.get(1).is_some_and(|o| o == "report") && rule.get(2).is_some_and(|a| a == role.policy_action())
            })
        };
        self.catalogue.for_tenant(kind).into_iter().any(|g| g.grantable_at_level(level) && grants(&g.code))
    }

    /// The groups `user` may grant somewhere at or below `target`, for forms.
    pub async fn grantable_groups(&self, user: UserId, target: &UnitPath) -> Vec<GroupCode> {
        let mut out = Vec::new();
        for group in self.catalogue.all() {
            if self.check_grant(user, &group.code, target).await.is_ok() {
                out.push(group.code.clone());
            }
        }
        out
    }
}

/// The units of `ids` (a target's path, the target last) whose groups may
/// give `role` at the target: every one for most roles; only the target itself
/// for checking, which is the receiving unit's own work — a checker's group
/// held higher up (a province's, reaching its districts) does not accept,
/// reject or appraise what a district receives.
fn reaching(ids: &[UnitId], role: Role) -> &[UnitId] {
    if role == Role::Check { &ids[ids.len().saturating_sub(1)..] } else { ids }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perms::{ManageUnits, ManageUsers, ReadUnits};

    fn path(ids: &[i64]) -> UnitPath {
        let mut p = UnitPath::root(UnitId(ids[0]));
        for id in &ids[1..] {
            p = p.child(UnitId(*id));
        }
        p
    }

    fn m(group: &str, unit: i64) -> Membership {
        Membership { group: GroupCode::parse(group).unwrap(), unit: UnitId(unit) }
    }

    async fn authorizer() -> Authorizer {
        Authorizer::new(&PolicySet::builtin()).await.unwrap()
    }

    // Tree: 1 VPCP / 2 province / 3 district / 4 commune; 5 another province.
    #[tokio::test]
    async fn administrators_act_on_their_subtree_only() {
        let authz = authorizer().await;
        let admin = UserId(10);
        authz.load_memberships([(admin, m("TINH_QUANTRI", 2))]).await.unwrap();
        assert!(authz.check::<ManageUnits>(admin, &path(&[1, 2])).await.is_ok());
        assert!(authz.check::<ManageUnits>(admin, &path(&[1, 2, 3, 4])).await.is_ok());
        assert!(authz.check::<ManageUsers>(admin, &path(&[1, 2, 3])).await.is_ok());
        assert!(authz.check::<ManageUnits>(admin, &path(&[1, 5])).await.is_err(), "another province");
        assert!(authz.check::<ManageUnits>(admin, &path(&[1])).await.is_err(), "the root above");
    }

    #[tokio::test]
    async fn unit_reach_groups_do_not_extend_to_children() {
        let authz = authorizer().await;
        let clerk = UserId(11);
        authz.load_memberships([(clerk, m("TINH_HUYEN_GUI", 3))]).await.unwrap();
        assert!(authz.check::<ReadUnits>(clerk, &path(&[1, 2, 3])).await.is_ok());
        assert!(authz.check::<ReadUnits>(clerk, &path(&[1, 2, 3, 4])).await.is_err());
        assert!(authz.check::<ManageUnits>(clerk, &path(&[1, 2, 3])).await.is_err());
    }

    #[tokio::test]
    async fn delegated_administrators_grant_only_their_groups_in_their_subtree() {
        let authz = authorizer().await;
        let district_admin = UserId(12);
        authz.load_memberships([(district_admin, m("TINH_HUYEN_QUANTRI", 3))]).await.unwrap();
        let g = |c: &str| GroupCode::parse(c).unwrap();
        assert!(authz.check_grant(district_admin, &g("TINH_XA_NHAPLIEU"), &path(&[1, 2, 3, 4])).await.is_ok());
        assert!(authz.check_grant(district_admin, &g("TINH_HUYEN_QUANTRI"), &path(&[1, 2, 3])).await.is_ok());
        assert!(
            authz.check_grant(district_admin, &g("TINH_QUANTRI"), &path(&[1, 2, 3])).await.is_err(),
            "beyond its groups"
        );
        assert!(
            authz.check_grant(district_admin, &g("TINH_XA_NHAPLIEU"), &path(&[1, 2])).await.is_err(),
            "beyond its subtree"
        );
    }

    #[tokio::test]
    async fn creating_children_needs_subtree_reach() {
        let authz = authorizer().await;
        let admin = UserId(15);
        let clerk = UserId(16);
        authz.load_memberships([(admin, m("TINH_HUYEN_QUANTRI", 3)), (clerk, m("TINH_HUYEN_GUI", 3))]).await.unwrap();
        assert!(authz.check_below::<ManageUnits>(admin, &path(&[1, 2, 3])).await.is_ok());
        assert!(
            authz.check_below::<ManageUnits>(admin, &path(&[1, 2])).await.is_err(),
            "may not add siblings of its own unit"
        );
        assert!(authz.check_below::<ReadUnits>(clerk, &path(&[1, 2, 3])).await.is_err());
        let g = GroupCode::parse("TINH_XA_NHAPLIEU").unwrap();
        assert!(authz.check_grant_below(admin, &g, &path(&[1, 2, 3])).await.is_ok());
        assert!(authz.check_grant_below(clerk, &g, &path(&[1, 2, 3])).await.is_err());
    }

    #[tokio::test]
    async fn workflow_roles_and_their_holders() {
        let authz = authorizer().await;
        let (clerk, entry, leader, district) = (UserId(20), UserId(21), UserId(22), UserId(23));
        authz
            .load_memberships([
                (clerk, m("TINH_XA_GUI", 4)),
                (entry, m("TINH_XA_NHAPLIEU", 4)),
                (leader, m("TINH_DONVI_DUYET_TT01", 4)),
                (district, m("TINH_HUYEN_TONGHOP", 3)),
            ])
            .await
            .unwrap();
        let commune = path(&[1, 2, 3, 4]);
        assert!(authz.check_role(entry, Role::Enter, &commune).await.is_ok());
        assert!(authz.check_role(clerk, Role::Enter, &commune).await.is_err(), "a clerk does not fill reports");
        assert!(authz.check_role(leader, Role::Approve, &commune).await.is_ok());
        assert!(authz.check_role(entry, Role::Approve, &commune).await.is_err());
        assert!(authz.check_role(district, Role::Check, &path(&[1, 2, 3])).await.is_ok());
        assert!(authz.check_role(district, Role::Enter, &commune).await.is_err(), "entry is unit-reach only");
        assert_eq!(
            authz.holders(Role::Send, &commune).await,
            vec![clerk, entry],
            "the commune's data-entry group may send too (policy)"
        );
        assert_eq!(authz.holders(Role::Approve, &commune).await, vec![leader]);
        assert!(authz.role_offered_at(Role::Approve, TenantKind::Province, "xa").await);
        assert!(
            !authz.role_offered_at(Role::Approve, TenantKind::Ministry, "cuc_vu").await,
            "no approver at a department"
        );
        assert!(authz.role_offered_at(Role::Send, TenantKind::Ministry, "cuc_vu").await);
        assert_eq!(authz.holders(Role::Check, &path(&[1, 2, 3])).await, vec![district]);
        // Checking is the receiving unit's own: the district's subtree reach
        // does not make it the checker of what its communes receive.
        assert!(authz.holders(Role::Check, &commune).await.is_empty());
        assert!(authz.check_role(district, Role::Check, &commune).await.is_err());
        assert!(authz.holders(Role::Check, &path(&[1, 2])).await.is_empty(), "but not the province above");
    }

    #[tokio::test]
    async fn replacing_memberships_revokes() {
        let authz = authorizer().await;
        let user = UserId(13);
        authz.replace_memberships(user, &[m("TINH_QUANTRI", 2)]).await.unwrap();
        assert!(authz.check::<ManageUnits>(user, &path(&[1, 2])).await.is_ok());
        authz.replace_memberships(user, &[]).await.unwrap();
        assert!(authz.check::<ManageUnits>(user, &path(&[1, 2])).await.is_err());
        assert!(authz.memberships(user).await.is_empty());
    }

    #[tokio::test]
    async fn scope_collects_subtrees_and_units() {
        let authz = authorizer().await;
        let user = UserId(14);
        authz.load_memberships([(user, m("TINH_HUYEN_QUANTRI", 3)), (user, m("TINH_SO_GUI", 6))]).await.unwrap();
        let paths: HashMap<UnitId, UnitPath> = [(UnitId(3), path(&[1, 2, 3])), (UnitId(6), path(&[1, 2, 6]))].into();
        let scope = authz.scope::<ReadUnits>(user, &paths).await;
        assert_eq!(scope.subtrees(), &[path(&[1, 2, 3])]);
        assert_eq!(scope.units(), &[UnitId(6)]);
        assert!(scope.covers(&path(&[1, 2, 3, 4])));
        assert!(!scope.covers(&path(&[1, 2])));
    }
}
