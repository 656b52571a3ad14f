//! PL-10 at the HTTP edge: a request with an `Idempotency-Key` header runs once; repeats
//! get the first response (status and body) again. The rules live in the application
//! (`start_idempotent` …); this module only turns responses into stored text and back.

use std::future::Future;

use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};

use clientele_application::Clientele;
use clientele_application::idempotency::{Completion, Idempotent, KeptAnswer, fingerprint};
use clientele_domain::Actor;

use crate::problem::{Problem, ProblemResponse};

/// A response that can be kept and given again.
pub trait Replayable: Sized {
    fn stored(&self) -> KeptAnswer;
    fn replayed(stored: &KeptAnswer) -> Option<Self>;
}

impl<T: ToJSON + ParseFromJSON> Replayable for Json<T> {
    fn stored(&self) -> KeptAnswer {
        KeptAnswer {
            status: 200,
            body: self.0.to_json_string(),
        }
    }

    fn replayed(stored: &KeptAnswer) -> Option<Self> {
        (stored.status == 200)
            .then(|| T::parse_from_json_string(&stored.body).ok().map(Json))
            .flatten()
    }
}

impl ProblemResponse {
    fn stored(&self) -> KeptAnswer {
        let problem = self.problem();
        KeptAnswer {
            status: problem.status,
            body: problem.to_json_string(),
        }
    }

    fn replayed(stored: &KeptAnswer) -> Option<Self> {
        let problem = Problem::parse_from_json_string(&stored.body).ok()?;
        Some(Self::with_status(problem))
    }
}

/// The key a use case passes to processors: the request's `Idempotency-Key`, or a fresh
/// one when the request has none (then a retry is a new request).
pub fn request_key(header: Option<&str>) -> String {
    header.map_or_else(|| format!("auto-{}", uuid::Uuid::new_v4()), str::to_owned)
}

/// Runs a change once per key: the first request with `key` runs (`run`, given the
/// [`Completion`] that keeps its answer, `respond` to its outcome, in the change's own
/// transaction); a refusal is kept after it, and a failure on our side frees the key for
/// a retry. A repeat with the same `operation` and `body` gets the kept answer again;
/// with another, a 422. Without a key, `run` just runs.
pub async fn once<R, T, F, Fut>(
    app: &Clientele,
    actor: &Actor,
    key: Option<&str>,
    operation: &str,
    body: &impl ToJSON,
    respond: fn(&T) -> R,
    run: F,
) -> Result<R, ProblemResponse>
where
    R: Replayable + 'static,
    T: 'static,
    F: FnOnce(Option<Completion<T>>) -> Fut,
    Fut: Future<Output = Result<T, ProblemResponse>>,
{
    let Some(key) = key else {
        return run(None).await.map(|outcome| respond(&outcome));
    };
    let fingerprint = fingerprint(operation, &body.to_json_string());
    match app
        .start_idempotent(actor, key, operation, &fingerprint)
        .await?
    {
        Idempotent::Replay(stored) => if (200..300).contains(&stored.status) {
            R::replayed(&stored).map(Ok)
        } else {
            ProblemResponse::replayed(&stored).map(Err)
        }
        .unwrap_or_else(|| {
            tracing::error!(key, "a stored idempotent response could not be read back");
            Err(ProblemResponse::internal())
        }),
        Idempotent::Proceed => {
            let completion = Completion::new(key, move |outcome: &T| respond(outcome).stored());
            match run(Some(completion)).await {
                // Kept by the change's transaction.
                Ok(outcome) => Ok(respond(&outcome)),
                Err(problem) => {
                    let recorded = if problem.problem().status >= 500 {
                        app.forget_idempotent(actor, key).await
                    } else {
                        app.finish_idempotent(actor, key, &problem.stored()).await
                    };
                    if let Err(error) = recorded {
                        tracing::error!(%error, key, "the idempotency record could not be updated");
                    }
                    Err(problem)
                }
            }
        }
    }
}

/// The `Idempotency-Key` header of a change (PL-10): 1 to 255 visible ASCII characters.
/// Its schema says so once for every operation that takes it; a key that is not text at
/// all never gets here (the gate refuses it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl std::ops::Deref for IdempotencyKey {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl poem_openapi::types::Type for IdempotencyKey {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;

    type RawElementValueType = String;

    fn name() -> std::borrow::Cow<'static, str> {
        "idempotency_key".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(
            poem_openapi::registry::MetaSchema {
                description: Some(
                    "PL-10: a retry with the same key gets the first answer (1 to 255 \
                     visible ASCII characters; whitespace after a header's value is not \
                     part of it, RFC 9110).",
                ),
                min_length: Some(1),
                max_length: Some(255),
                pattern: Some("^[!-~]+[ \\t]*$".to_owned()),
                ..poem_openapi::registry::MetaSchema::new("string")
            },
        ))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl poem_openapi::types::ParseFromParameter for IdempotencyKey {
    fn parse_from_parameter(value: &str) -> poem_openapi::types::ParseResult<Self> {
        clientele_application::idempotency::check_key(value)
            .map(|()| Self(value.to_owned()))
            .map_err(|e| poem_openapi::types::ParseError::custom(e.to_string()))
    }
}
