//! The two bearer-token schemes (PL-13, PL-26). Checking a token is a use case; these
//! types only extract it and document the schemes in the OpenAPI document.

use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use clientele_application::Clientele;
use clientele_domain::Actor;

use crate::problem::ProblemResponse;

/// A staff member's token, bound to one business (`clt_…`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct StaffToken(pub Bearer);

/// The platform operator's token (`CLIENTELE_OPERATOR_TOKEN`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct OperatorToken(pub Bearer);

impl StaffToken {
    /// The staff member this token belongs to.
    pub async fn actor(&self, app: &Clientele) -> Result<Actor, ProblemResponse> {
        Ok(app.authenticate(&self.0.token).await?)
    }
}
