//! Multipart forms (file uploads from pages and the API), read whole into
//! memory with a bound on each field.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures::StreamExt;

use crate::error::WebError;

/// The fields of a multipart form by name; a field over `max_field_bytes` is 413.
pub async fn fields(mut form: Multipart, max_field_bytes: usize) -> Result<HashMap<String, Vec<u8>>, WebError> {
    let mut out = HashMap::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| WebError::BadRequest(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            bytes.extend_from_slice(&chunk.map_err(|e| WebError::BadRequest(e.to_string()))?);
            if bytes.len() > max_field_bytes {
                return Err(baocao_app::Error::PayloadTooLarge.into());
            }
        }
        out.insert(name, bytes);
    }
    Ok(out)
}

/// A text field (empty when absent).
pub fn text(fields: &HashMap<String, Vec<u8>>, name: &str) -> String {
    fields.get(name).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
}
