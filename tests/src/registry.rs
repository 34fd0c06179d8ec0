//! The test registry that `cargo xtask engine up registry` starts
//! (`xtask/engines/registry.sh`): distribution with an htpasswd user, on
//! `WHARF_TEST_REGISTRY`, else `127.0.0.1:5000`.

use wharf::auth::Credentials;
use wharf::Reference;

/// The htpasswd user of the test registry.
pub const USER: &str = "wharf";
/// Its password.
pub const PASSWORD: &str = "wharf-test-password";

/// The registry's address, `host:port`.
pub fn address() -> String {
    std::env::var("WHARF_TEST_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000".into())
}

/// The registry's user and password, for its address.
pub fn credentials() -> Credentials {
    Credentials::new(USER, PASSWORD).server_address(address())
}

/// A repository of a test's own in the registry: `<address>/wharf-test/<name>:v1`.
pub fn reference(name: &str) -> Reference {
    Reference::parse(&format!("{}/wharf-test/{name}:v1", address())).expect("a valid reference")
}
