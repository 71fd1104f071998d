//! The steps many tests take, over HTTP as a client would: methods on `TestApp` for the shared
//! flows (catalogue set-up, donating, paying, partners and vouchers, imports) and the standard
//! request bodies they send.

use furusato::payments::signature;
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// The payment provider's webhook secret in the default settings.
pub const WEBHOOK_SECRET: &[u8] = b"dev-webhook-secret-change-me";

/// When `TestApp::pay` says the money arrived: 14 July 2025 in Japan.
pub const PAID_AT: &str = "2025-07-14T10:00:00+09:00";

/// A donor who lives in `city`, `prefecture` (name, contact and street are always the same).
pub fn donor(prefecture: &str, city: &str) -> Value {
    json!({"name": "品川 花子", "name_kana": "シナガワ ハナコ", "email": "hanako@example.jp",
           "phone": "06-1234-5678", "postal_code": "530-0001", "prefecture": prefecture,
           "city": city, "address_line": "梅田1-1-1"})
}

/// The standard donor: lives in Osaka, so may take return gifts from Shinagawa.
pub fn osaka() -> Value {
    donor("大阪府", "大阪市北区")
}

/// A donation body: a general donation (no gift) of `amount` by the Osaka donor.
pub fn general(amount: i64) -> Value {
    general_by(osaka(), amount)
}

/// A donation body: a general donation (no gift) of `amount` by `donor`.
pub fn general_by(donor: Value, amount: i64) -> Value {
    json!({"kind": "general", "amount": amount, "donor": donor})
}

/// A donation body: one unit of gift `gift_id` for `amount`, by the Osaka donor.
pub fn gift_donation(gift_id: &str, amount: i64) -> Value {
    json!({"kind": "gift", "gift_id": gift_id, "amount": amount, "donor": osaka()})
}

/// A donation body: an on-site (e-voucher) donation of `amount` by the Osaka donor.
pub fn on_site(amount: i64) -> Value {
    json!({"kind": "on_site", "amount": amount, "donor": osaka()})
}

/// A `payment.succeeded` event from the payment provider.
pub fn succeeded(event_id: &str, donation_id: &str, amount: i64, paid_at: &str) -> Value {
    json!({"id": event_id, "type": "payment.succeeded",
           "data": {"donation_id": donation_id, "amount": amount, "paid_at": paid_at, "provider_reference": "ch_test"}})
}

/// A `payment.failed` event from the payment provider.
pub fn failed(event_id: &str, donation_id: &str, amount: i64) -> Value {
    json!({"id": event_id, "type": "payment.failed", "data": {"donation_id": donation_id, "amount": amount}})
}

/// A gift body for the admin API: unlimited stock, a complete 地場産品 basis, with the given
/// code, vendor, amount and procurement cost. Posted as is, it is a draft; `create_gift` takes it
/// on to the state in `status` (published when absent).
pub fn gift_body(code: &str, vendor: &str, amount: i64, cost: i64) -> Value {
    json!({
        "code": code, "name": format!("テスト返礼品 {code}"), "description": "品川の逸品",
        "category": "product", "amount": amount, "procurement_cost": cost, "shipping_cost": 500,
        "vendor_id": vendor, "stock": null, "basis_criterion": 3,
        "basis_justification": "区内の工房で製造", "basis_evidence": "製造工程表",
        "image_url": "https://img.example/x.jpg"
    })
}

/// Donor details as the donation form takes them, at `home` (postal code, prefecture, city,
/// address line).
pub fn donor_at(name: &str, kana: &str, phone: &str, home: (&str, &str, &str, &str)) -> Value {
    let (postal_code, prefecture, city, address_line) = home;
    json!({"name": name, "name_kana": kana, "email": "donor@example.jp", "phone": phone,
           "postal_code": postal_code, "prefecture": prefecture, "city": city,
           "address_line": address_line})
}

