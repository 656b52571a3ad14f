//! CL-1 to CL-4 with PL-9, PL-11 and PL-14: the client list end to end.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn cl_1_a_client_is_created_with_trimmed_names_and_a_normalised_phone() {
    let app = spawn_app().await;
    let site = app.main_site().await;

    let client = app
        .create_client(
            &app.owner,
            json!({
                "first_name": "  Marie Claire ",
                "last_name": "de la Cruz",
                "email": "MC.Cruz@Example.com",
                "phone": "+33 6 12 34 56 78",
            }),
        )
        .await;

    assert_eq!(client["first_name"], "Marie Claire");
    assert_eq!(client["last_name"], "de la Cruz");
    assert_eq!(client["email"], "MC.Cruz@Example.com");
    assert_eq!(client["phone"], "+33 6 12 34 56 78");
    assert_eq!(client["phone_normalised"], "+33612345678");
    assert_eq!(client["sites"], json!([site]));
    assert_eq!(client["version"], 1);
    assert_eq!(client["banned"], false);
    let id = client["id"].as_str().expect("id");
    let fetched = app.get(&format!("/v1/clients/{id}"), &app.owner).await;
    fetched.assert_status(200);
    assert_eq!(fetched.body, client);
}

#[tokio::test]
async fn cl_1_bad_fields_are_a_422_problem_listing_each_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({ "first_name": " ", "last_name": "" }),
            vec!["first_name", "last_name"],
        ),
        (
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "ana@" }),
            vec!["email"],
        ),
        (
            json!({ "first_name": "Ana", "last_name": "Silva", "phone": "06 12 ab" }),
            vec!["phone"],
        ),
        (
            json!({ "first_name": "Ana\u{0}", "last_name": "Silva" }),
            vec!["first_name"],
        ),
        (
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "x", "phone": "1" }),
            vec!["email", "phone"],
        ),
    ];

    for (body, fields) in cases {
        let reply = app.post("/v1/clients", &app.owner, body.clone()).await;
        reply.assert_problem(422);
        assert_eq!(reply.problem_fields(), fields, "{body}");
    }

    assert!(
        app.all_client_ids("/v1/clients", &app.owner)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn cl_2_a_client_in_an_unknown_site_is_refused_and_not_stored() {
    let app = spawn_app().await;

    let reply = app
        .post(
            "/v1/clients",
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "sites": [uuid::Uuid::now_v7()] }),
        )
        .await;

    reply.assert_problem(422);
    assert_eq!(reply.problem_fields(), ["sites"]);
    assert!(
        app.all_client_ids("/v1/clients", &app.owner)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn pl_11_an_update_based_on_a_stale_version_is_a_409_and_changes_nothing() {
    let app = spawn_app().await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await;
    let path = format!("/v1/clients/{}", client["id"].as_str().expect("id"));
    app.patch(
        &path,
        &app.owner,
        json!({ "version": 1, "email": "ana@example.com" }),
    )
    .await
    .assert_status(200);

    let stale = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "email": "other@example.com" }),
        )
        .await;

    stale.assert_problem(409);
    let now = app.get(&path, &app.owner).await;
    assert_eq!(now.at("/email"), &json!("ana@example.com"));
    assert_eq!(now.at("/version"), &json!(2));
}

#[tokio::test]
async fn pl_11_an_update_changes_only_what_it_names_and_null_clears() {
    let app = spawn_app().await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "a@example.com", "phone": "0612345678" }),
        )
        .await;
    let path = format!("/v1/clients/{}", client["id"].as_str().expect("id"));

    let updated = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "last_name": "Souza", "phone": null }),
        )
        .await;

    updated.assert_status(200);
    assert_eq!(updated.at("/first_name"), &json!("Ana"));
    assert_eq!(updated.at("/last_name"), &json!("Souza"));
    assert_eq!(updated.at("/email"), &json!("a@example.com"));
    assert_eq!(updated.at("/phone"), &json!(null));
    assert_eq!(updated.at("/version"), &json!(2));
}

#[tokio::test]
async fn cl_1_an_invalid_update_is_a_422_and_changes_nothing() {
    let app = spawn_app().await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await;
    let path = format!("/v1/clients/{}", client["id"].as_str().expect("id"));

    let reply = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "first_name": "", "email": "bad" }),
        )
        .await;

    reply.assert_problem(422);
    assert_eq!(reply.problem_fields(), ["first_name", "email"]);
    assert_eq!(app.get(&path, &app.owner).await.at("/version"), &json!(1));
}

