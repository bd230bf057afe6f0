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

#[cfg(test)]
mod tests {
    use super::*;

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
}
