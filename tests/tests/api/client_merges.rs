//! CL-17 and CL-23: merging duplicate profiles, the pointer an absorbed id answers with,
//! and undoing a merge with exactly the records each profile brought.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

async fn client(app: &TestApp, first: &str, email: &str) -> Value {
    app.create_client(
        &app.owner,
        json!({ "first_name": first, "last_name": "Silva", "email": email }),
    )
    .await
}

async fn note(app: &TestApp, client: &str, text: &str) -> String {
    let reply = app
        .post(
            &format!("/v1/clients/{client}/notes"),
            &app.owner,
            json!({ "text": text }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn label(app: &TestApp, client: &str, name: &str) -> String {
    let reply = app
        .post(
            "/v1/labels",
            &app.owner,
            json!({ "name": name, "colour": "#ffaa00" }),
        )
        .await;
    reply.assert_status(201);
    let id = reply.str("/id");
    app.post(
        &format!("/v1/clients/{client}/labels"),
        &app.owner,
        json!({ "add": [id] }),
    )
    .await
    .assert_status(200);
    id
}

/// The ids at `pointer` (an array of objects with an `id`) of a client's card.
async fn card_ids(app: &TestApp, client: &str, pointer: &str) -> Vec<String> {
    let reply = app
        .get(&format!("/v1/clients/{client}/card"), &app.owner)
        .await;
    reply.assert_status(200);
    let mut ids: Vec<String> = (reply.at(pointer).as_array().cloned().unwrap_or_default())
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn merge(app: &TestApp, kept: &Value, absorb: &[&str]) -> Reply {
    let id = kept["id"].as_str().expect("an id");
    app.post(
        &format!("/v1/clients/{id}/merge"),
        &app.owner,
        json!({ "version": kept["version"], "absorb": absorb }),
    )
    .await
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn cl_17_a_merge_moves_the_records_unites_labels_and_the_absorbed_id_points_to_the_kept_one()
{
    // Arrange: two profiles of one person, each with an appointment, a note and a label.
    let app = spawn_app().await;
    let kind = app.create_service("Massage").await;
    let kept = client(&app, "Ana", "ana@example.com").await;
    let dup = client(&app, "Anna", "anna.silva@example.com").await;
    let (kept_id, dup_id) = (kept["id"].as_str().unwrap(), dup["id"].as_str().unwrap());
    let kept_visit = app.book_for(&kind, kept_id, "2026-12-01T09:00:00Z").await;
    let dup_visit = app.book_for(&kind, dup_id, "2026-12-02T09:00:00Z").await;
    let kept_note = note(&app, kept_id, "Prefers mornings.").await;
    let dup_note = note(&app, dup_id, "Allergic to almond oil.").await;
    let vip = label(&app, kept_id, "VIP").await;
    let regular = label(&app, dup_id, "Regular").await;
    let kept = app
        .get(&format!("/v1/clients/{kept_id}"), &app.owner)
        .await
        .body;

    // Act
    let merged = merge(&app, &kept, &[dup_id]).await;
    let pointer = app.get(&format!("/v1/clients/{dup_id}"), &app.owner).await;

    // Assert
    merged.assert_status(200);
    assert_eq!(merged.at("/kept/email"), &json!("ana@example.com"));
    assert_eq!(merged.at("/kept/first_name"), &json!("Ana"));
    assert_eq!(merged.at("/merge/absorbed_ids"), &json!([dup_id]));
    let labels: Vec<String> = serde_json::from_value(merged.at("/kept/labels").clone()).unwrap();
    assert_eq!(sorted(labels), sorted(vec![vip, regular]));
    assert_eq!(
        card_ids(&app, kept_id, "/appointments").await,
        sorted(vec![kept_visit, dup_visit])
    );
    assert_eq!(
        card_ids(&app, kept_id, "/notes").await,
        sorted(vec![kept_note, dup_note])
    );
    pointer.assert_status(301);
    assert_eq!(pointer.at("/merged_into"), &json!(kept_id));
    assert_eq!(
        app.all_client_ids("/v1/clients?site=all", &app.owner).await,
        [kept_id]
    );
    let audit = app
        .get(&format!("/v1/clients/{kept_id}/audit"), &app.owner)
        .await;
    assert_eq!(audit.at("/0/action"), &json!("merged"), "{:#}", audit.body);
    assert_eq!(audit.at("/0/new_value"), &json!(dup_id));
}

#[tokio::test]
async fn cl_23_undoing_a_merge_gives_each_profile_back_exactly_what_it_brought() {
    // Arrange: a merge, then an appointment booked for the kept profile after it.
    let app = spawn_app().await;
    let kind = app.create_service("Massage").await;
    let kept = client(&app, "Ana", "ana@example.com").await;
    let dup = client(&app, "Anna", "anna.silva@example.com").await;
    let (kept_id, dup_id) = (kept["id"].as_str().unwrap(), dup["id"].as_str().unwrap());
    let kept_visit = app.book_for(&kind, kept_id, "2026-12-01T09:00:00Z").await;
    let dup_visit = app.book_for(&kind, dup_id, "2026-12-02T09:00:00Z").await;
    let dup_note = note(&app, dup_id, "Allergic to almond oil.").await;
    let regular = label(&app, dup_id, "Regular").await;
    let merged = merge(&app, &kept, &[dup_id]).await;
    merged.assert_status(200);
    let merge_id = merged.str("/merge/id");
    let after = app.book_for(&kind, kept_id, "2026-12-09T09:00:00Z").await;

    // Act
    let undone = app
        .post(
            &format!("/v1/client-merges/{merge_id}/undo"),
            &app.owner,
            json!({}),
        )
        .await;
    let again = app
        .post(
            &format!("/v1/client-merges/{merge_id}/undo"),
            &app.owner,
            json!({}),
        )
        .await;

    // Assert
    undone.assert_status(200);
    assert!(undone.at("/merge/undone_at").is_string());
    assert_eq!(
        undone.at("/kept/labels"),
        &json!([]),
        "the merge's label goes"
    );
    let back = app.get(&format!("/v1/clients/{dup_id}"), &app.owner).await;
    back.assert_status(200);
    assert_eq!(back.at("/email"), &json!("anna.silva@example.com"));
    assert_eq!(back.at("/labels"), &json!([regular]));
    assert_eq!(card_ids(&app, dup_id, "/appointments").await, [dup_visit]);
    assert_eq!(card_ids(&app, dup_id, "/notes").await, [dup_note]);
    assert_eq!(
        card_ids(&app, kept_id, "/appointments").await,
        sorted(vec![kept_visit, after]),
        "what came after the merge stays with the kept profile"
    );
    assert_eq!(
        sorted(app.all_client_ids("/v1/clients?site=all", &app.owner).await),
        sorted(vec![kept_id.to_owned(), dup_id.to_owned()])
    );
    again.assert_problem(409);
    let merge_view = app
        .get(&format!("/v1/client-merges/{merge_id}"), &app.owner)
        .await;
    merge_view.assert_status(200);
    assert_eq!(merge_view.at("/absorbed_ids"), &json!([dup_id]));
}

#[tokio::test]
async fn cl_17_bad_merges_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let kept = client(&app, "Ana", "ana@example.com").await;
    let dup = client(&app, "Anna", "anna.silva@example.com").await;
    let (kept_id, dup_id) = (kept["id"].as_str().unwrap(), dup["id"].as_str().unwrap());
    let unknown = uuid::Uuid::now_v7().to_string();
    let other_business = app.other_business("Elsewhere").await;
    let stranger = app
        .create_client(
            &other_business,
            json!({ "first_name": "Zoé", "last_name": "Núñez" }),
        )
        .await;
    let stranger_id = stranger["id"].as_str().unwrap();
    let mut stale = kept.clone();
    stale["version"] = json!(kept["version"].as_i64().unwrap() + 1);

    let none = merge(&app, &kept, &[]).await;
    let itself = merge(&app, &kept, &[kept_id]).await;
    let twice = merge(&app, &kept, &[dup_id, dup_id]).await;
    let missing = merge(&app, &kept, &[&unknown]).await;
    let foreign = merge(&app, &kept, &[stranger_id]).await;
    let outdated = merge(&app, &stale, &[dup_id]).await;
    let no_merge = app
        .post(
            &format!("/v1/client-merges/{unknown}/undo"),
            &app.owner,
            json!({}),
        )
        .await;

    for refused in [&none, &itself, &twice, &missing, &foreign] {
        refused.assert_problem(422);
        assert_eq!(refused.problem_fields(), ["absorb"], "{:#}", refused.body);
    }
    outdated.assert_problem(409);
    no_merge.assert_problem(404);
    assert_eq!(
        sorted(app.all_client_ids("/v1/clients?site=all", &app.owner).await),
        sorted(vec![kept_id.to_owned(), dup_id.to_owned()])
    );
}

/// Turns the business's `merge_on_identical_name` on or off.
async fn merge_on_identical_name(app: &TestApp, on: bool) {
    let version = app
        .get("/v1/business", &app.owner)
        .await
        .at("/version")
        .clone();
    app.patch(
        "/v1/business",
        &app.owner,
        json!({ "version": version, "merge_on_identical_name": on }),
    )
    .await
    .assert_status(200);
}

async fn rename(app: &TestApp, client: &Value, first: &str, last: &str) -> Reply {
    let id = client["id"].as_str().expect("an id");
    app.patch(
        &format!("/v1/clients/{id}"),
        &app.owner,
        json!({ "version": client["version"], "first_name": first, "last_name": last, "phone": "0611223344" }),
    )
    .await
}

#[tokio::test]
async fn cl_18_a_rename_to_a_namesake_merges_into_it_only_when_the_setting_is_on() {
    // Arrange: Ana Silva, and a profile about to be renamed to her name (in another case).
    let app = spawn_app().await;
    let kind = app.create_service("Massage").await;
    let ana = client(&app, "Ana", "ana@example.com").await;
    let typo = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Anna", "last_name": "Silvaa", "email": "a.silva@example.com" }),
        )
        .await;
    let other = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Bea", "last_name": "Costa", "email": "bea@example.com" }),
        )
        .await;
    let (ana_id, typo_id) = (ana["id"].as_str().unwrap(), typo["id"].as_str().unwrap());
    let visit = app.book_for(&kind, typo_id, "2026-12-02T09:00:00Z").await;

    // Act: off, a rename to a namesake changes only the name; on, it merges.
    let unmerged = rename(&app, &other, "ANA", "silva").await;
    merge_on_identical_name(&app, true).await;
    let merged = rename(&app, &typo, "ana", "SILVA").await;

    // Assert
    unmerged.assert_status(200);
    assert!(unmerged.at("/merge").is_null(), "{:#}", unmerged.body);
    assert_eq!(unmerged.at("/id"), &other["id"]);
    merged.assert_status(200);
    assert_eq!(
        merged.at("/id"),
        &json!(ana_id),
        "the profile not edited is kept"
    );
    assert_eq!(merged.at("/email"), &json!("ana@example.com"));
    assert!(
        merged.at("/phone").is_null(),
        "the kept profile's contact details"
    );
    assert_eq!(merged.at("/merge/kept_id"), &json!(ana_id));
    assert_eq!(merged.at("/merge/absorbed_ids"), &json!([typo_id]));
    assert_eq!(card_ids(&app, ana_id, "/appointments").await, [visit]);
    app.get(&format!("/v1/clients/{typo_id}"), &app.owner)
        .await
        .assert_status(301);
}

#[tokio::test]
async fn cl_23_an_undo_brings_a_profile_back_without_the_labels_deleted_since() {
    let app = spawn_app().await;
    let kept = client(&app, "Ana", "ana@example.com").await;
    let dup = client(&app, "Anna", "anna.silva@example.com").await;
    let dup_id = dup["id"].as_str().unwrap();
    let (gone, stays) = (
        label(&app, dup_id, "Gone").await,
        label(&app, dup_id, "Stays").await,
    );
    let merged = merge(&app, &kept, &[dup_id]).await;
    merged.assert_status(200);
    app.delete(&format!("/v1/labels/{gone}"), &app.owner)
        .await
        .assert_status(204);

    let undone = app
        .post(
            &format!("/v1/client-merges/{}/undo", merged.str("/merge/id")),
            &app.owner,
            json!({}),
        )
        .await;

    undone.assert_status(200);
    let back = app.get(&format!("/v1/clients/{dup_id}"), &app.owner).await;
    back.assert_status(200);
    assert_eq!(back.at("/labels"), &json!([stays]));
}
