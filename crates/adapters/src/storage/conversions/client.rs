//! `clients` rows ↔ [`Client`]: a row read by position ([`ClientRow`], decoded by the
//! client list's `rows`) into a client; a client into its row with its search keys and
//! the copies of its site and label ids, and into its membership rows with name keys.

use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::note::NoteText;
use clientele_domain::{Client, ClientParts, EmailAddress, PersonName, PhoneNumber, Version};
use clientele_ports::StorageError;

use super::{corrupt, id_list, id_text, instant, sorted};
use crate::storage::client_list::{ClientRow, SearchKeys};
use crate::storage::entities::{client_label_sites, client_labels, client_sites, clients};

/// A client's parts as its row holds them (its custom field values are read apart, for a
/// whole page at once, and set before [`Client::restore`]).
impl TryFrom<ClientRow<'_>> for ClientParts {
    type Error = StorageError;

    fn try_from(row: ClientRow<'_>) -> Result<Self, Self::Error> {
        const T: &str = "clients";
        let sites = id_list(T, "site_ids", row.site_ids)?;
        let labels = id_list(T, "label_ids", row.label_ids)?;
        let email = row
            .email
            .map(|raw| {
                EmailAddress::parse("email", raw).map_err(|e| corrupt(T, "email", e.message))
            })
            .transpose()?;
        // As written: its normalised form may be E.164 (PL-23), which its typed text
        // alone does not say.
        let phone = match (row.phone, row.phone_digits) {
            (Some(typed), Some(digits)) => {
                Some(PhoneNumber::restore(typed.to_owned(), digits.to_owned()))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(corrupt(T, "phone_digits", "a phone without its digits"));
            }
            (None, None) => None,
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            first_name: PersonName::parse("first_name", row.first_name)
                .map_err(|e| corrupt(T, "first_name", e.message))?,
            last_name: PersonName::parse("last_name", row.last_name)
                .map_err(|e| corrupt(T, "last_name", e.message))?,
            email,
            phone,
            sites,
            labels,
            banned: row.banned,
            has_account: row.has_account,
            client_notes: row
                .client_notes
                .map(|raw| {
                    NoteText::parse("client_notes", raw)
                        .map_err(|e| corrupt(T, "client_notes", e.message))
                })
                .transpose()?,
            // Read for the whole page by a query of their own (`custom_fields.rs`).
            custom_fields: Default::default(),
            client_since: row.client_since,
            created_at: row.created_at,
            updated_at: row.updated_at,
            admin_updated_at: row.admin_updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn client_row(client: &Client) -> clients::ActiveModel {
    let keys = SearchKeys::of(client);
    clients::ActiveModel {
        business_id: Set(client.business_id().as_uuid()),
        id: Set(client.id().as_uuid()),
        first_name: Set(client.first_name().as_str().to_owned()),
        last_name: Set(client.last_name().as_str().to_owned()),
        first_name_key: Set(keys.first_name_key),
        last_name_key: Set(keys.last_name_key),
        email: Set(client.email().map(|e| e.as_str().to_owned())),
        email_key: Set(keys.email_key),
        phone: Set(client.phone().map(|p| p.as_typed().to_owned())),
        phone_digits: Set(keys.phone_digits),
        banned: Set(client.banned()),
        has_account: Set(client.has_account()),
        client_notes: Set(client.client_notes().map(|n| n.as_str().to_owned())),
        client_since: Set(client.client_since()),
        created_at: Set(instant(client.created_at())),
        updated_at: Set(instant(client.updated_at())),
        admin_updated_at: Set(instant(client.admin_updated_at())),
        version: Set(client.version().get()),
        site_ids: Set(id_text(client.sites().iter().map(|site| site.as_uuid()))),
        label_ids: Set(id_text(client.labels().iter().map(|label| label.as_uuid()))),
        has_custom_values: Set(!client.custom_fields().is_empty()),
    }
}

pub(crate) fn client_changes(client: &Client) -> clients::ActiveModel {
    clients::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..client_row(client)
    }
}

pub(crate) fn client_site_rows(client: &Client) -> Vec<client_sites::ActiveModel> {
    sorted(client.sites().to_vec())
        .into_iter()
        .map(|site| client_sites::ActiveModel {
            business_id: Set(client.business_id().as_uuid()),
            client_id: Set(client.id().as_uuid()),
            site_id: Set(site.as_uuid()),
            last_name_key: Set(client.last_name().key()),
            first_name_key: Set(client.first_name().key()),
        })
        .collect()
}

pub(crate) fn client_label_rows(client: &Client) -> Vec<client_labels::ActiveModel> {
    sorted(client.labels().to_vec())
        .into_iter()
        .map(|label| client_labels::ActiveModel {
            business_id: Set(client.business_id().as_uuid()),
            client_id: Set(client.id().as_uuid()),
            label_id: Set(label.as_uuid()),
            last_name_key: Set(client.last_name().key()),
            first_name_key: Set(client.first_name().key()),
        })
        .collect()
}

/// CL-4, CL-10: a row per label and site of the client, with its name keys.
pub(crate) fn client_label_site_rows(client: &Client) -> Vec<client_label_sites::ActiveModel> {
    let sites = sorted(client.sites().to_vec());
    sorted(client.labels().to_vec())
        .into_iter()
        .flat_map(|label| sites.iter().map(move |site| (label, *site)))
        .map(|(label, site)| client_label_sites::ActiveModel {
            business_id: Set(client.business_id().as_uuid()),
            client_id: Set(client.id().as_uuid()),
            label_id: Set(label.as_uuid()),
            site_id: Set(site.as_uuid()),
            last_name_key: Set(client.last_name().key()),
            first_name_key: Set(client.first_name().key()),
        })
        .collect()
}
