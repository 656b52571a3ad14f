//! Field-level validation errors, collected so that one request reports every bad field.

use thiserror::Error;

/// One field that failed validation, with a message meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error reported under another field name (e.g. `owner.name`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

/// Every field error of one input. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid input: {}", summary(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }
}

/// Builds the error of a multi-field parse from each field's outcome: call it only in
/// the arm where at least one field failed.
pub fn failures<const N: usize>(outcomes: [Option<FieldError>; N]) -> ValidationErrors {
    ValidationErrors(outcomes.into_iter().flatten().collect())
}
