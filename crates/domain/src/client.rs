//! Clients (CL-1, CL-2): names, contact details and the sites they belong to.

use chrono::{DateTime, NaiveDate, Utc};

use crate::custom_field::{CustomValue, CustomValues, CustomValuesInput};
use crate::ids::{BusinessId, ClientId, CustomFieldId, LabelId, SiteId};
use crate::note::NoteText;
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

pub use crate::contact::{Country, EmailAddress, PhoneNumber};

/// A first or last name: trimmed, non-empty, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(pub(crate) String);

impl PersonName {
    pub const MAX: usize = 100;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        text::required_line(field, raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Accent- and case-folded key used for sorting and prefix search (CL-4, CL-5).
    pub fn key(&self) -> String {
        text::name_key(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub(crate) id: ClientId,
    pub(crate) business_id: BusinessId,
    pub(crate) first_name: PersonName,
    pub(crate) last_name: PersonName,
    pub(crate) email: Option<EmailAddress>,
    pub(crate) phone: Option<PhoneNumber>,
    /// Sorted, without repeats.
    pub(crate) sites: Vec<SiteId>,
    /// CL-11: sorted, without repeats.
    pub(crate) labels: Vec<LabelId>,
    pub(crate) banned: bool,
    pub(crate) has_account: bool,
    /// CL-12: the free, staff-only "client notes" field of the profile.
    pub(crate) client_notes: Option<NoteText>,
    /// CL-24: the client's value of each custom field that has one.
    pub(crate) custom_fields: CustomValues,
    /// The calendar day the client was created, in the business's time zone.
    pub(crate) client_since: NaiveDate,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    /// CL-4: moves only on administrative changes (contact details, labels, notes, …).
    pub(crate) admin_updated_at: DateTime<Utc>,
    pub(crate) version: Version,
}

/// Everything a stored client is made of: what storage reads back, for [`Client::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientParts {
    pub id: ClientId,
    pub business_id: BusinessId,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    /// Sorted, without repeats.
    pub sites: Vec<SiteId>,
    /// CL-11: sorted, without repeats.
    pub labels: Vec<LabelId>,
    pub banned: bool,
    pub has_account: bool,
    /// CL-12: the free, staff-only "client notes" field of the profile.
    pub client_notes: Option<NoteText>,
    /// CL-24: the client's value of each custom field that has one.
    pub custom_fields: CustomValues,
    /// The calendar day the client was created, in the business's time zone.
    pub client_since: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// CL-4: moves only on administrative changes (contact details, labels, notes, …).
    pub admin_updated_at: DateTime<Utc>,
    pub version: Version,
}

/// Reading a client: its fields are changed only through its methods, which keep its
/// invariants; storage rebuilds one with [`Client::restore`].
impl Client {
    /// What the client is made of (to store it, or to rebuild it otherwise in a test).
    pub fn into_parts(self) -> ClientParts {
        let Self {
            id,
            business_id,
            first_name,
            last_name,
            email,
            phone,
            sites,
            labels,
            banned,
            has_account,
            client_notes,
            custom_fields,
            client_since,
            created_at,
            updated_at,
            admin_updated_at,
            version,
        } = self;
        ClientParts {
            id,
            business_id,
            first_name,
            last_name,
            email,
            phone,
            sites,
            labels,
            banned,
            has_account,
            client_notes,
            custom_fields,
            client_since,
            created_at,
            updated_at,
            admin_updated_at,
            version,
        }
    }

    /// The client storage kept, as it was.
    pub fn restore(parts: ClientParts) -> Self {
        let ClientParts {
            id,
            business_id,
            first_name,
            last_name,
            email,
            phone,
            sites,
            labels,
            banned,
            has_account,
            client_notes,
            custom_fields,
            client_since,
            created_at,
            updated_at,
            admin_updated_at,
            version,
        } = parts;
        Self {
            id,
            business_id,
            first_name,
            last_name,
            email,
            phone,
            sites,
            labels,
            banned,
            has_account,
            client_notes,
            custom_fields,
            client_since,
            created_at,
            updated_at,
            admin_updated_at,
            version,
        }
    }

    pub fn id(&self) -> ClientId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn first_name(&self) -> &PersonName {
        &self.first_name
    }

    pub fn last_name(&self) -> &PersonName {
        &self.last_name
    }

    pub fn email(&self) -> Option<&EmailAddress> {
        self.email.as_ref()
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.phone.as_ref()
    }

    /// Sorted, without repeats.
    pub fn sites(&self) -> &[SiteId] {
        &self.sites
    }

    /// CL-11: sorted, without repeats.
    pub fn labels(&self) -> &[LabelId] {
        &self.labels
    }

    pub fn banned(&self) -> bool {
        self.banned
    }

    pub fn has_account(&self) -> bool {
        self.has_account
    }

    /// CL-12: the free, staff-only "client notes" field of the profile.
    pub fn client_notes(&self) -> Option<&NoteText> {
        self.client_notes.as_ref()
    }

    /// CL-24: the client's value of each custom field that has one.
    pub fn custom_fields(&self) -> &CustomValues {
        &self.custom_fields
    }

    /// The calendar day the client was created, in the business's time zone.
    pub fn client_since(&self) -> NaiveDate {
        self.client_since
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// CL-4: moves only on administrative changes (contact details, labels, notes, …).
    pub fn admin_updated_at(&self) -> DateTime<Utc> {
        self.admin_updated_at
    }

    pub fn version(&self) -> Version {
        self.version
    }
}

/// A client as typed by a person or sent by an API consumer, before parsing.
#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `None`: the caller's current site.
    pub sites: Option<Vec<SiteId>>,
    /// CL-12: the free "client notes" field.
    pub client_notes: Option<String>,
    /// CL-24: custom field values by field id (`None`: no value).
    pub custom_fields: CustomValuesInput,
}

/// A parsed new client (CL-1). Whether its sites exist is checked against storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub sites: Option<Vec<SiteId>>,
    pub client_notes: Option<NoteText>,
    /// CL-24: empty from [`NewClient::parse`]; the values are parsed against their
    /// fields' definitions, which live in storage (`custom_field::parse_values`).
    pub custom_fields: CustomValues,
}

fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => parse(value).map(Some),
    }
}

