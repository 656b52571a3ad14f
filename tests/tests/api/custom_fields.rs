//! CL-24: custom fields defined by the business (text, number, date, choice), their values
//! on clients, the value filter of the client list (CL-10) and the audit of changes
//! (CL-14).

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

async fn define(app: &TestApp, body: Value) -> String {
    let reply = app.post("/v1/custom-fields", &app.owner, body).await;
    reply.assert_status(201);
    reply.str("/id")
}

/// A text, a number, a date and a choice field.
async fn four_fields(app: &TestApp) -> (String, String, String, String) {
    (
        define(app, json!({ "name": "City", "kind": "text" })).await,
        define(app, json!({ "name": "Spend", "kind": "number" })).await,
        define(app, json!({ "name": "Born", "kind": "date" })).await,
        define(
            app,
            json!({ "name": "Tier", "kind": "choice", "options": ["Gold", "Silver"] }),
        )
        .await,
    )
}

async fn client_with(app: &TestApp, last: &str, values: Value) -> Reply {
    let reply = app
        .post(
            "/v1/clients",
            &app.owner,
            json!({ "first_name": "A", "last_name": last, "custom_fields": values }),
        )
        .await;
    reply.assert_status(201);
    reply
}

#[tokio::test]
async fn cl_24_owners_and_admins_define_fields_of_each_kind_and_staff_may_only_read_them() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let admin = app.staff_token("admin", "a@example.com", &[&site]).await;
    let staff = app.staff_token("staff", "s@example.com", &[&site]).await;

    let (city, spend, born, tier) = four_fields(&app).await;
    let by_admin = app
        .post(
            "/v1/custom-fields",
            &admin,
            json!({ "name": "Allergies", "kind": "text" }),
        )
        .await;
    let by_staff = app
        .post(
            "/v1/custom-fields",
            &staff,
            json!({ "name": "Shoe size", "kind": "number" }),
        )
        .await;
    let listed = app.get("/v1/custom-fields?limit=2", &staff).await;
    let got = app.get(&format!("/v1/custom-fields/{tier}"), &staff).await;

    by_admin.assert_status(201);
    by_staff.assert_problem(403);
    listed.assert_status(200);
    assert_eq!(listed.at("/items").as_array().map(Vec::len), Some(2));
    assert!(listed.at("/next_cursor").is_string());
    let mut all: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/custom-fields?limit=2".to_owned(),
            Some(c) => format!("/v1/custom-fields?limit=2&cursor={c}"),
        };
        let page = app.get(&path, &app.owner).await;
        for item in page.at("/items").as_array().expect("items") {
            all.push(format!(
                "{}:{}",
                item["name"].as_str().unwrap_or(""),
                item["kind"].as_str().unwrap_or("")
            ));
        }
        match page.at("/next_cursor").as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        all,
        [
            "City:text",
            "Spend:number",
            "Born:date",
            "Tier:choice",
            "Allergies:text"
        ]
    );
    got.assert_status(200);
    assert_eq!(got.at("/options"), &json!(["Gold", "Silver"]));
    assert_eq!(got.at("/version"), &json!(1));
    for id in [city, spend, born] {
        let field = app.get(&format!("/v1/custom-fields/{id}"), &staff).await;
        assert_eq!(field.at("/options"), &json!([]));
    }
}

#[tokio::test]
async fn cl_24_a_duplicate_name_is_a_conflict_and_a_bad_definition_is_refused() {
    let app = spawn_app().await;
    define(&app, json!({ "name": "Dépense", "kind": "number" })).await;

    let duplicate = app
        .post(
            "/v1/custom-fields",
            &app.owner,
            json!({ "name": "DEPENSE", "kind": "text" }),
        )
        .await;
    let no_options = app
        .post(
            "/v1/custom-fields",
            &app.owner,
            json!({ "name": "Tier", "kind": "choice" }),
        )
        .await;
    let same_options = app
        .post(
            "/v1/custom-fields",
            &app.owner,
            json!({ "name": "Tier", "kind": "choice", "options": ["Crème", "creme"] }),
        )
        .await;
    let options_on_text = app
        .post(
            "/v1/custom-fields",
            &app.owner,
            json!({ "name": "Notes", "kind": "text", "options": ["a"] }),
        )
        .await;
    let blank = app
        .post(
            "/v1/custom-fields",
            &app.owner,
            json!({ "name": " ", "kind": "date" }),
        )
        .await;
    let unknown_kind = app
        .post(
            "/v1/custom-fields",
            &app.owner,
            json!({ "name": "X", "kind": "colour" }),
        )
        .await;

    duplicate.assert_problem(409);
    no_options.assert_problem(422);
    assert_eq!(no_options.problem_fields(), ["options"]);
    same_options.assert_problem(422);
    assert_eq!(same_options.problem_fields(), ["options"]);
    options_on_text.assert_problem(422);
    blank.assert_problem(422);
    assert_eq!(blank.problem_fields(), ["name"]);
    unknown_kind.assert_problem(400);
}

