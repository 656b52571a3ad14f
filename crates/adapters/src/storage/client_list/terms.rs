//! CL-5 to CL-7: the search terms a client is found by, as `client_search_terms` holds
//! them, generated from the client's stored keys. Pure: the repository writes them with
//! the client (`storage/clients.rs`).

use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use clientele_domain::contact::national_digits;
use clientele_domain::{Client, EmailAddress};

use crate::storage::entities::{client_search_terms, clients};

/// CL-5 to CL-7: the stored keys a client's search terms come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::storage) struct SearchKeys {
    pub(in crate::storage) first_name_key: String,
    pub(in crate::storage) last_name_key: String,
    pub(in crate::storage) email_key: Option<String>,
    pub(in crate::storage) phone_digits: Option<String>,
}

impl SearchKeys {
    /// As the client's row holds them.
    pub(in crate::storage) fn of(client: &Client) -> Self {
        Self {
            first_name_key: client.first_name().key(),
            last_name_key: client.last_name().key(),
            email_key: client.email().map(EmailAddress::key),
            phone_digits: client.phone().map(|p| p.normalised().to_owned()),
        }
    }
}

impl From<&clients::Model> for SearchKeys {
    fn from(row: &clients::Model) -> Self {
        Self {
            first_name_key: row.first_name_key.clone(),
            last_name_key: row.last_name_key.clone(),
            email_key: row.email_key.clone(),
            phone_digits: row.phone_digits.clone(),
        }
    }
}

/// CL-5 to CL-7: the `(field, term)` pairs of `keys`, as `client_search_terms` holds
/// them: the inner-word tails of the folded first (`f`) and last (`l`) names, and every
/// suffix of the email key (`e`) and of the phone digits (`p`, and of its national form's
/// digits for an E.164 number). Sorted, without repeats.
pub(in crate::storage) fn search_terms(keys: &SearchKeys) -> Vec<(&'static str, String)> {
    use client_search_terms::{EMAIL_SUFFIX, FIRST_NAME_TAIL, LAST_NAME_TAIL, PHONE_SUFFIX};
    use clientele_domain::search::{suffixes, word_tails};
    let mut terms: Vec<(&'static str, String)> = Vec::new();
    for (field, key) in [
        (FIRST_NAME_TAIL, &keys.first_name_key),
        (LAST_NAME_TAIL, &keys.last_name_key),
    ] {
        terms.extend(word_tails(key).map(|tail| (field, tail.to_owned())));
    }
    for (field, value) in [
        (EMAIL_SUFFIX, &keys.email_key),
        (PHONE_SUFFIX, &keys.phone_digits),
    ] {
        if let Some(value) = value {
            terms.extend(suffixes(value).map(|suffix| (field, suffix.to_owned())));
        }
    }
    // PL-23: an E.164 number is also found by the digits of its national form.
    if let Some(national) = keys.phone_digits.as_deref().and_then(national_digits) {
        terms.extend(suffixes(&national).map(|suffix| (PHONE_SUFFIX, suffix.to_owned())));
    }
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The rows of `client_search_terms` for a client of `business` with these keys.
pub(in crate::storage) fn search_term_rows(
    business: Uuid,
    client: Uuid,
    keys: &SearchKeys,
) -> Vec<client_search_terms::ActiveModel> {
    search_terms(keys)
        .into_iter()
        .map(|(field, term)| client_search_terms::ActiveModel {
            business_id: Set(business),
            field: Set(field.to_owned()),
            term: Set(term),
            client_id: Set(client),
            last_name_key: Set(keys.last_name_key.clone()),
            first_name_key: Set(keys.first_name_key.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveValue::Set;
    use uuid::Uuid;

    use super::{SearchKeys, search_term_rows, search_terms};

    #[test]
    fn cl_5_to_cl_7_a_client_has_its_name_tails_and_every_suffix_of_its_email_and_phone() {
        let keys = SearchKeys {
            first_name_key: "marie-claire".to_owned(),
            last_name_key: "de la cruz".to_owned(),
            email_key: Some("mc@x.fr".to_owned()),
            phone_digits: Some("0612".to_owned()),
        };
        let all = search_terms(&keys);
        let terms: Vec<(&str, &str)> = all
            .iter()
            .map(|(field, term)| (*field, term.as_str()))
            .collect();
        assert_eq!(
            terms,
            [
                ("e", ".fr"),
                ("e", "@x.fr"),
                ("e", "c@x.fr"),
                ("e", "fr"),
                ("e", "mc@x.fr"),
                ("e", "r"),
                ("e", "x.fr"),
                ("f", "claire"),
                ("l", "cruz"),
                ("l", "la cruz"),
                ("p", "0612"),
                ("p", "12"),
                ("p", "2"),
                ("p", "612"),
            ]
        );
        let none = SearchKeys {
            email_key: None,
            phone_digits: None,
            ..keys
        };
        assert_eq!(search_terms(&none).len(), 3);
    }

    fn keys(first: &str, last: &str, email: Option<&str>, phone: Option<&str>) -> SearchKeys {
        SearchKeys {
            first_name_key: first.to_owned(),
            last_name_key: last.to_owned(),
            email_key: email.map(str::to_owned),
            phone_digits: phone.map(str::to_owned),
        }
    }

    #[test]
    fn cl_5_a_one_word_name_without_contacts_has_no_terms() {
        assert!(search_terms(&keys("emma", "dupont", None, None)).is_empty());
    }

    #[test]
    fn cl_5_every_word_after_a_space_hyphen_or_apostrophe_starts_a_tail() {
        let terms = search_terms(&keys("jean luc", "o'neil-smith", None, None));
        let terms: Vec<(&str, &str)> = terms.iter().map(|(f, t)| (*f, t.as_str())).collect();
        assert_eq!(terms, [("f", "luc"), ("l", "neil-smith"), ("l", "smith")]);
    }

    #[test]
    fn cl_6_repeated_digits_give_each_suffix_once() {
        let terms = search_terms(&keys("a", "b", None, Some("1111")));
        let terms: Vec<(&str, &str)> = terms.iter().map(|(f, t)| (*f, t.as_str())).collect();
        assert_eq!(
            terms,
            [("p", "1"), ("p", "11"), ("p", "111"), ("p", "1111")]
        );
    }

    #[test]
    fn cl_7_a_non_ascii_email_is_cut_at_characters() {
        let terms = search_terms(&keys("a", "b", Some("é@x"), None));
        let terms: Vec<&str> = terms.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(terms, ["@x", "x", "é@x"]);
    }

    #[test]
    fn each_term_row_carries_the_client_and_its_name_keys() {
        let (business, client) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let keys = keys("anne-sophie", "ler", Some("as@x.fr"), None);
        let rows = search_term_rows(business, client, &keys);
        let terms = search_terms(&keys);
        assert_eq!(rows.len(), terms.len());
        for (row, (field, term)) in rows.iter().zip(terms) {
            assert_eq!(row.business_id, Set(business));
            assert_eq!(row.client_id, Set(client));
            assert_eq!(row.field, Set(field.to_owned()));
            assert_eq!(row.term, Set(term));
            assert_eq!(row.first_name_key, Set("anne-sophie".to_owned()));
            assert_eq!(row.last_name_key, Set("ler".to_owned()));
        }
    }
}
