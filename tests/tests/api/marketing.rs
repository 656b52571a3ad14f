//! CL-13 and CL-10: marketing preferences, consent evidence, the opted-in filter and the
//! export of opted-in emails.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn preference(app: &TestApp, name: &str) -> String {
    let reply = app
        .post(
            "/v1/marketing-preferences",
            &app.owner,
            json!({ "name": name }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn client(app: &TestApp, last: &str, email: Option<&str>) -> String {
    app.create_client(
        &app.owner,
        json!({ "first_name": "A", "last_name": last, "email": email }),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test]
async fn cl_13_every_opt_in_and_opt_out_is_kept_with_time_source_and_actor() {
    let app = spawn_app().await;
    let newsletter = preference(&app, "Newsletter").await;
    let id = client(&app, "Silva", Some("ana@example.com")).await;
    let path = format!("/v1/clients/{id}/marketing");

    app.put(
        &path,
        &app.owner,
        json!({ "preference_id": newsletter, "opted_in": true }),
    )
    .await
    .assert_status(200);
    let out = app
        .put(
            &path,
            &app.owner,
            json!({ "preference_id": newsletter, "opted_in": false }),
        )
        .await;
    let same = app
        .put(
            &path,
            &app.owner,
            json!({ "preference_id": newsletter, "opted_in": false }),
        )
        .await;
    let unknown = app
        .put(
            &path,
            &app.owner,
            json!({ "preference_id": uuid::Uuid::now_v7(), "opted_in": true }),
        )
        .await;

    out.assert_status(200);
    assert_eq!(
        out.at("/current"),
        &json!([{ "preference_id": newsletter, "opted_in": false }])
    );
    let history = out.at("/history").as_array().cloned().unwrap_or_default();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["opted_in"], json!(false));
    assert_eq!(history[1]["opted_in"], json!(true));
    assert_eq!(history[0]["source"], json!("staff"));
    assert!(history[0]["actor_id"].is_string());
    assert_eq!(same.at("/history").as_array().map(Vec::len), Some(2));
    unknown.assert_problem(422);
}

#[tokio::test]
async fn cl_13_cl_10_opted_in_clients_are_filtered_and_their_emails_exported() {
    let app = spawn_app().await;
    let newsletter = preference(&app, "Newsletter").await;
    let sms = preference(&app, "SMS offers").await;
    let ana = client(&app, "Ana", Some("ana@example.com")).await;
    let bo = client(&app, "Bo", Some("bo@example.com")).await;
    let no_email = client(&app, "NoEmail", None).await;
    for (id, preference, opted_in) in [
        (&ana, &newsletter, true),
        (&bo, &newsletter, true),
        (&bo, &newsletter, false),
        (&no_email, &newsletter, true),
        (&bo, &sms, true),
    ] {
        app.put(
            &format!("/v1/clients/{id}/marketing"),
            &app.owner,
            json!({ "preference_id": preference, "opted_in": opted_in }),
        )
        .await
        .assert_status(200);
    }
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "s@example.com", &[&site]).await;

    let filtered = app
        .all_client_ids(&format!("/v1/clients?opted_in={newsletter}"), &app.owner)
        .await;
    let export = app
        .get(
            &format!("/v1/marketing-preferences/{newsletter}/opted-in?limit=1"),
            &app.owner,
        )
        .await;
    let by_staff = app
        .get(
            &format!("/v1/marketing-preferences/{newsletter}/opted-in"),
            &staff,
        )
        .await;
    let duplicate = app
        .post(
            "/v1/marketing-preferences",
            &app.owner,
            json!({ "name": "newsletter" }),
        )
        .await;

    // Sorted by last name: "Ana", then "NoEmail"; Bo opted out again.
    assert_eq!(filtered, [ana.clone(), no_email]);
    assert_eq!(
        export.at("/items"),
        &json!([{ "client_id": ana, "email": "ana@example.com" }])
    );
    assert!(export.at("/next_cursor").is_null());
    by_staff.assert_problem(403);
    duplicate.assert_problem(409);
}
