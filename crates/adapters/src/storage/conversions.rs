//! Rows ↔ domain values, in one place. Reads are `TryFrom<Model>`: a stored value that
//! no longer parses into its domain newtype is `StorageError::Unexpected` (the database
//! holds something the domain would never have written). Writes are explicit functions
//! building `ActiveModel`s, which also compute the search keys and truncate instants to
//! microseconds so that both databases round-trip equal values.
//!
//! Must not run queries: it only reshapes values.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::QueryResult;
use sea_orm::sqlx;
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::appointment::{
    Appointment, AppointmentStatus, AppointmentType, Attendance, DurationMinutes, ServiceName, Slot,
};
use clientele_domain::audit::{AttendanceChange, ClientAuditAction, ClientAuditEntry};
use clientele_domain::business::BusinessName;
use clientele_domain::custom_field::{
    CustomField, CustomFieldKind, CustomFieldName, CustomFieldType, CustomValues,
};
use clientele_domain::document::{ClientDocument, ContentType, DocumentName};
use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
use clientele_domain::label::{Label, LabelColour, LabelName};
use clientele_domain::marketing::{
    ConsentChange, ConsentSource, MarketingPreference, PreferenceName,
};
use clientele_domain::note::{ClientNote, NoteText};
use clientele_domain::payment::{
    Invoice, Payment, PaymentDirection, PaymentMeans, PaymentMethod, PaymentType, ProcessorKind,
};
use clientele_domain::site::{SiteAddress, SiteName};
use clientele_domain::staff::StaffName;
use clientele_domain::token::TokenLabel;
use clientele_domain::{
    ApiToken, Business, BusinessSettings, Client, Currency, EmailAddress, Money, PersonName,
    PhoneNumber, Role, Site, SiteId, StaffMember, TimeZone, Version,
};
use clientele_ports::StorageError;
use clientele_ports::storage::{EmailState, IdempotencyRecord, OutboxEmail, StoredResponse};

use super::entities::{
    api_tokens, appointment_types, appointments, attendance_changes, businesses, client_audit,
    client_consents, client_documents, client_field_values, client_label_sites, client_labels,
    client_notes, client_search_terms, client_sites, clients, consent_ledger, custom_fields,
    idempotency_keys, invoices, labels, marketing_preferences, outbox_emails, payment_methods,
    payments, sites, staff_members, staff_sites,
};
use super::unexpected;

/// A stored value that does not parse back into its domain type.
#[derive(Debug, Error)]
#[error("stored {table}.{column} does not parse back: {reason}")]
pub(crate) struct CorruptValue {
    table: &'static str,
    column: &'static str,
    reason: String,
}

fn corrupt(table: &'static str, column: &'static str, reason: impl ToString) -> StorageError {
    StorageError::Unexpected(Box::new(CorruptValue {
        table,
        column,
        reason: reason.to_string(),
    }))
}

/// An amount that does not fit the 64-bit minor units storage keeps (the domain refuses to
/// build one, so this is a bug if it ever shows).
#[derive(Debug, Error)]
#[error("{0} does not fit in 64-bit minor units")]
pub(crate) struct AmountTooLarge(Money);

/// An amount of a row in another currency than the row's: one row keeps one currency for
/// all its amounts (an appointment's is its price's, a payment's its amount's).
#[derive(Debug, Error)]
#[error("{table}.{column}: {amount} is not in the row's currency {currency}")]
pub(crate) struct MixedCurrencies {
    table: &'static str,
    column: &'static str,
    amount: Money,
    currency: Currency,
}

/// Refuses `amount` for `table.column` unless it is in the row's `currency`.
fn same_currency(
    table: &'static str,
    column: &'static str,
    amount: Money,
    currency: Currency,
) -> Result<(), StorageError> {
    if amount.currency() == currency {
        Ok(())
    } else {
        Err(StorageError::Unexpected(Box::new(MixedCurrencies {
            table,
            column,
            amount,
            currency,
        })))
    }
}

/// Why `amount` could not be written to `table.column` of a row whose currency is
/// `stored`: it is in another currency (or the stored one no longer parses).
pub(crate) fn other_currency(
    table: &'static str,
    column: &'static str,
    amount: Money,
    stored: &str,
) -> StorageError {
    match stored_currency(table, stored) {
        Ok(currency) => StorageError::Unexpected(Box::new(MixedCurrencies {
            table,
            column,
            amount,
            currency,
        })),
        Err(err) => err,
    }
}

/// `money` as integer minor units of its currency.
pub(crate) fn minor_units(money: Money) -> Result<i64, StorageError> {
    money
        .minor_units()
        .ok_or_else(|| StorageError::Unexpected(Box::new(AmountTooLarge(money))))
}

fn money(
    table: &'static str,
    column: &'static str,
    units: i64,
    currency: Currency,
) -> Result<Money, StorageError> {
    Money::from_minor_units(units, currency).map_err(|e| corrupt(table, column, e))
}

fn stored_currency(table: &'static str, raw: &str) -> Result<Currency, StorageError> {
    Currency::parse(raw).map_err(|e| corrupt(table, "currency", e))
}

