//! `labels` rows ↔ [`Label`].

use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::Version;
use clientele_domain::label::{Label, LabelColour, LabelName};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::labels;

impl TryFrom<labels::Model> for Label {
    type Error = StorageError;

    fn try_from(row: labels::Model) -> Result<Self, Self::Error> {
        const T: &str = "labels";
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: LabelName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            colour: LabelColour::parse(&row.colour).map_err(|e| corrupt(T, "colour", e.message))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn label_row(label: &Label) -> labels::ActiveModel {
    labels::ActiveModel {
        business_id: Set(label.business_id.as_uuid()),
        id: Set(label.id.as_uuid()),
        name: Set(label.name.as_str().to_owned()),
        name_key: Set(label.name.key()),
        colour: Set(label.colour.as_str().to_owned()),
        created_at: Set(instant(label.created_at)),
        updated_at: Set(instant(label.updated_at)),
        version: Set(label.version.get()),
    }
}

pub(crate) fn label_changes(label: &Label) -> labels::ActiveModel {
    labels::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..label_row(label)
    }
}
