//! Test harness: `spawn_app()` gives each test its own freshly migrated database, the real
//! router and the owner token of a bootstrapped business.

use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::{TestClient, TestResponse};
use poem::{EndpointExt, Response};
use serde_json::{Value, json};

use clientele_adapters::testing::{TestDatabase, fresh_storage};
use clientele_adapters::{
    Argon2Hasher, ChargeJournal, FixedClock, FsBlobStore, SeaStorage, StubCardProcessor,
    StubProcessors, SystemClock, UuidV7Ids,
};
use clientele_api::HttpLimits;
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};

pub const OPERATOR_TOKEN: &str = "operator-secret-for-tests-0123456789";

pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static, Response>>,
    pub app: Clientele,
    /// The app's storage, to look under it or act as a crashed worker would have.
    pub storage: SeaStorage,
    /// The owner token of the business created by the first start.
    pub owner: String,
    /// Where this test's document contents are kept.
    pub blob_dir: BlobDir,
    _database: TestDatabase,
}

/// A fresh folder for one test's blobs, removed when dropped (kept if the test panics).
pub struct BlobDir(pub std::path::PathBuf);

impl BlobDir {
    fn new() -> Self {
        Self(
            std::env::temp_dir()
                .join("clientele-tests")
                .join(format!("blobs-{}", uuid::Uuid::new_v4().simple())),
        )
    }

    /// Every file under the folder (hidden ones included), at any depth.
    pub fn files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.0, &mut files);
        files
    }
}

impl Drop for BlobDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// What the API answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub request_id: Option<String>,
    /// `Retry-After`, on a 429.
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Reply {
    /// What `response` says.
    pub async fn of(response: TestResponse) -> Self {
        let response = response.0;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let request_id = header("x-request-id");
        let retry_after = header("retry-after");
        let text = response
            .into_body()
            .into_string()
            .await
            .expect("a text body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            content_type,
            request_id,
            retry_after,
            body,
        }
    }

    /// The body's field, `Null` if absent.
    pub fn at(&self, pointer: &str) -> &Value {
        self.body.pointer(pointer).unwrap_or(&Value::Null)
    }

    pub fn str(&self, pointer: &str) -> String {
        self.at(pointer)
            .as_str()
            .unwrap_or_else(|| panic!("{pointer} is not a string in {}", self.body))
            .to_owned()
    }

    /// Asserts a problem+json answer with this status.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{:#}",
            self.body
        );
        assert_eq!(self.at("/status"), &json!(status));
        assert!(self.at("/detail").is_string(), "{:#}", self.body);
        self
    }

    /// The fields listed in a validation problem.
    pub fn problem_fields(&self) -> Vec<String> {
        self.at("/errors")
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        self
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(HttpLimits::default()).await
}

/// A fresh app served with `limits`.
pub async fn spawn_app_with(limits: HttpLimits) -> TestApp {
    spawn_configured(limits, Config::default()).await
}

/// A fresh app in development mode: webhook endpoints may be `http://127.0.0.1:…`
/// (PL-24), so that a test's own receiver can be one.
pub async fn spawn_app_for_webhooks() -> TestApp {
    let config = Config {
        webhooks_to_localhost: true,
        ..Config::default()
    };
    spawn_configured(HttpLimits::default(), config).await
}

async fn spawn_configured(limits: HttpLimits, config: Config) -> TestApp {
    let (storage, database) = fresh_storage().await;
    let blob_dir = BlobDir::new();
    let cursors = Cursors::load(&storage).await.expect("the cursor key");
    let app = Clientele::new(
        Arc::new(storage.clone()),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config {
            operator_token: Some(OPERATOR_TOKEN.to_owned()),
            ..config
        },
        cursors,
    )
    .with_processors(Arc::new(StubProcessors::new()))
    .with_blob_store(Arc::new(FsBlobStore::new(&blob_dir.0)))
    .with_password_hasher(Arc::new(Argon2Hasher))
    .with_resource_views(Arc::new(clientele_api::ApiViews));
    let boot = app
        .bootstrap(None)
        .await
        .expect("bootstrap")
        .expect("an empty database bootstraps");
    let client = TestClient::new(
        clientele_api::router(app.clone(), limits)
            .map_to_response()
            .boxed(),
    );
    TestApp {
        client,
        app,
        storage,
        owner: boot.owner_token,
        blob_dir,
        _database: database,
    }
}

