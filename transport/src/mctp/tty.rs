//! A tty (UART, USB serial adapter, pseudo-terminal) as a non-blocking byte stream for
//! the MCTP serial binding, and pseudo-terminal pairs for tests and the simulator.
#![allow(unsafe_code)] // Only at the OS boundary: termios and pty calls.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use tokio::io::unix::AsyncFd;

/// A tty in raw mode (no echo, no line editing, no character translation: every byte
/// passes unchanged), read and written without blocking.
#[derive(Debug)]
pub struct Tty {
    fd: AsyncFd<File>,
    name: String,
}

/// Puts the terminal behind `fd` in raw mode (`cfmakeraw`), keeping its speed.
fn make_raw(fd: &File) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it completely on success, and
    // `raw` is an open descriptor for the duration of the calls.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(raw, &mut t) != 0 {
            return Err(io::Error::last_os_error());
        }
        libc::cfmakeraw(&mut t);
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        if libc::tcsetattr(raw, libc::TCSANOW, &t) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl Tty {
    /// Opens the tty at `path` read-write, in raw mode. Must be called inside a tokio
    /// runtime. Errors name the path.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Tty> {
        let path = path.as_ref();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
            })?;
        Self::from_file(file, path.display().to_string())
    }

    /// Wraps an already open tty (e.g. a pty master).
    pub fn from_file(file: File, name: String) -> io::Result<Tty> {
        make_raw(&file).map_err(|e| {
            io::Error::new(e.kind(), format!("{name} is not a usable terminal: {e}"))
        })?;
        set_nonblocking(&file)?;
        // SAFETY: `File` keeps its descriptor open until dropped and always returns
        // the same one from `as_raw_fd`; the AsyncFd owns the File.
        let fd = unsafe { AsyncFd::register(file) }.map_err(io::Error::from)?;
        Ok(Tty { fd, name })
    }

    /// The path or name it was opened by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads what is available (at least one byte, waiting for it).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|f| f.get_ref().read(buf)) {
                // End of file; a pty master reads EIO once the slave side is closed.
                Ok(Ok(0)) => {}
                Ok(Err(e)) if e.raw_os_error() == Some(libc::EIO) => {}
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: the other end closed", self.name),
            ));
        }
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let mut guard = self.fd.writable().await?;
            match guard.try_io(|f| f.get_ref().write(buf)) {
                Ok(Ok(n)) => buf = &buf[n..],
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
        Ok(())
    }
}

fn set_nonblocking(file: &File) -> io::Result<()> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on an open descriptor with integer arguments.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A new pseudo-terminal: the master end (open) and the path of its slave end, which
/// another process (or [`Tty::open`]) opens like a serial device.
pub fn openpty() -> io::Result<(File, PathBuf)> {
    let master = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/ptmx")
        .map_err(|e| io::Error::new(e.kind(), format!("cannot open /dev/ptmx: {e}")))?;
    let fd = master.as_raw_fd();
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: `fd` is an open pty master; `name` is a writable buffer of the length
    // passed, which ptsname_r NUL-terminates on success.
    unsafe {
        if libc::grantpt(fd) != 0 || libc::unlockpt(fd) != 0 {
            return Err(io::Error::last_os_error());
        }
        let rc = libc::ptsname_r(fd, name.as_mut_ptr(), name.len());
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
    }
    // SAFETY: ptsname_r succeeded, so `name` holds a NUL-terminated string.
    let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Ok((master, PathBuf::from(path)))
}

/// Duplicates a file descriptor into a new `File` (so two tasks can own one tty).
pub fn dup(file: &File) -> io::Result<File> {
    // SAFETY: dup on an open descriptor; the new descriptor is owned by the result.
    let fd = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor nobody else owns.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pty_passes_every_byte_value_unchanged() {
        let (master, path) = openpty().unwrap();
        let m = Tty::from_file(master, "master".into()).unwrap();
        let s = Tty::open(&path).unwrap();
        let all: Vec<u8> = (0..=255u8).collect();
        s.write_all(&all).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        while got.len() < all.len() {
            let n = m.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, all, "raw mode: no translation, no echo");
        m.write_all(&all).await.unwrap();
        let mut got = Vec::new();
        while got.len() < all.len() {
            let n = s.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, all);
    }

    #[tokio::test]
    async fn a_missing_device_is_named() {
        let e = Tty::open("/dev/does-not-exist-ttyS9").unwrap_err();
        assert!(e.to_string().contains("/dev/does-not-exist-ttyS9"), "{e}");
    }
}
