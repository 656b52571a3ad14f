//! Row of `client_imports` (CL-15): one file being imported, its options and progress.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub staff_id: Uuid,
    pub site_id: Uuid,
    /// `pending`, `done` or `failed`.
    pub status: String,
    pub dry_run: bool,
    /// `update` or `skip`.
    pub on_existing: String,
    /// `dmy` or `mdy`.
    pub date_order: String,
    /// `,` or `;`.
    pub delimiter: String,
    /// The column each of the file's columns is, `Column::name`s joined by `,` (empty
    /// for an ignored column).
    pub mapping: String,
    /// The file's header row as JSON.
    pub headers: String,
    pub total_rows: i32,
    pub rows_read: i32,
    /// Where the next row to read begins: byte offset and line.
    pub next_offset: i64,
    pub next_line: i32,
    pub created: i32,
    pub updated: i32,
    pub skipped: i32,
    pub invalid: i32,
    pub failure: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
