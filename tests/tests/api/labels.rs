//! CL-10, CL-11: labels defined by the business, put on clients in one request, and the
//! any-of / all-of filters of the client list.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn label(app: &TestApp, name: &str) -> String {
    let reply = app
        .post(
            "/v1/labels",
            &app.owner,
            json!({ "name": name, "colour": "#ffaa00" }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn client(app: &TestApp, last: &str) -> String {
    app.create_client(&app.owner, json!({ "first_name": "A", "last_name": last }))
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test]
async fn cl_11_labels_are_added_and_removed_in_one_request_as_an_administrative_change() {
    let app = spawn_app().await;
    let (vip, new) = (label(&app, "VIP").await, label(&app, "New").await);
    let id = client(&app, "Silva").await;
    let path = format!("/v1/clients/{id}/labels");

    let added = app
        .post(&path, &app.owner, json!({ "add": [vip, new] }))
        .await;
    let swapped = app
        .post(&path, &app.owner, json!({ "add": [], "remove": [new] }))
        .await;
    let unknown = app
        .post(&path, &app.owner, json!({ "add": [uuid::Uuid::now_v7()] }))
        .await;

    added.assert_status(200);
    assert_eq!(added.at("/labels").as_array().map(Vec::len), Some(2));
    assert_eq!(swapped.at("/labels"), &json!([vip]));
    assert_ne!(
        swapped.at("/admin_updated_at"),
        added.at("/admin_updated_at")
    );
    unknown.assert_problem(422);
    assert_eq!(unknown.problem_fields(), ["add"]);
    let stored = app.get(&format!("/v1/clients/{id}"), &app.owner).await;
    assert_eq!(stored.at("/labels"), &json!([vip]));
}

#[tokio::test]
async fn cl_11_label_names_are_unique_and_deleting_one_takes_it_off_clients() {
    let app = spawn_app().await;
    let vip = label(&app, "VIP").await;
    let id = client(&app, "Silva").await;
    app.post(
        &format!("/v1/clients/{id}/labels"),
        &app.owner,
        json!({ "add": [vip] }),
    )
    .await
    .assert_status(200);

    let duplicate = app
        .post(
            "/v1/labels",
            &app.owner,
            json!({ "name": "vip", "colour": "#000000" }),
        )
        .await;
    let bad = app
        .post(
            "/v1/labels",
            &app.owner,
            json!({ "name": "", "colour": "red" }),
        )
        .await;
    app.delete(&format!("/v1/labels/{vip}"), &app.owner)
        .await
        .assert_status(204);

    duplicate.assert_problem(409);
    bad.assert_problem(422);
    let stored = app.get(&format!("/v1/clients/{id}"), &app.owner).await;
    assert_eq!(stored.at("/labels"), &json!([]));
}

#[tokio::test]
async fn cl_10_the_list_filters_on_any_or_all_of_some_labels() {
    let app = spawn_app().await;
    let (a, b) = (label(&app, "A").await, label(&app, "B").await);
    let only_a = client(&app, "OnlyA").await;
    let both = client(&app, "Both").await;
    client(&app, "None").await;
    app.post(
        &format!("/v1/clients/{only_a}/labels"),
        &app.owner,
        json!({ "add": [a] }),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/v1/clients/{both}/labels"),
        &app.owner,
        json!({ "add": [a, b] }),
    )
    .await
    .assert_status(200);

    let any = app
        .all_client_ids(
            &format!("/v1/clients?labels_any={a}&labels_any={b}&limit=1"),
            &app.owner,
        )
        .await;
    let all = app
        .all_client_ids(
            &format!("/v1/clients?labels_all={a}&labels_all={b}"),
            &app.owner,
        )
        .await;
    let unknown = app
        .get(
            &format!("/v1/clients?labels_any={}", uuid::Uuid::now_v7()),
            &app.owner,
        )
        .await;
    let both_kinds = app
        .get(
            &format!("/v1/clients?labels_any={a}&labels_all={b}"),
            &app.owner,
        )
        .await;

    assert_eq!(any, [both.clone(), only_a]);
    assert_eq!(all, [both]);
    unknown.assert_problem(422);
    both_kinds.assert_problem(400);
}

#[tokio::test]
async fn pl_26_pl_13_labels_stay_in_their_business_and_staff_cannot_define_them() {
    let app = spawn_app().await;
    let vip = label(&app, "VIP").await;
    let other = app.other_business("Other").await;
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "s@example.com", &[&site]).await;
    let theirs = app
        .create_client(&other, json!({ "first_name": "B", "last_name": "C" }))
        .await;

    let listed = app.get("/v1/labels", &other).await;
    let used = app
        .post(
            &format!("/v1/clients/{}/labels", theirs["id"].as_str().expect("id")),
            &other,
            json!({ "add": [vip] }),
        )
        .await;
    let by_staff = app
        .post(
            "/v1/labels",
            &staff,
            json!({ "name": "X", "colour": "#000000" }),
        )
        .await;

    assert_eq!(listed.at("/items"), &json!([]));
    used.assert_problem(422);
    app.delete(&format!("/v1/labels/{vip}"), &other)
        .await
        .assert_problem(404);
    by_staff.assert_problem(403);
}

#[tokio::test]
async fn cl_14_every_profile_change_is_audited_field_by_field_newest_first() {
    let app = spawn_app().await;
    let vip = label(&app, "VIP").await;
    let created = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "ana@example.com" }),
        )
        .await;
    let id = created["id"].as_str().expect("id");
    app.patch(
        &format!("/v1/clients/{id}"),
        &app.owner,
        json!({ "version": 1, "last_name": "Souza", "email": null }),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/v1/clients/{id}/labels"),
        &app.owner,
        json!({ "add": [vip] }),
    )
    .await
    .assert_status(200);

    let audit = app
        .get(&format!("/v1/clients/{id}/audit"), &app.owner)
        .await;

    let entries: Vec<(String, String, serde_json::Value, serde_json::Value)> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["field"].as_str().unwrap_or("").to_owned(),
                e.get("old_value")
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
                e.get("new_value")
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
            )
        })
        .collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[0],
        ("updated".into(), "labels".into(), json!(null), json!(vip))
    );
    let older: Vec<_> = entries[1..].iter().map(|e| e.1.clone()).collect();
    assert!(older.contains(&"last_name".to_owned()) && older.contains(&"email".to_owned()));
    let email = entries
        .iter()
        .find(|e| e.1 == "email")
        .expect("email entry");
    assert_eq!(
        (email.2.clone(), email.3.clone()),
        (json!("ana@example.com"), json!(null))
    );
}

