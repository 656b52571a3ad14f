//! Fixtures shared by the storage tests: a business, its sites, staff, clients and bookings
//! built in memory, and the few steps that store or read them.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use uuid::Uuid;

use clientele_adapters::{SeaStorage, UuidV7Ids};
use clientele_domain::appointment::{
    Appointment, AppointmentType, AppointmentTypeDetails, AppointmentTypeInput, NewAppointment,
    Slot,
};
use clientele_domain::business::BusinessName;
use clientele_domain::client::ClientInput;
use clientele_domain::code::{Code, CodeText, Entry, Origin, Owner};
use clientele_domain::label::{Label, LabelDetails, LabelInput};
use clientele_domain::product::{
    Appointments, Coverage, Product, ProductDetails, ProductKind, ProductName, Validity,
};
use clientele_domain::site::{SiteDetails, SiteInput};
use clientele_domain::staff::{StaffDetails, StaffInput};
use clientele_domain::token::TokenLabel;
use clientele_domain::{
    ApiToken, AppointmentId, AppointmentTypeId, Business, BusinessId, BusinessSettings, Client,
    ClientId, ClientSort, CodeId, Currency, LabelId, Money, NewClient, ProductId, Site, SiteId,
    SiteScope, StaffId, StaffMember, TimeZone, TokenId, Version,
};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{IdGenerator, Storage};

pub fn new_uuid() -> Uuid {
    UuidV7Ids.new_id()
}

/// 2026-11-22 10:00:00.123456 UTC: an instant with microseconds.
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::microseconds(123_456)
}

pub fn business() -> Business {
    Business {
        id: BusinessId::from_uuid(new_uuid()),
        name: BusinessName::parse("Spa Lumière").unwrap(),
        settings: BusinessSettings::new(
            TimeZone::parse("Europe/Paris").unwrap(),
            Currency::parse("EUR").unwrap(),
        ),
        mode: clientele_domain::test_clock::BusinessMode::Live,
        created_at: base_time(),
        updated_at: base_time(),
        version: Version::initial(),
    }
}

