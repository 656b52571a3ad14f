//! CL-22: anonymising a client: what identifies them leaves the profile, which stays (with
//! its id, sites, labels and dates) so that the business's records (appointments,
//! orders, payments, memberships) keep pointing to someone.

use chrono::{DateTime, Utc};

use crate::Client;
use crate::client::PersonName;
use crate::custom_field::CustomValues;

/// The first name of an anonymised client.
pub const ANONYMOUS_FIRST_NAME: &str = "Anonymised";
/// The last name of an anonymised client.
pub const ANONYMOUS_LAST_NAME: &str = "client";

impl Client {
    /// CL-22: replaces the name by [`ANONYMOUS_FIRST_NAME`] [`ANONYMOUS_LAST_NAME`] and
    /// removes the email, phone, client notes and custom values; the client no longer has
    /// an account. Returns whether anything changed (anonymising twice changes nothing).
    pub fn anonymise(&mut self, now: DateTime<Utc>) -> bool {
        let before = self.clone();
        self.first_name = PersonName(ANONYMOUS_FIRST_NAME.to_owned());
        self.last_name = PersonName(ANONYMOUS_LAST_NAME.to_owned());
        self.email = None;
        self.phone = None;
        self.client_notes = None;
        self.custom_fields = CustomValues::default();
        self.has_account = false;
        let changed = *self != before;
        if changed {
            self.mark_administrative_change(now);
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use uuid::Uuid;

    use crate::client::ClientInput;
    use crate::{BusinessId, ClientId, NewClient, SiteId};

    use super::*;

    fn client() -> Client {
        let new = NewClient::parse(&ClientInput {
            first_name: "Marie".into(),
            last_name: "Curie".into(),
            email: Some("marie@example.com".into()),
            phone: Some("+33 6 12 34 56 78".into()),
            sites: None,
            client_notes: Some("Allergic to lavender.".into()),
            custom_fields: Default::default(),
        })
        .expect("valid");
        Client::create(
            ClientId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            new,
            vec![SiteId::from_uuid(Uuid::from_u128(3))],
            Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
        )
    }

    #[test]
    fn cl_22_anonymising_keeps_the_profile_without_what_identifies_the_client() {
        let mut c = client();
        let before = c.clone();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();

        assert!(c.anonymise(now));

        assert_eq!(c.first_name().as_str(), ANONYMOUS_FIRST_NAME);
        assert_eq!(c.last_name().as_str(), ANONYMOUS_LAST_NAME);
        assert!(c.email().is_none() && c.phone().is_none() && c.client_notes().is_none());
        assert!(c.custom_fields().is_empty());
        assert_eq!(c.id(), before.id());
        assert_eq!(c.sites(), before.sites());
        assert_eq!(c.client_since(), before.client_since());
        assert_eq!(c.version(), before.version().next());
        assert!(!c.anonymise(now), "twice changes nothing");
        assert_eq!(c.version(), before.version().next());
    }
}