#[tokio::test]
async fn cl_3_pl_9_pages_follow_the_cursor_and_list_every_client_once() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let c = app
            .create_client(
                &app.owner,
                json!({ "first_name": "Ana", "last_name": format!("Name{i}") }),
            )
            .await;
        created.push(c["id"].as_str().expect("id").to_owned());
    }

    let listed = app.all_client_ids("/v1/clients?limit=3", &app.owner).await;

    assert_eq!(listed, created);
    let first = app.get("/v1/clients?limit=3", &app.owner).await;
    assert_eq!(first.at("/items").as_array().map(Vec::len), Some(3));
    assert!(first.at("/next_cursor").is_string());
    let all = app.get("/v1/clients?limit=1000", &app.owner).await;
    assert!(all.at("/next_cursor").is_null());
}

#[tokio::test]
async fn pl_9_a_limit_out_of_range_is_a_400_problem() {
    let app = spawn_app().await;

    for limit in ["0", "5000", "-1", "ten"] {
        let reply = app
            .get(&format!("/v1/clients?limit={limit}"), &app.owner)
            .await;
        reply.assert_problem(400);
        assert_eq!(reply.problem_fields(), ["limit"], "limit={limit}");
    }
}

#[tokio::test]
async fn pl_9_a_cursor_from_elsewhere_is_a_400_problem() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.create_client(
            &app.owner,
            json!({ "first_name": "A", "last_name": format!("N{i}") }),
        )
        .await;
    }
    let by_name = app.get("/v1/clients?limit=1", &app.owner).await;
    let name_cursor = by_name.str("/next_cursor");
    let sites_page = app.get("/v1/sites?limit=1", &app.owner).await;
    app.create_site("Second").await;
    let sites_cursor = app
        .get("/v1/sites?limit=1", &app.owner)
        .await
        .str("/next_cursor");
    sites_page.assert_status(200);

    for cursor in [
        format!("/v1/clients?sort=created_at&cursor={name_cursor}"),
        format!("/v1/clients?cursor={sites_cursor}"),
        "/v1/clients?cursor=garbage".to_owned(),
    ] {
        app.get(&cursor, &app.owner).await.assert_problem(400);
    }
}

#[tokio::test]
async fn cl_4_the_default_order_is_last_name_then_first_name_accents_folded() {
    let app = spawn_app().await;
    for (first, last) in [
        ("Zoé", "Martin"),
        ("Émile", "Zola"),
        ("anna", "Martin"),
        ("Bob", "Étienne"),
    ] {
        app.create_client(
            &app.owner,
            json!({ "first_name": first, "last_name": last }),
        )
        .await;
    }

    let page = app.get("/v1/clients", &app.owner).await;

    let names: Vec<String> = page
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["first_name"].as_str().unwrap_or(""),
                c["last_name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        names,
        ["Bob Étienne", "anna Martin", "Zoé Martin", "Émile Zola"]
    );
}

#[tokio::test]
async fn cl_4_first_name_and_created_at_orders() {
    let app = spawn_app().await;
    for (first, last) in [("Carla", "Abel"), ("Ana", "Zed"), ("Bea", "Moss")] {
        app.create_client(
            &app.owner,
            json!({ "first_name": first, "last_name": last }),
        )
        .await;
    }
    let first_names = |reply: &crate::helpers::Reply| -> Vec<String> {
        reply
            .at("/items")
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["first_name"].as_str().unwrap_or("").to_owned())
            .collect()
    };

    let by_first = app.get("/v1/clients?sort=first_name", &app.owner).await;
    let by_created = app.get("/v1/clients?sort=created_at", &app.owner).await;

    assert_eq!(first_names(&by_first), ["Ana", "Bea", "Carla"]);
    assert_eq!(first_names(&by_created), ["Carla", "Ana", "Bea"]);
    app.get("/v1/clients?sort=email", &app.owner)
        .await
        .assert_problem(400);
}

#[tokio::test]
async fn cl_4_sorting_by_admin_updated_at_puts_the_client_last_modified_by_staff_at_the_end() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for last in ["A", "B", "C"] {
        let c = app
            .create_client(&app.owner, json!({ "first_name": "X", "last_name": last }))
            .await;
        ids.push(c["id"].as_str().expect("id").to_owned());
    }
    app.patch(
        &format!("/v1/clients/{}", ids[0]),
        &app.owner,
        json!({ "version": 1, "phone": "0102030405" }),
    )
    .await
    .assert_status(200);

    let listed = app
        .all_client_ids("/v1/clients?sort=admin_updated_at&limit=2", &app.owner)
        .await;

    assert_eq!(listed, [ids[1].clone(), ids[2].clone(), ids[0].clone()]);
}

