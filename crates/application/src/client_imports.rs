//! CL-15: importing clients from a CSV file, as a job.
//!
//! Starting an import checks the file (UTF-8 with or without a BOM, comma or semicolon,
//! a header row), settles the mapping (given, or proposed from the headers), counts its
//! rows and stores its bytes in pieces in the database; the answer is the import, which
//! the worker then works a batch of rows per step. Each batch is one transaction: its
//! clients created or updated, the report of its rows and the import's progress (a
//! compare-and-set on its version), so a row is never applied twice nor half-applied,
//! whatever a crash or a second worker does. A step reads only the pieces of the file
//! its rows are in.
//! The rows of a batch are weighed in memory against the clients they match, read in
//! two queries, and written at its end (`client_import_batch`): the new clients in one
//! batched insert.
//!
//! A row with an email already in the list updates that client (or is skipped, as the
//! import says); a row without an email matches a client of the same name without an
//! email (and with the same phone, if the row has one). Running a file twice therefore
//! creates nothing new. A dry run reports what it would do and changes nothing.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::TimeDelta;
use thiserror::Error;

use clientele_domain::client_import::{
    self, ClientImport, DateOrder, ImportStatus, Mapping, OnExisting, Progress, Resume, RowReport,
};
use clientele_domain::{
    Actor, FieldError, Forbidden, ImportId, PageLimit, Permission, SiteId, ValidationErrors,
    Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::access::{AccessError, check_sites_usable, default_site};
use crate::client_import_batch::Step;
use crate::client_import_file::{CHUNK, FileStream};
use crate::cursor::{ForeignCursor, Listing};
use crate::custom_fields::all_custom_fields;
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

/// Pieces a step reads at most: a row longer than this much of the file is refused.
const WINDOW: u32 = 4;

/// An import as the importer asks for it (the file aside).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub on_existing: OnExisting,
    pub dates: DateOrder,
    /// For each column to import, by its header (or `#<position>`), what it holds;
    /// `None`: the mapping proposed from the headers.
    pub mapping: Option<BTreeMap<String, String>>,
    /// The site new clients go to; `None`: the importer's current site.
    pub site: Option<SiteId>,
}

/// How an import step is run by the worker.
#[derive(Debug, Clone, Copy)]
pub struct ImportPolicy {
    /// Rows per transaction.
    pub batch: u32,
    /// How long a worker holds an import while it works a batch; after a crash another
    /// worker takes it over once this has run out.
    pub lease: TimeDelta,
}

