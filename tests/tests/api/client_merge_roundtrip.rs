//! CL-17, CL-23, CL-25: a merge then its undo gives both profiles back exactly: their data
//! access exports are the same before and after, but for what a merge and its undo are
//! meant to leave (the profile's version and change times, and the audit entries of the
//! merge and of its undo).

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let reply = app.post(path, &app.owner, body).await;
    assert!((200..300).contains(&reply.status), "{path}: {reply:?}");
    reply.body
}

/// A client with a record of every kind; their id.
async fn client_with_everything(
    t: &TestApp,
    n: u32,
    service: &str,
    field: &str,
    label: &Value,
    preference: &Value,
    kind: &Value,
) -> String {
    let mut values = serde_json::Map::new();
    values.insert(field.to_owned(), json!(format!("Tea {n}")));
    let id = t
        .create_client(
            &t.owner,
            json!({ "first_name": format!("Ana{n}"), "last_name": "Silva",
                    "email": format!("ana{n}@example.com"), "phone": format!("06 12 34 56 7{n}"),
                    "client_notes": format!("Notes {n}"), "custom_fields": values }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let visit = t
        .book_for(service, &id, &format!("2026-12-0{n}T09:00:00Z"))
        .await;
    created(
        t,
        &format!("/v1/appointments/{visit}/payments/in-person"),
        json!({}),
    )
    .await;
    created(
        t,
        &format!("/v1/clients/{id}/notes"),
        json!({ "text": format!("Note {n}") }),
    )
    .await;
    created(
        t,
        &format!("/v1/clients/{id}/documents"),
        json!({ "name": format!("form{n}.pdf"), "content_type": "application/pdf",
                "content_base64": "JVBERi0xLjQK" }),
    )
    .await;
    created(
        t,
        &format!("/v1/clients/{id}/cards"),
        json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
    )
    .await;
    created(
        t,
        &format!("/v1/clients/{id}/credits"),
        json!({ "count": n }),
    )
    .await;
    t.put(
        &format!("/v1/clients/{id}/marketing"),
        &t.owner,
        json!({ "preference_id": preference["id"], "opted_in": n.is_multiple_of(2) }),
    )
    .await
    .assert_status(200);
    created(
        t,
        &format!("/v1/clients/{id}/labels"),
        json!({ "add": [label["id"]] }),
    )
    .await;
    let product = created(
        t,
        "/v1/products",
        json!({ "name": format!("Pack {n}"), "kind": "package", "appointments": 5, "price": "250.00" }),
    )
    .await;
    created(
        t,
        "/v1/orders",
        json!({ "product_id": product["id"], "client_id": id, "method": "manual" }),
    )
    .await;
    created(
        t,
        "/v1/memberships",
        json!({ "client_id": id, "type_id": kind["id"], "payment_method": "manual",
                "start_date": chrono::Utc::now().date_naive().to_string() }),
    )
    .await;
    id
}

/// A client's data access export without what a merge and its undo may change.
async fn export(t: &TestApp, id: &str) -> Value {
    let reply = t.get(&format!("/v1/clients/{id}/data"), &t.owner).await;
    reply.assert_status(200);
    let mut data = reply.body;
    for moving in ["version", "updated_at", "admin_updated_at"] {
        data["client"]
            .as_object_mut()
            .expect("a client")
            .remove(moving);
    }
    let audit = data["audit"].as_array().cloned().unwrap_or_default();
    data["audit"] = audit
        .into_iter()
        .filter(|e| !matches!(e["action"].as_str(), Some("merged" | "unmerged")))
        .collect();
    data
}

#[tokio::test]
async fn cl_23_merge_then_undo_gives_both_profiles_back_exactly() {
    // Arrange: two profiles, each with a record of every kind.
    let t = spawn_app().await;
    let service = t.create_service("Massage").await;
    let field = created(
        &t,
        "/v1/custom-fields",
        json!({ "name": "Drink", "kind": "text" }),
    )
    .await;
    let field = field["id"].as_str().expect("an id").to_owned();
    let label = created(
        &t,
        "/v1/labels",
        json!({ "name": "VIP", "colour": "#ffaa00" }),
    )
    .await;
    let preference = created(&t, "/v1/marketing-preferences", json!({ "name": "News" })).await;
    let kind = created(
        &t,
        "/v1/membership-types",
        json!({ "name": "Monthly", "rate": "49.90", "period_unit": "month", "payment_method": "manual" }),
    )
    .await;
    let kept = client_with_everything(&t, 1, &service, &field, &label, &preference, &kind).await;
    let absorbed =
        client_with_everything(&t, 2, &service, &field, &label, &preference, &kind).await;
    let (kept_before, absorbed_before) = (export(&t, &kept).await, export(&t, &absorbed).await);
    let version = t
        .get(&format!("/v1/clients/{kept}"), &t.owner)
        .await
        .at("/version")
        .clone();

    // Act
    let merged = created(
        &t,
        &format!("/v1/clients/{kept}/merge"),
        json!({ "version": version, "absorb": [absorbed] }),
    )
    .await;
    let during = export(&t, &kept).await;
    let merge = merged["merge"]["id"].as_str().expect("a merge");
    created(&t, &format!("/v1/client-merges/{merge}/undo"), json!({})).await;

    // Assert: the merge did move things; the undo brought everything back.
    assert_eq!(during["appointments"].as_array().map(Vec::len), Some(2));
    assert_eq!(export(&t, &kept).await, kept_before);
    assert_eq!(export(&t, &absorbed).await, absorbed_before);
}
