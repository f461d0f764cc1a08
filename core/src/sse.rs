//! Incremental, spec-exact Server-Sent Events decoder.
//!
//! Implements the WHATWG HTML "event stream interpretation" algorithm
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>):
//!
//! * The byte stream is decoded as UTF-8 (invalid sequences become U+FFFD, exactly like
//!   [`String::from_utf8_lossy`] applied to the *whole* stream), and one leading UTF-8 BOM is
//!   stripped — only at the very start of the stream, even if it arrives split over chunks.
//! * Lines end in CR, LF or CRLF; a CRLF split across two chunks is one line end.
//! * Lines starting with `:` are comments (counted, see [`SseDecoder::comments_seen`], so that a
//!   client can treat them as keep-alive activity).
//! * `data`, `event`, `id` and `retry` fields are processed as the spec says; an empty line
//!   dispatches the pending event (if its data buffer is non-empty).
//! * At end of stream an unterminated event, and a partial last line, are discarded.
//!
//! Results never depend on how the input is split into chunks.
//!
//! # Performance
//!
//! Lines are located with `memchr2` over each chunk. A line lying entirely inside the chunk being
//! fed is never copied; when an event consists of a single `data` line that lies inside the chunk
//! (the usual shape of an OpenAI-style `data: {...}\n\n` delta), the dispatched
//! [`EventRef::data`] borrows straight from the input after a `str::from_utf8` validation. Only
//! partial lines at chunk boundaries and multi-line data are buffered, in buffers that are reused
//! from event to event (no per-event allocation in steady state).
//!
//! Since CR, LF and `:` are ASCII and can never occur inside (or terminate a maximal invalid
//! subpart of) a multi-byte UTF-8 sequence, splitting on bytes and decoding each line lossily is
//! equivalent to decoding the whole stream first; lines that straddle chunks are joined as bytes
//! before decoding, so a character split across chunks is decoded correctly.
//!
//! # Bounded memory
//!
//! A line longer than the maximum line length ([`DEFAULT_MAX_LINE`], 1 MiB, by default) or an
//! event whose data exceeds the maximum event size ([`DEFAULT_MAX_EVENT`], 8 MiB, by default)
//! produces an [`SseError`] instead of growing the buffers. Both limits count raw input bytes
//! (line length excludes the line terminator; event size is the length of the dispatched data,
//! i.e. the `data` values joined by LF), so they are independent of chunking. Buffered memory is
//! therefore bounded by roughly `max_line + 3 * max_event` bytes (lossy replacement of an invalid
//! byte can triple its size).

use std::io::{self, Read, Write};

use memchr::{memchr, memchr2_iter};

/// Default maximum length of one line, in bytes, excluding the line terminator (1 MiB).
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;
/// Default maximum size of one event's data, in bytes (8 MiB).
pub const DEFAULT_MAX_EVENT: usize = 8 * 1024 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
/// Buffers grown beyond this are shrunk back when a stream ends ([`SseDecoder::finish`]).
const SHRINK_ABOVE: usize = 256 * 1024;
const SHRINK_TO: usize = 8 * 1024;
/// Read size of [`decode_to_json_lines`].
const JSON_READ_CHUNK: usize = 64 * 1024;

/// Error produced when an input exceeds the decoder's memory limits.
///
/// Errors are sticky: once [`SseDecoder::feed`] has returned an error, further calls return the
/// same error until [`SseDecoder::finish`] resets the decoder for a new stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum SseError {
    /// A line (excluding its terminator) is longer than `limit` bytes.
    #[error("SSE line longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The configured maximum line length.
        limit: usize,
    },
    /// An event's data is larger than `limit` bytes.
    #[error("SSE event data larger than the limit of {limit} bytes")]
    EventTooLarge {
        /// The configured maximum event size.
        limit: usize,
    },
}

/// An owned, dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Event {
    /// Event type; `"message"` unless an `event` field set another one.
    pub event: String,
    /// Event data: the `data` field values joined by LF.
    pub data: String,
    /// The last event ID at dispatch time (`""` if none was ever set).
    pub id: String,
}

/// A borrowed view of a dispatched event, valid for the duration of the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventRef<'a> {
    /// Event type; `"message"` unless an `event` field set another one.
    pub event: &'a str,
    /// Event data: the `data` field values joined by LF.
    pub data: &'a str,
    /// The last event ID at dispatch time (`""` if none was ever set).
    pub id: &'a str,
}

impl EventRef<'_> {
    /// Copies the borrowed event into an owned [`Event`].
    pub fn to_event(&self) -> Event {
        Event { event: self.event.to_owned(), data: self.data.to_owned(), id: self.id.to_owned() }
    }
}

impl From<EventRef<'_>> for Event {
    fn from(e: EventRef<'_>) -> Self {
        e.to_event()
    }
}

impl Event {
    /// Borrows this event as an [`EventRef`].
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef { event: &self.event, data: &self.data, id: &self.id }
    }
}

/// BOM detection state at the start of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    /// Still at the start of the stream; this many bytes of the BOM have been matched (and held back).
    Checking(u8),
    /// Past the start of the stream.
    Done,
}

/// Where the data buffer of the pending event lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Data {
    /// Empty data buffer.
    Empty,
    /// A single data line whose value is `chunk[start..end]` of the chunk currently being fed
    /// (never survives the end of a `feed` call).
    Borrowed { start: usize, end: usize },
    /// `data_buf` holds the spec's data buffer: every value followed by LF (so it is non-empty).
    Owned,
}

