//! Search as people type it: "chuyen doi so", "CHUYỂN ĐỔI SỐ" and
//! "chuyển đổi số" are the same words. Both sides of a comparison are folded
//! — lower case, tone and vowel marks removed, đ read as d — so the same
//! comparison holds in Rust, in SQLite and in PostgreSQL.

use unicode_normalization::UnicodeNormalization;

/// `text` lower-cased, without diacritics, with runs of white space as one space.
pub fn fold(text: &str) -> String {
    let bare: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    bare.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A folded keyword safe inside a SQL `LIKE '%…%'`: the wildcards `%`, `_`
/// and the escape `\` are dropped rather than escaped, so no database's
/// escaping rules matter. None when nothing is left to look for.
pub fn like_pattern(folded: &str) -> Option<String> {
    let plain: String = folded.chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect();
    let plain = plain.trim();
    (!plain.is_empty()).then(|| format!("%{plain}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_words_fold_to_one_form() {
        for typed in ["chuyển đổi số", "CHUYỂN ĐỔI SỐ", "chuyen doi so", "  Chuyển   Đổi số "] {
            assert_eq!(fold(typed), "chuyen doi so", "{typed}");
        }
        assert_eq!(fold("UBND xã Minh Quang"), "ubnd xa minh quang");
        assert_eq!(fold("Đắk Lắk"), "dak lak");
        assert_eq!(fold("Thừa Thiên Huế – ỹ ữ ợ"), "thua thien hue – y u o");
    }

    #[test]
    fn like_patterns_hold_no_wildcards() {
        assert_eq!(like_pattern("50%_a\\b").as_deref(), Some("%50ab%"));
        assert_eq!(like_pattern(" %_ "), None);
    }
}
