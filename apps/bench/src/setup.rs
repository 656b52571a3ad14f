//! The business the clients are generated into, made and found through the application's
//! own use cases (`create_business`, `create_site`, `create_label`,
//! `create_appointment_type`, `list_*`), as an operator and its owner would.

use std::sync::{Arc, Mutex, PoisonError};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;
use uuid::Uuid;

use clientele_adapters::UuidV7Ids;
use clientele_application::appointments::AppointmentError;
use clientele_application::auth::Operator;
use clientele_application::businesses::{BusinessError, NewBusinessInput};
use clientele_application::labels::LabelError;
use clientele_application::sites::SiteError;
use clientele_application::{Clientele, Page};
use clientele_domain::appointment::{AppointmentType, AppointmentTypeInput};
use clientele_domain::label::{Label, LabelInput};
use clientele_domain::site::SiteInput;
use clientele_domain::{Actor, Business, PageLimit, Role, Site};
use clientele_ports::{IdGenerator, Storage, StorageError};

#[derive(Debug, Error)]
pub enum SetupError {
    #[error("the database already has a business named `{0}`: generate into a fresh database")]
    AlreadyGenerated(String),
    #[error("no business named `{name}` in this database (it has: {found})")]
    NoSuchBusiness { name: String, found: String },
    #[error("the business `{0}` has no owner")]
    NoOwner(String),
    #[error(transparent)]
    Business(#[from] BusinessError),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Label(#[from] LabelError),
    #[error(transparent)]
    Service(#[from] AppointmentError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Ids from a seeded generator (UUIDv7-shaped, but from the seed rather than the clock),
/// so that the business, its sites and labels get the same ids for the same seed. Secrets
/// (the owner's token) stay truly random.
pub struct SeededIds {
    rng: Mutex<ChaCha8Rng>,
}

impl SeededIds {
    pub fn new(seed: u64) -> Self {
        // Another stream than the clients' so that both stay stable on their own.
        Self {
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0x05ee_d5e7_u64)),
        }
    }
}

impl IdGenerator for SeededIds {
    fn new_id(&self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn new_secret(&self) -> String {
        UuidV7Ids.new_secret()
    }

    /// Seeded like the ids: a benchmark's codes are the same on every run.
    fn random_bytes(&self) -> [u8; 16] {
        *self.new_id().as_bytes()
    }
}

/// The three sites, with the share of clients each gets.
pub const SITES: [(&str, u32); 3] = [
    ("Paris Bastille", 50),
    ("Lyon Presqu'île", 30),
    ("Bordeaux Chartrons", 20),
];

/// The twelve labels, with how often each is given.
pub const LABELS: [(&str, &str, u32); 12] = [
    ("Nouveau client", "#4caf50", 30),
    ("Fidèle", "#2196f3", 25),
    ("VIP", "#ffaa00", 4),
    ("Allergies", "#f44336", 8),
    ("Peau sensible", "#e91e63", 10),
    ("Parrainage", "#9c27b0", 6),
    ("Abonnement", "#3f51b5", 9),
    ("Carte cadeau", "#00bcd4", 7),
    ("Mariage", "#ffeb3b", 3),
    ("Prénatal", "#8bc34a", 3),
    ("Sportif", "#795548", 5),
    ("À rappeler", "#607d8b", 6),
];

/// The services, with how often each is booked.
pub const SERVICES: [(&str, i64, &str, u32); 4] = [
    ("Massage 60 min", 60, "60.00", 40),
    ("Soin du visage", 45, "55.00", 30),
    ("Manucure", 30, "30.00", 20),
    ("Coupe et brushing", 45, "42.50", 10),
];

/// What the generator made before the clients.
pub struct Founded {
    pub business: Business,
    pub owner: Actor,
    pub owner_token: String,
    pub sites: Vec<(Site, u32)>,
    pub labels: Vec<(Label, u32)>,
    pub services: Vec<(AppointmentType, u32)>,
}

/// Creates the business named `name` (Europe/Paris, EUR) with its owner, three sites,
/// twelve labels and four services. Refuses if a business of that name exists.
pub async fn found(app: &Clientele, name: &str) -> Result<Founded, SetupError> {
    if find_business(app, name).await?.is_some() {
        return Err(SetupError::AlreadyGenerated(name.to_owned()));
    }
    let founded = app
        .create_business(
            Operator,
            &NewBusinessInput {
                name: name.to_owned(),
                time_zone: Some("Europe/Paris".to_owned()),
                currency: Some("EUR".to_owned()),
                site_name: Some(SITES[0].0.to_owned()),
                owner_name: "Camille Owner".to_owned(),
                owner_email: "owner@bench.example".to_owned(),
                test_mode: false,
            },
        )
        .await?;
    let owner = Actor::for_staff(&founded.owner);
    let mut sites = vec![(founded.site.clone(), SITES[0].1)];
    for (site_name, share) in &SITES[1..] {
        let input = SiteInput {
            name: (*site_name).to_owned(),
            address: None,
        };
        sites.push((app.create_site(&owner, &input).await?, *share));
    }
    let mut labels = Vec::new();
    for (label_name, colour, share) in LABELS {
        let input = LabelInput {
            name: label_name.to_owned(),
            colour: colour.to_owned(),
        };
        labels.push((app.create_label(&owner, &input).await?, share));
    }
    let mut services = Vec::new();
    for (service_name, minutes, price, share) in SERVICES {
        let input = AppointmentTypeInput {
            name: service_name.to_owned(),
            duration_minutes: minutes,
            price: price.to_owned(),
            currency: None,
        };
        services.push((app.create_appointment_type(&owner, &input).await?, share));
    }
    Ok(Founded {
        business: founded.business,
        owner,
        owner_token: founded.owner_secret,
        sites,
        labels,
        services,
    })
}

/// The business named `name`, if there is one.
pub async fn find_business(app: &Clientele, name: &str) -> Result<Option<Business>, SetupError> {
    let mut cursor: Option<String> = None;
    loop {
        let page: Page<Business> = app
            .list_businesses(Operator, PageLimit::default(), cursor.as_deref())
            .await?;
        if let Some(business) = page.items.into_iter().find(|b| b.name.as_str() == name) {
            return Ok(Some(business));
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(None),
        }
    }
}

/// A generated business as the bench sees it: its owner, sites and labels.
pub struct Generated {
    pub business: Business,
    pub owner: Actor,
    pub sites: Vec<Site>,
    pub labels: Vec<Label>,
}

/// Finds the business named `name` and acts as its owner.
pub async fn open(
    app: &Clientele,
    storage: &Arc<dyn Storage>,
    name: &str,
) -> Result<Generated, SetupError> {
    let Some(business) = find_business(app, name).await? else {
        let page = app
            .list_businesses(Operator, PageLimit::default(), None)
            .await?;
        let found: Vec<&str> = page.items.iter().map(|b| b.name.as_str()).collect();
        return Err(SetupError::NoSuchBusiness {
            name: name.to_owned(),
            found: found.join(", "),
        });
    };
    // Only the owner is needed; the port lists staff without an actor.
    let mut tx = storage.read().await?;
    let staff = tx.staff(business.id, None, PageLimit::MAX).await?;
    drop(tx);
    let owner = staff
        .iter()
        .find(|member| member.role == Role::Owner)
        .map(Actor::for_staff)
        .ok_or_else(|| SetupError::NoOwner(name.to_owned()))?;
    let sites = app
        .list_sites(&owner, PageLimit::default(), None)
        .await?
        .items;
    let labels = app
        .list_labels(&owner, PageLimit::default(), None)
        .await?
        .items;
    Ok(Generated {
        business,
        owner,
        sites,
        labels,
    })
}
