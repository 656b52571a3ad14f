//! AP-9 and CL-12: a client's contact card (previous bookings, notes, documents), notes
//! and documents, within the caller's business (PL-26) and sites (PL-14).

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const EARLIER: &str = "2026-12-01T09:00:00Z";
const LATER: &str = "2026-12-08T14:30:00Z";

/// Books a massage for `client` at `starts_at` and returns the appointment's id.
async fn book(app: &TestApp, kind: &str, client: &str, starts_at: &str) -> String {
    let reply = app
        .post(
            "/v1/appointments",
            &app.owner,
            json!({ "appointment_type_id": kind, "starts_at": starts_at, "client": { "client_id": client } }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/appointment/id")
}

async fn massage(app: &TestApp) -> String {
    let reply = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": "Massage", "duration_minutes": 60, "price": "60.00" }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn ana(app: &TestApp) -> String {
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "ana@example.com" }),
        )
        .await;
    client["id"].as_str().expect("id").to_owned()
}

/// The standard base64 of `bytes` (a tiny encoder, so the tests do not share the API's).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn upload(
    app: &TestApp,
    token: &str,
    client: &str,
    name: &str,
    kind: &str,
    bytes: &[u8],
) -> crate::helpers::Reply {
    app.post(
        &format!("/v1/clients/{client}/documents"),
        token,
        json!({ "name": name, "content_type": kind, "content_base64": base64(bytes) }),
    )
    .await
}

/// The raw answer of a document's content: status, content type, bytes.
async fn download(
    app: &TestApp,
    token: &str,
    client: &str,
    document: &str,
) -> (u16, String, Vec<u8>) {
    let response = app
        .client
        .get(format!("/v1/clients/{client}/documents/{document}/content"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .0;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.into_body().into_vec().await.expect("a body");
    (status, content_type, bytes)
}

async fn card(app: &TestApp, token: &str, client: &str) -> crate::helpers::Reply {
    app.get(&format!("/v1/clients/{client}/card"), token).await
}

fn list(reply: &crate::helpers::Reply, pointer: &str) -> Vec<Value> {
    reply.at(pointer).as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn ap_9_the_card_lists_previous_bookings_newest_first_with_notes_and_documents() {
    // Arrange
    let app = spawn_app().await;
    let me = app.get("/v1/me", &app.owner).await.str("/id");
    let kind = massage(&app).await;
    let client = ana(&app).await;
    let earlier = book(&app, &kind, &client, EARLIER).await;
    let later = book(&app, &kind, &client, LATER).await;
    let first = app
        .post(
            &format!("/v1/clients/{client}/notes"),
            &app.owner,
            json!({ "text": "  Prefers mornings.\nAllergic to almond oil.  " }),
        )
        .await;
    let second = app
        .post(
            &format!("/v1/clients/{client}/notes"),
            &app.owner,
            json!({ "text": "Called to confirm." }),
        )
        .await;
    let document = upload(
        &app,
        &app.owner,
        &client,
        "consent.pdf",
        "Application/PDF",
        b"%PDF-1.7",
    )
    .await;

    // Act
    let reply = card(&app, &app.owner, &client).await;

    // Assert
    first.assert_status(201);
    assert_eq!(
        first.at("/text"),
        &json!("Prefers mornings.\nAllergic to almond oil.")
    );
    assert_eq!(first.at("/author_id"), &json!(me));
    second.assert_status(201);
    document.assert_status(201);
    assert_eq!(document.at("/content_type"), &json!("application/pdf"));
    assert_eq!(document.at("/size_bytes"), &json!(8));
    reply.assert_status(200);
    assert_eq!(reply.at("/client/id"), &json!(client));
    let bookings: Vec<Value> = list(&reply, "/appointments")
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(bookings, [json!(later), json!(earlier)]);
    assert_eq!(
        reply.at("/appointments/0/starts_at"),
        &json!("2026-12-08T14:30:00+00:00")
    );
    let notes = list(&reply, "/notes");
    assert_eq!(notes.len(), 2);
    assert_eq!(
        notes[0], second.body,
        "the newest note first, as it was answered"
    );
    assert_eq!(notes[1], first.body);
    assert_eq!(notes[1]["author_id"], json!(me));
    assert!(notes[1]["created_at"].is_string());
    let documents = list(&reply, "/documents");
    assert_eq!(documents, std::slice::from_ref(&document.body));
    assert_eq!(documents[0]["name"], json!("consent.pdf"));
    assert!(documents[0].get("content_base64").is_none());
}

#[tokio::test]
async fn ap_9_a_documents_content_round_trips_byte_for_byte_with_its_content_type() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let bytes: Vec<u8> = (0..=255_u8)
        .rev()
        .chain(0..=255)
        .chain([0, 0, 0xFF])
        .collect();
    let uploaded = upload(&app, &app.owner, &client, "scan.png", "image/png", &bytes).await;
    uploaded.assert_status(201);

    let (status, content_type, content) =
        download(&app, &app.owner, &client, &uploaded.str("/id")).await;

    assert_eq!(status, 200);
    assert_eq!(content_type, "image/png");
    assert_eq!(content, bytes);
}

#[tokio::test]
async fn ap_9_an_uploaded_page_or_script_is_served_as_bytes_that_no_browser_runs() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let page = upload(
        &app,
        &app.owner,
        &client,
        "invoice.html",
        "text/html",
        b"<script>alert(1)</script>",
    )
    .await;
    page.assert_status(201);

    let response = app
        .client
        .get(format!(
            "/v1/clients/{client}/documents/{}/content",
            page.str("/id")
        ))
        .header("authorization", format!("Bearer {}", app.owner))
        .send()
        .await
        .0;

    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-disposition"), "attachment");
}

#[tokio::test]
async fn ap_9_a_too_large_or_malformed_document_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let too_large = vec![7_u8; 10 * 1024 * 1024 + 1];

    let large = upload(
        &app,
        &app.owner,
        &client,
        "big.bin",
        "application/octet-stream",
        &too_large,
    )
    .await;
    let malformed = app
        .post(
            &format!("/v1/clients/{client}/documents"),
            &app.owner,
            json!({ "name": "a.pdf", "content_type": "application/pdf", "content_base64": "not base64!" }),
        )
        .await;
    let bad_fields = upload(&app, &app.owner, &client, "a/b.pdf", "pdf", b"x").await;
    let exactly_max = upload(
        &app,
        &app.owner,
        &client,
        "max.bin",
        "application/octet-stream",
        &too_large[1..],
    )
    .await;

    large.assert_problem(422);
    assert_eq!(large.problem_fields(), ["content"]);
    malformed.assert_problem(422);
    assert_eq!(malformed.problem_fields(), ["content_base64"]);
    bad_fields.assert_problem(422);
    assert_eq!(bad_fields.problem_fields(), ["name", "content_type"]);
    exactly_max.assert_status(201);
    let documents = list(&card(&app, &app.owner, &client).await, "/documents");
    assert_eq!(documents.len(), 1, "only the 10 MiB document is kept");
    assert_eq!(app.blob_dir.files().len(), 1, "{:?}", app.blob_dir.files());
}

