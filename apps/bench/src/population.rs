//! The generated client base: each client built from a [`Person`] through the domain's
//! own parsing and methods (`NewClient::parse`, `Client::create`, `change_labels`, `ban`,
//! `Appointment::book`, `cancel`, `set_attendance`), so that every derived value (name
//! keys, email keys, phone digits, versions, `admin_updated_at`) is the product's.
//!
//! Deterministic: the same seed and the same [`Setting`] give the same clients, ids
//! included (UUIDv7 made from the record's own creation time and seeded random bits).

use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::appointment::{
    Appointment, AppointmentType, Attendance, NewAppointment, Slot,
};
use clientele_domain::client::ClientInput;
use clientele_domain::{
    AppointmentId, BusinessId, Client, ClientId, ClientParts, FieldError, LabelId, NewClient,
    SiteId, TimeZone, ValidationErrors,
};

use crate::people::{People, Person, Weighted};

/// A generated record the domain refused: a bug in the generator, never in the data.
#[derive(Debug, Error)]
pub enum PopulationError {
    #[error("the generator made a client the domain refuses ({person:?}): {errors}")]
    InvalidClient {
        person: Person,
        errors: ValidationErrors,
    },
    #[error("the generator made an appointment slot the domain refuses: {}", .0.message)]
    InvalidSlot(FieldError),
}

/// What the clients are generated into: the business and what it has already defined.
#[derive(Debug, Clone)]
pub struct Setting {
    pub business: BusinessId,
    pub time_zone: TimeZone,
    /// Sites with their popularity (clients per site).
    pub sites: Vec<(SiteId, u32)>,
    /// Labels with their popularity.
    pub labels: Vec<(LabelId, u32)>,
    /// Services with their popularity.
    pub services: Vec<(AppointmentType, u32)>,
    /// The end of the generated history: every record was created before it.
    pub now: DateTime<Utc>,
}

/// One generated client with their appointments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub client: Client,
    pub appointments: Vec<Appointment>,
}

/// Shares of the client base, in percent.
pub mod shares {
    pub const BANNED: f64 = 0.10;
    pub const WITH_ACCOUNT: f64 = 0.15;
    pub const WITH_APPOINTMENTS: f64 = 0.40;
    pub const TWO_SITES: f64 = 0.30;
    pub const CANCELLED: f64 = 0.12;
    pub const WITH_NOTES: f64 = 0.03;
}

const CLIENT_HISTORY: Duration = Duration::days(5 * 365);
const APPOINTMENT_HISTORY: Duration = Duration::days(3 * 365);

/// Draws the members of a client base one after the other.
pub struct Population {
    rng: ChaCha8Rng,
    people: People,
    setting: Setting,
    sites: Weighted<SiteId>,
    labels: Weighted<LabelId>,
    services: Weighted<AppointmentType>,
    label_counts: Weighted<usize>,
    appointment_counts: Weighted<usize>,
}

