//! The tables, written once by hand in the SQL types both engines share (see `migrations/`).
#![allow(missing_docs)]

diesel::table! {
    permits (permit_id) {
        permit_id -> Text,
        person_id -> Text,
        pn_hash -> Nullable<Text>,
        ground -> Text,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        status -> Text,
        unit -> Nullable<Text>,
        employer_org_no -> Nullable<Text>,
        institution -> Nullable<Text>,
        updated_at -> Timestamp,
        imported_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    reviews (permit_id) {
        permit_id -> Text,
        occasion -> Nullable<Date>,
        due_on -> Nullable<Date>,
        last_occasion -> Nullable<Date>,
    }
}

diesel::joinable!(reviews -> permits (permit_id));

diesel::table! {
    ground_schedules (ground) {
        ground -> Text,
        fingerprint -> Text,
    }
}

diesel::table! {
    person_numbers (pn_hash) {
        pn_hash -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        permit_id -> Text,
        cause -> Text,
        occasion -> Text,
        unit -> Text,
        priority -> Text,
        reason -> Text,
        legal_basis -> Text,
        evidence -> Text,
        created_on -> Date,
        created_at -> Timestamp,
        due_on -> Date,
        state -> Text,
        outcome -> Nullable<Text>,
        note -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        digest_id -> Nullable<BigInt>,
        notified_at -> Nullable<Timestamp>,
        closed_on -> Nullable<Date>,
        ground -> Text,
        assignee -> Nullable<Text>,
        closed_by -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        kind -> Text,
        file -> Text,
        received_at -> Timestamp,
        inserted -> BigInt,
        updated -> BigInt,
        unchanged -> BigInt,
        duplicates -> BigInt,
        rejected -> BigInt,
    }
}

diesel::table! {
    rejects (id) {
        id -> BigInt,
        import_id -> BigInt,
        kind -> Text,
        file -> Text,
        line -> BigInt,
        field -> Text,
        reason -> Text,
        record_key -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        permit_id -> Text,
        at -> Timestamp,
        event -> Text,
        task_id -> Nullable<BigInt>,
        detail -> Text,
        actor -> Text,
    }
}

diesel::table! {
    signals (seq) {
        seq -> BigInt,
        id -> Text,
        kind -> Text,
        person_id -> Nullable<Text>,
        pn_hash -> Nullable<Text>,
        new_pn_hash -> Nullable<Text>,
        occurred_on -> Date,
        data -> Text,
        import_id -> BigInt,
        received_at -> Timestamp,
        received_on -> Date,
        state -> Text,
        processed_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        tried_at_import -> Nullable<BigInt>,
        period -> Nullable<Text>,
    }
}

diesel::table! {
    digests (id) {
        id -> BigInt,
        unit -> Text,
        message_id -> Text,
        recipients -> Text,
        subject -> Text,
        body -> Text,
        html -> Text,
        task_count -> Integer,
        created_at -> Timestamp,
        state -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        refused_under -> Nullable<Text>,
    }
}

diesel::table! {
    week_tasks (unit, week) {
        unit -> Text,
        week -> Date,
        tasks -> BigInt,
    }
}

diesel::table! {
    web_people (subject) {
        subject -> Text,
        name -> Text,
        groups -> Text,
        signed_in_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (id_hash) {
        id_hash -> Text,
        subject -> Text,
        name -> Text,
        groups -> Text,
        form_token -> Text,
        started_at -> Timestamp,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    web_sign_ins (state_hash) {
        state_hash -> Text,
        pkce_verifier -> Text,
        nonce -> Text,
        return_to -> Text,
        started_at -> Timestamp,
    }
}

diesel::table! {
    navet_persons (pn_hash) {
        pn_hash -> Text,
        salt -> BigInt,
        name_hash -> Nullable<BigInt>,
        birth_date_hash -> Nullable<BigInt>,
        citizenships -> Nullable<Text>,
        deregistration_hash -> Nullable<BigInt>,
        emigration_hash -> Nullable<BigInt>,
        import_id -> BigInt,
    }
}

diesel::table! {
    navet_files (order_id, job_id, part) {
        order_id -> Text,
        job_id -> BigInt,
        part -> BigInt,
        import_id -> BigInt,
        records -> BigInt,
    }
}

diesel::table! {
    api_tokens (name) {
        name -> Text,
        hash -> Text,
        role -> Text,
        units -> Text,
        created_at -> Timestamp,
        expires_on -> Nullable<Date>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    navet_tallies (kind) {
        kind -> Text,
        signals -> BigInt,
    }
}

diesel::table! {
    coverage (seq) {
        seq -> BigInt,
        kind -> Text,
        label -> Text,
        from_on -> Date,
        to_on -> Date,
        import_id -> BigInt,
        declared_at -> Timestamp,
    }
}
diesel::table! {
    expectation_marks (name) {
        name -> Text,
        fingerprint -> Text,
        coverage_seq -> BigInt,
        permit_import -> BigInt,
        audit_seq -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    web_people,
    coverage,
    expectation_marks,
    permits,
    reviews,
    ground_schedules,
    person_numbers,
    tasks,
    imports,
    rejects,
    audit_events,
    signals,
    digests,
    week_tasks,
    navet_persons,
    navet_files,
    api_tokens,
    navet_tallies,
);
