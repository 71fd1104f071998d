//! The portable schema: UUIDs as Text, instants as UTC Timestamp, money as BigInt, flags as Bool.
//! Written by hand (not `diesel print-schema`) so one file describes both engines.

diesel::table! {
    businesses (id) {
        id -> Text,
        name -> Text,
        is_vendor -> Bool,
        is_partner -> Bool,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        address -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        partner_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        my_number_access -> Bool,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limits (bucket) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> BigInt,
    }
}

diesel::table! {
    sign_in_failures (bucket) {
        bucket -> Text,
        failures -> BigInt,
        last_failed_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> businesses (partner_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    gifts (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        description -> Text,
        category -> Text,
        amount -> BigInt,
        procurement_cost -> BigInt,
        shipping_cost -> BigInt,
        vendor_id -> Text,
        stock -> Nullable<BigInt>,
        available_from -> Nullable<Date>,
        available_until -> Nullable<Date>,
        basis_justification -> Nullable<Text>,
        image_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        accepts_delivery_window -> Bool,
        status -> Text,
        basis_criterion -> Nullable<Integer>,
        basis_evidence -> Nullable<Text>,
        basis_submitted_by -> Nullable<Text>,
        basis_approved_by -> Nullable<Text>,
        basis_approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    purposes (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalogue_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::joinable!(gifts -> businesses (vendor_id));

diesel::table! {
    donations (id) {
        id -> Text,
        kind -> Text,
        status -> Text,
        amount -> BigInt,
        gift_id -> Nullable<Text>,
        quantity -> Integer,
        organization_id -> Nullable<Text>,
        purpose_id -> Nullable<Text>,
        channel -> Text,
        external_id -> Nullable<Text>,
        donor_name -> Text,
        donor_name_kana -> Text,
        donor_email -> Text,
        donor_phone -> Text,
        donor_postal_code -> Text,
        donor_prefecture -> Text,
        donor_city -> Text,
        donor_address_line -> Text,
        one_stop -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        hold_until -> Nullable<Timestamp>,
        paid_at -> Nullable<Timestamp>,
        received_on -> Nullable<Date>,
        payment_method -> Nullable<Text>,
        provider_reference -> Nullable<Text>,
        receipt_number -> Nullable<Text>,
        receipt_issue_count -> Integer,
        receipt_voided_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        refunded_at -> Nullable<Timestamp>,
        refund_reason -> Nullable<Text>,
        attention -> Nullable<Text>,
        import_id -> Nullable<Text>,
        import_flags -> Nullable<Text>,
        gift_unit_cost -> Nullable<BigInt>,
        gift_unit_shipping_cost -> Nullable<BigInt>,
    }
}

diesel::table! {
    receipt_counters (fiscal_year) {
        fiscal_year -> Integer,
        last_number -> BigInt,
    }
}

diesel::table! {
    payment_events (id) {
        id -> Text,
        donation_id -> Text,
        event_type -> Text,
        amount -> BigInt,
        outcome -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(donations -> gifts (gift_id));
diesel::joinable!(donations -> organizations (organization_id));
diesel::joinable!(donations -> purposes (purpose_id));

diesel::table! {
    vouchers (id) {
        id -> Text,
        donation_id -> Text,
        code_hash -> Text,
        face_value -> BigInt,
        balance -> BigInt,
        status -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        voided_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    redemptions (id) {
        id -> Text,
        voucher_id -> Text,
        partner_id -> Text,
        amount -> BigInt,
        balance_after -> BigInt,
        redeemed_at -> Timestamp,
        redeemed_on -> Date,
        redeemed_month -> Text,
        reversed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settlements (partner_id, month) {
        partner_id -> Text,
        month -> Text,
        redemption_count -> BigInt,
        net_amount -> BigInt,
        paid_at -> Timestamp,
        paid_by -> Nullable<Text>,
    }
}

diesel::joinable!(vouchers -> donations (donation_id));
diesel::joinable!(redemptions -> vouchers (voucher_id));
diesel::joinable!(redemptions -> businesses (partner_id));
diesel::joinable!(settlements -> businesses (partner_id));

diesel::table! {
    email_outbox (id) {
        id -> Text,
        message_id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        related_id -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    targets (fiscal_year) {
        fiscal_year -> Integer,
        amount -> BigInt,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    cost_entries (id) {
        id -> Text,
        booked_on -> Date,
        category -> Text,
        amount -> BigInt,
        source -> Text,
        booking_key -> Nullable<Text>,
        donation_id -> Nullable<Text>,
        channel -> Nullable<Text>,
        gift_id -> Nullable<Text>,
        vendor_id -> Nullable<Text>,
        note -> Text,
        reverses_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    donation_imports (id) {
        id -> Text,
        channel -> Text,
        file_name -> Nullable<Text>,
        row_count -> Integer,
        imported_count -> Integer,
        skipped_count -> Integer,
        flagged_count -> Integer,
        imported_by -> Nullable<Text>,
        created_at -> Timestamp,
        search_indexed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_profiles (id) {
        id -> Text,
        channel -> Text,
        name -> Nullable<Text>,
        definition -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    businesses,
    gift_images,
    users,
    sessions,
    rate_limits,
    sign_in_failures,
    audit_log,
    gifts,
    organizations,
    purposes,
    catalogue_version,
    donations,
    receipt_counters,
    payment_events,
    idempotency_keys,
    vouchers,
    redemptions,
    settlements,
    email_outbox,
    targets,
    donation_imports,
    deliveries,
    gift_orders,
    cost_entries,
    donor_search_terms,
    import_profiles,
    donor_identities,
    donor_identity_links,
    one_stop_applications,
);

diesel::table! {
    donor_identities (id) {
        id -> Text,
        merged_into -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    donor_identity_links (donation_id) {
        donation_id -> Text,
        identity_id -> Text,
        match_key -> Text,
        phone_key -> Nullable<Text>,
        pinned -> Bool,
        linked_at -> Timestamp,
    }
}

diesel::joinable!(donor_identity_links -> donations (donation_id));
diesel::joinable!(donor_identity_links -> donor_identities (identity_id));

diesel::table! {
    one_stop_applications (id) {
        id -> Text,
        identity_id -> Text,
        tax_year -> Integer,
        received_on -> Date,
        channel -> Text,
        status -> Text,
        invalid_reason -> Nullable<Text>,
        applicant_name -> Text,
        applicant_name_kana -> Text,
        birth_date -> Nullable<Date>,
        postal_code -> Text,
        prefecture -> Text,
        city -> Text,
        address_line -> Text,
        municipality_code -> Text,
        my_number_sealed -> Nullable<Text>,
        my_number_purged_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(one_stop_applications -> donor_identities (identity_id));

diesel::table! {
    donor_search_terms (term, donation_id) {
        donation_id -> Text,
        term -> Text,
    }
}

diesel::joinable!(donor_search_terms -> donations (donation_id));

diesel::table! {
    donor_sign_in_links (token_hash) {
        token_hash -> Text,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    donor_sessions (token_hash) {
        token_hash -> Text,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    gift_images (id) {
        id -> Text,
        gift_id -> Text,
        position -> Integer,
        content_type -> Text,
        bytes -> Binary,
        byte_size -> Integer,
        created_at -> Timestamp,
    }
}

diesel::joinable!(gift_images -> gifts (gift_id));
diesel::joinable!(cost_entries -> donations (donation_id));

diesel::table! {
    deliveries (donation_id) {
        donation_id -> Text,
        recipient_name -> Nullable<Text>,
        recipient_name_kana -> Nullable<Text>,
        recipient_phone -> Nullable<Text>,
        recipient_postal_code -> Nullable<Text>,
        recipient_prefecture -> Nullable<Text>,
        recipient_city -> Nullable<Text>,
        recipient_address_line -> Nullable<Text>,
        noshi_type -> Nullable<Text>,
        noshi_name -> Nullable<Text>,
        delivery_window -> Nullable<Text>,
    }
}

diesel::table! {
    gift_orders (id) {
        id -> Text,
        donation_id -> Text,
        gift_id -> Text,
        vendor_id -> Text,
        quantity -> Integer,
        unit_cost -> BigInt,
        fulfilment -> Text,
        status -> Text,
        accepted_at -> Nullable<Timestamp>,
        carrier -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        booking_reference -> Nullable<Text>,
        shipped_on -> Nullable<Date>,
        delivered_on -> Nullable<Date>,
        held_reason -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
        attention -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(deliveries -> donations (donation_id));
diesel::joinable!(gift_orders -> donations (donation_id));
diesel::joinable!(gift_orders -> gifts (gift_id));
