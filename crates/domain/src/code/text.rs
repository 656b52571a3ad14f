//! The text of a code (CO-3): what a client types to use a package, gift certificate or
//! subscription. Unguessable: 16 characters of a 31-character alphabet, about 79 bits,
//! made from random bytes that the caller draws from a CSPRNG (the domain draws nothing).
//! Typeable: no `0`/`O`, `1`/`I`/`L`, grouped by four (`7KQ4-MX2P-W9TD-R3HA`); typed
//! input is read case-insensitively, spaces and dashes ignored.

use std::fmt;

use crate::validation::FieldError;

/// The characters of a code: digits and capital letters but the ambiguous `0`, `1`, `I`,
/// `L` and `O`.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Characters in a code (grouped by [`GROUP`] when shown).
pub const LENGTH: usize = 16;

/// Characters per group when shown.
pub const GROUP: usize = 4;

/// A code's text, as stored: [`LENGTH`] characters of [`ALPHABET`], ungrouped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeText(String);

impl CodeText {
    /// The code made from 16 random bytes (from a CSPRNG): each character is a base-31
    /// digit of their value. 31^16 is about 2^79; the bias of taking 128 bits modulo it is
    /// below 2^-48.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        let mut value = u128::from_be_bytes(bytes);
        let base = ALPHABET.len() as u128;
        let text = (0..LENGTH)
            .map(|_| {
                let digit = (value % base) as usize;
                value /= base;
                char::from(ALPHABET[digit])
            })
            .collect();
        Self(text)
    }

    /// A code as a person typed it, under `field`: case ignored, spaces and dashes
    /// ignored. A character a code never has is refused by name (a typed `O` is not taken
    /// for a `0`: neither is in a code).
    pub fn parse(field: &str, typed: &str) -> Result<Self, FieldError> {
        let mut text = String::with_capacity(LENGTH);
        for c in typed.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let upper = c.to_ascii_uppercase();
            if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) {
                return Err(FieldError::new(
                    field,
                    format!("`{c}` is never in a code: codes use 2-9 and A-Z without I, L and O"),
                ));
            }
            text.push(upper);
        }
        if text.len() != LENGTH {
            return Err(FieldError::new(
                field,
                format!(
                    "a code has {LENGTH} characters (without dashes), not {}",
                    text.len()
                ),
            ));
        }
        Ok(Self(text))
    }

    /// The code as stored and compared: ungrouped capitals.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The code as shown to people: grouped by four with dashes.
impl fmt::Display for CodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.0.as_bytes().chunks(GROUP).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(group).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn co_3_a_code_is_sixteen_unambiguous_characters_shown_in_groups_of_four() {
        let code = CodeText::from_random([0xA5; 16]);
        let shown = code.to_string();

        assert_eq!(code.as_str().len(), LENGTH);
        assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(shown.len(), LENGTH + 3);
        assert_eq!(shown.matches('-').count(), 3);
        for ambiguous in ['0', '1', 'I', 'L', 'O'] {
            assert!(!shown.contains(ambiguous), "{ambiguous}");
        }
    }

    #[test]
    fn co_3_a_code_carries_at_least_60_bits() {
        let bits = LENGTH as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 60.0, "{bits}");
    }

    #[test]
    fn co_3_different_random_bytes_give_different_codes() {
        let codes: HashSet<CodeText> = (0u128..1000)
            .map(|n| {
                CodeText::from_random(
                    n.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
                        .to_be_bytes(),
                )
            })
            .collect();
        assert_eq!(codes.len(), 1000);
    }

    #[test]
    fn co_3_typed_codes_ignore_case_spaces_and_dashes() {
        let code = CodeText::from_random([7; 16]);
        let shown = code.to_string();
        let typed = [
            shown.to_lowercase(),
            shown.replace('-', " "),
            shown.replace('-', ""),
            format!("  {} ", shown.to_lowercase().replace('-', " - ")),
        ];
        for typed in typed {
            assert_eq!(
                CodeText::parse("code", &typed),
                Ok(code.clone()),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn co_3_a_character_no_code_has_or_a_wrong_length_is_refused_clearly() {
        let too_short = CodeText::parse("code", "7KQ4-MX2P-W9TD").unwrap_err();
        let with_o = CodeText::parse("code", "7KQ4-MX2P-W9TD-R3HO").unwrap_err();
        let with_accent = CodeText::parse("code", "7KQ4-MX2P-W9TD-R3HÉ").unwrap_err();

        assert_eq!(too_short.field, "code");
        assert!(
            too_short.message.contains("16 characters"),
            "{}",
            too_short.message
        );
        assert!(with_o.message.contains("`O`"), "{}", with_o.message);
        assert!(
            with_accent.message.contains("`É`"),
            "{}",
            with_accent.message
        );
    }

    proptest! {
        #[test]
        fn co_3_every_code_reads_back_from_how_it_is_shown(bytes in any::<[u8; 16]>()) {
            let code = CodeText::from_random(bytes);
            prop_assert_eq!(CodeText::parse("code", &code.to_string()), Ok(code.clone()));
            prop_assert_eq!(CodeText::parse("code", &code.to_string().to_lowercase()), Ok(code));
        }
    }
}
