//! The webhook transport: one HTTPS POST per attempt, to an address checked after resolving
//! (so a host name cannot be pointed at the private network after the webhook was saved), with
//! the connection pinned to the checked address, no redirects, and a 10 s timeout.

use baton_app::admin::webhooks::{WebhookTransport, is_public};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

/// Sends webhook requests with `reqwest` (rustls).
pub struct HttpTransport;

impl WebhookTransport for HttpTransport {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(String, String)>,
        body: String,
        allow_private_network: bool,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + 'a>> {
        Box::pin(async move {
            let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
            if parsed.scheme() != "https" && !allow_private_network {
                return Err("refused: only https without allowPrivateNetwork".to_owned());
            }
            let host = parsed.host_str().ok_or("bad URL: no host")?.trim_matches(['[', ']']).to_owned();
            let port = parsed.port_or_known_default().ok_or("bad URL: no port")?;
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("resolving {host}: {e}"))?
                .collect();
            if addrs.is_empty() {
                return Err(format!("resolving {host}: no address"));
            }
            if !allow_private_network && addrs.iter().any(|a| !is_public(a.ip())) {
                return Err(format!("refused: {host} resolves to a private, loopback or link-local address"));
            }
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .resolve_to_addrs(&host, &addrs)
                .build()
                .map_err(|e| format!("HTTP client: {e}"))?;
            let mut req = client.post(parsed).body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let resp = req.send().await.map_err(|e| format!("sending: {e}"))?;
            Ok(resp.status().as_u16())
        })
    }
}
