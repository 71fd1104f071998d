//! What every handler shares: settings, the database, the catalogue cache, the payment provider.

use std::sync::Arc;

use crate::catalogue::cache::CatalogueCache;
use crate::config::Settings;
use crate::crypto::sealed::Keyring;
use crate::db::Db;
use crate::payments::provider::{self, PaymentProvider};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub catalogue_cache: Arc<CatalogueCache>,
    /// Where donors pay; `None` when donations are paid offline only.
    pub payment_provider: Option<Arc<dyn PaymentProvider>>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Seals and opens My Numbers at rest, built once from `[one_stop]`.
    pub my_number_keys: Arc<Keyring>,
}

impl AppState {
    /// Fails only on a My Number keyring that does not build, which `Settings::validate` refuses.
    pub fn new(settings: Settings, db: Db) -> anyhow::Result<AppState> {
        let my_number_keys = Arc::new(settings.one_stop.keyring(settings.is_production())?);
        let check_every = std::time::Duration::from_millis(settings.catalogue.version_check_ms);
        let max_age = std::time::Duration::from_secs(settings.catalogue.cache_max_age_seconds);
        Ok(AppState {
            metrics: Arc::new(crate::metrics::Metrics::new(&db)),
            payment_provider: provider::configured(&settings),
            settings: Arc::new(settings),
            db,
            catalogue_cache: Arc::new(CatalogueCache::new(check_every, max_age)),
            my_number_keys,
        })
    }
}
