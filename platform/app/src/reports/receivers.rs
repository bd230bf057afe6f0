//! Which unit receives a unit's reports.

use baocao_domain::ids::UnitId;
use baocao_domain::text::{Invalid, Text};

use crate::App;
use crate::Caller;
use crate::error::Error;

/// Sets which unit receives a unit's reports (for one regime or every regime).
///
/// Both ends must be where the caller may configure: a district administrator
/// can neither send a commune's reports to a provincial department nor make a
/// commune the receiver of the district's own reports (reports go up or
/// sideways, never down into the sender's own subtree).
pub async fn set_receiver(app: &App, who: &Caller, unit: UnitId, regime: &str, receiver: UnitId) -> Result<(), Error> {
    let target = crate::admin::visible_unit(app, who, unit).await?;
    let grant = app.authz.check::<baocao_authz::perms::ConfigureReceivers>(who.user.id, &target.path).await?;
    let receiving = crate::admin::visible_unit(app, who, receiver).await?;
    app.authz.check::<baocao_authz::perms::ConfigureReceivers>(who.user.id, &receiving.path).await?;
    if receiving.id != target.id && receiving.path.is_within(&target.path) {
        return Err(Error::Refused(Invalid::new(
            "receiver",
            "receiver_below_sender",
            Text::fixed(
                "Đơn vị nhận báo cáo không được là đơn vị trực thuộc của đơn vị gửi.",
                "The receiving unit cannot be one of the sending unit's own subordinate units.",
            ),
        )));
    }
    let regime = regime.trim();
    if regime.is_empty() || regime.len() > 64 {
        return Err(Error::invalid(
            "regime",
            "required",
            "Hãy chọn chế độ báo cáo (hoặc \"*\" cho mọi chế độ).",
            "Pick a regime (or \"*\" for every regime).",
        ));
    }
    Ok(app.store.set_receiver(&grant, regime, receiver).await?)
}
