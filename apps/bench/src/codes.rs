//! Codes at scale (CO): fills a generated business with products and codes (most sold
//! with an order, some added by staff) through the storage port, then times what the
//! targets name: a booking with a code against one without, a client's codes, a
//! product's pages of active codes, and the orders export through HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use thiserror::Error;
use uuid::Uuid;

use clientele_adapters::DatabaseBackend;
use clientele_application::Clientele;
use clientele_application::appointments::{BookingClientInput, BookingInput};
use clientele_application::orders::OrderFilter;
use clientele_application::products::ProductRequest;
use clientele_domain::code::{Code, CodeText, Origin, Owner};
use clientele_domain::order::{Order, OrderStatus, Settlement};
use clientele_domain::payment::PaymentType;
use clientele_domain::product::{Product, ProductInput};
use clientele_domain::{
    Actor, AppointmentTypeId, ClientId, CodeId, EmailAddress, Money, OrderId, PageLimit, ProductId,
};
use clientele_ports::{IdGenerator, Storage, StorageError};

use crate::http::{Download, Http, HttpError};
use crate::measure::{Percentiles, Runs};

#[derive(Debug, Error)]
pub enum CodesBenchError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    UseCase(String),
    #[error(transparent)]
    Http(#[from] HttpError),
}

fn use_case(error: impl std::fmt::Display) -> CodesBenchError {
    CodesBenchError::UseCase(error.to_string())
}

/// The products every filled business sells: a package of 10, a money gift certificate,
/// a gift of 2 appointments, a subscription of 4 a month.
fn product_inputs() -> [ProductInput; 4] {
    let base = |name: &str, kind: &str| ProductInput {
        name: name.to_owned(),
        kind: kind.to_owned(),
        price: "100.00".to_owned(),
        ..ProductInput::default()
    };
    [
        ProductInput {
            appointments: Some(10),
            ..base("Bench package of 10", "package")
        },
        ProductInput {
            value: Some("150.00".to_owned()),
            ..base("Bench gift 150", "gift_certificate")
        },
        ProductInput {
            appointments: Some(2),
            ..base("Bench gift of 2", "gift_certificate")
        },
        ProductInput {
            appointments: Some(4),
            period_unit: Some("month".to_owned()),
            ..base("Bench monthly 4", "subscription")
        },
    ]
}

/// The bench's products: the ones of a former fill, else new ones.
pub async fn products(app: &Clientele, owner: &Actor) -> Result<Vec<Product>, CodesBenchError> {
    let listed = app
        .list_products(owner, false, PageLimit::default(), None)
        .await
        .map_err(use_case)?
        .items;
    let mut products = Vec::new();
    for input in product_inputs() {
        match listed
            .iter()
            .find(|p| p.details.name.as_str() == input.name)
        {
            Some(product) => products.push(product.clone()),
            None => products.push(
                app.create_product(
                    owner,
                    &ProductRequest {
                        input,
                        currency: None,
                    },
                )
                .await
                .map_err(use_case)?,
            ),
        }
    }
    Ok(products)
}

/// Every client of the business with their email, by id (a bench tool's shortcut: the
/// product never holds a whole table).
pub async fn clients(
    connection: &DatabaseConnection,
    backend: DbBackend,
    business: Uuid,
) -> Result<Vec<(ClientId, Option<EmailAddress>)>, CodesBenchError> {
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let rows = connection
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT id, email FROM clients WHERE business_id = {placeholder} ORDER BY id"),
            [business.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "id")?;
            let email: Option<String> = row.try_get("", "email")?;
            Ok((
                ClientId::from_uuid(id),
                email.and_then(|e| EmailAddress::parse("email", &e).ok()),
            ))
        })
        .collect()
}

/// What a fill is asked for.
pub struct Fill<'a> {
    pub storage: Arc<dyn Storage>,
    pub ids: Arc<dyn IdGenerator>,
    pub owner: &'a Actor,
    pub products: &'a [Product],
    pub clients: &'a [(ClientId, Option<EmailAddress>)],
    pub codes: u64,
    pub batch: u64,
    pub writers: usize,
    pub now: DateTime<Utc>,
}

