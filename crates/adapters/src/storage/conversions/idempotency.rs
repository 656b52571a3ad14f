//! `idempotency_keys` rows ↔ [`IdempotencyRecord`] (PL-10).

use sea_orm::ActiveValue::Set;

use clientele_ports::StorageError;
use clientele_ports::storage::{IdempotencyRecord, StoredResponse};

use super::{corrupt, instant};
use crate::storage::entities::idempotency_keys;

impl TryFrom<idempotency_keys::Model> for IdempotencyRecord {
    type Error = StorageError;

    fn try_from(row: idempotency_keys::Model) -> Result<Self, Self::Error> {
        const T: &str = "idempotency_keys";
        let response = match (row.response_status, row.response_body) {
            (None, None) => None,
            (Some(status), Some(body)) => Some(StoredResponse {
                status: u16::try_from(status).map_err(|e| corrupt(T, "response_status", e))?,
                body,
            }),
            (Some(_), None) => {
                return Err(corrupt(T, "response_body", "NULL beside a status"));
            }
            (None, Some(_)) => {
                return Err(corrupt(T, "response_status", "NULL beside a body"));
            }
        };
        Ok(Self {
            business_id: row.business_id.into(),
            key: row.key,
            operation: row.operation,
            fingerprint: row.fingerprint,
            response,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn idempotency_row(record: &IdempotencyRecord) -> idempotency_keys::ActiveModel {
    idempotency_keys::ActiveModel {
        business_id: Set(record.business_id.as_uuid()),
        key: Set(record.key.clone()),
        operation: Set(record.operation.clone()),
        fingerprint: Set(record.fingerprint.clone()),
        response_status: Set(record.response.as_ref().map(|r| i32::from(r.status))),
        response_body: Set(record.response.as_ref().map(|r| r.body.clone())),
        created_at: Set(instant(record.created_at)),
    }
}

/// The columns that record the response of a key's first request.
pub(crate) fn idempotency_response(response: &StoredResponse) -> idempotency_keys::ActiveModel {
    idempotency_keys::ActiveModel {
        response_status: Set(Some(i32::from(response.status))),
        response_body: Set(Some(response.body.clone())),
        ..Default::default()
    }
}
