//! Keyset pagination: "strictly after the last row read" as one row-value comparison,
//! `(a, b) < (x, y)`, which both databases turn into the start of an index range.
//!
//! The OR chain of the same meaning, `a < x OR (a = x AND b < y)`, is planned by SQLite
//! (with bound parameters) as a scan from the index's first row: each page then costs as
//! much as all the pages before it, and a whole export grows with its square.

use sea_orm::Value;
use sea_orm::sea_query::{Expr, ExprTrait};

/// Rows after `key` in descending `(a, b)` order: `(a, b) < key`.
pub(super) fn after_descending(
    columns: [Expr; 2],
    key: (impl Into<Value>, impl Into<Value>),
) -> Expr {
    Expr::tuple(columns).lt(Expr::tuple([Expr::val(key.0), Expr::val(key.1)]))
}

/// Rows after `key` in ascending `(a, b)` order: `(a, b) > key`.
pub(super) fn after_ascending(
    columns: [Expr; 2],
    key: (impl Into<Value>, impl Into<Value>),
) -> Expr {
    Expr::tuple(columns).gt(Expr::tuple([Expr::val(key.0), Expr::val(key.1)]))
}
