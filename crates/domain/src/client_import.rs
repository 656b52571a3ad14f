//! Client import (CL-15), the pure part: which column is which (a mapping proposed from
//! the headers of common exports, or given), how a file's delimiter is told, and how one
//! row becomes a client input or a reason it is refused. Reading the file, finding the
//! client a row updates and storing it are the application's.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use thiserror::Error;

use crate::client::ClientInput;
use crate::custom_field::{CustomField, CustomFieldKind};
use crate::ids::CustomFieldId;
use crate::text::search_key;

/// What a column of the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    FirstName,
    LastName,
    /// First and last name in one ("Marie Claire Dupont"): the last word is the last
    /// name, the words before it the first name.
    FullName,
    Email,
    Phone,
    /// CL-12: the free "client notes" field.
    Notes,
    /// CL-24: a custom field's value.
    Custom(CustomFieldId),
}

impl Column {
    /// The name a mapping gives it (`custom:<field id>` for a custom field).
    pub fn name(&self) -> String {
        match self {
            Self::FirstName => "first_name".into(),
            Self::LastName => "last_name".into(),
            Self::FullName => "full_name".into(),
            Self::Email => "email".into(),
            Self::Phone => "phone".into(),
            Self::Notes => "notes".into(),
            Self::Custom(id) => format!("custom:{id}"),
        }
    }

    /// A column named as [`Column::name`] writes it.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "first_name" => Some(Self::FirstName),
            "last_name" => Some(Self::LastName),
            "full_name" => Some(Self::FullName),
            "email" => Some(Self::Email),
            "phone" => Some(Self::Phone),
            "notes" => Some(Self::Notes),
            other => other
                .strip_prefix("custom:")
                .and_then(|id| uuid::Uuid::parse_str(id).ok())
                .map(|id| Self::Custom(CustomFieldId::from_uuid(id))),
        }
    }
}

/// Headers of the client exports of common tools (Square, Acuity, Wix, Fresha, French
/// suites), compared as [`header_key`] makes them.
const KNOWN_HEADERS: &[(&str, Column)] = &[
    ("first name", Column::FirstName),
    ("firstname", Column::FirstName),
    ("given name", Column::FirstName),
    ("first", Column::FirstName),
    ("prenom", Column::FirstName),
    ("last name", Column::LastName),
    ("lastname", Column::LastName),
    ("surname", Column::LastName),
    ("family name", Column::LastName),
    ("last", Column::LastName),
    ("nom de famille", Column::LastName),
    ("nom", Column::LastName),
    ("name", Column::FullName),
    ("full name", Column::FullName),
    ("client name", Column::FullName),
    ("customer name", Column::FullName),
    ("nom complet", Column::FullName),
    ("email", Column::Email),
    ("e mail", Column::Email),
    ("email address", Column::Email),
    ("e mail address", Column::Email),
    ("mail", Column::Email),
    ("courriel", Column::Email),
    ("adresse e mail", Column::Email),
    ("phone", Column::Phone),
    ("phone number", Column::Phone),
    ("mobile", Column::Phone),
    ("mobile phone", Column::Phone),
    ("mobile number", Column::Phone),
    ("cell", Column::Phone),
    ("cell phone", Column::Phone),
    ("telephone", Column::Phone),
    ("tel", Column::Phone),
    ("portable", Column::Phone),
    ("notes", Column::Notes),
    ("note", Column::Notes),
    ("client notes", Column::Notes),
    ("customer notes", Column::Notes),
];

/// A header as it is compared: accents folded, lower-case, punctuation as spaces.
fn header_key(header: &str) -> String {
    let folded = search_key(header);
    let spaced: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which column of the file is which; a column mapped to nothing is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping {
    columns: Vec<Option<Column>>,
}

/// Why a mapping cannot import anything.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MappingError {
    #[error(
        "no column holds the names: map `first_name` and `last_name`, or `full_name` \
         (the headers are {headers})"
    )]
    NoNames { headers: String },
    #[error("`{0}` is mapped to two columns")]
    Twice(String),
    #[error("`{column}` names no column of the file (it has {count})")]
    NoSuchColumn { column: String, count: usize },
    #[error(
        "`{0}` is no column a client has (first_name, last_name, full_name, email, phone, notes, custom:<field id>)"
    )]
    Unknown(String),
}

impl Mapping {
    /// CL-15: the mapping proposed from the headers: the known headers of common exports,
    /// and custom fields by their names. The first column of each kind wins; with both
    /// first/last and full name columns, the full name is ignored.
    pub fn propose(headers: &[String], fields: &[CustomField]) -> Self {
        let mut taken = Vec::new();
        let mut columns: Vec<Option<Column>> = headers
            .iter()
            .map(|header| {
                let key = header_key(header);
                let known = KNOWN_HEADERS
                    .iter()
                    .find(|(name, _)| *name == key)
                    .map(|(_, column)| *column)
                    .or_else(|| {
                        fields
                            .iter()
                            .find(|field| header_key(field.name.as_str()) == key)
                            .map(|field| Column::Custom(field.id))
                    })
                    .filter(|column| !taken.contains(column));
                if let Some(column) = known {
                    taken.push(column);
                }
                known
            })
            .collect();
        let split = taken.contains(&Column::FirstName) && taken.contains(&Column::LastName);
        if split {
            for column in &mut columns {
                if *column == Some(Column::FullName) {
                    *column = None;
                }
            }
        }
        Self { columns }
    }

