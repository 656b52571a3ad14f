//! Custom fields (CL-24): the business defines typed fields in its settings (text,
//! number, date, choice); each client carries a value for any of them, and the client
//! list filters on them.
//!
//! Every value arrives as text (`"12.50"`, `"2026-11-22"`, `"Gold"`) and is parsed against
//! its field's definition here, once. Each value also has a [`CustomValue::key`]: the
//! comparable form storage keeps next to it and the list filter compares ("gold" finds
//! "Gold", "12.5" finds "12.50").

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::ids::{BusinessId, CustomFieldId};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// A field's name ("Date of birth"), unique in its business by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomFieldName(String);

impl CustomFieldName {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "Allergies" and "allergies" are one field.
    pub fn key(&self) -> String {
        text::search_key(&self.0)
    }
}

/// The type of a field, without its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomFieldType {
    Text,
    Number,
    Date,
    Choice,
}

impl CustomFieldType {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Choice => "choice",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "text" => Some(Self::Text),
            "number" => Some(Self::Number),
            "date" => Some(Self::Date),
            "choice" => Some(Self::Choice),
            _ => None,
        }
    }
}

/// The options of a choice field: 1 to 50 distinct single lines, in the order given.
/// Two options that differ only by case or accents are the same option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOptions(Vec<String>);

impl ChoiceOptions {
    pub const MAX_OPTIONS: usize = 50;
    pub const MAX_LENGTH: usize = 100;

    pub fn parse(raw: &[String]) -> Result<Self, FieldError> {
        const FIELD: &str = "options";
        if raw.is_empty() || raw.len() > Self::MAX_OPTIONS {
            return Err(FieldError::new(
                FIELD,
                format!(
                    "a choice field has 1 to {} options, not {}",
                    Self::MAX_OPTIONS,
                    raw.len()
                ),
            ));
        }
        let mut options: Vec<String> = Vec::with_capacity(raw.len());
        for option in raw {
            let option = text::required_line(FIELD, option, Self::MAX_LENGTH)
                .map_err(|e| FieldError::new(FIELD, format!("each option {}", e.message)))?;
            let key = text::search_key(&option);
            if let Some(same) = options.iter().find(|o| text::search_key(o) == key) {
                return Err(FieldError::new(
                    FIELD,
                    format!("`{same}` and `{option}` are the same option"),
                ));
            }
            options.push(option);
        }
        Ok(Self(options))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The option `raw` names, compared case- and accent-insensitively.
    fn find(&self, raw: &str) -> Option<&str> {
        let key = text::search_key(raw);
        self.0
            .iter()
            .find(|o| text::search_key(o) == key)
            .map(String::as_str)
    }
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomFieldKind {
    /// One line of at most 500 characters.
    Text,
    /// A decimal number.
    Number,
    /// A calendar date.
    Date,
    /// One of the options.
    Choice { options: ChoiceOptions },
}

impl CustomFieldKind {
    /// Builds a kind from its type and, for a choice field, its options (required there,
    /// refused elsewhere).
    pub fn parse(
        field_type: CustomFieldType,
        options: Option<&[String]>,
    ) -> Result<Self, FieldError> {
        match (field_type, options) {
            (CustomFieldType::Choice, Some(options)) => Ok(Self::Choice {
                options: ChoiceOptions::parse(options)?,
            }),
            (CustomFieldType::Choice, None) => Err(FieldError::new(
                "options",
                "a choice field needs its options",
            )),
            (_, Some(options)) if !options.is_empty() => Err(FieldError::new(
                "options",
                "only a choice field has options",
            )),
            (CustomFieldType::Text, _) => Ok(Self::Text),
            (CustomFieldType::Number, _) => Ok(Self::Number),
            (CustomFieldType::Date, _) => Ok(Self::Date),
        }
    }

    pub fn field_type(&self) -> CustomFieldType {
        match self {
            Self::Text => CustomFieldType::Text,
            Self::Number => CustomFieldType::Number,
            Self::Date => CustomFieldType::Date,
            Self::Choice { .. } => CustomFieldType::Choice,
        }
    }

    /// The options of a choice field; empty for the other kinds.
    pub fn options(&self) -> &[String] {
        match self {
            Self::Choice { options } => options.as_slice(),
            _ => &[],
        }
    }

    /// Parses `raw` as a value of this kind; errors are reported on `field`.
    pub fn parse_value(&self, field: &str, raw: &str) -> Result<CustomValue, FieldError> {
        match self {
            Self::Text => {
                text::required_line(field, raw, CustomValue::MAX_TEXT).map(CustomValue::Text)
            }
            Self::Number => parse_number(raw)
                .map(CustomValue::Number)
                .ok_or_else(|| FieldError::new(field, "must be a number, e.g. 12.50")),
            Self::Date => parse_date(raw)
                .map(CustomValue::Date)
                .ok_or_else(|| FieldError::new(field, "must be a date YYYY-MM-DD")),
            Self::Choice { options } => options
                .find(raw)
                .map(|option| CustomValue::Choice(option.to_owned()))
                .ok_or_else(|| {
                    FieldError::new(
                        field,
                        format!("must be one of: {}", options.as_slice().join(", ")),
                    )
                }),
        }
    }
}

/// A number as people type it: optional `-`, digits, optional `.` and digits. No
/// exponent, no thousands separator, at most 28 digits (what a `Decimal` holds exactly).
fn parse_number(raw: &str) -> Option<Decimal> {
    let value = raw.trim();
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return None,
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    if whole.len() + fraction.len() > 28 {
        return None;
    }
    Decimal::from_str(value).ok()
}

/// A date as `YYYY-MM-DD`, exactly.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    let value = raw.trim();
    if value.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// A client's value for one field, parsed against the field's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomValue {
    Text(String),
    Number(Decimal),
    Date(NaiveDate),
    /// The option's spelling in the field's definition.
    Choice(String),
}

impl CustomValue {
    pub const MAX_TEXT: usize = 500;

