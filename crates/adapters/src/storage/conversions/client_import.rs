//! `client_imports` and `client_import_rows` rows ↔ [`ClientImport`] and [`RowReport`].
//! The mapping is its columns' names joined by `,` (empty for an ignored column); the
//! headers are a JSON array.

use sea_orm::ActiveValue::Set;

use clientele_domain::Version;
use clientele_domain::client_import::{
    ClientImport, Column, DateOrder, ImportStatus, Mapping, OnExisting, Outcome, Progress, Resume,
    RowReport,
};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::{client_import_rows, client_imports};

const T: &str = "client_imports";

fn count(column: &'static str, n: i32) -> Result<u32, StorageError> {
    u32::try_from(n).map_err(|e| corrupt(T, column, e))
}

fn int(n: u32) -> Result<i32, StorageError> {
    i32::try_from(n).map_err(|e| corrupt(T, "rows", e))
}

fn known<V>(column: &'static str, parsed: Option<V>) -> Result<V, StorageError> {
    parsed.ok_or_else(|| corrupt(T, column, "an unknown value"))
}

fn mapping(raw: &str) -> Result<Mapping, StorageError> {
    raw.split(',')
        .map(|name| match name {
            "" => Ok(None),
            name => Column::parse(name)
                .map(Some)
                .ok_or_else(|| corrupt(T, "mapping", format!("`{name}` is no column"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Mapping::from_columns)
}

fn mapping_text(mapping: &Mapping) -> String {
    mapping
        .columns()
        .iter()
        .map(|column| column.map(|c| c.name()).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(",")
}

impl TryFrom<client_imports::Model> for ClientImport {
    type Error = StorageError;

    fn try_from(row: client_imports::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            staff_id: row.staff_id.into(),
            site_id: row.site_id.into(),
            status: known("status", ImportStatus::parse(&row.status))?,
            dry_run: row.dry_run,
            on_existing: known("on_existing", OnExisting::parse(&row.on_existing))?,
            dates: known("date_order", DateOrder::parse(&row.date_order))?,
            delimiter: match row.delimiter.as_str() {
                ";" => b';',
                "," => b',',
                other => return Err(corrupt(T, "delimiter", format!("`{other}`"))),
            },
            headers: serde_json::from_str(&row.headers).map_err(|e| corrupt(T, "headers", e))?,
            mapping: mapping(&row.mapping)?,
            total_rows: count("total_rows", row.total_rows)?,
            progress: Progress {
                read: count("rows_read", row.rows_read)?,
                created: count("created", row.created)?,
                updated: count("updated", row.updated)?,
                skipped: count("skipped", row.skipped)?,
                invalid: count("invalid", row.invalid)?,
            },
            next: Resume {
                offset: u64::try_from(row.next_offset).map_err(|e| corrupt(T, "next_offset", e))?,
                line: count("next_line", row.next_line)?,
            },
            failure: row.failure,
            created_at: row.created_at,
            finished_at: row.finished_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn client_import_row(
    import: &ClientImport,
) -> Result<client_imports::ActiveModel, StorageError> {
    let progress = import.progress;
    Ok(client_imports::ActiveModel {
        business_id: Set(import.business_id.as_uuid()),
        id: Set(import.id.as_uuid()),
        staff_id: Set(import.staff_id.as_uuid()),
        site_id: Set(import.site_id.as_uuid()),
        status: Set(import.status.as_str().to_owned()),
        dry_run: Set(import.dry_run),
        on_existing: Set(import.on_existing.as_str().to_owned()),
        date_order: Set(import.dates.as_str().to_owned()),
        delimiter: Set(char::from(import.delimiter).to_string()),
        mapping: Set(mapping_text(&import.mapping)),
        headers: Set(serde_json::to_string(&import.headers).map_err(|e| corrupt(T, "headers", e))?),
        total_rows: Set(int(import.total_rows)?),
        rows_read: Set(int(progress.read)?),
        created: Set(int(progress.created)?),
        updated: Set(int(progress.updated)?),
        skipped: Set(int(progress.skipped)?),
        invalid: Set(int(progress.invalid)?),
        next_offset: Set(
            i64::try_from(import.next.offset).map_err(|e| corrupt(T, "next_offset", e))?
        ),
        next_line: Set(int(import.next.line)?),
        failure: Set(import.failure.clone()),
        lease_until: Set(None),
        created_at: Set(instant(import.created_at)),
        finished_at: Set(import.finished_at.map(instant)),
        version: Set(import.version.get()),
    })
}

impl TryFrom<client_import_rows::Model> for RowReport {
    type Error = StorageError;

    fn try_from(row: client_import_rows::Model) -> Result<Self, Self::Error> {
        const R: &str = "client_import_rows";
        Ok(Self {
            line: u32::try_from(row.line).map_err(|e| corrupt(R, "line", e))?,
            outcome: Outcome::parse(&row.outcome)
                .ok_or_else(|| corrupt(R, "outcome", format!("`{}`", row.outcome)))?,
            client_id: row.client_id.map(Into::into),
            reason: row.reason,
        })
    }
}

pub(crate) fn client_import_report_row(
    import: &ClientImport,
    report: &RowReport,
    email_key: Option<&str>,
) -> Result<client_import_rows::ActiveModel, StorageError> {
    Ok(client_import_rows::ActiveModel {
        business_id: Set(import.business_id.as_uuid()),
        import_id: Set(import.id.as_uuid()),
        line: Set(int(report.line)?),
        outcome: Set(report.outcome.as_str().to_owned()),
        client_id: Set(report.client_id.map(|id| id.as_uuid())),
        reason: Set(report.reason.clone()),
        email_key: Set(email_key.map(str::to_owned)),
    })
}
