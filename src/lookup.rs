//! Name lookups that do not hold up the caller: a small pool of threads runs
//! getaddrinfo for `connect`, `bind` and `setpeername` when the
//! socket's timeout is finite, and a [`Pending`] lookup gives the socket a
//! descriptor that `select` (or a poller) can wait on until the answer is in.
//!
//! LuaSocket has no such thing: its `inet_trybind`/`inet_tryconnect` call
//! getaddrinfo in place, so a slow resolver stalls every coroutine of a
//! copas loop, whatever the timeout. To keep what C LuaSocket programs see
//! unchanged, only names the resolver must ask a server about go off the
//! calling thread: numeric addresses, `"localhost"` and the names in
//! /etc/hosts are still resolved in the call ([`needs_thread`]).
//!
//! Threads: at most [`WORKERS`], started when a lookup finds none idle, and
//! then kept (a process that forks starts afresh in the child). At most
//! [`QUEUE_MAX`] lookups wait for a thread; past that a new one fails at once
//! as the resolver does when it cannot answer now ("temporary failure in name
//! resolution"). getaddrinfo cannot be interrupted, so a lookup whose socket
//! was closed still runs to its end on its thread, and its answer is dropped.

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::sys::{self, AddrInfo, GaiError, Hints};

/// The most threads that run lookups at once.
pub(crate) const WORKERS: usize = 4;
/// The most lookups that wait for a thread.
pub(crate) const QUEUE_MAX: usize = 256;

/// How long a socket keeps the addresses a pool lookup found, for the
/// calls that finish the same operation: a zero-timeout `connect` takes
/// several calls (lookup, then connect in progress, then done), and each
/// would otherwise wait for a fresh lookup. Short, so that a long-lived
/// datagram socket sending to a name still follows its changes.
pub(crate) const KEEP: Duration = Duration::from_secs(60);

/// What getaddrinfo gives back.
pub(crate) type Answer = Result<Vec<AddrInfo>, GaiError>;

/// One getaddrinfo call's arguments: a later call on the same socket with
/// equal ones picks up the answer of an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Query {
    pub host: Option<String>,
    pub port: Option<String>,
    pub family: i32,
    pub socktype: i32,
    pub flags: i32,
}

impl Query {
    /// Whether an answer to `self` serves `asked`: the same query, except
    /// that a lookup for any family also serves the family the socket took
    /// since (a family-agnostic `tcp()` gets its descriptor from the
    /// answer; see [`Query::keep_family`]).
    pub(crate) fn serves(&self, asked: &Query) -> bool {
        self.host == asked.host
            && self.port == asked.port
            && self.socktype == asked.socktype
            && self.flags == asked.flags
            && (self.family == asked.family || self.family == libc::AF_UNSPEC)
    }

    /// The addresses of an answer that a socket of this query's family can
    /// use, as a lookup for that family would have returned them.
    pub(crate) fn keep_family(&self, mut addrs: Vec<AddrInfo>) -> Vec<AddrInfo> {
        if self.family != libc::AF_UNSPEC {
            addrs.retain(|a| a.family == self.family);
        }
        addrs
    }

    /// Runs the lookup here, on the calling thread.
    pub(crate) fn run(&self) -> Answer {
        if let Some(addr) = self.numeric() {
            return Ok(vec![addr]);
        }
        let hints = Hints {
            family: self.family,
            socktype: self.socktype,
            flags: self.flags,
        };
        sys::getaddrinfo(self.host.as_deref(), self.port.as_deref(), hints)
    }

    /// The one address getaddrinfo answers, found without calling it, for
    /// the query every connect to an address makes: [`numeric`] with a
    /// socket type and no flags.
    fn numeric(&self) -> Option<AddrInfo> {
        if self.flags != 0 || self.socktype == 0 {
            return None;
        }
        numeric(self.host.as_deref()?, self.port.as_deref()?, self.family)
    }
}

/// The one address getaddrinfo answers for a strict numeric address (dotted
/// decimal IPv4, or IPv6 without a scope) of `family` or any, with a
/// numeric port, found without calling it. Anything else (inet_aton's
/// short forms, scopes, service names) is left to getaddrinfo.
pub(crate) fn numeric(host: &str, port: &str, family: i32) -> Option<AddrInfo> {
    let ip: std::net::IpAddr = host.parse().ok()?;
    let port: u16 = port.parse().ok()?;
    let found = if ip.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    if family != libc::AF_UNSPEC && family != found {
        return None;
    }
    Some(AddrInfo {
        family: found,
        addr: std::net::SocketAddr::new(ip, port).into(),
        canonname: None,
    })
}

