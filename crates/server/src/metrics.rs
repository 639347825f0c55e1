//! A few Prometheus counters, rendered by hand (no exporter dependency needed for counters).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    requests: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn error(&self, code: &str) {
        if let Ok(mut m) = self.errors.lock() {
            *m.entry(code.to_owned()).or_default() += 1;
        }
    }

    pub fn render(&self) -> String {
        let mut s = String::from(
            "# HELP baton_graphql_requests_total GraphQL HTTP requests received.\n# TYPE baton_graphql_requests_total counter\n",
        );
        s.push_str(&format!("baton_graphql_requests_total {}\n", self.requests.load(Ordering::Relaxed)));
        s.push_str("# HELP baton_graphql_errors_total GraphQL errors returned, by extensions.code.\n# TYPE baton_graphql_errors_total counter\n");
        if let Ok(m) = self.errors.lock() {
            for (code, n) in m.iter() {
                s.push_str(&format!("baton_graphql_errors_total{{code=\"{code}\"}} {n}\n"));
            }
        }
        s
    }
}
