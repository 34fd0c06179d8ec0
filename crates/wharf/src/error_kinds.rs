//! Answers whose status says less than their message: the daemon's words decide the
//! [`ErrorKind`] where engines answer one user error with different statuses.
//!
//! | what the user did | Docker 28.5 | Docker 20.10 | Podman 4.3 | kind |
//! |---|---|---|---|---|
//! | remove a network with containers attached | 403 `... has active endpoints` | 403, same | 500 `...: network is being used` | [`Conflict`](ErrorKind::Conflict) |
//! | create a network whose name exists | 409 | (created, see below) | 500 `...: network already exists` | [`Conflict`](ErrorKind::Conflict) |
//! | remove a volume a container uses | 409 | 409 | 409 | [`Conflict`](ErrorKind::Conflict) |
//! | a fixed address outside the network's subnets | 400 (at create or connect) | 500 `Invalid address ...: It does not belong to any of this network's subnets` | 500 `requested static ip ... not in any subnet on network ...` | [`InvalidArgument`](ErrorKind::InvalidArgument) |
//! | plain HTTP to a daemon that listens with TLS | 400 `Client sent an HTTP request to an HTTPS server.`, from Go's net/http/server.go (read there, not measured: no engine here listens with TLS) | same | not measured | [`Connect`](ErrorKind::Connect) |
//!
//! (Measured against the project's engines.) Docker answers 403 for active endpoints
//! because libnetwork's `ActiveEndpointsError` is a "forbidden" error (moby
//! `daemon/libnetwork/error.go`, `func (aee *ActiveEndpointsError) Forbidden()`), yet
//! nothing forbids the call: it is a state conflict, like a volume in use. Docker 20.10's
//! address check was a plain error, hence 500; moby made it an invalid-parameter error
//! since (`daemon/libnetwork/endpoint.go`, `types.InvalidParameterErrorf("invalid address
//! %s: It does not belong to any of this network's subnets")`), and Docker 28 checks it at
//! create already.
//! Podman's compat handlers answer 500 for the libpod errors they do not translate, with
//! the libpod error (`define/errors.go`) last in the message and as the body's `cause`.
//!
//! This is a guess from the body's shape: a message a future engine words differently
//! keeps its status's kind. Only the statuses listed are refined, so a 500 that is a real
//! server failure stays [`Server`](ErrorKind::Server).

use crate::ErrorKind;

/// `(status, kind, how the message shows it)`.
const REFINED: &[(u16, ErrorKind, Words)] = &[
    (
        403,
        ErrorKind::Conflict,
        Words::Contains(" has active endpoints"),
    ),
    (
        500,
        ErrorKind::Conflict,
        Words::EndsWith(": network is being used"),
    ),
    (
        500,
        ErrorKind::Conflict,
        Words::EndsWith(": network already exists"),
    ),
    (
        500,
        ErrorKind::Conflict,
        Words::EndsWith(": volume is being used"),
    ),
    (
        500,
        ErrorKind::InvalidArgument,
        Words::Contains("It does not belong to any of this network's subnets"),
    ),
    (
        500,
        ErrorKind::InvalidArgument,
        Words::Contains(" not in any subnet on network "),
    ),
    // Go's net/http answers plain HTTP on a TLS listener so (net/http/server.go)
    (
        400,
        ErrorKind::Connect,
        Words::Contains("Client sent an HTTP request to an HTTPS server"),
    ),
];

enum Words {
    Contains(&'static str),
    EndsWith(&'static str),
}

/// The kind the daemon's `message` shows for an answer of `status`, where it says more
/// than the status.
pub(crate) fn refined(status: u16, message: &str) -> Option<ErrorKind> {
    REFINED.iter().find_map(|(s, kind, words)| {
        let said = match words {
            Words::Contains(w) => message.contains(w),
            Words::EndsWith(w) => message.ends_with(w),
        };
        (*s == status && said).then_some(*kind)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_words_make_the_kind() {
        let cases = [
            (403, "error while removing network: network n id 5ed3 has active endpoints", Some(ErrorKind::Conflict)),
            (500, "\"n\" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used", Some(ErrorKind::Conflict)),
            (500, "network name n already used: network already exists", Some(ErrorKind::Conflict)),
            (500, "Invalid address 10.99.0.5: It does not belong to any of this network's subnets", Some(ErrorKind::InvalidArgument)),
            (500, "requested static ip 10.99.0.5 not in any subnet on network n", Some(ErrorKind::InvalidArgument)),
            (400, "Client sent an HTTP request to an HTTPS server.\n", Some(ErrorKind::Connect)),
            (403, "authorization denied by plugin", None),
            (500, "network is being used by something else entirely", None),
            (400, "has active endpoints", None),
        ];
        for (status, message, kind) in cases {
            assert_eq!(refined(status, message), kind, "{status} {message}");
        }
    }
}
