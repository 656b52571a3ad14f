//! PL-13, PL-14: sites and staff members, managed by the owner.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

#[tokio::test]
async fn pl_14_site_names_are_unique_in_a_business_ignoring_case_and_accents() {
    let app = spawn_app().await;
    app.create_site("Paris Opéra").await;

    let reply = app
        .post("/v1/sites", &app.owner, json!({ "name": "paris opera" }))
        .await;

    reply.assert_problem(409);
}

#[tokio::test]
async fn pl_14_a_site_is_renamed_based_on_its_version() {
    let app = spawn_app().await;
    let id = app.create_site("Annex").await;
    let path = format!("/v1/sites/{id}");

    let renamed = app
        .put(
            &path,
            &app.owner,
            json!({ "version": 1, "name": "Annexe", "address": "1 rue de la Paix" }),
        )
        .await;
    let stale = app
        .put(&path, &app.owner, json!({ "version": 1, "name": "Late" }))
        .await;

    renamed.assert_status(200);
    assert_eq!(renamed.at("/address"), &json!("1 rue de la Paix"));
    stale.assert_problem(409);
    assert_eq!(
        app.get(&path, &app.owner).await.at("/name"),
        &json!("Annexe")
    );
}

#[tokio::test]
async fn pl_14_a_site_with_clients_or_staff_or_the_last_site_cannot_be_deleted() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    let empty = app.create_site("Empty").await;
    app.create_client(
        &app.owner,
        json!({ "first_name": "A", "last_name": "B", "sites": [annex] }),
    )
    .await;

    app.delete(&format!("/v1/sites/{annex}"), &app.owner)
        .await
        .assert_problem(409);
    app.delete(&format!("/v1/sites/{empty}"), &app.owner)
        .await
        .assert_status(204);
    app.get(&format!("/v1/sites/{empty}"), &app.owner)
        .await
        .assert_problem(404);
    let staff_site = app.create_site("Staffed").await;
    app.staff_token("staff", "s@example.com", &[&staff_site])
        .await;
    app.delete(&format!("/v1/sites/{staff_site}"), &app.owner)
        .await
        .assert_problem(409);
    assert!(!main.is_empty());
}

#[tokio::test]
async fn pl_14_a_staff_member_lists_only_their_sites() {
    let app = spawn_app().await;
    let annex = app.create_site("Annex").await;
    let main = app.main_site().await;
    let staff = app.staff_token("staff", "s@example.com", &[&annex]).await;

    let sites = app.get("/v1/sites", &staff).await;

    assert_eq!(sites.at("/items").as_array().map(Vec::len), Some(1));
    assert_eq!(sites.at("/items/0/id"), &json!(annex));
    app.get(&format!("/v1/sites/{main}"), &staff)
        .await
        .assert_problem(403);
}

#[tokio::test]
async fn pl_13_staff_emails_are_unique_in_a_business_ignoring_case() {
    let app = spawn_app().await;
    app.post(
        "/v1/staff",
        &app.owner,
        json!({ "name": "Sam", "email": "sam@example.com", "role": "staff" }),
    )
    .await
    .assert_status(201);

    let reply = app
        .post(
            "/v1/staff",
            &app.owner,
            json!({ "name": "Sam 2", "email": "SAM@example.com", "role": "staff" }),
        )
        .await;

    reply.assert_problem(409);
}

#[tokio::test]
async fn pl_13_the_last_owner_can_be_neither_demoted_nor_removed() {
    let app = spawn_app().await;
    let me = app.get("/v1/me", &app.owner).await;
    let path = format!("/v1/staff/{}", me.str("/id"));

    let demoted = app
        .put(
            &path,
            &app.owner,
            json!({ "version": 1, "name": "Owner", "email": "owner@example.com", "role": "admin" }),
        )
        .await;
    let removed = app.delete(&path, &app.owner).await;

    demoted.assert_problem(409);
    removed.assert_problem(409);
    assert_eq!(
        app.get("/v1/me", &app.owner).await.at("/role"),
        &json!("owner")
    );
}

#[tokio::test]
async fn pl_13_removing_a_staff_member_revokes_their_tokens() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let token = app.staff_token("staff", "s@example.com", &[&site]).await;
    let me = app.get("/v1/me", &token).await;

    app.delete(&format!("/v1/staff/{}", me.str("/id")), &app.owner)
        .await
        .assert_status(204);

    app.get("/v1/me", &token).await.assert_problem(401);
}

