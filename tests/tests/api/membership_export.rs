//! ME-18: the memberships list exported as CSV and as an Excel workbook, with its filters.

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use serde_json::json;

use crate::billing::membership_type;
use crate::helpers::{TestApp, spawn_app};

async fn manual_membership(t: &TestApp, kind: &str, last_name: &str) -> String {
    let client = t
        .create_client(
            &t.owner,
            json!({ "first_name": "Ana", "last_name": last_name,
                    "email": format!("{last_name}@example.com") }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let reply = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": kind, "payment_method": "manual",
                    "start_date": chrono::Utc::now().date_naive().to_string() }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

pub async fn bytes(t: &TestApp, path: &str, token: &str) -> (u16, String, String, Vec<u8>) {
    let response = t
        .client
        .get(path)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .0;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    let body = response.into_body().into_vec().await.expect("a body");
    (status, content_type, disposition, body)
}

#[tokio::test]
async fn me_18_memberships_export_as_csv_with_the_list_filters() {
    let t = spawn_app().await;
    let kind = membership_type(&t, "manual").await;
    let first = manual_membership(&t, &kind, "=cruz").await;
    manual_membership(&t, &kind, "lima").await;
    let cancelled = manual_membership(&t, &kind, "nunes").await;
    t.post(
        &format!("/v1/memberships/{cancelled}/cancel"),
        &t.owner,
        json!({ "version": 1 }),
    )
    .await
    .assert_status(200);

    let (status, content_type, disposition, all) =
        bytes(&t, "/v1/memberships/export", &t.owner).await;
    let (_, _, _, only_cancelled) =
        bytes(&t, "/v1/memberships/export?status=cancelled", &t.owner).await;

    assert_eq!(status, 200);
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(disposition, "attachment; filename=\"memberships.csv\"");
    let all = String::from_utf8(all).expect("UTF-8");
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 4, "{all}");
    assert!(lines[0].starts_with("number,status,reason,client_id,client_first_name"));
    let oldest = lines[3];
    assert!(oldest.starts_with("M-000001,active,,"), "{oldest}");
    assert!(oldest.contains(",'=cruz,"), "a formula is text: {oldest}");
    assert!(oldest.contains(",49.90,EUR,"), "{oldest}");
    assert!(oldest.contains(&first), "{oldest}");
    let only_cancelled = String::from_utf8(only_cancelled).expect("UTF-8");
    assert_eq!(only_cancelled.lines().count(), 2);
    assert!(only_cancelled.contains(&cancelled));
}

#[tokio::test]
async fn me_18_memberships_export_as_an_excel_workbook() {
    let t = spawn_app().await;
    let kind = membership_type(&t, "manual").await;
    for name in ["cruz", "lima", "nunes"] {
        manual_membership(&t, &kind, name).await;
    }

    let (status, content_type, disposition, body) =
        bytes(&t, "/v1/memberships/export?format=xlsx", &t.owner).await;

    assert_eq!(status, 200);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(disposition, "attachment; filename=\"memberships.xlsx\"");
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(body)).expect("a workbook");
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    assert_eq!(sheet.height(), 4);
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("number".into())));
    assert_eq!(sheet.get((3, 0)), Some(&Data::String("M-000001".into())));
    assert_eq!(sheet.get((3, 5)), Some(&Data::String("cruz".into())));
    assert_eq!(
        sheet.get((3, 7)),
        Some(&Data::Float(49.9)),
        "the rate as a number"
    );
    assert!(
        matches!(sheet.get((3, 9)), Some(Data::DateTime(_))),
        "the start date as a date: {:?}",
        sheet.get((3, 9))
    );
}

#[tokio::test]
async fn me_18_only_owners_and_admins_export() {
    let t = spawn_app().await;
    let site = t.main_site().await;
    let staff = t.staff_token("staff", "staff@example.com", &[&site]).await;

    let (status, ..) = bytes(&t, "/v1/memberships/export", &staff).await;
    let (bad_format, ..) = bytes(&t, "/v1/memberships/export?format=pdf", &t.owner).await;

    assert_eq!(status, 403);
    assert_eq!(bad_format, 400);
}
