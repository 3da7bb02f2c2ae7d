//! A TLS connection over a stream descriptor: the handshake, and the
//! receive patterns and sends of `tcp{client}` over decrypted bytes.
//!
//! Replaces LuaSec's `ssl.c`. rustls does the protocol; this file moves
//! records between it and the descriptor with the library's one wait
//! (`io::wait_events`) and deadlines, and feeds the decrypted bytes to the
//! same input buffer (`buffer::InBuf`) `tcp` uses, so every pattern,
//! `prefix`, `maxsize` and partial result behaves exactly as on `tcp`.
//!
//! Differences from LuaSec on purpose: a receive or send that runs out of
//! time says `timeout` (as `tcp` does), not `wantread`/`wantwrite`; only a
//! handshake with a zero timeout says those (see docs/compatibility.md).

use std::io::{self, BufRead, Read, Write};
use std::os::fd::RawFd;

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, Connection, ServerConnection};

use super::config::Context;
use crate::buffer::{InBuf, Pattern, Source};
use crate::error::NetError;
use crate::io::wait_events;
use crate::pool;
use crate::sock::Deliver;
use crate::sys::{self, Interest};
use crate::timeout::{Deadline, Mode, Timeout};

/// Plaintext handed to rustls per step of a send (one record's worth).
const SEND_STEP: usize = 16 * 1024;
/// The most one fill of the input buffer takes out of rustls.
const READ_STEP: usize = 64 * 1024;
/// The most one read of the descriptor takes (see [`Staged`]).
const STAGE: usize = 64 * 1024;

/// Where the connection stands.
#[derive(Debug, PartialEq, Eq)]
enum Stage {
    /// Wrapped; the handshake has not finished.
    Handshaking,
    Ready,
    /// The handshake failed: every later call fails the same way.
    Failed(String),
    /// Closed (no heap: the object is never dropped, see `close`).
    Closed,
}

/// One `tls{client}` or `tls{server}` object's state.
pub(crate) struct TlsStream {
    /// The descriptor, owned; -1 once closed or detached.
    fd: RawFd,
    ctx: Option<Context>,
    /// Created at the first handshake step (a client's server name may be
    /// set by `sni()` until then).
    conn: Option<Connection>,
    sni: Option<String>,
    stage: Stage,
    timeout: Timeout,
    input: InBuf,
    staged: Staged,
    sent: f64,
}

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("fd", &self.fd)
            .field("stage", &self.stage)
            .finish()
    }
}

/// The descriptor as rustls' writer.
struct Fd(RawFd);

/// Records read from the descriptor that rustls has not taken yet. rustls
/// reading the descriptor itself asks for at most 4 KiB once it has
/// consumed a whole record, so a stream of 16 KiB records took several
/// reads per record; here one read takes up to [`STAGE`] bytes and rustls
/// is fed from them. A buffer is held (from the pool) only while bytes
/// wait in it.
#[derive(Default)]
struct Staged {
    buf: Vec<u8>,
    pos: usize,
}

impl Staged {
    fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn release(&mut self) {
        pool::give_stream(std::mem::take(&mut self.buf));
        self.pos = 0;
    }
}

/// rustls' reader: the staged bytes, or when there are none, one read of
/// the descriptor (its result as `read` gives it: 0 at end of stream,
/// `WouldBlock` when nothing has arrived).
struct Feed<'a> {
    fd: RawFd,
    staged: &'a mut Staged,
}

impl Read for Feed<'_> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        let s = &mut *self.staged;
        if s.is_empty() {
            let mut buf = pool::take_stream(false);
            match sys::recv_into(self.fd, &mut buf, STAGE) {
                Ok(n) if n > 0 => *s = Staged { buf, pos: 0 },
                other => {
                    pool::give_stream(buf);
                    return other;
                }
            }
        }
        let n = dst.len().min(s.buf.len() - s.pos);
        dst[..n].copy_from_slice(&s.buf[s.pos..s.pos + n]);
        s.pos += n;
        if s.is_empty() {
            s.release();
        }
        Ok(n)
    }
}

impl Write for Fd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        sys::send(self.0, buf)
    }

    // rustls hands over every queued record at once: one system call, and
    // no small write left waiting behind Nagle for the peer's delayed ACK.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        sys::with_fd(self.0, |s| {
            s.send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The text of a rustls failure, as `dohandshake`/`receive` return it.
