//! PL-7: the Rust client that progenitor generates from the served document
//! (`clientele-client`) works against the server: a walk-through of the main tasks.

use clientele_client::types::{
    AppointmentTypeView, BookingClientParams, BookingParams, CardChargeParams, ClientChangesParams,
    NewAppointmentTypeParams, NewCardParams, NewClientParams, PaymentStatusView, Problem,
};
use clientele_client::{Client, Error};
use futures::TryStreamExt;

use crate::helpers::spawn_app;

fn client_for(base_url: &str, token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header value"),
    );
    clientele_adapters::install_tls_provider();
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("an HTTP client");
    Client::new_with_client(base_url, http)
}

#[tokio::test]
async fn pl_7_a_generated_client_walks_through_the_api() {
    let app = spawn_app().await;
    let api = client_for(&app.serve().await, &app.owner);

    // A client with a phone, whose phone is then cleared.
    let ana = api
        .create_client()
        .body(
            NewClientParams::builder()
                .first_name("Ana")
                .last_name("Lima")
                .email(Some("ana.lima@example.com".to_owned()))
                .phone(Some("+33 6 12 34 56 78".to_owned())),
        )
        .send()
        .await
        .expect("created")
        .into_inner();
    assert_eq!(ana.phone.as_deref(), Some("+33 6 12 34 56 78"));
    let cleared = api
        .update_client()
        .id(ana.id)
        .body(
            ClientChangesParams::builder()
                .version(ana.version)
                .phone(Some(String::new())),
        )
        .send()
        .await
        .expect("changed")
        .into_inner();
    assert_eq!(cleared.phone, None);

    // A search whose answers span two pages.
    for first in ["Bruno", "Carla"] {
        api.create_client()
            .body(
                NewClientParams::builder()
                    .first_name(first)
                    .last_name("Lima"),
            )
            .send()
            .await
            .expect("created");
    }
    api.create_client()
        .body(
            NewClientParams::builder()
                .first_name("Dora")
                .last_name("Sousa"),
        )
        .send()
        .await
        .expect("created");
    let first_page = api
        .list_clients()
        .q("lima")
        .limit(std::num::NonZeroU32::new(2).expect("2"))
        .send()
        .await
        .expect("listed")
        .into_inner();
    let cursor = first_page.next_cursor.clone().expect("a second page");
    let second_page = api
        .list_clients()
        .q("lima")
        .limit(std::num::NonZeroU32::new(2).expect("2"))
        .cursor(cursor)
        .send()
        .await
        .expect("listed")
        .into_inner();
    let mut names: Vec<String> = first_page
        .items
        .iter()
        .chain(&second_page.items)
        .map(|c| c.first_name.clone())
        .collect();
    names.sort();
    assert_eq!(first_page.items.len(), 2);
    assert_eq!(names, ["Ana", "Bruno", "Carla"]);
    assert_eq!(second_page.next_cursor, None);

    // A booking, paid with a stored card.
    let massage: AppointmentTypeView = api
        .create_appointment_type()
        .body(
            NewAppointmentTypeParams::builder()
                .name("Massage")
                .duration_minutes(60)
                .price("60.00"),
        )
        .send()
        .await
        .expect("a service")
        .into_inner();
    let booked = api
        .book_appointment()
        .idempotency_key("walk-through-booking")
        .body(
            BookingParams::builder()
                .appointment_type_id(massage.id)
                .starts_at(
                    "2031-03-04T10:00:00Z"
                        .parse::<chrono::DateTime<chrono::Utc>>()
                        .expect("a time"),
                )
                .client(BookingClientParams::builder().client_id(Some(ana.id))),
        )
        .send()
        .await
        .expect("booked")
        .into_inner();
    let card = api
        .store_card()
        .id(ana.id)
        .body(
            NewCardParams::builder()
                .number("4242 4242 4242 4242")
                .exp_month(12)
                .exp_year(2031)
                .cvc("123"),
        )
        .send()
        .await
        .expect("a card")
        .into_inner();
    api.charge_card()
        .id(booked.appointment.id)
        .idempotency_key("walk-through-charge")
        .body(CardChargeParams::builder().payment_method_id(card.id))
        .send()
        .await
        .expect("charged");
    let paid = api
        .get_appointment()
        .id(booked.appointment.id)
        .send()
        .await
        .expect("the appointment")
        .into_inner();
    assert_eq!(paid.payment_status, PaymentStatusView::Paid);

    // A change based on a stale version is a problem the client can read.
    let stale = api
        .update_client()
        .id(ana.id)
        .body(
            ClientChangesParams::builder()
                .version(ana.version)
                .last_name(Some("Costa".to_owned())),
        )
        .send()
        .await
        .expect_err("a stale version is refused");
    let Error::ErrorResponse(response) = stale else {
        panic!("a documented problem, got {stale:?}");
    };
    assert_eq!(response.status().as_u16(), 409);
    // The problem is `application/problem+json`: the generated client hands its bytes over.
    let bytes: Vec<bytes::Bytes> = response
        .into_inner()
        .into_inner()
        .try_collect()
        .await
        .expect("the body");
    let problem: Problem = serde_json::from_slice(&bytes.concat()).expect("a problem");
    assert_eq!(problem.status, 409);
    assert!(problem.detail.contains("version"), "{}", problem.detail);
}
