//! Vietnamese presentation of dates and numbers: dd/MM/yyyy, and numbers
//! with '.' between thousands and ',' before decimals (1.500,5).

use chrono::{DateTime, NaiveDate, Utc};

use crate::text::Locale;

/// dd/MM/yyyy in Vietnamese, yyyy-MM-dd in English.
pub fn date(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Vi => d.format("%d/%m/%Y").to_string(),
        Locale::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// "HH:mm:ss ngày dd/MM/yyyy", the handbook's way of stating a moment.
/// Times are shown in Viet Nam's time zone (UTC+7, no daylight saving).
pub fn moment(t: DateTime<Utc>, locale: Locale) -> String {
    let local = t + chrono::Duration::hours(7);
    match locale {
        Locale::Vi => local.format("%H:%M:%S ngày %d/%m/%Y").to_string(),
        Locale::En => local.format("%H:%M:%S on %Y-%m-%d").to_string(),
    }
}

/// Formats a number with at most `decimals` fraction digits, trailing zeros
/// dropped: 1500.5 → "1.500,5" (vi), "1,500.5" (en).
pub fn number(value: f64, decimals: usize, locale: Locale) -> String {
    let (group_sep, dec_sep) = match locale {
        Locale::Vi => ('.', ','),
        Locale::En => (',', '.'),
    };
    let text = format!("{:.*}", decimals, value.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, f.trim_end_matches('0')),
        None => (text.as_str(), ""),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(group_sep);
        }
        grouped.push(ch);
    }
    let negative = value < 0.0 && (int_part.chars().any(|c| c != '0') || !frac_part.is_empty());
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if !frac_part.is_empty() {
        out.push(dec_sep);
        out.push_str(frac_part);
    }
    out
}

/// Reads a number as Vietnamese users type it: '.' between thousands and ','
/// before decimals ("1.500", "8,5", "1.500,5"). Without a comma, dots that do
/// not group thousands ("8.5") are read as a decimal point, as a spreadsheet
/// in another locale writes them. Spaces are ignored.
pub fn parse_number(raw: &str) -> Option<f64> {
    let t: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t)),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return None;
    }
    let grouped = |int: &str| -> Option<String> {
        let parts: Vec<&str> = int.split('.').collect();
        let first_ok = parts.first().is_some_and(|p| !p.is_empty() && p.len() <= 3);
        (parts.len() == 1 || (first_ok && parts[1..].iter().all(|p| p.len() == 3))).then(|| parts.concat())
    };
    let plain = match body.split_once(',') {
        Some((int, frac)) => {
            if frac.contains(',') || frac.contains('.') || frac.is_empty() {
                return None;
            }
            format!("{}.{frac}", grouped(int)?)
        }
        None if body.matches('.').count() == 1 && grouped(body).is_none() => body.to_owned(),
        None => grouped(body)?,
    };
    plain.parse::<f64>().ok().filter(|x| x.is_finite()).map(|x| sign * x)
}

/// One CSV field, always quoted. A field that a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return; a
/// unit renamed `=HYPERLINK(…)`) is prefixed with an apostrophe, which
/// spreadsheets show as text and do not evaluate.
pub fn csv_field(value: &str) -> String {
    let neutral = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    format!("\"{}\"", neutral.replace('"', "\"\""))
}

/// A `Content-Disposition` that saves a file under its Vietnamese name in
/// every browser and never opens it in place: an ASCII fallback with
/// anything else as `_`, and the exact name percent-encoded (RFC 6266).
pub fn attachment_disposition(file_name: &str) -> String {
    let plain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_');
    let ascii: String = file_name.chars().map(|c| if c.is_ascii() && plain(c as u8) { c } else { '_' }).collect();
    let encoded: String =
        file_name.bytes().map(|b| if plain(b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Xã Minh Quang"), "\"Xã Minh Quang\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        for risky in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            let field = csv_field(risky);
            assert!(field.starts_with("\"'"), "{risky:?} → {field}");
        }
        assert_eq!(csv_field(""), "\"\"");
    }

    #[test]
    fn numbers_are_read_the_vietnamese_way() {
        assert_eq!(parse_number("1.500"), Some(1500.0));
        assert_eq!(parse_number("8,5"), Some(8.5));
        assert_eq!(parse_number("1.500,5"), Some(1500.5));
        assert_eq!(parse_number("1.234.567"), Some(1234567.0));
        assert_eq!(parse_number(" -12 "), Some(-12.0));
        assert_eq!(parse_number("8.5"), Some(8.5), "not a thousands grouping: a decimal point");
        assert_eq!(parse_number("1.50.0"), None);
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("12a"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("5,"), None);
    }

    #[test]
    fn vietnamese_numbers_group_with_dots_and_use_decimal_comma() {
        assert_eq!(number(1500.5, 2, Locale::Vi), "1.500,5");
        assert_eq!(number(8.5, 1, Locale::Vi), "8,5");
        assert_eq!(number(1_234_567.0, 0, Locale::Vi), "1.234.567");
        assert_eq!(number(-42.25, 2, Locale::Vi), "-42,25");
        assert_eq!(number(999.0, 0, Locale::Vi), "999");
        assert_eq!(number(1500.5, 2, Locale::En), "1,500.5");
    }

    #[test]
    fn dates_are_day_month_year_in_vietnamese() {
        let d = NaiveDate::from_ymd_opt(2021, 3, 14).unwrap_or_default();
        assert_eq!(date(d, Locale::Vi), "14/03/2021");
        assert_eq!(date(d, Locale::En), "2021-03-14");
    }

    #[test]
    fn moments_are_shown_in_viet_nam_time() {
        let t = DateTime::parse_from_rfc3339("2021-03-14T17:30:05Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        assert_eq!(moment(t, Locale::Vi), "00:30:05 ngày 15/03/2021");
    }

    #[test]
    fn downloads_keep_their_vietnamese_names() {
        assert_eq!(
            attachment_disposition("Báo cáo 1.pdf"),
            "attachment; filename=\"B_o_c_o_1.pdf\"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%201.pdf"
        );
    }
}
