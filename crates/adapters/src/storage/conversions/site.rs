//! `sites` rows ↔ [`Site`].

use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::site::{SiteAddress, SiteName};
use clientele_domain::{Site, Version};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::sites;

impl TryFrom<sites::Model> for Site {
    type Error = StorageError;

    fn try_from(row: sites::Model) -> Result<Self, Self::Error> {
        const T: &str = "sites";
        let address = match row.address.as_deref() {
            None => None,
            Some(raw) => Some(
                SiteAddress::parse(raw)
                    .map_err(|e| corrupt(T, "address", e.message))?
                    .ok_or_else(|| corrupt(T, "address", "blank instead of NULL"))?,
            ),
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: SiteName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            address,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn site_row(site: &Site) -> sites::ActiveModel {
    sites::ActiveModel {
        business_id: Set(site.business_id.as_uuid()),
        id: Set(site.id.as_uuid()),
        name: Set(site.name.as_str().to_owned()),
        name_key: Set(site.name.key()),
        address: Set(site.address.as_ref().map(|a| a.as_str().to_owned())),
        created_at: Set(instant(site.created_at)),
        updated_at: Set(instant(site.updated_at)),
        version: Set(site.version.get()),
    }
}

pub(crate) fn site_changes(site: &Site) -> sites::ActiveModel {
    sites::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..site_row(site)
    }
}
