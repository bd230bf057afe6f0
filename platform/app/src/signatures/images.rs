//! Signature images ("Quản lý hình ảnh ký số", handbook §3.5): each user's
//! pictures of their signature or of the organisation's seal, PNG with its
//! transparency, picked when signing.

use baocao_storage::{NewSignatureImage, SignatureImage};
use serde::Serialize;
use utoipa::ToSchema;

use super::refused;
use crate::{App, Caller, Error};

/// Largest image accepted, in bytes, and its largest side, in pixels.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;
const MAX_SIDE: u32 = 2000;
const MIN_SIDE: u32 = 16;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImageView {
    pub id: i64,
    /// "personal" (a signature) or "organisation" (a seal).
    pub kind: String,
    /// The title shown under the signature (chức danh).
    pub title: String,
    pub width: i32,
    pub height: i32,
}

impl ImageView {
    /// What kind of image it is, in the user's words.
    pub fn kind_label(&self) -> baocao_domain::text::Text {
        use baocao_domain::text::Text;
        if self.kind == "organisation" {
            Text::fixed("con dấu cơ quan", "seal")
        } else {
            Text::fixed("chữ ký cá nhân", "personal signature")
        }
    }
}

impl From<SignatureImage> for ImageView {
    fn from(i: SignatureImage) -> Self {
        Self { id: i.id, kind: i.kind, title: i.title, width: i.width, height: i.height }
    }
}

pub async fn my_images(app: &App, who: &Caller) -> Result<Vec<ImageView>, Error> {
    Ok(app.store.signature_images(who.user.id).await?.into_iter().map(ImageView::from).collect())
}

pub async fn add_image(app: &App, who: &Caller, kind: &str, title: &str, png: Vec<u8>) -> Result<ImageView, Error> {
    if !matches!(kind, "personal" | "organisation") {
        return Err(Error::invalid(
            "kind",
            "unknown_kind",
            "Loại hình ảnh phải là chữ ký cá nhân (personal) hoặc con dấu (organisation).",
            "The kind is personal (a signature) or organisation (a seal).",
        ));
    }
    let title = title.trim();
    if title.chars().count() > 200 {
        return Err(Error::invalid(
            "title",
            "too_long",
            "Chức danh tối đa 200 ký tự.",
            "A title has at most 200 characters.",
        ));
    }
    if png.len() > MAX_IMAGE_BYTES {
        return Err(Error::PayloadTooLarge);
    }
    let (width, height) = png_dimensions(&png)?;
    let new = NewSignatureImage { kind: kind.to_owned(), title: title.to_owned(), png, width, height };
    Ok(app.store.add_signature_image(who.user.id, new).await?.into())
}

pub async fn delete_image(app: &App, who: &Caller, id: i64) -> Result<(), Error> {
    Ok(app.store.delete_signature_image(who.user.id, id).await?)
}

/// One of the caller's images with its bytes (to draw it).
pub(crate) async fn image(app: &App, who: &Caller, id: i64) -> Result<SignatureImage, Error> {
    Ok(app.store.signature_image(who.user.id, id).await?)
}

/// Decodes the PNG header (refusing anything else) and bounds its size.
pub(crate) fn png_dimensions(bytes: &[u8]) -> Result<(i32, i32), Error> {
    let not_png =
        || refused("not_png", "Hình ảnh chữ ký phải là tập tin PNG.", "A signature image must be a PNG file.");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().map_err(|_| not_png())?;
    let info = reader.info();
    let (w, h) = (info.width, info.height);
    if !(MIN_SIDE..=MAX_SIDE).contains(&w) || !(MIN_SIDE..=MAX_SIDE).contains(&h) {
        return Err(Error::invalid(
            "file",
            "image_size",
            format!("Kích thước hình ảnh phải từ {MIN_SIDE} đến {MAX_SIDE} điểm ảnh mỗi chiều (hiện {w}×{h})."),
            format!("Each side must be {MIN_SIDE} to {MAX_SIDE} pixels (this one is {w}×{h})."),
        ));
    }
    Ok((w as i32, h as i32))
}
