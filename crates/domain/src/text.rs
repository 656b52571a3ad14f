//! Rules shared by every free-text value: trimmed, non-empty where required, bounded in
//! length, and free of control characters (a NUL is a 500 on PostgreSQL, so it never
//! gets past parsing).

use crate::validation::FieldError;

/// Trims `raw` and checks it is a non-empty single line of at most `max` characters.
pub fn required_line(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    line(field, value, max)
}

/// Like [`required_line`] but an empty or blank value means "none".
pub fn optional_line(field: &str, raw: &str, max: usize) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    line(field, value, max).map(Some)
}

fn line(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if longer_than(value, max) {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if any_char(value, char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Trims `raw` and checks it is non-empty text of at most `max` characters that may span
/// several lines: line breaks and tabs are allowed, every other control character (NUL
/// first of all) is not.
pub fn required_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if longer_than(value, max) {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if any_char(value, |c| {
        c.is_control() && !matches!(c, '\n' | '\r' | '\t')
    }) {
        return Err(FieldError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(value.to_owned())
}

/// Whether `value` has more than `max` characters. A text of at most `max` bytes has not
/// (a character is at least a byte), so most are never counted.
pub fn longer_than(value: &str, max: usize) -> bool {
    value.len() > max && value.chars().count() > max
}

/// Whether `refused` refuses any character of `value`. An all-ASCII text (most names, and
/// every email address and phone number) is read byte by byte, without decoding UTF-8:
/// stored clients are checked again each time they are read.
pub fn any_char(value: &str, refused: impl Fn(char) -> bool) -> bool {
    if value.is_ascii() {
        value.bytes().any(|byte| refused(char::from(byte)))
    } else {
        value.chars().any(refused)
    }
}

/// The longest search key, in bytes. Folding can make a key much longer than its text
/// (each emoji becomes its English name), and PostgreSQL refuses a btree entry over
/// 2704 bytes: an index holding two keys must stay well below that.
pub const MAX_KEY_BYTES: usize = 400;

/// The search key of a name: accents folded, lower-cased, inner whitespace collapsed.
/// Both databases compare and sort these keys byte-wise, so "Émile" sorts with "emile".
pub fn search_key(value: &str) -> String {
    let folded = deunicode::deunicode(value).to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A person's name as a sort and search key: [`search_key`] cut at [`MAX_KEY_BYTES`], so
/// that the indexes holding a first and a last name key stay small.
pub fn name_key(value: &str) -> String {
    let mut key = search_key(value);
    if key.len() > MAX_KEY_BYTES {
        let mut end = MAX_KEY_BYTES;
        while !key.is_char_boundary(end) {
            end -= 1;
        }
        key.truncate(end);
        key.truncate(key.trim_end().len());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_key_never_grows_past_its_bound() {
        let key = name_key(&"\u{FDFA}".repeat(100));
        assert!(key.len() <= MAX_KEY_BYTES, "{}", key.len());
        assert!(key.starts_with("{salla llahu"), "{key}");
        assert!(search_key(&"\u{FDFA}".repeat(100)).len() > 2_000);
        assert_eq!(name_key(" Émile  Zola "), "emile zola");
    }

    #[test]
    fn required_line_trims_and_rejects_blank_and_control_characters() {
        assert_eq!(required_line("f", "  Ana ", 10).unwrap(), "Ana");
        assert!(required_line("f", "   ", 10).is_err());
        assert!(required_line("f", "A\u{0}na", 10).is_err());
        assert!(required_line("f", "Ana\nB", 10).is_err());
        assert!(required_line("f", "abcdefghijk", 10).is_err());
    }

    #[test]
    fn required_text_allows_line_breaks_and_tabs_but_no_other_control_characters() {
        assert_eq!(
            required_text("f", "  one\r\n\ttwo \n", 20).unwrap(),
            "one\r\n\ttwo"
        );
        assert!(required_text("f", " \n\t ", 20).is_err());
        assert!(required_text("f", "a\u{0}b", 20).is_err());
        assert!(required_text("f", "a\u{1b}[31mb", 20).is_err());
        assert!(required_text("f", "é".repeat(21).as_str(), 20).is_err());
        assert!(required_text("f", "é".repeat(20).as_str(), 20).is_ok());
    }

    proptest::proptest! {
        /// The shortcuts answer as counting and decoding every character would, on
        /// all-ASCII text (control characters included) and on any other.
        #[test]
        fn the_shortcuts_answer_as_decoding_every_character(
            text in "[\\x00-\\x7f]{0,12}|\\PC{0,12}|.{0,12}",
            max in 0_usize..40,
        ) {
            let predicates: [fn(char) -> bool; 3] =
                [char::is_control, char::is_whitespace, |c| c == 'x'];
            for refused in predicates {
                proptest::prop_assert_eq!(any_char(&text, refused), text.chars().any(refused));
            }
            proptest::prop_assert_eq!(longer_than(&text, max), text.chars().count() > max);
        }
    }

    #[test]
    fn search_key_folds_accents_case_and_spaces() {
        assert_eq!(search_key("  Émile   ZOLA "), "emile zola");
        assert_eq!(search_key("Françoise"), "francoise");
        assert_eq!(search_key("Łukasz"), "lukasz");
    }
}
