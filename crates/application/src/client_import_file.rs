//! CL-15: an import's file read once, as it streams in: its byte-order mark dropped, its
//! bytes checked as UTF-8 and cut into the pieces stored with the import, its first line
//! kept to tell the delimiter. Memory holds a piece or two, whatever the file's size.

use std::io::{self, Read};

/// Bytes of the file per stored piece.
pub const CHUNK: usize = 256 * 1024;
/// The longest start of the file read to find its first line.
const HEAD: usize = 64 * 1024;
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The file as the CSV reader reads it (without its byte-order mark), keeping what it
/// read as pieces to store.
pub(crate) struct FileStream<R> {
    inner: R,
    /// The start of the file, read before the CSV reader asked: served first.
    head: io::Cursor<Vec<u8>>,
    /// Bytes dropped at the start (a byte-order mark), for the positions of errors.
    skipped: u64,
    /// Bytes served so far.
    served: u64,
    /// The start of a character cut by the end of a read, checked with the next.
    partial: Vec<u8>,
    piece: Vec<u8>,
    full: Vec<Vec<u8>>,
    /// Whether a piece was taken: the bytes before it are gone.
    taken: bool,
}

impl<R: Read> FileStream<R> {
    /// The stream, and the file's first line (or the start of it), for the delimiter.
    pub(crate) fn open(mut inner: R) -> io::Result<(Self, String)> {
        let mut head = Vec::new();
        let mut buffer = [0_u8; 8 * 1024];
        while head.len() < HEAD && !head.contains(&b'\n') {
            match inner.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => head.extend_from_slice(&buffer[..n]),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        let skipped = if head.starts_with(BOM) {
            head.drain(..BOM.len());
            BOM.len() as u64
        } else {
            0
        };
        let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
        let first_line = String::from_utf8_lossy(&head[..end]).into_owned();
        let stream = Self {
            inner,
            head: io::Cursor::new(head),
            skipped,
            served: 0,
            partial: Vec::new(),
            piece: Vec::with_capacity(CHUNK),
            full: Vec::new(),
            taken: false,
        };
        Ok((stream, first_line))
    }

    /// The pieces completed since the last call, in order.
    pub(crate) fn take_pieces(&mut self) -> Vec<Vec<u8>> {
        self.taken |= !self.full.is_empty();
        std::mem::take(&mut self.full)
    }

    /// The last piece (possibly empty), once everything was read.
    pub(crate) fn last_piece(self) -> Vec<u8> {
        self.piece
    }

    /// Line breaks in the first `end` bytes served (before any piece was taken).
    pub(crate) fn newlines_before(&self, end: u64) -> u32 {
        debug_assert!(!self.taken, "the start of the file was already stored");
        let end = usize::try_from(end).unwrap_or(usize::MAX);
        let bytes = self.full.iter().flatten().chain(&self.piece);
        let breaks = bytes.take(end).filter(|&&b| b == b'\n').count();
        u32::try_from(breaks).unwrap_or(u32::MAX)
    }

    /// Checks and keeps bytes just served.
    fn keep(&mut self, bytes: &[u8]) -> io::Result<()> {
        let start = self.served - self.partial.len() as u64;
        let mut checked = std::mem::take(&mut self.partial);
        checked.extend_from_slice(bytes);
        if let Err(error) = std::str::from_utf8(&checked) {
            let valid = error.valid_up_to();
            match error.error_len() {
                None => self.partial = checked[valid..].to_vec(),
                Some(_) => return Err(not_utf8(self.skipped + start + valid as u64)),
            }
        }
        self.served += bytes.len() as u64;
        let mut rest = bytes;
        while !rest.is_empty() {
            let room = CHUNK - self.piece.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.piece.extend_from_slice(now);
            rest = later;
            if self.piece.len() == CHUNK {
                let full = std::mem::replace(&mut self.piece, Vec::with_capacity(CHUNK));
                self.full.push(full);
            }
        }
        Ok(())
    }
}

fn not_utf8(byte: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the file is not UTF-8 text (byte {byte}): save it as CSV UTF-8"),
    )
}

impl<R: Read> Read for FileStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.head.read(buf)? {
            0 => self.inner.read(buf)?,
            n => n,
        };
        if n == 0 && !self.partial.is_empty() {
            return Err(not_utf8(
                self.skipped + self.served - self.partial.len() as u64,
            ));
        }
        self.keep(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` through a stream, `step` bytes per read.
    fn stream(bytes: &[u8], step: usize) -> (io::Result<Vec<u8>>, Vec<Vec<u8>>, String) {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (mut stream, first) = FileStream::open(Trickle(bytes, step)).unwrap();
        let mut read = Vec::new();
        let result = stream.read_to_end(&mut read).map(|_| read);
        let mut pieces = stream.take_pieces();
        pieces.push(stream.last_piece());
        (result, pieces, first)
    }

    #[test]
    fn cl_15_the_bytes_read_are_the_pieces_kept_without_the_byte_order_mark() {
        let mut file = BOM.to_vec();
        file.extend_from_slice("Prénom;Nom\r\n".as_bytes());
        for n in 0..40_000 {
            file.extend_from_slice(format!("Zoé{n};Núñez\r\n").as_bytes());
        }
        for step in [1, 7, 8 * 1024, 1 << 20] {
            let (read, pieces, first) = stream(&file, step);
            let read = read.unwrap();
            assert_eq!(read, file[3..], "step {step}");
            assert_eq!(pieces.concat(), read, "step {step}");
            assert!(pieces[..pieces.len() - 1].iter().all(|p| p.len() == CHUNK));
            assert_eq!(first, "Prénom;Nom\r");
        }
    }

    #[test]
    fn cl_15_a_byte_that_is_not_utf8_is_found_wherever_reads_cut_the_file() {
        let mut file = "Nom\nÉlodie\n".as_bytes().to_vec();
        file.extend_from_slice(b"Lima \xe9\n");
        let at = file.len() - 2;
        let mut cut = "Nom\n".as_bytes().to_vec();
        cut.extend_from_slice(&"é".as_bytes()[..1]);
        for step in [1, 2, 3, 64] {
            let message = stream(&file, step).0.unwrap_err().to_string();
            assert!(message.contains(&format!("(byte {at})")), "{message}");
            let message = stream(&cut, step).0.unwrap_err().to_string();
            assert!(message.contains("(byte 4)"), "{message}");
        }
    }

    #[test]
    fn cl_15_line_breaks_are_counted_before_a_position() {
        let (mut text, _) = FileStream::open(&b"\"a\nb\"\nc\nd"[..]).unwrap();
        std::io::copy(&mut text, &mut std::io::sink()).unwrap();
        assert_eq!(text.newlines_before(6), 2);
        assert_eq!(text.newlines_before(100), 3);
    }
}
