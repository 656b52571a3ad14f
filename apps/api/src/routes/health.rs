//! `GET /health` (the process answers) and `GET /ready` (the database answers and every
//! migration is applied), PL-22.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use clientele_application::Clientele;

use super::ApiTags;

pub struct HealthApi {
    pub app: Clientele,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StatusView {
    /// `ok`, or what is not ready.
    pub status: String,
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// The database answers and its schema is up to date.
    #[oai(status = 200)]
    Ready(Json<StatusView>),
    /// Not ready to serve: the database is unreachable or migrations are pending.
    #[oai(status = 503)]
    NotReady(Json<StatusView>),
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// The process is alive.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> Json<StatusView> {
        Json(StatusView {
            status: "ok".to_owned(),
        })
    }

    /// The process can serve requests.
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self) -> ReadyResponse {
        match self.app.ready().await {
            Ok(()) => ReadyResponse::Ready(Json(StatusView {
                status: "ok".to_owned(),
            })),
            Err(error) => {
                tracing::warn!(%error, "not ready");
                ReadyResponse::NotReady(Json(StatusView {
                    status: "database unavailable or migrations pending".to_owned(),
                }))
            }
        }
    }
}