/// The columns of a stored donation that the import tests read, as the database holds them.
#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = furusato::db::schema::donations)]
pub struct StoredDonation {
    pub kind: String,
    pub status: String,
    pub amount: i64,
    pub gift_id: Option<String>,
    pub donor_name: String,
    pub donor_name_kana: String,
    pub donor_phone: String,
    pub donor_postal_code: String,
    pub donor_address_line: String,
    pub one_stop: bool,
    pub received_on: Option<chrono::NaiveDate>,
    pub paid_at: Option<chrono::NaiveDateTime>,
    pub payment_method: Option<String>,
    pub import_flags: Option<String>,
}

/// Catalogue set-up, as an admin.
impl TestApp {
    /// Creates a business that supplies gifts; returns its id.
    pub async fn create_vendor(&self, admin: &str, name: &str) -> String {
        self.create(
            "/api/v1/admin/businesses",
            Some(admin),
            &json!({"name": name, "is_vendor": true}),
        )
        .await
    }

    /// An admin token and a new gift vendor called `vendor_name`; returns (admin token, vendor id).
    pub async fn admin_and_vendor(&self, vendor_name: &str) -> (String, String) {
        let admin = self.admin_token().await;
        let vendor = self.create_vendor(&admin, vendor_name).await;
        (admin, vendor)
    }

    /// POSTs a gift to the admin catalogue, whatever the answer.
    pub async fn post_gift(&self, admin: &str, body: &Value) -> Response {
        self.post("/api/v1/admin/gifts", Some(admin), body).await
    }

    /// PATCHes a gift of the admin catalogue, whatever the answer.
    pub async fn patch_gift(&self, admin: &str, gift_id: &str, body: &Value) -> Response {
        let path = format!("/api/v1/admin/gifts/{gift_id}");
        self.patch(&path, Some(admin), body).await
    }

    /// Creates a gift (201) as a draft and takes it to the state its body's `status` names
    /// (published when absent) the way staff do: submitted by `admin`, approved by another
    /// staff member, published (then suspended if asked). Returns it as the admin API shows it.
    pub async fn create_gift(&self, admin: &str, body: &Value) -> Value {
        let mut draft = body.clone();
        let wanted = match draft.as_object_mut().and_then(|o| o.remove("status")) {
            Some(Value::String(s)) => s,
            _ => "published".to_owned(),
        };
        let res = self.post_gift(admin, &draft).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let mut gift: Value = res.json().await.unwrap();
        if wanted == "draft" {
            return gift;
        }
        let id = gift["id"].as_str().unwrap().to_owned();
        self.gift_action(admin, &id, "submit").await;
        let approver = self.approver_token().await;
        self.gift_action(&approver, &id, "approve").await;
        gift = self.gift_action(admin, &id, "publish").await;
        if wanted == "suspended" {
            gift = self.gift_action(admin, &id, "suspend").await;
        }
        assert_eq!(gift["status"], wanted.as_str());
        gift
    }

    /// Takes a step of the basis approval (200); returns the gift after it.
    pub async fn gift_action(&self, token: &str, gift_id: &str, action: &str) -> Value {
        let res = self
            .post(
                &format!("/api/v1/admin/gifts/{gift_id}/actions"),
                Some(token),
                &json!({"action": action, "note": "テスト"}),
            )
            .await;
        assert_eq!(res.status(), 200, "{action}: {:?}", res.text().await);
        res.json().await.unwrap()
    }

    /// An admin, a vendor and one published gift `GIFT-1` of `amount` (cost 30%) with `stock`
    /// units (`None`: unlimited); returns (admin token, gift id).
    pub async fn admin_with_gift(&self, amount: i64, stock: Option<i64>) -> (String, String) {
        let (admin, vendor) = self.admin_and_vendor("品川区観光協会").await;
        let mut body = gift_body("GIFT-1", &vendor, amount, amount * 3 / 10);
        body["stock"] = json!(stock);
        let gift = self.create_gift(&admin, &body).await;
        (admin, gift["id"].as_str().unwrap().to_owned())
    }

