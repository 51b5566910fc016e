//! E-mail notices over SMTP (`kunci-ams serve --smtp-url smtp://host:port`), the
//! [`crate::portal::Mailer`] the portal uses when one is configured. The inbox in the portal
//! always has the same notices; mail is the copy that reaches the holder outside it.
//!
//! Plain SMTP to a relay (an intranet relay or a local `postfix`, as government offices run
//! them), optionally with credentials in the URL (`smtp://user:pass@host:587`). The
//! credentials are never logged; a failed send is logged by the portal with the server's
//! error and the notice stays in the inbox.

use std::future::Future;
use std::pin::Pin;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{Error, Result};
use crate::portal::Mailer;

/// Sends through one SMTP server.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Smtp {
    // The transport holds the credentials: show only where mail goes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Smtp {
    /// `url`: `smtp://[user:password@]host[:port]` (port 25 when absent); `from`: the sender
    /// address (`"kunci AMS <ams@example.go.id>"` or a bare address).
    pub fn new(url: &str, from: &str) -> Result<Smtp> {
        let bad = |why: &'static str| Error::BadRequest(why);
        let rest = url
            .strip_prefix("smtp://")
            .ok_or(bad("the SMTP URL must start with smtp://"))?;
        let (auth, host_port) = match rest.rsplit_once('@') {
            Some((auth, hp)) => (Some(auth), hp),
            None => (None, rest),
        };
        let host_port = host_port.trim_end_matches('/');
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| bad("the SMTP port is not a number"))?,
            ),
            None => (host_port, 25),
        };
        if host.is_empty() {
            return Err(bad("the SMTP URL has no host"));
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port);
        if let Some(auth) = auth {
            let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
            builder = builder.credentials(Credentials::new(user.to_owned(), pass.to_owned()));
        }
        let from: Mailbox = from
            .parse()
            .map_err(|_| bad("the sender address (--mail-from) is not an e-mail address"))?;
        Ok(Smtp {
            transport: builder.build(),
            from,
            server: format!("{host}:{port}"),
        })
    }
}

impl Mailer for Smtp {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let to: Mailbox = to.parse().map_err(|_| Error::Internal {
                detail: "a holder's e-mail address is not valid".into(),
            })?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_owned())
                .map_err(|e| Error::Internal {
                    detail: format!("building an e-mail: {e}"),
                })?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| Error::Internal {
                    detail: format!("sending an e-mail through {}: {e}", self.server),
                })
        })
    }
}
