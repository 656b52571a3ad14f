//! `codes` rows ↔ [`Code`], `code_ledger` rows ↔ [`LedgerLine`] and `code_audit` rows ↔
//! [`CodeAudit`]. A code's text is stored ungrouped, as [`CodeText::as_str`] gives it; a
//! money balance keeps its currency beside it.

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Func, InsertStatement, Query, UpdateStatement,
    WithClause, WithQuery,
};

use clientele_domain::audit::FieldChange;
use clientele_domain::code::{Code, CodeAudit, CodeParts, CodeText, Entry, Reason, Status, Unit};
use clientele_domain::product::Family;
use clientele_domain::{BusinessId, CodeId, EmailAddress, Version};
use clientele_ports::StorageError;
use clientele_ports::storage::LedgerLine;

use super::{corrupt, instant, stored_currency};
use crate::storage::entities::{code_audit, code_ledger, codes};

/// The values of `codes.unit`.
const UNIT_APPOINTMENTS: &str = "appointments";
const UNIT_MONEY: &str = "money";

pub(super) fn family(
    table: &'static str,
    column: &'static str,
    raw: &str,
) -> Result<Family, StorageError> {
    Family::parse(raw).ok_or_else(|| corrupt(table, column, format!("`{raw}` is no family")))
}

/// A code's text as stored (it reads back as typed text: ungrouped capitals).
pub(crate) fn code_text(
    table: &'static str,
    column: &'static str,
    raw: &str,
) -> Result<CodeText, StorageError> {
    let text = CodeText::parse(column, raw).map_err(|e| corrupt(table, column, e.message))?;
    if text.as_str() == raw {
        Ok(text)
    } else {
        Err(corrupt(table, column, "not stored as ungrouped capitals"))
    }
}

impl TryFrom<codes::Model> for Code {
    type Error = StorageError;

    fn try_from(row: codes::Model) -> Result<Self, Self::Error> {
        const T: &str = "codes";
        let unit = match (row.unit.as_str(), row.currency.as_deref()) {
            (UNIT_APPOINTMENTS, None) => Unit::Appointments,
            (UNIT_MONEY, Some(currency)) => Unit::Money(stored_currency(T, currency)?),
            (UNIT_APPOINTMENTS | UNIT_MONEY, _) => {
                return Err(corrupt(
                    T,
                    "currency",
                    format!("does not fit unit {}", row.unit),
                ));
            }
            (other, _) => return Err(corrupt(T, "unit", format!("`{other}` is no unit"))),
        };
        let assigned_to = row
            .assigned_to
            .as_deref()
            .map(|raw| {
                EmailAddress::parse("assigned_to", raw)
                    .map_err(|e| corrupt(T, "assigned_to", e.message))
            })
            .transpose()?;
        Ok(Self::restore(CodeParts {
            id: row.id.into(),
            business_id: row.business_id.into(),
            product_id: row.product_id.into(),
            family: family(T, "family", &row.family)?,
            order_id: row.order_id.map(Into::into),
            client_id: row.client_id.map(Into::into),
            text: code_text(T, "text", &row.text)?,
            unit,
            status: Status::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            expires_on: row.expires_on,
            assigned_to,
            remaining: row.remaining,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        }))
    }
}

pub(crate) fn code_row(code: &Code) -> codes::ActiveModel {
    let (unit, currency) = match code.unit() {
        Unit::Appointments => (UNIT_APPOINTMENTS, None),
        Unit::Money(currency) => (UNIT_MONEY, Some(currency.code().to_owned())),
    };
    codes::ActiveModel {
        business_id: Set(code.business_id().as_uuid()),
        id: Set(code.id().as_uuid()),
        product_id: Set(code.product_id().as_uuid()),
        family: Set(code.family().as_str().to_owned()),
        order_id: Set(code.order_id().map(|order| order.as_uuid())),
        client_id: Set(code.client_id().map(|client| client.as_uuid())),
        text: Set(code.text().as_str().to_owned()),
        unit: Set(unit.to_owned()),
        currency: Set(currency),
        status: Set(code.status().as_str().to_owned()),
        expires_on: Set(code.expires_on()),
        assigned_to: Set(code.assigned_to().map(|e| e.as_str().to_owned())),
        remaining: Set(code.remaining()),
        created_at: Set(instant(code.created_at())),
        updated_at: Set(instant(code.updated_at())),
        version: Set(code.version().get()),
    }
}

pub(crate) fn code_changes(code: &Code) -> codes::ActiveModel {
    codes::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..code_row(code)
    }
}

impl TryFrom<code_ledger::Model> for LedgerLine {
    type Error = StorageError;