    /// The stock a gift has left, as the admin API shows it.
    pub async fn gift_stock(&self, admin: &str, gift_id: &str) -> Value {
        self.get_json(&format!("/api/v1/admin/gifts/{gift_id}"), Some(admin))
            .await["stock"]
            .clone()
    }

    /// Creates an organisation that support donations can go to; returns its id.
    pub async fn create_organization(&self, admin: &str, name: &str) -> String {
        self.create_named(admin, "organizations", name).await
    }

    /// Creates a purpose donors can name; returns its id.
    pub async fn create_purpose(&self, admin: &str, name: &str) -> String {
        self.create_named(admin, "purposes", name).await
    }

    /// Creates an entry given only its name in an admin collection; returns its id.
    async fn create_named(&self, admin: &str, collection: &str, name: &str) -> String {
        let path = format!("/api/v1/admin/{collection}");
        self.create(&path, Some(admin), &json!({ "name": name }))
            .await
    }
}

/// Donating and paying, as the donor, the payment provider and staff.
impl TestApp {
    /// The id of the one donation a staff search for portal order id `external_id` finds.
    pub async fn imported_donation(&self, admin: &str, external_id: &str) -> String {
        let list = self
            .get_json(
                &format!("/api/v1/admin/donations?q={external_id}"),
                Some(admin),
            )
            .await;
        assert_eq!(list["total"], 1, "{external_id}: {list}");
        list["items"][0]["id"].as_str().unwrap().to_owned()
    }

    /// POSTs a donation as the storefront does (no token), whatever the answer.
    pub async fn donate(&self, body: &Value) -> Response {
        self.post("/api/v1/donations", None, body).await
    }

    /// POSTs a donation under an `Idempotency-Key`, whatever the answer.
    pub async fn donate_with_key(&self, key: &str, body: &Value) -> Response {
        self.post_with_key("/api/v1/donations", None, key, body)
            .await
    }

    /// Creates a donation (201, pending payment); returns (id, the donor's access token).
    pub async fn donate_ok(&self, body: &Value) -> (String, String) {
        let res = self.donate(body).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let created: Value = res.json().await.unwrap();
        assert_eq!(created["status"], "pending_payment");
        (
            created["id"].as_str().unwrap().to_owned(),
            created["access_token"].as_str().unwrap().to_owned(),
        )
    }

