//! `clientele-api import FILE`: a client import (CL-15) from the command line, through
//! the same use cases as `POST /v1/client-imports` and the worker's job. The file is read
//! as it streams (any size), the rows are imported here batch by batch (a worker running
//! at the same time shares the work), a progress bar follows the rows read, and the
//! report may be written to a CSV file.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use thiserror::Error;

use clientele_application::Clientele;
use clientele_application::client_imports::{ImportError, ImportOptions, ImportPolicy};
use clientele_domain::client_import::{ClientImport, ImportStatus};
use clientele_domain::{Actor, PageLimit};

use crate::export;
use crate::routes::client_imports::{REPORT_COLUMNS, report_row};

/// An import as the command line asks for it.
#[derive(Debug, Clone)]
pub struct ImportCommand {
    pub file: PathBuf,
    pub options: ImportOptions,
    /// Where to write the report (CSV); none: no report file.
    pub report: Option<PathBuf>,
    /// Draw a progress bar on standard error (only drawn on a terminal).
    pub progress: bool,
}

#[derive(Debug, Error)]
pub enum CommandError {
    #[error("{0} cannot be read: {1}")]
    Open(PathBuf, std::io::Error),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("the report cannot be written to {0}: {1}")]
    Report(PathBuf, String),
}

/// How long to wait before looking again when another process holds the import.
const POLL: Duration = Duration::from_millis(200);

/// Runs the import as `actor` until it ends: the import as it ended.
pub async fn run(
    app: &Clientele,
    actor: &Actor,
    command: &ImportCommand,
) -> Result<ClientImport, CommandError> {
    let file = std::fs::File::open(&command.file)
        .map_err(|e| CommandError::Open(command.file.clone(), e))?;
    let bar = match command.progress {
        true => ProgressBar::new_spinner(),
        false => ProgressBar::hidden(),
    };
    bar.set_message(format!("reading {}", command.file.display()));
    bar.enable_steady_tick(Duration::from_millis(120));
    // The file is read on this thread as it is stored: a command line has nothing else
    // to serve meanwhile.
    let file = std::io::BufReader::with_capacity(256 * 1024, file);
    let mut import = app
        .start_client_import(actor, file, &command.options)
        .await?;
    bar.set_length(u64::from(import.total_rows));
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, {eta} left) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    while import.status == ImportStatus::Pending {
        if !app.import_clients_step(ImportPolicy::default()).await? {
            tokio::time::sleep(POLL).await;
        }
        import = app.client_import(actor, import.id).await?;
        bar.set_position(u64::from(import.progress.read));
        let p = &import.progress;
        bar.set_message(format!(
            "{} created, {} updated, {} skipped, {} invalid",
            p.created, p.updated, p.skipped, p.invalid
        ));
    }
    bar.finish();
    if let Some(path) = &command.report {
        write_report(app, actor, &import, path)
            .await
            .map_err(|e| CommandError::Report(path.clone(), e))?;
    }
    Ok(import)
}

/// The import's report as CSV, page by page.
async fn write_report(
    app: &Clientele,
    actor: &Actor,
    import: &ClientImport,
    path: &std::path::Path,
) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(file);
    let header: Vec<String> = REPORT_COLUMNS.iter().map(|&c| c.to_owned()).collect();
    let mut header = Some(header);
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .client_import_report(actor, import.id, PageLimit::largest(), cursor.as_deref())
            .await
            .map_err(|e| e.to_string())?;
        let rows: Vec<export::Row> = page.items.iter().map(report_row).collect();
        let bytes = export::csv_rows(header.take().as_deref(), &rows).map_err(|e| e.to_string())?;
        out.write_all(&bytes).map_err(|e| e.to_string())?;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.flush().map_err(|e| e.to_string())
}
