//! CO-8: the orders export, CSV and Excel: every order the list shows, in its order and
//! with its filters, across pages; each column what the list says of the order.

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use serde_json::{Value, json};

use clientele_application::orders::{SaleInput, SalePayment};
use clientele_domain::{ClientId, ProductId};

use crate::helpers::{TestApp, spawn_app};
use crate::membership_export::bytes;

/// More than one page of the export (1,000 rows).
const ORDERS: usize = 1_003;

async fn product(t: &TestApp, body: Value) -> String {
    let reply = t.post("/v1/products", &t.owner, body).await;
    reply.assert_status(201);
    reply.str("/id")
}

/// Every order the list shows for `query`, page after page.
async fn listed(t: &TestApp, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = t
            .get(&format!("/v1/orders?limit=300&{query}{cursor}"), &t.owner)
            .await;
        reply.assert_status(200);
        items.extend(reply.at("/items").as_array().expect("items").clone());
        match reply.at("/next_cursor").as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

/// The list's item as the export's CSV record writes it.
fn expected_record(item: &Value) -> Vec<String> {
    let order = &item["order"];
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let instant = |value: &Value| {
        value
            .as_str()
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .expect("an instant")
                    .to_utc()
                    .to_rfc3339()
            })
            .unwrap_or_default()
    };
    vec![
        text(&order["id"]),
        instant(&order["created_at"]),
        text(&order["status"]),
        text(&order["client_id"]),
        text(&item["client_first_name"]),
        text(&item["client_last_name"]),
        text(&item["client_email"]),
        text(&order["product_id"]),
        text(&item["product_name"]).replace("=HYPERLINK", "'=HYPERLINK"),
        text(&order["kind"]),
        text(&item["code"]),
        text(&order["price"]),
        text(&order["currency"]),
        text(&order["method"]),
        text(&order["payment_type"]),
        text(&order["paid"]),
        text(&order["refunded"]),
        instant(&order["cancelled_at"]),
    ]
}

fn csv_records(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(Cursor::new(body));
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_owned).collect())
        .collect();
    (header, records)
}

#[tokio::test]
async fn co_8_the_export_is_the_list_across_pages_with_its_filters_as_csv_and_excel() {
    let t = spawn_app().await;
    let package = product(
        &t,
        json!({ "name": "Five massages", "kind": "package", "appointments": 5,
                "price": "250.00" }),
    )
    .await;
    let gift = product(
        &t,
        json!({ "name": "=HYPERLINK(\"x\")", "kind": "gift_certificate",
                "value": "100.00", "price": "95.50" }),
    )
    .await;
    let mut clients = Vec::new();
    for n in 0..7 {
        let client = t
            .create_client(
                &t.owner,
                json!({ "first_name": format!("Ana {n}"), "last_name": "Silva",
                        "email": if n % 2 == 0 { json!(format!("ana{n}@example.com")) } else { json!(null) } }),
            )
            .await;
        clients.push(client["id"].as_str().expect("an id").to_owned());
    }
    let actor = t.app.authenticate(&t.owner).await.expect("the owner");
    for n in 0..ORDERS {
        let input = SaleInput {
            product_id: serde_json::from_value::<ProductId>(json!(if n % 3 == 0 {
                &gift
            } else {
                &package
            }))
            .expect("an id"),
            client_id: serde_json::from_value::<ClientId>(json!(clients[n % clients.len()]))
                .expect("an id"),
            // An invoice goes to the client's email (the even ones have one).
            payment: if n % 5 == 0 && (n % clients.len()) % 2 == 0 {
                SalePayment::Invoice
            } else {
                SalePayment::Manual(None)
            },
            membership_type_id: None,
        };
        t.app
            .sell_product(&actor, &input, &format!("sale-{n}"), None)
            .await
            .expect("a sale");
    }
    let cancelled = listed(&t, "").await[10]["order"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    t.post(
        &format!("/v1/orders/{cancelled}/cancel"),
        &t.owner,
        json!({}),
    )
    .await
    .assert_status(200);

    let all = listed(&t, "").await;
    let gifts = listed(&t, "kind=gift_certificate&").await;
    let (status, content_type, disposition, csv) = bytes(&t, "/v1/orders/export", &t.owner).await;
    let (_, _, _, gifts_csv) = bytes(&t, "/v1/orders/export?kind=gift_certificate", &t.owner).await;
    let (xlsx_status, xlsx_type, xlsx_disposition, xlsx) =
        bytes(&t, "/v1/orders/export?format=xlsx", &t.owner).await;

    assert_eq!(all.len(), ORDERS);
    assert_eq!(
        (status, content_type.as_str(), disposition.as_str()),
        (
            200,
            "text/csv; charset=utf-8",
            "attachment; filename=\"orders.csv\""
        )
    );
    let (header, records) = csv_records(&csv);
    assert_eq!(header[..3], ["order_id", "ordered_at", "status"]);
    assert_eq!(header.len(), 18);
    let expected: Vec<Vec<String>> = all.iter().map(expected_record).collect();
    assert_eq!(records, expected, "the export is the list, row by row");
    assert!(
        records
            .iter()
            .any(|r| r[2] == "cancelled" && !r[17].is_empty())
    );
    assert!(
        records
            .iter()
            .any(|r| r[13] == "invoice" && r[14].is_empty())
    );
    let (_, gift_records) = csv_records(&gifts_csv);
    assert_eq!(
        gift_records,
        gifts.iter().map(expected_record).collect::<Vec<_>>()
    );
    assert_eq!(gift_records.len(), ORDERS.div_ceil(3));

    assert_eq!(xlsx_status, 200);
    assert_eq!(
        xlsx_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(xlsx_disposition, "attachment; filename=\"orders.xlsx\"");
    let mut workbook = Xlsx::new(Cursor::new(xlsx)).expect("a workbook");
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), ORDERS + 1);
    assert_eq!(rows[0][0], Data::String("order_id".into()));
    for (row, record) in rows[1..].iter().zip(&records) {
        assert_eq!(row[0], Data::String(record[0].clone()));
        let price: f64 = record[11].parse().expect("a price");
        assert_eq!(row[11], Data::Float(price), "an amount is a number");
        assert!(matches!(row[1], Data::DateTime(_)), "{:?}", row[1]);
    }
}
