//! Errors as `application/problem+json` (RFC 9457, PL-8). Each use-case error kind maps to
//! exactly one status here, and nowhere else; unexpected failures are logged, never shown.

use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use clientele_application::{Classify, ErrorKind};
use clientele_domain::FieldError;

/// One field at fault.
#[derive(Debug, Clone, Object)]
pub struct ProblemField {
    /// The field, e.g. `email` or `owner.name`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[oai(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this request, for a person.
    pub detail: String,
    /// For validation problems: every field at fault.
    #[oai(default, skip_serializing_if_is_empty)]
    pub errors: Vec<ProblemField>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "invalid input: email: not an email address".to_owned(),
            &[FieldError::new("email", "not an email address")],
        )
    }
}

/// Every error response of the API.
#[derive(Debug, ApiResponse)]
pub enum ProblemResponse {
    /// Malformed request: unparsable body or parameter, cursor from elsewhere.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Missing or invalid bearer token.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The token's role or site access does not allow this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such record in the token's business.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Conflicts with the current state: stale `version`, duplicate, still in use.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is larger than this operation accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not JSON: send `Content-Type: application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed but breaks a rule: invalid fields (listed in `errors`), unknown site.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Something failed on our side; it was logged with the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// Too many attempts: try again after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(
        Json<Problem>,
        /// Seconds to wait before trying again.
        #[oai(header = "Retry-After")]
        u64,
    ),
    /// A payment processor did not answer; nothing was done: try again later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

fn problem(status: StatusCode, slug: &str, detail: String, fields: &[FieldError]) -> Problem {
    Problem {
        kind: format!("https://clientele.dev/problems/{slug}"),
        title: title(status),
        status: status.as_u16(),
        detail,
        errors: fields
            .iter()
            .map(|e| ProblemField {
                field: e.field.clone(),
                message: e.message.clone(),
            })
            .collect(),
    }
}

impl ProblemResponse {
    /// The problem inside, whatever its status.
    pub fn problem(&self) -> &Problem {
        match self {
            Self::BadRequest(p)
            | Self::Unauthorized(p)
            | Self::Forbidden(p)
            | Self::NotFound(p)
            | Self::Conflict(p)
            | Self::PayloadTooLarge(p)
            | Self::UnsupportedMediaType(p)
            | Self::Unprocessable(p)
            | Self::Internal(p)
            | Self::Unavailable(p)
            | Self::TooManyRequests(p, _) => &p.0,
        }
    }

    /// The response for a problem of any status (an unknown status is a 500).
    pub fn with_status(problem: Problem) -> Self {
        let body = Json(problem);
        match body.0.status {
            400 => Self::BadRequest(body),
            401 => Self::Unauthorized(body),
            403 => Self::Forbidden(body),
            404 => Self::NotFound(body),
            409 => Self::Conflict(body),
            413 => Self::PayloadTooLarge(body),
            415 => Self::UnsupportedMediaType(body),
            422 => Self::Unprocessable(body),
            503 => Self::Unavailable(body),
            429 => Self::TooManyRequests(body, 1),
            _ => Self::Internal(body),
        }
    }

    /// A 500 that says nothing of the cause (which is logged).
    pub fn internal() -> Self {
        Self::Internal(Json(problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an unexpected error occurred; it was logged with this request's id (X-Request-Id)"
                .to_owned(),
            &[],
        )))
    }

    /// A 400 about one request parameter.
    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self::BadRequest(Json(problem(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!(
                "the parameter `{}` is invalid: {}",
                error.field, error.message
            ),
            &[error],
        )))
    }
}

impl ProblemResponse {
    /// A 422 about one field of the body, for a rule the body's schema cannot state.
    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self::Unprocessable(Json(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            format!("`{}`: {}", error.field, error.message),
            &[error],
        )))
    }
}

impl<E: Classify> From<E> for ProblemResponse {
    fn from(error: E) -> Self {
        let detail = error.to_string();
        let fields = error.field_errors();
        match error.kind() {
            ErrorKind::Malformed => Self::BadRequest(Json(problem(
                StatusCode::BAD_REQUEST,
                "malformed",
                detail,
                fields,
            ))),
            ErrorKind::Unauthenticated => Self::Unauthorized(Json(problem(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                detail,
                fields,
            ))),
            ErrorKind::Forbidden => Self::Forbidden(Json(problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                detail,
                fields,
            ))),
            ErrorKind::NotFound => Self::NotFound(Json(problem(
                StatusCode::NOT_FOUND,
                "not-found",
                detail,
                fields,
            ))),
            ErrorKind::Conflict => Self::Conflict(Json(problem(
                StatusCode::CONFLICT,
                "conflict",
                detail,
                fields,
            ))),
            ErrorKind::RuleViolated => Self::Unprocessable(Json(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                if fields.is_empty() {
                    "rule-violated"
                } else {
                    "validation"
                },
                detail,
                fields,
            ))),
            ErrorKind::Throttled => Self::TooManyRequests(
                Json(problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    detail,
                    fields,
                )),
                error.retry_after().unwrap_or(1),
            ),
            ErrorKind::Unavailable => Self::Unavailable(Json(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                detail,
                fields,
            ))),
            ErrorKind::Unexpected => {
                tracing::error!(error = %error, source = ?std::error::Error::source(&error), "unexpected failure");
                Self::internal()
            }
        }
    }
}