/// Incremental SSE decoder. See the [module documentation](self).
///
/// Feed chunks with [`feed`](Self::feed); call [`finish`](Self::finish) at end of stream. After
/// `finish` the decoder can decode a new stream (e.g. after a reconnect): the BOM is stripped
/// again, while the last event ID, the reconnection time and the comment counter persist (as they
/// do for an `EventSource`).
#[derive(Debug, Clone)]
pub struct SseDecoder {
    max_line: usize,
    max_event: usize,
    bom: Bom,
    /// The previous chunk ended with CR: a LF at the start of the next chunk belongs to it.
    pending_cr: bool,
    /// Bytes of an incomplete line carried over from previous chunks.
    line: Vec<u8>,
    data: Data,
    /// Backing store for `Data::Owned` (and scratch space for lossy decoding of borrowed data).
    data_buf: String,
    /// Size of the pending event's data in raw bytes (values joined by LF), for the event limit.
    data_len: usize,
    event_type: String,
    /// The spec's "last event ID buffer".
    id_buf: String,
    /// `id_buf` changed since the last empty line.
    id_dirty: bool,
    /// The "last event ID string" of the event source: `id_buf` as of the last empty line.
    last_id: String,
    retry: Option<u64>,
    comments: u64,
    failed: Option<SseError>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::with_limits(DEFAULT_MAX_LINE, DEFAULT_MAX_EVENT)
    }
}

impl SseDecoder {
    /// A decoder with the default limits ([`DEFAULT_MAX_LINE`], [`DEFAULT_MAX_EVENT`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given maximum line length and maximum event data size, in bytes.
    pub fn with_limits(max_line: usize, max_event: usize) -> Self {
        SseDecoder {
            max_line,
            max_event,
            bom: Bom::Checking(0),
            pending_cr: false,
            line: Vec::new(),
            data: Data::Empty,
            data_buf: String::new(),
            data_len: 0,
            event_type: String::new(),
            id_buf: String::new(),
            id_dirty: false,
            last_id: String::new(),
            retry: None,
            comments: 0,
            failed: None,
        }
    }

    /// The configured maximum line length, in bytes.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// The configured maximum event data size, in bytes.
    pub fn max_event(&self) -> usize {
        self.max_event
    }

    /// Feeds the next chunk of the stream, calling `on_event` for every event dispatched by it.
    ///
    /// The [`EventRef`] borrows from the decoder's buffers or directly from `chunk`. On error,
    /// events dispatched before the offending line have already been delivered; the error is
    /// sticky until [`finish`](Self::finish).
    pub fn feed<F: FnMut(EventRef<'_>)>(&mut self, chunk: &[u8], mut on_event: F) -> Result<(), SseError> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        let result = self.feed_inner(chunk, &mut on_event);
        if let Err(err) = result {
            self.failed = Some(err);
        }
        result
    }

    /// End of stream: discards any unterminated event and partial line (per spec, nothing is
    /// dispatched), and resets the decoder for a new stream.
    ///
    /// An `id` field of the discarded event is rolled back, so [`last_event_id`](Self::last_event_id)
    /// keeps the ID of the last completed event. `retry` values already seen are kept (the spec
    /// applies them immediately). A sticky error is cleared.
    pub fn finish(&mut self) {
        self.bom = Bom::Checking(0);
        self.pending_cr = false;
        self.line.clear();
        self.data = Data::Empty;
        self.data_buf.clear();
        self.data_len = 0;
        self.event_type.clear();
        if self.id_dirty {
            self.id_buf.clone_from(&self.last_id);
            self.id_dirty = false;
        }
        self.failed = None;
        if self.line.capacity() > SHRINK_ABOVE {
            self.line.shrink_to(SHRINK_TO);
        }
        if self.data_buf.capacity() > SHRINK_ABOVE {
            self.data_buf.shrink_to(SHRINK_TO);
        }
    }

    /// The last valid `retry` value seen (reconnection time in milliseconds). Values too large
    /// for a `u64` saturate to `u64::MAX`.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The last event ID as of the last empty line (the value an `EventSource` would send as
    /// `Last-Event-ID` when reconnecting); `""` if none was set. An `id` field of a not yet
    /// terminated event is not reflected until its empty line.
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// True if bytes of an undispatched event are buffered: a partial line, or a pending event
    /// with data or an event type (also true after a limit error). After a well-formed stream
    /// (ending with an empty line) this is false; a client can use it to tell a clean end of
    /// stream from a truncated one.
    pub fn has_pending(&self) -> bool {
        self.failed.is_some()
            || !self.line.is_empty()
            || self.data != Data::Empty
            || !self.event_type.is_empty()
            || matches!(self.bom, Bom::Checking(n) if n > 0)
    }

    /// Number of comment lines (lines starting with `:`) seen so far, e.g. keep-alives.
    pub fn comments_seen(&self) -> u64 {
        self.comments
    }

    fn feed_inner<F: FnMut(EventRef<'_>)>(&mut self, mut chunk: &[u8], on_event: &mut F) -> Result<(), SseError> {
        if let Bom::Checking(seen) = self.bom {
            let seen = usize::from(seen);
            let (mut k, mut i) = (seen, 0);
            while k < BOM.len() && i < chunk.len() && chunk[i] == BOM[k] {
                k += 1;
                i += 1;
            }
            if k == BOM.len() {
                self.bom = Bom::Done;
                chunk = &chunk[i..];
            } else if i == chunk.len() {
                // Everything so far is a BOM prefix; hold it back until we know more.
                self.bom = Bom::Checking(k as u8);
                return Ok(());
            } else {
                // Not a BOM: the bytes held back from earlier chunks start the first line.
                self.bom = Bom::Done;
                self.line.extend_from_slice(&BOM[..seen]);
            }
        }
        if chunk.is_empty() {
            return Ok(());
        }

        let mut pos = 0;
        if self.pending_cr {
            self.pending_cr = false;
            if chunk[0] == b'\n' {
                pos = 1;
            }
        }
        for i in memchr2_iter(b'\r', b'\n', chunk) {
            if i < pos {
                // The LF of a CRLF that was already consumed.
                continue;
            }
            let part = &chunk[pos..i];
            if self.line.is_empty() {
                if part.len() > self.max_line {
                    return Err(SseError::LineTooLong { limit: self.max_line });
                }
                self.process_line(part, Some(pos), chunk, on_event)?;
            } else {
                if self.line.len() + part.len() > self.max_line {
                    return Err(SseError::LineTooLong { limit: self.max_line });
                }
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(part);
                let result = self.process_line(&line, None, chunk, on_event);
                line.clear();
                self.line = line;
                result?;
            }
            pos = i + 1;
            if chunk[i] == b'\r' {
                match chunk.get(i + 1) {
                    Some(b'\n') => pos = i + 2,
                    Some(_) => {}
                    None => self.pending_cr = true,
                }
            }
        }

        let rest = &chunk[pos..];
        if !rest.is_empty() {
            if self.line.len() + rest.len() > self.max_line {
                return Err(SseError::LineTooLong { limit: self.max_line });
            }
            self.line.extend_from_slice(rest);
        }
        if let Data::Borrowed { start, end } = self.data {
            // The chunk goes away: move the single pending data line into the owned buffer.
            self.data_buf.clear();
            push_lossy(&mut self.data_buf, &chunk[start..end]);
            self.data_buf.push('\n');
            self.data = Data::Owned;
        }
        Ok(())
    }