    /// The donation as its donor sees it with the access token (200).
    pub async fn view_donation(&self, id: &str, token: &str) -> Value {
        let res = self
            .get(&format!("/api/v1/donations/{id}"), Some(token))
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// POSTs raw bytes to the payment webhook, with the `furusato-signature` header if given.
    pub async fn post_webhook(&self, signature: Option<&str>, body: Vec<u8>) -> Response {
        let mut req = self
            .client
            .post(self.url("/api/v1/payments/webhook"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = signature {
            req = req.header("furusato-signature", s);
        }
        req.send().await.unwrap()
    }

    /// Delivers a provider event signed with the webhook secret at `timestamp` (Unix seconds).
    ///
    /// Test donations are made now but paid at fixed past instants (`PAID_AT`), so that they land
    /// in known fiscal years. The service refuses a payment from before its donation was made, so
    /// a donation paid earlier than it was made is first dated to its payment's day, as it would
    /// have been (`webhook_as_sent` delivers without this).
    pub async fn webhook_at(&self, event: &Value, timestamp: i64) -> Response {
        if let (Some(id), Some(paid_at)) = (
            event["data"]["donation_id"].as_str(),
            event["data"]["paid_at"].as_str(),
        ) {
            if let Ok(paid_at) = chrono::DateTime::parse_from_rfc3339(paid_at) {
                self.made_no_later_than(id, paid_at.with_timezone(&chrono::Utc));
            }
        }
        self.webhook_as_sent(event, timestamp).await
    }

    /// Delivers a provider event exactly as given, signed at `timestamp`.
    pub async fn webhook_as_sent(&self, event: &Value, timestamp: i64) -> Response {
        let body = serde_json::to_vec(event).unwrap();
        let header = signature::sign(WEBHOOK_SECRET, timestamp, &body);
        self.post_webhook(Some(&header), body).await
    }

    /// Delivers a provider event, signed now.
    pub async fn webhook(&self, event: &Value) -> Response {
        self.webhook_at(event, chrono::Utc::now().timestamp()).await
    }

    /// Delivers a provider event, signed now; returns the `outcome` the service answers.
    pub async fn webhook_outcome(&self, event: &Value) -> Value {
        self.webhook(event).await.json::<Value>().await.unwrap()["outcome"].clone()
    }

    /// Pays a donation through the signed webhook (event `evt_{id}`, paid at `PAID_AT`); asserts 200.
    pub async fn pay(&self, donation_id: &str, amount: i64) {
        let event = succeeded(&format!("evt_{donation_id}"), donation_id, amount, PAID_AT);
        let res = self.webhook(&event).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }

    /// Staff record a payment received outside the card flow, whatever the answer.
    pub async fn confirm_payment(
        &self,
        admin: &str,
        donation_id: &str,
        received_on: &str,
        method: &str,
    ) -> Response {
        self.post(
            &format!("/api/v1/admin/donations/{donation_id}/payment"),
            Some(admin),
            &json!({"received_on": received_on, "method": method}),
        )
        .await
    }

    /// Staff refund a donation, whatever the answer.
    pub async fn refund(&self, admin: &str, donation_id: &str, reason: &str) -> Response {
        self.post(
            &format!("/api/v1/admin/donations/{donation_id}/refund"),
            Some(admin),
            &json!({ "reason": reason }),
        )
        .await
    }

    /// Moves a donation's creation back to the start of `paid_at`'s Japan day if it was made later.
    pub fn made_no_later_than(&self, donation_id: &str, paid_at: chrono::DateTime<chrono::Utc>) {
        use diesel::prelude::*;
        use furusato::db::schema::donations;
        let day = furusato::domain::calendar::japan_date(paid_at);
        let at = furusato::domain::calendar::start_of_japan_day(day).naive_utc();
        diesel::update(
            donations::table
                .filter(donations::id.eq(donation_id))
                .filter(donations::created_at.gt(at)),
        )
        .set(donations::created_at.eq(at))
        .execute(&mut *self.conn())
        .unwrap();
    }

    /// Moves a donation's creation to the given Japan date (for receipt dates in past fiscal years).
    pub fn made_on(&self, donation_id: &str, date: &str) {
        use diesel::prelude::*;
        use furusato::db::schema::donations;
        let day: chrono::NaiveDate = date.parse().unwrap();
        let at = furusato::domain::calendar::start_of_japan_day(day).naive_utc();
        diesel::update(donations::table.filter(donations::id.eq(donation_id)))
            .set(donations::created_at.eq(at))
            .execute(&mut *self.conn())
            .unwrap();
    }
}

/// Partners, on-site vouchers and portal imports.
impl TestApp {
    /// Creates a partner business with a till login; returns (partner id, till token).
    pub async fn create_partner(&self, admin: &str, name: &str) -> (String, String) {
        let (id, email, password) = self.create_partner_login(admin, name).await;
        let login: Value = self.login(&email, password).await.json().await.unwrap();
        (id, login["token"].as_str().unwrap().to_owned())
    }

    /// A partner business with a till login: (partner id, email, password).
    pub async fn create_partner_login(
        &self,
        admin: &str,
        name: &str,
    ) -> (String, String, &'static str) {
        let email = format!("till-{}@shop.example", uuid::Uuid::new_v4().simple());
        let password = "till-password-long";
        let id = self
            .create(
                "/api/v1/admin/partners",
                Some(admin),
                &json!({"name": name, "email": email, "password": password}),
            )
            .await;
        (id, email, password)
    }

    /// Donates `amount` on site and pays it; returns (donation id, donor token, voucher code).
    pub async fn on_site_voucher(&self, amount: i64) -> (String, String, String) {
        let (id, token) = self.donate_ok(&on_site(amount)).await;
        self.pay(&id, amount).await;
        let code = self.view_donation(&id, &token).await["voucher"]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        (id, token, code)
    }

    /// A till spends `amount` of a voucher, whatever the answer.
    pub async fn redeem(&self, till: &str, code: &str, amount: i64) -> Response {
        self.post(
            "/api/v1/partner/redemptions",
            Some(till),
            &json!({"voucher_code": code, "amount": amount}),
        )
        .await
    }

    /// A till spends `amount` of a voucher under an `Idempotency-Key`, whatever the answer.
    pub async fn redeem_with_key(
        &self,
        till: &str,
        key: &str,
        code: &str,
        amount: i64,
    ) -> Response {
        self.post_with_key(
            "/api/v1/partner/redemptions",
            Some(till),
            key,
            &json!({"voucher_code": code, "amount": amount}),
        )
        .await
    }

    /// A till reverses one of its redemptions, whatever the answer.
    pub async fn reverse_redemption(&self, till: &str, redemption_id: &str) -> Response {
        self.post(
            &format!("/api/v1/partner/redemptions/{redemption_id}/reversal"),
            Some(till),
            &json!({}),
        )
        .await
    }

    /// An admin, and the published gift `HANABI` (¥34,000) of 花火実行委員会 that the import
    /// tests' portal files name; returns (admin token, the gift as the admin API shows it).
    pub async fn admin_with_portal_gift(&self) -> (String, Value) {
        let (admin, vendor) = self.admin_and_vendor("花火実行委員会").await;
        let body = gift_body("HANABI", &vendor, 34_000, 10_000);
        let gift = self.create_gift(&admin, &body).await;
        (admin, gift)
    }

    /// The stored columns of the donation imported as portal order `external_id`.
    pub fn imported_row(&self, external_id: &str) -> StoredDonation {
        use diesel::prelude::*;
        use furusato::db::schema::donations;
        donations::table
            .filter(donations::external_id.eq(external_id))
            .select(StoredDonation::as_select())
            .first(&mut *self.conn())
            .expect("the imported donation")
    }

    /// Uploads a portal's CSV export (`export.csv`) of donations for `channel`, whatever the answer.
    pub async fn import_csv(&self, admin: &str, channel: &str, body: Vec<u8>) -> Response {
        self.post_raw(
            &format!("/api/v1/admin/imports/donations?channel={channel}&file_name=export.csv"),
            Some(admin),
            "text/csv",
            body,
        )
        .await
    }
}

/// Gift vendors and their orders.
impl TestApp {
    /// Adds a login (201) with `email` and `password` to vendor `vendor_id`.
    pub async fn add_vendor_login(
        &self,
        admin: &str,
        vendor_id: &str,
        email: &str,
        password: &str,
    ) {
        let res = self
            .post(
                &format!("/api/v1/admin/vendors/{vendor_id}/logins"),
                Some(admin),
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
    }

    /// Adds a login to vendor `vendor_id`; returns its bearer token.
    pub async fn vendor_token(&self, admin: &str, vendor_id: &str) -> String {
        let email = format!("vendor-{}@shop.example", uuid::Uuid::new_v4().simple());
        let password = "vendor-password-long";
        self.add_vendor_login(admin, vendor_id, &email, password)
            .await;
        let login: Value = self.login(&email, password).await.json().await.unwrap();
        assert_eq!(login["role"], "vendor");
        assert_eq!(login["vendor_id"], vendor_id);
        login["token"].as_str().unwrap().to_owned()
    }

    /// The orders a vendor (or staff, with `/api/v1/admin/orders`) sees at `path`.
    pub async fn orders(&self, path: &str, token: &str) -> Vec<Value> {
        let page = self.get_json(path, Some(token)).await;
        page["items"].as_array().cloned().unwrap_or_default()
    }
}
