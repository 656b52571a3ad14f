//! Lists exported as files (CO-8, ME-18): CSV or an Excel workbook, streamed page by page
//! so that memory stays flat whatever the size.
//!
//! A route reads the first page itself (a failure there is still a problem response),
//! then hands the rest over as [`Pages`], read one page ahead of the writing. CSV goes
//! out page by page. The workbook is written by `rust_xlsxwriter` in constant-memory
//! mode on a blocking thread: each row goes to a temporary file as it comes, and the
//! zipped workbook is streamed out at the end. A failure mid-way ends the body with an error, so the client sees a broken
//! transfer rather than a short file.

use std::future::Future;
use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream;
use poem::IntoResponse;
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Enum};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use clientele_domain::Money;
use tokio::sync::mpsc;

/// The file an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ExportFormat {
    /// UTF-8, comma-separated, a header row.
    #[default]
    Csv,
    /// An Excel workbook of one sheet, a header row.
    Xlsx,
}

/// One cell: text, a day, an instant or an amount (written as a number in a workbook,
/// as its exact text in CSV).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Day(Option<NaiveDate>),
    Instant(Option<DateTime<Utc>>),
    Amount(Decimal),
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// An amount with exactly its currency's decimals ("60.00", "1500" in JPY).
    pub fn money(money: Money) -> Self {
        Self::Amount(money.amount_in_digits())
    }
}

pub type Row = Vec<Cell>;

/// The pages after the first, read one by one.
pub trait Pages: Send + 'static {
    /// The next page's rows; `None` once the list is over.
    fn next_page(&mut self) -> impl Future<Output = Result<Option<Vec<Row>>, String>> + Send;
}

/// A page being read, on a task of its own, with the pages that read it.
type Reading<P> = tokio::task::JoinHandle<(P, Result<Option<Vec<Row>>, String>)>;

/// `pages` read one page ahead: while a page is written out, the next one is read on a
/// task of its own, so the database and the writing work at the same time. At most two
/// pages are held; once the body is dropped the page being read is the last.
struct ReadAhead<P> {
    next: Option<Reading<P>>,
}

impl<P: Pages> ReadAhead<P> {
    fn new(pages: P) -> Self {
        Self {
            next: Some(Self::read(pages)),
        }
    }

    fn read(mut pages: P) -> Reading<P> {
        tokio::spawn(async move {
            let page = pages.next_page().await;
            (pages, page)
        })
    }
}

impl<P: Pages> Pages for ReadAhead<P> {
    async fn next_page(&mut self) -> Result<Option<Vec<Row>>, String> {
        let Some(reading) = self.next.take() else {
            return Ok(None);
        };
        let (pages, page) = reading.await.map_err(|e| e.to_string())?;
        if let Ok(Some(_)) = &page {
            self.next = Some(Self::read(pages));
        }
        page
    }
}

/// What is exported: its file name (without extension) and its columns.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub header: Vec<String>,
}

impl Table {
    pub fn new(name: &'static str, columns: &[&str]) -> Self {
        Self {
            name,
            header: columns.iter().map(|&column| column.to_owned()).collect(),
        }
    }

    /// One more column (a name staff chose is neutralised like any cell).
    pub fn with_column(mut self, column: &str) -> Self {
        self.header.push(csv_text(&Cell::text(column)).into_owned());
        self
    }
}

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An export's answer: the file, as an attachment.
pub struct ExportFile {
    body: poem::Body,
    format: ExportFormat,
    name: &'static str,
}

impl ExportFile {
    /// `first` then every page of `pages`, as `format`.
    pub fn new(table: Table, format: ExportFormat, first: Vec<Row>, pages: impl Pages) -> Self {
        let name = table.name;
        let pages = ReadAhead::new(pages);
        let body = match format {
            ExportFormat::Csv => csv_body(table, first, pages),
            ExportFormat::Xlsx => xlsx_body(table, first, pages),
        };
        Self { body, format, name }
    }
}

impl ApiResponse for ExportFile {
    fn meta() -> MetaResponses {
        let file =
            <poem_openapi::payload::Binary<Vec<u8>> as poem_openapi::payload::Payload>::schema_ref;
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The list as a file: CSV (UTF-8, comma-separated) or an Excel \
                              workbook, each with a header row.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: CSV_TYPE,
                        schema: file(),
                    },
                    MetaMediaType {
                        content_type: XLSX_TYPE,
                        schema: file(),
                    },
                ],
                headers: vec![MetaHeader {
                    name: "Content-Disposition".to_owned(),
                    description: Some(
                        "`attachment; filename=\"<list>.csv\"` or `.xlsx`".to_owned(),
                    ),
                    required: true,
                    deprecated: false,
                    schema: String::schema_ref(),
                }],
            }],
        }
    }

    fn register(_registry: &mut Registry) {}
}

impl IntoResponse for ExportFile {
    fn into_response(self) -> poem::Response {
        let (content_type, extension) = match self.format {
            ExportFormat::Csv => (CSV_TYPE, "csv"),
            ExportFormat::Xlsx => (XLSX_TYPE, "xlsx"),
        };
        poem::Response::builder()
            .content_type(content_type)
            .header(
                "Content-Disposition",
                format!("attachment; filename=\"{}.{extension}\"", self.name),
            )
            .body(self.body)
    }
}

/// A text a spreadsheet would run as a formula is written as text (a leading `'`).
fn defused(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn csv_text(cell: &Cell) -> std::borrow::Cow<'_, str> {
    match cell {
        Cell::Text(text) => defused(text),
        Cell::Day(day) => day.map(|d| d.to_string()).unwrap_or_default().into(),
        Cell::Instant(at) => at.map(|t| t.to_rfc3339()).unwrap_or_default().into(),
        Cell::Amount(amount) => amount.to_string().into(),
    }
}

