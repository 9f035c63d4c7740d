//! Acknowledgement modes of a subscription.

/// The `ack` header of SUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AckMode {
    /// `auto` (the default): a message counts as acknowledged when it is sent.
    #[default]
    Auto,
    /// `client`: an ACK or NACK is cumulative; it covers that message and every earlier
    /// unacknowledged message of the subscription.
    Client,
    /// `client-individual`: an ACK or NACK covers that message only.
    ClientIndividual,
}

impl AckMode {
    /// The header value: `auto`, `client` or `client-individual`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Client => "client",
            Self::ClientIndividual => "client-individual",
        }
    }

    /// The mode named `text`, or `None`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "auto" => Some(Self::Auto),
            "client" => Some(Self::Client),
            "client-individual" => Some(Self::ClientIndividual),
            _ => None,
        }
    }
}
