//! CL-5 to CL-8 through the API: one `q` on the client list, combined with filters and
//! cursors, and its bad input.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

/// `q` as a URL query value.
fn q(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            ' ' => "%20".to_owned(),
            '+' => "%2B".to_owned(),
            '%' => "%25".to_owned(),
            '&' => "%26".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// (first name, last name, email, phone)
const PEOPLE: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "Marie-Claire",
        "de la Cruz",
        Some("mc@orange.fr"),
        Some("06 12 34 56 78"),
    ),
    (
        "Jean Pierre",
        "Martin",
        Some("jp.martin@gmail.com"),
        Some("0612345678"),
    ),
    ("Jean", "Martinez", None, Some("+33 6 12 34 56 78")),
    ("Martin", "Bernard", Some("bernard@free.fr"), None),
    (
        "Élodie",
        "Lefèvre",
        Some("elodie@exemple.fr"),
        Some("07 11 22 33 44"),
    ),
    (
        "Anne Sophie",
        "Le Goff",
        Some("asl@gmail.com"),
        Some("(555) 123-4567"),
    ),
];

async fn people(app: &TestApp) {
    for (first, last, email, phone) in PEOPLE {
        app.create_client(
            &app.owner,
            json!({ "first_name": first, "last_name": last, "email": email, "phone": phone }),
        )
        .await;
    }
}

/// "First Last" of every client the search lists, in order, over every page.
async fn found(app: &TestApp, query: &str, limit: u32) -> Vec<String> {
    let ids = app
        .all_client_ids(
            &format!("/v1/clients?limit={limit}&q={}", q(query)),
            &app.owner,
        )
        .await;
    let mut names = Vec::new();
    for id in ids {
        let client = app.get(&format!("/v1/clients/{id}"), &app.owner).await;
        names.push(format!(
            "{} {}",
            client.str("/first_name"),
            client.str("/last_name")
        ));
    }
    names
}

#[tokio::test]
async fn cl_5_to_cl_8_table_of_searches_through_the_api() {
    let app = spawn_app().await;
    people(&app).await;
    let phone_twins = [
        "Marie-Claire de la Cruz",
        "Jean Pierre Martin",
        "Jean Martinez",
    ];
    let cases: &[(&str, &[&str])] = &[
        // CL-5, CL-8: "martin" is exactly Martin Bernard's first name and Jean Pierre
        // Martin's last name: both come before Martinez, each group by last name.
        (
            "martin",
            &["Martin Bernard", "Jean Pierre Martin", "Jean Martinez"],
        ),
        // Compound names, found from any of their words, in order.
        ("cruz", &["Marie-Claire de la Cruz"]),
        ("la cruz", &["Marie-Claire de la Cruz"]),
        ("claire de la", &["Marie-Claire de la Cruz"]),
        ("marie-claire cruz", &["Marie-Claire de la Cruz"]),
        ("pierre mart", &["Jean Pierre Martin"]),
        ("jean pierre martin", &["Jean Pierre Martin"]),
        ("sophie le goff", &["Anne Sophie Le Goff"]),
        ("goff", &["Anne Sophie Le Goff"]),
        // Accents and case.
        ("ELODIE", &["Élodie Lefèvre"]),
        ("lefev", &["Élodie Lefèvre"]),
        ("Élodie lefèvre", &["Élodie Lefèvre"]),
        // CL-6: the same number typed in different ways; two exact matches come first.
        // PL-23: "+33 6…" is kept in E.164 and also found the national way ("06…"); the
        // business has no country, so "06…" stays digits, which "+33 6…" does not find.
        ("06 12 34 56 78", &phone_twins),
        ("0612345678", &phone_twins),
        ("+33 6 12 34 56 78", &["Jean Martinez"]),
        ("34 56 78", &phone_twins),
        ("5678", &phone_twins),
        ("(555) 123", &["Anne Sophie Le Goff"]),
        ("07.11", &["Élodie Lefèvre"]),
        // CL-7: any part of the email; an inner space is never an email.
        ("gmail", &["Anne Sophie Le Goff", "Jean Pierre Martin"]),
        ("@FREE.fr", &["Martin Bernard"]),
        ("mc@orange.fr", &["Marie-Claire de la Cruz"]),
        ("exemple fr", &[]),
        ("nobody", &[]),
    ];
    for (query, want) in cases {
        for limit in [50, 1] {
            assert_eq!(
                &found(&app, query, limit).await,
                want,
                "q={query:?} limit={limit}"
            );
        }
    }
}