fn sorted_sites(sites: &[SiteId]) -> Vec<SiteId> {
    let mut sites = sites.to_vec();
    sites.sort();
    sites.dedup();
    sites
}

impl NewClient {
    pub fn parse(input: &ClientInput) -> Result<Self, ValidationErrors> {
        let sites = match &input.sites {
            Some(sites) if sites.is_empty() => Err(FieldError::new(
                "sites",
                "a client belongs to at least one site; omit `sites` for your current site",
            )),
            sites => Ok(sites.as_deref().map(sorted_sites)),
        };
        match (
            PersonName::parse("first_name", &input.first_name),
            PersonName::parse("last_name", &input.last_name),
            optional(input.email.as_deref(), |v| EmailAddress::parse("email", v)),
            optional(input.phone.as_deref(), |v| PhoneNumber::parse("phone", v)),
            sites,
            optional(input.client_notes.as_deref(), |v| {
                NoteText::parse("client_notes", v)
            }),
        ) {
            (Ok(first_name), Ok(last_name), Ok(email), Ok(phone), Ok(sites), Ok(client_notes)) => {
                Ok(Self {
                    first_name,
                    last_name,
                    email,
                    phone,
                    sites,
                    client_notes,
                    custom_fields: CustomValues::new(),
                })
            }
            (first, last, email, phone, sites, notes) => Err(failures([
                first.err(),
                last.err(),
                email.err(),
                phone.err(),
                sites.err(),
                notes.err(),
            ])),
        }
    }
}

/// A change to a client as sent by an API consumer: `None` keeps a value; for email and
/// phone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ClientChangesInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub sites: Option<Vec<SiteId>>,
    pub client_notes: Option<Option<String>>,
    /// CL-24: values to set by field id; `None` clears one. Fields not named stay.
    pub custom_fields: CustomValuesInput,
}

