//! CL-15: client imports: a CSV file posted as it is, worked by the worker; its progress,
//! the mapping it used, and the per-row report as JSON pages or as a file.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_imports::ImportOptions;
use clientele_domain::client_import::{
    ClientImport, DateOrder, ImportStatus, OnExisting, Outcome, RowReport,
};
use clientele_domain::{ImportId, PageLimit, SiteId};

use super::{ApiTags, page_limit};
use crate::export::{Cell, ExportFile, ExportFormat, Pages, Row, Table};
use crate::problem::can::*;
use crate::problem::{ProblemResponse, Problems};
use crate::security::StaffToken;

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ImportStatusView {
    /// Waiting for the worker, or being worked.
    Pending,
    Done,
    /// The file could not be read any further (`failure` says why).
    Failed,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OnExistingParam {
    /// The row's values replace the client's (empty cells change nothing).
    Update,
    /// The row is skipped.
    Skip,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DateOrderParam {
    /// 31/12/2026
    Dmy,
    /// 12/31/2026
    Mdy,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OutcomeView {
    Created,
    Updated,
    Skipped,
    Invalid,
}

impl From<Outcome> for OutcomeView {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Created => Self::Created,
            Outcome::Updated => Self::Updated,
            Outcome::Skipped => Self::Skipped,
            Outcome::Invalid => Self::Invalid,
        }
    }
}

/// A column of the file and what it was imported as.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MappedColumn {
    pub header: String,
    /// `first_name`, `last_name`, `full_name`, `email`, `phone`, `notes` or
    /// `custom:<field id>`; absent when the column is ignored.
    pub column: Option<String>,
}

/// A client import (CL-15) and how far it has gone.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClientImportView {
    pub id: Uuid,
    pub status: ImportStatusView,
    /// A dry run reports what it would do and changes nothing.
    pub dry_run: bool,
    pub on_existing: OnExistingParam,
    pub dates: DateOrderParam,
    /// `,` or `;`, as told from the header row.
    pub delimiter: String,
    /// The mapping used, column by column.
    pub mapping: Vec<MappedColumn>,
    /// The site new clients go to.
    pub site_id: Uuid,
    /// Rows in the file, its header aside.
    pub total_rows: u32,
    pub rows_read: u32,
    pub created: u32,
    pub updated: u32,
    pub skipped: u32,
    pub invalid: u32,
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<&ClientImport> for ClientImportView {
    fn from(i: &ClientImport) -> Self {
        Self {
            id: i.id.as_uuid(),
            status: match i.status {
                ImportStatus::Pending => ImportStatusView::Pending,
                ImportStatus::Done => ImportStatusView::Done,
                ImportStatus::Failed => ImportStatusView::Failed,
            },
            dry_run: i.dry_run,
            on_existing: match i.on_existing {
                OnExisting::Update => OnExistingParam::Update,
                OnExisting::Skip => OnExistingParam::Skip,
            },
            dates: match i.dates {
                DateOrder::DayMonthYear => DateOrderParam::Dmy,
                DateOrder::MonthDayYear => DateOrderParam::Mdy,
            },
            delimiter: char::from(i.delimiter).to_string(),
            mapping: i
                .headers
                .iter()
                .zip(i.mapping.columns())
                .map(|(header, column)| MappedColumn {
                    header: header.clone(),
                    column: column.map(|c| c.name()),
                })
                .collect(),
            site_id: i.site_id.as_uuid(),
            total_rows: i.total_rows,
            rows_read: i.progress.read,
            created: i.progress.created,
            updated: i.progress.updated,
            skipped: i.progress.skipped,
            invalid: i.progress.invalid,
            failure: i.failure.clone(),
            created_at: i.created_at,
            finished_at: i.finished_at,
        }
    }
}

/// One row of the report.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportRowView {
    /// Its line in the file (the header is line 1).
    pub line: u32,
    pub outcome: OutcomeView,
    /// The client it created or changed (none in a dry run's creations).
    pub client_id: Option<Uuid>,
    /// Why it was not imported, or why it changed nothing.
    pub reason: Option<String>,
}

