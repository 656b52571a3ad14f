//! PL-26: one deployment, many businesses, and none sees or touches another's records.
//! Another business's ids answer 404, never 403, so their existence is not revealed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn pl_26_two_businesses_never_see_each_others_clients_sites_or_staff() {
    let app = spawn_app().await;
    let other = app.other_business("Other spa").await;
    let a_client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await;
    let a_client_id = a_client["id"].as_str().expect("id");
    let a_site = app.main_site().await;
    let a_staff = app
        .post(
            "/v1/staff",
            &app.owner,
            json!({ "name": "Sam", "email": "sam@example.com", "role": "staff", "sites": [a_site] }),
        )
        .await
        .str("/id");
    let a_token = app.get("/v1/tokens", &app.owner).await.str("/items/0/id");

    // Lists hold only the business's own records.
    assert!(app.all_client_ids("/v1/clients", &other).await.is_empty());
    let other_sites = app.get("/v1/sites", &other).await;
    assert!(!other_sites.body.to_string().contains(&a_site));
    let other_staff = app.get("/v1/staff", &other).await;
    assert!(!other_staff.body.to_string().contains(&a_staff));
    let other_tokens = app.get("/v1/tokens", &other).await;
    assert!(!other_tokens.body.to_string().contains(&a_token));

    // Direct access by id is a 404, for reads and writes alike.
    for path in [
        format!("/v1/clients/{a_client_id}"),
        format!("/v1/sites/{a_site}"),
        format!("/v1/staff/{a_staff}"),
    ] {
        app.get(&path, &other).await.assert_problem(404);
    }
    app.patch(
        &format!("/v1/clients/{a_client_id}"),
        &other,
        json!({ "version": 1, "first_name": "Hacked" }),
    )
    .await
    .assert_problem(404);
    app.put(
        &format!("/v1/sites/{a_site}"),
        &other,
        json!({ "version": 1, "name": "Hacked" }),
    )
    .await
    .assert_problem(404);
    app.delete(&format!("/v1/staff/{a_staff}"), &other)
        .await
        .assert_problem(404);
    app.delete(&format!("/v1/tokens/{a_token}"), &other)
        .await
        .assert_problem(404);
    app.delete(&format!("/v1/sites/{a_site}"), &other)
        .await
        .assert_problem(404);

    // Another business's site cannot be used either.
    app.post(
        "/v1/clients",
        &other,
        json!({ "first_name": "Bo", "last_name": "Li", "sites": [a_site] }),
    )
    .await
    .assert_problem(422);
    app.post(
        "/v1/staff",
        &other,
        json!({ "name": "Spy", "email": "spy@example.com", "role": "staff", "sites": [a_site] }),
    )
    .await
    .assert_problem(422);

    // And nothing of the first business changed.
    let still = app
        .get(&format!("/v1/clients/{a_client_id}"), &app.owner)
        .await;
    assert_eq!(still.body, a_client);
    app.get(&format!("/v1/staff/{a_staff}"), &app.owner)
        .await
        .assert_status(200);
    app.get("/v1/me", &app.owner).await.assert_status(200);
}

#[tokio::test]
async fn pl_26_the_same_names_and_emails_may_exist_in_two_businesses() {
    let app = spawn_app().await;
    let other = app.other_business("Other spa").await;

    for token in [&app.owner, &other] {
        app.post("/v1/sites", token, json!({ "name": "Annex" }))
            .await
            .assert_status(201);
        app.post(
            "/v1/staff",
            token,
            json!({ "name": "Sam", "email": "sam@example.com", "role": "admin" }),
        )
        .await
        .assert_status(201);
    }
}

#[tokio::test]
async fn pl_26_the_operator_lists_every_business() {
    let app = spawn_app().await;
    app.other_business("Second").await;
    app.other_business("Third").await;

    let page = app
        .get(
            "/v1/operator/businesses?limit=2",
            crate::helpers::OPERATOR_TOKEN,
        )
        .await;
    let rest = app
        .get(
            &format!(
                "/v1/operator/businesses?limit=2&cursor={}",
                page.str("/next_cursor")
            ),
            crate::helpers::OPERATOR_TOKEN,
        )
        .await;

    assert_eq!(page.at("/items").as_array().map(Vec::len), Some(2));
    assert_eq!(rest.at("/items").as_array().map(Vec::len), Some(1));
    assert_eq!(rest.at("/items/0/name"), &json!("Third"));
}

#[tokio::test]
async fn pl_26_a_new_business_gets_its_settings_site_and_owner() {
    let app = spawn_app().await;

    let founded = app
        .post(
            "/v1/operator/businesses",
            crate::helpers::OPERATOR_TOKEN,
            json!({
                "name": "Spa Lumière",
                "time_zone": "Europe/Paris",
                "currency": "CHF",
                "site_name": "Genève",
                "owner": { "name": "Inès", "email": "ines@lumiere.example" },
            }),
        )
        .await;
    let bad = app
        .post(
            "/v1/operator/businesses",
            crate::helpers::OPERATOR_TOKEN,
            json!({ "name": "", "time_zone": "Mars/Base", "currency": "XYZ", "owner": { "name": "", "email": "no" } }),
        )
        .await;

    founded.assert_status(201);
    assert_eq!(founded.at("/business/time_zone"), &json!("Europe/Paris"));
    assert_eq!(founded.at("/business/currency"), &json!("CHF"));
    assert_eq!(founded.at("/site/name"), &json!("Genève"));
    assert_eq!(founded.at("/owner/role"), &json!("owner"));
    let token = founded.str("/owner_token/secret");
    let settings = app.get("/v1/business", &token).await;
    assert_eq!(settings.at("/name"), &json!("Spa Lumière"));
    bad.assert_problem(422);
    assert_eq!(
        bad.problem_fields(),
        ["name", "time_zone", "currency", "owner.name", "owner.email"]
    );
}

#[tokio::test]
async fn pl_9_pl_26_a_cursor_holds_no_name_and_opens_only_for_its_own_business() {
    let app = spawn_app().await;
    let other = app.other_business("Other spa").await;
    for (first, last) in [("Ana", "Zimmermann"), ("Bea", "Zimmermann")] {
        app.create_client(
            &app.owner,
            json!({ "first_name": first, "last_name": last }),
        )
        .await;
        app.create_client(&other, json!({ "first_name": first, "last_name": last }))
            .await;
    }
    let cursor = app
        .get("/v1/clients?limit=1", &app.owner)
        .await
        .str("/next_cursor");
    // The old, unsealed form of a cursor, with a NUL byte PostgreSQL refuses in text.
    let forged = "eyJsaXN0IjoiY2xpZW50czpsYXN0X25hbWUiLCJhZnRlciI6WyJ6aW1tXHUwMDAwIiwiYSIsIjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJdfQ";

    let own = app
        .get(&format!("/v1/clients?limit=1&cursor={cursor}"), &app.owner)
        .await;
    let foreign = app
        .get(&format!("/v1/clients?limit=1&cursor={cursor}"), &other)
        .await;
    let nul = app
        .get(&format!("/v1/clients?limit=1&cursor={forged}"), &app.owner)
        .await;

    let bytes = URL_SAFE_NO_PAD.decode(&cursor).expect("base64url");
    let text = String::from_utf8_lossy(&bytes).to_lowercase();
    assert!(!text.contains("zimm") && !text.contains("ana"), "{text}");
    own.assert_status(200);
    assert_eq!(own.at("/items/0/first_name"), &json!("Bea"));
    foreign.assert_problem(400);
    nul.assert_problem(400);
}