/// Writes `fill.codes` codes through the storage port, `batch` per transaction, spread
/// over the clients (code i to client i mod n) and the products (i mod 4), one in five
/// added by staff without an order; returns how long it took.
pub async fn fill(fill: Fill<'_>) -> Result<Duration, CodesBenchError> {
    let started = Instant::now();
    let batches: Vec<u64> = (0..fill.codes.div_ceil(fill.batch)).collect();
    let clients = Arc::new(fill.clients.to_vec());
    let products = Arc::new(fill.products.to_vec());
    let cash = PaymentType::parse("cash").map_err(|e| use_case(e.message))?;
    for wave in batches.chunks(fill.writers.max(1)) {
        let mut writers = tokio::task::JoinSet::new();
        for &batch in wave {
            let (storage, ids) = (fill.storage.clone(), fill.ids.clone());
            let (clients, products, cash) = (clients.clone(), products.clone(), cash.clone());
            let (staff, total, size, now) = (fill.owner.staff_id, fill.codes, fill.batch, fill.now);
            writers.spawn(async move {
                let mut tx = storage.begin().await?;
                let end = ((batch + 1) * size).min(total);
                for i in batch * size..end {
                    let (client, email) = &clients[(i % clients.len() as u64) as usize];
                    let product = &products[(i % products.len() as u64) as usize];
                    // Spread over the last ~3 years, oldest first.
                    let at = now - chrono::Duration::seconds(((total - i) * 90) as i64);
                    let code_id = CodeId::from_uuid(ids.new_id());
                    let text = CodeText::from_random(ids.random_bytes());
                    let origin = if i % 5 == 4 {
                        Origin::Grant(staff)
                    } else {
                        let order = Order {
                            id: OrderId::from_uuid(ids.new_id()),
                            business_id: product.business_id,
                            client_id: *client,
                            product_id: product.id,
                            family: product.details.kind.family(),
                            code_id,
                            code_text: text.clone(),
                            price: product.details.price,
                            settlement: Settlement::Manual {
                                payment_type: cash.clone(),
                                reference: format!("bench-{i}"),
                            },
                            paid: product.details.price,
                            refunded: Money::zero(product.details.price.currency()),
                            status: OrderStatus::Active,
                            actor: staff,
                            created_at: at,
                            cancelled_at: None,
                            membership_id: None,
                            pro_rata: None,
                        };
                        tx.insert_order(&order).await?;
                        Origin::Purchase(order.id)
                    };
                    let owner = Owner {
                        client: *client,
                        email: email.as_ref(),
                    };
                    let (code, first) = Code::issue(
                        code_id,
                        product,
                        text,
                        Some(owner),
                        origin,
                        at.date_naive(),
                        at,
                    )
                    .map_err(|e| StorageError::Unexpected(e.to_string().into()))?;
                    tx.insert_code(&code, &first).await?;
                }
                tx.commit().await?;
                Ok::<_, StorageError>(())
            });
        }
        for written in writers.join_all().await {
            written?;
        }
        let done = ((wave[wave.len() - 1] + 1) * fill.batch).min(fill.codes);
        if done % (fill.batch * 100) < fill.batch * fill.writers.max(1) as u64 {
            eprintln!(
                "  {done} codes, {:.0} codes/s",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(started.elapsed())
}

/// Active codes of `product` with something left, of clients who may book (neither they
/// nor their email banned, CL-20): the newest `count`.
pub async fn active_codes(
    connection: &DatabaseConnection,
    backend: DbBackend,
    product: ProductId,
    count: usize,
) -> Result<Vec<(String, ClientId)>, CodesBenchError> {
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let rows = connection
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT codes.text, codes.client_id FROM codes JOIN clients \
                 ON clients.business_id = codes.business_id AND clients.id = codes.client_id \
                 WHERE codes.product_id = {placeholder} AND codes.status = 'active' \
                 AND codes.remaining > 0 AND NOT EXISTS (SELECT 1 FROM clients AS b \
                 WHERE b.business_id = clients.business_id AND b.banned \
                 AND (b.id = clients.id OR b.email_key = clients.email_key)) \
                 ORDER BY codes.id DESC LIMIT {count}"
            ),
            [product.as_uuid().into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            let text: String = row.try_get("", "text")?;
            let client: Uuid = row.try_get("", "client_id")?;
            Ok((text, ClientId::from_uuid(client)))
        })
        .collect()
}

/// One measured figure.
pub struct Figure {
    pub name: &'static str,
    pub times: Percentiles,
}

fn booking(
    kind: AppointmentTypeId,
    client: ClientId,
    code: Option<String>,
    i: usize,
) -> BookingInput {
    BookingInput {
        appointment_type: kind,
        site: None,
        staff: None,
        starts_at: DateTime::from_timestamp(1_900_000_000 + i as i64 * 3600, 0).unwrap_or_default(),
        ends_at: None,
        client: BookingClientInput {
            client_id: Some(client),
            ..BookingClientInput::default()
        },
        code,
    }
}

/// Bookings of `kind` for the clients of `codes`, interleaved with and without their
/// code (their order alternating).
pub async fn bookings(
    app: &Clientele,
    owner: &Actor,
    kind: AppointmentTypeId,
    codes: &[(String, ClientId)],
    runs: Runs,
) -> Result<[Figure; 2], CodesBenchError> {
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for i in 0..runs.warmup + runs.iterations {
        let (text, client) = &codes[i % codes.len()];
        let timed = |code: Option<String>| {
            let input = booking(kind, *client, code, i);
            async move {
                let started = Instant::now();
                app.book_appointment(owner, &input, None)
                    .await
                    .map_err(use_case)?;
                Ok::<_, CodesBenchError>(started.elapsed())
            }
        };
        let (a, b) = if i % 2 == 0 {
            let a = timed(Some(text.clone())).await?;
            (a, timed(None).await?)
        } else {
            let b = timed(None).await?;
            (timed(Some(text.clone())).await?, b)
        };
        if i >= runs.warmup {
            with.push(a);
            without.push(b);
        }
    }
    Ok([
        Figure {
            name: "booking with a code",
            times: Percentiles::of(&mut with),
        },
        Figure {
            name: "booking without a code",
            times: Percentiles::of(&mut without),
        },
    ])
}

/// A client's codes (the first page, as the profile shows them), for random clients.
pub async fn client_codes(
    app: &Clientele,
    owner: &Actor,
    clients: &[(ClientId, Option<EmailAddress>)],
    runs: Runs,
    seed: u64,
) -> Result<Figure, CodesBenchError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut times = Vec::new();
    for i in 0..runs.warmup + runs.iterations {
        let client = clients[rng.random_range(0..clients.len())].0;
        let started = Instant::now();
        let page = app
            .client_codes(owner, client, PageLimit::default(), None)
            .await
            .map_err(use_case)?;
        let elapsed = started.elapsed();
        std::hint::black_box(page.items.len());
        if i >= runs.warmup {
            times.push(elapsed);
        }
    }
    Ok(Figure {
        name: "a client's codes",
        times: Percentiles::of(&mut times),
    })
}