impl From<&RowReport> for ImportRowView {
    fn from(r: &RowReport) -> Self {
        Self {
            line: r.line,
            outcome: r.outcome.into(),
            client_id: r.client_id.map(|id| id.as_uuid()),
            reason: r.reason.clone(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportRowPage {
    pub items: Vec<ImportRowView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum StartImportResponse {
    /// The file was accepted; the worker imports it (follow `GET /v1/client-imports/{id}`).
    #[oai(status = 202)]
    Accepted(Json<ClientImportView>),
}

/// The columns of an import's report as a file.
pub const REPORT_COLUMNS: [&str; 4] = ["line", "outcome", "client_id", "reason"];

/// One row of an import's report as a file.
pub fn report_row(r: &RowReport) -> Row {
    vec![
        Cell::text(r.line.to_string()),
        Cell::text(r.outcome.as_str()),
        Cell::text(r.client_id.map(|id| id.to_string()).unwrap_or_default()),
        Cell::text(r.reason.clone().unwrap_or_default()),
    ]
}

/// The pages of an import's report after the first.
struct ReportPages {
    app: Clientele,
    actor: clientele_domain::Actor,
    id: ImportId,
    cursor: Option<String>,
}

impl Pages for ReportPages {
    async fn next_page(&mut self) -> Result<Option<Vec<Row>>, String> {
        let Some(cursor) = self.cursor.take() else {
            return Ok(None);
        };
        let page = self
            .app
            .client_import_report(&self.actor, self.id, PageLimit::largest(), Some(&cursor))
            .await
            .map_err(|e| e.to_string())?;
        self.cursor = page.next_cursor;
        Ok(Some(page.items.iter().map(report_row).collect()))
    }
}

pub struct ClientImportsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientImportsApi {
    /// Import clients from a CSV file (owner, admin; CL-15): post the file itself as the
    /// body (UTF-8 with or without a BOM, comma- or semicolon-separated, a header row,
    /// up to 32 MiB). The mapping is proposed from the headers (the exports of Square,
    /// Acuity and others: "First Name", "Surname", "Email Address", "Phone Number", a
    /// single "Name"…, and custom fields by name) unless given with `map`. The answer
    /// is the import, with the mapping it uses; the worker then imports its rows.
    #[oai(
        path = "/client-imports",
        method = "post",
        operation_id = "start_client_import"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn start(
        &self,
        auth: StaffToken,
        body: Binary<Vec<u8>>,
        /// Report what would happen, change nothing.
        dry_run: Query<Option<bool>>,
        /// A row whose email is a client's: `update` that client (default) or `skip`.
        on_existing: Query<Option<OnExistingParam>>,
        /// How dates other than YYYY-MM-DD are written: `dmy` (default) or `mdy`.
        dates: Query<Option<DateOrderParam>>,
        /// The site new clients go to (default: the caller's current site).
        site: Query<Option<Uuid>>,
        /// The mapping, instead of the proposed one: one `<header>=<column>` per column to
        /// import (`#3=email` names the third column); columns not named are ignored.
        map: Query<Option<Vec<String>>>,
    ) -> Result<
        StartImportResponse,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let mapping = match map.0 {
            None => None,
            Some(pairs) => Some(
                pairs
                    .into_iter()
                    .map(|pair| {
                        pair.split_once('=')
                            .map(|(header, column)| (header.to_owned(), column.to_owned()))
                            .ok_or_else(|| {
                                ProblemResponse::bad_parameter("map", "each is <header>=<column>")
                            })
                    })
                    .collect::<Result<BTreeMap<_, _>, _>>()?,
            ),
        };
        let options = ImportOptions {
            dry_run: dry_run.0.unwrap_or(false),
            on_existing: match on_existing.0 {
                Some(OnExistingParam::Skip) => OnExisting::Skip,
                _ => OnExisting::Update,
            },
            dates: match dates.0 {
                Some(DateOrderParam::Mdy) => DateOrder::MonthDayYear,
                _ => DateOrder::DayMonthYear,
            },
            mapping,
            site: site.0.map(SiteId::from_uuid),
        };
        let import = (self.app)
            .start_client_import(&actor, &body.0[..], &options)
            .await?;
        Ok(StartImportResponse::Accepted(Json((&import).into())))
    }

    /// An import and how far it has gone (owner, admin; CL-15).
    #[oai(
        path = "/client-imports/:id",
        method = "get",
        operation_id = "get_client_import"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ClientImportView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>>
    {
        let actor = auth.actor(&self.app).await?;
        let import = self
            .app
            .client_import(&actor, ImportId::from_uuid(id.0))
            .await?;
        Ok(Json((&import).into()))
    }

    /// The report of the rows read so far, in the file's order (CL-15).
    #[oai(
        path = "/client-imports/:id/rows",
        method = "get",
        operation_id = "list_client_import_rows"
    )]
    async fn rows(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ImportRowPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .client_import_report(
                &actor,
                ImportId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(ImportRowPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// The whole report as a file (CL-15): `format=csv` (default) or `xlsx`.
    #[oai(
        path = "/client-imports/:id/report",
        method = "get",
        operation_id = "export_client_import_report"
    )]
    async fn report(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        format: Query<Option<ExportFormat>>,
    ) -> Result<ExportFile, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let id = ImportId::from_uuid(id.0);
        let first = self
            .app
            .client_import_report(&actor, id, PageLimit::largest(), None)
            .await?;
        let rows = first.items.iter().map(report_row).collect();
        let pages = ReportPages {
            app: self.app.clone(),
            actor,
            id,
            cursor: first.next_cursor,
        };
        Ok(ExportFile::new(
            Table::new("client-import", &REPORT_COLUMNS),
            format.0.unwrap_or_default(),
            rows,
            pages,
        ))
    }
}