/// The precision both databases keep (PostgreSQL's `timestamptz` has microseconds).
pub(crate) fn instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A row together with the sites read for it by a second query.
pub(crate) struct WithSites<M> {
    pub(crate) row: M,
    pub(crate) sites: Vec<SiteId>,
}

/// The ids of a comma-separated list, as [`id_text`] writes them, sorted.
fn id_list<T: From<Uuid> + Ord>(
    table: &'static str,
    column: &'static str,
    list: &str,
) -> Result<Vec<T>, StorageError> {
    let ids = list
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            Uuid::parse_str(id)
                .map(T::from)
                .map_err(|e| corrupt(table, column, e))
        })
        .collect::<Result<Vec<T>, _>>()?;
    Ok(sorted(ids))
}

fn sorted<T: Ord>(mut ids: Vec<T>) -> Vec<T> {
    ids.sort();
    ids.dedup();
    ids
}

// ---------------------------------------------------------------------------------------
// Businesses

impl TryFrom<businesses::Model> for Business {
    type Error = StorageError;

    fn try_from(row: businesses::Model) -> Result<Self, Self::Error> {
        const T: &str = "businesses";
        Ok(Self {
            id: row.id.into(),
            name: BusinessName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            settings: BusinessSettings {
                time_zone: TimeZone::parse(&row.time_zone)
                    .map_err(|e| corrupt(T, "time_zone", e.message))?,
                currency: Currency::parse(&row.currency).map_err(|e| corrupt(T, "currency", e))?,
                merge_on_identical_name: row.merge_on_identical_name,
                active_processor: ProcessorKind::parse(&row.active_processor)
                    .map_err(|e| corrupt(T, "active_processor", e.message))?,
                payment_types: payment_types(&row.payment_types)?,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

/// `businesses.payment_types`: a JSON array of strings, each a payment type, in the
/// order the settings keep.
fn payment_types(raw: &str) -> Result<Vec<PaymentType>, StorageError> {
    const T: &str = "businesses";
    let names: Vec<String> =
        serde_json::from_str(raw).map_err(|e| corrupt(T, "payment_types", e))?;
    names
        .iter()
        .map(|name| PaymentType::parse(name).map_err(|e| corrupt(T, "payment_types", e.message)))
        .collect()
}

fn payment_types_json(types: &[PaymentType]) -> String {
    let names: Vec<&str> = types.iter().map(PaymentType::as_str).collect();
    serde_json::Value::from(names).to_string()
}

pub(crate) fn business_row(business: &Business) -> businesses::ActiveModel {
    businesses::ActiveModel {
        id: Set(business.id.as_uuid()),
        name: Set(business.name.as_str().to_owned()),
        time_zone: Set(business.settings.time_zone.name().to_owned()),
        currency: Set(business.settings.currency.code().to_owned()),
        merge_on_identical_name: Set(business.settings.merge_on_identical_name),
        active_processor: Set(business.settings.active_processor.as_str().to_owned()),
        payment_types: Set(payment_types_json(&business.settings.payment_types)),
        created_at: Set(instant(business.created_at)),
        updated_at: Set(instant(business.updated_at)),
        version: Set(business.version.get()),
    }
}

/// The columns an update may change: not the key, not the creation instant.
pub(crate) fn business_changes(business: &Business) -> businesses::ActiveModel {
    businesses::ActiveModel {
        id: NotSet,
        created_at: NotSet,
        ..business_row(business)
    }
}

// ---------------------------------------------------------------------------------------
// Sites

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

// ---------------------------------------------------------------------------------------
// Staff members

impl TryFrom<WithSites<staff_members::Model>> for StaffMember {
    type Error = StorageError;

    fn try_from(value: WithSites<staff_members::Model>) -> Result<Self, Self::Error> {
        const T: &str = "staff_members";
        let row = value.row;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: StaffName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            email: EmailAddress::parse("email", &row.email)
                .map_err(|e| corrupt(T, "email", e.message))?,
            role: Role::parse(&row.role).map_err(|e| corrupt(T, "role", e.message))?,
            sites: sorted(value.sites),
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn staff_row(member: &StaffMember) -> staff_members::ActiveModel {
    staff_members::ActiveModel {
        business_id: Set(member.business_id.as_uuid()),
        id: Set(member.id.as_uuid()),
        name: Set(member.name.as_str().to_owned()),
        email: Set(member.email.as_str().to_owned()),
        email_key: Set(member.email.key()),
        role: Set(member.role.as_str().to_owned()),
        created_at: Set(instant(member.created_at)),
        updated_at: Set(instant(member.updated_at)),
        version: Set(member.version.get()),
    }
}

pub(crate) fn staff_changes(member: &StaffMember) -> staff_members::ActiveModel {
    staff_members::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..staff_row(member)
    }
}

pub(crate) fn staff_site_rows(member: &StaffMember) -> Vec<staff_sites::ActiveModel> {
    sorted(member.sites.clone())
        .into_iter()
        .map(|site| staff_sites::ActiveModel {
            business_id: Set(member.business_id.as_uuid()),
            staff_id: Set(member.id.as_uuid()),
            site_id: Set(site.as_uuid()),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// API tokens

impl TryFrom<api_tokens::Model> for ApiToken {
    type Error = StorageError;

    fn try_from(row: api_tokens::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            staff_id: row.staff_id.into(),
            label: TokenLabel::parse(&row.label)
                .map_err(|e| corrupt("api_tokens", "label", e.message))?,
            prefix: row.prefix,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn token_row(token: &ApiToken, secret_hash: &str) -> api_tokens::ActiveModel {
    api_tokens::ActiveModel {
        business_id: Set(token.business_id.as_uuid()),
        id: Set(token.id.as_uuid()),
        staff_id: Set(token.staff_id.as_uuid()),
        label: Set(token.label.as_str().to_owned()),
        prefix: Set(token.prefix.clone()),
        secret_hash: Set(secret_hash.to_owned()),
        created_at: Set(instant(token.created_at)),
    }
}

// ---------------------------------------------------------------------------------------
// Clients

/// `ids` sorted, as `clients.site_ids` and `clients.label_ids` hold them: comma-separated,
/// 32 lowercase hex digits each (what the migration's backfill and `delete_label` write
/// in SQL too).
fn id_text(ids: impl IntoIterator<Item = Uuid>) -> String {
    let ids = sorted(ids.into_iter().collect());
    let texts: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
    texts.join(",")
}

/// The columns of a `clients` row a [`Client`] is made of (all but the search keys, which
/// only queries read), borrowed from the fetched row: its text is copied once, into the
/// domain values it parses into.
pub(crate) struct ClientRow<'r> {
    pub(crate) business_id: Uuid,
    pub(crate) id: Uuid,
    first_name: &'r str,
    last_name: &'r str,
    email: Option<&'r str>,
    phone: Option<&'r str>,
    banned: bool,
    has_account: bool,
    client_notes: Option<&'r str>,
    client_since: chrono::NaiveDate,
    created_at: StoredInstant,
    updated_at: StoredInstant,
    admin_updated_at: StoredInstant,
    version: i64,
    site_ids: &'r str,
    label_ids: &'r str,
    /// Whether its custom values are to be read.
    pub(crate) has_custom_values: bool,
}

/// The position of `clients.id` in [`ClientRow::COLUMNS`].
const CLIENT_ID_AT: usize = 1;

impl<'r> ClientRow<'r> {
    /// What a read of clients selects, in this order.
    pub(crate) const COLUMNS: [clients::Column; 17] = {
        use clients::Column as C;
        [
            C::BusinessId,
            C::Id,
            C::FirstName,
            C::LastName,
            C::Email,
            C::Phone,
            C::Banned,
            C::HasAccount,
            C::ClientNotes,
            C::ClientSince,
            C::CreatedAt,
            C::UpdatedAt,
            C::AdminUpdatedAt,
            C::Version,
            C::SiteIds,
            C::LabelIds,
            C::HasCustomValues,
        ]
    };

    /// A row selecting [`Self::COLUMNS`], read by position through sqlx's own row:
    /// sea-orm's derived decoder looks every column up by name and formats a message for
    /// every NULL, which was the larger part of the product's own work on a page of 500
    /// (as measured when it was replaced).
    pub(crate) fn decode(row: &'r QueryResult) -> Result<Self, StorageError> {
        let decoded = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => Self::from_sqlx(row),
            (_, Some(row)) => Self::from_sqlx(row),
            _ => return Err(unexpected(UnknownRow)),
        };
        decoded.map_err(unexpected)
    }

    /// Only the client id of a row selecting [`Self::COLUMNS`].
    pub(crate) fn id_of(row: &QueryResult) -> Result<Uuid, StorageError> {
        let id = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => sqlx::Row::try_get_unchecked(row, CLIENT_ID_AT),
            (_, Some(row)) => sqlx::Row::try_get_unchecked(row, CLIENT_ID_AT),
            _ => return Err(unexpected(UnknownRow)),
        };
        id.map_err(unexpected)
    }

    /// Decodes without sqlx's check of each column's declared type against the Rust
    /// type (a quarter of the decoding time): the columns are [`Self::COLUMNS`] of the
    /// adapter's own schema, whose types the tests read on both databases, and a decoder
    /// still refuses a value of the wrong size or encoding.
    fn from_sqlx<R>(row: &'r R) -> Result<Self, sqlx::Error>
    where
        R: sqlx::Row,
        usize: sqlx::ColumnIndex<R>,
        Uuid: sqlx::Decode<'r, R::Database>,
        &'r str: sqlx::Decode<'r, R::Database>,
        bool: sqlx::Decode<'r, R::Database>,
        i64: sqlx::Decode<'r, R::Database>,
        chrono::NaiveDate: sqlx::Decode<'r, R::Database>,
        StoredInstant: sqlx::Decode<'r, R::Database>,
    {
        Ok(Self {
            business_id: row.try_get_unchecked(0)?,
            id: row.try_get_unchecked(CLIENT_ID_AT)?,
            first_name: row.try_get_unchecked(2)?,
            last_name: row.try_get_unchecked(3)?,
            email: row.try_get_unchecked(4)?,
            phone: row.try_get_unchecked(5)?,
            banned: row.try_get_unchecked(6)?,
            has_account: row.try_get_unchecked(7)?,
            client_notes: row.try_get_unchecked(8)?,
            client_since: row.try_get_unchecked(9)?,
            created_at: row.try_get_unchecked(10)?,
            updated_at: row.try_get_unchecked(11)?,
            admin_updated_at: row.try_get_unchecked(12)?,
            version: row.try_get_unchecked(13)?,
            site_ids: row.try_get_unchecked(14)?,
            label_ids: row.try_get_unchecked(15)?,
            has_custom_values: row.try_get_unchecked(16)?,
        })
    }
}

/// A row from neither SQLite nor PostgreSQL (sea-orm's mock or proxy connections, which
/// the adapter does not use).
#[derive(Debug, Error)]
#[error("a row from a connection other than SQLite or PostgreSQL")]
struct UnknownRow;

impl TryFrom<ClientRow<'_>> for Client {
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
        let phone = row
            .phone
            .map(|raw| PhoneNumber::parse("phone", raw).map_err(|e| corrupt(T, "phone", e.message)))
            .transpose()?;
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
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
            admin_updated_at: row.admin_updated_at.0,
            version: Version::new(row.version),
        })
    }
}

/// An instant as [`ClientRow`] reads it. PostgreSQL sends a `timestamptz` in binary as
/// microseconds since 2000-01-01 UTC, which this adds to the Unix epoch's offset; sqlx's
/// decoder builds that date for each value and goes through a fixed offset, about a
/// tenth of the decoding of a page of 500. Text values, and SQLite's, go through sqlx.
struct StoredInstant(DateTime<Utc>);

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `timestamptz` outside the range of `DateTime<Utc>` (PostgreSQL's `infinity`).
#[derive(Debug, Error)]
#[error("the instant {0} µs from 2000-01-01 is out of range")]
struct StoredInstantOutOfRange(i64);

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for StoredInstant {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.format() != sqlx::postgres::PgValueFormat::Binary {
            return <DateTime<Utc> as sqlx::Decode<sqlx::Postgres>>::decode(value).map(Self);
        }
        let micros = <i64 as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        let instant = micros
            .checked_add(POSTGRES_EPOCH_MICROS)
            .and_then(DateTime::from_timestamp_micros)
            .ok_or(StoredInstantOutOfRange(micros))?;
        Ok(Self(instant))
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for StoredInstant {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        <DateTime<Utc> as sqlx::Decode<sqlx::Sqlite>>::decode(value).map(Self)
    }
}

pub(crate) fn client_row(client: &Client) -> clients::ActiveModel {
    let keys = SearchKeys::of(client);
    clients::ActiveModel {
        business_id: Set(client.business_id.as_uuid()),
        id: Set(client.id.as_uuid()),
        first_name: Set(client.first_name.as_str().to_owned()),
        last_name: Set(client.last_name.as_str().to_owned()),
        first_name_key: Set(keys.first_name_key),
        last_name_key: Set(keys.last_name_key),
        email: Set(client.email.as_ref().map(|e| e.as_str().to_owned())),
        email_key: Set(keys.email_key),
        phone: Set(client.phone.as_ref().map(|p| p.as_typed().to_owned())),
        phone_digits: Set(keys.phone_digits),
        banned: Set(client.banned),
        has_account: Set(client.has_account),
        client_notes: Set(client.client_notes.as_ref().map(|n| n.as_str().to_owned())),
        client_since: Set(client.client_since),
        created_at: Set(instant(client.created_at)),
        updated_at: Set(instant(client.updated_at)),
        admin_updated_at: Set(instant(client.admin_updated_at)),
        version: Set(client.version.get()),
        site_ids: Set(id_text(client.sites.iter().map(|site| site.as_uuid()))),
        label_ids: Set(id_text(client.labels.iter().map(|label| label.as_uuid()))),
        has_custom_values: Set(!client.custom_fields.is_empty()),
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
    sorted(client.sites.clone())
        .into_iter()
        .map(|site| client_sites::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            site_id: Set(site.as_uuid()),
            last_name_key: Set(client.last_name.key()),
            first_name_key: Set(client.first_name.key()),
        })
        .collect()
}

pub(crate) fn client_label_rows(client: &Client) -> Vec<client_labels::ActiveModel> {
    sorted(client.labels.clone())
        .into_iter()
        .map(|label| client_labels::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            label_id: Set(label.as_uuid()),
            last_name_key: Set(client.last_name.key()),
            first_name_key: Set(client.first_name.key()),
        })
        .collect()
}

/// CL-4, CL-10: a row per label and site of the client, with its name keys.
pub(crate) fn client_label_site_rows(client: &Client) -> Vec<client_label_sites::ActiveModel> {
    let sites = sorted(client.sites.clone());
    sorted(client.labels.clone())
        .into_iter()
        .flat_map(|label| sites.iter().map(move |site| (label, *site)))
        .map(|(label, site)| client_label_sites::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            label_id: Set(label.as_uuid()),
            site_id: Set(site.as_uuid()),
            last_name_key: Set(client.last_name.key()),
            first_name_key: Set(client.first_name.key()),
        })
        .collect()
}

/// CL-5 to CL-7: the stored keys a client's search terms come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchKeys {
    pub first_name_key: String,
    pub last_name_key: String,
    pub email_key: Option<String>,
    pub phone_digits: Option<String>,
}

impl SearchKeys {
    /// As the client's row holds them.
    pub(crate) fn of(client: &Client) -> Self {
        Self {
            first_name_key: client.first_name.key(),
            last_name_key: client.last_name.key(),
            email_key: client.email.as_ref().map(EmailAddress::key),
            phone_digits: client.phone.as_ref().map(|p| p.normalised().to_owned()),
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
/// suffix of the email key (`e`) and of the phone digits (`p`). Sorted, without repeats.
pub(crate) fn search_terms(keys: &SearchKeys) -> Vec<(&'static str, String)> {
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
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The rows of `client_search_terms` for a client of `business` with these keys.
pub(crate) fn search_term_rows(
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

/// Groups `(owner, site)` pairs by owner, for one page of rows.
pub(crate) fn sites_by_owner(
    pairs: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> std::collections::HashMap<Uuid, Vec<SiteId>> {
    let mut by_owner: std::collections::HashMap<Uuid, Vec<SiteId>> =
        std::collections::HashMap::new();
    for (owner, site) in pairs {
        by_owner.entry(owner).or_default().push(site.into());
    }
    by_owner
}

// ---------------------------------------------------------------------------------------
// Labels

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

// ---------------------------------------------------------------------------------------
// Custom fields

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
        .custom_fields
        .iter()
        .map(|(field, value)| client_field_values::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
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
) -> Result<std::collections::HashMap<Uuid, CustomValues>, StorageError> {
    const T: &str = "client_field_values";
    let mut by_owner: std::collections::HashMap<Uuid, CustomValues> =
        std::collections::HashMap::new();
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

// ---------------------------------------------------------------------------------------
// Marketing preferences and consents

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

// ---------------------------------------------------------------------------------------
// Appointment types

impl TryFrom<appointment_types::Model> for AppointmentType {
    type Error = StorageError;

    fn try_from(row: appointment_types::Model) -> Result<Self, Self::Error> {
        const T: &str = "appointment_types";
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: ServiceName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            duration: DurationMinutes::parse(i64::from(row.duration_minutes))
                .map_err(|e| corrupt(T, "duration_minutes", e.message))?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn appointment_type_row(
    kind: &AppointmentType,
) -> Result<appointment_types::ActiveModel, StorageError> {
    // At most 24 hours of minutes: always fits.
    let duration = i32::try_from(kind.duration.get()).map_err(unexpected)?;
    Ok(appointment_types::ActiveModel {
        business_id: Set(kind.business_id.as_uuid()),
        id: Set(kind.id.as_uuid()),
        name: Set(kind.name.as_str().to_owned()),
        duration_minutes: Set(duration),
        price_minor: Set(minor_units(kind.price)?),
        currency: Set(kind.price.currency().code().to_owned()),
        created_at: Set(instant(kind.created_at)),
        updated_at: Set(instant(kind.updated_at)),
        version: Set(kind.version.get()),
    })
}

pub(crate) fn appointment_type_changes(
    kind: &AppointmentType,
) -> Result<appointment_types::ActiveModel, StorageError> {
    Ok(appointment_types::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..appointment_type_row(kind)?
    })
}

// ---------------------------------------------------------------------------------------
// Appointments

fn attendance(
    table: &'static str,
    column: &'static str,
    raw: &str,
) -> Result<Attendance, StorageError> {
    Attendance::parse(raw)
        .ok_or_else(|| corrupt(table, column, format!("`{raw}` is no attendance")))
}

impl TryFrom<appointments::Model> for Appointment {
    type Error = StorageError;

    fn try_from(row: appointments::Model) -> Result<Self, Self::Error> {
        const T: &str = "appointments";
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            type_id: row.type_id.into(),
            site_id: row.site_id.into(),
            staff_id: row.staff_id.map(Into::into),
            slot: Slot::new(row.starts_at, row.ends_at)
                .map_err(|e| corrupt(T, "ends_at", e.message))?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            status: AppointmentStatus::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            attendance: attendance(T, "attendance", &row.attendance)?,
            paid: money(T, "paid_minor", row.paid_minor, currency)?,
            refunded: money(T, "refunded_minor", row.refunded_minor, currency)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            cancelled_at: row.cancelled_at,
            version: Version::new(row.version),
        })
    }
}

/// The row of `appointment`. Its amounts share the price's currency; one in another
/// currency is refused rather than stored under the wrong code.
pub(crate) fn appointment_row(
    appointment: &Appointment,
) -> Result<appointments::ActiveModel, StorageError> {
    let currency = appointment.price.currency();
    for (column, amount) in [
        ("paid_minor", appointment.paid),
        ("refunded_minor", appointment.refunded),
    ] {
        same_currency("appointments", column, amount, currency)?;
    }
    Ok(appointments::ActiveModel {
        business_id: Set(appointment.business_id.as_uuid()),
        id: Set(appointment.id.as_uuid()),
        client_id: Set(appointment.client_id.as_uuid()),
        type_id: Set(appointment.type_id.as_uuid()),
        site_id: Set(appointment.site_id.as_uuid()),
        staff_id: Set(appointment.staff_id.map(|staff| staff.as_uuid())),
        starts_at: Set(instant(appointment.slot.starts_at())),
        ends_at: Set(instant(appointment.slot.ends_at())),
        price_minor: Set(minor_units(appointment.price)?),
        currency: Set(currency.code().to_owned()),
        status: Set(appointment.status.as_str().to_owned()),
        attendance: Set(appointment.attendance.as_str().to_owned()),
        paid_minor: Set(minor_units(appointment.paid)?),
        refunded_minor: Set(minor_units(appointment.refunded)?),
        created_at: Set(instant(appointment.created_at)),
        updated_at: Set(instant(appointment.updated_at)),
        cancelled_at: Set(appointment.cancelled_at.map(instant)),
        version: Set(appointment.version.get()),
    })
}

pub(crate) fn appointment_changes(
    appointment: &Appointment,
) -> Result<appointments::ActiveModel, StorageError> {
    Ok(appointments::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..appointment_row(appointment)?
    })
}

// ---------------------------------------------------------------------------------------
// Audit trails

impl TryFrom<client_audit::Model> for ClientAuditEntry {
    type Error = StorageError;

    fn try_from(row: client_audit::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            actor: row.actor_id.into(),
            at: row.at,
            action: ClientAuditAction::parse(&row.action).ok_or_else(|| {
                corrupt(
                    "client_audit",
                    "action",
                    format!("`{}` is no action", row.action),
                )
            })?,
            field: row.field,
            old_value: row.old_value,
            new_value: row.new_value,
        })
    }
}

pub(crate) fn client_audit_row(entry: &ClientAuditEntry) -> client_audit::ActiveModel {
    client_audit::ActiveModel {
        business_id: Set(entry.business_id.as_uuid()),
        id: Set(entry.id.as_uuid()),
        client_id: Set(entry.client_id.as_uuid()),
        actor_id: Set(entry.actor.as_uuid()),
        at: Set(instant(entry.at)),
        action: Set(entry.action.as_str().to_owned()),
        field: Set(entry.field.clone()),
        old_value: Set(entry.old_value.clone()),
        new_value: Set(entry.new_value.clone()),
    }
}

impl TryFrom<attendance_changes::Model> for AttendanceChange {
    type Error = StorageError;

    fn try_from(row: attendance_changes::Model) -> Result<Self, Self::Error> {
        const T: &str = "attendance_changes";
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            appointment_id: row.appointment_id.into(),
            from: attendance(T, "from_attendance", &row.from_attendance)?,
            to: attendance(T, "to_attendance", &row.to_attendance)?,
            actor: row.actor_id.into(),
            at: row.at,
        })
    }
}

pub(crate) fn attendance_change_row(change: &AttendanceChange) -> attendance_changes::ActiveModel {
    attendance_changes::ActiveModel {
        business_id: Set(change.business_id.as_uuid()),
        id: Set(change.id.as_uuid()),
        appointment_id: Set(change.appointment_id.as_uuid()),
        from_attendance: Set(change.from.as_str().to_owned()),
        to_attendance: Set(change.to.as_str().to_owned()),
        actor_id: Set(change.actor.as_uuid()),
        at: Set(instant(change.at)),
    }
}

// ---------------------------------------------------------------------------------------
// Outbox

/// The values of `outbox_emails.status`.
pub(crate) const EMAIL_PENDING: &str = "pending";
pub(crate) const EMAIL_SENT: &str = "sent";
pub(crate) const EMAIL_FAILED: &str = "failed";

impl TryFrom<outbox_emails::Model> for OutboxEmail {
    type Error = StorageError;

    fn try_from(row: outbox_emails::Model) -> Result<Self, Self::Error> {
        const T: &str = "outbox_emails";
        let attempts = u32::try_from(row.attempts).map_err(|e| corrupt(T, "attempts", e))?;
        let state = match row.status.as_str() {
            EMAIL_PENDING => EmailState::Pending {
                attempts,
                next_attempt_at: row.next_attempt_at,
            },
            EMAIL_SENT => EmailState::Sent {
                at: row
                    .sent_at
                    .ok_or_else(|| corrupt(T, "sent_at", "NULL for a sent email"))?,
            },
            EMAIL_FAILED => EmailState::Failed {
                attempts,
                last_error: row
                    .last_error
                    .ok_or_else(|| corrupt(T, "last_error", "NULL for a failed email"))?,
            },
            other => return Err(corrupt(T, "status", format!("`{other}` is no status"))),
        };
        Ok(Self {
            email: OutgoingEmail {
                id: row.id.into(),
                business_id: row.business_id.into(),
                kind: EmailKind::parse(&row.kind)
                    .ok_or_else(|| corrupt(T, "kind", format!("`{}` is no kind", row.kind)))?,
                to: EmailAddress::parse("to", &row.to_address)
                    .map_err(|e| corrupt(T, "to_address", e.message))?,
                content: EmailContent {
                    subject: row.subject,
                    text: row.text_body,
                    html: row.html_body,
                },
                created_at: row.created_at,
            },
            state,
        })
    }
}

/// A new outbox row: pending from the email's creation, never attempted, not claimed.
pub(crate) fn outbox_row(email: &OutgoingEmail) -> outbox_emails::ActiveModel {
    outbox_emails::ActiveModel {
        business_id: Set(email.business_id.as_uuid()),
        id: Set(email.id.as_uuid()),
        kind: Set(email.kind.as_str().to_owned()),
        to_address: Set(email.to.as_str().to_owned()),
        subject: Set(email.content.subject.clone()),
        text_body: Set(email.content.text.clone()),
        html_body: Set(email.content.html.clone()),
        created_at: Set(instant(email.created_at)),
        status: Set(EMAIL_PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(instant(email.created_at)),
        claimed_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
    }
}

// ---------------------------------------------------------------------------------------
// Payments

/// The values of `payments.means`.
const MEANS_CARD: &str = "card";
const MEANS_MANUAL: &str = "manual";

fn processor(table: &'static str, raw: &str) -> Result<ProcessorKind, StorageError> {
    ProcessorKind::parse(raw).map_err(|e| corrupt(table, "processor", e.message))
}

impl TryFrom<payment_methods::Model> for PaymentMethod {
    type Error = StorageError;

    fn try_from(row: payment_methods::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            processor: processor("payment_methods", &row.processor)?,
            token: row.token,
            brand: row.brand,
            last4: row.last4,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn payment_method_row(method: &PaymentMethod) -> payment_methods::ActiveModel {
    payment_methods::ActiveModel {
        business_id: Set(method.business_id.as_uuid()),
        id: Set(method.id.as_uuid()),
        client_id: Set(method.client_id.as_uuid()),
        processor: Set(method.processor.as_str().to_owned()),
        token: Set(method.token.clone()),
        brand: Set(method.brand.clone()),
        last4: Set(method.last4.clone()),
        created_at: Set(instant(method.created_at)),
    }
}

impl TryFrom<payments::Model> for Payment {
    type Error = StorageError;

    fn try_from(row: payments::Model) -> Result<Self, Self::Error> {
        const T: &str = "payments";
        let currency = stored_currency(T, &row.currency)?;
        let direction = match row.direction.as_str() {
            "charge" => PaymentDirection::Charge,
            "refund" => PaymentDirection::Refund,
            other => {
                return Err(corrupt(
                    T,
                    "direction",
                    format!("`{other}` is no direction"),
                ));
            }
        };
        let means = match row.means.as_str() {
            MEANS_CARD => PaymentMeans::Card {
                brand: row
                    .card_brand
                    .ok_or_else(|| corrupt(T, "card_brand", "NULL for a card payment"))?,
                last4: row
                    .card_last4
                    .ok_or_else(|| corrupt(T, "card_last4", "NULL for a card payment"))?,
            },
            MEANS_MANUAL => {
                let raw = row
                    .payment_type
                    .ok_or_else(|| corrupt(T, "payment_type", "NULL for a manual payment"))?;
                PaymentMeans::Manual(
                    PaymentType::parse(&raw).map_err(|e| corrupt(T, "payment_type", e.message))?,
                )
            }
            other => return Err(corrupt(T, "means", format!("`{other}` is no means"))),
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            appointment_id: row.appointment_id.into(),
            client_id: row.client_id.into(),
            direction,
            amount: money(T, "amount_minor", row.amount_minor, currency)?,
            processor: processor(T, &row.processor)?,
            means,
            reference: row.reference,
            refund_of: row.refund_of.map(Into::into),
            refunded: money(T, "refunded_minor", row.refunded_minor, currency)?,
            actor: row.actor_id.into(),
            created_at: row.created_at,
        })
    }
}

/// The row of `payment`. What was refunded of it must be in the amount's currency.
pub(crate) fn payment_row(payment: &Payment) -> Result<payments::ActiveModel, StorageError> {
    let currency = payment.amount.currency();
    same_currency("payments", "refunded_minor", payment.refunded, currency)?;
    let (means, card_brand, card_last4, payment_type) = match &payment.means {
        PaymentMeans::Card { brand, last4 } => {
            (MEANS_CARD, Some(brand.clone()), Some(last4.clone()), None)
        }
        PaymentMeans::Manual(kind) => (MEANS_MANUAL, None, None, Some(kind.as_str().to_owned())),
    };
    Ok(payments::ActiveModel {
        business_id: Set(payment.business_id.as_uuid()),
        id: Set(payment.id.as_uuid()),
        appointment_id: Set(payment.appointment_id.as_uuid()),
        client_id: Set(payment.client_id.as_uuid()),
        direction: Set(payment.direction.as_str().to_owned()),
        amount_minor: Set(minor_units(payment.amount)?),
        refunded_minor: Set(minor_units(payment.refunded)?),
        currency: Set(currency.code().to_owned()),
        processor: Set(payment.processor.as_str().to_owned()),
        means: Set(means.to_owned()),
        card_brand: Set(card_brand),
        card_last4: Set(card_last4),
        payment_type: Set(payment_type),
        reference: Set(payment.reference.clone()),
        refund_of: Set(payment.refund_of.map(|charge| charge.as_uuid())),
        actor_id: Set(payment.actor.as_uuid()),
        created_at: Set(instant(payment.created_at)),
    })
}

impl TryFrom<invoices::Model> for Invoice {
    type Error = StorageError;

    fn try_from(row: invoices::Model) -> Result<Self, Self::Error> {
        const T: &str = "invoices";
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            appointment_id: row.appointment_id.into(),
            client_id: row.client_id.into(),
            number: row.number,
            amount: money(T, "amount_minor", row.amount_minor, currency)?,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn invoice_row(invoice: &Invoice) -> Result<invoices::ActiveModel, StorageError> {
    Ok(invoices::ActiveModel {
        business_id: Set(invoice.business_id.as_uuid()),
        id: Set(invoice.id.as_uuid()),
        appointment_id: Set(invoice.appointment_id.as_uuid()),
        client_id: Set(invoice.client_id.as_uuid()),
        number: Set(invoice.number.clone()),
        amount_minor: Set(minor_units(invoice.amount)?),
        currency: Set(invoice.amount.currency().code().to_owned()),
        created_at: Set(instant(invoice.created_at)),
    })
}

// ---------------------------------------------------------------------------------------
// Idempotency keys

impl TryFrom<idempotency_keys::Model> for IdempotencyRecord {
    type Error = StorageError;

    fn try_from(row: idempotency_keys::Model) -> Result<Self, Self::Error> {
        const T: &str = "idempotency_keys";
        let response = match (row.response_status, row.response_body) {
            (None, None) => None,
            (Some(status), Some(body)) => Some(StoredResponse {
                status: u16::try_from(status).map_err(|e| corrupt(T, "response_status", e))?,
                body,
            }),
            (Some(_), None) => {
                return Err(corrupt(T, "response_body", "NULL beside a status"));
            }
            (None, Some(_)) => {
                return Err(corrupt(T, "response_status", "NULL beside a body"));
            }
        };
        Ok(Self {
            business_id: row.business_id.into(),
            key: row.key,
            operation: row.operation,
            fingerprint: row.fingerprint,
            response,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn idempotency_row(record: &IdempotencyRecord) -> idempotency_keys::ActiveModel {
    idempotency_keys::ActiveModel {
        business_id: Set(record.business_id.as_uuid()),
        key: Set(record.key.clone()),
        operation: Set(record.operation.clone()),
        fingerprint: Set(record.fingerprint.clone()),
        response_status: Set(record.response.as_ref().map(|r| i32::from(r.status))),
        response_body: Set(record.response.as_ref().map(|r| r.body.clone())),
        created_at: Set(instant(record.created_at)),
    }
}

/// The columns that record the response of a key's first request.
pub(crate) fn idempotency_response(response: &StoredResponse) -> idempotency_keys::ActiveModel {
    idempotency_keys::ActiveModel {
        response_status: Set(Some(i32::from(response.status))),
        response_body: Set(Some(response.body.clone())),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------
// Contact card: notes and documents

impl TryFrom<client_notes::Model> for ClientNote {
    type Error = StorageError;

    fn try_from(row: client_notes::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            author: row.author_id.into(),
            text: NoteText::parse("text", &row.text)
                .map_err(|e| corrupt("client_notes", "text", e.message))?,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn client_note_row(note: &ClientNote) -> client_notes::ActiveModel {
    client_notes::ActiveModel {
        business_id: Set(note.business_id.as_uuid()),
        id: Set(note.id.as_uuid()),
        client_id: Set(note.client_id.as_uuid()),
        author_id: Set(note.author.as_uuid()),
        text: Set(note.text.as_str().to_owned()),
        created_at: Set(instant(note.created_at)),
    }
}

/// A document size that does not fit a signed 64-bit column (the domain caps sizes at
/// 10 MiB, so this is a bug if it ever shows).
#[derive(Debug, Error)]
#[error("a document of {0} bytes does not fit in a 64-bit signed size")]
pub(crate) struct SizeTooLarge(u64);

impl TryFrom<client_documents::Model> for ClientDocument {
    type Error = StorageError;

    fn try_from(row: client_documents::Model) -> Result<Self, Self::Error> {
        const T: &str = "client_documents";
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            name: DocumentName::parse("name", &row.name)
                .map_err(|e| corrupt(T, "name", e.message))?,
            content_type: ContentType::parse("content_type", &row.content_type)
                .map_err(|e| corrupt(T, "content_type", e.message))?,
            size_bytes: u64::try_from(row.size_bytes).map_err(|e| corrupt(T, "size_bytes", e))?,
            uploaded_by: row.uploaded_by.into(),
            created_at: row.created_at,
        })
    }
}

pub(crate) fn client_document_row(
    document: &ClientDocument,
) -> Result<client_documents::ActiveModel, StorageError> {
    let size_bytes = i64::try_from(document.size_bytes)
        .map_err(|_| StorageError::Unexpected(Box::new(SizeTooLarge(document.size_bytes))))?;
    Ok(client_documents::ActiveModel {
        business_id: Set(document.business_id.as_uuid()),
        id: Set(document.id.as_uuid()),
        client_id: Set(document.client_id.as_uuid()),
        name: Set(document.name.as_str().to_owned()),
        content_type: Set(document.content_type.as_str().to_owned()),
        size_bytes: Set(size_bytes),
        uploaded_by: Set(document.uploaded_by.as_uuid()),
        created_at: Set(instant(document.created_at)),
    })
}

#[cfg(test)]
mod tests {
    use super::{SearchKeys, search_terms};

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
}
