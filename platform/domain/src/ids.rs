//! Typed identifiers, so a unit id can never be passed where a user id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A tenant: the VPCP root, a ministry, a province or a vertical sector.
    TenantId
);
id_type!(
    /// A unit (đơn vị) of a tenant's tree.
    UnitId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// An identity of the national identity platform (VNConnect) that signed in.
    IdentityId
);