impl Default for ImportPolicy {
    fn default() -> Self {
        Self {
            batch: 500,
            lease: TimeDelta::minutes(2),
        }
    }
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the import does not exist")]
    NotFound,
    /// The file could not be read (not a refusal of its content).
    #[error("the file cannot be read: {0}")]
    File(String),
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for ImportError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::Access(error) => error.kind(),
            Self::File(_) | Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for ImportError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for ImportError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ImportError {
    ImportError::Invalid(ValidationErrors::single(field, message))
}

/// The file could not be read: a refusal when it is not UTF-8.
fn unreadable(error: std::io::Error) -> ImportError {
    match error.kind() {
        std::io::ErrorKind::InvalidData => invalid("file", error.to_string()),
        _ => ImportError::File(error.to_string()),
    }
}

/// `what` could not be read as CSV.
fn not_csv(what: &str, error: csv::Error) -> ImportError {
    if !error.is_io_error() {
        return invalid("file", format!("{what} cannot be read as CSV: {error}"));
    }
    match error.into_kind() {
        csv::ErrorKind::Io(error) => unreadable(error),
        _ => ImportError::File("the file cannot be read".into()),
    }
}

fn reader(bytes: &[u8], delimiter: u8, headers: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(headers)
        .flexible(true)
        .from_reader(bytes)
}

fn cells(record: &csv::StringRecord) -> Vec<String> {
    record.iter().map(str::to_owned).collect()
}

impl Clientele {
    /// CL-15: checks the file and its mapping and stores them as a pending import
    /// (owner, admin). The worker imports its rows. The file is read once, as it comes:
    /// its rows are counted and its bytes stored in pieces on the way.
    pub async fn start_client_import<R: Read + Send>(
        &self,
        actor: &Actor,
        file: R,
        options: &ImportOptions,
    ) -> Result<ClientImport, ImportError> {
        actor.require(Permission::Import)?;
        let (stream, first_line) = FileStream::open(file).map_err(unreadable)?;
        let delimiter = client_import::delimiter(&first_line);
        let mut file = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(stream);
        let headers = cells(file.headers().map_err(|e| not_csv("the header row", e))?);
        if headers.iter().all(|header| header.trim().is_empty()) {
            return Err(invalid(
                "file",
                "the file is empty or its first line is blank",
            ));
        }
        let start = file.position().clone();
        let line = 1 + file.get_ref().newlines_before(start.byte());
        let mut tx = self.storage.begin().await?;
        let fields = all_custom_fields(tx.as_mut(), actor.business_id).await?;
        let mapping = match &options.mapping {
            Some(given) => Mapping::given(&headers, given),
            None => Ok(Mapping::propose(&headers, &fields)),
        }
        .and_then(|mapping| mapping.check(&headers))
        .map_err(|e| invalid("mapping", e.to_string()))?;
        let site = match options.site {
            Some(site) => {
                check_sites_usable(tx.as_mut(), actor, &[site]).await?;
                site
            }
            None => default_site(tx.as_mut(), actor).await?,
        };
        let mut import = ClientImport {
            id: ImportId::from_uuid(self.ids.new_id()),
            business_id: actor.business_id,
            staff_id: actor.staff_id,
            site_id: site,
            status: ImportStatus::Pending,
            dry_run: options.dry_run,
            on_existing: options.on_existing,
            dates: options.dates,
            delimiter,
            headers,
            mapping,
            total_rows: 0,
            progress: Progress::default(),
            next: Resume {
                offset: start.byte(),
                line,
            },
            failure: None,
            created_at: self.clock.now(),
            finished_at: None,
            version: Version::initial(),
        };
        // Stored first, so that its pieces may refer to it; counted at the end.
        tx.insert_client_import(&import).await?;
        let (mut rows, mut seq) = (0_u32, 0_u32);
        let mut record = csv::StringRecord::new();
        loop {
            let more = (file.read_record(&mut record)).map_err(|e| not_csv("the file", e))?;
            rows += u32::from(more);
            for piece in file.get_mut().take_pieces() {
                tx.insert_import_chunk(import.business_id, import.id, seq, &piece)
                    .await?;
                seq += 1;
            }
            if !more {
                break;
            }
        }
        let last = file.into_inner().last_piece();
        if !last.is_empty() {
            tx.insert_import_chunk(import.business_id, import.id, seq, &last)
                .await?;
        }
        let expected = import.version;
        import.counted(rows, self.clock.now());
        tx.record_import_batch(&import, expected, &[]).await?;
        tx.commit().await?;
        Ok(import)
    }

    /// An import of the business, with its progress (owner, admin).
    pub async fn client_import(
        &self,
        actor: &Actor,
        id: ImportId,
    ) -> Result<ClientImport, ImportError> {
        actor.require(Permission::Import)?;
        let mut tx = self.storage.read().await?;
        tx.client_import(actor.business_id, id)
            .await?
            .ok_or(ImportError::NotFound)
    }

    /// CL-15: the report of an import's rows read so far, in the file's order.
    pub async fn client_import_report(
        &self,
        actor: &Actor,
        id: ImportId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<RowReport>, ImportError> {
        actor.require(Permission::Import)?;
        let listing = Listing::of(actor.business_id, "client_import_rows").with("import", id);
        let after: Option<u32> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        tx.client_import(actor.business_id, id)
            .await?
            .ok_or(ImportError::NotFound)?;
        let rows = tx
            .import_rows(actor.business_id, id, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |row| row.line))
    }