#[tokio::test]
async fn pl_14_changing_a_members_sites_changes_what_they_see() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    app.create_client(
        &app.owner,
        json!({ "first_name": "M", "last_name": "M", "sites": [main] }),
    )
    .await;
    let token = app.staff_token("staff", "s@example.com", &[&annex]).await;
    assert!(app.all_client_ids("/v1/clients", &token).await.is_empty());
    let me = app.get("/v1/me", &token).await;

    app.put(
        &format!("/v1/staff/{}", me.str("/id")),
        &app.owner,
        json!({ "version": 1, "name": "S", "email": "s@example.com", "role": "staff", "sites": [main, annex] }),
    )
    .await
    .assert_status(200);

    assert_eq!(app.all_client_ids("/v1/clients", &token).await.len(), 1);
}

#[tokio::test]
async fn pl_14_a_member_on_an_unknown_site_is_refused() {
    let app = spawn_app().await;

    let reply = app
        .post(
            "/v1/staff",
            &app.owner,
            json!({ "name": "S", "email": "s@example.com", "role": "staff", "sites": [uuid::Uuid::now_v7()] }),
        )
        .await;

    reply.assert_problem(422);
    assert_eq!(reply.problem_fields(), ["sites"]);
}

#[tokio::test]
async fn pl_14_staff_may_not_move_a_client_off_a_site_they_cannot_access() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    let token = app.staff_token("staff", "s@example.com", &[&annex]).await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "A", "last_name": "B", "sites": [main, annex] }),
        )
        .await;
    let path = format!("/v1/clients/{}", client["id"].as_str().expect("id"));

    let reply = app
        .patch(&path, &token, json!({ "version": 1, "sites": [annex] }))
        .await;

    reply.assert_problem(403);
    assert_eq!(
        app.get(&path, &app.owner)
            .await
            .at("/sites")
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

/// Books `email`'s client into a new service at `site` (the client joins that site).
async fn book_at(app: &TestApp, site: &str, email: &str) {
    let service = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": format!("Massage {email}"), "duration_minutes": 60, "price": "60.00" }),
        )
        .await
        .str("/id");
    app.post(
        "/v1/appointments",
        &app.owner,
        json!({
            "appointment_type_id": service,
            "starts_at": "2026-12-01T09:00:00Z",
            "site_id": site,
            "client": { "email": email, "first_name": "A", "last_name": email },
        }),
    )
    .await
    .assert_status(201);
}

fn recipients(reply: &Reply) -> Vec<String> {
    let mut to: Vec<String> = reply
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["to"].as_str().expect("to").to_owned())
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn pl_14_an_admin_of_one_site_lists_only_that_sites_emails() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    book_at(&app, &main, "main@example.com").await;
    book_at(&app, &annex, "annex@example.com").await;
    let admin = app.staff_token("admin", "ada@example.com", &[&annex]).await;

    let seen = app.get("/v1/emails", &admin).await;
    let all = app.get("/v1/emails", &app.owner).await;

    seen.assert_status(200);
    assert_eq!(recipients(&seen), ["annex@example.com"]);
    assert_eq!(recipients(&all), ["annex@example.com", "main@example.com"]);
}

#[tokio::test]
async fn pl_14_cl_13_an_admin_of_one_site_exports_only_that_sites_opted_in_emails() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    let newsletter = app
        .post(
            "/v1/marketing-preferences",
            &app.owner,
            json!({ "name": "Newsletter" }),
        )
        .await
        .str("/id");
    for (site, email) in [(&main, "main@example.com"), (&annex, "annex@example.com")] {
        let client = app
            .create_client(
                &app.owner,
                json!({ "first_name": "A", "last_name": email, "email": email, "sites": [site] }),
            )
            .await;
        app.put(
            &format!(
                "/v1/clients/{}/marketing",
                client["id"].as_str().expect("id")
            ),
            &app.owner,
            json!({ "preference_id": newsletter, "opted_in": true }),
        )
        .await
        .assert_status(200);
    }
    let admin = app.staff_token("admin", "ada@example.com", &[&annex]).await;
    let path = format!("/v1/marketing-preferences/{newsletter}/opted-in");

    let seen = app.get(&path, &admin).await;
    let all = app.get(&path, &app.owner).await;

    seen.assert_status(200);
    let emails = |reply: &Reply| -> Vec<Value> {
        let mut items = reply.at("/items").as_array().expect("items").clone();
        items.sort_by_key(|i| i["email"].to_string());
        items.iter().map(|i| i["email"].clone()).collect()
    };
    assert_eq!(emails(&seen), [json!("annex@example.com")]);
    assert_eq!(
        emails(&all),
        [json!("annex@example.com"), json!("main@example.com")]
    );
}