    /// A mapping given by the importer: for each column it names (by its header, or by
    /// its 1-based position as `#3`), what it holds; the others are ignored.
    pub fn given(
        headers: &[String],
        given: &BTreeMap<String, String>,
    ) -> Result<Self, MappingError> {
        let mut columns = vec![None; headers.len()];
        for (header, target) in given {
            let index = match header.strip_prefix('#').map(str::parse::<usize>) {
                Some(Ok(position)) if (1..=headers.len()).contains(&position) => position - 1,
                _ => headers
                    .iter()
                    .position(|h| h.trim() == header.trim())
                    .ok_or_else(|| MappingError::NoSuchColumn {
                        column: header.clone(),
                        count: headers.len(),
                    })?,
            };
            if target.trim().is_empty() || target.trim() == "ignore" {
                continue;
            }
            let column =
                Column::parse(target).ok_or_else(|| MappingError::Unknown(target.clone()))?;
            if columns.contains(&Some(column)) {
                return Err(MappingError::Twice(column.name()));
            }
            columns[index] = Some(column);
        }
        Ok(Self { columns })
    }

    /// Refuses a mapping that gives no names (nothing could be imported).
    pub fn check(self, headers: &[String]) -> Result<Self, MappingError> {
        let has = |column| self.columns.contains(&Some(column));
        if has(Column::FullName) || (has(Column::FirstName) && has(Column::LastName)) {
            Ok(self)
        } else {
            Err(MappingError::NoNames {
                headers: headers.join(", "),
            })
        }
    }

    /// What each column holds, in the file's order.
    pub fn columns(&self) -> &[Option<Column>] {
        &self.columns
    }

    /// A mapping as stored.
    pub fn from_columns(columns: Vec<Option<Column>>) -> Self {
        Self { columns }
    }
}

/// How the business writes a date by hand: day first (31/12/2026) or month first
/// (12/31/2026). ISO dates (2026-12-31) are read whatever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    DayMonthYear,
    MonthDayYear,
}

impl DateOrder {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "dmy" => Some(Self::DayMonthYear),
            "mdy" => Some(Self::MonthDayYear),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DayMonthYear => "dmy",
            Self::MonthDayYear => "mdy",
        }
    }

    /// A date as YYYY-MM-DD, or in this order with `/`, `.` or `-` between its parts.
    pub fn read(self, raw: &str) -> Option<NaiveDate> {
        let raw = raw.trim();
        if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            return Some(date);
        }
        let parts: Vec<&str> = raw.split(['/', '.', '-']).collect();
        let [a, b, year] = parts.as_slice() else {
            return None;
        };
        let (day, month) = match self {
            Self::DayMonthYear => (a, b),
            Self::MonthDayYear => (b, a),
        };
        let year: i32 = year.parse().ok().filter(|_| year.len() == 4)?;
        NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
    }
}

/// The delimiter of a file: `;` when its header line holds more semicolons than commas
/// outside quotes, else `,`.
pub fn delimiter(header_line: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Why a row is not imported (the rest of the file still is).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RowError {
    #[error("the row has {given} cells, the header {expected}")]
    TooManyCells { given: usize, expected: usize },
    #[error("the full name `{0}` has one word: a first and a last name are needed")]
    OneWordName(String),
    #[error("`{value}` is no date for `{field}` (YYYY-MM-DD, or as the business writes dates)")]
    Date { field: String, value: String },
}

/// One row as a client input (its sites left to the import: `None`). Empty cells give
/// nothing. Parsing the input (CL-1) and the custom values (CL-24) is the caller's, as
/// for a client created by hand.
pub fn row_input(
    cells: &[String],
    mapping: &Mapping,
    fields: &[CustomField],
    dates: DateOrder,
) -> Result<ClientInput, RowError> {
    if cells.len() > mapping.columns.len() {
        return Err(RowError::TooManyCells {
            given: cells.len(),
            expected: mapping.columns.len(),
        });
    }
    let mut input = ClientInput {
        first_name: String::new(),
        last_name: String::new(),
        email: None,
        phone: None,
        sites: None,
        client_notes: None,
        custom_fields: BTreeMap::new(),
    };
    for (cell, column) in cells.iter().zip(&mapping.columns) {
        let value = cell.trim();
        let Some(column) = column else { continue };
        if value.is_empty() {
            continue;
        }
        match column {
            Column::FirstName => input.first_name = value.to_owned(),
            Column::LastName => input.last_name = value.to_owned(),
            Column::FullName => {
                let words: Vec<&str> = value.split_whitespace().collect();
                let Some((last, first)) = words.split_last().filter(|(_, f)| !f.is_empty()) else {
                    return Err(RowError::OneWordName(value.to_owned()));
                };
                input.first_name = first.join(" ");
                input.last_name = (*last).to_owned();
            }
            Column::Email => input.email = Some(value.to_owned()),
            Column::Phone => input.phone = Some(value.to_owned()),
            Column::Notes => input.client_notes = Some(value.to_owned()),
            Column::Custom(id) => {
                let field = fields.iter().find(|field| field.id == *id);
                let value = match field.map(|field| &field.kind) {
                    Some(CustomFieldKind::Date) => dates
                        .read(value)
                        .map(|date| date.format("%Y-%m-%d").to_string())
                        .ok_or_else(|| RowError::Date {
                            field: field.map_or_else(String::new, |f| f.name.as_str().into()),
                            value: value.to_owned(),
                        })?,
                    _ => value.to_owned(),
                };
                input.custom_fields.insert(*id, Some(value));
            }
        }
    }
    Ok(input)
}

/// What an import does with a row whose email is already a client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnExisting {
    /// The row's values replace the client's (empty cells change nothing).
    #[default]
    Update,
    /// The row is skipped.
    Skip,
}

