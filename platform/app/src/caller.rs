//! Who is calling a use case: a signed-in user, however it reached us (a web
//! session, an API token, the command line, the demo seed).

use baocao_domain::user::User;
use baocao_storage::Actor;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    pub fn new(user: User) -> Self {
        Caller { user }
    }

    /// The caller as the audit log names it.
    pub fn actor(&self) -> Actor {
        Actor { id: Some(self.user.id), username: self.user.username.as_str().to_owned() }
    }
}
