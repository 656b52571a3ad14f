//! CL-5 to CL-8: the client list's one search box, read as a name, a phone number and an
//! email fragment at once.
//!
//! [`ClientSearch::parse`] decides which of the three readings a query allows;
//! [`ClientSearch::matches`] and [`ClientSearch::is_exact`] are the rules themselves, which
//! storage adapters translate to indexed queries and tests compare them with.

use crate::client::Client;
use crate::contact::national_digits;
use crate::text;
use crate::validation::FieldError;

/// The longest query, in characters.
pub const MAX_QUERY: usize = 100;
/// The most words a name query may have (each split of them is a query of its own).
pub const MAX_WORDS: usize = 6;
/// CL-6: the fewest digits a phone search needs.
pub const MIN_PHONE_DIGITS: usize = 2;

/// A parsed search: at least one of the three readings is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSearch {
    text: String,
    names: Option<NameQuery>,
    phone: Option<String>,
    email: Option<String>,
}

/// CL-5: the folded words of a name query, in the order typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameQuery {
    words: Vec<String>,
}

/// One way to read a name query: a prefix of the first name and/or of the last name.
/// A phrase matches a name when the name, or its part from a word boundary on, starts
/// with it (so "cruz" and "la cruz" both find "de la Cruz").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSplit {
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Characters a phone number is typed with besides digits (CL-6).
fn is_phone_punctuation(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | '-' | '(' | ')' | '+' | '/')
}

