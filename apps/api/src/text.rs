//! `Text`: a request field that accepts a JSON string and nothing else. poem-openapi's
//! `String` also accepts `123` or `true` and turns them into text, which would let a
//! client's phone be the number `612345678` by accident; request bodies use `Text`.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub String);

impl Text {
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The text of an optional field.
pub fn opt(text: Option<Text>) -> Option<String> {
    text.map(Text::into_inner)
}

impl Type for Text {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;

    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => Ok(Self(text)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// A JSON string or `null` (documented as a nullable string): a value that `null` clears,
/// where an absent field cannot say it (the values of a map).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextOrNull(pub Option<String>);

impl Type for TextOrNull {
    const IS_REQUIRED: bool = true;

    type RawValueType = Option<String>;

    type RawElementValueType = Option<String>;

    fn name() -> Cow<'static, str> {
        "string_or_null".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            nullable: true,
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for TextOrNull {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::Null => Ok(Self(None)),
            Value::String(text) => Ok(Self(Some(text))),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for TextOrNull {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.clone().map_or(Value::Null, Value::String))
    }
}

/// An amount of money as a JSON string: a plain decimal with the currency's number of
/// places (`"60.00"`, `"1500"` in a currency without cents). The document says its
/// pattern; the domain checks the places and answers 422 with the reason otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Amount(pub String);

/// The pattern of [`Amount`].
pub const AMOUNT_PATTERN: &str = "^[0-9]+(\\.[0-9]+)?$";

impl Type for Amount {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;

    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "amount".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some(AMOUNT_PATTERN.to_owned()),
            example: Some(Value::String("60.00".to_owned())),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Amount {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Text::parse_from_json(value)
            .map(|text| Self(text.0))
            .map_err(ParseError::propagate)
    }
}

impl ToJSON for Amount {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}