    /// The value as text, exactly: what is stored, shown and audited (`12.50` keeps its
    /// decimals, dates are ISO).
    pub fn text(&self) -> String {
        match self {
            Self::Text(text) | Self::Choice(text) => text.clone(),
            Self::Number(number) => number.to_string(),
            Self::Date(date) => date.format("%Y-%m-%d").to_string(),
        }
    }

    /// The comparable form the list filter matches (CL-10): text and options folded like
    /// search keys, numbers without trailing zeros (`12.5` = `12.50`), dates ISO.
    pub fn key(&self) -> String {
        match self {
            Self::Text(text) | Self::Choice(text) => text::search_key(text),
            Self::Number(number) => number.normalize().to_string(),
            Self::Date(date) => date.format("%Y-%m-%d").to_string(),
        }
    }
}

/// A custom field of a business's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub id: CustomFieldId,
    pub business_id: BusinessId,
    pub name: CustomFieldName,
    pub kind: CustomFieldKind,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// A field as typed, before parsing.
#[derive(Debug, Clone)]
pub struct CustomFieldInput {
    pub name: String,
    pub field_type: CustomFieldType,
    /// For a choice field only.
    pub options: Option<Vec<String>>,
}

/// A change to a field: absent parts stay as they are. Options sent alone replace a
/// choice field's options.
#[derive(Debug, Clone, Default)]
pub struct CustomFieldChangesInput {
    pub name: Option<String>,
    pub field_type: Option<CustomFieldType>,
    pub options: Option<Vec<String>>,
}

/// A parsed field description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomFieldDetails {
    pub name: CustomFieldName,
    pub kind: CustomFieldKind,
}

impl CustomFieldDetails {
    pub fn parse(input: &CustomFieldInput) -> Result<Self, ValidationErrors> {
        match (
            CustomFieldName::parse(&input.name),
            CustomFieldKind::parse(input.field_type, input.options.as_deref()),
        ) {
            (Ok(name), Ok(kind)) => Ok(Self { name, kind }),
            (name, kind) => Err(failures([name.err(), kind.err()])),
        }
    }
}

