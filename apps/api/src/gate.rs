//! The gate every request passes before its handler (PL-8, PL-13, PL-26), in this order:
//!
//! 1. a URI longer than [`MAX_URI_BYTES`] is a 414;
//! 2. a known path with a method it does not serve is a 405 with `Allow`;
//! 3. a declared body larger than the operation allows is a 413, before anything is read;
//! 4. an operation that needs a token has it checked now, before the body is read, so a
//!    stranger's upload costs nothing but headers;
//! 5. a query parameter the operation does not take is a 400: a misspelt filter
//!    (`label_any=`) must not silently list every client;
//! 6. the body is read up to the limit (a 413 past it, whatever `Content-Length` said).
//!
//! Every answer is `application/problem+json`. The routes come from the OpenAPI
//! document, so a new operation is gated as soon as it exists. What the gate cannot
//! answer is what never reaches the application: a request line or header that is not
//! HTTP, or a URI past the HTTP layer's own limit (64 KiB), gets the HTTP layer's bare
//! 400 or 414 and a closed connection.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use clientele_application::Clientele;
use clientele_application::idempotency::{IdempotencyError, check_key};
use clientele_domain::FieldError;

use crate::problem::{self, ProblemResponse};
use crate::security::{self, Caller};

/// The longest URI (path and query) served: longer ones are a 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Operations whose bodies may be larger than the configured limit, and how large:
/// a document upload carries up to 10 MiB as base64 in JSON; a client import's CSV file
/// up to 32 MiB.
const LARGER_BODIES: &[(&str, &str, usize)] = &[
    ("POST", "/v1/clients/{id}/documents", 14 * 1024 * 1024),
    ("POST", "/v1/client-imports", 32 * 1024 * 1024),
];

/// The HTTP limits of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// The largest request body of an operation not listed in `LARGER_BODIES`.
    pub max_body_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Who may call an operation, as its OpenAPI `security` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Open,
    Staff,
    Operator,
    /// PL-15: a client account's session.
    Client,
}

#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    security: Security,
    max_body_bytes: usize,
    /// The names of its query parameters.
    query: Vec<String>,
}

impl Operation {
    /// The first query parameter of `query` (the raw query string) it does not take.
    fn unknown_parameter(&self, query: &str) -> Option<String> {
        form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name)
            .find(|name| !self.query.iter().any(|known| known == name))
            .map(|name| name.into_owned())
    }
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Parameter,
}

#[derive(Debug, Clone)]
struct PathTemplate {
    segments: Vec<Segment>,
    operations: Vec<Operation>,
}

impl PathTemplate {
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(s, t)| match s {
                Segment::Literal(literal) => literal == t,
                Segment::Parameter => !t.is_empty(),
            })
    }

    /// How specific the template is: `/clients/export` before `/clients/{id}`.
    fn literals(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    fn operation(&self, method: &Method) -> Option<&Operation> {
        // HEAD is served wherever GET is.
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.operations.iter().find(|o| o.method == method)
    }

    fn allow(&self) -> String {
        let mut methods: Vec<&str> = self.operations.iter().map(|o| o.method.as_str()).collect();
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        methods.join(", ")
    }
}

/// The operations of the OpenAPI document, by path template.
#[derive(Debug, Clone, Default)]
struct Routes(Vec<PathTemplate>);

impl Routes {
    fn from_spec(spec: &Value, limits: HttpLimits) -> Self {
        let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
            return Self::default();
        };
        let templates = paths
            .iter()
            .map(|(path, item)| PathTemplate {
                segments: segments(path)
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect(),
                operations: item
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(method, operation)| {
                        let method = Method::from_bytes(method.to_uppercase().as_bytes()).ok()?;
                        let max_body_bytes = LARGER_BODIES
                            .iter()
                            .find(|(m, p, _)| *m == method.as_str() && p == path)
                            .map_or(limits.max_body_bytes, |&(_, _, bytes)| bytes);
                        Some(Operation {
                            method,
                            security: security_of(operation),
                            max_body_bytes,
                            query: query_of(operation),
                        })
                    })
                    .collect(),
            })
            .collect();
        Self(templates)
    }

    fn find(&self, path: &str) -> Option<&PathTemplate> {
        let segments: Vec<&str> = segments(path).collect();
        self.0
            .iter()
            .filter(|t| t.matches(&segments))
            .max_by_key(|t| t.literals())
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').skip(1)
}

