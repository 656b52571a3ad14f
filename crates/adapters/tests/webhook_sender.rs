//! `HttpWebhookSender` (PL-24) against small HTTP servers on local ports: what arrives,
//! what is answered, redirects not followed, timeouts, long bodies, and the addresses
//! deliveries may never go to.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use clientele_adapters::HttpWebhookSender;
use clientele_ports::webhooks::{
    RESPONSE_KEPT, WebhookFailure, WebhookRequest, WebhookResponse, WebhookSender,
};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A request as the server read it.
#[derive(Debug)]
struct Received {
    request_line: String,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the server answers each request.
#[derive(Clone)]
enum Answer {
    /// These bytes, then the connection is closed.
    Raw(Vec<u8>),
    /// Nothing, ever (the connection is held open).
    Never,
}

/// A server on 127.0.0.1 that reads requests and answers each with `answer`; every
/// request read, and every connection accepted, is reported.
struct Server {
    port: u16,
    requests: mpsc::UnboundedReceiver<Received>,
    connections: mpsc::UnboundedReceiver<()>,
}

impl Server {
    async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (request_tx, requests) = mpsc::unbounded_channel();
        let (connection_tx, connections) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let _ = connection_tx.send(());
                let request_tx = request_tx.clone();
                let answer = answer.clone();
                tokio::spawn(async move { serve(socket, answer, request_tx).await });
            }
        });
        Self {
            port,
            requests,
            connections,
        }
    }

    fn url(&self, host: &str) -> String {
        format!("http://{host}:{}/hooks/in?src=clientele", self.port)
    }

    /// Whether nothing ever connected (checked once the sender has answered: a
    /// connection it made would have been accepted by then).
    async fn untouched(&mut self) -> bool {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.connections.try_recv().is_err() && self.requests.try_recv().is_err()
    }
}

async fn serve(mut socket: TcpStream, answer: Answer, requests: mpsc::UnboundedSender<Received>) {
    let Some(received) = read_request(&mut socket).await else {
        return;
    };
    let _ = requests.send(received);
    match answer {
        Answer::Raw(bytes) => {
            // The client may hang up before reading everything (long bodies).
            let _ = socket.write_all(&bytes).await;
            let _ = socket.shutdown().await;
        }
        Answer::Never => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
}

/// One HTTP/1.1 request with a `Content-Length` body.
async fn read_request(socket: &mut TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8(data[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buffer[..n]);
    }
    Some(Received {
        request_line,
        headers,
        body,
    })
}

fn response(status: &str, extra_headers: &str, body: &[u8]) -> Answer {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    Answer::Raw(bytes)
}

fn request(url: String) -> WebhookRequest {
    WebhookRequest {
        url,
        id: "msg_01J9Z3Q2B5V6W7X8Y9Z0A1B2C3".to_owned(),
        timestamp: 1_767_225_600,
        signature: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=".to_owned(),
        body: r#"{"type":"client.created","data":{"name":"Zoë Ångström"}}"#.to_owned(),
    }
}

fn development() -> HttpWebhookSender {
    HttpWebhookSender::new(true).unwrap()
}

fn production() -> HttpWebhookSender {
    HttpWebhookSender::new(false).unwrap()
}

#[tokio::test]
async fn the_headers_and_the_body_arrive_as_sent() {
    let mut server = Server::start(response("204 No Content", "", b"")).await;
    let sent = request(server.url("127.0.0.1"));

    let answer = development().post(&sent, TIMEOUT).await.unwrap();

    assert_eq!(answer.status, 204);
    assert_eq!(answer.body, "");
    let received = server.requests.recv().await.unwrap();
    assert_eq!(
        received.request_line,
        "POST /hooks/in?src=clientele HTTP/1.1"
    );
    assert_eq!(received.header("webhook-id"), Some(sent.id.as_str()));
    assert_eq!(received.header("webhook-timestamp"), Some("1767225600"));
    assert_eq!(
        received.header("webhook-signature"),
        Some(sent.signature.as_str())
    );
    assert_eq!(received.header("content-type"), Some("application/json"));
    assert_eq!(
        received.header("user-agent"),
        Some("Clientele-Webhooks/1.0")
    );
    assert_eq!(received.body, sent.body.as_bytes());
}

#[tokio::test]
async fn localhost_is_reached_in_development() {
    let mut server = Server::start(response("200 OK", "", b"thanks")).await;

    let answer = development()
        .post(&request(server.url("localhost")), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, "thanks");
    assert!(server.requests.recv().await.is_some());
}

#[tokio::test]
async fn a_server_error_is_an_answer_with_its_status_and_body() {
    let server = Server::start(response(
        "500 Internal Server Error",
        "Content-Type: text/plain\r\n",
        b"database on fire",
    ))
    .await;

    let answer = development()
        .post(&request(server.url("127.0.0.1")), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.status, 500);
    assert_eq!(answer.body, "database on fire");
}

#[tokio::test]
async fn a_redirect_is_returned_not_followed() {
    let mut target = Server::start(response("200 OK", "", b"followed")).await;
    let location = format!("Location: {}\r\n", target.url("127.0.0.1"));
    let server = Server::start(response("302 Found", &location, b"moved")).await;

    let answer = development()
        .post(&request(server.url("127.0.0.1")), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.status, 302);
    assert_eq!(answer.body, "moved");
    assert!(target.untouched().await, "the redirect was followed");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let mut server = Server::start(Answer::Never).await;
    let timeout = Duration::from_millis(300);

    let failure = development()
        .post(&request(server.url("127.0.0.1")), timeout)
        .await
        .unwrap_err();

    assert_eq!(failure, WebhookFailure::Timeout(timeout));
    // The request did arrive: it is the answer that never came.
    assert!(server.requests.recv().await.is_some());
}

#[tokio::test]
async fn a_long_body_is_cut_to_what_is_kept() {
    let body = vec![b'x'; 1 << 20];
    let server = Server::start(response("200 OK", "", &body)).await;

    let answer = development()
        .post(&request(server.url("127.0.0.1")), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.status, 200);
    assert_eq!(answer.body.len(), RESPONSE_KEPT);
    assert!(answer.body.bytes().all(|b| b == b'x'));
}

#[tokio::test]
async fn the_cut_falls_on_a_character_boundary() {
    // `a` then two-byte characters: byte RESPONSE_KEPT - 1 starts an `é`.
    let body = format!("a{}", "é".repeat(RESPONSE_KEPT));
    let server = Server::start(response("200 OK", "", body.as_bytes())).await;

    let answer = development()
        .post(&request(server.url("127.0.0.1")), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.body.len(), RESPONSE_KEPT - 1);
    assert!(body.starts_with(&answer.body));
}

#[tokio::test]
async fn nul_characters_and_invalid_utf8_are_not_kept() {
    let server = Server::start(response("200 OK", "", b"ok\0\0 \xff!")).await;

    let answer = development()
        .post(&request(server.url("127.0.0.1")), TIMEOUT)
        .await
        .unwrap();

    assert_eq!(answer.body, "ok \u{fffd}!");
}

#[tokio::test]
async fn loopback_is_refused_outside_development() {
    let mut server = Server::start(response("200 OK", "", b"reached")).await;
    let sender = production();

    for host in ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]"] {
        let outcome = sender.post(&request(server.url(host)), TIMEOUT).await;
        assert!(
            matches!(outcome, Err(WebhookFailure::RefusedAddress(_))),
            "{host}: {outcome:?}"
        );
    }
    assert!(server.untouched().await, "a refused address was reached");
}

