//! Request paths that name one object: `/containers/{id}/logs`,
//! `/exec/{id}/start`. The one place where an id becomes part of a URL.
//!
//! The id is percent-encoded as one path segment by the function the
//! generated operations use ([`wharf_api::encode_path`]: everything but RFC
//! 3986's unreserved characters), so no id can add a segment, start a query
//! or a fragment, or carry a control character. An empty id, `.` and `..` are
//! refused: encoded or not, a path resolver takes them for steps of the
//! path, not names (`/containers/./json` is `/containers/json`, the list).

use crate::error::{Error, Result};

/// `/{collection}/{id}/{action}` (`/{collection}/{id}` for an empty action),
/// the id encoded. A leading `/` of the id is dropped: list results name
/// containers `/web`.
pub(crate) fn object(collection: &str, id: &str, action: &str) -> Result<String> {
    let name = name(id)?;
    let mut path = String::with_capacity(collection.len() + name.len() + action.len() + 3);
    path.push('/');
    path.push_str(collection);
    path.push('/');
    path.push_str(&wharf_api::encode_path(name));
    if !action.is_empty() {
        path.push('/');
        path.push_str(action);
    }
    Ok(path)
}

/// The id as it is sent (a leading `/` dropped), or the error for one that
/// cannot be: also for ids that travel as query values (`/commit?container=`).
pub(crate) fn name(id: &str) -> Result<&str> {
    let name = id.strip_prefix('/').unwrap_or(id);
    if matches!(name, "" | "." | "..") {
        return Err(Error::invalid_argument(format!(
            "{id:?} is not an id or name: `.`, `..` and the empty name cannot be sent as one"
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn ids_are_one_encoded_segment() {
        let path = |id: &str, action| object("containers", id, action).unwrap();
        assert_eq!(path("web", "start"), "/containers/web/start");
        assert_eq!(path("/web", "json"), "/containers/web/json");
        assert_eq!(path("a_b.c-1~", ""), "/containers/a_b.c-1~");
        assert_eq!(path("x/../y?z", "json"), "/containers/x%2F..%2Fy%3Fz/json");
        assert_eq!(path("...", "json"), "/containers/.../json");
        assert_eq!(
            path("a b\nc#d%e", "logs"),
            "/containers/a%20b%0Ac%23d%25e/logs"
        );
        assert_eq!(path("é", "logs"), "/containers/%C3%A9/logs");
        assert_eq!(path("a\\..\\b", "logs"), "/containers/a%5C..%5Cb/logs");
        assert_eq!(object("exec", "a/b", "start").unwrap(), "/exec/a%2Fb/start");
    }

    #[test]
    fn dot_ids_are_refused() {
        for id in ["", ".", "..", "/", "/.", "/.."] {
            let e = object("containers", id, "json").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{id:?}");
            assert!(e.to_string().contains("is not an id or name"), "{e}");
        }
    }
}
