//! CL-15: importing clients from CSV files: a messy real-world file, twice and as a dry
//! run; the mappings proposed from common exports or given; whole files refused.

use chrono::TimeDelta;
use serde_json::{Value, json};

use clientele_api::import_command::{CommandError, ImportCommand, run};
use clientele_application::client_imports::{ImportOptions, ImportPolicy};
use clientele_domain::client_import::ImportStatus;

use crate::helpers::{Reply, TestApp, spawn_app};

/// A file as people send them: a BOM, semicolons, quotes around a cell holding a
/// semicolon and a line break, CRLF, a blank line, a duplicate, bad rows.
const MESSY: &str = "\u{feff}Prénom;Nom;Courriel;Téléphone;Notes\r\n\
Ana;Lima;ana@example.com;06 12 34 56 78;\"likes; quiet\r\nrooms\"\r\n\
\r\n\
Bruno;Costa;bruno.example.com;;\r\n\
\"Clara\";\"Dias\";clara@example.com;;\r\n\
Ana;Lima;ANA@example.com;;second\r\n\
;Silva;;;\r\n\
Dora;Reis;;0601020304;\r\n\
Eva;Mota;eva@example.com;;;extra\r\n";

async fn start(t: &TestApp, query: &str, file: &[u8]) -> Reply {
    t.post_bytes(
        &format!("/v1/client-imports{query}"),
        &t.owner,
        "text/csv",
        file.to_vec(),
    )
    .await
}

/// Works the import to its end, `batch` rows per step, as the worker does; its view.
async fn worked(t: &TestApp, id: &str, batch: u32) -> Value {
    let policy = ImportPolicy {
        batch,
        lease: TimeDelta::minutes(2),
    };
    while t.app.import_clients_step(policy).await.expect("a step") {}
    let reply = t.get(&format!("/v1/client-imports/{id}"), &t.owner).await;
    reply.assert_status(200);
    reply.body
}

