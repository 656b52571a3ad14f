//! CL-15: the client import timed end to end through the use cases: a CSV file of N new
//! clients (first name, last name, email, phone) is started as an import, then worked
//! step by step as the worker does, until done.

use std::error::Error;
use std::time::{Duration, Instant};

use clientele_application::Clientele;
use clientele_application::client_imports::{ImportOptions, ImportPolicy};
use clientele_application::clients::{ClientListRequest, SiteChoice};
use clientele_domain::Actor;

use crate::http::rss_kib;

/// What one import took.
#[derive(Debug, Clone, Copy)]
pub struct ImportRun {
    pub rows: u32,
    pub created: u32,
    /// Checking and storing the file (the API's answer).
    pub accepted: Duration,
    /// Everything, the worker's steps included.
    pub total: Duration,
    pub rss_growth_kib: u64,
}

/// A file of `rows` clients no other run made (their emails carry `tag`).
pub fn file(rows: u32, tag: &str) -> String {
    let mut csv = String::from("First Name,Last Name,Email Address,Phone Number\n");
    for n in 0..rows {
        csv.push_str(&format!(
            "Imported{n},Client{tag},import{n}.{tag}@example.com,06 {:02} {:02} {:02} {:02}\n",
            n % 100,
            (n / 100) % 100,
            (n / 10_000) % 100,
            (n / 1_000_000) % 100
        ));
    }
    csv
}

/// Imports `rows` new clients as `owner`.
pub async fn run(app: &Clientele, owner: &Actor, rows: u32) -> Result<ImportRun, Box<dyn Error>> {
    let tag = format!("{}", chrono::Utc::now().timestamp_millis());
    let file = file(rows, &tag).into_bytes();
    let before = rss_kib();
    let mut peak = before;
    let started = Instant::now();
    let import = (app)
        .start_client_import(owner, &file[..], &ImportOptions::default())
        .await?;
    let accepted = started.elapsed();
    drop(file);
    while app.import_clients_step(ImportPolicy::default()).await? {
        peak = peak.max(rss_kib());
    }
    let total = started.elapsed();
    let done = app.client_import(owner, import.id).await?;
    Ok(ImportRun {
        rows,
        created: done.progress.created,
        accepted,
        total,
        rss_growth_kib: peak.saturating_sub(before),
    })
}

/// CL-16: the whole client export (every site) through the use cases alone, its pages
/// read one after the other without CSV or HTTP: how many rows, and how long.
pub async fn export_pages(
    app: &Clientele,
    owner: &Actor,
) -> Result<(u64, Duration), Box<dyn Error>> {
    let request = ClientListRequest {
        site: SiteChoice::All,
        ..ClientListRequest::default()
    };
    let started = Instant::now();
    let mut export = app.export_clients(owner, &request).await?;
    let mut rows = 0;
    while let Some(page) = app.client_export_page(&mut export).await? {
        rows += page.len() as u64;
    }
    Ok((rows, started.elapsed()))
}
