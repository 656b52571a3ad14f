//! A real HTTP receiver for webhook deliveries (PL-24), started by a test on
//! 127.0.0.1: it records every request (path, headers, body) and answers each with the
//! status the test set.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Lower-cased names.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

pub struct Receiver {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// A receiver answering `status` until told otherwise.
    pub async fn start(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let (log, answer) = (received.clone(), status.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, answer) = (log.clone(), answer.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, log, answer).await;
                });
            }
        });
        Self {
            port,
            received,
            status,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the log").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads requests from one connection (kept alive) and answers each.
async fn serve(
    stream: tokio::net::TcpStream,
    log: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
        let mut headers = BTreeMap::new();
        loop {
            let mut header = String::new();
            read.read_line(&mut header).await?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        read.read_exact(&mut body).await?;
        log.lock().expect("the log").push(Received {
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let status = answer.load(Ordering::SeqCst);
        let reply = format!("status {status}");
        let location = if (300..400).contains(&status) {
            "location: http://127.0.0.1:9/elsewhere\r\n"
        } else {
            ""
        };
        write
            .write_all(
                format!(
                    "HTTP/1.1 {status} Test\r\ncontent-type: text/plain\r\n{location}\
                     content-length: {}\r\n\r\n{reply}",
                    reply.len()
                )
                .as_bytes(),
            )
            .await?;
    }
}
