//! Memberships at scale (ME-7, ME-18): fills a business of its own with due card
//! memberships through the storage port, then times the billing run (several workers at
//! once, each its own application on the same database, as separate worker processes
//! would be) and the memberships list and its quick-view counts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use clientele_application::billing::{BillingPolicy, BillingReport};
use clientele_application::businesses::NewBusinessInput;
use clientele_application::memberships::{MembershipFilter, MembershipTypeRequest};
use clientele_application::{Clientele, auth::Operator};
use clientele_domain::client::{ClientInput, NewClient};
use clientele_domain::membership::{
    FirstBilling, Membership, MembershipType, NewMembership, PaymentKind, PaymentMethod,
    PeriodUnit, StoredCard,
};
use clientele_domain::payment::ProcessorKind;
use clientele_domain::{Actor, Client, ClientId, MembershipId, PageLimit, SiteId};
use clientele_ports::{IdGenerator, Storage, StorageError};

use crate::measure::{Percentiles, Runs};

#[derive(Debug, Error)]
pub enum BillingBenchError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    UseCase(String),
}

fn use_case(error: impl std::fmt::Display) -> BillingBenchError {
    BillingBenchError::UseCase(error.to_string())
}

/// The bench's business (UTC, EUR) with its owner and a monthly card type of 49.90.
pub async fn found(
    app: &Clientele,
    name: &str,
) -> Result<(Actor, SiteId, MembershipType), BillingBenchError> {
    let founded = app
        .create_business(
            Operator,
            &NewBusinessInput {
                name: name.to_owned(),
                time_zone: Some("UTC".to_owned()),
                currency: Some("EUR".to_owned()),
                site_name: None,
                owner_name: "Billing Owner".to_owned(),
                owner_email: "owner@billing.example".to_owned(),
                test_mode: false,
            },
        )
        .await
        .map_err(use_case)?;
    let owner = Actor::for_staff(&founded.owner);
    let kind = app
        .create_membership_type(
            &owner,
            &MembershipTypeRequest {
                name: "Bench monthly".to_owned(),
                rate: "49.90".to_owned(),
                currency: None,
                period_unit: PeriodUnit::Month,
                period_every: 1,
                credits: 0,
                payment: PaymentKind::Card,
                appointments_product_id: None,
                fixed_day: None,
                prorate: false,
            },
        )
        .await
        .map_err(use_case)?;
    Ok((owner, founded.site.id, kind))
}

/// What a fill is asked for.
pub struct Fill {
    pub storage: Arc<dyn Storage>,
    pub ids: Arc<dyn IdGenerator>,
    pub owner: Actor,
    /// The site of the clients.
    pub site: SiteId,
    pub kind: MembershipType,
    pub memberships: u64,
    /// Memberships per client.
    pub per_client: u64,
    /// Memberships per transaction.
    pub batch: u64,
    /// The first billing day of every membership (all due on it).
    pub start: NaiveDate,
    pub now: DateTime<Utc>,
}

/// Writes the clients and card memberships of `fill`, all first billed on `fill.start`;
/// returns how long it took.
pub async fn fill(fill: Fill) -> Result<Duration, BillingBenchError> {
    let started = Instant::now();
    let currency = fill.kind.rate().currency();
    let mut made = 0;
    while made < fill.memberships {
        let mut tx = fill.storage.begin().await?;
        let end = (made + fill.batch).min(fill.memberships);
        let mut client: Option<ClientId> = None;
        for i in made..end {
            let client_id = match client {
                Some(id) if i % fill.per_client != 0 => id,
                _ => {
                    let new = NewClient::parse(&ClientInput {
                        first_name: format!("Member{i}"),
                        last_name: "Bench".to_owned(),
                        email: Some(format!("member{i}@billing.example")),
                        ..ClientInput::default()
                    })
                    .map_err(use_case)?;
                    let id = ClientId::from_uuid(fill.ids.new_id());
                    let client = Client::create(
                        id,
                        fill.owner.business_id,
                        new,
                        vec![fill.site],
                        fill.now,
                        fill.start,
                    );
                    tx.insert_client(&client).await?;
                    client.id()
                }
            };
            client = Some(client_id);
            let card = StoredCard::new(
                ProcessorKind::StubCard,
                &format!("tok_ok_209912_{}", uuid::Uuid::new_v4().simple()),
                "visa",
                "4242",
            )
            .map_err(use_case)?;
            let number = tx.next_membership_number(fill.owner.business_id).await?;
            let membership = Membership::create(
                MembershipId::from_uuid(fill.ids.new_id()),
                number,
                &fill.kind,
                NewMembership {
                    client_id,
                    individual_rate: None,
                    start_date: fill.start,
                    end_date: None,
                    member_since: None,
                    first_billing: FirstBilling::FirstBillingDay,
                    payment_method: PaymentMethod::Card(card),
                    order_id: None,
                },
                currency,
                fill.start,
            )
            .map_err(use_case)?
            .membership;
            let due = fill.start.and_hms_opt(0, 0, 0).map(|at| at.and_utc());
            tx.insert_membership(&membership, fill.now, due).await?;
        }
        tx.commit().await?;
        made = end;
        if made % (fill.batch * 50) == 0 {
            eprintln!(
                "  {made} memberships, {:.0}/s",
                made as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(started.elapsed())
}

/// What a billing run did and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub report: BillingReport,
    pub took: Duration,
}

impl Run {
    pub fn charges_per_second(&self) -> f64 {
        self.report.charged as f64 / self.took.as_secs_f64().max(1e-9)
    }
}

/// Bills every membership due at `app`'s "now" with `workers` applications at once (each
/// one a clone of `app`: its own steps over the same pool), until none is due.
pub async fn bill(
    app: &Clientele,
    workers: usize,
    policy: &BillingPolicy,
) -> Result<Run, BillingBenchError> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let (app, policy) = (app.clone(), policy.clone());
        tasks.spawn(async move {
            let mut total = BillingReport::default();
            loop {
                let step = app.bill_memberships(&policy).await.map_err(use_case)?;
                if step.claimed == 0 {
                    return Ok::<_, BillingBenchError>(total);
                }
                total += step;
            }
        });
    }
    let mut report = BillingReport::default();
    for done in tasks.join_all().await {
        report += done?;
    }
    Ok(Run {
        report,
        took: started.elapsed(),
    })
}

/// ME-18: the first page of the list (default size) and the quick-view counts, timed.
pub async fn lists(
    app: &Clientele,
    owner: &Actor,
    runs: Runs,
) -> Result<(Percentiles, Percentiles), BillingBenchError> {
    let (mut page, mut counts) = (Vec::new(), Vec::new());
    for i in 0..runs.warmup + runs.iterations {
        let started = Instant::now();
        app.list_memberships(
            owner,
            &MembershipFilter::default(),
            PageLimit::default(),
            None,
        )
        .await
        .map_err(use_case)?;
        let listed = started.elapsed();
        let started = Instant::now();
        app.membership_counts(owner).await.map_err(use_case)?;
        if i >= runs.warmup {
            page.push(listed);
            counts.push(started.elapsed());
        }
    }
    Ok((Percentiles::of(&mut page), Percentiles::of(&mut counts)))
}