impl CustomField {
    pub fn new(
        id: CustomFieldId,
        business_id: BusinessId,
        details: CustomFieldDetails,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            name: details.name,
            kind: details.kind,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        }
    }

    /// Where errors about this field's value are reported: `custom_fields.<id>`.
    pub fn value_path(&self) -> String {
        value_path(self.id)
    }

    /// Parses `raw` as a value of this field.
    pub fn parse_value(&self, raw: &str) -> Result<CustomValue, FieldError> {
        self.kind.parse_value(&self.value_path(), raw)
    }

    /// The field as `changes` would make it. The parts not sent stay; a choice field keeps
    /// its options unless new ones are sent.
    pub fn revise(
        &self,
        changes: &CustomFieldChangesInput,
    ) -> Result<CustomFieldDetails, ValidationErrors> {
        let name = changes
            .name
            .as_deref()
            .map_or_else(|| Ok(self.name.clone()), CustomFieldName::parse);
        let field_type = changes.field_type.unwrap_or(self.kind.field_type());
        let kept = (field_type == CustomFieldType::Choice && changes.options.is_none())
            .then(|| self.kind.options())
            .filter(|options| !options.is_empty());
        let kind = CustomFieldKind::parse(field_type, changes.options.as_deref().or(kept));
        match (name, kind) {
            (Ok(name), Ok(kind)) => Ok(CustomFieldDetails { name, kind }),
            (name, kind) => Err(failures([name.err(), kind.err()])),
        }
    }

    /// Whether `details` would change the field's type (refused while clients have values).
    pub fn changes_type(&self, details: &CustomFieldDetails) -> bool {
        self.kind.field_type() != details.kind.field_type()
    }

    /// The keys of this choice field's options that `details` drops (refused while a
    /// client has one of them). Empty when the field is not a choice field before and
    /// after.
    pub fn dropped_option_keys(&self, details: &CustomFieldDetails) -> Vec<String> {
        let (CustomFieldKind::Choice { options: old }, CustomFieldKind::Choice { options: new }) =
            (&self.kind, &details.kind)
        else {
            return Vec::new();
        };
        old.as_slice()
            .iter()
            .filter(|option| new.find(option).is_none())
            .map(|option| text::search_key(option))
            .collect()
    }

    pub fn replace(&mut self, details: CustomFieldDetails, now: DateTime<Utc>) {
        self.name = details.name;
        self.kind = details.kind;
        self.updated_at = now;
        self.version = self.version.next();
    }
}

/// Where errors about a field's value are reported: `custom_fields.<id>`.
pub fn value_path(id: CustomFieldId) -> String {
    format!("custom_fields.{id}")
}

/// A client's values, one per field.
pub type CustomValues = BTreeMap<CustomFieldId, CustomValue>;

/// Values as sent for a client, by field id: `None` (JSON `null`) clears a value.
pub type CustomValuesInput = BTreeMap<CustomFieldId, Option<String>>;

/// Parses each sent value against its field among `definitions` (the business's fields
/// with those ids). An id that is not among them is refused like a bad value. Every bad
/// value is reported, each on `custom_fields.<id>`.
pub fn parse_values(
    definitions: &[CustomField],
    input: &CustomValuesInput,
) -> Result<BTreeMap<CustomFieldId, Option<CustomValue>>, ValidationErrors> {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for (id, raw) in input {
        let Some(field) = definitions.iter().find(|f| f.id == *id) else {
            errors.push(FieldError::new(
                value_path(*id),
                "no such custom field in this business",
            ));
            continue;
        };
        match raw.as_deref().map(|raw| field.parse_value(raw)).transpose() {
            Ok(value) => {
                values.insert(*id, value);
            }
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(ValidationErrors(errors))
    }
}

/// CL-10, CL-24: "the client's value of `field` equals `value`", as typed in a list filter
/// (`<field id>:<value>`), before the value is checked against the field's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomValueFilter {
    pub field: CustomFieldId,
    pub value: String,
}

