//! `custom_fields` rows ↔ [`CustomField`], a client's `client_field_values`, and the
//! indexed form of long comparison keys.

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use uuid::Uuid;

use clientele_domain::custom_field::{
    CustomField, CustomFieldKind, CustomFieldName, CustomFieldType, CustomValues,
};
use clientele_domain::{Client, Version};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::{client_field_values, custom_fields};
use crate::storage::unexpected;

/// The longest key stored as it is in an indexed key column of the custom-field tables.
const INDEXED_KEY_MAX: usize = 200;

/// A comparison key as an indexed column stores it: as it is when short, else its first
/// characters followed by `#` and the SHA-256 of the whole key. Keys are folded text, and
/// folding can lengthen a value many times over (an emoji becomes its English name), so
/// a 500-character text could make a key of kilobytes: more than a PostgreSQL btree entry
/// holds (about 2.7 kB). Equal keys still give equal stored keys, so equality filters and
/// unique indexes keep their meaning.
pub(crate) fn indexed_key(key: String) -> String {
    use sha2::{Digest, Sha256};
    if key.len() <= INDEXED_KEY_MAX {
        return key;
    }
    let mut prefix_end = INDEXED_KEY_MAX - 64 - 1;
    while !key.is_char_boundary(prefix_end) {
        prefix_end -= 1;
    }
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("{}#{digest}", &key[..prefix_end])
}

impl TryFrom<custom_fields::Model> for CustomField {
    type Error = StorageError;

    fn try_from(row: custom_fields::Model) -> Result<Self, Self::Error> {
        const T: &str = "custom_fields";
        let field_type = CustomFieldType::parse(&row.kind)
            .ok_or_else(|| corrupt(T, "kind", format!("unknown kind `{}`", row.kind)))?;
        let options: Vec<String> =
            serde_json::from_str(&row.options).map_err(|e| corrupt(T, "options", e))?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: CustomFieldName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            kind: CustomFieldKind::parse(field_type, Some(&options))
                .map_err(|e| corrupt(T, "options", e.message))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn custom_field_row(
    field: &CustomField,
) -> Result<custom_fields::ActiveModel, StorageError> {
    Ok(custom_fields::ActiveModel {
        business_id: Set(field.business_id.as_uuid()),
        id: Set(field.id.as_uuid()),
        name: Set(field.name.as_str().to_owned()),
        name_key: Set(indexed_key(field.name.key())),
        kind: Set(field.kind.field_type().as_str().to_owned()),
        options: Set(serde_json::to_string(field.kind.options()).map_err(unexpected)?),
        created_at: Set(instant(field.created_at)),
        updated_at: Set(instant(field.updated_at)),
        version: Set(field.version.get()),
    })
}

pub(crate) fn custom_field_changes(
    field: &CustomField,
) -> Result<custom_fields::ActiveModel, StorageError> {
    Ok(custom_fields::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..custom_field_row(field)?
    })
}

/// A client's values as rows: each value's exact text and its key.
pub(crate) fn client_field_value_rows(client: &Client) -> Vec<client_field_values::ActiveModel> {
    client
        .custom_fields()
        .iter()
        .map(|(field, value)| client_field_values::ActiveModel {
            business_id: Set(client.business_id().as_uuid()),
            client_id: Set(client.id().as_uuid()),
            field_id: Set(field.as_uuid()),
            value: Set(value.text()),
            value_key: Set(indexed_key(value.key())),
        })
        .collect()
}

/// Groups value rows by client, parsing each against its field among `fields` (a choice
/// comes back in the option's current spelling).
pub(crate) fn custom_values_by_owner(
    rows: Vec<client_field_values::Model>,
    fields: &[CustomField],
) -> Result<HashMap<Uuid, CustomValues>, StorageError> {
    const T: &str = "client_field_values";
    let mut by_owner: HashMap<Uuid, CustomValues> = HashMap::new();
    for row in rows {
        let field = fields
            .iter()
            .find(|f| f.id.as_uuid() == row.field_id)
            .ok_or_else(|| corrupt(T, "field_id", format!("no field {}", row.field_id)))?;
        let value = field
            .kind
            .parse_value("value", &row.value)
            .map_err(|e| corrupt(T, "value", e.message))?;
        by_owner
            .entry(row.client_id)
            .or_default()
            .insert(field.id, value);
    }
    Ok(by_owner)
}