fn security_of(operation: &Value) -> Security {
    let schemes: Vec<&str> = operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().map(String::as_str))
        .collect();
    if schemes.contains(&"StaffToken") {
        Security::Staff
    } else if schemes.contains(&"OperatorToken") {
        Security::Operator
    } else if schemes.contains(&"ClientSession") {
        Security::Client
    } else {
        Security::Open
    }
}

fn query_of(operation: &Value) -> Vec<String> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// The gate around the routes (see the module's documentation).
pub struct Gate<E> {
    inner: E,
    app: Clientele,
    routes: Arc<Routes>,
    limits: HttpLimits,
}

impl<E> Gate<E> {
    /// The gate for the operations of `spec` (the served OpenAPI document, as JSON).
    pub fn new(inner: E, app: Clientele, spec: &str, limits: HttpLimits) -> Self {
        let spec: Value = serde_json::from_str(spec).unwrap_or(Value::Null);
        Self {
            inner,
            app,
            routes: Arc::new(Routes::from_spec(&spec, limits)),
            limits,
        }
    }
}

fn too_large(limit: usize) -> Response {
    problem::response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        format!("the request body is larger than this operation accepts ({limit} bytes)"),
        &[],
    )
}

/// The bearer token of `Authorization`, as poem-openapi's `Bearer` reads it.
fn bearer(req: &Request) -> Option<&str> {
    let value = req.header(header::AUTHORIZATION)?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

fn unauthenticated() -> Response {
    problem::response(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "a bearer token is required: send `Authorization: Bearer <token>`".to_owned(),
        &[],
    )
}

impl<E: Endpoint> Endpoint for Gate<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let uri_bytes = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
        if uri_bytes > MAX_URI_BYTES {
            return Ok(problem::response(
                StatusCode::URI_TOO_LONG,
                "uri-too-long",
                format!("the URI is longer than {MAX_URI_BYTES} bytes"),
                &[],
            ));
        }
        let operation = match self.routes.find(req.uri().path()) {
            None => None,
            Some(template) => match template.operation(req.method()) {
                Some(operation) => Some(operation),
                None => {
                    let mut response = problem::response(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method-not-allowed",
                        format!("this route accepts {}", template.allow()),
                        &[],
                    );
                    if let Ok(allow) = HeaderValue::from_str(&template.allow()) {
                        response.headers_mut().insert(header::ALLOW, allow);
                    }
                    return Ok(response);
                }
            },
        };
        let limit = operation.map_or(self.limits.max_body_bytes, |o| o.max_body_bytes);
        let declared = req
            .header(header::CONTENT_LENGTH)
            .and_then(|length| length.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Ok(too_large(limit));
        }
        let caller = match operation.map(|o| o.security) {
            Some(Security::Staff) => {
                let Some(token) = bearer(&req) else {
                    return Ok(unauthenticated());
                };
                match self.app.authenticate(token).await {
                    Ok(actor) => Some((token.to_owned(), Caller::Staff(actor))),
                    Err(error) => return Ok(ProblemResponse::from(error).into_response()),
                }
            }
            Some(Security::Operator) => {
                let Some(token) = bearer(&req) else {
                    return Ok(unauthenticated());
                };
                if let Err(error) = self.app.authenticate_operator(token) {
                    return Ok(ProblemResponse::from(error).into_response());
                }
                None
            }
            Some(Security::Client) => {
                let Some(token) = bearer(&req) else {
                    return Ok(unauthenticated());
                };
                match self.app.authenticate_account(token).await {
                    Ok(actor) => Some((token.to_owned(), Caller::Client(actor))),
                    Err(error) => return Ok(ProblemResponse::from(error).into_response()),
                }
            }
            Some(Security::Open) | None => None,
        };
        // A key that is not text never reaches the handler as a key: refuse it here, or
        // the retry it was meant to make safe would run twice (PL-10).
        let key = req.headers().get("idempotency-key").map(|key| {
            std::str::from_utf8(key.as_bytes())
                .map_err(|_| IdempotencyError::InvalidKey)
                .and_then(check_key)
        });
        if let Some(Err(error)) = key {
            return Ok(ProblemResponse::from(error).into_response());
        }
        let unknown = operation
            .zip(req.uri().query())
            .and_then(|(operation, query)| {
                operation.unknown_parameter(query).map(|n| (operation, n))
            });
        if let Some((operation, name)) = unknown {
            let known = if operation.query.is_empty() {
                "none".to_owned()
            } else {
                operation.query.join(", ")
            };
            return Ok(problem::response(
                StatusCode::BAD_REQUEST,
                "malformed",
                format!("this operation has no query parameter `{name}` (it takes: {known})"),
                &[FieldError::new(name, "not a parameter of this operation")],
            ));
        }
        let mut body = Vec::new();
        let read = req
            .take_body()
            .into_async_read()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .await;
        if let Err(error) = read {
            return Ok(problem::response(
                StatusCode::BAD_REQUEST,
                "malformed",
                format!("the request body could not be read: {error}"),
                &[],
            ));
        }
        if body.len() > limit {
            return Ok(too_large(limit));
        }
        req.set_body(Body::from(body));
        let answer = match caller {
            Some((token, caller)) => {
                security::authenticated(token, caller, self.inner.call(req)).await
            }
            None => self.inner.call(req).await,
        };
        answer.map(IntoResponse::into_response)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn routes() -> Routes {
        let spec = json!({
            "paths": {
                "/v1/clients": {
                    "get": {
                        "security": [{"StaffToken": []}],
                        "parameters": [
                            {"name": "q", "in": "query"},
                            {"name": "labels_any", "in": "query"},
                            {"name": "Idempotency-Key", "in": "header"}
                        ]
                    },
                    "post": {"security": [{"StaffToken": []}]}
                },
                "/v1/clients/{id}": {"patch": {"security": [{"StaffToken": []}]}},
                "/v1/clients/export": {"get": {"security": [{"StaffToken": []}]}},
                "/v1/clients/{id}/documents": {"post": {"security": [{"StaffToken": []}]}},
                "/v1/operator/businesses": {"post": {"security": [{"OperatorToken": []}]}},
                "/health": {"get": {}}
            }
        });
        Routes::from_spec(
            &spec,
            HttpLimits {
                max_body_bytes: 100,
            },
        )
    }

    fn operation<'a>(routes: &'a Routes, method: Method, path: &str) -> Option<&'a Operation> {
        routes.find(path)?.operation(&method)
    }

    #[test]
    fn a_path_finds_its_most_specific_template() {
        let routes = routes();
        let export = routes.find("/v1/clients/export").unwrap();
        let one = routes
            .find("/v1/clients/0197a0e2-0000-7000-8000-000000000000")
            .unwrap();

        assert_eq!(export.allow(), "GET, HEAD");
        assert_eq!(one.allow(), "PATCH");
        assert!(routes.find("/v1/clients/a/b").is_none());
        assert!(routes.find("/v1/nothing").is_none());
        assert!(
            routes.find("/v1/clients/").is_none(),
            "as poem: a trailing slash differs"
        );
    }

    #[test]
    fn pl_26_operations_know_their_token_and_body_limit() {
        let routes = routes();
        let staff = operation(&routes, Method::POST, "/v1/clients").unwrap();
        let head = operation(&routes, Method::HEAD, "/v1/clients").unwrap();
        let upload = operation(&routes, Method::POST, "/v1/clients/x/documents").unwrap();
        let operator = operation(&routes, Method::POST, "/v1/operator/businesses").unwrap();
        let health = operation(&routes, Method::GET, "/health").unwrap();

        assert_eq!(
            (staff.security, staff.max_body_bytes),
            (Security::Staff, 100)
        );
        assert_eq!(head.method, Method::GET);
        assert_eq!(upload.max_body_bytes, 14 * 1024 * 1024);
        assert_eq!(operator.security, Security::Operator);
        assert_eq!(health.security, Security::Open);
        assert!(operation(&routes, Method::DELETE, "/v1/clients").is_none());
    }

    #[test]
    fn pl_8_a_query_parameter_an_operation_does_not_take_is_named() {
        let routes = routes();
        let list = operation(&routes, Method::GET, "/v1/clients").unwrap();
        let create = operation(&routes, Method::POST, "/v1/clients").unwrap();

        assert_eq!(
            list.unknown_parameter("q=ana&labels_any=x&labels_any=y"),
            None
        );
        assert_eq!(list.unknown_parameter(""), None);
        assert_eq!(
            list.unknown_parameter("q=ana&label_any=x").as_deref(),
            Some("label_any")
        );
        assert_eq!(
            list.unknown_parameter("Idempotency-Key=k").as_deref(),
            Some("Idempotency-Key"),
            "a header is not a query parameter"
        );
        assert_eq!(list.unknown_parameter("=").as_deref(), Some(""));
        assert_eq!(create.unknown_parameter("q=ana").as_deref(), Some("q"));
    }
}
