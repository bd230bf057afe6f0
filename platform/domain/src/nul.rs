//! Finding NUL characters in what people send: no field may store one, so
//! a request carrying one is refused before any handler reads it.

/// `%00` (or a raw NUL) in a path or query string.
pub fn in_uri(s: &str) -> bool {
    s.contains('\0') || s.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

#[derive(Clone, Copy)]
pub enum TextBody {
    Json,
    Form,
}

pub fn text_body(content_type: &str) -> Option<TextBody> {
    let t = content_type.to_ascii_lowercase();
    if t.starts_with("application/json") {
        Some(TextBody::Json)
    } else if t.starts_with("application/x-www-form-urlencoded") {
        Some(TextBody::Form)
    } else {
        None
    }
}

impl TextBody {
    /// A raw NUL byte in JSON is not JSON at all: the parser refuses it (and a
    /// handler that expects another media type says so), so only the escape is looked for.
    pub fn has_nul(self, body: &[u8]) -> bool {
        match self {
            TextBody::Form => body.contains(&0) || in_uri(&String::from_utf8_lossy(body)),
            TextBody::Json => json_escape(body),
        }
    }
}

/// `\u0000` as a JSON escape: preceded by an odd run of backslashes (an
/// even run is escaped backslashes followed by the letters "u0000").
fn json_escape(body: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = body[from..].windows(5).position(|w| w.eq_ignore_ascii_case(b"u0000")) {
        let at = from + i;
        let slashes = body[..at].iter().rev().take_while(|b| **b == b'\\').count();
        if slashes % 2 == 1 {
            return true;
        }
        from = at + 5;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_uris_forms_and_json_escapes_only() {
        assert!(in_uri("q=a%00b") && !in_uri("q=a%2000"));
        assert!(TextBody::Json.has_nul(br#"{"comment":"a\u0000b"}"#));
        assert!(!TextBody::Json.has_nul(br#"{"comment":"a\\u0000b"}"#), "an escaped backslash, then letters");
        assert!(TextBody::Json.has_nul(br#"{"c":"\\\u0000"}"#));
        assert!(TextBody::Form.has_nul(b"comment=a%00b") && !TextBody::Form.has_nul(b"comment=a%20b"));
    }
}