/// Pages of 500 active codes of the products, walked from the start by their cursors.
pub async fn product_pages(
    app: &Clientele,
    owner: &Actor,
    products: &[Product],
    runs: Runs,
) -> Result<Figure, CodesBenchError> {
    let mut times = Vec::new();
    let mut order: Vec<usize> = (0..products.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(7));
    let mut cursors: Vec<Option<String>> = vec![None; products.len()];
    for i in 0..runs.warmup + runs.iterations {
        let p = order[i % order.len()];
        let started = Instant::now();
        let page = app
            .product_codes(
                owner,
                products[p].id,
                PageLimit::default(),
                cursors[p].as_deref(),
            )
            .await
            .map_err(use_case)?;
        let elapsed = started.elapsed();
        cursors[p] = page.next_cursor;
        if i >= runs.warmup {
            times.push(elapsed);
        }
    }
    Ok(Figure {
        name: "a product's page of 500 active codes",
        times: Percentiles::of(&mut times),
    })
}

/// The whole orders export through the product alone (its pages, no CSV, no HTTP): how
/// many rows, and how long.
pub async fn export_pages(
    app: &Clientele,
    owner: &Actor,
) -> Result<(u64, Duration), CodesBenchError> {
    let started = Instant::now();
    let mut export = app
        .export_orders(owner, &OrderFilter::default())
        .await
        .map_err(use_case)?;
    let mut rows = 0;
    while let Some(page) = app.export_page(&mut export).await.map_err(use_case)? {
        rows += page.len() as u64;
    }
    Ok((rows, started.elapsed()))
}

/// The whole orders export through HTTP.
pub async fn export(http: &Http) -> Result<Download, CodesBenchError> {
    Ok(http.download("/v1/orders/export").await?)
}

/// The engine's name for the report.
pub fn engine(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Sqlite => "SQLite",
        DatabaseBackend::Postgres => "PostgreSQL",
    }
}
