//! E-mail over SMTP (lettre, rustls with ring). Each message is `multipart/alternative` with
//! a UTF-8 text part and an HTML part; non-ASCII headers are RFC 2047 encoded by lettre. The
//! Message-ID carries the notification id so a message can be traced at the mail server
//! without logging its recipient.

use super::templates::Rendered;
use super::{SendError, SmtpConfig, SmtpTls};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `host:port`, for error messages.
    server: String,
}

impl Mailer {
    pub fn new(config: &SmtpConfig, timeout: Duration) -> Result<Mailer, String> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("the From address is invalid: {e}"))?;
        let builder = match config.tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| format!("SMTP TLS setup failed: {e}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| format!("SMTP TLS setup failed: {e}"))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        };
        let mut builder = builder.port(config.port).timeout(Some(timeout));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            server: format!("{}:{}", config.host, config.port),
        })
    }

    /// Sends one message. Returns the server's acceptance line (e.g. `2.0.0 Ok: queued as …`).
    pub async fn send(
        &self,
        notification_id: &str,
        to: &str,
        rendered: &Rendered,
    ) -> Result<Option<String>, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::permanent("the recipient address is invalid"))?;
        let domain = self.from.email.domain().to_string();
        let html = rendered.html.clone().unwrap_or_default();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject.clone())
            .message_id(Some(format!("<{notification_id}@{domain}>")))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text.clone(),
                html,
            ))
            .map_err(|e| SendError::permanent(format!("could not build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(response) => Ok(response
                .message()
                .next()
                .map(|line| super::safe_detail(line).chars().take(200).collect())),
            Err(e) => {
                let detail = format!("SMTP {}: {e}", self.server);
                if e.is_permanent() {
                    Err(SendError::permanent(detail))
                } else {
                    Err(SendError::transient(detail))
                }
            }
        }
    }
}
