//! Typed settings: built-in defaults < config/<environment>.toml < FURUSATO__SECTION__KEY, validated once.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroize;

use crate::crypto::sealed::{Keyring, KeyringError, DEVELOPMENT_KEY};
use crate::domain::money::BasisPoints;

const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: String,
    pub demo: bool,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub municipality: MunicipalitySettings,
    pub auth: AuthSettings,
    pub bootstrap: BootstrapSettings,
    pub payment: PaymentSettings,
    pub donors: DonorSettings,
    pub donations: DonationSettings,
    pub vouchers: VoucherSettings,
    pub catalogue: CatalogueSettings,
    pub costs: CostSettings,
    pub targets: TargetSettings,
    pub email: EmailSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub one_stop: OneStopSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub upload_limit_bytes: usize,
    pub cors_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges); empty: none, the
    /// socket peer is the client.
    #[serde(deserialize_with = "ip_ranges")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where donors reach the service (links in emails), without a trailing slash.
    pub public_url: String,
}

/// Addresses (`10.0.0.5`, a range of one) or CIDR ranges (`10.0.0.0/8`).
fn ip_ranges<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    texts
        .iter()
        .map(|t| {
            let t = t.trim();
            t.parse::<ipnet::IpNet>()
                .or_else(|_| t.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("not an address or CIDR range: {t}")))
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// May hold a password, so it never reaches `Debug` output.
    pub url: SecretString,
    pub pool_size: u32,
    pub sqlite_busy_timeout_ms: u32,
    pub connection_timeout_ms: u64,
    /// How long the readiness probe waits for a connection, in milliseconds.
    pub ready_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MunicipalitySettings {
    pub name: String,
    /// The name on the English pages.
    pub name_en: String,
    pub prefecture: String,
    pub city: String,
    pub code: String,
    pub head_title: String,
    pub head_name: String,
    pub address: String,
    pub department: String,
    pub contact_phone: String,
    pub contact_email: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub token_ttl_hours: i64,
    /// Failed sign-ins on one account from one client before each further one doubles the wait.
    pub free_failures_per_client: i64,
    /// Failed sign-ins on one account from all clients together before clients that have failed
    /// on it wait too (a guesser spread over many addresses).
    pub free_failures_per_account: i64,
    pub slowdown_base_seconds: i64,
    pub slowdown_cap_seconds: i64,
    /// Failures are forgotten after this long without another.
    pub failure_memory_seconds: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

impl AuthSettings {
    pub fn sign_in_policy(&self) -> crate::domain::sign_in::SignInPolicy {
        use crate::domain::sign_in::{SignInPolicy, Slowdown};
        let slowdown = |free_failures| Slowdown {
            free_failures,
            base_seconds: self.slowdown_base_seconds,
            cap_seconds: self.slowdown_cap_seconds,
        };
        SignInPolicy {
            per_client: slowdown(self.free_failures_per_client),
            per_account: slowdown(self.free_failures_per_account),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BootstrapSettings {
    pub admin_email: String,
    pub admin_password: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentSettings {
    /// `test` (the built-in test provider; never in production) or `none` (offline payment only).
    pub provider: String,
    pub webhook_secret: SecretString,
    pub signature_tolerance_seconds: i64,
    pub hold_minutes: i64,
    pub sweep_interval_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DonorSettings {
    pub sign_in_link_minutes: i64,
    pub sign_in_links_per_email: i64,
    pub sign_in_requests_per_address: i64,
    pub session_minutes: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DonationSettings {
    pub minimum_amount: i64,
    pub maximum_amount: i64,
    pub max_quantity: i32,
    pub access_token_secret: SecretString,
    pub organization_share_basis_points: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VoucherSettings {
    pub ratio_basis_points: u32,
    pub tiers: Vec<i64>,
    pub validity_days: u32,
    pub code_secret: SecretString,
    pub max_unknown_lookups: i64,
    pub lookup_window_seconds: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CatalogueSettings {
    pub prohibited_words: Vec<String>,
    pub version_check_ms: u64,
    pub cache_max_age_seconds: u64,
    /// Largest gift picture accepted, in bytes.
    pub image_max_bytes: usize,
    /// Four eyes: a gift's basis is approved by someone other than the one who submitted it.
    pub approver_must_differ: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CostSettings {
    /// The payment provider's fee on card payments, in basis points.
    pub card_fee_basis_points: u32,
    /// Each portal's fee on the donations imported from it.
    pub portal_fees: Vec<PortalFee>,
    /// The fee of a portal not listed in `portal_fees`.
    pub default_portal_fee_basis_points: u32,
    /// The cost report warns from this share of the year's donations (the limit is 5000).
    pub warning_basis_points: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PortalFee {
    pub channel: String,
    pub basis_points: u32,
}

impl CostSettings {
    /// The fee rate of an import channel.
    pub fn portal_fee(&self, channel: &str) -> crate::domain::money::BasisPoints {
        let bp = self
            .portal_fees
            .iter()
            .find(|f| f.channel == channel)
            .map_or(self.default_portal_fee_basis_points, |f| f.basis_points);
        crate::domain::money::BasisPoints(bp)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TargetSettings {
    pub defaults: Vec<TargetDefault>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TargetDefault {
    pub fiscal_year: i32,
    pub amount: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmailSettings {
    pub transport: String,
    pub file_dir: String,
    pub smtp_url: String,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub smtp_timeout_seconds: u64,
    pub from: String,
    pub max_attempts: i32,
    pub base_backoff_seconds: i64,
    pub max_backoff_seconds: i64,
    pub poll_interval_ms: u64,
    pub worker_enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: String,
    pub level: String,
}

/// `GET /metrics`, never public by default: with neither set there is no such route.
#[derive(Debug, Clone, Deserialize)]
pub struct MetricsSettings {
    /// On the service's own address, only with `Authorization: Bearer <token>`.
    pub bearer_token: SecretString,
    /// A separate address (`127.0.0.1:9464`, or a private network's) serving `/metrics` without
    /// a token; only the operator's network should reach it.
    pub listen: String,
}

/// ワンストップ特例 applications: the keys that seal My Numbers at rest, and how long one is kept.
#[derive(Debug, Clone, Deserialize)]
pub struct OneStopSettings {
    /// The id (in `my_number_keys`) of the key that seals new My Numbers. Lowercase: the
    /// configuration reads every key name, and so every key id, in lowercase.
    pub my_number_key_id: String,
    /// Key id → standard base64 of 32 random bytes (AES-256). Every listed key opens the values
    /// sealed under it, so a key is rotated by adding a new one and making it current; the old
    /// one stays listed until no row names it. Secrets: never in `Debug` output.
    pub my_number_keys: BTreeMap<String, SecretString>,
    /// A My Number is deleted this many days after its application was received.
    pub my_number_retention_days: i64,
}

impl OneStopSettings {
    /// The keyring of these settings. In `production` the public development key is left out,
    /// so that nothing sealed with it opens there (the merged defaults still list it).
    pub fn keyring(&self, production: bool) -> Result<Keyring, KeyringError> {
        let mut keys: BTreeMap<String, String> = self
            .my_number_keys
            .iter()
            .filter(|(_, key)| !production || key.expose_secret().trim() != DEVELOPMENT_KEY)
            .map(|(id, key)| (id.clone(), key.expose_secret().to_owned()))
            .collect();
        let ring = Keyring::from_settings(&self.my_number_key_id, &keys);
        // The plain copies made for the keyring are wiped.
        keys.values_mut().for_each(Zeroize::zeroize);
        ring
    }
}

/// The longest My Number retention accepted, in days (100 years).
const MAX_RETENTION_DAYS: i64 = 36_500;

/// A setting that stops the service, with the key it concerns.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `{key}`: {problem}")]
pub struct SettingError {
    pub key: String,
    pub problem: String,
}

fn bad(key: &str, problem: impl Into<String>) -> SettingError {
    SettingError {
        key: key.to_owned(),
        problem: problem.into(),
    }
}

/// A count or a duration that must be at least 1.
fn at_least_one(key: &str, value: impl Into<i128>) -> Result<(), SettingError> {
    let value: i128 = value.into();
    if value < 1 {
        return Err(bad(key, "must be at least 1"));
    }
    Ok(())
}

impl Settings {
    /// Loads the layered configuration from the process environment.
    pub fn load() -> Result<Settings, SettingError> {
        let environment =
            std::env::var("FURUSATO_ENVIRONMENT").unwrap_or_else(|_| "development".to_owned());
        let dir = std::env::var("FURUSATO_CONFIG_DIR").unwrap_or_else(|_| "config".to_owned());
        let builder = config::Config::builder()
            .add_source(config::File::from_str(
                DEFAULT_TOML,
                config::FileFormat::Toml,
            ))
            .add_source(config::File::with_name(&format!("{dir}/{environment}")).required(false))
            .add_source(
                config::Environment::with_prefix("FURUSATO")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("server.cors_origins")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("vouchers.tiers")
                    .with_list_parse_key("catalogue.prohibited_words"),
            );
        Self::from_builder(builder)
    }

    /// The built-in defaults only, with `overrides` applied (tests and tools).
    pub fn defaults_with(overrides: &[(&str, config::Value)]) -> Result<Settings, SettingError> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        for (key, value) in overrides {
            builder = builder
                .set_override(*key, value.clone())
                .map_err(|e| bad(key, e.to_string()))?;
        }
        Self::from_builder(builder)
    }

    fn from_builder(
        builder: config::ConfigBuilder<config::builder::DefaultState>,
    ) -> Result<Settings, SettingError> {
        let settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| bad(&key_of(&e), e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Production: real secrets, secure cookies, no test payment provider.
    pub fn is_production(&self) -> bool {
        self.environment == "production"
    }

    /// Checks what types alone cannot; the first problem names its key.
    pub fn validate(&self) -> Result<(), SettingError> {
        let production = match self.environment.as_str() {
            "development" => false,
            "production" => true,
            _ => return Err(bad("environment", "must be development or production")),
        };
        let metrics_token = self.metrics.bearer_token.expose_secret();
        if !metrics_token.is_empty() && metrics_token.chars().count() < 32 {
            return Err(bad(
                "metrics.bearer_token",
                "must be at least 32 characters",
            ));
        }
        if !self.metrics.listen.is_empty()
            && self.metrics.listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(bad(
                "metrics.listen",
                "must be an address and port, e.g. 127.0.0.1:9464",
            ));
        }
        let url = self.database.url.expose_secret();
        if !(url.starts_with("sqlite://")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(bad(
                "database.url",
                "must start with sqlite:// or postgres://",
            ));
        }
        at_least_one("database.pool_size", self.database.pool_size)?;
        if self.auth.token_ttl_hours <= 0 {
            return Err(bad("auth.token_ttl_hours", "must be positive"));
        }
        if self.auth.argon2_memory_kib < 19456
            || self.auth.argon2_iterations < 2
            || self.auth.argon2_parallelism < 1
        {
            return Err(bad(
                "auth.argon2_memory_kib",
                "Argon2id cost below OWASP's minimum (m=19456 KiB, t=2, p=1)",
            ));
        }
        if self.auth.free_failures_per_client < 1 || self.auth.free_failures_per_account < 1 {
            return Err(bad("auth.free_failures_per_client", "must be at least 1"));
        }
        if self.auth.slowdown_base_seconds < 1
            || self.auth.slowdown_cap_seconds < self.auth.slowdown_base_seconds
        {
            return Err(bad(
                "auth.slowdown_cap_seconds",
                "base must be at least 1 and the cap at least the base",
            ));
        }
        if self.auth.failure_memory_seconds < self.auth.slowdown_cap_seconds {
            return Err(bad(
                "auth.failure_memory_seconds",
                "must be at least the slowdown cap",
            ));
        }
        at_least_one(
            "payment.signature_tolerance_seconds",
            self.payment.signature_tolerance_seconds,
        )?;
        match (self.payment.provider.as_str(), production) {
            ("test", true) => {
                return Err(bad(
                    "payment.provider",
                    "the test provider takes no money and is refused in production",
                ))
            }
            ("test" | "none", _) => {}
            _ => return Err(bad("payment.provider", "must be test or none")),
        }
        let url = &self.server.public_url;
        let scheme_ok = url.starts_with("https://") || (!production && url.starts_with("http://"));
        if !scheme_ok || url.ends_with('/') {
            return Err(bad(
                "server.public_url",
                "must be the service's address without a trailing slash (https:// in production)",
            ));
        }
        let d = &self.donors;
        if [
            d.sign_in_link_minutes,
            d.sign_in_links_per_email,
            d.sign_in_requests_per_address,
            d.session_minutes,
        ]
        .iter()
        .any(|v| *v < 1)
        {
            return Err(bad("donors", "every donors.* value must be at least 1"));
        }
        at_least_one("payment.hold_minutes", self.payment.hold_minutes)?;
        if self.donations.minimum_amount < 1
            || self.donations.maximum_amount < self.donations.minimum_amount
        {
            return Err(bad(
                "donations.minimum_amount",
                "must be at least 1 and not above donations.maximum_amount",
            ));
        }
        at_least_one("donations.max_quantity", self.donations.max_quantity)?;
        if self.donations.organization_share_basis_points > 10_000 {
            return Err(bad(
                "donations.organization_share_basis_points",
                "must be between 0 and 10000",
            ));
        }
        if self.vouchers.ratio_basis_points == 0 || self.vouchers.ratio_basis_points > 3000 {
            return Err(bad(
                "vouchers.ratio_basis_points",
                "must be between 1 and 3000 (30%)",
            ));
        }
        if self.vouchers.tiers.is_empty() || self.vouchers.tiers.iter().any(|t| *t <= 0) {
            return Err(bad("vouchers.tiers", "must list positive yen amounts"));
        }
        at_least_one("vouchers.validity_days", self.vouchers.validity_days)?;
        let voucher_secret = ("vouchers.code_secret", &self.vouchers.code_secret);
        let webhook_secret = ("payment.webhook_secret", &self.payment.webhook_secret);
        let access_secret = (
            "donations.access_token_secret",
            &self.donations.access_token_secret,
        );
        for (key, secret) in [voucher_secret, access_secret, webhook_secret] {
            if secret.expose_secret().len() < 16 {
                return Err(bad(key, "must be at least 16 characters"));
            }
        }
        // The defaults' secrets start with "dev-": they are public.
        for (key, secret) in [webhook_secret, voucher_secret] {
            if production && secret.expose_secret().starts_with("dev-") {
                return Err(bad(
                    key,
                    "the development secret cannot be used in production",
                ));
            }
        }
        self.validate_one_stop(production)?;
        let c = &self.costs;
        if c.card_fee_basis_points > 10_000
            || c.default_portal_fee_basis_points > 10_000
            || c.portal_fees.iter().any(|f| f.basis_points > 10_000)
        {
            return Err(bad(
                "costs",
                "fee rates must be between 0 and 10000 basis points",
            ));
        }
        if !(1..=5000).contains(&c.warning_basis_points) {
            return Err(bad(
                "costs.warning_basis_points",
                "must be between 1 and 5000 (the 50% limit)",
            ));
        }
        for t in &self.targets.defaults {
            if t.amount <= 0 {
                return Err(bad("targets.defaults", "amounts must be positive"));
            }
        }
        if !matches!(self.email.transport.as_str(), "file" | "smtp") {
            return Err(bad("email.transport", "must be file or smtp"));
        }
        if self.email.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(bad(
                "email.from",
                "must be a mailbox such as Name <addr@example.jp>",
            ));
        }
        at_least_one("email.max_attempts", self.email.max_attempts)?;
        if self.email.base_backoff_seconds < 0
            || self.email.max_backoff_seconds < self.email.base_backoff_seconds
        {
            return Err(bad(
                "email.base_backoff_seconds",
                "must be non-negative and not above email.max_backoff_seconds",
            ));
        }
        if self.email.transport == "smtp" {
            if let Err(problem) = crate::email::transport::parse_smtp_url(&self.email.smtp_url) {
                return Err(bad("email.smtp_url", problem));
            }
        }
        at_least_one("email.poll_interval_ms", self.email.poll_interval_ms)?;
        at_least_one(
            "email.smtp_timeout_seconds",
            self.email.smtp_timeout_seconds,
        )?;
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(bad("log.format", "must be pretty or json"));
        }
        Ok(())
    }

    /// The My Number keyring must build, and production must not seal with the public
    /// development key (by its id or its bytes).
    fn validate_one_stop(&self, production: bool) -> Result<(), SettingError> {
        let o = &self.one_stop;
        if o.my_number_key_id != o.my_number_key_id.to_lowercase() {
            return Err(bad(
                "one_stop.my_number_key_id",
                "must be lowercase: key ids are read in lowercase from the configuration",
            ));
        }
        let ring = o.keyring(false).map_err(|e| {
            let key = match &e {
                KeyringError::MissingCurrentKey(_) => "one_stop.my_number_key_id",
                _ => "one_stop.my_number_keys",
            };
            bad(key, e.to_string())
        })?;
        if production && ring.is_development() {
            return Err(bad(
                "one_stop.my_number_key_id",
                "the development key cannot seal My Numbers in production: add a key of 32 random \
                 bytes (FURUSATO__ONE_STOP__MY_NUMBER_KEYS__<ID>=<base64>) and make it current \
                 (FURUSATO__ONE_STOP__MY_NUMBER_KEY_ID=<id>)",
            ));
        }
        if !(0..=MAX_RETENTION_DAYS).contains(&o.my_number_retention_days) {
            return Err(bad(
                "one_stop.my_number_retention_days",
                format!("must be between 0 and {MAX_RETENTION_DAYS} days"),
            ));
        }
        Ok(())
    }

    pub fn voucher_ratio(&self) -> BasisPoints {
        BasisPoints(self.vouchers.ratio_basis_points)
    }

    pub fn default_target(&self, fiscal_year: i32) -> Option<i64> {
        self.targets
            .defaults
            .iter()
            .find(|t| t.fiscal_year == fiscal_year)
            .map(|t| t.amount)
    }
}

/// The key a config error is about, when the config crate names one.
fn key_of(error: &config::ConfigError) -> String {
    let text = error.to_string();
    // config's messages end with "for key `a.b`" or "missing field `x`".
    for marker in ["for key `", "missing field `"] {
        if let Some(start) = text.find(marker) {
            let rest = &text[start + marker.len()..];
            if let Some(end) = rest.find('`') {
                return rest[..end].to_owned();
            }
        }
    }
    "configuration".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_defaults_are_valid() {
        let s = Settings::defaults_with(&[]).expect("defaults load");
        assert_eq!(s.municipality.code, "131091");
        assert_eq!(s.default_target(2025), Some(120_000_000));
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = Settings::defaults_with(&[("vouchers.ratio_basis_points", 3500.into())])
            .expect_err("30% cap");
        assert_eq!(err.key, "vouchers.ratio_basis_points");
        let err = Settings::defaults_with(&[("server.port", "eighty".into())]).expect_err("port");
        assert!(err.to_string().contains("server.port"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let list = config::Value::from(vec!["10.0.0.5", "10.1.0.0/16", "::1"]);
        let s = Settings::defaults_with(&[("server.trusted_proxies", list)]).expect("valid");
        let shown: Vec<String> = s
            .server
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(shown, ["10.0.0.5/32", "10.1.0.0/16", "::1/128"]);
        let bad = config::Value::from(vec!["proxy.local"]);
        let err = Settings::defaults_with(&[("server.trusted_proxies", bad)]).expect_err("name");
        assert!(err.to_string().contains("proxy.local"), "{err}");
    }

    #[test]
    fn an_smtp_url_with_credentials_is_refused() {
        let err = Settings::defaults_with(&[
            ("email.transport", "smtp".into()),
            (
                "email.smtp_url",
                "smtp://user:secret@mail.example.jp:587".into(),
            ),
        ])
        .expect_err("credentials belong in smtp_username/smtp_password");
        assert_eq!(err.key, "email.smtp_url");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn production_refuses_development_secrets() {
        let err = Settings::defaults_with(&[
            ("environment", "production".into()),
            ("payment.provider", "none".into()),
            ("server.public_url", "https://furusato.example.jp".into()),
        ])
        .expect_err("dev secret");
        assert_eq!(err.key, "payment.webhook_secret");
    }

    /// Production settings whose other secrets are real, so that only the My Number key is left.
    fn production_with(extra: &[(&str, config::Value)]) -> Result<Settings, SettingError> {
        let mut overrides: Vec<(&str, config::Value)> = vec![
            ("environment", "production".into()),
            ("payment.provider", "none".into()),
            ("server.public_url", "https://furusato.example.jp".into()),
            (
                "payment.webhook_secret",
                "a-real-webhook-secret-0123".into(),
            ),
            ("vouchers.code_secret", "a-real-voucher-secret-0123".into()),
        ];
        overrides.extend(extra.iter().cloned());
        Settings::defaults_with(&overrides)
    }

    /// Standard base64 of 32 bytes of 7.
    const REAL_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

    #[test]
    fn production_refuses_the_development_my_number_key() {
        let err = production_with(&[]).expect_err("dev key");
        assert_eq!(err.key, "one_stop.my_number_key_id");
        // The public key's bytes under another id are still the development key.
        let err = production_with(&[
            ("one_stop.my_number_key_id", "k2025".into()),
            ("one_stop.my_number_keys.k2025", DEVELOPMENT_KEY.into()),
        ])
        .expect_err("dev bytes");
        assert_eq!(err.key, "one_stop.my_number_key_id");
        let s = production_with(&[
            ("one_stop.my_number_key_id", "k2025".into()),
            ("one_stop.my_number_keys.k2025", REAL_KEY.into()),
        ])
        .expect("a real key");
        let ring = s.one_stop.keyring(true).expect("keyring");
        assert_eq!(ring.current_key_id(), "k2025");
        // The development key the defaults still list opens nothing in production.
        let development = Settings::defaults_with(&[]).expect("defaults");
        let sealed = development
            .one_stop
            .keyring(false)
            .expect("keyring")
            .seal(b"123456789018", b"row");
        assert_eq!(
            ring.open(&sealed, b"row"),
            Err(KeyringError::UnknownKeyId("dev".into()))
        );
        assert!(!format!("{ring:?}").contains("dev"), "{ring:?}");
    }

    #[test]
    fn my_number_keys_must_build_a_keyring() {
        let err = Settings::defaults_with(&[("one_stop.my_number_key_id", "k2".into())])
            .expect_err("no such key");
        assert_eq!(err.key, "one_stop.my_number_key_id");
        let err = Settings::defaults_with(&[(
            "one_stop.my_number_keys.dev",
            "BwcHBwcHBwcHBwcHBwcHBw==".into(),
        )])
        .expect_err("16 bytes");
        assert_eq!(err.key, "one_stop.my_number_keys");
        assert!(!err.to_string().contains("BwcH"), "{err}");
        let err = Settings::defaults_with(&[("one_stop.my_number_key_id", "K2025".into())])
            .expect_err("upper case");
        assert_eq!(err.key, "one_stop.my_number_key_id");
        let err = Settings::defaults_with(&[("one_stop.my_number_retention_days", (-1).into())])
            .expect_err("negative");
        assert_eq!(err.key, "one_stop.my_number_retention_days");
        let s = Settings::defaults_with(&[]).expect("defaults");
        assert_eq!(s.one_stop.my_number_retention_days, 2557);
        assert!(s.one_stop.keyring(false).expect("keyring").is_development());
        assert!(!format!("{s:?}").contains(DEVELOPMENT_KEY));
    }

    #[test]
    fn production_refuses_the_test_payment_provider() {
        let err = Settings::defaults_with(&[("environment", "production".into())])
            .expect_err("test provider");
        assert_eq!(err.key, "payment.provider");
        let err = Settings::defaults_with(&[("payment.provider", "paypal".into())])
            .expect_err("unknown provider");
        assert_eq!(err.key, "payment.provider");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = Settings::defaults_with(&[]).expect("defaults load");
        let printed = format!("{s:?}");
        assert!(!printed.contains("dev-webhook-secret"));
        assert!(!printed.contains("dev-voucher-secret"));
    }
}