#[tokio::test]
async fn cl_9_cl_10_recent_banned_and_account_filters_combine_with_the_list() {
    let app = spawn_app().await;
    let kind = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": "Massage", "duration_minutes": 60, "price": "60.00" }),
        )
        .await
        .str("/id");
    let ten_days_ago = (chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339();
    let booked = app
        .post(
            "/v1/appointments",
            &app.owner,
            json!({ "appointment_type_id": kind, "starts_at": ten_days_ago,
                    "client": { "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" } }),
        )
        .await;
    booked.assert_status(201);
    let ana = booked.str("/client/id");
    let bruno = client(&app, "Bruno").await;
    app.post(&format!("/v1/clients/{bruno}/ban"), &app.owner, json!({}))
        .await
        .assert_status(200);

    let recent = app
        .all_client_ids("/v1/clients?recent_days=30", &app.owner)
        .await;
    let banned = app
        .all_client_ids("/v1/clients?banned=true", &app.owner)
        .await;
    let not_banned_recent = app
        .all_client_ids("/v1/clients?banned=false&recent_days=30", &app.owner)
        .await;
    let with_account = app
        .all_client_ids("/v1/clients?has_account=true", &app.owner)
        .await;
    let too_short = app.get("/v1/clients?recent_days=29", &app.owner).await;
    let too_long = app.get("/v1/clients?inactive_days=731", &app.owner).await;
    let both = app
        .get("/v1/clients?recent_days=30&inactive_days=30", &app.owner)
        .await;

    assert_eq!(recent, std::slice::from_ref(&ana));
    assert_eq!(banned, [bruno]);
    assert_eq!(not_banned_recent, [ana]);
    assert!(with_account.is_empty());
    too_short.assert_problem(422);
    assert_eq!(too_short.problem_fields(), ["recent_days"]);
    too_long.assert_problem(422);
    both.assert_problem(422);
}