#[tokio::test]
async fn pl_14_a_staff_member_sees_only_clients_of_their_sites() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    let staff = app.staff_token("staff", "sam@example.com", &[&annex]).await;
    let at_main = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Main", "last_name": "Client", "sites": [main] }),
        )
        .await;
    let at_annex = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Annex", "last_name": "Client", "sites": [annex] }),
        )
        .await;

    let seen = app.all_client_ids("/v1/clients", &staff).await;
    let foreign = app
        .get(
            &format!("/v1/clients/{}", at_main["id"].as_str().expect("id")),
            &staff,
        )
        .await;
    let filtered = app.get(&format!("/v1/clients?site={main}"), &staff).await;

    assert_eq!(seen, [at_annex["id"].as_str().expect("id").to_owned()]);
    // A client of another site answers as absent (its existence is not revealed); a
    // site the caller named but may not use is refused as such.
    foreign.assert_problem(404);
    filtered.assert_problem(403);
    assert_eq!(
        app.all_client_ids("/v1/clients?site=all", &app.owner)
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn cl_10_the_list_defaults_to_the_callers_current_site_and_site_all_widens_it() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    let both = app
        .staff_token("staff", "sam@example.com", &[&main, &annex])
        .await;
    let mut ids = Vec::new();
    for (name, site) in [("Main", &main), ("Annex", &annex)] {
        let client = app
            .create_client(
                &app.owner,
                json!({ "first_name": name, "last_name": "Client", "sites": [site] }),
            )
            .await;
        ids.push(client["id"].as_str().expect("id").to_owned());
    }

    let owner_default = app.all_client_ids("/v1/clients", &app.owner).await;
    let staff_default = app.all_client_ids("/v1/clients", &both).await;
    let staff_all = app.all_client_ids("/v1/clients?site=all", &both).await;
    let malformed = app.get("/v1/clients?site=everywhere", &both).await;

    // The main site is the business's oldest, and the oldest of the staff member's.
    assert_eq!(owner_default, [ids[0].clone()]);
    assert_eq!(staff_default, [ids[0].clone()]);
    assert_eq!(staff_all.len(), 2);
    malformed.assert_problem(400);
}

#[tokio::test]
async fn pl_14_a_client_made_by_staff_goes_to_their_site_and_never_to_one_they_cannot_access() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    let staff = app.staff_token("staff", "sam@example.com", &[&annex]).await;

    let defaulted = app
        .create_client(&staff, json!({ "first_name": "Ana", "last_name": "Silva" }))
        .await;
    let elsewhere = app
        .post(
            "/v1/clients",
            &staff,
            json!({ "first_name": "Bo", "last_name": "Li", "sites": [main] }),
        )
        .await;

    assert_eq!(defaulted["sites"], json!([annex]));
    elsewhere.assert_problem(403);
    assert_eq!(
        app.all_client_ids("/v1/clients?site=all", &app.owner)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn pl_14_the_site_filter_lists_only_that_sites_clients() {
    let app = spawn_app().await;
    let main = app.main_site().await;
    let annex = app.create_site("Annex").await;
    app.create_client(
        &app.owner,
        json!({ "first_name": "M", "last_name": "M", "sites": [main] }),
    )
    .await;
    let both = app
        .create_client(
            &app.owner,
            json!({ "first_name": "B", "last_name": "B", "sites": [main, annex] }),
        )
        .await;

    let listed = app
        .all_client_ids(&format!("/v1/clients?site={annex}"), &app.owner)
        .await;
    let unknown = app
        .get(
            &format!("/v1/clients?site={}", uuid::Uuid::now_v7()),
            &app.owner,
        )
        .await;

    assert_eq!(listed, [both["id"].as_str().expect("id").to_owned()]);
    unknown.assert_problem(422);
}

#[tokio::test]
async fn cl_12_the_client_notes_field_is_set_changed_cleared_and_audited() {
    let app = spawn_app().await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "client_notes": "Prefers mornings.\nNo lavender." }),
        )
        .await;
    let path = format!("/v1/clients/{}", client["id"].as_str().expect("id"));

    let cleared = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "client_notes": null }),
        )
        .await;
    let nul = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 2, "client_notes": "a\u{0}b" }),
        )
        .await;
    let audit = app.get(&format!("{path}/audit"), &app.owner).await;

    assert_eq!(client["client_notes"], "Prefers mornings.\nNo lavender.");
    cleared.assert_status(200);
    assert_eq!(cleared.at("/client_notes"), &json!(null));
    nul.assert_problem(422);
    assert_eq!(audit.at("/0/field"), &json!("client_notes"));
    assert_eq!(
        audit.at("/0/old_value"),
        &json!("Prefers mornings.\nNo lavender.")
    );
}