#[tokio::test]
async fn cl_24_clients_carry_values_shown_in_get_and_list_and_a_wrong_type_is_refused() {
    let app = spawn_app().await;
    let (city, spend, born, tier) = four_fields(&app).await;
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "s@example.com", &[&site]).await;
    let created = client_with(
        &app,
        "Silva",
        json!({ city.clone(): "São Paulo", spend.clone(): "12.50", born.clone(): "1990-05-17",
                tier.clone(): "gold" }),
    )
    .await;
    let id = created.str("/id");
    let path = format!("/v1/clients/{id}");

    let wrong = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "custom_fields": { spend.clone(): "twelve", born.clone(): "17/05/1990",
                                                     tier.clone(): "Platinum" } }),
        )
        .await;
    let unknown_field = uuid::Uuid::now_v7();
    let unknown = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "custom_fields": { unknown_field.to_string(): "x" } }),
        )
        .await;
    let number_as_json_number = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "custom_fields": { spend.clone(): 12.5 } }),
        )
        .await;
    let by_staff = app
        .patch(
            &path,
            &staff,
            json!({ "version": 1, "custom_fields": { spend.clone(): "13", born.clone(): null } }),
        )
        .await;
    let got = app.get(&path, &app.owner).await;
    let listed = app.get("/v1/clients", &app.owner).await;

    assert_eq!(
        created.at("/custom_fields"),
        &json!({ city.clone(): "São Paulo", spend.clone(): "12.50", born.clone(): "1990-05-17",
                 tier.clone(): "Gold" })
    );
    wrong.assert_problem(422);
    let mut fields = wrong.problem_fields();
    fields.sort();
    let mut expected = [
        format!("custom_fields.{spend}"),
        format!("custom_fields.{born}"),
        format!("custom_fields.{tier}"),
    ];
    expected.sort();
    assert_eq!(fields, expected);
    let messages: Vec<&str> = wrong
        .at("/errors")
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.contains(&"must be a number, e.g. 12.50"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"must be a date YYYY-MM-DD"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"must be one of: Gold, Silver"),
        "{messages:?}"
    );
    unknown.assert_problem(422);
    assert_eq!(
        unknown.problem_fields(),
        [format!("custom_fields.{unknown_field}")]
    );
    number_as_json_number.assert_problem(400);
    by_staff.assert_status(200);
    assert_eq!(by_staff.at("/version"), &json!(2));
    assert_ne!(
        by_staff.at("/admin_updated_at"),
        created.at("/admin_updated_at")
    );
    let expected = json!({ city.clone(): "São Paulo", spend.clone(): "13", tier.clone(): "Gold" });
    assert_eq!(got.at("/custom_fields"), &expected);
    assert_eq!(listed.at("/items/0/custom_fields"), &expected);
    let plain = app
        .create_client(
            &app.owner,
            json!({ "first_name": "B", "last_name": "Costa" }),
        )
        .await;
    assert_eq!(plain["custom_fields"], json!({}));
}

