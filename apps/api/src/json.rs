//! `JsonBody`: a JSON response documented as a view but written with serde by a writer
//! that borrows from the domain records, for the large answers (a page of 500 clients is
//! ~270 KB). poem-openapi's `Json` copies every string into the view, then builds a
//! `serde_json::Value` tree of the whole answer, then writes it. The OpenAPI document is
//! the same (the view's schema); a test per writer checks it writes the view's JSON.

use std::marker::PhantomData;

use poem::IntoResponse;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A 200 answer documented as `T` and written with serde, from `T` itself or from a
/// borrowed writer of the same JSON (see [`JsonBody::written`]).
pub struct JsonBody<T> {
    body: serde_json::Result<Vec<u8>>,
    schema: PhantomData<T>,
}

impl<T> JsonBody<T> {
    /// The answer written by `writer`, which must write the JSON of a `T` (a test per
    /// writer checks it against `T`'s own).
    pub fn written(writer: &impl Serialize) -> Self {
        Self {
            body: serde_json::to_vec(writer),
            schema: PhantomData,
        }
    }
}

impl<T: Type + Send> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: CONTENT_TYPE,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> poem::Response {
        match self.body {
            Ok(body) => poem::Response::builder()
                .content_type(CONTENT_TYPE)
                .body(body),
            Err(error) => {
                tracing::error!(%error, "a view could not be written as JSON");
                crate::problem::ProblemResponse::internal().into_response()
            }
        }
    }
}
