//! `JsonBody`: a JSON response written straight from its view with serde, for the large
//! answers (a page of 500 clients is ~270 KB). poem-openapi's `Json` first builds a
//! `serde_json::Value` tree of the whole answer and then writes it: twice the work and
//! every string copied once more. The OpenAPI document is the same: the view's schema
//! comes from its `Object` derive, and a test checks that both write the same JSON.

use chrono::{DateTime, Utc};
use poem::IntoResponse;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::{Serialize, Serializer};

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A 200 answer of `T`, written with serde.
pub struct JsonBody<T>(pub T);

impl<T: Type + Send> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Serialize + Send> ApiResponse for JsonBody<T> {
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

impl<T: Serialize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> poem::Response {
        match serde_json::to_vec(&self.0) {
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

/// A time as poem-openapi writes it (`to_rfc3339`, `+00:00`), so that both ways of
/// writing JSON agree.
pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339())
}
