//! The demo's own PKI, so a newcomer can sign and check at once: a root and
//! an intermediate CA made at start (the root and an empty CRL go into the
//! trust directory), a personal certificate and a signature image for every
//! leader, an organisation certificate and a seal image for every unit with
//! a clerk. Never for production: these keys are born on the server.

use std::collections::BTreeSet;

use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::report::Role;
use baocao_signing::pki::{Authority, Subject};
use baocao_storage::{KeyOwner, NewSignatureImage};

use super::keys::install_key;
use crate::{App, Error};

const ROOT_FILE: &str = "baocao-demo-root.pem";
/// Written last: its presence means the demo is equipped.
const DONE_FILE: &str = ".baocao-demo-equipped";

/// Equips the demo's leaders and units; answers how many keys were installed
/// (none when the demo PKI exists already).
pub async fn equip_demo(app: &App) -> Result<usize, Error> {
    let trust = app.signing().trust_dir.clone();
    if trust.join(DONE_FILE).exists() {
        return Ok(0);
    }
    let root = Authority::root("Demo Root CA baocao").map_err(Error::internal)?;
    let ca = root.intermediate("Demo CA phục vụ cơ quan nhà nước").map_err(Error::internal)?;
    // The anchor and the CA's (empty) CRL first: keys are installed only
    // when a receiver would accept them.
    std::fs::create_dir_all(&trust).map_err(Error::internal)?;
    std::fs::write(trust.join(ROOT_FILE), root.certificate_pem().map_err(Error::internal)?).map_err(Error::internal)?;
    let crl = ca.crl(&[]).and_then(|c| Ok(c.to_der()?)).map_err(Error::internal)?;
    std::fs::write(trust.join("baocao-demo-ca.crl"), crl).map_err(Error::internal)?;
    let (leaders, units) = signers(app).await?;
    let mut installed = 0;
    for (user, name) in leaders {
        let issued = ca.issue(&Subject::person(&name), 3650).map_err(Error::internal)?;
        install_key(app, KeyOwner::User(user), &issued.signing_key(&[ca.certificate()]).map_err(Error::internal)?)
            .await?;
        image(app, user, "personal", "Thủ trưởng đơn vị", signature_stroke()).await?;
        installed += 1;
    }
    for (unit, name, clerk) in units {
        let issued = ca.issue(&Subject::organisation(&name), 3650).map_err(Error::internal)?;
        install_key(app, KeyOwner::Unit(unit), &issued.signing_key(&[ca.certificate()]).map_err(Error::internal)?)
            .await?;
        image(app, clerk, "organisation", &name, seal(160)).await?;
        installed += 1;
    }
    std::fs::write(trust.join(DONE_FILE), b"").map_err(Error::internal)?;
    Ok(installed)
}

/// Leaders (who approve at their unit) and units with a clerk (who sends).
async fn signers(app: &App) -> Result<(Vec<(UserId, String)>, Vec<(UnitId, String, UserId)>), Error> {
    let (mut leaders, mut units) = (Vec::new(), Vec::new());
    let (mut seen_users, mut seen_units) = (BTreeSet::new(), BTreeSet::new());
    for (user, membership) in app.store.all_memberships().await? {
        let unit = app.store.unit_unscoped(membership.unit).await?;
        if seen_users.insert(user) && app.authz.check_role(user, Role::Approve, &unit.path).await.is_ok() {
            let name = app.store.user_unscoped(user).await?.full_name.as_str().to_owned();
            leaders.push((user, name));
        }
        if app.authz.check_role(user, Role::Send, &unit.path).await.is_ok() && seen_units.insert(unit.id) {
            units.push((unit.id, unit.name.as_str().to_owned(), user));
        }
    }
    Ok((leaders, units))
}

async fn image(app: &App, user: UserId, kind: &str, title: &str, png: Vec<u8>) -> Result<(), Error> {
    let (width, height) = super::images::png_dimensions(&png)?;
    let new = NewSignatureImage { kind: kind.to_owned(), title: title.to_owned(), png, width, height };
    app.store.add_signature_image(user, new).await?;
    Ok(())
}

/// A red ring with a star on a transparent square: the seal.
fn seal(size: u32) -> Vec<u8> {
    let c = size as f32 / 2.0;
    rgba(size, size, |x, y| {
        let r = ((x - c).powi(2) + (y - c).powi(2)).sqrt();
        let ring = (c - 8.0..c - 1.0).contains(&r) || (c - 16.0..c - 13.0).contains(&r);
        let star = r < c * 0.3;
        (ring || star).then_some([200, 16, 16, 230])
    })
}

/// A blue flourish on a transparent strip: a hand signature.
fn signature_stroke() -> Vec<u8> {
    let (w, h) = (240u32, 90u32);
    rgba(w, h, |x, y| {
        let curve = h as f32 / 2.0 + (x / 18.0).sin() * 22.0 * (1.0 - x / w as f32);
        ((y - curve).abs() < 2.2 && x > 12.0 && x < w as f32 - 12.0).then_some([20, 40, 160, 255])
    })
}

fn rgba(w: u32, h: u32, paint: impl Fn(f32, f32) -> Option<[u8; 4]>) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            pixels.extend(paint(x as f32, y as f32).unwrap_or([0, 0, 0, 0]));
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgba);
    let written = encoder.write_header().and_then(|mut writer| writer.write_image_data(&pixels));
    if written.is_err() {
        return Vec::new();
    }
    out
}