impl Population {
    /// `setting` must have at least one site, label and service.
    pub fn new(seed: u64, setting: Setting) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            people: People::new(),
            sites: Weighted::new(setting.sites.iter().copied()),
            labels: Weighted::new(setting.labels.iter().copied()),
            services: Weighted::new(setting.services.iter().cloned()),
            label_counts: Weighted::new([(0, 45), (1, 30), (2, 17), (3, 8)]),
            appointment_counts: Weighted::new([(1, 40), (2, 30), (3, 20), (4, 10)]),
            setting,
        }
    }

    /// The next member of the client base.
    pub fn next_member(&mut self) -> Result<Member, PopulationError> {
        let person = self.people.person(&mut self.rng);
        let now = self.setting.now;
        let created_at = now - random_span(&mut self.rng, CLIENT_HISTORY);
        let input = ClientInput {
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            email: person.email.clone(),
            phone: person.phone.clone(),
            sites: None,
            client_notes: self
                .rng
                .random_bool(shares::WITH_NOTES)
                .then(|| "Préfère les rendez-vous du matin.".to_owned()),
            ..ClientInput::default()
        };
        let new = NewClient::parse(&input)
            .map_err(|errors| PopulationError::InvalidClient { person, errors })?;
        let sites = self.sites_of_one();
        let id = ClientId::from_uuid(v7(&mut self.rng, created_at));
        let today = self.setting.time_zone.today(created_at);
        let created = Client::create(id, self.setting.business, new, sites, created_at, today);
        // Client accounts do not exist yet: some clients are given one as they would have.
        let mut client = Client::restore(ClientParts {
            has_account: self.rng.random_bool(shares::WITH_ACCOUNT),
            ..created.into_parts()
        });

        // Labels are mostly given early in a client's life, bans happen any time; both are
        // administrative changes that move the version and `admin_updated_at`, in order.
        let labels = self.labels_of_one();
        let lifetime = now - created_at;
        let mut changes: Vec<(DateTime<Utc>, bool)> = Vec::new();
        if !labels.is_empty() {
            let at = created_at + random_span(&mut self.rng, lifetime / 3);
            changes.push((at, false));
        }
        if self.rng.random_bool(shares::BANNED) {
            let at = created_at + random_span(&mut self.rng, lifetime);
            changes.push((at, true));
        }
        changes.sort();
        for (at, is_ban) in changes {
            if is_ban {
                client.ban(at);
            } else {
                client.change_labels(&labels, &[], at);
            }
        }

        let appointments = if self.rng.random_bool(shares::WITH_APPOINTMENTS) {
            self.appointments_of(&client)?
        } else {
            Vec::new()
        };
        Ok(Member {
            client,
            appointments,
        })
    }

    fn sites_of_one(&mut self) -> Vec<SiteId> {
        let first = *self.sites.pick(&mut self.rng);
        if self.rng.random_bool(shares::TWO_SITES) {
            // A second, different site (the popular ones again are likelier).
            let second = (0..8)
                .map(|_| *self.sites.pick(&mut self.rng))
                .find(|site| *site != first);
            second.map_or_else(|| vec![first], |second| vec![first, second])
        } else {
            vec![first]
        }
    }

    fn labels_of_one(&mut self) -> Vec<LabelId> {
        let count = *self.label_counts.pick(&mut self.rng);
        let mut labels: Vec<LabelId> = (0..count)
            .map(|_| *self.labels.pick(&mut self.rng))
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }

    /// 1 to 4 appointments over the last three years (or since the client came), each
    /// booked some days ahead, on a quarter hour; some cancelled, most attended.
    fn appointments_of(&mut self, client: &Client) -> Result<Vec<Appointment>, PopulationError> {
        let now = self.setting.now;
        let window_start = client.created_at().max(now - APPOINTMENT_HISTORY);
        let count = *self.appointment_counts.pick(&mut self.rng);
        let mut appointments = Vec::with_capacity(count);
        for _ in 0..count {
            let offset = random_span(&mut self.rng, now - window_start);
            let starts_at = quarter_hour(window_start + offset);
            let service = self.services.pick(&mut self.rng).clone();
            let slot = Slot::for_service(starts_at, None, service.duration)
                .map_err(PopulationError::InvalidSlot)?;
            let lead_time = random_span(&mut self.rng, Duration::days(21));
            let booked_at = (starts_at - lead_time).max(client.created_at());
            let site = client.sites()[self.rng.random_range(0..client.sites().len())];
            let mut appointment = Appointment::book(
                AppointmentId::from_uuid(v7(&mut self.rng, booked_at)),
                client.business_id(),
                NewAppointment {
                    client_id: client.id(),
                    appointment_type: service.id,
                    site_id: site,
                    staff_id: None,
                    slot,
                    price: service.price,
                },
                booked_at,
            );
            if self.rng.random_bool(shares::CANCELLED) {
                let cancelled_at = booked_at
                    + random_span(&mut self.rng, (starts_at - booked_at).max(Duration::zero()));
                // A freshly booked appointment is scheduled: cancelling it cannot fail.
                let _ = appointment.cancel(cancelled_at);
            } else if starts_at < now {
                let attendance = match self.rng.random_range(0..100) {
                    0..=87 => Attendance::CheckedIn,
                    88..=92 => Attendance::NoShow,
                    _ => Attendance::Booked,
                };
                if attendance != Attendance::Booked {
                    let _ = appointment.set_attendance(attendance, starts_at);
                }
            }
            appointments.push(appointment);
        }
        Ok(appointments)
    }
}

