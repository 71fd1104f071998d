//! A small SMTP server on loopback for the tests: enough of RFC 5321 for lettre (EHLO/HELO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT). It records every message it accepts, raw, and can be stopped and
//! started again on the same port to play a mail server that is down.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One accepted message.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// Which connection brought it (1, 2, ... over the server's life).
    pub connection: usize,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, with CRLF line ends.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<ReceivedMail>>,
    connections: AtomicUsize,
    /// How long to hold the reply to the end of DATA (a slow server).
    data_delay_ms: AtomicUsize,
}

pub struct SmtpServer {
    port: u16,
    shared: Arc<Shared>,
    task: Mutex<Option<JoinHandle<()>>>,
}

fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // Rebinding the same port right after a stop must not wait for TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(128)
}

impl SmtpServer {
    /// Starts on a free loopback port.
    pub async fn start() -> SmtpServer {
        let listener = bind(0).expect("bind SMTP test server");
        let port = listener.local_addr().expect("local addr").port();
        let server = SmtpServer {
            port,
            shared: Arc::new(Shared::default()),
            task: Mutex::new(None),
        };
        server.serve(listener);
        server
    }

    /// A server that is down from the start (its port reserved by binding once and stopping).
    pub async fn stopped() -> SmtpServer {
        let server = SmtpServer::start().await;
        server.stop().await;
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn serve(&self, listener: TcpListener) {
        let shared = self.shared.clone();
        let handle = tokio::spawn(async move {
            // Dropped with this task on stop: that aborts every open connection too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let n = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                        connections.spawn(session(stream, n, shared.clone()));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        *self.task.lock().unwrap() = Some(handle);
    }

    /// Closes the listener and every open connection; new connections are refused.
    pub async fn stop(&self) {
        let handle = self.task.lock().unwrap().take();
        if let Some(handle) = handle {
            handle.abort();
            let _ = handle.await;
        }
    }

    /// Starts again on the same port, keeping what was received.
    pub async fn restart(&self) {
        self.stop().await;
        let mut tries = 0;
        let listener = loop {
            match bind(self.port) {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("rebind SMTP test server: {e}"),
            }
        };
        self.serve(listener);
    }

    pub fn set_data_delay(&self, delay: Duration) {
        self.shared
            .data_delay_ms
            .store(delay.as_millis() as usize, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.messages.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.messages.lock().unwrap().len()
    }

    /// Waits until at least `n` messages arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "SMTP server got {} of {n} messages within {timeout:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Ok(mut task) = self.task.lock() {
            if let Some(handle) = task.take() {
                handle.abort();
            }
        }
    }
}

/// The argument of `MAIL FROM:<a>` / `RCPT TO:<a>` without brackets or parameters.
fn address_of(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(start), Some(end)) if start < end => arg[start + 1..end].to_owned(),
        _ => arg.split_whitespace().next().unwrap_or("").to_owned(),
    }
}

/// Reads one line (with its line end) into `line`; false when the client has gone.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R, line: &mut Vec<u8>) -> bool {
    line.clear();
    matches!(reader.read_until(b'\n', line).await, Ok(n) if n > 0)
}

async fn session(stream: TcpStream, connection: usize, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let reply = |text: &str| format!("{text}\r\n").into_bytes();
    if write
        .write_all(&reply("220 smtp.test ESMTP furusato test server"))
        .await
        .is_err()
    {
        return;
    }
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        if !read_line(&mut reader, &mut line).await {
            return;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        let answer: Vec<u8> = match verb.as_str() {
            "EHLO" => {
                b"250-smtp.test greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
                    .to_vec()
            }
            "HELO" => reply("250 smtp.test"),
            "MAIL" => {
                let upper = arg.to_ascii_uppercase();
                if !upper.starts_with("FROM:") {
                    reply("501 5.5.4 Syntax: MAIL FROM:<address>")
                } else {
                    mail_from = Some(address_of(&arg[5..]));
                    rcpt_to.clear();
                    reply("250 2.1.0 OK")
                }
            }
            "RCPT" => {
                let upper = arg.to_ascii_uppercase();
                if mail_from.is_none() {
                    reply("503 5.5.1 MAIL first")
                } else if !upper.starts_with("TO:") {
                    reply("501 5.5.4 Syntax: RCPT TO:<address>")
                } else {
                    rcpt_to.push(address_of(&arg[3..]));
                    reply("250 2.1.5 OK")
                }
            }
            "DATA" => {
                if mail_from.is_none() || rcpt_to.is_empty() {
                    reply("503 5.5.1 RCPT first")
                } else {
                    if write
                        .write_all(&reply("354 End data with <CR><LF>.<CR><LF>"))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let mut data = Vec::new();
                    loop {
                        if !read_line(&mut reader, &mut line).await {
                            return;
                        }
                        if line == b".\r\n" || line == b".\n" {
                            break;
                        }
                        let content = if line.starts_with(b"..") {
                            &line[1..]
                        } else {
                            &line[..]
                        };
                        data.extend_from_slice(content);
                    }
                    let delay = shared.data_delay_ms.load(Ordering::SeqCst);
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
                    }
                    shared.messages.lock().unwrap().push(ReceivedMail {
                        connection,
                        mail_from: mail_from.take().unwrap_or_default(),
                        rcpt_to: std::mem::take(&mut rcpt_to),
                        data,
                    });
                    reply("250 2.0.0 OK queued")
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                reply("250 2.0.0 OK")
            }
            "NOOP" => reply("250 2.0.0 OK"),
            "QUIT" => {
                let _ = write.write_all(&reply("221 2.0.0 Bye")).await;
                return;
            }
            _ => reply("502 5.5.2 Command not recognized"),
        };
        if write.write_all(&answer).await.is_err() {
            return;
        }
    }
}