impl OnExisting {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Update => "update",
            Self::Skip => "skip",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "update" => Some(Self::Update),
            "skip" => Some(Self::Skip),
            _ => None,
        }
    }
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Created,
    Updated,
    /// Its client exists and the import skips existing ones, or nothing would change.
    Skipped,
    Invalid,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Skipped => "skipped",
            Self::Invalid => "invalid",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "created" => Some(Self::Created),
            "updated" => Some(Self::Updated),
            "skipped" => Some(Self::Skipped),
            "invalid" => Some(Self::Invalid),
            _ => None,
        }
    }
}

/// One row of the report: its line in the file (the header is line 1), what became of
/// it, the client it made or changed, and why when it was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    pub line: u32,
    pub outcome: Outcome,
    pub client_id: Option<crate::ids::ClientId>,
    pub reason: Option<String>,
}

/// How far an import has gone: rows read, and how many of each outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub read: u32,
    pub created: u32,
    pub updated: u32,
    pub skipped: u32,
    pub invalid: u32,
}

impl Progress {
    /// The progress after `rows` more were read, with their outcomes.
    pub fn after(mut self, reports: &[RowReport], rows: u32) -> Self {
        self.read += rows;
        for report in reports {
            match report.outcome {
                Outcome::Created => self.created += 1,
                Outcome::Updated => self.updated += 1,
                Outcome::Skipped => self.skipped += 1,
                Outcome::Invalid => self.invalid += 1,
            }
        }
        self
    }
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Waiting for the worker, or being worked.
    Pending,
    Done,
    /// The file could not be read any further (its bytes are gone, or it changed).
    Failed,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// CL-15: one file being imported into a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientImport {
    pub id: crate::ids::ImportId,
    pub business_id: crate::ids::BusinessId,
    /// Who started it: its clients are created and changed as theirs.
    pub staff_id: crate::ids::StaffId,
    /// The site new clients go to.
    pub site_id: crate::ids::SiteId,
    pub status: ImportStatus,
    /// Report what would happen; change nothing.
    pub dry_run: bool,
    pub on_existing: OnExisting,
    pub dates: DateOrder,
    pub delimiter: u8,
    pub headers: Vec<String>,
    pub mapping: Mapping,
    /// Data rows in the file (its header aside).
    pub total_rows: u32,
    pub progress: Progress,
    /// Where the next row to read begins.
    pub next: Resume,
    pub failure: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: crate::version::Version,
}

/// A place in an import's file: the byte offset and line number where a row begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resume {
    pub offset: u64,
    pub line: u32,
}

impl ClientImport {
    /// Its file was read through as it was stored: it has `rows` rows; none ends it.
    pub fn counted(&mut self, rows: u32, now: chrono::DateTime<chrono::Utc>) {
        self.total_rows = rows;
        if rows == 0 {
            self.status = ImportStatus::Done;
            self.finished_at = Some(now);
        }
        self.version = self.version.next();
    }

    /// `rows` more rows were read, with `reports`, up to `next`; the last ones (or none)
    /// finish the import.
    pub fn record(
        &mut self,
        reports: &[RowReport],
        rows: u32,
        next: Resume,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        self.progress = self.progress.after(reports, rows);
        self.next = next;
        // Nothing more to read ends it too, whatever the count said.
        if rows == 0 || self.progress.read >= self.total_rows {
            self.status = ImportStatus::Done;
            self.finished_at = Some(now);
        }
        self.version = self.version.next();
    }

    /// The file cannot be read any further: the import ends with `reason`.
    pub fn fail(&mut self, reason: String, now: chrono::DateTime<chrono::Utc>) {
        self.status = ImportStatus::Failed;
        self.failure = Some(reason);
        self.finished_at = Some(now);
        self.version = self.version.next();
    }
}

#[cfg(test)]
#[path = "client_import_tests.rs"]
mod tests;
