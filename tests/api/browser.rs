//! The browser half: a real Chromium (Debian's `chromium` + `chromium-driver`) driven through
//! WebDriver against the application started for the test, on a phone-sized window.
//!
//! One chromedriver serves the whole test binary; each test opens its own browser session.
//! Without the two programs the run says plainly that the browser half was skipped (CI fails on
//! that line). axe-core comes from `tests/browser/node_modules` (`npm ci` there).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once, OnceLock};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The phone the storefront is built for (iPhone 12-15 size).
pub const PHONE: (u32, u32) = (390, 844);
/// The tablet at a till's counter (iPad size).
pub const TABLET: (u32, u32) = (768, 1024);
/// The tax division's desk PC.
pub const DESKTOP: (u32, u32) = (1366, 900);

struct Driver {
    url: String,
    _child: Mutex<Child>,
}

fn driver() -> Option<&'static Driver> {
    static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();
    static SAID: Once = Once::new();
    let driver = DRIVER.get_or_init(|| {
        let chromedriver = std::env::var("FURUSATO_CHROMEDRIVER").unwrap_or(CHROMEDRIVER.into());
        if !PathBuf::from(&chromedriver).exists() || !PathBuf::from(chromium()).exists() {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Driver {
            url,
            _child: Mutex::new(child),
        })
    });
    if driver.is_none() {
        SAID.call_once(|| {
            eprintln!(
                "NOTE: chromium or chromedriver not found: the browser half of every test was SKIPPED"
            );
        });
    }
    driver.as_ref()
}

fn chromium() -> String {
    std::env::var("FURUSATO_CHROMIUM").unwrap_or(CHROMIUM.into())
}

/// How a test's browser is set up.
#[derive(Clone, Default)]
pub struct Options {
    /// Every host but this machine unreachable: nothing may come from another host.
    pub offline: bool,
    /// A tablet at a counter (768×1024) instead of a phone.
    pub tablet: bool,
    /// A desk PC (1366×900, mouse) instead of a phone.
    pub desktop: bool,
    /// A camera that plays this `.y4m` video (permission granted).
    pub camera: Option<PathBuf>,
}

/// One browser session; closed when the test ends.
pub struct Browser {
    pub client: Client,
    base: String,
    name: String,
}