    /// Processes one complete line (without terminator). `base` is `Some(offset)` when `line`
    /// is `chunk[offset..offset + line.len()]`, which allows borrowing data from the chunk.
    fn process_line<F: FnMut(EventRef<'_>)>(
        &mut self,
        line: &[u8],
        base: Option<usize>,
        chunk: &[u8],
        on_event: &mut F,
    ) -> Result<(), SseError> {
        let Some(&first) = line.first() else {
            self.dispatch(chunk, on_event);
            return Ok(());
        };
        if first == b':' {
            self.comments += 1;
            return Ok(());
        }
        let (name, mut value_start) = match memchr(b':', line) {
            Some(colon) => (&line[..colon], colon + 1),
            None => (line, line.len()),
        };
        if line.get(value_start) == Some(&b' ') {
            value_start += 1;
        }
        let value = &line[value_start..];
        match name {
            b"data" => self.push_data(value, base.map(|b| b + value_start), chunk)?,
            b"event" => {
                self.event_type.clear();
                push_lossy(&mut self.event_type, value);
            }
            // Ignored if the value contains U+0000 NULL.
            b"id" if memchr(0, value).is_none() => {
                self.id_buf.clear();
                push_lossy(&mut self.id_buf, value);
                self.id_dirty = true;
            }
            // Ignored unless the value is a non-empty string of ASCII digits.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry =
                    Some(value.iter().fold(0u64, |acc, &d| acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))));
            }
            _ => {}
        }
        Ok(())
    }

    /// Appends a `data` value (plus LF, per spec) to the data buffer. `start` is the value's
    /// offset in `chunk` when it can be borrowed from there.
    fn push_data(&mut self, value: &[u8], start: Option<usize>, chunk: &[u8]) -> Result<(), SseError> {
        let new_len = match self.data {
            Data::Empty => value.len(),
            _ => self.data_len.saturating_add(1 + value.len()),
        };
        if new_len > self.max_event {
            return Err(SseError::EventTooLarge { limit: self.max_event });
        }
        self.data_len = new_len;
        match (self.data, start) {
            (Data::Empty, Some(start)) => {
                self.data = Data::Borrowed { start, end: start + value.len() };
            }
            (Data::Empty, None) => {
                self.data_buf.clear();
                push_lossy(&mut self.data_buf, value);
                self.data_buf.push('\n');
                self.data = Data::Owned;
            }
            (Data::Borrowed { start: s, end: e }, _) => {
                self.data_buf.clear();
                push_lossy(&mut self.data_buf, &chunk[s..e]);
                self.data_buf.push('\n');
                push_lossy(&mut self.data_buf, value);
                self.data_buf.push('\n');
                self.data = Data::Owned;
            }
            (Data::Owned, _) => {
                push_lossy(&mut self.data_buf, value);
                self.data_buf.push('\n');
            }
        }
        Ok(())
    }

    /// The spec's "dispatch the event" steps, run for every empty line.
    fn dispatch<F: FnMut(EventRef<'_>)>(&mut self, chunk: &[u8], on_event: &mut F) {
        if self.id_dirty {
            self.last_id.clone_from(&self.id_buf);
            self.id_dirty = false;
        }
        let data: &str = match self.data {
            Data::Empty => {
                self.event_type.clear();
                return;
            }
            Data::Borrowed { start, end } => {
                let bytes = &chunk[start..end];
                // SIMD validation: 2-3x std's, and this is the decoder's hottest line.
                match simdutf8::basic::from_utf8(bytes) {
                    Ok(s) => s,
                    Err(_) => {
                        self.data_buf.clear();
                        push_lossy(&mut self.data_buf, bytes);
                        &self.data_buf
                    }
                }
            }
            // `data_buf` ends with the LF appended after the last value: strip it.
            Data::Owned => &self.data_buf[..self.data_buf.len() - 1],
        };
        let event = if self.event_type.is_empty() { "message" } else { &self.event_type };
        on_event(EventRef { event, data, id: &self.last_id });
        self.data = Data::Empty;
        self.data_buf.clear();
        self.data_len = 0;
        self.event_type.clear();
    }
}

