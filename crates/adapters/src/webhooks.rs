//! [`HttpWebhookSender`]: posts webhook events (PL-24) with one pooled reqwest client.
//!
//! What it guarantees, and why:
//!
//! - **No delivery to a refused address (SSRF).** An endpoint's URL is checked when it
//!   is saved, but a name may resolve elsewhere later (DNS rebinding), so the name is
//!   resolved again at each connection by this module's resolver, which keeps only the
//!   addresses [`refused_address`] accepts; the connection is made to those addresses
//!   and no other. When none remains the delivery fails with
//!   [`WebhookFailure::RefusedAddress`]. reqwest does not call the resolver for a URL
//!   whose host is an address, so [`HttpWebhookSender::post`] checks such an address
//!   itself before sending. Loopback (`localhost` too) passes only in development.
//! - **No redirect is followed** (a redirect could point at a refused address, and an
//!   endpoint's owner chose its URL): a 3xx is returned as the answer, with its status.
//! - **No proxy** from the environment (`HTTP_PROXY`…): the proxy would connect to
//!   addresses this module never sees.
//! - **A bounded wait and a bounded read.** The whole delivery gives up after the
//!   caller's timeout ([`WebhookFailure::Timeout`]); at most [`RESPONSE_KEPT`] bytes of
//!   the answer's body are read (a huge or endless body is never buffered), cut on a
//!   character boundary, invalid UTF-8 replaced, NUL characters dropped (PostgreSQL text
//!   cannot hold them). Once the status has arrived the endpoint has answered: if its
//!   body then fails or stalls past the timeout, the answer is returned with what was
//!   read of it.
//! - **One client for every call**, so connections are pooled and the sender may be
//!   shared between tasks.
//!
//! TLS is rustls on ring with the webpki roots, the stack lettre and sqlx use here; the
//! client speaks HTTP/1.1 only.

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use thiserror::Error;
use url::{Host, Url};

use clientele_domain::webhook::{AddressError, refused_address};
use clientele_ports::webhooks::{
    RESPONSE_KEPT, WebhookFailure, WebhookRequest, WebhookResponse, WebhookSender,
};

/// The `User-Agent` of every delivery.
pub const WEBHOOK_USER_AGENT: &str = "Clientele-Webhooks/1.0";

/// Why a sender could not be built.
#[derive(Debug, Error)]
pub enum WebhookSenderError {
    #[error("cannot configure TLS for webhooks: {0}")]
    Tls(#[source] rustls::Error),
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Posts webhook events over HTTP(S); see the module's documentation for what it
/// guarantees. Clones share one connection pool.
#[derive(Debug, Clone)]
pub struct HttpWebhookSender {
    client: reqwest::Client,
    development: bool,
}

impl HttpWebhookSender {
    /// A sender; `development` lets deliveries go to loopback addresses (and so to
    /// `localhost`), never to private or link-local ones.
    pub fn new(development: bool) -> Result<Self, WebhookSenderError> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .dns_resolver(CheckingResolver { development })
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .referer(false)
            .build()
            .map_err(WebhookSenderError::Client)?;
        Ok(Self {
            client,
            development,
        })
    }

    /// Refuses a URL whose host is an address events may not go to (the resolver never
    /// sees those). Names pass: the resolver checks what they resolve to.
    fn check_literal_host(&self, raw: &str) -> Result<(), WebhookFailure> {
        let url =
            Url::parse(raw).map_err(|e| WebhookFailure::Unreachable(format!("bad URL: {e}")))?;
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => {
                return Err(WebhookFailure::Unreachable(
                    "the URL has no host".to_owned(),
                ));
            }
        };
        refused_address(ip, self.development)
            .map_err(|reason| WebhookFailure::RefusedAddress(format!("{ip}: {reason}")))
    }
}

/// Makes rustls on ring the process's default TLS provider, unless one is set. reqwest
/// is built here with rustls but without a provider of its own (its default, aws-lc-rs,
/// would add a C build), and cargo builds one reqwest for the whole workspace: any other
/// `reqwest::Client` of a process that links this crate (a benchmark, a test's HTTP
/// client) needs this called first, or reqwest panics when it is built.
pub fn install_tls_provider() {
    // An error only says that a provider is set already: that one is kept.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// rustls on ring (already in the tree through lettre and sqlx; reqwest's own default,
/// aws-lc-rs, would add a C build) trusting the webpki roots, offering HTTP/1.1 only.
fn tls_config() -> Result<rustls::ClientConfig, WebhookSenderError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(WebhookSenderError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn post(
        &self,
        request: &WebhookRequest,
        timeout: Duration,
    ) -> Result<WebhookResponse, WebhookFailure> {
        self.check_literal_host(&request.url)?;
        let builder = self
            .client
            .post(&request.url)
            .timeout(timeout)
            .header("webhook-id", &request.id)
            .header("webhook-timestamp", request.timestamp.to_string())
            .header("webhook-signature", &request.signature)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, WEBHOOK_USER_AGENT)
            .body(request.body.clone());

        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started) + timeout;
        let mut response = match tokio::time::timeout_at(deadline, builder.send()).await {
            Err(_elapsed) => return Err(WebhookFailure::Timeout(timeout)),
            Ok(Err(error)) => return Err(failure(error, timeout)),
            Ok(Ok(response)) => response,
        };
        let status = response.status().as_u16();

        // The status is the answer; the body is read only as far as it is kept, and
        // only until the deadline.
        let mut read = Vec::with_capacity(RESPONSE_KEPT);
        let mut cut = false;
        while read.len() < RESPONSE_KEPT {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => {
                    let room = RESPONSE_KEPT - read.len();
                    cut = chunk.len() > room;
                    read.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(Ok(None)) => break,
                // Cut off or stalled: keep what was read.
                Ok(Err(_)) | Err(_) => {
                    cut = true;
                    break;
                }
            }
        }
        if read.len() >= RESPONSE_KEPT {
            cut = true;
        }
        drop(response);
        let latency = started.elapsed();

        Ok(WebhookResponse {
            status,
            body: kept_text(&read, cut),
            latency,
        })
    }
}

