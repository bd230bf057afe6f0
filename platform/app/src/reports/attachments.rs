//! Files attached to a report: checked by type and signature, stored in the blob store.

use baocao_domain::report::Role;

use crate::App;
use crate::Caller;
use crate::error::Error;

use super::*;

/// File types accepted as attachments, by extension, with the content type
/// served back and the leading bytes the file must start with (when the
/// format has a signature), so a renamed executable is refused.
const ATTACHMENT_TYPES: &[(&str, &str, &[u8])] = &[
    ("pdf", "application/pdf", b"%PDF"),
    ("png", "image/png", b"\x89PNG"),
    ("jpg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ("xlsx", baocao_documents::XLSX_CONTENT_TYPE, b"PK\x03\x04"),
    ("odt", "application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04"),
    ("zip", "application/zip", b"PK\x03\x04"),
    ("doc", "application/msword", b"\xD0\xCF\x11\xE0"),
    ("xls", "application/vnd.ms-excel", b"\xD0\xCF\x11\xE0"),
    ("txt", "text/plain; charset=utf-8", b""),
];

fn attachment_type(name: &str, bytes: &[u8]) -> Result<&'static str, Error> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let allowed = ATTACHMENT_TYPES.iter().map(|(e, _, _)| *e).collect::<Vec<_>>().join(", ");
    let Some((_, content_type, magic)) = ATTACHMENT_TYPES.iter().find(|(e, _, _)| *e == ext) else {
        return Err(Error::invalid(
            "file",
            "file_type",
            format!("Loại tập tin \".{ext}\" không được phép. Các loại được phép: {allowed}."),
            format!("Files of type \".{ext}\" are not accepted. Accepted: {allowed}."),
        ));
    };
    let text_ok = ext != "txt" || std::str::from_utf8(bytes).is_ok();
    if !bytes.starts_with(magic) || !text_ok {
        return Err(Error::invalid(
            "file",
            "file_content",
            format!("Nội dung tập tin không đúng định dạng .{ext}."),
            format!("The file's content is not a .{ext} file."),
        ));
    }
    Ok(content_type)
}

fn clean_file_name(raw: &str) -> Result<String, Error> {
    // Keep the last path component and drop control characters and quotes.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    // Bidirectional controls (U+202E "right-to-left override" and kin) make
    // "hoadon\u{202E}fdp.exe" display as "hoadonexe.pdf": they go too.
    let bidi =
        |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}');
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !bidi(*c) && !matches!(c, '"' | '<' | '>'))
        .collect::<String>()
        .trim()
        .to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.starts_with('.') {
        return Err(Error::invalid("name", "file_name", "Tên tập tin không hợp lệ.", "The file name is not valid."));
    }
    Ok(name)
}

pub async fn add_attachment(
    app: &App, who: &Caller, id: i64, name: &str, bytes: &[u8],
) -> Result<baocao_storage::Attachment, Error> {
    let report = for_write(app, who, id).await?;
    let grant = app.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await?;
    let max = app.settings.reports.max_attachment_bytes;
    if bytes.len() > max {
        return Err(Error::PayloadTooLarge);
    }
    if bytes.is_empty() {
        return Err(Error::invalid("file", "empty_file", "Tập tin rỗng.", "The file is empty."));
    }
    let name = clean_file_name(name)?;
    let content_type = attachment_type(&name, bytes)?;
    if let Some(refusal) = baocao_domain::report::edit_refused(report.status) {
        return Err(Error::Conflict(refusal));
    }
    use sha2::Digest;
    let sha256 = hex::encode(sha2::Sha256::digest(bytes));
    let key = format!("{}/{}-{}", report.id, app.clock.now().timestamp_nanos_opt().unwrap_or_default(), &sha256[..16]);
    app.blobs
        .put(&key, bytes.to_vec())
        .await
        .map_err(|e| Error::Internal(anyhow::Error::new(e).context("writing an attachment")))?;
    let new = baocao_storage::NewAttachment {
        file_name: name,
        content_type: content_type.to_owned(),
        size: bytes.len() as i64,
        sha256,
        storage_key: key,
    };
    let key = new.storage_key.clone();
    match app.store.add_attachment(&grant, &who.actor(), id, new).await {
        Ok(saved) => Ok(saved),
        Err(error) => {
            // The row was not stored: the bytes must not linger.
            if let Err(error) = app.blobs.delete(&key).await {
                tracing::warn!(%error, key, "an attachment's bytes outlived its refused row");
            }
            Err(error.into())
        }
    }
}

pub async fn read_attachment(
    app: &App, who: &Caller, id: i64, attachment: i64,
) -> Result<(baocao_storage::Attachment, Vec<u8>), Error> {
    let s = scopes(app, who).await?;
    let meta = app.store.attachment(&s.read, &s.check, id, attachment).await?;
    let bytes = app
        .blobs
        .get(&meta.storage_key)
        .await
        .map_err(|e| Error::Internal(anyhow::Error::new(e).context(format!("reading attachment {}", meta.id))))?;
    Ok((meta, bytes))
}

pub async fn delete_attachment(app: &App, who: &Caller, id: i64, attachment: i64) -> Result<(), Error> {
    let report = for_write(app, who, id).await?;
    let grant = app.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await?;
    let removed = app.store.delete_attachment(&grant, &who.actor(), id, attachment).await?;
    if let Err(error) = app.blobs.delete(&removed.storage_key).await {
        tracing::warn!(%error, attachment, "attachment row removed but its file could not be deleted");
    }
    Ok(())
}