/// A problem response for an error raised by poem or poem-openapi before or around a
/// handler: unknown route, wrong method, unparsable parameter or body, missing token.
pub fn from_poem_error(error: &poem::Error) -> poem::Response {
    use poem_openapi::error::{
        AuthorizationError, ParseParamError, ParsePathError, ParseRequestPayloadError,
    };

    let status = error.status();
    let (slug, detail, fields) = if let Some(e) = error.downcast_ref::<ParseParamError>() {
        (
            "malformed",
            e.to_string(),
            vec![FieldError::new(e.name, e.reason.clone())],
        )
    } else if let Some(e) = error.downcast_ref::<ParsePathError>() {
        // poem-openapi names path parameters by position (`param0`); every path parameter
        // of this API is the `id` of the resource, so that is the name to report.
        (
            "malformed",
            format!("the id in the path is not valid: {}", e.reason),
            vec![FieldError::new("id", e.reason.clone())],
        )
    } else if let Some(e) = error.downcast_ref::<ParseRequestPayloadError>() {
        (
            "malformed",
            format!("the request body is invalid: {}", e.reason),
            vec![],
        )
    } else if error.is::<AuthorizationError>() {
        (
            "unauthenticated",
            "a bearer token is required: send `Authorization: Bearer <token>`".to_owned(),
            vec![],
        )
    } else if status == StatusCode::NOT_FOUND {
        ("not-found", "no such route".to_owned(), vec![])
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        (
            "method-not-allowed",
            "this route does not accept this method".to_owned(),
            vec![],
        )
    } else if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        (
            "unsupported-media-type",
            "the body must be JSON: send `Content-Type: application/json`".to_owned(),
            vec![],
        )
    } else if status.is_server_error() {
        tracing::error!(error = %error, "unexpected failure outside a handler");
        (
            "internal",
            "an unexpected error occurred".to_owned(),
            vec![],
        )
    } else {
        ("malformed", error.to_string(), vec![])
    };
    response(status, slug, detail, &fields)
}

/// A problem response of any status, for answers made outside the typed responses of an
/// operation (the gate's 405, 413 and 414, poem's own errors).
pub fn response(
    status: StatusCode,
    slug: &str,
    detail: String,
    fields: &[FieldError],
) -> poem::Response {
    use poem::IntoResponse;

    let mut response = Json(problem(status, slug, detail, fields)).into_response();
    response.set_status(status);
    response.headers_mut().insert(
        poem::http::header::CONTENT_TYPE,
        poem::http::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The statuses of problems an operation can answer with, as bits of a set: an operation
/// returns [`Problems<S>`] with `S` the union of its bits, and its OpenAPI entry lists
/// exactly those statuses (and 500, which any operation may answer).
pub mod can {
    /// 400: a parameter, the body or a header is malformed.
    pub const MALFORM: u16 = 1;
    /// 401: the token is missing or unknown.
    pub const UNAUTHENTICATE: u16 = 1 << 1;
    /// 403: the token's role does not allow this.
    pub const FORBID: u16 = 1 << 2;
    /// 404: a record named by the path is not there (for this caller).
    pub const MISS: u16 = 1 << 3;
    /// 409: stale `version`, duplicate, still in use, key in use.
    pub const CONFLICT: u16 = 1 << 4;
    /// 413, 415 and 400: a JSON body that is too large, not JSON, or malformed.
    pub const TAKE_BODY: u16 = 1 << 5 | 1 << 6 | MALFORM;
    /// 422: well-formed but breaks a rule.
    pub const BREAK_RULE: u16 = 1 << 7;
    /// 503: a payment processor did not answer.
    pub const BE_UNAVAILABLE: u16 = 1 << 8;
    /// 429: too many attempts (with `Retry-After`).
    pub const THROTTLE: u16 = 1 << 9;

    /// The bit of a status, if it is one of the above.
    pub(crate) const fn bit(status: u16) -> Option<u16> {
        match status {
            400 => Some(MALFORM),
            401 => Some(UNAUTHENTICATE),
            403 => Some(FORBID),
            404 => Some(MISS),
            409 => Some(CONFLICT),
            413 => Some(1 << 5),
            415 => Some(1 << 6),
            422 => Some(BREAK_RULE),
            503 => Some(BE_UNAVAILABLE),
            429 => Some(THROTTLE),
            _ => None,
        }
    }

    /// Whether the set `set` holds `status` (500 is in every set).
    pub(crate) const fn holds(set: u16, status: u16) -> bool {
        match bit(status) {
            Some(bit) => set & bit != 0,
            None => status == 500,
        }
    }
}

/// The problems of one operation: a [`ProblemResponse`] whose OpenAPI entry lists only the
/// statuses of `S` (see [`can`]).
#[derive(Debug)]
pub struct Problems<const S: u16>(pub ProblemResponse);

impl<const S: u16> Problems<S> {
    #[track_caller]
    fn checked(response: ProblemResponse) -> Self {
        let status = response.problem().status;
        if !can::holds(S, status) {
            // A status the document does not list: a mistake in the operation's set.
            tracing::error!(
                status,
                "an operation answered a problem it does not declare"
            );
            debug_assert!(false, "undeclared problem status {status}");
        }
        Self(response)
    }
}

impl<const S: u16> poem_openapi::ApiResponse for Problems<S> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        let mut meta = ProblemResponse::meta();
        meta.responses
            .retain(|r| r.status.is_some_and(|status| can::holds(S, status)));
        meta
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        ProblemResponse::register(registry);
    }
}

impl<const S: u16> poem::IntoResponse for Problems<S> {
    fn into_response(self) -> poem::Response {
        self.0.into_response()
    }
}

impl<const S: u16> From<Problems<S>> for poem::Error {
    fn from(problems: Problems<S>) -> Self {
        problems.0.into()
    }
}

impl<const S: u16> From<ProblemResponse> for Problems<S> {
    #[track_caller]
    fn from(response: ProblemResponse) -> Self {
        Self::checked(response)
    }
}

impl<const S: u16, E: Classify> From<E> for Problems<S> {
    #[track_caller]
    fn from(error: E) -> Self {
        Self::checked(error.into())
    }
}
