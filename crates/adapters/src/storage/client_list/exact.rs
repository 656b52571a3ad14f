//! CL-8 as conditions: the exact matches of a search (a whole name, the whole phone
//! number, the whole email) are a group of their own that comes first, and the other
//! branches exclude them.

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition};

use clientele_domain::BusinessId;
use clientele_domain::search::ClientSearch;

use super::branches::exact_splits;
use crate::storage::entities::{client_search_terms, clients};

/// `column` equals `value`; with `null_safe`, a NULL column is "not equal" rather than
/// unknown, so that the condition can be negated.
fn equals(column: clients::Column, value: &str, null_safe: bool) -> Condition {
    let condition = if null_safe {
        Expr::expr(Func::coalesce([Expr::col(column), Expr::val("")])).eq(value)
    } else {
        Expr::col(column).eq(value)
    };
    Condition::all().add(condition)
}

/// CL-8: the whole phone number and the whole email, each a lookup of its own index.
pub(super) fn exact_contacts(search: &ClientSearch, null_safe: bool) -> Vec<Condition> {
    let mut exact = Vec::new();
    if let Some(digits) = search.phone_digits() {
        let plus = format!("+{digits}");
        exact.push(match null_safe {
            true => Condition::any()
                .add(equals(clients::Column::PhoneDigits, digits, true))
                .add(equals(clients::Column::PhoneDigits, &plus, true)),
            false => Condition::all().add(clients::Column::PhoneDigits.is_in([digits, &plus])),
        });
    }
    if let Some(email) = search.email_fragment() {
        exact.push(equals(clients::Column::EmailKey, email, null_safe));
    }
    exact
}

/// CL-8: a name equal to a split of the words, on the unqualified name keys (which
/// `clients` and `client_search_terms` both have).
fn exact_names(search: &ClientSearch) -> Condition {
    exact_splits(search)
        .into_iter()
        .map(|split| {
            split
                .into_iter()
                .fold(Condition::all(), |all, (field, phrase)| {
                    all.add(Expr::col(field.column()).eq(phrase))
                })
        })
        .fold(Condition::any(), Condition::add)
}

/// Any exact reading (CL-8) of a client row, as one condition to exclude them from the
/// other branches.
pub(super) fn exact_condition(search: &ClientSearch) -> Condition {
    exact_contacts(search, true)
        .into_iter()
        .fold(exact_names(search), Condition::add)
}

/// The same of a term row: its name keys, or its client among those whose phone or email
/// is the query (an index lookup each).
pub(super) fn exact_term(business: BusinessId, search: &ClientSearch) -> Condition {
    let contacts = exact_contacts(search, false);
    if contacts.is_empty() {
        return exact_names(search);
    }
    let ids = Query::select()
        .column(clients::Column::Id)
        .from(clients::Entity)
        .and_where(clients::Column::BusinessId.eq(business.as_uuid()))
        .cond_where(contacts.into_iter().fold(Condition::any(), Condition::add))
        .take();
    exact_names(search).add(Expr::col(client_search_terms::Column::ClientId).in_subquery(ids))
}