impl TestApp {
    /// The app as the worker runs it as of `at` (`--now`), charging through a stub card
    /// processor that records what it receives in `journal`.
    pub fn billing_at(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        journal: &Arc<ChargeJournal>,
    ) -> Clientele {
        let clock = Arc::new(FixedClock::new(at));
        let card = StubCardProcessor::with_clock(clock.clone()).with_journal(journal.clone());
        self.app
            .clone()
            .with_clock(clock)
            .with_processors(Arc::new(StubProcessors::with_card(card)))
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.body_json(&body);
        }
        Reply::of(request.send().await).await
    }

    /// Posts `bytes` as they are (a file), with `content_type`.
    pub async fn post_bytes(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let request = self
            .client
            .post(path)
            .header("authorization", format!("Bearer {token}"))
            .content_type(content_type)
            .body(bytes);
        Reply::of(request.send().await).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates a client as `token` and returns its body.
    pub async fn create_client(&self, token: &str, body: Value) -> Value {
        let reply = self.post("/v1/clients", token, body).await;
        reply.assert_status(201);
        reply.body
    }

    /// Creates a one-hour service `name` at 60.00 as the owner and returns its id.
    pub async fn create_service(&self, name: &str) -> String {
        let reply = self
            .post(
                "/v1/appointment-types",
                &self.owner,
                json!({ "name": name, "duration_minutes": 60, "price": "60.00" }),
            )
            .await;
        reply.assert_status(201);
        reply.str("/id")
    }

    /// Books `service` for the existing `client` at `starts_at` as the owner and returns
    /// the appointment's id.
    pub async fn book_for(&self, service: &str, client: &str, starts_at: &str) -> String {
        let reply = self
            .post(
                "/v1/appointments",
                &self.owner,
                json!({
                    "appointment_type_id": service, "starts_at": starts_at,
                    "client": { "client_id": client },
                }),
            )
            .await;
        reply.assert_status(201);
        reply.str("/appointment/id")
    }

    /// Creates a site as the owner and returns its id.
    pub async fn create_site(&self, name: &str) -> String {
        let reply = self
            .post("/v1/sites", &self.owner, json!({ "name": name }))
            .await;
        reply.assert_status(201);
        reply.str("/id")
    }

    /// The bootstrapped business's first site.
    pub async fn main_site(&self) -> String {
        self.get("/v1/sites", &self.owner).await.str("/items/0/id")
    }

    /// Creates a staff member with `role` on `sites` and returns a token of theirs.
    pub async fn staff_token(&self, role: &str, email: &str, sites: &[&str]) -> String {
        let member = self
            .post(
                "/v1/staff",
                &self.owner,
                json!({ "name": email, "email": email, "role": role, "sites": sites }),
            )
            .await;
        member.assert_status(201);
        let token = self
            .post(
                "/v1/tokens",
                &self.owner,
                json!({ "label": "test", "staff_id": member.str("/id") }),
            )
            .await;
        token.assert_status(201);
        token.str("/secret")
    }

    /// Founds a second business through the operator and returns its owner token.
    pub async fn other_business(&self, name: &str) -> String {
        let reply = self
            .post(
                "/v1/operator/businesses",
                OPERATOR_TOKEN,
                json!({ "name": name, "owner": { "name": "Other owner", "email": "owner@other.example" } }),
            )
            .await;
        reply.assert_status(201);
        reply.str("/owner_token/secret")
    }

    /// The ids of every client listed at `path` (following every page).
    pub async fn all_client_ids(&self, path: &str, token: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let url = match &next {
                None => path.to_owned(),
                Some(cursor) => format!(
                    "{path}{}cursor={cursor}",
                    if path.contains('?') { '&' } else { '?' }
                ),
            };
            let page = self.get(&url, token).await;
            page.assert_status(200);
            for item in page.at("/items").as_array().expect("items") {
                ids.push(item["id"].as_str().expect("id").to_owned());
            }
            match page.at("/next_cursor").as_str() {
                Some(cursor) => next = Some(cursor.to_owned()),
                None => return ids,
            }
        }
    }
}

impl TestApp {
    /// Serves this app's router on a free local port, for clients that speak HTTP over
    /// a socket, and returns its base URL. The server lives as long as the test's runtime.
    pub async fn serve(&self) -> String {
        use poem::listener::{Acceptor, Listener, TcpListener};

        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("a free port");
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .expect("a socket address");
        let router = clientele_api::router(self.app.clone(), HttpLimits::default());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(router));
        format!("http://{address}")
    }
}