#[tokio::test]
async fn cl_10_search_combines_with_filters_and_its_cursor_belongs_to_its_query() {
    let app = spawn_app().await;
    people(&app).await;
    let martinez = app
        .all_client_ids(&format!("/v1/clients?q={}", q("martinez")), &app.owner)
        .await;
    app.post(
        &format!("/v1/clients/{}/ban", martinez[0]),
        &app.owner,
        json!({}),
    )
    .await
    .assert_status(200);

    let unbanned = app
        .all_client_ids("/v1/clients?q=martin&banned=false", &app.owner)
        .await;
    let page = app.get("/v1/clients?q=martin&limit=1", &app.owner).await;
    let cursor = page.str("/next_cursor");
    let other_query = app
        .get(
            &format!("/v1/clients?q=jean&limit=1&cursor={cursor}"),
            &app.owner,
        )
        .await;
    let no_query = app
        .get(&format!("/v1/clients?limit=1&cursor={cursor}"), &app.owner)
        .await;

    assert_eq!(unbanned.len(), 2);
    assert!(!unbanned.contains(&martinez[0]));
    other_query.assert_problem(400);
    no_query.assert_problem(400);
}

#[tokio::test]
async fn cl_6_bad_searches_are_422_problems_naming_q() {
    let app = spawn_app().await;
    people(&app).await;

    for query in ["6", "   ", "+", "(0)", "--", &"a".repeat(101)] {
        let reply = app
            .get(&format!("/v1/clients?q={}", q(query)), &app.owner)
            .await;
        reply.assert_problem(422);
        assert_eq!(reply.problem_fields(), ["q"], "q={query:?}");
    }
}

#[tokio::test]
async fn pl_23_a_french_business_keeps_phones_in_e164_and_finds_them_typed_either_way() {
    let app = spawn_app().await;
    // A client from before the country was set: their number is rewritten with it.
    let earlier = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Cleo", "last_name": "Dias", "phone": "07 81 22 33 44" }),
        )
        .await;
    assert_eq!(earlier["phone_normalised"], json!("0781223344"));
    let version = app
        .get("/v1/business", &app.owner)
        .await
        .at("/version")
        .clone();
    let set = app
        .patch(
            "/v1/business",
            &app.owner,
            json!({ "version": version, "default_country": "fr" }),
        )
        .await;
    set.assert_status(200);
    assert_eq!(set.at("/default_country"), &json!("FR"));
    let ana = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "phone": "06 12 34 56 78" }),
        )
        .await;
    let odd = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Bea", "last_name": "Costa", "phone": "1234" }),
        )
        .await;
    let bad = app
        .patch(
            "/v1/business",
            &app.owner,
            json!({ "version": set.at("/version"), "default_country": "France" }),
        )
        .await;

    assert_eq!(ana["phone"], json!("06 12 34 56 78"), "kept as typed");
    assert_eq!(ana["phone_normalised"], json!("+33612345678"));
    assert_eq!(
        odd["phone_normalised"],
        json!("1234"),
        "not a French number: as typed"
    );
    for query in ["06 12", "0612", "+33 6 12", "612345678"] {
        assert_eq!(found(&app, query, 50).await, ["Ana Silva"], "{query}");
    }
    bad.assert_problem(422);
    assert_eq!(bad.problem_fields(), ["default_country"]);
    let cleo = app
        .get(
            &format!("/v1/clients/{}", earlier["id"].as_str().unwrap()),
            &app.owner,
        )
        .await;
    assert_eq!(cleo.at("/phone_normalised"), &json!("+33781223344"));
    assert_eq!(cleo.at("/phone"), &json!("07 81 22 33 44"));
    assert_eq!(found(&app, "+33 7 81", 50).await, ["Cleo Dias"]);
    assert_eq!(found(&app, "0781", 50).await, ["Cleo Dias"]);
}