#[tokio::test]
async fn cl_12_a_blank_overlong_or_nul_note_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let path = format!("/v1/clients/{client}/notes");

    let blank = app
        .post(&path, &app.owner, json!({ "text": " \n\t " }))
        .await;
    let nul = app
        .post(&path, &app.owner, json!({ "text": "a\u{0}b" }))
        .await;
    let long = app
        .post(&path, &app.owner, json!({ "text": "x".repeat(5001) }))
        .await;
    let number = app.post(&path, &app.owner, json!({ "text": 42 })).await;

    for reply in [&blank, &nul, &long] {
        reply.assert_problem(422);
        assert_eq!(reply.problem_fields(), ["text"]);
    }
    number.assert_problem(400);
    assert!(list(&card(&app, &app.owner, &client).await, "/notes").is_empty());
}

#[tokio::test]
async fn pl_26_another_business_gets_404_for_the_card_notes_and_documents() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let document = upload(
        &app,
        &app.owner,
        &client,
        "a.pdf",
        "application/pdf",
        b"%PDF",
    )
    .await;
    document.assert_status(201);
    let other = app.other_business("Other Spa").await;

    let read = card(&app, &other, &client).await;
    let note = app
        .post(
            &format!("/v1/clients/{client}/notes"),
            &other,
            json!({ "text": "Hello" }),
        )
        .await;
    let uploaded = upload(&app, &other, &client, "b.pdf", "application/pdf", b"%PDF").await;
    let (content_status, _, _) = download(&app, &other, &client, &document.str("/id")).await;

    read.assert_problem(404);
    note.assert_problem(404);
    uploaded.assert_problem(404);
    assert_eq!(content_status, 404);
    let mine = card(&app, &app.owner, &client).await;
    assert!(list(&mine, "/notes").is_empty());
    assert_eq!(list(&mine, "/documents").len(), 1);
    assert_eq!(app.blob_dir.files().len(), 1);
}

#[tokio::test]
async fn pl_14_a_client_of_another_site_answers_404_to_a_staff_member_limited_to_one() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let document = upload(
        &app,
        &app.owner,
        &client,
        "a.pdf",
        "application/pdf",
        b"%PDF",
    )
    .await;
    document.assert_status(201);
    let elsewhere = app.create_site("Lyon").await;
    let staff = app
        .staff_token("staff", "lyon@example.com", &[&elsewhere])
        .await;

    let read = card(&app, &staff, &client).await;
    let note = app
        .post(
            &format!("/v1/clients/{client}/notes"),
            &staff,
            json!({ "text": "Hello" }),
        )
        .await;
    let uploaded = upload(&app, &staff, &client, "b.pdf", "application/pdf", b"%PDF").await;
    let (content_status, _, _) = download(&app, &staff, &client, &document.str("/id")).await;

    read.assert_problem(404);
    note.assert_problem(404);
    uploaded.assert_problem(404);
    assert_eq!(content_status, 404);
    let mine = card(&app, &app.owner, &client).await;
    assert!(list(&mine, "/notes").is_empty());
    assert_eq!(list(&mine, "/documents").len(), 1);
}

#[tokio::test]
async fn pl_14_a_staff_member_of_the_clients_site_sees_the_card_and_writes_notes() {
    let app = spawn_app().await;
    let client = ana(&app).await;
    let site = app.main_site().await;
    let staff = app
        .staff_token("staff", "front@example.com", &[&site])
        .await;
    let me = app.get("/v1/me", &staff).await.str("/id");

    let note = app
        .post(
            &format!("/v1/clients/{client}/notes"),
            &staff,
            json!({ "text": "Walk-in" }),
        )
        .await;
    let read = card(&app, &staff, &client).await;

    note.assert_status(201);
    read.assert_status(200);
    assert_eq!(read.at("/notes/0/author_id"), &json!(me));
}