fn counts(import: &Value) -> [u64; 6] {
    [
        "total_rows",
        "rows_read",
        "created",
        "updated",
        "skipped",
        "invalid",
    ]
    .map(|key| {
        import[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {import:#}"))
    })
}

/// The report as (line, outcome, has a client, reason contains) rows.
async fn report(t: &TestApp, id: &str) -> Vec<(u64, String, bool, String)> {
    let reply = t
        .get(&format!("/v1/client-imports/{id}/rows?limit=3"), &t.owner)
        .await;
    reply.assert_status(200);
    let mut items = reply.at("/items").as_array().expect("items").clone();
    let mut cursor = reply.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(next) = cursor {
        let page = t
            .get(
                &format!("/v1/client-imports/{id}/rows?limit=3&cursor={next}"),
                &t.owner,
            )
            .await;
        items.extend(page.at("/items").as_array().expect("items").clone());
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
    }
    items
        .iter()
        .map(|row| {
            (
                row["line"].as_u64().expect("a line"),
                row["outcome"].as_str().expect("an outcome").to_owned(),
                row["client_id"].is_string(),
                row["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn clients(t: &TestApp) -> Vec<Value> {
    t.get("/v1/clients?site=all&sort=last_name", &t.owner)
        .await
        .at("/items")
        .as_array()
        .expect("items")
        .clone()
}

#[tokio::test]
async fn cl_15_a_messy_file_imports_row_by_row_and_a_second_run_creates_nothing() {
    let t = spawn_app().await;

    let started = start(&t, "", MESSY.as_bytes()).await;
    started.assert_status(202);
    assert_eq!(started.at("/status"), &json!("pending"));
    assert_eq!(started.at("/delimiter"), &json!(";"));
    assert_eq!(
        started.at("/mapping"),
        &json!([
            { "header": "Prénom", "column": "first_name" },
            { "header": "Nom", "column": "last_name" },
            { "header": "Courriel", "column": "email" },
            { "header": "Téléphone", "column": "phone" },
            { "header": "Notes", "column": "notes" },
        ])
    );
    let id = started.str("/id");
    let done = worked(&t, &id, 2).await;

    assert_eq!(done["status"], json!("done"));
    assert_eq!(counts(&done), [7, 7, 3, 1, 0, 3]);
    let rows = report(&t, &id).await;
    let outcomes: Vec<(u64, &str)> = rows.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(
        outcomes,
        [
            (2, "created"),
            (5, "invalid"),
            (6, "created"),
            (7, "updated"),
            (8, "invalid"),
            (9, "created"),
            (10, "invalid"),
        ],
        "lines of the file, quoted line breaks and blank lines counted"
    );
    assert!(rows[1].3.contains("email"), "{:?}", rows[1]);
    assert!(rows[4].3.contains("first_name"), "{:?}", rows[4]);
    assert!(rows[6].3.contains("cells"), "{:?}", rows[6]);
    let listed = clients(&t).await;
    let names: Vec<(&str, &str)> = listed
        .iter()
        .map(|c| {
            (
                c["last_name"].as_str().expect("a name"),
                c["client_notes"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [("Dias", ""), ("Lima", "second"), ("Reis", "")],
        "the duplicate updated the client the first row created"
    );
    assert_eq!(listed[1]["phone"], json!("06 12 34 56 78"));

    let again = start(&t, "", MESSY.as_bytes()).await.str("/id");
    let twice = worked(&t, &again, 500).await;

    assert_eq!(
        counts(&twice)[2],
        0,
        "nothing new the second time: {twice:#}"
    );
    assert_eq!(clients(&t).await.len(), 3);
}

#[tokio::test]
async fn cl_15_a_dry_run_reports_the_same_and_changes_nothing() {
    let t = spawn_app().await;

    let id = start(&t, "?dry_run=true", MESSY.as_bytes())
        .await
        .str("/id");
    let done = worked(&t, &id, 3).await;

    assert_eq!(done["dry_run"], json!(true));
    assert_eq!(counts(&done), [7, 7, 3, 1, 0, 3]);
    assert!(clients(&t).await.is_empty());
    let rows = report(&t, &id).await;
    assert!(
        rows.iter().all(|(_, _, client, _)| !client),
        "a dry run names no client it did not make: {rows:?}"
    );
}

#[tokio::test]
async fn cl_15_existing_clients_are_updated_or_skipped_as_asked() {
    let t = spawn_app().await;
    t.create_client(
        &t.owner,
        json!({ "first_name": "Ana", "last_name": "Lima", "email": "ana@example.com" }),
    )
    .await;
    let file = "First Name,Last Name,Email,Phone\nAna,Lima,ana@example.com,0611223344\n";

    let skipping = start(&t, "?on_existing=skip", file.as_bytes())
        .await
        .str("/id");
    let skipped = worked(&t, &skipping, 500).await;
    let updating = start(&t, "", file.as_bytes()).await.str("/id");
    let updated = worked(&t, &updating, 500).await;

    assert_eq!(counts(&skipped)[2..], [0, 0, 1, 0]);
    assert_eq!(counts(&updated)[2..], [0, 1, 0, 0]);
    let ana = &clients(&t).await[0];
    assert_eq!(ana["phone"], json!("0611223344"));
    let audit = t
        .get(
            &format!("/v1/clients/{}/audit", ana["id"].as_str().expect("an id")),
            &t.owner,
        )
        .await;
    assert!(
        audit.body.to_string().contains("0611223344"),
        "an import's change is audited: {:#}",
        audit.body
    );
}

#[tokio::test]
async fn cl_15_square_acuity_and_full_name_headers_are_mapped_or_the_mapping_is_given() {
    let t = spawn_app().await;
    let square = "First Name,Surname,Email Address,Phone Number,Email Subscription Status\n\
                  Ana,Lima,ana@example.com,0611223344,subscribed\n";
    let acuity = "First Name,Last Name,Phone,Email,Banned\nBruno,Costa,,bruno@example.com,no\n";
    let single = "Name,Mail,Mobile\nClara Maria Dias,clara@example.com,0699887766\n";
    let unnamed = "Client,Contact\nDora Reis,dora@example.com\n";

    let mapped = |reply: &Reply| -> Vec<Value> {
        reply
            .at("/mapping")
            .as_array()
            .expect("a mapping")
            .iter()
            .map(|c| c["column"].clone())
            .collect()
    };
    let from_square = start(&t, "", square.as_bytes()).await;
    let from_acuity = start(&t, "", acuity.as_bytes()).await;
    let from_single = start(&t, "", single.as_bytes()).await;
    let refused = start(&t, "", unnamed.as_bytes()).await;
    let given = start(
        &t,
        "?map=Client%3Dfull_name&map=%232%3Demail",
        unnamed.as_bytes(),
    )
    .await;

    assert_eq!(
        mapped(&from_square),
        [
            json!("first_name"),
            json!("last_name"),
            json!("email"),
            json!("phone"),
            Value::Null
        ]
    );
    assert_eq!(
        mapped(&from_acuity),
        [
            json!("first_name"),
            json!("last_name"),
            json!("phone"),
            json!("email"),
            Value::Null
        ]
    );
    assert_eq!(
        mapped(&from_single),
        [json!("full_name"), json!("email"), json!("phone")]
    );
    refused.assert_problem(422);
    assert_eq!(refused.problem_fields(), ["mapping"]);
    assert!(
        refused.body.to_string().contains("Client, Contact"),
        "the problem names the headers: {:#}",
        refused.body
    );
    given.assert_status(202);
    for reply in [&from_square, &from_acuity, &from_single, &given] {
        worked(&t, &reply.str("/id"), 500).await;
    }
    let names: Vec<(String, String)> = clients(&t)
        .await
        .iter()
        .map(|c| {
            (
                c["first_name"].as_str().expect("a name").to_owned(),
                c["last_name"].as_str().expect("a name").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Bruno".to_owned(), "Costa".to_owned()),
            ("Clara Maria".to_owned(), "Dias".to_owned()),
            ("Ana".to_owned(), "Lima".to_owned()),
            ("Dora".to_owned(), "Reis".to_owned()),
        ]
    );
}

#[tokio::test]
async fn cl_15_custom_fields_and_dates_in_the_business_order_are_imported() {
    let t = spawn_app().await;
    let born = t
        .post(
            "/v1/custom-fields",
            &t.owner,
            json!({ "name": "Birthday", "kind": "date" }),
        )
        .await
        .str("/id");
    let file = "Name;Email;Birthday\nAna Lima;ana@example.com;05/03/1990\n\
                Bruno Costa;bruno@example.com;31/02/1990\n";

    let id = start(&t, "?dates=mdy", file.as_bytes()).await.str("/id");
    let done = worked(&t, &id, 500).await;

    assert_eq!(counts(&done)[2..], [1, 0, 0, 1]);
    let ana = &clients(&t).await[0];
    assert_eq!(ana["custom_fields"][&born], json!("1990-05-03"));
    let rows = report(&t, &id).await;
    assert!(rows[1].3.contains("Birthday"), "{:?}", rows[1]);
}

#[tokio::test]
async fn cl_15_the_report_is_a_file_too() {
    let t = spawn_app().await;
    let id = start(&t, "", MESSY.as_bytes()).await.str("/id");
    worked(&t, &id, 500).await;

    let reply = t
        .get(&format!("/v1/client-imports/{id}/report"), &t.owner)
        .await;

    reply.assert_status(200);
    let text = reply.body.as_str().expect("CSV text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "line,outcome,client_id,reason");
    assert_eq!(lines.len(), 8);
    assert!(lines[2].starts_with("5,invalid,,"), "{}", lines[2]);
}

#[tokio::test]
async fn cl_15_a_bad_file_is_refused_whole_and_only_owners_and_admins_import() {
    let t = spawn_app().await;
    let site = t.main_site().await;
    let staff = t.staff_token("staff", "staff@example.com", &[&site]).await;

    let latin1 = start(&t, "", b"Nom;Pr\xe9nom\nLima;Ana\n").await;
    let empty = start(&t, "", b"").await;
    let blank = start(&t, "", b"\xef\xbb\xbf\r\n").await;
    let too_large = start(&t, "", &vec![b'a'; 33 * 1024 * 1024]).await;
    let by_staff = t
        .post_bytes(
            "/v1/client-imports",
            &staff,
            "text/csv",
            b"Name\nAna Lima\n".to_vec(),
        )
        .await;
    let unknown = t
        .get(
            &format!("/v1/client-imports/{}", uuid::Uuid::new_v4()),
            &t.owner,
        )
        .await;

    for refused in [&latin1, &empty, &blank] {
        refused.assert_problem(422);
        assert_eq!(refused.problem_fields(), ["file"], "{:#}", refused.body);
    }
    assert!(latin1.body.to_string().contains("UTF-8"));
    too_large.assert_problem(413);
    by_staff.assert_problem(403);
    unknown.assert_problem(404);
    assert!(clients(&t).await.is_empty());
}

#[tokio::test]
async fn cl_15_a_file_larger_than_a_step_reads_is_imported_across_its_pieces() {
    let t = spawn_app().await;
    let padding = "x".repeat(50_000);
    let mut file = String::from("First Name,Last Name,Email,Padding\n");
    for n in 0..40 {
        file.push_str(&format!("Ana,Lima{n:02},ana{n}@example.com,{padding}\n"));
    }

    let id = start(&t, "", file.as_bytes()).await.str("/id");
    let done = worked(&t, &id, 7).await;

    assert_eq!(counts(&done), [40, 40, 40, 0, 0, 0], "{done:#}");
    let lines: Vec<u64> = report(&t, &id).await.iter().map(|r| r.0).collect();
    assert_eq!(lines, (2..=41).collect::<Vec<u64>>());
    let names: Vec<String> = clients(&t)
        .await
        .iter()
        .map(|c| c["last_name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(names.len(), 40);
    assert_eq!(
        (names[0].as_str(), names[39].as_str()),
        ("Lima00", "Lima39")
    );
}

#[tokio::test]
async fn cl_15_a_row_longer_than_a_step_reads_ends_the_import_with_a_reason() {
    let t = spawn_app().await;
    let file = format!(
        "First Name,Last Name,Notes\r\nAna,Lima,short\r\nBruno,Costa,{}\r\nClara,Dias,short\r\n",
        "y".repeat(1_100_000)
    );

    let id = start(&t, "", file.as_bytes()).await.str("/id");
    let ended = worked(&t, &id, 500).await;

    assert_eq!(ended["status"], json!("failed"));
    assert_eq!(
        counts(&ended)[..3],
        [3, 1, 1],
        "the row before it was imported"
    );
    assert!(
        ended["failure"]
            .as_str()
            .is_some_and(|f| f.contains("line 3") && f.contains("longer")),
        "{ended:#}"
    );
}

#[tokio::test]
async fn cl_15_the_command_line_imports_a_file_to_its_end_and_writes_the_report() {
    let t = spawn_app().await;
    let folder = &t.blob_dir.0;
    std::fs::create_dir_all(folder).expect("a folder");
    let (file, report) = (folder.join("clients.csv"), folder.join("report.csv"));
    std::fs::write(&file, MESSY).expect("the file written");
    let actor = t.app.authenticate(&t.owner).await.expect("the owner");
    let command = ImportCommand {
        file: file.clone(),
        options: ImportOptions::default(),
        report: Some(report.clone()),
        progress: false,
    };

    let done = run(&t.app, &actor, &command).await.expect("imported");
    let missing = ImportCommand {
        file: folder.join("missing.csv"),
        ..command.clone()
    };
    let failed = run(&t.app, &actor, &missing).await;

    assert_eq!(done.status, ImportStatus::Done);
    let p = &done.progress;
    assert_eq!(
        [done.total_rows, p.read, p.created, p.updated, p.invalid],
        [7, 7, 3, 1, 3]
    );
    assert_eq!(clients(&t).await.len(), 3);
    let written = std::fs::read_to_string(&report).expect("the report");
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 8, "{written}");
    assert_eq!(lines[0], "line,outcome,client_id,reason");
    assert!(lines[1].starts_with("2,created,"), "{}", lines[1]);
    assert!(lines[2].starts_with("5,invalid,,"), "{}", lines[2]);
    assert!(
        matches!(&failed, Err(CommandError::Open(path, _)) if path.ends_with("missing.csv")),
        "{failed:?}"
    );
}

#[tokio::test]
async fn cl_15_pl_14_an_admin_of_one_site_neither_changes_nor_names_a_client_of_another() {
    let t = spawn_app().await;
    let (paris, lyon) = (t.main_site().await, t.create_site("Lyon").await);
    let admin = t.staff_token("admin", "admin@example.com", &[&paris]).await;
    let elsewhere = t
        .create_client(
            &t.owner,
            json!({
                "first_name": "Ana", "last_name": "Lima", "email": "ana@example.com",
                "sites": [lyon],
            }),
        )
        .await;
    let file = "First Name,Last Name,Email,Phone\nAna,Lima,ana@example.com,0611223344\n";

    let started = t
        .post_bytes(
            "/v1/client-imports",
            &admin,
            "text/csv",
            file.as_bytes().to_vec(),
        )
        .await;
    started.assert_status(202);
    let done = worked(&t, &started.str("/id"), 500).await;

    assert_eq!(counts(&done)[2..], [0, 0, 1, 0], "{done:#}");
    let rows = report(&t, &started.str("/id")).await;
    assert!(!rows[0].2, "the other site's client is not named: {rows:?}");
    assert!(rows[0].3.contains("site"), "{rows:?}");
    let ana = t
        .get(
            &format!("/v1/clients/{}", elsewhere["id"].as_str().unwrap()),
            &t.owner,
        )
        .await;
    assert!(ana.at("/phone").is_null(), "unchanged: {:#}", ana.body);
}
