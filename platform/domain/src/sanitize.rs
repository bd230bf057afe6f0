//! Sanitising the formatted text of narrative reports. Only a small set of
//! formatting tags survives, always without attributes; every other tag is
//! dropped (with the content of `script` and `style`), and text is escaped.
//! The output can therefore be shown as HTML without running anything.

const ALLOWED: &[&str] = &[
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sub",
    "sup",
];
const DROP_CONTENT: &[&str] = &["script", "style", "iframe", "object", "template", "noscript", "textarea", "select"];

fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        escape_into(out, &rest[..i]);
        let after = &rest[i + 1..];
        // Keep a well-formed entity (&amp; &#7899; &#x1EDB;), escape a bare '&'.
        let entity_len = after.find(';').filter(|&n| {
            n > 0 && n <= 10 && {
                let name = &after[..n];
                name.chars().all(|c| c.is_ascii_alphanumeric())
                    || (name.starts_with('#') && name[1..].chars().all(|c| c.is_ascii_hexdigit() || c == 'x'))
            }
        });
        match entity_len {
            Some(n) => {
                out.push('&');
                out.push_str(&after[..=n]);
                rest = &after[n + 1..];
            }
            None => {
                out.push_str("&amp;");
                rest = after;
            }
        }
    }
    escape_into(out, rest);
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// The sanitised form of `input`.
pub fn html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    let mut dropping: Option<String> = None;
    while let Some(start) = rest.find('<') {
        if dropping.is_none() {
            push_text(&mut out, &rest[..start]);
        }
        let after = &rest[start + 1..];
        // As in HTML, '<' starts a tag only before a letter, '/' or '!'; else it is text.
        if !after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            if dropping.is_none() {
                out.push_str("&lt;");
            }
            rest = after;
            continue;
        }
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = after.find('>') else {
            // An unclosed '<' is text.
            if dropping.is_none() {
                push_text(&mut out, &rest[start..]);
            }
            rest = "";
            break;
        };
        let tag = &after[..end];
        rest = &after[end + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(d) = &dropping {
            if closing && &name == d {
                dropping = None;
            }
            continue;
        }
        if DROP_CONTENT.contains(&name.as_str()) && !closing {
            if !tag.ends_with('/') {
                dropping = Some(name);
            }
            continue;
        }
        if ALLOWED.contains(&name.as_str()) {
            match (closing, name.as_str()) {
                (true, "br") => {}
                (true, _) => out.push_str(&format!("</{name}>")),
                (false, _) => out.push_str(&format!("<{name}>")),
            }
        }
    }
    if dropping.is_none() {
        push_text(&mut out, rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::html;

    #[test]
    fn formatting_survives_without_attributes() {
        assert_eq!(html(r#"<p class="x" onclick="evil()">Kết quả <b>tốt</b></p>"#), "<p>Kết quả <b>tốt</b></p>");
        assert_eq!(html("<ul><li>một</li><li>hai</li></ul>"), "<ul><li>một</li><li>hai</li></ul>");
    }

    #[test]
    fn scripts_and_unknown_tags_go() {
        assert_eq!(html("a<script>alert(1)</script>b"), "ab");
        assert_eq!(html(r#"<img src=x onerror=alert(1)>c"#), "c");
        assert_eq!(html(r#"<a href="javascript:alert(1)">link</a>"#), "link");
        assert_eq!(html("<style>body{}</style><p>x</p>"), "<p>x</p>");
        assert_eq!(html("<!-- <script> -->ok"), "ok");
    }

    #[test]
    fn text_is_escaped_but_entities_kept() {
        assert_eq!(html("1 < 2 & 3 > 2"), "1 &lt; 2 &amp; 3 &gt; 2");
        assert_eq!(html("&amp; &#7899; &lt;"), "&amp; &#7899; &lt;");
        assert_eq!(html("\"quoted\""), "&quot;quoted&quot;");
        assert_eq!(html("<unclosed"), "&lt;unclosed");
    }
}
