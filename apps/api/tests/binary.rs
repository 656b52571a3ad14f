//! The real `clientele-api` binary, as a newcomer runs it (README): on an empty database it
//! migrates, creates the default business, prints the owner token once, serves, and exits
//! 0 on SIGTERM. On SQLite (the default) it runs with no configuration at all.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use clientele_adapters::testing::{TestDatabase, fresh_database};

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// A minimal HTTP/1.1 GET: the status and the body, or `None` if nothing listens yet.
fn get(port: u16, path: &str, token: Option<&str>) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, body.to_owned()))
}

/// Polls `/health` until the server answers (bounded: 30 s).
fn wait_until_serving(port: u16) {
    for _ in 0..300 {
        if let Some((200, _)) = get(port, "/health", None) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the API did not start serving within 30 s");
}

/// Where the test runs the binary: a fresh working directory, and the database it uses
/// (`None`: the default SQLite file under `./data/`).
struct Place {
    dir: PathBuf,
    database: Option<TestDatabase>,
}

async fn place() -> Place {
    let dir = std::env::temp_dir().join(format!("clientele-api-bin-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a working directory");
    let database = match std::env::var("CLIENTELE_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Some(fresh_database().await),
        _ => None,
    };
    Place { dir, database }
}

fn start(place: &Place, port: u16) -> (Child, mpsc::Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clientele-api"));
    command
        .current_dir(&place.dir)
        .env("CLIENTELE_BIND", format!("127.0.0.1:{port}"))
        .env("CLIENTELE_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("CLIENTELE_BOOTSTRAP_TOKEN")
        .env_remove("CLIENTELE_OPERATOR_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(database) = &place.database {
        command.env("DATABASE_URL", database.url());
    }
    let mut child = command.spawn().expect("the API binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    (child, received)
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait().expect("the API exits")
}

#[tokio::test]
async fn pl_3_pl_13_the_api_binary_bootstraps_once_serves_and_exits_0_on_sigterm() {
    let place = place().await;
    let port = free_port();

    let (child, lines) = start(&place, port);
    wait_until_serving(port);
    let token = lines
        .recv_timeout(Duration::from_secs(30))
        .into_iter()
        .chain(std::iter::from_fn(|| {
            lines.recv_timeout(Duration::from_secs(5)).ok()
        }))
        .find_map(|line| line.trim().strip_prefix("clt_").map(|t| format!("clt_{t}")))
        .expect("the first start prints the owner token");
    let clients = get(port, "/v1/clients", Some(&token));
    let ready = get(port, "/ready", None);
    let status = terminate(child);

    assert_eq!(clients.map(|(s, _)| s), Some(200));
    assert_eq!(ready.map(|(s, _)| s), Some(200));
    assert!(status.success(), "exit status {status:?}");
    if place.database.is_none() {
        assert!(place.dir.join("data/clientele.db").is_file());
    }

    // A second start on the same database creates nothing and prints no token.
    let port = free_port();
    let (child, lines) = start(&place, port);
    wait_until_serving(port);
    let again = get(port, "/v1/clients", Some(&token));
    let status = terminate(child);
    let printed: Vec<String> = lines.try_iter().collect();

    assert_eq!(again.map(|(s, _)| s), Some(200));
    assert!(status.success());
    assert!(!printed.iter().any(|l| l.contains("clt_")), "{printed:?}");
    let _ = std::fs::remove_dir_all(&place.dir);
}