    /// CL-15: one step of the import job: a batch of rows of the oldest pending import.
    /// `false` when no import was waiting.
    pub async fn import_clients_step(&self, policy: ImportPolicy) -> Result<bool, ImportError> {
        let now = self.clock.now();
        let mut tx = self.storage.begin().await?;
        let claimed = tx.claim_client_import(now, now + policy.lease).await?;
        tx.commit().await?;
        let Some(mut import) = claimed else {
            return Ok(false);
        };
        let expected = import.version;
        let mut tx = self.storage.begin().await?;
        let batch = read_batch(tx.as_mut(), &import, policy.batch).await?;
        let member = tx.staff_member(import.business_id, import.staff_id).await?;
        let (rows, next) = match (batch, member) {
            (Err(reason), _) => {
                import.fail(reason, now);
                (Vec::new(), import.next)
            }
            (Ok(_), None) => {
                import.fail("the staff member who started it is gone".into(), now);
                (Vec::new(), import.next)
            }
            (Ok(batch), Some(member)) => {
                let settings = tx
                    .business(import.business_id)
                    .await?
                    .ok_or(ImportError::NotFound)?
                    .settings;
                let step = Step {
                    actor: Actor::for_staff(&member),
                    fields: all_custom_fields(tx.as_mut(), import.business_id).await?,
                    import: &import,
                    now,
                    today: settings.time_zone.today(now),
                    country: settings.default_country,
                };
                let rows = self.import_batch(tx.as_mut(), &step, &batch.rows).await?;
                (rows, batch.next)
            }
        };
        if import.status == ImportStatus::Pending {
            let reports: Vec<RowReport> = rows.iter().map(|(report, _)| report.clone()).collect();
            let read = u32::try_from(rows.len()).unwrap_or(u32::MAX);
            import.record(&reports, read, next, now);
        }
        match tx.record_import_batch(&import, expected, &rows).await {
            // Another worker recorded this batch: this one's writes roll back.
            Err(StorageError::VersionConflict) => return Ok(true),
            other => other?,
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// The rows of one batch, each with its line, and where the row after them begins.
struct Batch {
    rows: Vec<(u32, Vec<String>)>,
    next: Resume,
}

/// Up to `limit` whole rows from where the import is; `Err` (the import fails) when a row
/// is longer than a step reads or the file's pieces are missing.
async fn read_batch(
    tx: &mut dyn Transaction,
    import: &ClientImport,
    limit: u32,
) -> Result<Result<Batch, String>, StorageError> {
    let chunk = CHUNK as u64;
    let first = u32::try_from(import.next.offset / chunk).unwrap_or(u32::MAX);
    let skip = usize::try_from(import.next.offset % chunk).unwrap_or(usize::MAX);
    // One piece more than the window says whether the window ends the file.
    let mut pieces = tx
        .import_chunks(import.business_id, import.id, first, first + WINDOW)
        .await?;
    let at_end = pieces.len() <= WINDOW as usize;
    pieces.truncate(WINDOW as usize);
    let bytes: Vec<u8> = pieces.concat();
    let Some(window) = bytes.get(skip..) else {
        return Ok(Err("the file's bytes are missing".into()));
    };
    let mut file = reader(window, import.delimiter, false);
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    let mut next = import.next;
    // Lines are counted from the bytes (every line break, quoted ones and blank lines
    // too), as an editor numbers them.
    let (mut counted, mut line) = (0_usize, import.next.line);
    let mut line_at = |byte: u64| {
        let byte = byte_index(byte).min(window.len());
        line += newlines(&window[counted..byte]);
        counted = byte;
        line
    };
    while rows.len() < limit as usize {
        match file.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Ok(Err(format!("the file cannot be read as CSV: {error}"))),
        }
        let end = file.position().byte();
        if !at_end && end >= window.len() as u64 {
            // The row may go on in the pieces after this window.
            break;
        }
        // A record's position may be at the line breaks before it (the reader stops
        // after a CR): its line is that of its first byte.
        let start = record.position().map_or(0, csv::Position::byte);
        let first = leading_breaks(window.get(byte_index(start)..).unwrap_or_default());
        rows.push((line_at(start + first as u64), cells(&record)));
        next = Resume {
            offset: import.next.offset + end,
            line: line_at(end),
        };
    }
    if rows.is_empty() && !at_end {
        let breaks = leading_breaks(window);
        return Ok(Err(format!(
            "the row at line {} is longer than {} KiB",
            import.next.line + newlines(&window[..breaks]),
            WINDOW as usize * CHUNK / 1024
        )));
    }
    Ok(Ok(Batch { rows, next }))
}

/// The line break bytes `bytes` begins with (blank lines, or the end of the row before).
fn leading_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count()
}

/// The line breaks in `bytes`.
fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|b| **b == b'\n').count()).unwrap_or(u32::MAX)
}

fn byte_index(byte: u64) -> usize {
    usize::try_from(byte).unwrap_or(usize::MAX)
}
