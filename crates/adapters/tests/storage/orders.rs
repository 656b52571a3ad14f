//! Orders: every settlement round trips, cancellation and refunds, the orders list with
//! its filters and pages, tenancy (CO-3, CO-6, CO-8, PL-26).

use chrono::{DateTime, Duration, Utc};

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::code::{Code, Origin, Owner};
use clientele_domain::order::{Order, OrderStatus, Settlement};
use clientele_domain::payment::{PaymentType, ProcessorKind};
use clientele_domain::product::{Coverage, Family, Product, ProductKind};
use clientele_domain::{Client, CodeId, OrderId, StaffId};
use clientele_ports::storage::{OrderLine, OrderQuery};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    base_time, business_with_site, client_with_email, code_text, eur, insert_clients,
    insert_products, new_uuid, package, product,
};

fn manual() -> Settlement {
    Settlement::Manual {
        payment_type: PaymentType::parse("cash").unwrap(),
        reference: format!("m-{}", new_uuid().simple()),
    }
}

/// An order of `product` by `client` at `at`, settled by `settlement`, with its code.
fn order(
    product: &Product,
    client: &Client,
    settlement: Settlement,
    at: DateTime<Utc>,
) -> (Order, Code) {
    let id = OrderId::from_uuid(new_uuid());
    let owner = Owner {
        client: client.id(),
        email: client.email(),
    };
    let (code, first) = Code::issue(
        CodeId::from_uuid(new_uuid()),
        product,
        code_text(),
        Some(owner),
        Origin::Purchase(id),
        at.date_naive(),
        at,
    )
    .unwrap();
    assert_eq!(first.delta, code.remaining());
    let paid = match settlement {
        Settlement::Invoice { .. } => eur("0"),
        _ => product.details.price,
    };
    let order = Order {
        id,
        business_id: product.business_id,
        client_id: client.id(),
        product_id: product.id,
        family: product.details.kind.family(),
        code_id: code.id(),
        code_text: code.text().clone(),
        price: product.details.price,
        settlement,
        paid,
        refunded: eur("0"),
        status: OrderStatus::Active,
        actor: StaffId::from_uuid(new_uuid()),
        created_at: at,
        cancelled_at: None,
        membership_id: None,
        pro_rata: None,
    };
    (order, code)
}

