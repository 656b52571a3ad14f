//! Labels (CL-11): defined in the business's settings with a name and a colour; a client
//! has any number of them.

use chrono::{DateTime, Utc};

use crate::ids::{BusinessId, LabelId};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// A label's name, unique in its business (compared by its search key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelName(String);

impl LabelName {
    pub const MAX: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "VIP" and "vip" are one label.
    pub fn key(&self) -> String {
        text::search_key(&self.0)
    }
}

/// A colour as `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelColour(String);

impl LabelColour {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        let hex = value.strip_prefix('#').unwrap_or("");
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(value))
        } else {
            Err(FieldError::new(
                "colour",
                format!("`{raw}` is not a colour: use #rrggbb, e.g. #ffaa00"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: LabelId,
    pub business_id: BusinessId,
    pub name: LabelName,
    pub colour: LabelColour,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// A label as typed, before parsing.
#[derive(Debug, Clone, Default)]
pub struct LabelInput {
    pub name: String,
    pub colour: String,
}

/// A parsed label description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelDetails {
    pub name: LabelName,
    pub colour: LabelColour,
}

impl LabelDetails {
    pub fn parse(input: &LabelInput) -> Result<Self, ValidationErrors> {
        match (
            LabelName::parse(&input.name),
            LabelColour::parse(&input.colour),
        ) {
            (Ok(name), Ok(colour)) => Ok(Self { name, colour }),
            (name, colour) => Err(failures([name.err(), colour.err()])),
        }
    }
}

impl Label {
    pub fn new(
        id: LabelId,
        business_id: BusinessId,
        details: LabelDetails,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            name: details.name,
            colour: details.colour,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        }
    }

    pub fn replace(&mut self, details: LabelDetails, now: DateTime<Utc>) {
        self.name = details.name;
        self.colour = details.colour;
        self.updated_at = now;
        self.version = self.version.next();
    }
}

/// CL-10: which labels a listed client must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelFilter {
    /// At least one of these.
    AnyOf(Vec<LabelId>),
    /// Every one of these.
    AllOf(Vec<LabelId>),
}

impl LabelFilter {
    /// The filter asked for by the list's two label parameters: none when both are empty,
    /// refused when both are given (`labels_any` or `labels_all`, not both).
    pub fn from_lists(any: Vec<LabelId>, all: Vec<LabelId>) -> Result<Option<Self>, FieldError> {
        match (any.is_empty(), all.is_empty()) {
            (true, true) => Ok(None),
            (false, true) => Ok(Some(Self::AnyOf(any))),
            (true, false) => Ok(Some(Self::AllOf(all))),
            (false, false) => Err(FieldError::new(
                "labels_all",
                "use labels_any or labels_all, not both",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cl_10_a_list_filters_by_any_of_or_all_of_some_labels_not_both() {
        let label = |n| LabelId::from_uuid(uuid::Uuid::from_u128(n));
        assert_eq!(LabelFilter::from_lists(vec![], vec![]), Ok(None));
        assert_eq!(
            LabelFilter::from_lists(vec![label(1)], vec![]),
            Ok(Some(LabelFilter::AnyOf(vec![label(1)])))
        );
        assert_eq!(
            LabelFilter::from_lists(vec![], vec![label(2), label(3)]),
            Ok(Some(LabelFilter::AllOf(vec![label(2), label(3)])))
        );
        let both = LabelFilter::from_lists(vec![label(1)], vec![label(2)]).unwrap_err();
        assert_eq!(both.field, "labels_all");
    }

    #[test]
    fn cl_11_a_label_has_a_name_and_a_hex_colour() {
        let details = LabelDetails::parse(&LabelInput {
            name: " VIP ".into(),
            colour: "#FFAA00".into(),
        })
        .unwrap();
        assert_eq!(details.name.as_str(), "VIP");
        assert_eq!(details.name.key(), "vip");
        assert_eq!(details.colour.as_str(), "#ffaa00");
        let errors = LabelDetails::parse(&LabelInput {
            name: "".into(),
            colour: "orange".into(),
        })
        .unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "colour"]);
        assert!(LabelColour::parse("#ffaa0").is_err());
        assert!(LabelColour::parse("#ffaa0g").is_err());
    }
}
