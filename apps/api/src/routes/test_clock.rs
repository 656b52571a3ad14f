//! PL-25: the test clock of a business founded in test mode. Its owner moves the
//! business's "now" forward; the worker then works each day in between.

use chrono::{DateTime, Utc};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use clientele_application::Clientele;
use clientele_domain::test_clock::BusinessMode;

use super::ApiTags;
use super::businesses::BusinessView;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// Whether a business takes real money on the real clock (PL-25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ModeView {
    Live,
    Test,
}

/// A test business's clock.
#[derive(Debug, Object)]
pub struct TestClockView {
    /// The instant the clock was last moved to. The business's "now" is this instant,
    /// or the real time once that is later.
    pub moved_to: DateTime<Utc>,
    /// The worker has done every day's work up to this instant; once it reaches
    /// `moved_to`, the rehearsal is complete.
    pub worked_to: DateTime<Utc>,
}

/// The mode of a business, with its clock when in test mode.
pub fn clock_view(mode: &BusinessMode) -> (ModeView, Option<TestClockView>) {
    match mode {
        BusinessMode::Live => (ModeView::Live, None),
        BusinessMode::Test(clock) => (
            ModeView::Test,
            Some(TestClockView {
                moved_to: clock.moved_to,
                worked_to: clock.worked_to,
            }),
        ),
    }
}

/// Where to move the clock.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MoveClockParams {
    /// The business's new "now": later than its current one.
    pub now: DateTime<Utc>,
}

pub struct TestClockApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Business")]
impl TestClockApi {
    /// Move a test business's clock forward (owner only). The worker then does what it
    /// would have done on each day in between: renewals, retries, expiries, emails. A
    /// live business refuses with 409.
    #[oai(
        path = "/business/test-clock",
        method = "post",
        operation_id = "move_test_clock"
    )]
    async fn move_clock(
        &self,
        auth: StaffToken,
        body: Json<MoveClockParams>,
    ) -> Result<
        Json<BusinessView>,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let business = self.app.move_test_clock(&actor, body.0.now).await?;
        Ok(Json((&business).into()))
    }
}
