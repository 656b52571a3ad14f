//! The same pages through HTTP: the API's router served on a local port in this process,
//! `GET /v1/clients` timed until its whole body is read, interleaved with the product's
//! `list_clients` for the same request. Their ratio is what HTTP adds: the token check,
//! routing, building and sending the JSON.

use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, TcpListener};
use thiserror::Error;

use clientele_api::HttpLimits;
use clientele_application::Clientele;
use clientele_domain::Actor;

use crate::cases::{Case, Params};
use crate::measure::{Bench, MeasureError, Percentiles, Runs};

#[derive(Debug, Error)]
pub enum HttpError {
    #[error("the API could not start: {0}")]
    Start(String),
    #[error("`{case}` through HTTP failed: {message}")]
    Call { case: &'static str, message: String },
    #[error("`{case}` through HTTP listed {http} clients where the product listed {product}")]
    Mismatch {
        case: &'static str,
        http: usize,
        product: usize,
    },
    #[error(transparent)]
    Product(#[from] MeasureError),
}

/// The API served from this process, and a token of the business's owner.
pub struct Http {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Http {
    /// Serves the API over `app` on a free local port, with a new owner token.
    pub async fn start(app: &Clientele, owner: &Actor) -> Result<Self, HttpError> {
        let failed = |e: &dyn std::fmt::Display| HttpError::Start(e.to_string());
        let token = app
            .create_token(owner, None, "clientele-bench")
            .await
            .map_err(|e| failed(&e))?
            .secret;
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .map_err(|e| failed(&e))?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| HttpError::Start("no local address".to_owned()))?;
        let router = clientele_api::router(app.clone(), HttpLimits::default());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(router));
        Ok(Self {
            client: {
                clientele_adapters::install_tls_provider();
                reqwest::Client::new()
            },
            base: format!("http://{address}"),
            token,
        })
    }

    /// The HTTP client calls go through.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The URL of `path` (with its query) on the served API.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The `GET /v1/clients` of a page case's parameters (as its product request).
    fn url(&self, p: &Params) -> String {
        let mut url = format!(
            "{}/v1/clients?sort=last_name&limit={}",
            self.base,
            p.limit.get()
        );
        match p.site {
            Some(site) => url.push_str(&format!("&site={}", site.as_uuid())),
            None => url.push_str("&site=all"),
        }
        if let Some(label) = p.label {
            url.push_str(&format!("&labels_any={}", label.as_uuid()));
        }
        if let Some(banned) = p.banned {
            url.push_str(&format!("&banned={banned}"));
        }
        url
    }

    /// One page through HTTP: how many clients it listed, and how long it took.
    async fn timed_page(&self, case: &Case, p: &Params) -> Result<(usize, Duration), HttpError> {
        let failed = |message: String| HttpError::Call {
            case: case.name,
            message,
        };
        let started = Instant::now();
        let response = self
            .client
            .get(self.url(p))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| failed(e.to_string()))?;
        let elapsed = started.elapsed();
        if !status.is_success() {
            return Err(failed(format!(
                "{status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        let page: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| failed(e.to_string()))?;
        let items = page["items"].as_array().map_or(0, Vec::len);
        Ok((items, elapsed))
    }
}

/// A body read through HTTP chunk by chunk: its size, its lines, how long it took, and
/// how much this process's heap grew while it was read (the server runs in this process
/// too).
#[derive(Debug, Clone, Copy)]
pub struct Download {
    pub bytes: u64,
    pub lines: u64,
    pub elapsed: Duration,
    pub rss_growth_kib: u64,
}

impl Http {
    /// A whole export through HTTP, as CSV then as an Excel workbook, as a Markdown table
    /// of rows per second, size and memory growth; the rows are the CSV's lines but its
    /// header.
    pub async fn export_table(&self, path: &str) -> Result<(u64, String), HttpError> {
        let csv = self.download(path).await?;
        let separator = if path.contains('?') { '&' } else { '?' };
        let xlsx = self
            .download(&format!("{path}{separator}format=xlsx"))
            .await?;
        let rows = csv.lines.saturating_sub(1);
        let mut table = String::from(
            "| format | rows/s | size | memory growth while streaming |\n| --- | ---: | ---: | ---: |\n",
        );
        for (format, download) in [("CSV", csv), ("Excel (xlsx)", xlsx)] {
            table.push_str(&format!(
                "| {format} | {:.0} | {:.1} MB | {:.1} MB |\n",
                rows as f64 / download.elapsed.as_secs_f64(),
                download.bytes as f64 / 1e6,
                download.rss_growth_kib as f64 / 1024.0
            ));
        }
        Ok((rows, table))
    }
}

/// This process's resident anonymous memory (its heap, not the database file it maps),
/// in KiB (Linux; 0 elsewhere).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

impl Http {
    /// `GET path`, its body read chunk by chunk and never held whole.
    pub async fn download(&self, path: &str) -> Result<Download, HttpError> {
        let failed = |message: String| HttpError::Call {
            case: "download",
            message,
        };
        let before = rss_kib();
        let mut peak = before;
        let started = Instant::now();
        let mut response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(response.status().to_string()));
        }
        let (mut bytes, mut lines, mut chunks) = (0_u64, 0_u64, 0_u64);
        while let Some(chunk) = response.chunk().await.map_err(|e| failed(e.to_string()))? {
            bytes += chunk.len() as u64;
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
            chunks += 1;
            if chunks % 64 == 0 {
                peak = peak.max(rss_kib());
            }
        }
        let elapsed = started.elapsed();
        Ok(Download {
            bytes,
            lines,
            elapsed,
            rss_growth_kib: peak.max(rss_kib()).saturating_sub(before),
        })
    }
}

/// What one page case measured through HTTP.
#[derive(Debug, Clone)]
pub struct HttpOutcome {
    pub name: &'static str,
    pub product: Percentiles,
    pub http: Percentiles,
}

/// Runs `case` in the product and through HTTP, interleaved, their order alternating.
pub async fn run(
    bench: &Bench<'_>,
    http: &Http,
    case: &Case,
    runs: Runs,
) -> Result<HttpOutcome, HttpError> {
    let mut product_times = Vec::with_capacity(runs.iterations);
    let mut http_times = Vec::with_capacity(runs.iterations);
    for i in 0..runs.warmup + runs.iterations {
        let params = &case.params[i % case.params.len()];
        let request = (case.request)(params);
        let ((page, product_time), (items, http_time)) = if i % 2 == 0 {
            let product = bench.timed_product(case, &request).await?;
            (product, http.timed_page(case, params).await?)
        } else {
            let through = http.timed_page(case, params).await?;
            (bench.timed_product(case, &request).await?, through)
        };
        if items != page.items.len() {
            return Err(HttpError::Mismatch {
                case: case.name,
                http: items,
                product: page.items.len(),
            });
        }
        if i >= runs.warmup {
            product_times.push(product_time);
            http_times.push(http_time);
        }
    }
    Ok(HttpOutcome {
        name: case.name,
        product: Percentiles::of(&mut product_times),
        http: Percentiles::of(&mut http_times),
    })
}

/// The HTTP figures as a Markdown table.
pub fn markdown(outcomes: &[HttpOutcome]) -> String {
    let mut out = String::from(
        "| case | product p50 | product p99 | HTTP p50 | HTTP p99 | HTTP/product p50 | HTTP/product p99 |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for o in outcomes {
        out.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            o.name,
            o.product.p50,
            o.product.p99,
            o.http.p50,
            o.http.p99,
            o.http.p50 / o.product.p50,
            o.http.p99 / o.product.p99,
        ));
    }
    out
}