#[tokio::test]
async fn cl_24_cl_10_the_list_filters_by_value_alone_and_with_other_filters() {
    let app = spawn_app().await;
    let (city, spend, _born, tier) = four_fields(&app).await;
    let ana = client_with(
        &app,
        "Alves",
        json!({ tier.clone(): "Gold", spend.clone(): "12.50" }),
    )
    .await
    .str("/id");
    let bruno = client_with(
        &app,
        "Barros",
        json!({ tier.clone(): "gold", city.clone(): "Porto" }),
    )
    .await
    .str("/id");
    let chloe = client_with(
        &app,
        "Carvalho",
        json!({ tier.clone(): "Silver", spend.clone(): "12.5" }),
    )
    .await
    .str("/id");
    let diego = client_with(&app, "Dias", json!({ tier.clone(): "GOLD" }))
        .await
        .str("/id");
    client_with(&app, "Esteves", json!({})).await;
    app.post(&format!("/v1/clients/{diego}/ban"), &app.owner, json!({}))
        .await
        .assert_status(200);

    let gold = app
        .all_client_ids(
            &format!("/v1/clients?field={tier}:gold&limit=1"),
            &app.owner,
        )
        .await;
    let spent = app
        .all_client_ids(&format!("/v1/clients?field={spend}:12.500"), &app.owner)
        .await;
    let gold_and_spent = app
        .all_client_ids(
            &format!("/v1/clients?field={tier}:Gold&field={spend}:12.5"),
            &app.owner,
        )
        .await;
    let gold_not_banned = app
        .all_client_ids(
            &format!("/v1/clients?field={tier}:Gold&banned=false"),
            &app.owner,
        )
        .await;
    let city = app
        .all_client_ids(&format!("/v1/clients?field={city}:PORTO"), &app.owner)
        .await;
    let wrong_type = app
        .get(&format!("/v1/clients?field={spend}:lots"), &app.owner)
        .await;
    let not_an_option = app
        .get(&format!("/v1/clients?field={tier}:Platinum"), &app.owner)
        .await;
    let unknown_field = uuid::Uuid::now_v7();
    let unknown = app
        .get(&format!("/v1/clients?field={unknown_field}:1"), &app.owner)
        .await;
    let malformed = app.get("/v1/clients?field=gold", &app.owner).await;

    assert_eq!(gold, [ana.clone(), bruno.clone(), diego.clone()]);
    assert_eq!(spent, [ana.clone(), chloe]);
    assert_eq!(gold_and_spent, std::slice::from_ref(&ana));
    assert_eq!(gold_not_banned, [ana, bruno.clone()]);
    assert_eq!(city, [bruno]);
    wrong_type.assert_problem(422);
    assert_eq!(wrong_type.problem_fields(), ["field"]);
    let message = wrong_type.str("/errors/0/message");
    assert!(
        message.contains(&spend) && message.contains("must be a number"),
        "{message}"
    );
    not_an_option.assert_problem(422);
    assert!(
        not_an_option
            .str("/errors/0/message")
            .contains("must be one of: Gold, Silver")
    );
    unknown.assert_problem(422);
    assert!(
        unknown
            .str("/errors/0/message")
            .contains(&unknown_field.to_string())
    );
    malformed.assert_problem(422);
    assert_eq!(malformed.problem_fields(), ["field"]);
}

#[tokio::test]
async fn cl_24_cl_14_a_value_change_is_audited_with_its_old_and_new_value() {
    let app = spawn_app().await;
    let (_city, spend, _born, tier) = four_fields(&app).await;
    let id = client_with(&app, "Silva", json!({ tier.clone(): "Silver" }))
        .await
        .str("/id");
    let path = format!("/v1/clients/{id}");
    app.patch(
        &path,
        &app.owner,
        json!({ "version": 1, "custom_fields": { tier.clone(): "gold", spend.clone(): "9.90" } }),
    )
    .await
    .assert_status(200);
    app.patch(
        &path,
        &app.owner,
        json!({ "version": 2, "custom_fields": { tier.clone(): null } }),
    )
    .await
    .assert_status(200);

    let audit = app.get(&format!("{path}/audit"), &app.owner).await;

    let entries: Vec<(String, Value, Value)> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_owned(),
                e.get("old_value").cloned().unwrap_or(Value::Null),
                e.get("new_value").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    let tier_field = format!("custom_fields.{tier}");
    let spend_field = format!("custom_fields.{spend}");
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(entries[0], (tier_field.clone(), json!("Gold"), json!(null)));
    let older = &entries[1..];
    assert!(
        older.contains(&(tier_field, json!("Silver"), json!("Gold"))),
        "{older:?}"
    );
    assert!(
        older.contains(&(spend_field, json!(null), json!("9.90"))),
        "{older:?}"
    );
}