/// What is kept of `read` (the start of a body, `cut` when the body may go on): at most
/// [`RESPONSE_KEPT`] bytes of text on a character boundary, invalid UTF-8 replaced, NUL
/// characters dropped. A character the cut split in two is dropped, not replaced.
fn kept_text(read: &[u8], cut: bool) -> String {
    let mut read = read;
    if cut && let Some(last) = read.utf8_chunks().last() {
        let invalid = last.invalid();
        // An incomplete sequence at the very end (`error_len() == None`), not a wrong one.
        let incomplete = !invalid.is_empty()
            && std::str::from_utf8(invalid).is_err_and(|e| e.error_len().is_none());
        if incomplete {
            read = &read[..read.len() - invalid.len()];
        }
    }
    let mut text = String::from_utf8_lossy(read).replace('\0', "");
    // Replacement characters take three bytes where the invalid byte took one.
    let mut end = text.len().min(RESPONSE_KEPT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// A failed send as the port names it: a refusal by [`CheckingResolver`], a timeout, or
/// an endpoint that could not be reached.
fn failure(error: reqwest::Error, timeout: Duration) -> WebhookFailure {
    if let Some(refused) = refusal_in(&error) {
        return WebhookFailure::RefusedAddress(refused.to_string());
    }
    if error.is_timeout() {
        return WebhookFailure::Timeout(timeout);
    }
    WebhookFailure::Unreachable(describe(&error.without_url()))
}

/// The resolver's refusal, wherever reqwest and hyper wrapped it.
fn refusal_in<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a Refused> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = error.source();
    }
    None
}

/// `error` and its causes, `: `-separated (reqwest's own message alone says little:
/// "error sending request").
fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let more = error.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = error.source();
    }
    text
}

/// Every address the name resolved to is refused.
#[derive(Debug, Error)]
#[error("{name} resolves to no address events may be sent to ({reason})")]
struct Refused {
    name: String,
    reason: String,
}

/// Resolves with the system's resolver (`getaddrinfo`, through Tokio) and keeps only the
/// addresses [`refused_address`] accepts.
#[derive(Debug, Clone, Copy)]
struct CheckingResolver {
    development: bool,
}

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let development = self.development;
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let (kept, refused) = allowed(resolved, development);
            if kept.is_empty() {
                let reason = refused
                    .into_iter()
                    .map(|(ip, why)| format!("{ip}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                let reason = if reason.is_empty() {
                    "no address at all".to_owned()
                } else {
                    reason
                };
                return Err(Refused { name, reason }.into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// `resolved` split into the addresses deliveries may go to and the refused ones, with
/// why.
fn allowed(
    resolved: Vec<SocketAddr>,
    development: bool,
) -> (Vec<SocketAddr>, Vec<(IpAddr, AddressError)>) {
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for address in resolved {
        match refused_address(address.ip(), development) {
            Ok(()) => kept.push(address),
            Err(why) => refused.push((address.ip(), why)),
        }
    }
    (kept, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_body_is_kept_whole() {
        assert_eq!(kept_text(b"{\"ok\":true}", false), "{\"ok\":true}");
    }

    #[test]
    fn nul_characters_are_dropped() {
        assert_eq!(kept_text(b"a\0b\0", false), "ab");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(kept_text(b"a\xffb", false), "a\u{fffd}b");
    }

    #[test]
    fn a_character_split_by_the_cut_is_dropped() {
        let mut read = vec![b'a'; RESPONSE_KEPT - 1];
        read.push(0xc3); // The first byte of `é`.
        let kept = kept_text(&read, true);
        assert_eq!(kept.len(), RESPONSE_KEPT - 1);
        assert!(kept.bytes().all(|b| b == b'a'));
    }

    #[test]
    fn replacements_never_take_the_text_past_the_limit() {
        let read = vec![0xff; RESPONSE_KEPT];
        let kept = kept_text(&read, true);
        assert!(kept.len() <= RESPONSE_KEPT);
        assert!(kept.chars().all(|c| c == '\u{fffd}'));
        assert_eq!(kept.chars().count(), RESPONSE_KEPT / 3);
    }

    #[test]
    fn only_accepted_addresses_are_kept() {
        let resolved: Vec<SocketAddr> = ["127.0.0.1:0", "10.1.2.3:0", "93.184.215.14:0"]
            .into_iter()
            .filter_map(|a| a.parse().ok())
            .collect();
        let (kept, refused) = allowed(resolved.clone(), false);
        assert_eq!(kept, vec![resolved[2]]);
        assert_eq!(refused.len(), 2);
        let (kept, _) = allowed(resolved.clone(), true);
        assert_eq!(kept, vec![resolved[0], resolved[2]]);
    }
}