impl Browser {
    /// A phone-sized headless Chromium for `app`, or None when the browser half is skipped.
    pub async fn open(base: &str, name: &str, options: Options) -> Option<Browser> {
        let driver = driver()?;
        let (width, height) = if options.desktop {
            DESKTOP
        } else if options.tablet {
            TABLET
        } else {
            PHONE
        };
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-gpu".to_owned(),
            format!("--window-size={width},{height}"),
            "--lang=ja".to_owned(),
        ];
        if let Some(video) = &options.camera {
            args.push("--use-fake-ui-for-media-stream".to_owned());
            args.push("--use-fake-device-for-media-stream".to_owned());
            args.push(format!(
                "--use-file-for-fake-video-capture={}",
                video.display()
            ));
        }
        if options.offline {
            args.push("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned());
        }
        let mut caps = serde_json::Map::new();
        let mut chrome = json!({ "binary": chromium(), "args": args });
        if !options.desktop {
            chrome["mobileEmulation"] = json!({
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true}
            });
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a browser session");
        Some(Browser {
            client,
            base: base.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The browser of the test named `test` on `app`, or None when the browser half is skipped;
    /// its screenshots are named for the test and the engine.
    pub async fn for_test(app: &TestApp, test: &str, options: Options) -> Option<Browser> {
        let name = format!("{test}-{}", app.engine.name());
        Browser::open(&app.address, &name, options).await
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigation");
    }

    /// The text of the first element matching `css`; fails the test (with a screenshot) if none.
    pub async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.expect("text"),
            Err(e) => self.fail(&format!("no element {css}: {e}")).await,
        }
    }

    /// Asserts that the text of the first element matching `css` contains `expected`.
    pub async fn assert_text_contains(&self, css: &str, expected: &str) {
        let text = self.text(css).await;
        assert!(
            text.contains(expected),
            "{css}: {text:?} lacks {expected:?}"
        );
    }

    /// The texts of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.expect("find") {
            texts.push(e.text().await.expect("text"));
        }
        texts
    }

    /// Clicks something that leads to another page and waits until that page has loaded, so the
    /// test never reads the page it came from.
    pub async fn click_to_navigate(&self, css: &str) {
        // A mark on the old document: gone once another document (even at the same URL, as a
        // form posted back to its own address) has replaced it.
        self.client
            .execute("window.__furusatoOldPage = true; return true;", vec![])
            .await
            .expect("mark the page");
        self.click(css).await;
        for _ in 0..200 {
            let replaced = self
                .client
                .execute(
                    "return window.__furusatoOldPage === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .is_ok_and(|v| v == true);
            if replaced {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.fail(&format!("clicking {css} did not lead to another page"))
            .await
    }

    pub async fn click(&self, css: &str) {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.click().await.expect("click"),
            Err(e) => self.fail(&format!("nothing to click at {css}: {e}")).await,
        }
    }

    /// Clicks the first link whose text contains `text`.
    pub async fn click_link(&self, text: &str) {
        let xpath = format!("//a[contains(normalize-space(.), '{text}')]");
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(e) => e.click().await.expect("click"),
            Err(e) => self.fail(&format!("no link {text:?}: {e}")).await,
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => self.fail(&format!("no field {css}: {e}")).await,
        };
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    /// Fills in a person as the API takes one (a donor, a recipient): each field `person` has
    /// goes into the form's `#f-{prefix}{field}`, the prefecture chosen from its list.
    pub async fn fill_person(&self, prefix: &str, person: &Value) {
        const FIELDS: [&str; 8] = [
            "name",
            "name_kana",
            "email",
            "phone",
            "postal_code",
            "prefecture",
            "city",
            "address_line",
        ];
        for field in FIELDS {
            let Some(value) = person[field].as_str() else {
                continue;
            };
            let css = format!("#f-{prefix}{field}");
            if field == "prefecture" {
                self.choose(&css, value).await;
            } else {
                self.fill(&css, value).await;
            }
        }
    }

    /// Chooses the option with this visible text in a `<select>`.
    pub async fn choose(&self, css: &str, label: &str) {
        let select = match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => self.fail(&format!("no select {css}: {e}")).await,
        };
        select.select_by_label(label).await.expect("select");
    }

    /// Runs a script that ends by calling its last argument (a promise's answer), and answers it.
    pub async fn run_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .expect("script runs")
    }

    /// Runs a script in the page and answers its value.
    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Sends the form at `css` twice at once, as a double tap does, without following the
    /// answers: their types (`opaqueredirect` for a redirect).
    pub async fn submit_twice_at_once(&self, css: &str) -> Value {
        let script = "const form = document.querySelector(arguments[0]);
             const send = () => fetch(form.action, {method: 'POST', redirect: 'manual',
                 body: new URLSearchParams(new FormData(form))}).then(r => r.type);
             return Promise.all([send(), send()]);";
        self.client
            .execute(script, vec![json!(css)])
            .await
            .expect("the form is sent twice")
    }

    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits (up to 10 s) until an element matching `css` is on the page.
    pub async fn wait_for(&self, css: &str) {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        if let Err(e) = found {
            self.fail(&format!("{css} never appeared: {e}")).await
        }
    }

    /// Saves a screenshot of the page as it is under `target/screenshots/<test>-<label>.png`.
    pub async fn screenshot(&self, label: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{}-{label}.png", self.name)), png);
        }
    }

    /// Fails the test after saving a screenshot of what the browser showed.
    pub async fn fail(&self, message: &str) -> ! {
        self.screenshot("FAILED").await;
        panic!(
            "{message} (screenshot: target/screenshots/{}-FAILED.png)",
            self.name
        );
    }

    /// Runs axe-core on the page; fails on any serious or critical violation.
    pub async fn assert_accessible(&self, label: &str) {
        self.screenshot(label).await;
        self.client
            .execute(&format!("{}\nreturn true;", axe_source()), vec![])
            .await
            .expect("axe-core loads");
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))));";
        let violations = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("axe-core runs");
        let violations: Vec<Value> = violations.as_array().cloned().unwrap_or_default();
        if !violations.is_empty() {
            self.fail(&format!("axe-core on {label}: {violations:#?}"))
                .await;
        }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `npm ci` in tests/browser",
                path.display()
            )
        })
    })
}
