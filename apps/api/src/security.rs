//! The bearer-token schemes (PL-13, PL-15, PL-26). Checking a token is a use case; these
//! types only extract it and document the schemes in the OpenAPI document.
//!
//! The gate checks a staff token before the body is read and hands the handler the
//! staff member it found, for this request only, so that the token is not looked up
//! twice.

use std::future::Future;

use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use clientele_application::Clientele;
use clientele_application::accounts::AccountActor;
use clientele_domain::Actor;

use crate::problem::ProblemResponse;

/// A staff member's token, bound to one business (`clt_…`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct StaffToken(pub Bearer);

/// A client account's session token (`cls_…`), from a login (PL-15).
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct ClientSession(pub Bearer);

impl ClientSession {
    /// The account this session belongs to.
    pub async fn actor(&self, app: &Clientele) -> Result<AccountActor, ProblemResponse> {
        Ok(app.authenticate_account(&self.0.token).await?)
    }
}

/// The platform operator's token (`CLIENTELE_OPERATOR_TOKEN`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct OperatorToken(pub Bearer);

tokio::task_local! {
    /// The token the gate checked for the request being handled, and its staff member.
    static AUTHENTICATED: (String, Actor);
}

/// Runs `handling` (one request's handling) knowing that `token` is `actor`'s.
pub(crate) async fn authenticated<F: Future>(
    token: String,
    actor: Actor,
    handling: F,
) -> F::Output {
    AUTHENTICATED.scope((token, actor), handling).await
}

impl StaffToken {
    /// The staff member this token belongs to: as the gate found it for this request, or
    /// looked up now.
    pub async fn actor(&self, app: &Clientele) -> Result<Actor, ProblemResponse> {
        let checked = AUTHENTICATED
            .try_with(|(token, actor)| (*token == self.0.token).then(|| actor.clone()))
            .ok()
            .flatten();
        match checked {
            Some(actor) => Ok(actor),
            None => Ok(app.authenticate(&self.0.token).await?),
        }
    }
}