/// A parsed change to a client's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientChanges {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<PhoneNumber>>,
    pub sites: Option<Vec<SiteId>>,
    pub client_notes: Option<Option<NoteText>>,
    /// CL-24: values to set (`Some`) or clear (`None`). Empty from
    /// [`ClientChanges::parse`]; the values are parsed against their fields' definitions
    /// (`custom_field::parse_values`).
    pub custom_fields: std::collections::BTreeMap<CustomFieldId, Option<CustomValue>>,
}

impl ClientChanges {
    pub fn parse(input: &ClientChangesInput) -> Result<Self, ValidationErrors> {
        let first = input
            .first_name
            .as_deref()
            .map(|v| PersonName::parse("first_name", v))
            .transpose();
        let last = input
            .last_name
            .as_deref()
            .map(|v| PersonName::parse("last_name", v))
            .transpose();
        let email = input
            .email
            .as_ref()
            .map(|v| optional(v.as_deref(), |v| EmailAddress::parse("email", v)))
            .transpose();
        let phone = input
            .phone
            .as_ref()
            .map(|v| optional(v.as_deref(), |v| PhoneNumber::parse("phone", v)))
            .transpose();
        let sites = match &input.sites {
            Some(sites) if sites.is_empty() => Err(FieldError::new(
                "sites",
                "a client belongs to at least one site",
            )),
            sites => Ok(sites.as_deref().map(sorted_sites)),
        };
        let notes = input
            .client_notes
            .as_ref()
            .map(|v| optional(v.as_deref(), |v| NoteText::parse("client_notes", v)))
            .transpose();
        match (first, last, email, phone, sites, notes) {
            (Ok(first_name), Ok(last_name), Ok(email), Ok(phone), Ok(sites), Ok(client_notes)) => {
                Ok(Self {
                    first_name,
                    last_name,
                    email,
                    phone,
                    sites,
                    client_notes,
                    custom_fields: Default::default(),
                })
            }
            (first, last, email, phone, sites, notes) => Err(failures([
                first.err(),
                last.err(),
                email.err(),
                phone.err(),
                sites.err(),
                notes.err(),
            ])),
        }
    }
}

