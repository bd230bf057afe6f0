//! Permissions as types and grants as values.

use std::marker::PhantomData;

use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::report::Role;
use baocao_domain::unit::UnitPath;

/// Whether a rule covers only the unit where the group is held or its subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    Unit,
    Subtree,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Unit => "unit",
            Reach::Subtree => "subtree",
        }
    }
}

/// A permission: an (object, action) pair of `policies/policy.csv`.
pub trait Permission {
    const OBJECT: &'static str;
    const ACTION: &'static str;
}

/// The permissions the platform checks, one marker type each, so a storage
/// function can demand exactly the grant it needs.
pub mod perms {
    use super::Permission;

    macro_rules! permission {
        ($(#[$doc:meta])* $name:ident, $obj:literal, $act:literal) => {
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Permission for $name {
                const OBJECT: &'static str = $obj;
                const ACTION: &'static str = $act;
            }
        };
    }

    permission!(/// See a unit and its details.
        ReadUnits, "unit", "read");
    permission!(/// Add, edit, delete and reorganise units.
        ManageUnits, "unit", "manage");
    permission!(/// See user accounts.
        ReadUsers, "user", "read");
    permission!(/// Create, edit, deactivate accounts and reset passwords.
        ManageUsers, "user", "manage");
    permission!(/// Read the audit log.
        ReadAudit, "audit", "read");
    permission!(/// Create tenants (ministries, provinces, sectors) under the root.
        ManageTenants, "tenant", "manage");
    permission!(/// Upload and enable regime plugins.
        ManageRegimes, "regime", "manage");
    permission!(/// See reports of a unit (and, with subtree reach, below it).
        ReadReports, "report", "read");
    permission!(/// Fill a unit's reports.
        EnterReports, "report", "enter");
    permission!(/// Check reports sent to a unit (accept, reject).
        CheckReports, "report", "check");
    permission!(/// Assign a regime's forms to lower units.
        AssignReports, "report", "assign");
    permission!(/// Configure which unit receives a unit's reports.
        ConfigureReceivers, "receiver", "configure");
    /// Grant or revoke one specific group; the object is `group:<CODE>`.
    #[derive(Debug, Clone, Copy)]
    pub struct GrantGroup;
}

/// Proof that `actor` may exercise `P` on `target`. Only this crate makes
/// one, after a successful check; the storage layer asks for it.
#[derive(Debug, Clone)]
pub struct Grant<P> {
    actor: UserId,
    target: UnitId,
    target_path: UnitPath,
    _permission: PhantomData<P>,
}

impl<P> Grant<P> {
    pub(crate) fn new(actor: UserId, target_path: UnitPath, target: UnitId) -> Self {
        Grant { actor, target, target_path, _permission: PhantomData }
    }

    /// A grant for the platform operator acting outside any request: the
    /// command line (`baocao user …`) and demo seeding, which run with the
    /// database credentials and so already hold every right. Never call
    /// this from a request handler.
    pub fn for_operator(target_path: UnitPath) -> Option<Self> {
        let target = target_path.unit()?;
        Some(Grant { actor: UserId(0), target, target_path, _permission: PhantomData })
    }

    pub fn actor(&self) -> UserId {
        self.actor
    }

    pub fn target(&self) -> UnitId {
        self.target
    }

    pub fn target_path(&self) -> &UnitPath {
        &self.target_path
    }
}

/// Proof that `actor` holds a workflow [`Role`] at `unit` (the reporting
/// unit, or the receiving unit for [`Role::Check`]). Storage applies a
/// transition only with the grant of the role the step asks for.
#[derive(Debug, Clone)]
pub struct RoleGrant {
    actor: UserId,
    unit: UnitId,
    role: Role,
}

impl RoleGrant {
    pub(crate) fn new(actor: UserId, unit: UnitId, role: Role) -> Self {
        RoleGrant { actor, unit, role }
    }

    pub fn actor(&self) -> UserId {
        self.actor
    }

    pub fn unit(&self) -> UnitId {
        self.unit
    }

    pub fn role(&self) -> Role {
        self.role
    }
}

/// Where `actor` may exercise `P`: whole subtrees, and single units. Used to
/// restrict list queries; obtained only from [`crate::Authorizer::scope`].
#[derive(Debug, Clone)]
pub struct Scope<P> {
    actor: UserId,
    subtrees: Vec<UnitPath>,
    units: Vec<UnitId>,
    _permission: PhantomData<P>,
}

impl<P> Scope<P> {
    pub(crate) fn new(actor: UserId, mut subtrees: Vec<UnitPath>, mut units: Vec<UnitId>) -> Self {
        // A subtree inside another adds nothing; dropping it keeps queries short.
        subtrees.sort_by_key(|p| p.as_str().len());
        let mut kept: Vec<UnitPath> = Vec::new();
        for path in subtrees {
            if !kept.iter().any(|k| path.is_within(k)) {
                kept.push(path);
            }
        }
        units.sort();
        units.dedup();
        Scope { actor, subtrees: kept, units, _permission: PhantomData }
    }

    pub fn actor(&self) -> UserId {
        self.actor
    }

    pub fn subtrees(&self) -> &[UnitPath] {
        &self.subtrees
    }

    pub fn units(&self) -> &[UnitId] {
        &self.units
    }

    pub fn is_empty(&self) -> bool {
        self.subtrees.is_empty() && self.units.is_empty()
    }

    /// The units where the actor holds the permission itself: the top of each
    /// subtree and the single units (not the units below a subtree's top).
    pub fn own_units(&self) -> Vec<UnitId> {
        self.subtrees.iter().filter_map(UnitPath::unit).chain(self.units.iter().copied()).collect()
    }

    /// Whether a unit at `path` is inside this scope.
    pub fn covers(&self, path: &UnitPath) -> bool {
        self.subtrees.iter().any(|s| path.is_within(s)) || path.unit().is_some_and(|u| self.units.contains(&u))
    }
}