pub fn site(business: BusinessId, name: &str) -> Site {
    let details = SiteDetails::parse(&SiteInput {
        name: name.into(),
        address: Some("12 rue de la Paix, Paris".into()),
    })
    .unwrap();
    Site::new(
        SiteId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

pub fn staff(business: BusinessId, email: &str, role: &str, sites: &[SiteId]) -> StaffMember {
    let details = StaffDetails::parse(&StaffInput {
        name: "Inès Moreau".into(),
        email: email.into(),
        role: role.into(),
        sites: sites.to_vec(),
    })
    .unwrap();
    StaffMember::new(
        StaffId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

pub fn token(business: BusinessId, staff: StaffId) -> ApiToken {
    ApiToken {
        id: TokenId::from_uuid(new_uuid()),
        business_id: business,
        staff_id: staff,
        label: TokenLabel::parse("front desk tablet").unwrap(),
        prefix: "ab12cd".into(),
        created_at: base_time(),
    }
}

pub fn client_with_id(
    id: ClientId,
    business: BusinessId,
    first: &str,
    last: &str,
    sites: &[SiteId],
    at: DateTime<Utc>,
) -> Client {
    let new = NewClient::parse(&ClientInput {
        first_name: first.into(),
        last_name: last.into(),
        ..ClientInput::default()
    })
    .unwrap();
    Client::create(id, business, new, sites.to_vec(), at, at.date_naive())
}

pub fn client(business: BusinessId, first: &str, last: &str, sites: &[SiteId]) -> Client {
    let id = ClientId::from_uuid(new_uuid());
    client_with_id(id, business, first, last, sites, base_time())
}

/// A business with one site, stored and committed.
pub async fn business_with_site(storage: &SeaStorage) -> (Business, Site) {
    let business = business();
    let site = site(business.id, "Paris Opéra");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&business).await.unwrap();
    tx.insert_site(&site).await.unwrap();
    tx.commit().await.unwrap();
    (business, site)
}

pub async fn insert_clients(storage: &SeaStorage, clients: &[Client]) {
    let mut tx = storage.begin().await.unwrap();
    for client in clients {
        tx.insert_client(client).await.unwrap();
    }
    tx.commit().await.unwrap();
}

pub async fn stored_client(storage: &SeaStorage, client: &Client) -> Option<Client> {
    let mut tx = storage.read().await.unwrap();
    tx.client(client.business_id(), client.id()).await.unwrap()
}

pub fn query(scope: SiteScope, sort: ClientSort) -> ClientQuery {
    ClientQuery::unfiltered(scope, sort, 500)
}

/// Every page of `query` in pages of `page_size`, each page read from the cursor of the
/// previous page's last client.
pub async fn all_pages(
    storage: &SeaStorage,
    business: BusinessId,
    mut query: ClientQuery,
    page_size: u32,
) -> Vec<Client> {
    query.limit = page_size;
    let mut seen = Vec::new();
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx.clients(business, &query).await.unwrap();
        assert!(
            page.len() <= page_size as usize,
            "a page holds at most its limit"
        );
        let Some(last) = page.last() else { break };
        query.after = Some(query.sort.key_of(last));
        let full = page.len() == page_size as usize;
        assert!(
            page.iter().all(|client| !seen.contains(client)),
            "a client is listed twice: the pages go round in circles"
        );
        seen.extend(page);
        if !full {
            break;
        }
    }
    seen
}

pub fn ids(clients: &[Client]) -> Vec<ClientId> {
    clients.iter().map(|c| c.id()).collect()
}

pub fn client_with_email(
    business: BusinessId,
    first: &str,
    email: &str,
    sites: &[SiteId],
    at: DateTime<Utc>,
) -> Client {
    let new = NewClient::parse(&ClientInput {
        first_name: first.into(),
        last_name: "Silva".into(),
        email: Some(email.into()),
        ..ClientInput::default()
    })
    .unwrap();
    let id = ClientId::from_uuid(new_uuid());
    Client::create(id, business, new, sites.to_vec(), at, at.date_naive())
}

pub fn eur(amount: &str) -> Money {
    Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
}

pub fn appointment_type(business: BusinessId, name: &str, price: &str) -> AppointmentType {
    let details = AppointmentTypeDetails::parse(
        &AppointmentTypeInput {
            name: name.into(),
            duration_minutes: 90,
            price: price.into(),
            currency: None,
        },
        Currency::parse("EUR").unwrap(),
    )
    .unwrap();
    AppointmentType::new(
        AppointmentTypeId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

/// What an appointment refers to, stored and committed: a business with a site, a client
/// of that site and a service.
pub struct Booking {
    pub business: Business,
    pub site: Site,
    pub client: Client,
    pub service: AppointmentType,
}

pub async fn booking(storage: &SeaStorage) -> Booking {
    let (business, site) = business_with_site(storage).await;
    let client = client(business.id, "Ana", "Silva", &[site.id]);
    let service = appointment_type(business.id, "Massage 90 min", "60.50");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&client).await.unwrap();
    tx.insert_appointment_type(&service).await.unwrap();
    tx.commit().await.unwrap();
    Booking {
        business,
        site,
        client,
        service,
    }
}

pub fn appointment(booking: &Booking, client: ClientId, starts_at: DateTime<Utc>) -> Appointment {
    let slot = Slot::for_service(starts_at, None, booking.service.duration).unwrap();
    Appointment::book(
        AppointmentId::from_uuid(new_uuid()),
        booking.business.id,
        NewAppointment {
            client_id: client,
            appointment_type: booking.service.id,
            site_id: booking.site.id,
            staff_id: None,
            slot,
            price: booking.service.price,
        },
        base_time(),
    )
}

pub async fn insert_appointments(storage: &SeaStorage, appointments: &[Appointment]) {
    let mut tx = storage.begin().await.unwrap();
    for appointment in appointments {
        tx.insert_appointment(appointment).await.unwrap();
    }
    tx.commit().await.unwrap();
}

pub async fn stored_appointment(
    storage: &SeaStorage,
    appointment: &Appointment,
) -> Option<Appointment> {
    let mut tx = storage.read().await.unwrap();
    tx.appointment(appointment.business_id(), appointment.id())
        .await
        .unwrap()
}

pub fn label(business: BusinessId, name: &str, colour: &str) -> Label {
    let details = LabelDetails::parse(&LabelInput {
        name: name.into(),
        colour: colour.into(),
    })
    .unwrap();
    Label::new(
        LabelId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

/// A product of `business` priced 500 EUR, valid 12 months, made at [`base_time`].
pub fn product(business: BusinessId, name: &str, kind: ProductKind, covers: Coverage) -> Product {
    let details = ProductDetails {
        name: ProductName::parse(name).unwrap(),
        kind,
        price: eur("500"),
        covers,
        validity: Some(Validity::Months(12)),
    };
    Product::new(
        ProductId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

pub fn appointments(n: i64) -> Appointments {
    Appointments::parse("appointments", n).unwrap()
}

/// A package of 10 appointments of every type.
pub fn package(business: BusinessId) -> Product {
    let kind = ProductKind::Package {
        appointments: appointments(10),
    };
    product(business, "Forfait 10 massages", kind, Coverage::AllTypes)
}

pub async fn insert_products(storage: &SeaStorage, products: &[Product]) {
    let mut tx = storage.begin().await.unwrap();
    for product in products {
        tx.insert_product(product).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// A fresh random code text.
pub fn code_text() -> CodeText {
    CodeText::from_random(UuidV7Ids.random_bytes())
}

/// A code of `product` for `client`, given by `staff` at `at`, with its first entry.
pub fn granted_code(
    product: &Product,
    client: Option<&Client>,
    staff: StaffId,
    at: DateTime<Utc>,
) -> (Code, Entry) {
    let owner = client.map(|c| Owner {
        client: c.id(),
        email: c.email(),
    });
    Code::issue(
        CodeId::from_uuid(new_uuid()),
        product,
        code_text(),
        owner,
        Origin::Grant(staff),
        at.date_naive(),
        at,
    )
    .unwrap()
}

pub async fn insert_codes(storage: &SeaStorage, codes: &[(Code, Entry)]) {
    let mut tx = storage.begin().await.unwrap();
    for (code, first) in codes {
        tx.insert_code(code, first).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// `code` after `entries`: its balance moved by their deltas, its version one on.
pub fn after_entries(code: &Code, entries: &[Entry], at: DateTime<Utc>) -> Code {
    let mut parts = code.clone().into_parts();
    parts.remaining += entries.iter().map(|e| e.delta).sum::<i64>();
    parts.updated_at = at;
    parts.version = parts.version.next();
    Code::restore(parts)
}
