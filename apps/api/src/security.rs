//! The bearer-token schemes (PL-13, PL-15, PL-26). Checking a token is a use case; these
//! types only extract it and document the schemes in the OpenAPI document.
//!
//! The gate checks a staff token or a client session before the body is read and hands
//! the handler whom it found, for this request only, so that the token is not looked up
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
    /// The account this session belongs to: as the gate found it for this request, or
    /// looked up now.
    pub async fn actor(&self, app: &Clientele) -> Result<AccountActor, ProblemResponse> {
        match checked(&self.0.token) {
            Some(Caller::Client(actor)) => Ok(actor),
            _ => Ok(app.authenticate_account(&self.0.token).await?),
        }
    }
}

/// The platform operator's token (`CLIENTELE_OPERATOR_TOKEN`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct OperatorToken(pub Bearer);

/// Whom the gate found a token to be.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Staff(Actor),
    Client(AccountActor),
}

tokio::task_local! {
    /// The token the gate checked for the request being handled, and its caller.
    static AUTHENTICATED: (String, Caller);
}

/// Runs `handling` (one request's handling) knowing that `token` is `caller`'s.
pub(crate) async fn authenticated<F: Future>(
    token: String,
    caller: Caller,
    handling: F,
) -> F::Output {
    AUTHENTICATED.scope((token, caller), handling).await
}

/// Whom the gate found `token` to be for this request, if it checked that token.
fn checked(token: &str) -> Option<Caller> {
    AUTHENTICATED
        .try_with(|(checked, caller)| (checked == token).then(|| caller.clone()))
        .ok()
        .flatten()
}

impl StaffToken {
    /// The staff member this token belongs to: as the gate found it for this request, or
    /// looked up now.
    pub async fn actor(&self, app: &Clientele) -> Result<Actor, ProblemResponse> {
        match checked(&self.0.token) {
            Some(Caller::Staff(actor)) => Ok(actor),
            _ => Ok(app.authenticate(&self.0.token).await?),
        }
    }
}