fn describe(e: &rustls::Error) -> String {
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o)) => o.to_string(),
        rustls::Error::AlertReceived(a) => match a {
            A::UnknownCA => "tlsv1 alert unknown ca".to_string(),
            A::BadCertificate => "sslv3 alert bad certificate".to_string(),
            A::HandshakeFailure => "sslv3 alert handshake failure".to_string(),
            A::ProtocolVersion => "tlsv1 alert protocol version".to_string(),
            A::NoApplicationProtocol => "tlsv1 alert no application protocol".to_string(),
            A::DecryptError => "tlsv1 alert decrypt error".to_string(),
            A::CertificateRequired => "tlsv13 alert certificate required".to_string(),
            A::InternalError => "tlsv1 alert internal error".to_string(),
            other => format!("tls alert {other:?}"),
        },
        rustls::Error::NoApplicationProtocol => "no application protocol".to_string(),
        other => other.to_string(),
    }
}

/// Writes what rustls has queued, waiting within `dl`.
fn flush(conn: &mut Connection, fd: RawFd, dl: &Deadline) -> Result<(), NetError> {
    while conn.wants_write() {
        match conn.write_tls(&mut Fd(fd)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                wait_events(fd, Interest::Write, dl)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// One try at sending what rustls has queued (an alert, close_notify),
/// never waiting; errors are ignored.
fn flush_now(conn: &mut Connection, fd: RawFd) {
    for _ in 0..4 {
        if !conn.wants_write() || conn.write_tls(&mut Fd(fd)).is_err() {
            break;
        }
    }
}

/// Decrypts what was read; a failure is sent to the peer as an alert.
fn process(conn: &mut Connection, fd: RawFd) -> Result<(), NetError> {
    match conn.process_new_packets() {
        Ok(_) => Ok(()),
        Err(e) => {
            flush_now(conn, fd);
            Err(NetError::Tls(describe(&e)))
        }
    }
}

/// Reads decrypted bytes for the input buffer, reading and decrypting
/// records from the descriptor while none are waiting.
struct TlsSource<'a> {
    conn: &'a mut Connection,
    fd: RawFd,
    staged: &'a mut Staged,
    dl: &'a Deadline,
}

/// Appends up to `want` bytes of the plaintext rustls holds to `buf`,
/// copied from its records as they are (no zero-filled space to read
/// into); `Reader::read`'s returns: the count, 0 at close_notify,
/// `WouldBlock` when nothing is held, and an error only when nothing was
/// taken.
fn take_plaintext(conn: &mut Connection, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    let mut reader = conn.reader();
    let mut total = 0;
    while total < want {
        match reader.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => {
                let n = chunk.len().min(want - total);
                buf.extend_from_slice(&chunk[..n]);
                reader.consume(n);
                total += n;
            }
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

impl Source for TlsSource<'_> {
    fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
        let want = max.clamp(1, READ_STEP);
        loop {
            match take_plaintext(self.conn, buf, want) {
                // Ok(0): the peer's close_notify, a clean end of stream.
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The peer closed the connection without close_notify:
                // "closed", as a TCP close reads.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(NetError::Closed),
                Err(e) => return Err(e.into()),
            }
            // Anything rustls must answer (a key update) goes out first.
            flush(self.conn, self.fd, self.dl)?;
            self.dl.start_clock();
            let mut feed = Feed {
                fd: self.fd,
                staged: self.staged,
            };
            match self.conn.read_tls(&mut feed) {
                Ok(_) => process(self.conn, self.fd)?,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait_events(self.fd, Interest::Read, self.dl)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl TlsStream {
    /// A connection over `fd` (owned from now on) with `ctx`, not yet
    /// shaken hands.
    pub(crate) fn new(fd: RawFd, ctx: Context, timeout: (f64, f64)) -> TlsStream {
        let mut t = Timeout::default();
        t.set(timeout.0, Mode::Block);
        t.set(timeout.1, Mode::Total);
        TlsStream {
            fd,
            ctx: Some(ctx),
            conn: None,
            sni: None,
            stage: Stage::Handshaking,
            timeout: t,
            input: InBuf::new(),
            staged: Staged::default(),
            sent: 0.0,
        }
    }

    pub(crate) fn is_server(&self) -> bool {
        self.ctx.as_ref().is_some_and(Context::is_server)
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    /// `setfd(n)`: replaces the descriptor without closing the old one.
    pub(crate) fn set_fd(&mut self, fd: RawFd) {
        self.fd = fd;
    }

    /// `sni(name)`: the name a client sends and checks; only before the
    /// handshake starts. Returns whether it was taken.
    pub(crate) fn set_sni(&mut self, name: &str) -> bool {
        if self.conn.is_some() || self.is_server() {
            return false;
        }
        self.sni = Some(name.to_string());
        true
    }

    /// `settimeout(value, mode)`.
    pub(crate) fn set_timeout(&mut self, value: f64, mode: Mode) {
        self.timeout.set(value, mode);
    }

    pub(crate) fn timeouts(&self) -> (f64, f64) {
        (self.timeout.block, self.timeout.total)
    }

    /// `getstats()`.
    pub(crate) fn stats(&self) -> (f64, f64) {
        (self.input.received, self.sent)
    }

    /// The connection, made now if it is not yet: a client names the
    /// server by `sni()`, else the context's `servername`, else the
    /// peer's address.
    fn connection(&mut self) -> Result<&mut Connection, NetError> {
        if self.conn.is_none() {
            let made: Connection = match &self.ctx {
                None => return Err(NetError::Closed),
                Some(Context::Server { config }) => ServerConnection::new(config.clone())
                    .map_err(|e| NetError::Tls(describe(&e)))?
                    .into(),
                Some(Context::Client { config, servername }) => {
                    let name = match self.sni.as_ref().or(servername.as_ref()) {
                        Some(n) => ServerName::try_from(n.clone())
                            .map_err(|_| NetError::Tls(format!("invalid server name '{n}'")))?,
                        None => {
                            let peer = sys::with_fd(self.fd, |s| s.peer_addr())?;
                            match peer.as_socket() {
                                Some(a) => ServerName::IpAddress(a.ip().into()),
                                None => {
                                    return Err(NetError::Tls(
                                        "no server name: call sni(name) or set servername"
                                            .to_string(),
                                    ))
                                }
                            }
                        }
                    };
                    ClientConnection::new(config.clone(), name)
                        .map_err(|e| NetError::Tls(describe(&e)))?
                        .into()
                }
            };
            self.conn = Some(made);
        }
        Ok(self.conn.as_mut().expect("made above"))
    }

    /// `dohandshake()`: runs the handshake within the timeout. With a zero
    /// timeout it fails with `WantRead`/`WantWrite` when it must wait for
    /// the peer, and picks up where it left at the next call.
    pub(crate) fn handshake(&mut self) -> Result<(), NetError> {
        match &self.stage {
            Stage::Ready => return Ok(()),
            Stage::Failed(msg) => return Err(NetError::Tls(msg.clone())),
            Stage::Closed => return Err(NetError::Closed),
            Stage::Handshaking => {}
        }
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let r = self.handshake_steps();
        match &r {
            Ok(()) => self.stage = Stage::Ready,
            Err(NetError::Tls(msg)) => self.stage = Stage::Failed(msg.clone()),
            Err(_) => {}
        }
        r
    }

    fn handshake_steps(&mut self) -> Result<(), NetError> {
        let fd = self.fd;
        let dl = self.timeout.start();
        dl.start_clock();
        let zero = dl.is_zero();
        let want = |e: NetError, w: NetError| match e {
            NetError::Timeout if zero => w,
            other => other,
        };
        self.connection()?;
        let conn = self.conn.as_mut().expect("made above");
        loop {
            if conn.wants_write() {
                match conn.write_tls(&mut Fd(fd)) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        wait_events(fd, Interest::Write, &dl)
                            .map_err(|e| want(e, NetError::WantWrite))?;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            if !conn.is_handshaking() {
                return Ok(());
            }
            let mut feed = Feed {
                fd,
                staged: &mut self.staged,
            };
            match conn.read_tls(&mut feed) {
                // The peer closed in the middle of the handshake.
                Ok(0) => return Err(NetError::Closed),
                Ok(_) => process(conn, fd)?,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait_events(fd, Interest::Read, &dl)
                        .map_err(|e| want(e, NetError::WantRead))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The connection once the handshake is done; `closed` before.
    fn ready(&mut self) -> Option<&mut Connection> {
        if self.stage != Stage::Ready || self.fd < 0 {
            return None;
        }
        self.conn.as_mut()
    }

    /// `receive(pattern, prefix, maxsize)`, as `Sock::receive`.
    pub(crate) fn receive<D: Deliver>(
        &mut self,
        pattern: Pattern,
        prefix_len: usize,
        maxsize: Option<usize>,
        to: D,
    ) -> D::Out {
        let dl = self.timeout.start();
        let fd = self.fd;
        let ready = self.stage == Stage::Ready && fd >= 0;
        let r = match self.conn.as_mut().filter(|_| ready) {
            None => to.deliver(&[], Some(&NetError::Closed), dl.elapsed()),
            Some(conn) => {
                let mut src = TlsSource {
                    conn,
                    fd,
                    staged: &mut self.staged,
                    dl: &dl,
                };
                let got = self.input.receive(&mut src, pattern, prefix_len, maxsize);
                to.deliver(got.data.as_slice(), got.err.as_ref(), dl.elapsed())
            }
        };
        self.input.settle();
        r
    }

    /// `receiveany(max)`, as `Sock::receive_any`.
    pub(crate) fn receive_any<R>(
        &mut self,
        max: usize,
        f: impl FnOnce(Result<&[u8], &NetError>) -> R,
    ) -> R {
        let dl = self.timeout.start();
        let fd = self.fd;
        let ready = self.stage == Stage::Ready && fd >= 0;
        let r = match self.conn.as_mut().filter(|_| ready) {
            None => f(Err(&NetError::Closed)),
            Some(conn) => {
                let mut src = TlsSource {
                    conn,
                    fd,
                    staged: &mut self.staged,
                    dl: &dl,
                };
                let got = self.input.receive_any(&mut src, max);
                match &got.err {
                    None => f(Ok(got.data.as_slice())),
                    Some(e) => f(Err(e)),
                }
            }
        };
        self.input.settle();
        r
    }

    /// `send(data)`: encrypts and sends until all is sent or an error or
    /// the timeout stops it. Returns the bytes sent (handed to rustls: a
    /// record cut short by the timeout goes out at the next call), the
    /// error, and the seconds the call took.
    pub(crate) fn send(&mut self, data: &[u8]) -> (usize, Option<NetError>, f64) {
        let dl = self.timeout.start();
        let fd = self.fd;
        let Some(conn) = self.ready() else {
            return (0, Some(NetError::Closed), dl.elapsed());
        };
        dl.start_clock();
        let mut sent = 0;
        let mut err = None;
        loop {
            if let Err(e) = flush(conn, fd, &dl) {
                err = Some(e);
                break;
            }
            if sent == data.len() {
                break;
            }
            let end = data.len().min(sent + SEND_STEP);
            match conn.writer().write(&data[sent..end]) {
                // rustls' buffer is flushed above, so it takes something
                // unless the connection can send no more.
                Ok(0) => {
                    err = Some(NetError::Closed);
                    break;
                }
                Ok(n) => sent += n,
                Err(e) => {
                    err = Some(e.into());
                    break;
                }
            }
        }
        self.sent += sent as f64;
        (sent, err, dl.elapsed())
    }

    /// `dirty()`: decrypted bytes are waiting, in the buffer or in rustls
    /// (records already read from the descriptor, staged ones decrypted
    /// here), so a `select` must not wait on the descriptor. A failed
    /// connection is dirty too: the next receive reports the failure at
    /// once. Staged bytes that do not finish a record leave it clean: the
    /// rest of the record must come through the descriptor.
    pub(crate) fn dirty(&mut self) -> bool {
        if !self.input.is_empty() {
            return true;
        }
        let Some(c) = self.conn.as_mut().filter(|_| self.stage == Stage::Ready) else {
            return false;
        };
        loop {
            match c.process_new_packets() {
                Ok(st) if st.plaintext_bytes_to_read() > 0 => return true,
                Ok(_) => {}
                Err(_) => return true,
            }
            if self.staged.is_empty() {
                return false;
            }
            let mut feed = Feed {
                fd: self.fd,
                staged: &mut self.staged,
            };
            if c.read_tls(&mut feed).is_err() {
                return true;
            }
        }
    }

    /// `close()`: sends close_notify (without waiting), closes the
    /// descriptor, and frees everything the connection holds. `__gc`
    /// relies on this: the object itself is never dropped.
    pub(crate) fn close(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            if self.stage == Stage::Ready && self.fd >= 0 {
                conn.send_close_notify();
                flush_now(&mut conn, self.fd);
            }
        }
        sys::close(self.fd);
        self.fd = -1;
        self.ctx = None;
        self.sni = None;
        self.input.clear();
        self.staged.release();
        // Drops a failure's message too: nothing on the heap is left.
        self.stage = Stage::Closed;
    }

    /// `getalpn()`: the protocol the peers agreed on.
    pub(crate) fn alpn(&self) -> Option<&[u8]> {
        self.conn.as_ref()?.alpn_protocol()
    }

    /// The DER certificates the peer presented, its own first.
    pub(crate) fn peer_certificates(&self) -> Option<Vec<Vec<u8>>> {
        let certs = self.conn.as_ref()?.peer_certificates()?;
        Some(certs.iter().map(|c| c.as_ref().to_vec()).collect())
    }

    /// The server name the client asked for (a server's view), or the
    /// one it checks (a client's).
    pub(crate) fn server_name(&self) -> Option<String> {
        match self.conn.as_ref()? {
            Connection::Server(s) => s.server_name().map(str::to_string),
            Connection::Client(_) => match &self.ctx {
                Some(Context::Client { servername, .. }) => {
                    self.sni.clone().or_else(|| servername.clone())
                }
                _ => None,
            },
        }
    }

    /// `info()`: the protocol version and the cipher suite, in OpenSSL's
    /// names (`"TLSv1.3"`, `"TLS_AES_256_GCM_SHA384"`), once shaken hands.
    pub(crate) fn info(&self) -> Option<super::Info> {
        let conn = self.conn.as_ref().filter(|_| self.stage == Stage::Ready)?;
        let version = conn.protocol_version()?;
        let suite = conn.negotiated_cipher_suite()?;
        Some(super::Info::new(version, suite.suite()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::config::{build, Params, Protocol, Verify};
    use std::os::fd::{AsRawFd, IntoRawFd};
    use std::os::unix::net::UnixStream;

    fn client_ctx() -> Context {
        build(&Params {
            server: false,
            protocol: Protocol::Any,
            verify: Verify::None,
            cafile: None,
            capath: None,
            certificate: None,
            key: None,
            alpn: vec![b"x".to_vec()],
            servername: Some("localhost".to_string()),
        })
        .expect("a client context needs no file")
    }

    /// A client over one end of a socket pair; the other end is the peer.
    fn client(timeout: f64) -> (TlsStream, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        (
            TlsStream::new(a.into_raw_fd(), client_ctx(), (timeout, -1.0)),
            b,
        )
    }

    #[test]
    fn a_silent_peer_gives_wantread_at_zero_timeout_and_timeout_after_a_wait() {
        let (mut t, _peer) = client(0.0);
        assert!(matches!(t.handshake(), Err(NetError::WantRead)));
        assert!(!t.dirty());
        t.set_timeout(0.05, Mode::Block);
        let t0 = std::time::Instant::now();
        assert!(matches!(t.handshake(), Err(NetError::Timeout)));
        assert!(t0.elapsed() >= std::time::Duration::from_millis(40));
        // nothing but the handshake works before it ends
        assert!(matches!(t.send(b"x").1, Some(NetError::Closed)));
        t.close();
        assert_eq!(t.fd(), -1);
    }

    #[test]
    fn the_feed_reads_ahead_in_one_call_and_hands_everything_over_before_the_end() {
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        b.write_all(&data[..30_000]).unwrap();
        let mut staged = Staged::default();
        let mut feed = Feed {
            fd: a.as_raw_fd(),
            staged: &mut staged,
        };
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        // rustls asks 4 KiB at a time: the first ask reads all 30,000
        // bytes, the next ones are served from them without a read
        let n = feed.read(&mut chunk).unwrap();
        got.extend_from_slice(&chunk[..n]);
        assert_eq!((n, feed.staged.buf.len()), (4096, 30_000));
        while got.len() < 30_000 {
            let n = feed.read(&mut chunk).unwrap();
            got.extend_from_slice(&chunk[..n]);
        }
        // drained: the buffer went back to the pool, and the descriptor
        // has nothing yet
        assert_eq!(feed.staged.buf.capacity(), 0);
        let e = feed.read(&mut chunk).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        // the rest, then the end of the stream after the last staged byte
        b.write_all(&data[30_000..]).unwrap();
        drop(b);
        loop {
            match feed.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert!(got == data, "every byte, in order");
        assert_eq!(feed.staged.buf.capacity(), 0);
    }

    #[test]
    fn garbage_fails_the_handshake_and_the_failure_sticks() {
        let (mut t, mut peer) = client(1.0);
        peer.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap();
        let first = t.handshake().unwrap_err().to_string();
        assert_eq!(first, "received corrupt message of type InvalidContentType");
        assert_eq!(t.handshake().unwrap_err().to_string(), first);
        t.close();
    }

    #[test]
    fn a_peer_closing_mid_handshake_is_closed() {
        let (mut t, peer) = client(1.0);
        drop(peer);
        assert!(matches!(
            t.handshake(),
            Err(NetError::Closed) | Err(NetError::Os(_))
        ));
        t.close();
    }

    #[test]
    fn missing_files_are_reported_as_luasec_words_them() {
        let err = build(&Params {
            server: true,
            protocol: Protocol::Tls13,
            verify: Verify::None,
            cafile: None,
            capath: None,
            certificate: Some("/nonexistent/cert.pem".to_string()),
            key: Some("/nonexistent/key.pem".to_string()),
            alpn: Vec::new(),
            servername: None,
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error loading certificate (No such file or directory)"
        );
    }
}
