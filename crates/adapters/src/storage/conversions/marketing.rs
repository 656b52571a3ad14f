//! `marketing_preferences` rows ↔ [`MarketingPreference`], and consent changes as a
//! `consent_ledger` row and the `client_consents` row they make current.

use sea_orm::ActiveValue::Set;

use clientele_domain::Version;
use clientele_domain::marketing::{
    ConsentChange, ConsentSource, MarketingPreference, PreferenceName,
};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::{client_consents, consent_ledger, marketing_preferences};

impl TryFrom<marketing_preferences::Model> for MarketingPreference {
    type Error = StorageError;

    fn try_from(row: marketing_preferences::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: PreferenceName::parse(&row.name)
                .map_err(|e| corrupt("marketing_preferences", "name", e.message))?,
            created_at: row.created_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn preference_row(
    preference: &MarketingPreference,
) -> marketing_preferences::ActiveModel {
    marketing_preferences::ActiveModel {
        business_id: Set(preference.business_id.as_uuid()),
        id: Set(preference.id.as_uuid()),
        name: Set(preference.name.as_str().to_owned()),
        name_key: Set(preference.name.key()),
        created_at: Set(instant(preference.created_at)),
        version: Set(preference.version.get()),
    }
}

impl TryFrom<consent_ledger::Model> for ConsentChange {
    type Error = StorageError;

    fn try_from(row: consent_ledger::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            preference_id: row.preference_id.into(),
            opted_in: row.opted_in,
            source: ConsentSource::parse(&row.source).ok_or_else(|| {
                corrupt(
                    "consent_ledger",
                    "source",
                    format!("`{}` is no consent source", row.source),
                )
            })?,
            actor: row.actor_id.map(Into::into),
            at: row.at,
        })
    }
}

pub(crate) fn consent_ledger_row(change: &ConsentChange) -> consent_ledger::ActiveModel {
    consent_ledger::ActiveModel {
        business_id: Set(change.business_id.as_uuid()),
        id: Set(change.id.as_uuid()),
        client_id: Set(change.client_id.as_uuid()),
        preference_id: Set(change.preference_id.as_uuid()),
        opted_in: Set(change.opted_in),
        source: Set(change.source.as_str().to_owned()),
        actor_id: Set(change.actor.map(|actor| actor.as_uuid())),
        at: Set(instant(change.at)),
    }
}

/// The client's current consent that `change` makes.
pub(crate) fn client_consent_row(change: &ConsentChange) -> client_consents::ActiveModel {
    client_consents::ActiveModel {
        business_id: Set(change.business_id.as_uuid()),
        client_id: Set(change.client_id.as_uuid()),
        preference_id: Set(change.preference_id.as_uuid()),
        opted_in: Set(change.opted_in),
        updated_at: Set(instant(change.at)),
    }
}