/// A random span in `[0, max)`, to the microsecond (the precision both databases keep).
fn random_span<R: Rng>(rng: &mut R, max: Duration) -> Duration {
    let micros = max.num_microseconds().unwrap_or(i64::MAX).max(1);
    Duration::microseconds(rng.random_range(0..micros))
}

fn quarter_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::minutes(15)).unwrap_or(at)
}

/// A UUIDv7 for a record created at `at`, with seeded random bits: time-ordered like the
/// product's ids, and the same for the same seed.
fn v7<R: RngCore>(rng: &mut R, at: DateTime<Utc>) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use clientele_domain::appointment::{
        AppointmentStatus, AppointmentTypeDetails, AppointmentTypeInput,
    };
    use clientele_domain::{AppointmentTypeId, Currency};

    use crate::people::PhoneFormat;

    fn setting() -> Setting {
        let id = |n: u128| Uuid::from_u128(n);
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let service = AppointmentType::new(
            AppointmentTypeId::from_uuid(id(30)),
            BusinessId::from_uuid(id(1)),
            AppointmentTypeDetails::parse(
                &AppointmentTypeInput {
                    name: "Massage".into(),
                    duration_minutes: 60,
                    price: "60.00".into(),
                    currency: None,
                },
                eur,
            )
            .unwrap(),
            now - Duration::days(2000),
        );
        Setting {
            business: BusinessId::from_uuid(id(1)),
            time_zone: TimeZone::parse("Europe/Paris").unwrap(),
            sites: (10..13).map(|n| (SiteId::from_uuid(id(n)), 1)).collect(),
            labels: (20..32).map(|n| (LabelId::from_uuid(id(n)), 1)).collect(),
            services: vec![(service, 1)],
            now,
        }
    }

    fn members(seed: u64, n: usize) -> Vec<Member> {
        let mut population = Population::new(seed, setting());
        (0..n).map(|_| population.next_member().unwrap()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_first_hundred_clients_and_another_seed_others() {
        let first = members(42, 100);

        assert_eq!(first, members(42, 100));
        assert_ne!(first, members(43, 100));
    }

    #[test]
    fn the_client_base_has_every_phone_format_and_the_expected_shares() {
        let all = members(42, 5_000);
        let clients: Vec<&Client> = all.iter().map(|m| &m.client).collect();

        for format in PhoneFormat::ALL {
            assert!(
                clients.iter().any(|c| c
                    .phone()
                    .as_ref()
                    .is_some_and(|p| PhoneFormat::of(p.as_typed()) == Some(format))),
                "{format:?}"
            );
        }
        let share =
            |f: &dyn Fn(&Member) -> bool| all.iter().filter(|m| f(m)).count() * 100 / all.len();
        assert!((8..=12).contains(&share(&|m| m.client.banned())));
        assert!((13..=17).contains(&share(&|m| m.client.has_account())));
        assert!((37..=43).contains(&share(&|m| !m.appointments.is_empty())));
        assert!((80..=90).contains(&share(&|m| m.client.email().is_some())));
        assert!(
            all.iter()
                .flat_map(|m| &m.appointments)
                .any(|a| a.status() == AppointmentStatus::Cancelled)
        );
        let now = setting().now;
        assert!(
            clients
                .iter()
                .all(|c| c.created_at() <= now && c.created_at() >= now - CLIENT_HISTORY)
        );
        assert!(
            clients
                .iter()
                .all(|c| (1..=2).contains(&c.sites().len()) && c.labels().len() <= 3)
        );
    }
}