impl CustomValueFilter {
    /// Parses `<field id>:<value>`; the value may itself contain `:`. Errors are reported
    /// on `parameter`.
    pub fn parse(parameter: &str, raw: &str) -> Result<Self, FieldError> {
        let malformed = || {
            FieldError::new(
                parameter,
                format!("`{raw}` is not `<custom field id>:<value>`"),
            )
        };
        let (id, value) = raw.split_once(':').ok_or_else(malformed)?;
        let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| malformed())?;
        Ok(Self {
            field: CustomFieldId::from_uuid(id),
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
    }

    fn field(field_type: CustomFieldType, options: &[&str]) -> CustomField {
        let details = CustomFieldDetails::parse(&CustomFieldInput {
            name: "Field".into(),
            field_type,
            options: (!options.is_empty()).then(|| options.iter().map(|o| o.to_string()).collect()),
        })
        .unwrap();
        CustomField::new(
            CustomFieldId::from_uuid(Uuid::from_u128(9)),
            BusinessId::from_uuid(Uuid::from_u128(1)),
            details,
            now(),
        )
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn cl_24_values_parse_by_kind_into_their_text_and_key() {
        let date = |y, m, d| CustomValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let number = |s: &str| CustomValue::Number(Decimal::from_str(s).unwrap());
        /// Type, options, input, value, its text, its key.
        type Case<'a> = (
            CustomFieldType,
            &'a [&'a str],
            &'a str,
            CustomValue,
            &'a str,
            &'a str,
        );
        let cases: &[Case] = &[
            (
                CustomFieldType::Text,
                &[],
                "  Loves tea ",
                CustomValue::Text("Loves tea".into()),
                "Loves tea",
                "loves tea",
            ),
            (
                CustomFieldType::Text,
                &[],
                "Émile",
                CustomValue::Text("Émile".into()),
                "Émile",
                "emile",
            ),
            (
                CustomFieldType::Number,
                &[],
                "12.50",
                number("12.50"),
                "12.50",
                "12.5",
            ),
            (
                CustomFieldType::Number,
                &[],
                " -3 ",
                number("-3"),
                "-3",
                "-3",
            ),
            (
                CustomFieldType::Number,
                &[],
                "0.000",
                number("0.000"),
                "0.000",
                "0",
            ),
            (
                CustomFieldType::Number,
                &[],
                "100",
                number("100"),
                "100",
                "100",
            ),
            (
                CustomFieldType::Date,
                &[],
                "2026-11-22",
                date(2026, 11, 22),
                "2026-11-22",
                "2026-11-22",
            ),
            (
                CustomFieldType::Choice,
                &["Gold", "Silver"],
                "gold",
                CustomValue::Choice("Gold".into()),
                "Gold",
                "gold",
            ),
            (
                CustomFieldType::Choice,
                &["Crème", "Other"],
                " CREME ",
                CustomValue::Choice("Crème".into()),
                "Crème",
                "creme",
            ),
        ];
        for (field_type, options, raw, value, text, key) in cases {
            let parsed = field(*field_type, options).parse_value(raw);
            assert_eq!(parsed.as_ref(), Ok(value), "{field_type:?} {raw:?}");
            let parsed = parsed.unwrap();
            assert_eq!(
                (parsed.text().as_str(), parsed.key().as_str()),
                (*text, *key),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn cl_24_a_value_of_the_wrong_type_is_refused_with_a_clear_message() {
        let cases: &[(CustomFieldType, &[&str], &str, &str)] = &[
            (
                CustomFieldType::Number,
                &[],
                "twelve",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                "1e5",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                "1,5",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                "12.",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                ".5",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                "",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                "NaN",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Number,
                &[],
                "12345678901234567890123456789",
                "must be a number, e.g. 12.50",
            ),
            (
                CustomFieldType::Date,
                &[],
                "22/11/2026",
                "must be a date YYYY-MM-DD",
            ),
            (
                CustomFieldType::Date,
                &[],
                "2026-02-30",
                "must be a date YYYY-MM-DD",
            ),
            (
                CustomFieldType::Date,
                &[],
                "2026-1-5",
                "must be a date YYYY-MM-DD",
            ),
            (
                CustomFieldType::Choice,
                &["a", "b"],
                "c",
                "must be one of: a, b",
            ),
            (CustomFieldType::Text, &[], "  ", "must not be empty"),
            (
                CustomFieldType::Text,
                &[],
                "a\u{0}b",
                "must not contain control characters",
            ),
            (
                CustomFieldType::Text,
                &[],
                "two\nlines",
                "must not contain control characters",
            ),
        ];
        for (field_type, options, raw, message) in cases {
            let f = field(*field_type, options);
            let error = f.parse_value(raw).unwrap_err();
            assert_eq!(error.field, format!("custom_fields.{}", f.id), "{raw:?}");
            assert_eq!(error.message, *message, "{raw:?}");
        }
        let long = "é".repeat(CustomValue::MAX_TEXT + 1);
        assert!(
            field(CustomFieldType::Text, &[])
                .parse_value(&long)
                .is_err()
        );
    }

    #[test]
    fn cl_24_a_number_field_refuses_text() {
        let error = field(CustomFieldType::Number, &[])
            .parse_value("abc")
            .unwrap_err();
        assert_eq!(
            error.field,
            "custom_fields.00000000-0000-0000-0000-000000000009"
        );
        assert_eq!(error.message, "must be a number, e.g. 12.50");
    }

    #[test]
    fn cl_24_a_definition_has_a_one_line_name_a_kind_and_for_choices_distinct_options() {
        let parse = |name: &str, field_type, options: Option<&[&str]>| {
            CustomFieldDetails::parse(&CustomFieldInput {
                name: name.into(),
                field_type,
                options: options.map(strings),
            })
        };
        let fields = |r: Result<CustomFieldDetails, ValidationErrors>| -> Vec<String> {
            r.unwrap_err().0.into_iter().map(|e| e.field).collect()
        };
        let ok = parse(" Tier ", CustomFieldType::Choice, Some(&["Gold", "Silver"])).unwrap();
        assert_eq!(ok.name.as_str(), "Tier");
        assert_eq!(ok.kind.options(), ["Gold", "Silver"]);
        assert_eq!(
            parse("Born", CustomFieldType::Date, None).unwrap().kind,
            CustomFieldKind::Date
        );

        assert_eq!(fields(parse("", CustomFieldType::Text, None)), ["name"]);
        assert_eq!(
            fields(parse(&"x".repeat(101), CustomFieldType::Text, None)),
            ["name"]
        );
        assert_eq!(
            fields(parse("T", CustomFieldType::Choice, None)),
            ["options"]
        );
        assert_eq!(
            fields(parse("T", CustomFieldType::Choice, Some(&[]))),
            ["options"]
        );
        assert_eq!(
            fields(parse(
                "T",
                CustomFieldType::Choice,
                Some(&["Crème", "creme"])
            )),
            ["options"]
        );
        assert_eq!(
            fields(parse("T", CustomFieldType::Choice, Some(&["ok", " "]))),
            ["options"]
        );
        assert_eq!(
            fields(parse("T", CustomFieldType::Number, Some(&["a"]))),
            ["options"]
        );
        assert_eq!(
            fields(parse("", CustomFieldType::Choice, None)),
            ["name", "options"]
        );
        let many: Vec<String> = (0..51).map(|i| format!("o{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            fields(parse("T", CustomFieldType::Choice, Some(&many))),
            ["options"]
        );
        assert!(parse("T", CustomFieldType::Choice, Some(&many[..50])).is_ok());
        assert_eq!(
            CustomFieldName::parse("Crème  Brûlée").unwrap().key(),
            "creme brulee"
        );
    }

    #[test]
    fn cl_24_a_revision_keeps_what_is_not_sent_and_tells_type_changes_and_dropped_options() {
        let tier = field(CustomFieldType::Choice, &["Gold", "Silver", "Bronze"]);

        let renamed = tier
            .revise(&CustomFieldChangesInput {
                name: Some("Level".into()),
                ..Default::default()
            })
            .unwrap();
        let fewer = tier
            .revise(&CustomFieldChangesInput {
                options: Some(strings(&["GOLD", "Platinum"])),
                ..Default::default()
            })
            .unwrap();
        let to_text = tier
            .revise(&CustomFieldChangesInput {
                field_type: Some(CustomFieldType::Text),
                ..Default::default()
            })
            .unwrap();
        let options_on_text = field(CustomFieldType::Text, &[]).revise(&CustomFieldChangesInput {
            options: Some(strings(&["a"])),
            ..Default::default()
        });

        assert_eq!(renamed.name.as_str(), "Level");
        assert_eq!(renamed.kind, tier.kind);
        assert!(!tier.changes_type(&renamed));
        assert!(tier.dropped_option_keys(&renamed).is_empty());
        assert_eq!(fewer.kind.options(), ["GOLD", "Platinum"]);
        assert_eq!(tier.dropped_option_keys(&fewer), ["silver", "bronze"]);
        assert!(tier.changes_type(&to_text));
        assert!(tier.dropped_option_keys(&to_text).is_empty());
        assert_eq!(options_on_text.unwrap_err().0[0].field, "options");
    }

    #[test]
    fn cl_24_values_sent_for_a_client_are_checked_against_their_fields_all_at_once() {
        let number = field(CustomFieldType::Number, &[]);
        let unknown = CustomFieldId::from_uuid(Uuid::from_u128(77));
        let good: CustomValuesInput = [(number.id, Some("12.50".into()))].into();
        let cleared: CustomValuesInput = [(number.id, None)].into();
        let bad: CustomValuesInput =
            [(number.id, Some("x".into())), (unknown, Some("1".into()))].into();

        let defs = std::slice::from_ref(&number);
        assert_eq!(
            parse_values(defs, &good).unwrap()[&number.id],
            Some(CustomValue::Number(Decimal::new(1250, 2)))
        );
        assert_eq!(parse_values(defs, &cleared).unwrap()[&number.id], None);
        let errors = parse_values(defs, &bad).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, [number.value_path(), value_path(unknown)]);
        assert_eq!(errors.0[1].message, "no such custom field in this business");
    }

    #[test]
    fn cl_24_a_list_filter_is_a_field_id_and_a_value_which_may_hold_colons() {
        let id = Uuid::from_u128(5);
        assert_eq!(
            CustomValueFilter::parse("field", &format!("{id}:10:30")),
            Ok(CustomValueFilter {
                field: CustomFieldId::from_uuid(id),
                value: "10:30".into()
            })
        );
        for bad in ["vip", "not-a-uuid:vip", ":vip"] {
            assert_eq!(
                CustomValueFilter::parse("field", bad).unwrap_err().field,
                "field"
            );
        }
    }
}