impl ClientSearch {
    /// Reads the `q` parameter. Blank text, control characters, more than
    /// [`MAX_QUERY`] characters or [`MAX_WORDS`] words, and a phone-like query of fewer
    /// than [`MIN_PHONE_DIGITS`] digits are refused.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(FieldError::new(
                field,
                "must not be blank: type a name, an email or at least 2 digits of a phone number",
            ));
        }
        if text::longer_than(text, MAX_QUERY) {
            return Err(FieldError::new(
                field,
                format!("must be at most {MAX_QUERY} characters"),
            ));
        }
        if text::any_char(text, char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain control characters",
            ));
        }
        let has_letter = text.chars().any(char::is_alphabetic);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let phone_like = !has_letter
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || is_phone_punctuation(c));
        if phone_like && digits.len() < MIN_PHONE_DIGITS {
            return Err(FieldError::new(
                field,
                format!(
                    "a phone number search needs at least {MIN_PHONE_DIGITS} digits; \
                     to search names or emails, type letters"
                ),
            ));
        }
        if !has_letter && digits.is_empty() {
            return Err(FieldError::new(field, "must contain a letter or a digit"));
        }
        let names = if has_letter {
            let words: Vec<String> = text::search_key(text)
                .split(' ')
                .map(str::to_owned)
                .collect();
            if words.len() > MAX_WORDS {
                return Err(FieldError::new(
                    field,
                    format!("must have at most {MAX_WORDS} words"),
                ));
            }
            Some(NameQuery { words })
        } else {
            None
        };
        let email = if text.contains(char::is_whitespace) {
            None
        } else {
            Some(text.to_lowercase())
        };
        Ok(Self {
            text: text.to_owned(),
            names,
            phone: phone_like.then_some(digits),
            email,
        })
    }

    /// The query as typed, trimmed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// CL-5: the name reading, when the query has letters.
    pub fn names(&self) -> Option<&NameQuery> {
        self.names.as_ref()
    }

    /// CL-6: the digits to find inside phone numbers, when the query looks like one.
    pub fn phone_digits(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// CL-7: the lower-cased fragment to find inside emails, unless the query has an
    /// inner space.
    pub fn email_fragment(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Whether `client` is found by this search (CL-5 to CL-7); an E.164 phone number
    /// also by the digits of its national form (PL-23).
    pub fn matches(&self, client: &Client) -> bool {
        let first = client.first_name.key();
        let last = client.last_name.key();
        self.names
            .as_ref()
            .is_some_and(|names| names.matches(&first, &last))
            || self.phone.as_deref().is_some_and(|digits| {
                client.phone.as_ref().is_some_and(|p| {
                    phone_digits_of(p.normalised()).contains(digits)
                        || national_digits(p.normalised())
                            .is_some_and(|national| national.contains(digits))
                })
            })
            || self.email.as_deref().is_some_and(|fragment| {
                client
                    .email
                    .as_ref()
                    .is_some_and(|e| e.key().contains(fragment))
            })
    }

    /// CL-8: whether `client` is an exact match, listed before the others: a name equal
    /// to a reading of the words, the whole phone number, or the whole email.
    pub fn is_exact(&self, client: &Client) -> bool {
        let first = client.first_name.key();
        let last = client.last_name.key();
        self.names
            .as_ref()
            .is_some_and(|names| names.is_exact(&first, &last))
            || self.phone.as_deref().is_some_and(|digits| {
                client
                    .phone
                    .as_ref()
                    .is_some_and(|p| phone_digits_of(p.normalised()) == digits)
            })
            || self
                .email
                .as_deref()
                .is_some_and(|fragment| client.email.as_ref().is_some_and(|e| e.key() == fragment))
    }
}

/// The digits of a normalised phone number, without its leading `+`.
pub fn phone_digits_of(normalised: &str) -> &str {
    normalised.trim_start_matches('+')
}

impl NameQuery {
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// CL-5: every split of the words into a first-name part and a last-name part, the
    /// whole query as either name first: one word gives two readings, n words n + 1.
    pub fn splits(&self) -> Vec<NameSplit> {
        let n = self.words.len();
        let phrase = |words: &[String]| words.join(" ");
        let mut splits = vec![
            NameSplit {
                first: None,
                last: Some(phrase(&self.words)),
            },
            NameSplit {
                first: Some(phrase(&self.words)),
                last: None,
            },
        ];
        for k in 1..n {
            splits.push(NameSplit {
                first: Some(phrase(&self.words[..k])),
                last: Some(phrase(&self.words[k..])),
            });
        }
        splits
    }

    fn matches(&self, first: &str, last: &str) -> bool {
        self.splits().iter().any(|split| {
            split
                .first
                .as_deref()
                .is_none_or(|p| phrase_matches(first, p))
                && split
                    .last
                    .as_deref()
                    .is_none_or(|p| phrase_matches(last, p))
        })
    }

    fn is_exact(&self, first: &str, last: &str) -> bool {
        self.splits().iter().any(|split| {
            split.first.as_deref().is_none_or(|p| first == p)
                && split.last.as_deref().is_none_or(|p| last == p)
        })
    }
}

/// Whether a name key, or one of its [`word_tails`], starts with `phrase`.
pub fn phrase_matches(key: &str, phrase: &str) -> bool {
    key.starts_with(phrase) || word_tails(key).any(|tail| tail.starts_with(phrase))
}

/// The parts of a name key that start at a word boundary after its first character: a
/// space, a hyphen or an apostrophe. "de la cruz" gives "la cruz" and "cruz";
/// "marie-claire" gives "claire". Storage indexes these to find inner words by prefix.
pub fn word_tails(key: &str) -> impl Iterator<Item = &str> {
    key.char_indices()
        .filter(|(_, c)| matches!(c, ' ' | '-' | '\''))
        .map(move |(at, c)| &key[at + c.len_utf8()..])
        .filter(|tail| !tail.is_empty() && !tail.starts_with([' ', '-', '\'']))
}

/// Every suffix of `value`, from the whole of it to its last character: a fragment is
/// inside `value` exactly when it starts one of them. Storage indexes the suffixes of
/// emails and phone digits to find a fragment as a prefix (CL-6, CL-7).
pub fn suffixes(value: &str) -> impl Iterator<Item = &str> {
    value.char_indices().map(move |(at, _)| &value[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> ClientSearch {
        ClientSearch::parse("q", raw).unwrap()
    }

    #[test]
    fn cl_5_word_tails_start_after_spaces_hyphens_and_apostrophes() {
        let tails = |key| word_tails(key).collect::<Vec<_>>();
        assert_eq!(tails("de la cruz"), ["la cruz", "cruz"]);
        assert_eq!(tails("marie-claire"), ["claire"]);
        assert_eq!(tails("n'diaye"), ["diaye"]);
        assert_eq!(tails("martin"), Vec::<&str>::new());
        assert_eq!(tails("jean - paul"), ["paul"]);
    }

    #[test]
    fn cl_6_cl_7_a_fragment_is_inside_a_value_when_it_starts_one_of_its_suffixes() {
        let all = |value| suffixes(value).collect::<Vec<_>>();
        assert_eq!(all("0612"), ["0612", "612", "12", "2"]);
        assert_eq!(all("zoé@x"), ["zoé@x", "oé@x", "é@x", "@x", "x"]);
        assert!(all("").is_empty());
        for (value, fragment) in [("anne.dupont@free.fr", "e.du"), ("0612345678", "5678")] {
            let found = suffixes(value).any(|suffix| suffix.starts_with(fragment));
            assert_eq!(found, value.contains(fragment));
        }
        assert!(!suffixes("0612345678").any(|suffix| suffix.starts_with("5679")));
    }

    #[test]
    fn cl_5_every_split_of_the_words_is_a_reading() {
        let names = parse("Marie Claire  Dupont").names().cloned().unwrap();
        let split = |first: Option<&str>, last: Option<&str>| NameSplit {
            first: first.map(str::to_owned),
            last: last.map(str::to_owned),
        };
        assert_eq!(
            names.splits(),
            [
                split(None, Some("marie claire dupont")),
                split(Some("marie claire dupont"), None),
                split(Some("marie"), Some("claire dupont")),
                split(Some("marie claire"), Some("dupont")),
            ]
        );
    }

    #[test]
    fn cl_6_cl_7_a_query_is_read_in_every_way_it_allows() {
        /// (query, name words, phone digits, email fragment)
        type Case<'a> = (
            &'a str,
            Option<&'a [&'a str]>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: [Case; 7] = [
            ("Émile", Some(&["emile"]), None, Some("émile")),
            ("de la Cruz", Some(&["de", "la", "cruz"]), None, None),
            ("06 12 34 56 78", None, Some("0612345678"), None),
            ("0612345678", None, Some("0612345678"), Some("0612345678")),
            ("+33 (6) 12.34-56", None, Some("336123456"), None),
            (
                "@Gmail.com",
                Some(&["@gmail.com"]),
                None,
                Some("@gmail.com"),
            ),
            ("42", None, Some("42"), Some("42")),
        ];
        for (raw, words, phone, email) in cases {
            let search = parse(raw);
            let got_words = search
                .names()
                .map(|n| n.words().iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(got_words.as_deref(), words, "{raw}");
            assert_eq!(search.phone_digits(), phone, "{raw}");
            assert_eq!(search.email_fragment(), email, "{raw}");
        }
    }

    #[test]
    fn cl_6_bad_queries_are_refused_with_a_reason() {
        for raw in [
            "",
            "   ",
            "7",
            " +(6) ",
            "--",
            &"a".repeat(101),
            "a\u{0}b",
            "a b c d e f g",
        ] {
            let err = ClientSearch::parse("q", raw).unwrap_err();
            assert_eq!(err.field, "q", "{raw:?}");
        }
        let one_digit = ClientSearch::parse("q", "6").unwrap_err();
        assert!(one_digit.message.contains("at least 2 digits"));
    }

    fn client(first: &str, last: &str, email: Option<&str>, phone: Option<&str>) -> Client {
        use crate::client::{ClientInput, NewClient};
        use crate::ids::{BusinessId, ClientId, SiteId};
        use uuid::Uuid;
        let input = ClientInput {
            first_name: first.into(),
            last_name: last.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            ..ClientInput::default()
        };
        let now = chrono::DateTime::UNIX_EPOCH;
        Client::create(
            ClientId::from_uuid(Uuid::nil()),
            BusinessId::from_uuid(Uuid::nil()),
            NewClient::parse(&input).unwrap(),
            vec![SiteId::from_uuid(Uuid::nil())],
            now,
            now.date_naive(),
        )
    }

    #[test]
    fn cl_5_to_cl_8_table_of_searches() {
        let marie = client(
            "Marie-Claire",
            "de la Cruz",
            Some("MC.Cruz@Orange.fr"),
            Some("06 12 34 56 78"),
        );
        let zoe = client("Zoé", "Müller", None, Some("+33 6 98 76 54 32"));
        let jean = client(
            "Jean Pierre",
            "Martin",
            Some("jp@martin.com"),
            Some("0612345678"),
        );
        // (query, client, matches, exact)
        let cases = [
            ("marie", &marie, true, false),
            ("claire", &marie, true, false),
            ("cruz", &marie, true, false),
            ("la cruz", &marie, true, false),
            ("Marie-Claire de la Cruz", &marie, true, true),
            ("marie cruz", &marie, true, false),
            ("MARIE-CL DE", &marie, true, false),
            ("cruz marie", &marie, false, false),
            ("de la cruz", &marie, true, true),
            ("zoe", &zoe, true, true),
            ("ZOÉ mull", &zoe, true, false),
            ("mueller", &zoe, false, false),
            ("muller", &zoe, true, true),
            ("jean pierre martin", &jean, true, true),
            ("pierre martin", &jean, true, false),
            ("jean martin", &jean, true, false),
            ("06 12 34 56 78", &jean, true, true),
            ("06 12 34 56 78", &marie, true, true),
            ("0612345678", &marie, true, true),
            ("5678", &marie, true, false),
            ("+33 6 98", &zoe, true, false),
            ("33698765432", &zoe, true, true),
            // PL-23: an E.164 number is found the national way too (not as exact).
            ("0698765432", &zoe, true, false),
            ("98 76", &zoe, true, false),
            ("orange", &marie, true, false),
            ("mc.cruz@orange.fr", &marie, true, true),
            ("@MARTIN.c", &jean, true, false),
            ("martin.com", &marie, false, false),
            ("jp @martin", &jean, false, false),
        ];
        for (raw, client, matches, exact) in cases {
            let search = parse(raw);
            assert_eq!(
                search.matches(client),
                matches,
                "{raw:?} matches {client:?}"
            );
            assert_eq!(search.is_exact(client), exact, "{raw:?} exact {client:?}");
        }
    }
}