/// Whether resolving `host` may have to wait for a name server: false for
/// numeric addresses (IPv4 in any form inet_aton takes, IPv6), for
/// `"localhost"` and for the names and aliases listed in /etc/hosts, which
/// the resolver answers from local files.
pub(crate) fn needs_thread(host: &str) -> bool {
    // The usual numeric forms without a system call: this runs before
    // every connect by name with a timeout, and the lookup that follows
    // calls getaddrinfo anyway.
    if host.is_empty()
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok()
    {
        return false;
    }
    let numeric = Hints {
        family: libc::AF_UNSPEC,
        socktype: 0,
        flags: libc::AI_NUMERICHOST,
    };
    if sys::getaddrinfo(Some(host), None, numeric).is_ok() {
        return false;
    }
    let text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    !hosts_lists(&text, host)
}

/// The entries of a hosts(5) file: each line's address and its names (the
/// canonical name, then the aliases). Comments (`#` to the end of the line)
/// and lines without an address and at least one name are skipped.
pub(crate) fn parse_hosts(text: &str) -> Vec<(&str, Vec<&str>)> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_ascii_whitespace();
            let ip = words.next()?;
            let names: Vec<&str> = words.collect();
            (ip.parse::<std::net::IpAddr>().is_ok() && !names.is_empty()).then_some((ip, names))
        })
        .collect()
}

/// Whether a hosts(5) file lists `host` (names compare without case, as
/// the resolver compares them).
pub(crate) fn hosts_lists(text: &str, host: &str) -> bool {
    parse_hosts(text)
        .iter()
        .any(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(host)))
}

/// A socket's lookup on the pool: running, or answered with addresses.
#[derive(Debug)]
pub(crate) enum Lookup {
    Pending(Pending),
    /// The addresses it found (failures are not kept), and when.
    Answered {
        query: Query,
        addrs: Vec<AddrInfo>,
        at: Instant,
    },
}

impl Lookup {
    pub(crate) fn query(&self) -> &Query {
        match self {
            Lookup::Pending(p) => p.query(),
            Lookup::Answered { query, .. } => query,
        }
    }

    /// The descriptor the socket shows while the lookup runs.
    pub(crate) fn watch_fd(&self) -> Option<RawFd> {
        match self {
            Lookup::Pending(p) => Some(p.fd()),
            Lookup::Answered { .. } => None,
        }
    }
}

/// What a lookup and its socket share.
struct Shared {
    query: Query,
    slot: Mutex<Slot>,
}

struct Slot {
    answer: Option<Answer>,
    /// The read end of the socket's pipe. Closing it is the signal that the
    /// answer is in; `None` once closed (answer given, or socket gone).
    signal: Option<OwnedFd>,
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    // A panic while holding the lock (none is expected) leaves plain data
    // behind, still fine to use.
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// A lookup started for a socket. Dropping it (the socket closed, collected,
/// or asking for another name) abandons the lookup: both pipe ends are
/// closed at once and the answer, when it comes, is dropped.
#[derive(Debug)]
pub(crate) struct Pending {
    shared: Arc<Shared>,
    /// What the socket shows as its descriptor meanwhile: the write end.
    watch: OwnedFd,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("query", &self.query)
            .finish()
    }
}

impl Pending {
    /// Queues `query` for the pool. Fails with the resolver's EAI_AGAIN when
    /// the queue is full or no thread can be started, or with the pipe's
    /// error.
    pub(crate) fn start(query: Query) -> Result<Pending, StartError> {
        let (signal, watch) = sys::blocked_pipe().map_err(StartError::Os)?;
        let shared = Arc::new(Shared {
            query,
            slot: Mutex::new(Slot {
                answer: None,
                signal: Some(signal),
            }),
        });
        pool().submit(Arc::clone(&shared))?;
        Ok(Pending { shared, watch })
    }

    /// The descriptor to wait on: neither readable nor writable until the
    /// answer is in, then both (POLLERR).
    pub(crate) fn fd(&self) -> RawFd {
        self.watch.as_raw_fd()
    }

    pub(crate) fn query(&self) -> &Query {
        &self.shared.query
    }

    /// The answer, once it is in (taken: a second call gets `None`).
    pub(crate) fn take(&self) -> Option<Answer> {
        lock(&self.shared.slot).answer.take()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        // Close the read end here rather than on the worker, which may be
        // inside getaddrinfo for a long while yet.
        let signal = lock(&self.shared.slot).signal.take();
        drop(signal);
    }
}

/// Why a lookup could not be queued.
#[derive(Debug)]
pub(crate) enum StartError {
    /// The queue is full, or no thread could be started: EAI_AGAIN.
    Busy(GaiError),
    /// The pipe could not be made (out of descriptors).
    Os(std::io::Error),
}