impl Client {
    /// A new client created at `now`, on the business's calendar day `today`.
    pub fn create(
        id: ClientId,
        business_id: BusinessId,
        new: NewClient,
        sites: Vec<SiteId>,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Self {
        Self {
            id,
            business_id,
            first_name: new.first_name,
            last_name: new.last_name,
            email: new.email,
            phone: new.phone,
            sites: sorted_sites(&sites),
            labels: Vec::new(),
            banned: false,
            has_account: false,
            client_notes: new.client_notes,
            custom_fields: new.custom_fields,
            client_since: today,
            created_at: now,
            updated_at: now,
            admin_updated_at: now,
            version: Version::initial(),
        }
    }

    /// AC-12: the client booked while logged in to an account: the client list's check
    /// mark. An operational change, like `visit_site`. Returns whether it changed anything.
    pub fn booked_with_account(&mut self, now: DateTime<Utc>) -> bool {
        if self.has_account {
            return false;
        }
        self.has_account = true;
        self.updated_at = now;
        self.version = self.version.next();
        true
    }

    /// PL-14: the client now also belongs to `site` (they booked there). An operational
    /// change: `admin_updated_at` stays. Returns whether it changed anything.
    pub fn visit_site(&mut self, site: SiteId, now: DateTime<Utc>) -> bool {
        if self.sites.contains(&site) {
            return false;
        }
        self.sites.push(site);
        self.sites.sort();
        self.updated_at = now;
        self.version = self.version.next();
        true
    }

    /// PL-23: the phone number written in E.164 if it is a valid number of `country`
    /// (the business's country was set). Not a staff change: `admin_updated_at` stays.
    /// Returns whether it changed anything.
    pub fn phone_in_country(&mut self, country: Country, now: DateTime<Utc>) -> bool {
        let Some(phone) = &self.phone else {
            return false;
        };
        let localised = phone.clone().in_country(Some(country));
        if localised == *phone {
            return false;
        }
        self.phone = Some(localised);
        self.updated_at = now;
        self.version = self.version.next();
        true
    }

    /// CL-11: adds and removes labels in one change (an administrative one). Returns
    /// whether anything changed.
    pub fn change_labels(
        &mut self,
        add: &[LabelId],
        remove: &[LabelId],
        now: DateTime<Utc>,
    ) -> bool {
        let mut labels: Vec<LabelId> = self
            .labels
            .iter()
            .filter(|l| !remove.contains(l))
            .copied()
            .chain(add.iter().copied())
            .collect();
        labels.sort();
        labels.dedup();
        if labels == self.labels {
            return false;
        }
        self.labels = labels;
        self.updated_at = now;
        self.admin_updated_at = now;
        self.version = self.version.next();
        true
    }

    /// CL-4: records an administrative change made elsewhere (marketing consent, …):
    /// the version and `admin_updated_at` move.
    pub fn mark_administrative_change(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.admin_updated_at = now;
        self.version = self.version.next();
    }

    /// CL-20: bans the client. Returns whether it changed anything.
    pub fn ban(&mut self, now: DateTime<Utc>) -> bool {
        self.set_banned(true, now)
    }

    /// CL-20: lifts a ban. Returns whether it changed anything.
    pub fn unban(&mut self, now: DateTime<Utc>) -> bool {
        self.set_banned(false, now)
    }

    fn set_banned(&mut self, banned: bool, now: DateTime<Utc>) -> bool {
        if self.banned == banned {
            return false;
        }
        self.banned = banned;
        self.updated_at = now;
        self.admin_updated_at = now;
        self.version = self.version.next();
        true
    }

    /// Applies an administrative change (contact details, sites, custom fields). Returns whether
    /// anything changed; only a real change moves the version and `admin_updated_at`.
    pub fn apply(&mut self, changes: ClientChanges, now: DateTime<Utc>) -> bool {
        let before = self.clone();
        if let Some(first_name) = changes.first_name {
            self.first_name = first_name;
        }
        if let Some(last_name) = changes.last_name {
            self.last_name = last_name;
        }
        if let Some(email) = changes.email {
            self.email = email;
        }
        if let Some(phone) = changes.phone {
            self.phone = phone;
        }
        if let Some(sites) = changes.sites {
            self.sites = sorted_sites(&sites);
        }
        if let Some(notes) = changes.client_notes {
            self.client_notes = notes;
        }
        for (field, value) in changes.custom_fields {
            match value {
                Some(value) => self.custom_fields.insert(field, value),
                None => self.custom_fields.remove(&field),
            };
        }
        let changed = *self != before;
        if changed {
            self.updated_at = now;
            self.admin_updated_at = now;
            self.version = self.version.next();
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn input() -> ClientInput {
        ClientInput {
            first_name: " Marie Claire ".into(),
            last_name: "de la Cruz".into(),
            email: Some("MC@Example.com".into()),
            phone: Some("06 12 34 56 78".into()),
            sites: None,
            client_notes: Some("Prefers mornings.\nAllergic to lavender.".into()),
            custom_fields: Default::default(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
    }

    fn client() -> Client {
        Client::create(
            ClientId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            NewClient::parse(&input()).unwrap(),
            vec![SiteId::from_uuid(Uuid::from_u128(3))],
            now(),
            now().date_naive(),
        )
    }

    #[test]
    fn cl_1_names_are_trimmed_and_required() {
        let new = NewClient::parse(&input()).unwrap();
        assert_eq!(new.first_name.as_str(), "Marie Claire");
        let mut bad = input();
        bad.first_name = "  ".into();
        bad.last_name = String::new();
        let errors = NewClient::parse(&bad).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "last_name"]);
    }

    #[test]
    fn cl_12_the_client_notes_field_keeps_lines_and_refuses_nul() {
        let new = NewClient::parse(&input()).unwrap();
        assert_eq!(
            new.client_notes.map(|n| n.as_str().to_owned()),
            Some("Prefers mornings.\nAllergic to lavender.".to_owned())
        );
        let mut bad = input();
        bad.client_notes = Some("a\u{0}b".into());
        assert_eq!(
            NewClient::parse(&bad).unwrap_err().0[0].field,
            "client_notes"
        );
    }

    #[test]
    fn cl_1_blank_email_and_phone_mean_none() {
        let mut blank = input();
        blank.email = Some("  ".into());
        blank.phone = Some(String::new());
        let new = NewClient::parse(&blank).unwrap();
        assert_eq!((new.email, new.phone), (None, None));
    }

    #[test]
    fn cl_1_an_explicit_empty_site_list_is_refused() {
        let mut no_sites = input();
        no_sites.sites = Some(vec![]);
        assert_eq!(NewClient::parse(&no_sites).unwrap_err().0[0].field, "sites");
    }

    #[test]
    fn cl_4_an_administrative_change_moves_version_and_admin_updated_at() {
        let mut c = client();
        let later = now() + chrono::Duration::minutes(5);
        let changes = ClientChanges::parse(&ClientChangesInput {
            email: Some(None),
            ..Default::default()
        })
        .unwrap();
        assert!(c.apply(changes, later));
        assert_eq!(c.email, None);
        assert_eq!(c.version, Version::new(2));
        assert_eq!(c.admin_updated_at, later);
    }

    #[test]
    fn cl_11_labels_are_added_and_removed_in_one_change() {
        let mut c = client();
        let (a, b) = (
            LabelId::from_uuid(Uuid::from_u128(7)),
            LabelId::from_uuid(Uuid::from_u128(8)),
        );
        let later = now() + chrono::Duration::minutes(1);
        assert!(c.change_labels(&[b, a, a], &[], later));
        assert_eq!(c.labels, [a, b]);
        assert!(c.change_labels(&[], &[a], later));
        assert_eq!(c.labels, [b]);
        assert!(!c.change_labels(&[b], &[a], later));
        assert_eq!(c.version, Version::new(3));
        assert_eq!(c.admin_updated_at, later);
    }

    #[test]
    fn cl_24_setting_and_clearing_custom_values_is_an_administrative_change() {
        use crate::custom_field::CustomValue;
        let mut c = client();
        let field = CustomFieldId::from_uuid(Uuid::from_u128(9));
        let later = now() + chrono::Duration::minutes(1);
        let set = |value: Option<CustomValue>| ClientChanges {
            custom_fields: [(field, value)].into(),
            ..Default::default()
        };

        assert!(c.apply(set(Some(CustomValue::Text("tea".into()))), later));
        assert_eq!(c.custom_fields[&field], CustomValue::Text("tea".into()));
        assert_eq!((c.version, c.admin_updated_at), (Version::new(2), later));
        assert!(!c.apply(set(Some(CustomValue::Text("tea".into()))), later));
        assert!(c.apply(set(None), later));
        assert!(c.custom_fields.is_empty());
        assert!(!c.apply(set(None), later));
        assert_eq!(c.version, Version::new(3));
    }

    #[test]
    fn cl_20_a_ban_is_an_administrative_change_and_repeating_it_changes_nothing() {
        let mut c = client();
        let later = now() + chrono::Duration::minutes(1);
        assert!(c.ban(later));
        assert!(c.banned);
        assert_eq!(c.admin_updated_at, later);
        assert!(!c.ban(later));
        assert_eq!(c.version, Version::new(2));
        assert!(c.unban(later));
        assert!(!c.banned);
    }

    #[test]
    fn pl_11_a_change_that_changes_nothing_keeps_the_version() {
        let mut c = client();
        let same = ClientChanges::parse(&ClientChangesInput {
            last_name: Some("de la Cruz".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(!c.apply(same, now() + chrono::Duration::minutes(5)));
        assert_eq!(c.version, Version::initial());
        assert_eq!(c.admin_updated_at, now());
    }
}