/// Stores each order, then its code with its first entry, as a sale does.
async fn insert_orders(storage: &SeaStorage, orders: &[(Order, Code)]) {
    let mut tx = storage.begin().await.unwrap();
    for (order, code) in orders {
        tx.insert_order(order).await.unwrap();
        let first = clientele_domain::code::Entry {
            at: order.created_at,
            actor: None,
            reason: clientele_domain::code::Reason::Purchase(order.id),
            delta: code.remaining(),
        };
        tx.insert_code(code, &first).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn co_3_every_settlement_round_trips_and_an_order_id_is_taken_once() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let ana = client_with_email(
        business.id,
        "Ana",
        "ana@example.com",
        &[site.id],
        base_time(),
    );
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let package = package(business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let card = Settlement::Card {
        processor: ProcessorKind::StubCard,
        brand: "visa".into(),
        last4: "4242".into(),
        reference: "ch_1".into(),
    };
    let invoice = Settlement::Invoice {
        number: "2026-0001".into(),
    };
    let orders: Vec<_> = [card, manual(), invoice]
        .into_iter()
        .map(|s| order(&package, &ana, s, base_time()))
        .collect();

    // Act
    insert_orders(&storage, &orders).await;
    let mut tx = storage.begin().await.unwrap();
    let taken = tx.insert_order(&orders[0].0).await;
    let mut read = Vec::new();
    for (order, _) in &orders {
        read.push(tx.order(business.id, order.id).await.unwrap());
    }
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(taken, Err(StorageError::Duplicate("order"))));
    let expected: Vec<_> = orders.into_iter().map(|(o, _)| Some(o)).collect();
    assert_eq!(read, expected);
}

#[tokio::test]
async fn co_6_an_order_is_cancelled_and_refunded_never_beyond_what_was_paid() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let ana = client_with_email(
        business.id,
        "Ana",
        "ana@example.com",
        &[site.id],
        base_time(),
    );
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let package = package(business.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (sold, code) = order(&package, &ana, manual(), base_time());
    insert_orders(&storage, &[(sold.clone(), code)]).await;
    let (never_stored, _) = order(&package, &ana, manual(), base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    let mut changed = tx
        .order_for_update(business.id, sold.id)
        .await
        .unwrap()
        .unwrap();
    changed.record_refund(eur("120.50")).unwrap();
    changed.cancel(base_time() + Duration::seconds(5)).unwrap();
    tx.update_order(&changed).await.unwrap();
    let absent = tx.update_order(&never_stored).await;
    tx.commit().await.unwrap();
    let mut over_refunded = changed.clone();
    over_refunded.refunded = eur("500.01");
    let mut tx = storage.begin().await.unwrap();
    let refused = tx.update_order(&over_refunded).await;
    drop(tx);
    let mut tx = storage.read().await.unwrap();
    let stored = tx.order(business.id, sold.id).await.unwrap();

    // Assert
    assert!(matches!(absent, Err(StorageError::NotFound)));
    assert!(matches!(refused, Err(StorageError::Unexpected(_))));
    assert_eq!(stored, Some(changed));
}

/// Every page of the list for `query`, in pages of 2.
async fn all_orders(storage: &SeaStorage, order: &Order, query: &OrderQuery) -> Vec<OrderLine> {
    let (mut lines, mut after) = (Vec::new(), None);
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx.orders(order.business_id, query, after, 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some((last.order.created_at, last.order.id));
        lines.extend(page);
    }
    lines
}

#[tokio::test]
async fn co_8_orders_page_newest_first_with_each_filter_and_what_an_export_names() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let (other, other_site) = business_with_site(&storage).await;
    let ana = client_with_email(
        business.id,
        "Ana",
        "ana@example.com",
        &[site.id],
        base_time(),
    );
    let bea = crate::helpers::client(business.id, "Bea", "Costa", &[site.id]);
    let stranger = crate::helpers::client(other.id, "Eve", "Roux", &[other_site.id]);
    insert_clients(&storage, &[ana.clone(), bea.clone(), stranger.clone()]).await;
    let package = package(business.id);
    let gift = product(
        business.id,
        "Bon cadeau",
        ProductKind::MoneyGift { value: eur("80") },
        Coverage::AllTypes,
    );
    let foreign = crate::helpers::package(other.id);
    insert_products(&storage, &[package.clone(), gift.clone(), foreign.clone()]).await;
    let at = |s: i64| base_time() + Duration::seconds(s);
    let sold = vec![
        order(&package, &ana, manual(), at(0)),
        order(&gift, &ana, manual(), at(1)),
        order(&package, &bea, manual(), at(1)),
        order(&gift, &bea, manual(), at(1)),
        order(&package, &ana, manual(), at(2)),
        order(&gift, &bea, manual(), at(3)),
    ];
    insert_orders(&storage, &sold).await;
    insert_orders(&storage, &[order(&foreign, &stranger, manual(), at(2))]).await;
    let mut newest_first: Vec<_> = sold.iter().map(|(o, c)| (o.clone(), c.clone())).collect();
    newest_first.sort_by_key(|(o, _)| std::cmp::Reverse((o.created_at, o.id)));
    let expect = |keep: &dyn Fn(&Order) -> bool| -> Vec<OrderId> {
        newest_first
            .iter()
            .filter(|(o, _)| keep(o))
            .map(|(o, _)| o.id)
            .collect()
    };
    let queries = [
        (OrderQuery::default(), expect(&|_| true)),
        (
            OrderQuery {
                product: Some(package.id),
                ..OrderQuery::default()
            },
            expect(&|o| o.product_id == package.id),
        ),
        (
            OrderQuery {
                family: Some(Family::GiftCertificate),
                ..OrderQuery::default()
            },
            expect(&|o| o.family == Family::GiftCertificate),
        ),
        (
            OrderQuery {
                client: Some(bea.id()),
                ..OrderQuery::default()
            },
            expect(&|o| o.client_id == bea.id()),
        ),
        (
            OrderQuery {
                from: Some(at(1)),
                until: Some(at(3)),
                ..OrderQuery::default()
            },
            expect(&|o| o.created_at >= at(1) && o.created_at < at(3)),
        ),
        (
            OrderQuery {
                client: Some(ana.id()),
                family: Some(Family::Package),
                from: Some(at(1)),
                ..OrderQuery::default()
            },
            expect(&|o| {
                o.client_id == ana.id() && o.product_id == package.id && o.created_at >= at(1)
            }),
        ),
    ];

    // Act
    let mut listed = Vec::new();
    for (query, _) in &queries {
        listed.push(all_orders(&storage, &sold[0].0, query).await);
    }

    // Assert
    for ((query, expected), lines) in queries.iter().zip(&listed) {
        let ids: Vec<OrderId> = lines.iter().map(|l| l.order.id).collect();
        assert_eq!(&ids, expected, "{query:?}");
    }
    let everything = &listed[0];
    for (line, (order, code)) in everything.iter().zip(&newest_first) {
        let (client, product) = (
            if order.client_id == ana.id() {
                &ana
            } else {
                &bea
            },
            if order.product_id == package.id {
                &package
            } else {
                &gift
            },
        );
        let expected = OrderLine {
            order: order.clone(),
            client_first_name: client.first_name().as_str().to_owned(),
            client_last_name: client.last_name().as_str().to_owned(),
            client_email: client.email().map(|e| e.as_str().to_owned()),
            product_name: product.details.name.as_str().to_owned(),
        };
        assert_eq!(line, &expected);
        assert_eq!(&line.order.code_text, code.text());
    }
    assert!(everything.iter().any(|l| l.client_email.is_none()));
}

#[tokio::test]
async fn pl_26_a_business_never_sees_or_changes_another_business_orders() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, site) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let ana = client_with_email(owner.id, "Ana", "ana@example.com", &[site.id], base_time());
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let package = package(owner.id);
    insert_products(&storage, std::slice::from_ref(&package)).await;
    let (sold, code) = order(&package, &ana, manual(), base_time());
    insert_orders(&storage, &[(sold.clone(), code)]).await;
    let mut forged = sold.clone();
    forged.business_id = other.id;
    forged.cancel(base_time()).unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let read = tx.order(other.id, sold.id).await.unwrap();
    let locked = tx.order_for_update(other.id, sold.id).await.unwrap();
    let changed = tx.update_order(&forged).await;
    let query = OrderQuery {
        client: Some(ana.id()),
        ..OrderQuery::default()
    };
    let listed = tx.orders(other.id, &query, None, 10).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let kept = tx.order(owner.id, sold.id).await.unwrap();

    // Assert
    assert_eq!((read, locked), (None, None));
    assert!(matches!(changed, Err(StorageError::NotFound)));
    assert!(listed.is_empty());
    assert_eq!(kept, Some(sold));
}
