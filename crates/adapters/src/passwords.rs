//! AC-2: passwords hashed with argon2id, 19 MiB of memory, 2 passes, 1 lane (OWASP's
//! first recommended setting), each with its own random salt, stored as PHC strings.
//!
//! Each hash and check runs on a thread of this module's own ([`HashThreads`]), one per
//! core but one, whose scheduling priority is the lowest (`nice` 19 on Linux): when a
//! core is wanted by both, the operating system runs a request before a hash; a hash
//! still gets a small share of a busy core (about 1/70), so logins slow down under load
//! but never stop.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use clientele_ports::{HashError, PasswordHasher};

/// Memory per hash, in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 2;
/// Lanes.
pub const LANES: u32 = 1;

/// The `nice` value of the hashing threads (0 is the default, 19 the lowest priority).
const HASHING_NICENESS: i32 = 19;

/// Argon2id at [`MEMORY_KIB`], [`PASSES`], [`LANES`], on the hashing threads.
#[derive(Debug, Clone, Default)]
pub struct Argon2Hasher;

type Job = Box<dyn FnOnce() + Send>;

/// The process's hashing threads, started at the first hash.
struct HashThreads {
    /// `None` when no thread could start: hashes then run on the caller's thread.
    jobs: Option<Mutex<mpsc::Sender<Job>>>,
}

impl HashThreads {
    fn get() -> &'static Self {
        static THREADS: OnceLock<HashThreads> = OnceLock::new();
        THREADS.get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Job>();
            let receiver = Arc::new(Mutex::new(receiver));
            let count = std::thread::available_parallelism()
                .map_or(1, |cores| cores.get().saturating_sub(1))
                .max(1);
            let mut started = 0;
            for n in 0..count {
                let receiver = Arc::clone(&receiver);
                let thread = std::thread::Builder::new()
                    .name(format!("password-hash-{n}"))
                    .spawn(move || {
                        lower_priority();
                        // Each job is taken with the lock held, then run without it.
                        while let Some(job) = receiver.lock().ok().and_then(|j| j.recv().ok()) {
                            job();
                        }
                    });
                match thread {
                    Ok(_) => started += 1,
                    Err(error) => tracing::warn!(%error, "a password hashing thread did not start"),
                }
            }
            Self {
                jobs: (started > 0).then(|| Mutex::new(sender)),
            }
        })
    }

    /// `work`'s result, computed on a hashing thread; `None` if the threads are gone.
    fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let Some(jobs) = &self.jobs else {
            return Some(work());
        };
        let (answer, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        jobs.lock().ok()?.send(job).ok()?;
        result.recv().ok()
    }
}

/// Lowers the calling thread's scheduling priority (Linux keeps a `nice` value per
/// thread); elsewhere nothing.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `setpriority` reads only its three integer arguments; `who` 0 is the
        // calling thread.
        let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) } != 0;
        if failed {
            tracing::warn!(
                error = %std::io::Error::last_os_error(),
                "the password hashing thread keeps its priority"
            );
        }
    }
}

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

impl PasswordHasher for Argon2Hasher {
    fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        HashThreads::get()
            .run(move || {
                let salt = SaltString::generate(&mut OsRng);
                argon2()?
                    .hash_password(password.as_bytes(), &salt)
                    .map(|hash| hash.to_string())
                    .map_err(|e| HashError(e.to_string()))
            })
            .unwrap_or_else(|| Err(HashError("no password hashing thread answered".to_owned())))
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        HashThreads::get()
            .run(move || {
                let Ok(parsed) = PasswordHash::new(&hash) else {
                    return false;
                };
                argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ac_2_a_hash_is_argon2id_at_the_parameters_salted_and_verifies_only_its_password() {
        let hasher = Argon2Hasher;
        let first = hasher.hash("correct horse battery").expect("a hash");
        let second = hasher.hash("correct horse battery").expect("a hash");

        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "each hash has its own salt");
        assert!(!first.contains("correct horse"));
        assert!(hasher.verify("correct horse battery", &first));
        assert!(!hasher.verify("correct horse battery!", &first));
        assert!(!hasher.verify("correct horse battery", "not a hash"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ac_2_hashes_run_on_threads_of_lower_priority() {
        Argon2Hasher.hash("correct horse battery").expect("a hash");

        let niceness: Vec<i32> = std::fs::read_dir("/proc/self/task")
            .expect("the threads")
            .filter_map(|task| {
                let path = task.ok()?.path();
                let name = std::fs::read_to_string(path.join("comm")).ok()?;
                name.starts_with("password-hash").then_some(())?;
                let stat = std::fs::read_to_string(path.join("stat")).ok()?;
                // After "pid (comm) ", the state is field 3 and the nice value field 19.
                let (_, fields) = stat.rsplit_once(") ")?;
                fields.split(' ').nth(16)?.parse().ok()
            })
            .collect();
        assert!(!niceness.is_empty(), "a hashing thread");
        assert!(
            niceness.iter().all(|&nice| nice == HASHING_NICENESS),
            "{niceness:?}"
        );
    }
}
