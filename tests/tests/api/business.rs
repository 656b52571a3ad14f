//! PL-26 settings: the owner reads and changes their business's settings.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn pl_26_the_owner_changes_the_settings_based_on_their_version() {
    let app = spawn_app().await;
    let before = app.get("/v1/business", &app.owner).await;
    before.assert_status(200);
    assert_eq!(before.at("/time_zone"), &json!("UTC"));

    let after = app
        .patch(
            "/v1/business",
            &app.owner,
            json!({ "version": 1, "name": "Studio Nord", "time_zone": "Europe/Paris", "currency": "EUR" }),
        )
        .await;
    let stale = app
        .patch(
            "/v1/business",
            &app.owner,
            json!({ "version": 1, "name": "Late" }),
        )
        .await;

    after.assert_status(200);
    assert_eq!(after.at("/name"), &json!("Studio Nord"));
    assert_eq!(after.at("/time_zone"), &json!("Europe/Paris"));
    assert_eq!(after.at("/version"), &json!(2));
    stale.assert_problem(409);
    assert_eq!(
        app.get("/v1/business", &app.owner).await.at("/name"),
        &json!("Studio Nord")
    );
}

#[tokio::test]
async fn pl_23_invalid_settings_are_a_422_and_change_nothing() {
    let app = spawn_app().await;

    let reply = app
        .patch(
            "/v1/business",
            &app.owner,
            json!({ "version": 1, "time_zone": "Paris", "currency": "euro" }),
        )
        .await;

    reply.assert_problem(422);
    assert_eq!(reply.problem_fields(), ["time_zone", "currency"]);
    assert_eq!(
        app.get("/v1/business", &app.owner).await.at("/version"),
        &json!(1)
    );
}

#[tokio::test]
async fn cl_1_client_since_is_the_day_in_the_business_time_zone() {
    let app = spawn_app().await;
    app.patch(
        "/v1/business",
        &app.owner,
        json!({ "version": 1, "time_zone": "Pacific/Kiritimati" }),
    )
    .await
    .assert_status(200);

    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await;

    // UTC+14 all year: the business's day is the UTC instant moved 14 hours ahead.
    let created: chrono::DateTime<chrono::Utc> = client["created_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("created_at");
    let expected = (created + chrono::Duration::hours(14)).date_naive();
    assert_eq!(client["client_since"], json!(expected.to_string()));
}
