//! CL-15: mappings proposed from the headers of common exports, given mappings, dates in
//! either order, delimiters, and rows.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use uuid::Uuid;

use super::*;
use crate::custom_field::{CustomFieldDetails, CustomFieldInput, CustomFieldType};
use crate::ids::BusinessId;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|&s| s.to_owned()).collect()
}

fn field(n: u128, name: &str, field_type: CustomFieldType) -> CustomField {
    let details = CustomFieldDetails::parse(&CustomFieldInput {
        name: name.into(),
        field_type,
        options: None,
    })
    .unwrap();
    CustomField::new(
        CustomFieldId::from_uuid(Uuid::from_u128(n)),
        BusinessId::from_uuid(Uuid::from_u128(1)),
        details,
        DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
    )
}

fn names(mapping: &Mapping) -> Vec<Option<String>> {
    mapping
        .columns()
        .iter()
        .map(|c| c.map(|c| c.name()))
        .collect()
}

#[test]
fn cl_15_the_mapping_is_proposed_from_the_headers_of_common_exports() {
    let birthday = field(7, "Date de naissance", CustomFieldType::Date);
    let cases: [(&[&str], &[Option<&str>]); 5] = [
        // Square's customer export.
        (
            &[
                "First Name",
                "Surname",
                "Email Address",
                "Phone Number",
                "Email Subscription Status",
            ],
            &[
                Some("first_name"),
                Some("last_name"),
                Some("email"),
                Some("phone"),
                None,
            ],
        ),
        // Acuity's client list.
        (
            &[
                "First Name",
                "Last Name",
                "Phone",
                "Email",
                "Banned",
                "Notes",
            ],
            &[
                Some("first_name"),
                Some("last_name"),
                Some("phone"),
                Some("email"),
                None,
                Some("notes"),
            ],
        ),
        // One name column, in French, with a custom field named like a header.
        (
            &["Nom complet", "Courriel", "Téléphone", "date de naissance"],
            &[
                Some("full_name"),
                Some("email"),
                Some("phone"),
                Some("custom:00000000-0000-0000-0000-000000000007"),
            ],
        ),
        // Split names win over a full name; the second email column is ignored.
        (
            &["Name", "Prénom", "Nom", "E-mail", "Mail"],
            &[
                None,
                Some("first_name"),
                Some("last_name"),
                Some("email"),
                None,
            ],
        ),
        (&["Client", "Whatever"], &[None, None]),
    ];
    for (headers, expected) in cases {
        let mapping = Mapping::propose(&strings(headers), std::slice::from_ref(&birthday));
        let expected: Vec<Option<String>> = expected.iter().map(|c| c.map(str::to_owned)).collect();
        assert_eq!(names(&mapping), expected, "{headers:?}");
    }
}

#[test]
fn cl_15_a_mapping_without_names_is_refused_and_a_given_one_is_checked() {
    let headers = strings(&["Client", "Mail", "Mobile"]);
    let proposed = Mapping::propose(&headers, &[]);
    assert!(matches!(
        proposed.check(&headers),
        Err(MappingError::NoNames { .. })
    ));

    let given = |pairs: &[(&str, &str)]| {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Mapping::given(&headers, &map)
    };
    let ok = given(&[("Client", "full_name"), ("#3", "phone"), ("Mail", "ignore")]).unwrap();
    assert_eq!(
        names(&ok),
        [Some("full_name".to_owned()), None, Some("phone".to_owned())]
    );
    assert!(ok.check(&headers).is_ok());
    assert!(matches!(
        given(&[("Nope", "email")]),
        Err(MappingError::NoSuchColumn { .. })
    ));
    assert!(matches!(
        given(&[("#4", "email")]),
        Err(MappingError::NoSuchColumn { .. })
    ));
    assert_eq!(
        given(&[("Client", "shoe_size")]),
        Err(MappingError::Unknown("shoe_size".into()))
    );
    assert_eq!(
        given(&[("Client", "email"), ("Mail", "email")]),
        Err(MappingError::Twice("email".into()))
    );
}

#[test]
fn cl_15_dates_are_read_as_iso_or_in_the_business_order() {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let dmy = DateOrder::DayMonthYear;
    let mdy = DateOrder::MonthDayYear;
    assert_eq!(dmy.read("2026-12-31"), day(2026, 12, 31));
    assert_eq!(mdy.read("2026-12-31"), day(2026, 12, 31));
    assert_eq!(dmy.read("31/12/2026"), day(2026, 12, 31));
    assert_eq!(dmy.read("05.03.1990"), day(1990, 3, 5));
    assert_eq!(mdy.read("05/03/1990"), day(1990, 5, 3));
    assert_eq!(mdy.read("31/12/2026"), None);
    assert_eq!(dmy.read("31/12/26"), None, "two-digit years are ambiguous");
    assert_eq!(dmy.read("yesterday"), None);
}

#[test]
fn cl_15_the_delimiter_is_told_from_the_header_line() {
    assert_eq!(delimiter("First Name,Last Name,Email"), b',');
    assert_eq!(delimiter("Prénom;Nom;Courriel"), b';');
    assert_eq!(
        delimiter("\"Nom; complet\",Email"),
        b',',
        "quoted ; do not count"
    );
    assert_eq!(delimiter("Name"), b',');
}

#[test]
fn cl_15_a_row_becomes_a_client_input_or_a_reason() {
    let birthday = field(7, "Birthday", CustomFieldType::Date);
    let tier = field(8, "Tier", CustomFieldType::Text);
    let fields = [birthday.clone(), tier.clone()];
    let headers = strings(&["Full name", "Email", "Phone", "Birthday", "Tier"]);
    let mapping = Mapping::propose(&headers, &fields);
    let row =
        |cells: &[&str]| row_input(&strings(cells), &mapping, &fields, DateOrder::DayMonthYear);

    let input = row(&[
        " Marie Claire Dupont ",
        "marie@example.com",
        "06 12 34 56 78",
        "17/05/1990",
        "",
    ])
    .unwrap();
    assert_eq!(
        (
            input.first_name.as_str(),
            input.last_name.as_str(),
            input.email.as_deref(),
            input.phone.as_deref()
        ),
        (
            "Marie Claire",
            "Dupont",
            Some("marie@example.com"),
            Some("06 12 34 56 78")
        )
    );
    assert_eq!(
        input.custom_fields,
        BTreeMap::from([(birthday.id, Some("1990-05-17".to_owned()))]),
        "an empty cell gives nothing"
    );
    let short = row(&["Ana Lima", "ana@example.com"]).unwrap();
    assert_eq!((short.phone, short.custom_fields.len()), (None, 0));
    assert_eq!(
        row(&["Cher", "", "", "", ""]).err(),
        Some(RowError::OneWordName("Cher".into()))
    );
    assert_eq!(
        row(&["Ana Lima", "", "", "", "", "extra"]).err(),
        Some(RowError::TooManyCells {
            given: 6,
            expected: 5
        })
    );
    assert!(matches!(
        row(&["Ana Lima", "", "", "1990-13-45", ""]),
        Err(RowError::Date { .. })
    ));
}