#[tokio::test]
async fn cl_24_pl_11_a_field_changes_with_its_version_but_not_its_kind_or_used_options_while_clients_have_values()
 {
    let app = spawn_app().await;
    let (city, _spend, _born, tier) = four_fields(&app).await;
    client_with(
        &app,
        "Silva",
        json!({ tier.clone(): "Gold", city.clone(): "Porto" }),
    )
    .await;
    let path = format!("/v1/custom-fields/{tier}");

    let renamed = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 1, "name": "Level", "options": ["GOLD", "Silver", "Bronze"] }),
        )
        .await;
    let stale = app
        .patch(&path, &app.owner, json!({ "version": 1, "name": "Other" }))
        .await;
    let retyped = app
        .patch(&path, &app.owner, json!({ "version": 2, "kind": "text" }))
        .await;
    let used_option_dropped = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 2, "options": ["Silver"] }),
        )
        .await;
    let unused_option_dropped = app
        .patch(
            &path,
            &app.owner,
            json!({ "version": 2, "options": ["Gold", "Bronze"] }),
        )
        .await;
    let city_retyped = app
        .patch(
            &format!("/v1/custom-fields/{city}"),
            &app.owner,
            json!({ "version": 1, "kind": "number" }),
        )
        .await;
    let unused = define(&app, json!({ "name": "Shoe size", "kind": "text" })).await;
    let unused_retyped = app
        .patch(
            &format!("/v1/custom-fields/{unused}"),
            &app.owner,
            json!({ "version": 1, "kind": "choice", "options": ["38", "39"] }),
        )
        .await;
    let staff = app
        .staff_token("staff", "s@example.com", &[&app.main_site().await])
        .await;
    let by_staff = app
        .patch(&path, &staff, json!({ "version": 3, "name": "Mine" }))
        .await;
    let missing = app
        .patch(
            &format!("/v1/custom-fields/{}", uuid::Uuid::now_v7()),
            &app.owner,
            json!({ "version": 1, "name": "X" }),
        )
        .await;
    let listed = app.get("/v1/clients", &app.owner).await;

    renamed.assert_status(200);
    assert_eq!(renamed.at("/name"), &json!("Level"));
    assert_eq!(renamed.at("/version"), &json!(2));
    stale.assert_problem(409);
    retyped.assert_problem(409);
    used_option_dropped.assert_problem(409);
    assert!(used_option_dropped.str("/detail").contains("GOLD"));
    unused_option_dropped.assert_status(200);
    assert_eq!(
        unused_option_dropped.at("/options"),
        &json!(["Gold", "Bronze"])
    );
    city_retyped.assert_problem(409);
    unused_retyped.assert_status(200);
    assert_eq!(unused_retyped.at("/kind"), &json!("choice"));
    by_staff.assert_problem(403);
    missing.assert_problem(404);
    // The client's choice is shown in the option's current spelling.
    assert_eq!(
        listed.at(&format!("/items/0/custom_fields/{tier}")),
        &json!("Gold")
    );
}

#[tokio::test]
async fn pl_26_custom_fields_stay_in_their_business() {
    let app = spawn_app().await;
    let tier = define(
        &app,
        json!({ "name": "Tier", "kind": "choice", "options": ["Gold"] }),
    )
    .await;
    let other = app.other_business("Other").await;
    let theirs = app
        .create_client(&other, json!({ "first_name": "B", "last_name": "C" }))
        .await;

    let listed = app.get("/v1/custom-fields", &other).await;
    let got = app.get(&format!("/v1/custom-fields/{tier}"), &other).await;
    let changed = app
        .patch(
            &format!("/v1/custom-fields/{tier}"),
            &other,
            json!({ "version": 1, "name": "Mine" }),
        )
        .await;
    let used = app
        .patch(
            &format!("/v1/clients/{}", theirs["id"].as_str().expect("id")),
            &other,
            json!({ "version": 1, "custom_fields": { tier.clone(): "Gold" } }),
        )
        .await;
    let filtered = app
        .get(&format!("/v1/clients?field={tier}:Gold"), &other)
        .await;

    assert_eq!(listed.at("/items"), &json!([]));
    got.assert_problem(404);
    changed.assert_problem(404);
    used.assert_problem(422);
    filtered.assert_problem(422);
}

#[tokio::test]
async fn cl_24_a_value_under_a_key_that_is_no_field_id_is_refused_like_an_unknown_field() {
    let app = spawn_app().await;
    let (city, ..) = four_fields(&app).await;

    let reply = app
        .post(
            "/v1/clients",
            &app.owner,
            json!({
                "first_name": "A",
                "last_name": "B",
                "custom_fields": { "city": "Lyon", (city.as_str()): "Lyon" }
            }),
        )
        .await;

    reply.assert_problem(422);
    assert_eq!(reply.problem_fields(), ["custom_fields.city"]);
    let clients = app.all_client_ids("/v1/clients", &app.owner).await;
    assert!(clients.is_empty(), "nothing was created");
}
