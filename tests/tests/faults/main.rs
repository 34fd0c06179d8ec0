//! The fault, load and hostile-input suite: each case asserts an outcome and adds a row
//! to the report (`wharf_tests::faults`), which `cargo xtask faults` prints as a table.
//!
//! | module | what | against |
//! |---|---|---|
//! | `timeouts` | a daemon that never answers, stalls a body, trickles: the promised limits fire, and only they | scripted local servers |
//! | `tls` | verification on by default; wrong CA, wrong name, expired, missing client certificate, no resumption | a local TLS server |
//! | `daemon` | the daemon SIGKILLed during logs -f, attach, upload, download, pull; the next call after its restart | `podman-faults` (`WHARF_FAULTS_HOST`), the test registry |
//! | `bounds` | 1000 streams dropped at random points; 64 and 512 concurrent calls; a 10k-call soak; ssh processes | the engine `DOCKER_HOST` names, a local server |
//! | `kinds` | the same refusal is the same `ErrorKind` whatever call and engine meets it | `DOCKER_HOST` and Podman (`WHARF_FAULTS_PODMAN`) |
//! | `fuzz` | demultiplexer, JSON lines, progress lines, endpoints and `DOCKER_HOST`, context files, image references, docker config and credential-helper answers: never a panic | corpus in `tests/fuzz/` plus random inputs |
//! | `secrets` | proxy credentials and TLS key material never in Debug, Display, errors or TRACE output | local proxy and TLS servers |

// `support::serial()` is a std mutex held for a whole case, across its awaits, on
// purpose: each `#[tokio::test]` runs on a runtime of its own thread, and the lock
// keeps the cases (which measure the whole process) from running side by side. A
// blocked thread blocks only its own case's runtime.
#![allow(clippy::await_holding_lock)]

mod bounds;
mod daemon;
mod fuzz;
mod kinds;
mod secrets;
mod support;
mod timeouts;
mod tls;