    fn try_from(row: code_ledger::Model) -> Result<Self, Self::Error> {
        const T: &str = "code_ledger";
        let reason = Reason::from_parts(
            &row.reason,
            row.appointment_id.map(Into::into),
            row.order_id.map(Into::into),
        )
        .ok_or_else(|| {
            corrupt(
                T,
                "reason",
                format!("`{}` with these ids is no reason", row.reason),
            )
        })?;
        Ok(Self {
            seq: u32::try_from(row.seq).map_err(|e| corrupt(T, "seq", e))?,
            entry: Entry {
                at: row.at,
                actor: row.actor_id.map(Into::into),
                reason,
                delta: row.delta,
            },
        })
    }
}

/// The ledger row of `entry`, the `seq`-th of `code`'s.
/// The insert of `entry` as the next row of `code`'s ledger, numbered by the statement
/// itself: one after the ledger's last row. (The caller holds the code's row, so nobody
/// numbers a row of this ledger at the same time.)
pub(crate) fn next_ledger_entry(
    business: BusinessId,
    code: CodeId,
    entry: &Entry,
) -> Result<InsertStatement, StorageError> {
    Ok(Query::insert()
        .into_table(code_ledger::Entity)
        .columns(LEDGER_COLUMNS)
        .values(ledger_values(business, code, entry))
        .map_err(|e| StorageError::Unexpected(e.to_string().into()))?
        .to_owned())
}

/// CO-12: on PostgreSQL, `update` of the code and the ledger row of `entry` in one
/// statement: the row is appended only if the update wrote the code, and the statement
/// answers one affected row then, none otherwise.
pub(crate) fn update_with_ledger_entry(
    update: UpdateStatement,
    business: BusinessId,
    code: CodeId,
    entry: &Entry,
) -> Result<WithQuery, StorageError> {
    let updated = Alias::new("updated_code");
    let mut update = update;
    update.returning(Query::returning().column(codes::Column::Id));
    let written = CommonTableExpression::new()
        .query(update)
        .table_name(updated.clone())
        .to_owned();
    let only_then = Query::select()
        .exprs(ledger_values(business, code, entry))
        .from(updated)
        .to_owned();
    let insert = Query::insert()
        .into_table(code_ledger::Entity)
        .columns(LEDGER_COLUMNS)
        .select_from(only_then)
        .map_err(|e| StorageError::Unexpected(e.to_string().into()))?
        .to_owned();
    Ok(insert.with(WithClause::new().cte(written).to_owned()))
}

const LEDGER_COLUMNS: [code_ledger::Column; 9] = [
    code_ledger::Column::BusinessId,
    code_ledger::Column::CodeId,
    code_ledger::Column::Seq,
    code_ledger::Column::At,
    code_ledger::Column::ActorId,
    code_ledger::Column::Reason,
    code_ledger::Column::AppointmentId,
    code_ledger::Column::OrderId,
    code_ledger::Column::Delta,
];

/// The values of `entry`'s ledger row in [`LEDGER_COLUMNS`]' order, numbered after the
/// code's last row.
fn ledger_values(business: BusinessId, code: CodeId, entry: &Entry) -> [Expr; 9] {
    use code_ledger::Column as L;
    let last = Query::select()
        .expr(Func::coalesce([
            Expr::from(Func::max(Expr::col((code_ledger::Entity, L::Seq)))),
            Expr::val(0),
        ]))
        .from(code_ledger::Entity)
        .and_where(Expr::col((code_ledger::Entity, L::BusinessId)).eq(business.as_uuid()))
        .and_where(Expr::col((code_ledger::Entity, L::CodeId)).eq(code.as_uuid()))
        .to_owned();
    [
        business.as_uuid().into(),
        code.as_uuid().into(),
        Expr::SubQuery(None, Box::new(last.into())).add(1),
        instant(entry.at).into(),
        entry.actor.map(|staff| staff.as_uuid()).into(),
        entry.reason.name().into(),
        entry.reason.appointment().map(|a| a.as_uuid()).into(),
        entry.reason.order().map(|order| order.as_uuid()).into(),
        entry.delta.into(),
    ]
}

impl TryFrom<code_audit::Model> for CodeAudit {
    type Error = StorageError;

    fn try_from(row: code_audit::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            code_id: row.code_id.into(),
            actor: row.actor_id.into(),
            at: row.at,
            change: FieldChange {
                field: row.field,
                old: row.old_value,
                new: row.new_value,
            },
        })
    }
}

pub(crate) fn code_audit_row(audit: &CodeAudit) -> code_audit::ActiveModel {
    code_audit::ActiveModel {
        business_id: Set(audit.business_id.as_uuid()),
        id: Set(audit.id.as_uuid()),
        code_id: Set(audit.code_id.as_uuid()),
        actor_id: Set(audit.actor.as_uuid()),
        at: Set(instant(audit.at)),
        field: Set(audit.change.field.clone()),
        old_value: Set(audit.change.old.clone()),
        new_value: Set(audit.change.new.clone()),
    }
}