const BUSY: GaiError = GaiError {
    code: libc::EAI_AGAIN,
    errno: 0,
};

struct Queue {
    jobs: VecDeque<Arc<Shared>>,
    workers: usize,
    idle: usize,
    /// The process the threads belong to: a forked child has none of them.
    pid: u32,
}

struct Pool {
    queue: Mutex<Queue>,
    ready: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        queue: Mutex::new(Queue {
            jobs: VecDeque::new(),
            workers: 0,
            idle: 0,
            pid: std::process::id(),
        }),
        ready: Condvar::new(),
    })
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn submit(&'static self, job: Arc<Shared>) -> Result<(), StartError> {
        let mut q = self.lock();
        let pid = std::process::id();
        if q.pid != pid {
            // Forked: the parent's threads did not come along.
            q.jobs.clear();
            q.workers = 0;
            q.idle = 0;
            q.pid = pid;
        }
        if q.jobs.len() >= QUEUE_MAX {
            // Lookups whose sockets are gone need no thread.
            q.jobs.retain(|j| Arc::strong_count(j) > 1);
            if q.jobs.len() >= QUEUE_MAX {
                return Err(StartError::Busy(BUSY));
            }
        }
        q.jobs.push_back(job);
        if q.idle == 0 && q.workers < WORKERS {
            let spawned = std::thread::Builder::new()
                .name("luasocket-dns".into())
                .spawn(move || self.work());
            match spawned {
                Ok(_) => q.workers += 1,
                Err(_) if q.workers == 0 => {
                    q.jobs.pop_back();
                    return Err(StartError::Busy(BUSY));
                }
                // The threads already running will get to it.
                Err(_) => {}
            }
        }
        drop(q);
        self.ready.notify_one();
        Ok(())
    }

    fn work(&self) {
        pin_library();
        let mut q = self.lock();
        loop {
            let Some(job) = q.jobs.pop_front() else {
                q.idle += 1;
                q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
                q.idle -= 1;
                continue;
            };
            drop(q);
            // Nobody waits for a lookup whose socket is gone.
            if Arc::strong_count(&job) > 1 {
                let answer = job.query.run();
                let mut slot = lock(&job.slot);
                if let Some(signal) = slot.signal.take() {
                    slot.answer = Some(answer);
                    drop(signal);
                }
            }
            drop(job);
            q = self.lock();
        }
    }
}

