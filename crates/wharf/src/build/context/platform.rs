//! What a context entry's metadata says on this platform: permissions, time,
//! special files, hard links. Unix reads them from the inode; elsewhere the
//! docker CLI's Windows rules apply (docker/cli and moby `pkg/archive`,
//! `archive_windows.go`: permissions masked to `0755` with execute bits set,
//! no devices, no hard-link detection).

/// A file that is neither regular, a directory nor a symlink (only unix has them).
#[cfg_attr(not(unix), allow(dead_code))]
pub(super) enum Special {
    /// Not sent, as the CLI skips sockets.
    Socket,
    Fifo,
    /// A character device, with its device number.
    Char(u64),
    /// A block device, with its device number.
    Block(u64),
}

#[cfg(unix)]
mod imp {
    use std::fs;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    use super::Special;

    pub fn special(meta: &fs::Metadata) -> Option<Special> {
        let kind = meta.file_type();
        if kind.is_socket() {
            Some(Special::Socket)
        } else if kind.is_fifo() {
            Some(Special::Fifo)
        } else if kind.is_char_device() {
            Some(Special::Char(meta.rdev()))
        } else if kind.is_block_device() {
            Some(Special::Block(meta.rdev()))
        } else {
            None
        }
    }

    /// Permissions with setuid, setgid and sticky, as Go's `tar.FileInfoHeader`.
    pub fn mode(meta: &fs::Metadata) -> u32 {
        meta.mode() & 0o7777
    }

    pub fn mtime(meta: &fs::Metadata) -> u64 {
        meta.mtime().max(0) as u64
    }

    /// The identity of a file with more than one name.
    pub fn link_key(meta: &fs::Metadata) -> Option<(u64, u64)> {
        (meta.nlink() > 1).then(|| (meta.dev(), meta.ino()))
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs;
    use std::time::UNIX_EPOCH;

    use super::Special;

    pub fn special(_: &fs::Metadata) -> Option<Special> {
        None
    }

    pub fn mode(meta: &fs::Metadata) -> u32 {
        let perm = if meta.permissions().readonly() {
            0o555
        } else {
            0o755
        };
        perm & 0o755 | 0o111
    }

    pub fn mtime(meta: &fs::Metadata) -> u64 {
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    }

    pub fn link_key(_: &fs::Metadata) -> Option<(u64, u64)> {
        None
    }
}

pub(super) use imp::{link_key, mode, mtime, special};

/// glibc's `gnu_dev_major` and `gnu_dev_minor` of a device number.
pub(super) fn major_minor(dev: u64) -> (u32, u32) {
    (
        ((dev >> 8) & 0xfff) as u32 | ((dev >> 32) & !0xfff) as u32,
        (dev & 0xff) as u32 | ((dev >> 12) & !0xff) as u32,
    )
}
