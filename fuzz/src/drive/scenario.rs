//! What one fuzzed scenario is made of (how the connection starts, the operations, the
//! server's decision, how reads are handed over) and what running it records.

use sansocket::deflate::DeflateParams;
use sansocket::{ClientRequest, Config, Event, SeededEntropy, State};

/// How the connection is created.
#[derive(Clone, Debug)]
pub enum Start {
    /// `Connection::server`: reads the upgrade request first.
    Server,
    /// `Connection::client` with this request.
    Client(ClientRequest),
    /// `Connection::open_server`, with permessage-deflate if given.
    OpenServer(Option<DeflateParams>),
    /// `Connection::open_client`, with permessage-deflate if given.
    OpenClient(Option<DeflateParams>),
}

impl Start {
    /// True for the client roles (their frames are masked).
    pub fn is_client(&self) -> bool {
        matches!(self, Self::Client(_) | Self::OpenClient(_))
    }
}

/// One step of a scenario.
#[derive(Clone, Debug)]
pub enum Op {
    /// Bytes from the peer.
    Data(Vec<u8>),
    /// Something the application does.
    Act(Action),
    /// The peer closed the transport.
    Eof,
}

/// An application action.
#[derive(Clone, Debug)]
pub enum Action {
    /// `send_text`.
    Text(String),
    /// `send_binary`.
    Binary(Vec<u8>),
    /// `send_fragment(Text, ..)`: `text` is appended to what earlier fragments held back
    /// and the result is cut at byte `cut` (maybe inside a character), the rest held back
    /// for the next fragment; with `fin` everything is sent.
    TextFragment {
        /// New text.
        text: String,
        /// Where to cut.
        cut: usize,
        /// Last fragment.
        fin: bool,
    },
    /// `send_fragment(Binary, ..)`.
    BinaryFragment(Vec<u8>, bool),
    /// `ping`.
    Ping(Vec<u8>),
    /// `pong`.
    Pong(Vec<u8>),
    /// `close`.
    Close(u16, String),
    /// `accept` outside of a pending request.
    Accept,
    /// `reject` outside of a pending request.
    Reject(u16),
}

/// What a server does with a request: two fuzz bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decision {
    /// Low 2 bits: 0 accept, 1 accept with an offered subprotocol, 2 misuse then reject,
    /// 3 reject.
    pub kind: u8,
    /// Picks the subprotocol or the status.
    pub index: u8,
}

/// A whole scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Role and opening.
    pub start: Start,
    /// Limits and switches.
    pub config: Config,
    /// The answer to a request (server).
    pub decision: Decision,
    /// The steps.
    pub ops: Vec<Op>,
}

/// How data steps are handed to `receive_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Consecutive data steps merged into one call.
    Coalesced,
    /// One call per data step.
    AsGiven,
    /// One call per byte.
    Bytewise,
    /// Each data step read into the engine's buffer (`take_read_buffer`, then
    /// `give_read_buffer`), events drained after each read: reads as big as the room
    /// offered with `0`, else of sizes drawn from this seed (1 byte up to the room).
    ReadBuffer(u64),
    /// Each data step cut into reads of sizes drawn from this seed, each read handed over
    /// as the Python binding's hosts do: whole frames taken straight from it
    /// (`receive_whole_frames`, text refused unless UTF-8), a frame the engine holds the
    /// start of finished with exactly its bytes (`frame_rest`), the rest to `receive_data`.
    WholeFrames(u64),
}

/// One thing that happened, in a form that can be compared across runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `Request`, `Accepted` or `Rejected`.
    Handshake(Event),
    /// A text message.
    Text(Vec<u8>),
    /// A binary message.
    Binary(Vec<u8>),
    /// A chunk: (text?, data, fin).
    Chunk(bool, Vec<u8>, bool),
    /// A ping.
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// A close frame: code and reason.
    Close(u16, String),
    /// An error: name, close code, HTTP status.
    Error(String, Option<u16>, Option<u16>),
    /// An action and its result.
    Action(String, Result<(), String>),
    /// The transport closed.
    Eof,
}

/// How the server's handshake ended, as seen in the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Nothing answered (client, open connection, or still reading).
    None,
    /// `101` for a request with this key.
    Accepted(String),
    /// An HTTP error with this status.
    Refused(u16),
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct Run {
    /// Events, errors and action results, in order.
    pub entries: Vec<Entry>,
    /// Everything `data_to_send` returned, concatenated.
    pub output: Vec<u8>,
    /// The messages and control frames the application queued successfully, as the peer
    /// should decode them.
    pub sent: Vec<Entry>,
    /// The server's answer.
    pub response: Response,
    /// Offset in `output` and bytes queued when a protocol error was returned, with its
    /// close code.
    pub error_close: Option<(usize, u16, Vec<u8>)>,
    /// Final state.
    pub state: State,
    /// Final `should_close_transport`.
    pub close_transport: bool,
    /// The permessage-deflate parameters in use.
    pub deflate: Option<DeflateParams>,
}

/// The client's deterministic entropy: the RFC 6455 §1.3 sample nonce for the key, then
/// SplitMix64 for the mask keys.
pub fn entropy() -> impl FnMut(&mut [u8]) + Send + 'static {
    let mut keys = SeededEntropy::new(0x5eed);
    move |buf: &mut [u8]| {
        if buf.len() == 16 {
            buf.copy_from_slice(b"the sample nonce");
        } else {
            sansocket::Entropy::fill(&mut keys, buf);
        }
    }
}

/// The request every fuzzed client sends.
pub fn client_request() -> ClientRequest {
    let mut request = ClientRequest::new("example.com", "/chat")
        .origin("http://example.com")
        .subprotocol("chat")
        .subprotocol("superchat");
    // Another extension the server may answer with; permessage-deflate is offered by the
    // engine itself when `Config::deflate` is set.
    request.extensions.push("x-fuzz; a=1".to_owned());
    request
}