/// The CSV text of some rows, after the header if given.
pub fn csv_rows(header: Option<&[String]>, rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
    if let Some(header) = header {
        out.write_record(header)?;
    }
    for row in rows {
        // Field by field: a cell's text is written where it is, not copied first.
        for cell in row {
            out.write_field(csv_text(cell).as_bytes())?;
        }
        out.write_record(None::<&[u8]>)?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn csv_body(table: Table, first: Vec<Row>, pages: impl Pages) -> poem::Body {
    enum State<P> {
        First(Vec<String>, Vec<Row>, P),
        Next(P),
        Done,
    }
    let Table { name, header } = table;
    let chunks = stream::unfold(
        State::First(header, first, pages),
        move |state| async move {
            let (rows, pages, header) = match state {
                State::Done => return None,
                State::First(header, first, pages) => (first, pages, Some(header)),
                State::Next(mut pages) => match pages.next_page().await {
                    Ok(Some(rows)) => (rows, pages, None),
                    Ok(None) => return None,
                    Err(error) => {
                        tracing::error!(%error, export = name, "an export failed mid-way");
                        return Some((Err(std::io::Error::other("export failed")), State::Done));
                    }
                },
            };
            match csv_rows(header.as_deref(), &rows) {
                Ok(bytes) => Some((Ok(bytes), State::Next(pages))),
                Err(error) => Some((Err(std::io::Error::other(error)), State::Done)),
            }
        },
    );
    poem::Body::from_bytes_stream(chunks)
}

type Chunk = Result<Vec<u8>, std::io::Error>;

/// Writes into the response body as the workbook is zipped.
struct ChannelWriter(mpsc::Sender<Chunk>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| std::io::Error::other("the client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Excel's last row (a sheet holds 1,048,576).
const MAX_ROWS: u32 = 1_048_575;

fn xlsx_body(table: Table, first: Vec<Row>, mut pages: impl Pages) -> poem::Body {
    let (sender, mut receiver) = mpsc::channel::<Chunk>(16);
    let runtime = tokio::runtime::Handle::current();
    let failed = sender.clone();
    tokio::task::spawn_blocking(move || {
        let written = (|| -> Result<(), String> {
            let mut workbook = Workbook::new();
            workbook.add_worksheet_with_constant_memory();
            let formats = Formats::new();
            let mut next = write_header(&mut workbook, &table.header, &formats)?;
            next = write_rows(&mut workbook, next, &first, &formats)?;
            while let Some(rows) = runtime.block_on(pages.next_page())? {
                next = write_rows(&mut workbook, next, &rows, &formats)?;
            }
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, ChannelWriter(sender));
            workbook
                .save_to_writer(&mut out)
                .map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())
        })();
        if let Err(error) = written {
            tracing::error!(%error, export = table.name, "an export failed mid-way");
            let _ = failed.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    let chunks = stream::poll_fn(move |cx| receiver.poll_recv(cx));
    poem::Body::from_bytes_stream(chunks)
}

struct Formats {
    header: Format,
    day: Format,
    instant: Format,
    amount: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold(),
            day: Format::new().set_num_format("yyyy-mm-dd"),
            instant: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            amount: Format::new().set_num_format("0.00"),
        }
    }
}

fn write_header(
    workbook: &mut Workbook,
    header: &[String],
    formats: &Formats,
) -> Result<u32, String> {
    let sheet = workbook
        .worksheet_from_index(0)
        .map_err(|e| e.to_string())?;
    for (col, name) in (0u16..).zip(header) {
        sheet
            .write_string_with_format(0, col, name, &formats.header)
            .map_err(|e| e.to_string())?;
    }
    Ok(1)
}

/// Writes `rows` from row `next` on; answers the row after them.
fn write_rows(
    workbook: &mut Workbook,
    mut next: u32,
    rows: &[Row],
    formats: &Formats,
) -> Result<u32, String> {
    let sheet = workbook
        .worksheet_from_index(0)
        .map_err(|e| e.to_string())?;
    for row in rows {
        if next > MAX_ROWS {
            return Err("more rows than an Excel sheet holds: export as CSV".to_owned());
        }
        for (col, cell) in (0u16..).zip(row) {
            let written: Result<_, XlsxError> = match cell {
                Cell::Text(text) if text.is_empty() => continue,
                Cell::Text(text) => sheet.write_string(next, col, text.as_str()),
                Cell::Day(Some(day)) => {
                    sheet.write_datetime_with_format(next, col, day, &formats.day)
                }
                Cell::Instant(Some(at)) => {
                    sheet.write_datetime_with_format(next, col, at.naive_utc(), &formats.instant)
                }
                Cell::Day(None) | Cell::Instant(None) => continue,
                Cell::Amount(amount) => {
                    sheet.write_with_format(next, col, *amount, &formats.amount)
                }
            };
            written.map_err(|e| e.to_string())?;
        }
        next += 1;
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_is_written_as_text_and_amounts_exactly() {
        let rows = vec![vec![
            Cell::text("=HYPERLINK(\"x\")"),
            Cell::Amount(Decimal::new(4990, 2)),
            Cell::Day(None),
        ]];
        let text = String::from_utf8(
            csv_rows(
                Some(&["a".to_owned(), "b".to_owned(), "c".to_owned()]),
                &rows,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(text, "a,b,c\n\"'=HYPERLINK(\"\"x\"\")\",49.90,\n");
    }
}