/// Appends `bytes` decoded as UTF-8 to `out`, replacing invalid sequences with U+FFFD exactly
/// like [`String::from_utf8_lossy`], without allocating.
fn push_lossy(out: &mut String, bytes: &[u8]) {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => {
            for piece in bytes.utf8_chunks() {
                out.push_str(piece.valid());
                if !piece.invalid().is_empty() {
                    out.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
    }
}

/// Decodes a complete SSE stream held in memory.
pub fn decode_all(input: &[u8]) -> Result<Vec<Event>, SseError> {
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    decoder.feed(input, |e| events.push(e.to_event()))?;
    decoder.finish();
    Ok(events)
}

/// `agenticstar sse-decode`: reads raw SSE bytes from `input` (in 64 KiB chunks) and writes one
/// JSON object per dispatched event, `{"event":..,"data":..,"id":..}` (keys in that order; `id`
/// is the last event ID string, `""` when none was set), one per line; then `{"retry":N}` if a
/// valid `retry` field was seen. A limit violation is reported as [`io::ErrorKind::InvalidData`]
/// wrapping the [`SseError`], after the events decoded before it have been written.
pub fn decode_to_json_lines<R: Read, W: Write>(mut input: R, output: W) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct JsonEvent<'a> {
        event: &'a str,
        data: &'a str,
        id: &'a str,
    }
    #[derive(serde::Serialize)]
    struct JsonRetry {
        retry: u64,
    }

    fn write_line<W: Write, T: serde::Serialize>(out: &mut W, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut *out, value)?;
        out.write_all(b"\n")
    }

    let mut out = io::BufWriter::with_capacity(JSON_READ_CHUNK, output);
    let mut buf = vec![0u8; JSON_READ_CHUNK];
    let mut decoder = SseDecoder::new();
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut write_error = None;
        let result = decoder.feed(&buf[..n], |e| {
            if write_error.is_none() {
                let json = JsonEvent { event: e.event, data: e.data, id: e.id };
                if let Err(err) = write_line(&mut out, &json) {
                    write_error = Some(err);
                }
            }
        });
        if let Some(err) = write_error {
            return Err(err);
        }
        if let Err(err) = result {
            out.flush()?;
            return Err(io::Error::new(io::ErrorKind::InvalidData, err));
        }
    }
    decoder.finish();
    if let Some(retry) = decoder.retry() {
        write_line(&mut out, &JsonRetry { retry })?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: &str, data: &str, id: &str) -> Event {
        Event { event: event.into(), data: data.into(), id: id.into() }
    }

    fn msg(data: &str) -> Event {
        ev("message", data, "")
    }

    /// Everything observable about a decode run.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Outcome {
        events: Vec<Event>,
        error: Option<SseError>,
        retry: Option<u64>,
        last_id: String,
        comments: u64,
        pending: bool,
    }

    fn run_with(mut decoder: SseDecoder, chunks: &[&[u8]]) -> Outcome {
        let mut events = Vec::new();
        let mut error = None;
        for chunk in chunks {
            if let Err(e) = decoder.feed(chunk, |e| events.push(e.to_event())) {
                error = Some(e);
                break;
            }
        }
        let pending = decoder.has_pending();
        decoder.finish();
        assert!(!decoder.has_pending());
        Outcome {
            events,
            error,
            retry: decoder.retry(),
            last_id: decoder.last_event_id().to_owned(),
            comments: decoder.comments_seen(),
            pending,
        }
    }

    fn run(chunks: &[&[u8]]) -> Outcome {
        run_with(SseDecoder::new(), chunks)
    }

    fn events(input: &[u8]) -> Vec<Event> {
        let out = run(&[input]);
        assert_eq!(out.error, None);
        out.events
    }

    /// Events when fed whole, checked to be identical when fed byte by byte.
    fn events_all_splits(input: &[u8]) -> Vec<Event> {
        let whole = run(&[input]);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(run(&bytes), whole, "1-byte chunks differ");
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            assert_eq!(run(&[a, b]), whole, "split at {cut} differs");
        }
        assert_eq!(whole.error, None);
        whole.events
    }

    // ---- BOM ----

    #[test]
    fn bom_stripped_at_start() {
        assert_eq!(events_all_splits(b"\xEF\xBB\xBFdata: x\n\n"), [msg("x")]);
    }

    #[test]
    fn bom_split_across_chunks() {
        let out = run(&[b"\xEF", b"\xBB", b"\xBF", b"data: x\n\n"]);
        assert_eq!(out.events, [msg("x")]);
        let out = run(&[b"\xEF\xBB", b"\xBFdata", b": x\n\n"]);
        assert_eq!(out.events, [msg("x")]);
    }

    #[test]
    fn bom_later_is_data() {
        // A second BOM is not stripped: the field name becomes "\u{FEFF}data" (unknown).
        assert_eq!(events_all_splits(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"), []);
        assert_eq!(events_all_splits(b"data: a\n\n\xEF\xBB\xBFdata: b\n\n"), [msg("a")]);
        assert_eq!(events_all_splits(b"data: \xEF\xBB\xBFb\n\n"), [msg("\u{FEFF}b")]);
    }

    #[test]
    fn partial_bom_is_data() {
        // "\xEF\xBB" not followed by "\xBF" is an invalid sequence -> one U+FFFD.
        let input = b"\xEF\xBBdata: x\n\ndata: y\n\n";
        assert_eq!(events_all_splits(input), [msg("y")]);
        let out = run(&[b"\xEF", b"\xBB", b": c\ndata: \xEF\xBB\n\n"]);
        assert_eq!(out.events, [msg("\u{FFFD}")]);
        assert_eq!(out.comments, 0);
        assert_eq!(events_all_splits(b"\xEF\n\xEFdata\n\n"), []);
        // BOM prefix followed directly by a line end.
        assert_eq!(events_all_splits(b"\xEF\xBB\ndata:z\n\n"), [msg("z")]);
    }

    #[test]
    fn bom_only_held_back_is_pending() {
        let mut d = SseDecoder::new();
        d.feed(b"\xEF\xBB", |_| panic!()).unwrap();
        assert!(d.has_pending());
        d.finish();
        assert!(!d.has_pending());
    }

    // ---- line endings ----

    #[test]
    fn all_line_endings() {
        for eol in ["\n", "\r", "\r\n"] {
            let input = format!("data: a{eol}data: b{eol}{eol}event: e{eol}data: c{eol}{eol}");
            assert_eq!(events_all_splits(input.as_bytes()), [msg("a\nb"), ev("e", "c", "")], "eol {eol:?}");
        }
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        // If the LF starting the second chunk were a separate line end, the blank line would
        // dispatch "a" on its own.
        let out = run(&[b"data: a\r", b"\ndata: b\r\n\r\n"]);
        assert_eq!(out.events, [msg("a\nb")]);
        let out = run(&[b"data: a\r", b"\n", b"\r", b"\n"]);
        assert_eq!(out.events, [msg("a")]);
        // Empty chunks in between don't lose the pending CR.
        let out = run(&[b"data: a\r", b"", b"\ndata: b\r", b"", b"\n\r\n"]);
        assert_eq!(out.events, [msg("a\nb")]);
    }

    #[test]
    fn lone_cr() {
        assert_eq!(events_all_splits(b"data: a\rdata: b\r\r"), [msg("a\nb")]);
        // CR CR LF = two line ends.
        assert_eq!(events_all_splits(b"data: a\r\r\ndata: b\n\n"), [msg("a"), msg("b")]);
        // LF CR = two line ends.
        assert_eq!(events_all_splits(b"data: a\n\rdata: b\n\n"), [msg("a"), msg("b")]);
    }

    // ---- comments ----

    #[test]
    fn comments_ignored_and_counted() {
        let input = b": keep-alive\n:\ndata: a\n:inside\ndata: b\n\n:x\r\n";
        let out = run(&[input]);
        assert_eq!(out.events, [msg("a\nb")]);
        assert_eq!(out.comments, 4);
        assert!(!out.pending);
        assert_eq!(events_all_splits(input), [msg("a\nb")]);
    }

    #[test]
    fn comment_counter_observable_per_feed() {
        let mut d = SseDecoder::new();
        d.feed(b": ping\n", |_| {}).unwrap();
        assert_eq!(d.comments_seen(), 1);
        d.feed(b": pi", |_| {}).unwrap();
        assert_eq!(d.comments_seen(), 1);
        d.feed(b"ng\n", |_| {}).unwrap();
        assert_eq!(d.comments_seen(), 2);
    }

    // ---- field parsing ----

    #[test]
    fn one_leading_space_removed_only() {
        assert_eq!(
            events_all_splits(b"data:x\n\ndata: x\n\ndata:  x\n\ndata: \n\ndata:\t x\n\n"),
            [msg("x"), msg("x"), msg(" x"), msg(""), msg("\t x")]
        );
        assert_eq!(events_all_splits(b"event:  e\ndata\n\n"), [ev(" e", "", "")]);
    }

    #[test]
    fn value_after_first_colon() {
        assert_eq!(events_all_splits(b"data: a: b:c\n\n"), [msg("a: b:c")]);
        assert_eq!(events_all_splits(b"data::\n\n"), [msg(":")]);
    }

    #[test]
    fn multi_line_data() {
        assert_eq!(events_all_splits(b"data: a\ndata: b\ndata: c\n\n"), [msg("a\nb\nc")]);
        assert_eq!(events_all_splits(b"data: a\ndata\n\n"), [msg("a\n")]);
        assert_eq!(events_all_splits(b"data\ndata: a\n\n"), [msg("\na")]);
        // A single data line that starts in one chunk and a second in the next.
        let out = run(&[b"data: a\ndat", b"a: b\n\n"]);
        assert_eq!(out.events, [msg("a\nb")]);
    }

    #[test]
    fn data_without_colon_appends_empty_line() {
        assert_eq!(events_all_splits(b"data\n\n"), [msg("")]);
        assert_eq!(events_all_splits(b"data\ndata\n\n"), [msg("\n")]);
    }

    #[test]
    fn empty_data_not_dispatched() {
        assert_eq!(events_all_splits(b"event: e\n\n"), []);
        assert_eq!(events_all_splits(b"\n\n\n"), []);
        assert_eq!(events_all_splits(b"id: 1\nretry: 5\nfoo\n\n"), []);
    }

    #[test]
    fn event_type_reset_after_dispatch_and_empty_dispatch() {
        assert_eq!(events_all_splits(b"event: a\ndata: 1\n\ndata: 2\n\n"), [ev("a", "1", ""), msg("2")]);
        // An event type without data is reset by the empty line, too.
        assert_eq!(events_all_splits(b"event: a\n\ndata: 2\n\n"), [msg("2")]);
        // Last event field wins; empty event type means "message".
        assert_eq!(
            events_all_splits(b"event: a\nevent: b\ndata\n\nevent\ndata\n\nevent:\ndata\n\n"),
            [ev("b", "", ""), msg(""), msg("")]
        );
    }

    #[test]
    fn id_with_null_ignored() {
        assert_eq!(
            events_all_splits(b"id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\n"),
            [ev("message", "a", "1"), ev("message", "b", "1")]
        );
    }

    #[test]
    fn id_persists_and_can_be_reset() {
        let input = b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 7\n\ndata: d\n\n";
        assert_eq!(
            events_all_splits(input),
            [ev("message", "a", "1"), ev("message", "b", "1"), ev("message", "c", ""), ev("message", "d", "7"),]
        );
        let out = run(&[input]);
        assert_eq!(out.last_id, "7");
        // The id is set by the empty line even though no event was dispatched.
        let mut d = SseDecoder::new();
        d.feed(b"id: 9\n", |_| {}).unwrap();
        assert_eq!(d.last_event_id(), "");
        d.feed(b"\n", |_| {}).unwrap();
        assert_eq!(d.last_event_id(), "9");
    }

    #[test]
    fn id_of_unterminated_event_is_rolled_back_at_finish() {
        let mut d = SseDecoder::new();
        d.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n", |_| {}).unwrap();
        d.finish();
        assert_eq!(d.last_event_id(), "1");
        // The next stream (reconnect) continues with the committed id; BOM stripped again.
        let mut got = Vec::new();
        d.feed(b"\xEF\xBB\xBFdata: c\n\n", |e| got.push(e.to_event())).unwrap();
        assert_eq!(got, [ev("message", "c", "1")]);
    }

    #[test]
    fn id_does_not_need_to_be_numeric_and_is_lossy() {
        assert_eq!(events_all_splits(b"id: a b\xFF\ndata\n\n"), [ev("message", "", "a b\u{FFFD}")]);
    }

    #[test]
    fn retry_digits_only() {
        let retry = |input: &[u8]| run(&[input]).retry;
        assert_eq!(retry(b"retry: 1000\n"), Some(1000));
        assert_eq!(retry(b"retry:0\n"), Some(0));
        assert_eq!(retry(b"retry: 10a\n"), None);
        assert_eq!(retry(b"retry: -1\n"), None);
        assert_eq!(retry(b"retry: +1\n"), None);
        assert_eq!(retry(b"retry: 1.5\n"), None);
        assert_eq!(retry(b"retry:\n"), None);
        assert_eq!(retry(b"retry\n"), None);
        assert_eq!(retry(b"retry:  5\n"), None);
        assert_eq!(retry(b"retry: 5 \n"), None);
        assert_eq!(retry(b"retry: \xD9\xA1\n"), None); // ARABIC-INDIC DIGIT ONE
        assert_eq!(retry(b"retry: 5\nretry: x\n"), Some(5));
        assert_eq!(retry(b"retry: 5\nretry: 6\n"), Some(6));
        assert_eq!(retry(b"retry: 99999999999999999999999\n"), Some(u64::MAX));
        // Unterminated line: not a field yet.
        assert_eq!(retry(b"retry: 5"), None);
        // Applied immediately, not at dispatch, and does not create an event.
        assert_eq!(events_all_splits(b"retry: 5\n\n"), []);
    }

    #[test]
    fn unknown_fields_ignored() {
        assert_eq!(
            events_all_splits(b"foo: bar\ndata: a\nDATA: b\ndata : c\n data: d\ndatax: e\nEvent: f\nx\n\n"),
            [msg("a")]
        );
    }

    // ---- end of stream ----

    #[test]
    fn unterminated_event_not_dispatched() {
        let out = run(&[b"data: x\n"]);
        assert_eq!(out.events, []);
        assert!(out.pending);
        let out = run(&[b"data: x"]);
        assert_eq!(out.events, []);
        assert!(out.pending);
        let out = run(&[b"data: x\n\ndata: y"]);
        assert_eq!(out.events, [msg("x")]);
        assert!(out.pending);
        let out = run(&[b"data: x\n\nevent: y\n"]);
        assert!(out.pending);
        let out = run(&[b"data: x\n\n"]);
        assert!(!out.pending);
        let out = run(&[b"data: x\r\n\r\n: bye\n"]);
        assert!(!out.pending);
        let out = run(&[b"data: x\r\r"]);
        assert!(!out.pending);
        let out = run(&[b"data: x\r"]);
        assert!(out.pending);
    }

    // ---- UTF-8 ----

    #[test]
    fn invalid_utf8_replaced() {
        assert_eq!(events_all_splits(b"data: a\xFFb\xC3(\xE6\x97\n\n"), [msg("a\u{FFFD}b\u{FFFD}(\u{FFFD}")]);
        assert_eq!(
            events_all_splits(b"event: \xFFx\ndata: \xED\xA0\x80\n\n"),
            [ev("\u{FFFD}x", "\u{FFFD}\u{FFFD}\u{FFFD}", "")]
        );
        // Multi-line path (owned buffer) too.
        assert_eq!(events_all_splits(b"data: \xFF\ndata: \xF0\x9F\x98\n\n"), [msg("\u{FFFD}\n\u{FFFD}")]);
    }

    #[test]
    fn multibyte_char_split_across_chunks() {
        let input = "data: h\u{e9}llo \u{65e5}\u{672c} \u{1F600}\nid: \u{2713}\n\n".as_bytes();
        let expected = [ev("message", "h\u{e9}llo \u{65e5}\u{672c} \u{1F600}", "\u{2713}")];
        assert_eq!(events_all_splits(input), expected);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(run(&bytes).events, expected);
    }

    // ---- limits ----

    #[test]
    fn line_limit() {
        let limited = || SseDecoder::with_limits(8, 100);
        // Exactly at the limit is fine (8 bytes: "data: 12").
        let out = run_with(limited(), &[b"data: 12\n\n"]);
        assert_eq!(out.error, None);
        assert_eq!(out.events, [msg("12")]);
        let err = Some(SseError::LineTooLong { limit: 8 });
        // Complete line within a chunk.
        let out = run_with(limited(), &[b"data: a\n\ndata: 123\n\n"]);
        assert_eq!((out.events.as_slice(), out.error), (&[msg("a")][..], err));
        // Line growing across chunks, detected before the terminator arrives.
        let out = run_with(limited(), &[b"data: a\n\ndata", b": 12", b"3"]);
        assert_eq!((out.events.as_slice(), out.error), (&[msg("a")][..], err));
        // Comments count, too.
        let out = run_with(limited(), &[b": 12345678\n"]);
        assert_eq!(out.error, err);
        // Sticky until finish.
        let mut d = limited();
        assert_eq!(d.feed(b"123456789", |_| {}), Err(SseError::LineTooLong { limit: 8 }));
        assert_eq!(d.feed(b"\n\n", |_| {}), Err(SseError::LineTooLong { limit: 8 }));
        d.finish();
        let mut got = Vec::new();
        d.feed(b"data: ok\n\n", |e| got.push(e.to_event())).unwrap();
        assert_eq!(got, [msg("ok")]);
    }

    #[test]
    fn event_limit() {
        let limited = || SseDecoder::with_limits(100, 5);
        // 2 + 1 + 2 = 5 bytes: fine.
        let out = run_with(limited(), &[b"data: 12\ndata: 45\n\n"]);
        assert_eq!(out.error, None);
        assert_eq!(out.events, [msg("12\n45")]);
        let out = run_with(limited(), &[b"data: 12345\n\n"]);
        assert_eq!(out.events, [msg("12345")]);
        let err = Some(SseError::EventTooLarge { limit: 5 });
        let out = run_with(limited(), &[b"data: 123456\n\n"]);
        assert_eq!(out.error, err);
        let out = run_with(limited(), &[b"data: x\n\ndata: 123\n", b"data: 45\n\n"]);
        assert_eq!((out.events.as_slice(), out.error), (&[msg("x")][..], err));
        // Empty data lines count their LF.
        let out = run_with(limited(), &[b"data\ndata\ndata\ndata\ndata\ndata\ndata\n\n"]);
        assert_eq!(out.error, err);
        // The limit applies per event.
        let out = run_with(limited(), &[b"data: 1234\n\ndata: 1234\n\n"]);
        assert_eq!(out.error, None);
        assert_eq!(out.events.len(), 2);
    }

    #[test]
    fn default_limits() {
        let d = SseDecoder::new();
        assert_eq!((d.max_line(), d.max_event()), (DEFAULT_MAX_LINE, DEFAULT_MAX_EVENT));
        let mut input = b"data: ".to_vec();
        input.resize(DEFAULT_MAX_LINE, b'x');
        input.extend_from_slice(b"\n\n");
        assert_eq!(events(&input)[0].data.len(), DEFAULT_MAX_LINE - 6);
        input.insert(10, b'x');
        assert_eq!(run(&[&input]).error, Some(SseError::LineTooLong { limit: DEFAULT_MAX_LINE }));
    }

    // ---- WHATWG examples ----

    #[test]
    fn whatwg_examples() {
        assert_eq!(events_all_splits(b"data: YHOO\ndata: +2\ndata: 10\n\n"), [msg("YHOO\n+2\n10")]);
        let input = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n";
        assert_eq!(events_all_splits(input), [ev("message", "first event", "1"), msg("second event")]);
        assert_eq!(events_all_splits(b"data\n\ndata\ndata\n\ndata:"), [msg(""), msg("\n")]);
        assert_eq!(events_all_splits(b"data:test\n\ndata: test\n\n"), [msg("test"), msg("test")]);
        assert_eq!(
            events_all_splits(
                b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"
            ),
            [ev("add", "73857293", ""), ev("remove", "2153", ""), ev("add", "113411", "")]
        );
    }

    // ---- API details ----

    #[test]
    fn single_data_line_is_borrowed_from_input() {
        let input = b"data: {\"delta\":\"hi\"}\n\n";
        let range = input.as_ptr_range();
        let mut d = SseDecoder::new();
        let mut seen = 0;
        d.feed(input, |e| {
            assert_eq!(e.data, "{\"delta\":\"hi\"}");
            assert!(range.contains(&e.data.as_ptr()), "data was copied");
            seen += 1;
        })
        .unwrap();
        assert_eq!(seen, 1);
    }

    #[test]
    fn event_ref_conversions() {
        let e = ev("a", "b", "c");
        assert_eq!(Event::from(e.as_ref()), e);
        assert_eq!(e.as_ref().to_event(), e);
    }

    #[test]
    fn decode_all_works() {
        assert_eq!(
            decode_all(b"data: a\n\nid: 3\nevent: x\ndata: b\n\ndata: c").unwrap(),
            [msg("a"), ev("x", "b", "3")]
        );
        assert_eq!(decode_all(b"").unwrap(), []);
    }

    // ---- JSON lines ----

    /// A reader returning at most `n` bytes per read (and an `Interrupted` error once).
    struct Trickle<'a> {
        data: &'a [u8],
        n: usize,
        interrupted: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.interrupted {
                self.interrupted = true;
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.n.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn json_lines_format() {
        let input = [
            &b"retry: 2500\ndata: {\"a\":1}\n\nevent: custom\nid: 42\ndata: line1\n"[..],
            "data: \"q\" \u{e9}\\\n\n".as_bytes(),
            b"data: x\xFF\n\ndata: unterminated\n",
        ]
        .concat();
        let expected = concat!(
            r#"{"event":"message","data":"{\"a\":1}","id":""}"#,
            "\n",
            r#"{"event":"custom","data":"line1\n\"q\" é\\","id":"42"}"#,
            "\n",
            r#"{"event":"message","data":"x�","id":"42"}"#,
            "\n",
            r#"{"retry":2500}"#,
            "\n"
        );
        let mut out = Vec::new();
        decode_to_json_lines(&input[..], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        for n in [1, 2, 7] {
            let mut out = Vec::new();
            let reader = Trickle { data: &input, n, interrupted: false };
            decode_to_json_lines(reader, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "chunk size {n}");
        }
    }

    #[test]
    fn json_lines_without_retry_and_empty() {
        let mut out = Vec::new();
        decode_to_json_lines(&b"event: e\ndata\n\n"[..], &mut out).unwrap();
        assert_eq!(out, b"{\"event\":\"e\",\"data\":\"\",\"id\":\"\"}\n");
        let mut out = Vec::new();
        decode_to_json_lines(&b""[..], &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn json_lines_limit_error() {
        let mut input = b"data: ok\n\ndata: ".to_vec();
        input.resize(DEFAULT_MAX_LINE + 20, b'x');
        let mut out = Vec::new();
        let err = decode_to_json_lines(&input[..], &mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let inner = err.get_ref().unwrap().downcast_ref::<SseError>().unwrap();
        assert_eq!(*inner, SseError::LineTooLong { limit: DEFAULT_MAX_LINE });
        assert_eq!(out, b"{\"event\":\"message\",\"data\":\"ok\",\"id\":\"\"}\n");
    }

    // ---- reference model + property tests ----

    /// A direct, naive transcription of the WHATWG algorithm operating on the whole input.
    fn reference(input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let mut lines = Vec::new();
        let mut cur = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    lines.push(std::mem::take(&mut cur));
                }
                '\n' => lines.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        let partial = !cur.is_empty();
        let (mut data, mut event_type, mut id_buf, mut last_id) =
            (String::new(), String::new(), String::new(), String::new());
        let (mut retry, mut comments, mut events) = (None, 0, Vec::new());
        for line in lines {
            if line.is_empty() {
                last_id = id_buf.clone();
                if data.is_empty() {
                    event_type.clear();
                    continue;
                }
                if data.ends_with('\n') {
                    data.pop();
                }
                let event = if event_type.is_empty() { "message" } else { &event_type };
                events.push(ev(event, &data, &last_id));
                data.clear();
                event_type.clear();
            } else if line.starts_with(':') {
                comments += 1;
            } else {
                let (field, value) = line.split_once(':').unwrap_or((&line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "data" => {
                        data.push_str(value);
                        data.push('\n');
                    }
                    "event" => event_type = value.to_owned(),
                    "id" if !value.contains('\0') => id_buf = value.to_owned(),
                    "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                        retry = Some(value.parse::<u64>().unwrap_or(u64::MAX));
                    }
                    _ => {}
                }
            }
        }
        let bom_prefix = !input.is_empty() && input.len() < 3 && BOM.starts_with(input);
        Outcome {
            events,
            error: None,
            retry,
            last_id,
            comments,
            pending: partial || !data.is_empty() || !event_type.is_empty() || bom_prefix,
        }
    }

    fn split_at_points<'a>(input: &'a [u8], points: &[prop::sample::Index]) -> Vec<&'a [u8]> {
        let mut cuts: Vec<usize> = points.iter().map(|p| p.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut prev = 0;
        for cut in cuts {
            chunks.push(&input[prev..cut]); // may be empty: that is exercised on purpose
            prev = cut;
        }
        chunks.push(&input[prev..]);
        chunks
    }

    /// Text pieces: ASCII incl. ':' and spaces, non-ASCII, and invalid UTF-8 bytes.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                6 => "[a-z0-9 :{}\"]{0,6}".prop_map(String::into_bytes),
                2 => "[\u{e9}\u{2713}\u{65e5}\u{1F600}\u{FEFF}]{1,3}".prop_map(String::into_bytes),
                1 => prop_oneof![
                    Just(vec![0xFF]),
                    Just(vec![0xC3]),
                    Just(vec![0xE6, 0x97]),
                    Just(vec![0xED, 0xA0, 0x80]),
                    Just(vec![0xF0, 0x9F, 0x98]),
                    Just(vec![0x00]),
                ],
            ],
            0..4,
        )
        .prop_map(|v| v.concat())
    }

    fn with_prefix(prefix: &'static str) -> impl Strategy<Value = Vec<u8>> {
        text().prop_map(move |t| [prefix.as_bytes(), &t].concat())
    }

    fn sse_line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => with_prefix("data: "),
            2 => with_prefix("data:"),
            1 => with_prefix("data:  "),
            1 => Just(b"data".to_vec()),
            2 => with_prefix("event: "),
            1 => Just(b"event".to_vec()),
            2 => with_prefix("id: "),
            1 => Just(b"id".to_vec()),
            1 => "[0-9]{0,25}".prop_map(|d| format!("retry: {d}").into_bytes()),
            1 => "[0-9a-z +-]{0,4}".prop_map(|d| format!("retry:{d}").into_bytes()),
            2 => with_prefix(":"),
            1 => with_prefix("foo: "),
            1 => with_prefix(""),
            1 => Just(BOM.to_vec()),
            1 => prop::collection::vec(any::<u8>(), 0..6),
            6 => Just(Vec::new()),
        ]
    }

    fn sse_stream() -> impl Strategy<Value = Vec<u8>> {
        let eol = prop_oneof![Just(&b"\n"[..]), Just(&b"\r"[..]), Just(&b"\r\n"[..])];
        (any::<bool>(), prop::collection::vec((sse_line(), eol), 0..40), any::<bool>()).prop_map(
            |(bom, lines, drop_last_eol)| {
                let mut out = if bom { BOM.to_vec() } else { Vec::new() };
                let n = lines.len();
                for (i, (line, eol)) in lines.into_iter().enumerate() {
                    out.extend_from_slice(&line);
                    if !(drop_last_eol && i + 1 == n) {
                        out.extend_from_slice(eol);
                    }
                }
                out
            },
        )
    }

    /// Bytes biased towards the characters that matter to the parser.
    fn sse_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                3 => any::<u8>(),
                1 => prop::sample::select(&b"\r\n: dataeventidretry\xEF\xBB\xBF\x00"[..]),
            ],
            0..300,
        )
    }

    fn check_chunking(input: &[u8], points: &[prop::sample::Index]) -> Result<(), TestCaseError> {
        let whole = run(&[input]);
        prop_assert_eq!(&whole, &reference(input));
        let split = split_at_points(input, points);
        prop_assert_eq!(&run(&split), &whole);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&run(&bytes), &whole);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn prop_arbitrary_bytes_chunking_invariant(
            input in prop::collection::vec(any::<u8>(), 0..300),
            points in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            check_chunking(&input, &points)?;
        }

        #[test]
        fn prop_biased_bytes_chunking_invariant(
            input in sse_bytes(),
            points in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            check_chunking(&input, &points)?;
        }

        #[test]
        fn prop_realistic_stream_chunking_invariant(
            input in sse_stream(),
            points in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            check_chunking(&input, &points)?;
        }

        #[test]
        fn prop_limits_chunking_invariant(
            input in sse_stream(),
            points in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
            max_line in 0usize..24,
            max_event in 0usize..32,
        ) {
            let dec = || SseDecoder::with_limits(max_line, max_event);
            let whole = run_with(dec(), &[&input]);
            let split = split_at_points(&input, &points);
            prop_assert_eq!(&run_with(dec(), &split), &whole);
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            prop_assert_eq!(&run_with(dec(), &bytes), &whole);
            // Without an error, the limits must not change anything.
            if whole.error.is_none() {
                prop_assert_eq!(&whole, &reference(&input));
            } else {
                let reference = reference(&input);
                prop_assert!(whole.events.len() <= reference.events.len());
                prop_assert_eq!(&whole.events[..], &reference.events[..whole.events.len()]);
            }
        }

        #[test]
        fn prop_decode_all_matches_reference(input in sse_stream()) {
            prop_assert_eq!(decode_all(&input).unwrap(), reference(&input).events);
        }
    }
}