#[tokio::test]
async fn private_and_link_local_addresses_are_refused_even_in_development() {
    let sender = development();
    for url in [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1:8080/",
        "https://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0x0a.0.0.1/",
    ] {
        let outcome = sender.post(&request(url.to_owned()), TIMEOUT).await;
        assert!(
            matches!(outcome, Err(WebhookFailure::RefusedAddress(_))),
            "{url}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);

    let outcome = development()
        .post(&request(format!("http://127.0.0.1:{port}/")), TIMEOUT)
        .await;

    assert!(
        matches!(outcome, Err(WebhookFailure::Unreachable(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn https_is_spoken_over_tls() {
    // A server that only reads the first bytes: a TLS handshake record starts with 0x16,
    // then the protocol's major version, 3.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (first_bytes, received) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut start = [0u8; 2];
        socket.read_exact(&mut start).await.unwrap();
        let _ = first_bytes.send(start);
    });

    let outcome = development()
        .post(&request(format!("https://127.0.0.1:{port}/")), TIMEOUT)
        .await;

    assert!(
        matches!(outcome, Err(WebhookFailure::Unreachable(_))),
        "{outcome:?}"
    );
    assert_eq!(received.await.unwrap(), [0x16, 0x03]);
}

#[tokio::test]
async fn one_sender_serves_several_tasks_at_once() {
    let mut server = Server::start(response("200 OK", "", b"ok")).await;
    let sender: Arc<dyn WebhookSender> = Arc::new(development());
    let url = server.url("127.0.0.1");

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let sender = Arc::clone(&sender);
            let sent = request(url.clone());
            tokio::spawn(async move { sender.post(&sent, TIMEOUT).await })
        })
        .collect();
    for task in tasks {
        let answer: WebhookResponse = task.await.unwrap().unwrap();
        assert_eq!(answer.status, 200);
    }
    for _ in 0..8 {
        assert!(server.requests.recv().await.is_some());
    }
}
