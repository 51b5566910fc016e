//! The drill's HTTP client: plain HTTP/1.1 over loopback (hyper-util's pooled client), the
//! portal's session cookie, CSRF header and `Origin`. It knows nothing of enrollments; it only
//! tells apart an answer (any status) from a lost one ([`Error::Transport`]: the connection
//! broke, typically because the server was killed mid-request) and from a call that never
//! left ([`Error::Unreachable`]: nothing listens, the server is restarting).

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::Error;

/// How long one exchange may take before it counts as lost: far above any healthy answer, so
/// only a hung server trips it.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// One portal's base address and a connection pool to it. Cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    origin: String,
}

/// A logged-in account: the cookie's value and the session's CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    /// The `kunci_session` cookie's value.
    pub cookie: String,
    /// The `X-CSRF-Token` every state-changing call carries.
    pub csrf: String,
}

/// One answer from the portal.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The raw body.
    pub body: Bytes,
    /// The `Set-Cookie` header, when there is one.
    pub set_cookie: Option<String>,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The portal's error code (`token.used`, …), or `""`.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// True for 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What a call sends besides its method and path.
#[derive(Default)]
pub struct Body<'a> {
    /// The session (cookie, and the CSRF header on anything but GET).
    pub session: Option<&'a Session>,
    /// `Content-Type` and bytes.
    pub content: Option<(&'a str, Vec<u8>)>,
    /// One more header (the document's `X-File-Name`).
    pub header: Option<(&'a str, &'a str)>,
}

impl Http {
    /// A client for the portal at `origin` (`http://127.0.0.1:PORT`).
    pub fn new(origin: &str) -> Http {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Http {
            client,
            origin: origin.to_owned(),
        }
    }

    /// The base address.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// One exchange. `Err(Transport)` means the answer was lost: the call may or may not have
    /// taken effect.
    pub async fn call(&self, method: Method, path: &str, body: Body<'_>) -> Result<Answer, Error> {
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.origin))
            .header("origin", &self.origin);
        if let Some(s) = body.session {
            builder = builder.header("cookie", format!("kunci_session={}", s.cookie));
            if method != Method::GET {
                builder = builder.header("x-csrf-token", &s.csrf);
            }
        }
        if let Some((name, value)) = body.header {
            builder = builder.header(name, value);
        }
        let bytes = match body.content {
            Some((content_type, bytes)) => {
                builder = builder.header("content-type", content_type);
                bytes
            }
            None => Vec::new(),
        };
        let request = builder
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| Error::Transport(format!("building {path}: {e}")))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if e.is_connect() {
                    Error::Unreachable(format!("{path}: {e}"))
                } else {
                    Error::Transport(format!("{path}: {e}"))
                }
            })?;
            let status = response.status().as_u16();
            let set_cookie = response
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| Error::Transport(format!("{path}: reading the answer: {e}")))?
                .to_bytes();
            Ok(Answer {
                status,
                body,
                set_cookie,
            })
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .map_err(|_| Error::Transport(format!("{path}: no answer in 30 s")))?
    }

    /// GET under an optional session.
    pub async fn get(&self, path: &str, session: Option<&Session>) -> Result<Answer, Error> {
        let body = Body {
            session,
            ..Body::default()
        };
        self.call(Method::GET, path, body).await
    }

    /// POST a JSON body under `session`.
    pub async fn post_json(
        &self,
        path: &str,
        session: Option<&Session>,
        json: &Value,
    ) -> Result<Answer, Error> {
        let body = Body {
            session,
            content: Some(("application/json", json.to_string().into_bytes())),
            header: None,
        };
        self.call(Method::POST, path, body).await
    }

    /// `POST /api/login`: the session, or the refusal's code.
    pub async fn login(&self, login: &str, password: &str) -> Result<Session, Error> {
        let answer = self
            .post_json(
                "/api/login",
                None,
                &serde_json::json!({"login": login, "password": password}),
            )
            .await?;
        if answer.status != 200 {
            return Err(Error::Refused {
                step: "login",
                status: answer.status,
                code: answer.code(),
            });
        }
        let cookie = answer
            .set_cookie
            .as_deref()
            .and_then(|c| c.split(';').next())
            .and_then(|c| c.strip_prefix("kunci_session="))
            .map(str::to_owned);
        let csrf = answer.json()["csrf_token"].as_str().map(str::to_owned);
        match (cookie, csrf) {
            (Some(cookie), Some(csrf)) => Ok(Session { cookie, csrf }),
            _ => Err(Error::Protocol(
                "login answered 200 without a session cookie or CSRF token".into(),
            )),
        }
    }
}