/// Keeps this library mapped while a worker thread lives. Lua unloads C
/// modules (dlclose) when a state closes, which would pull the code out
/// from under a worker still inside getaddrinfo; glibc does not unmap a
/// library while a thread has a thread-local destructor from it pending,
/// and touching this value registers one. (std's own thread bookkeeping
/// registers one today too; this does not rely on it.)
fn pin_library() {
    struct Pin;
    impl Drop for Pin {
        fn drop(&mut self) {}
    }
    thread_local! {
        static PIN: Pin = const { Pin };
    }
    PIN.with(|_| ());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_answers_are_getaddrinfo_s() {
        for (host, port, family) in [
            ("127.0.0.1", "80", libc::AF_UNSPEC),
            ("127.0.0.1", "080", libc::AF_INET),
            ("10.1.2.3", "65535", libc::AF_UNSPEC),
            ("::1", "8080", libc::AF_UNSPEC),
            ("::1", "1", libc::AF_INET6),
            ("2001:db8::7", "443", libc::AF_UNSPEC),
            ("::ffff:127.0.0.1", "5", libc::AF_INET6),
        ] {
            for socktype in [libc::SOCK_STREAM, libc::SOCK_DGRAM] {
                let q = Query {
                    host: Some(host.into()),
                    port: Some(port.into()),
                    family,
                    socktype,
                    flags: 0,
                };
                let fast = q.numeric().expect(host);
                let hints = Hints {
                    family,
                    socktype,
                    flags: 0,
                };
                let slow = sys::getaddrinfo(Some(host), Some(port), hints).expect(host);
                assert_eq!(slow.len(), 1, "{host}");
                assert_eq!(fast.family, slow[0].family, "{host}");
                assert_eq!(fast.addr.as_socket(), slow[0].addr.as_socket(), "{host}");
                assert_eq!(fast.canonname, slow[0].canonname, "{host}");
            }
        }
        // left to getaddrinfo: short forms, another family, scopes, names, flags
        for (host, port, family, flags) in [
            ("127.1", "80", libc::AF_UNSPEC, 0),
            ("127.0.0.1", "80", libc::AF_INET6, 0),
            ("::1", "80", libc::AF_INET, 0),
            ("fe80::1%lo", "80", libc::AF_UNSPEC, 0),
            ("localhost", "80", libc::AF_UNSPEC, 0),
            ("127.0.0.1", "http", libc::AF_UNSPEC, 0),
            ("127.0.0.1", "80", libc::AF_UNSPEC, libc::AI_PASSIVE),
        ] {
            let q = Query {
                host: Some(host.into()),
                port: Some(port.into()),
                family,
                socktype: libc::SOCK_STREAM,
                flags,
            };
            assert!(q.numeric().is_none(), "{host} {port}");
        }
    }

    #[test]
    fn hosts_files_are_parsed_with_comments_and_aliases() {
        let text = "# a comment\n\
                    127.0.0.1\tlocalhost\n\
                    ::1 localhost ip6-localhost ip6-loopback # trailing\n\
                    10.0.0.7   db.internal  db   \n\
                    \n\
                    notanip name\n\
                    192.168.1.1\n\
                    #10.9.9.9 hidden\n";
        let entries = parse_hosts(text);
        assert_eq!(
            entries,
            vec![
                ("127.0.0.1", vec!["localhost"]),
                ("::1", vec!["localhost", "ip6-localhost", "ip6-loopback"]),
                ("10.0.0.7", vec!["db.internal", "db"]),
            ]
        );
        assert!(hosts_lists(text, "db"));
        assert!(hosts_lists(text, "DB.Internal"));
        assert!(hosts_lists(text, "ip6-loopback"));
        assert!(!hosts_lists(text, "hidden"));
        assert!(!hosts_lists(text, "name"));
        assert!(!hosts_lists(text, "trailing"));
        assert!(!hosts_lists("", "db"));
    }

    #[test]
    fn numeric_and_local_names_stay_on_the_calling_thread() {
        for host in ["127.0.0.1", "127.1", "::1", "localhost", "LocalHost", ""] {
            assert!(!needs_thread(host), "{host}");
        }
        assert!(needs_thread("no-such-host.invalid"));
    }

    fn wait_closed(fd: RawFd) -> libc::c_short {
        let mut p = [libc::pollfd {
            fd,
            events: libc::POLLIN | libc::POLLOUT,
            revents: 0,
        }];
        sys::poll(&mut p, Some(Duration::from_secs(10))).unwrap();
        p[0].revents
    }

    #[test]
    fn the_watched_descriptor_wakes_once_the_answer_is_in() {
        let q = Query {
            host: Some("127.0.0.1".into()),
            port: Some("80".into()),
            family: libc::AF_UNSPEC,
            socktype: libc::SOCK_STREAM,
            flags: 0,
        };
        let p = Pending::start(q.clone()).unwrap();
        assert_eq!(p.query(), &q);
        let revents = wait_closed(p.fd());
        assert_eq!(revents & (libc::POLLIN | libc::POLLOUT), 0, "{revents}");
        assert_ne!(revents & libc::POLLERR, 0, "{revents}");
        let found = p.take().unwrap().unwrap();
        assert_eq!(found[0].family, libc::AF_INET);
        assert!(p.take().is_none(), "taken once");
    }

    #[test]
    fn a_pending_descriptor_is_neither_readable_nor_writable() {
        let (r, w) = sys::blocked_pipe().unwrap();
        let mut p = [libc::pollfd {
            fd: w.as_raw_fd(),
            events: libc::POLLIN | libc::POLLOUT,
            revents: 0,
        }];
        assert_eq!(sys::poll(&mut p, Some(Duration::ZERO)).unwrap(), 0);
        drop(r);
        assert_ne!(wait_closed(w.as_raw_fd()) & libc::POLLERR, 0);
    }

    #[test]
    fn many_lookups_share_a_few_threads() {
        let t0 = Instant::now();
        let pending: Vec<Pending> = (0..40)
            .map(|i| {
                Pending::start(Query {
                    host: Some(format!("127.0.0.{}", i + 1)),
                    port: None,
                    family: libc::AF_INET,
                    socktype: libc::SOCK_DGRAM,
                    flags: 0,
                })
                .unwrap()
            })
            .collect();
        for p in &pending {
            wait_closed(p.fd());
            assert!(p.take().unwrap().is_ok());
        }
        assert!(pool().lock().workers <= WORKERS);
        assert!(t0.elapsed() < Duration::from_secs(10));
        // Dropped before their answers: nothing to wait for, nothing kept.
        for i in 0..10 {
            drop(
                Pending::start(Query {
                    host: Some(format!("10.0.0.{i}")),
                    port: None,
                    family: libc::AF_INET,
                    socktype: 0,
                    flags: 0,
                })
                .unwrap(),
            );
        }
    }
}
