//! Table definitions, written by hand so they serve both backends (portable column types only).

diesel::table! {
    service_info (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    teams (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        arm_policy -> Text,
        reminder_send_probability -> Nullable<Double>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_hours -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        role -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        login_name -> Nullable<Text>,
        discipline -> Nullable<Text>,
        team_id -> Nullable<Text>,
        language -> Text,
        password_hash -> Nullable<Text>,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    team_members (team_id, user_id) {
        team_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    activation_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        family_expires_at -> Timestamp,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    templates (id) {
        id -> Text,
        key -> Text,
        version -> Integer,
        name -> Text,
        content -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        resident_id -> Text,
        team_id -> Text,
        template_id -> Text,
        status -> Text,
        dose -> Integer,
        intake -> Text,
        lock_version -> Integer,
        created_by -> Nullable<Text>,
        started_on -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_activity_at -> Nullable<Timestamp>,
        next_check_at -> Nullable<Timestamp>,
        inactivity_stage -> Text,
        escalated_at -> Nullable<Timestamp>,
        at_risk_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        outflow_reason -> Nullable<Text>,
        arm -> Text,
        arm_randomised -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        resident_id -> Nullable<Text>,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        detail -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    steps (id) {
        id -> Text,
        plan_id -> Text,
        item_key -> Nullable<Text>,
        category -> Text,
        category_order -> Integer,
        position -> Integer,
        title_nl -> Text,
        title_en -> Text,
        why_nl -> Text,
        why_en -> Text,
        description_nl -> Text,
        description_en -> Text,
        minutes -> Integer,
        owner_type -> Text,
        owner_user_id -> Nullable<Text>,
        priority -> Text,
        evidence -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        depends_on -> Text,
        intake_done -> Bool,
        due_on -> Nullable<Date>,
        help_requested_at -> Nullable<Timestamp>,
        issued_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        completed_by -> Nullable<Text>,
        completion_note -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        intention_on -> Nullable<Date>,
        intention_part -> Nullable<Text>,
        intention_time -> Nullable<Text>,
        snoozed_until -> Nullable<Date>,
        snooze_reason -> Nullable<Text>,
        snooze_note -> Nullable<Text>,
        crisis_reported_at -> Nullable<Timestamp>,
        gates -> Text,
    }
}

diesel::table! {
    pulses (id) {
        id -> Text,
        user_id -> Text,
        plan_id -> Text,
        step_id -> Nullable<Text>,
        kind -> Text,
        score -> Integer,
        period -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plan_events (id) {
        id -> Text,
        plan_id -> Text,
        step_id -> Nullable<Text>,
        kind -> Text,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        occurred_at -> Timestamp,
        recorded_at -> Timestamp,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
        etag -> Nullable<Text>,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        user_id -> Text,
        session_id -> Nullable<Text>,
        token -> Text,
        platform -> Text,
        locale -> Nullable<Text>,
        app_version -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        web_p256dh -> Nullable<Text>,
        web_auth -> Nullable<Text>,
    }
}

diesel::table! {
    notification_preferences (user_id) {
        user_id -> Text,
        enabled -> Bool,
        quiet_start -> Text,
        quiet_end -> Text,
        daily_cap -> Integer,
        weekly_cap -> Integer,
        timezone -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        plan_id -> Nullable<Text>,
        step_id -> Nullable<Text>,
        kind -> Text,
        crisis -> Bool,
        dedupe_key -> Text,
        due_at -> Timestamp,
        next_attempt_at -> Timestamp,
        state -> Text,
        attempts -> Integer,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        mrt_probability -> Nullable<Double>,
        mrt_send -> Nullable<Bool>,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        plan_id -> Text,
        step_id -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        key_id -> Text,
        wrapped_key -> Text,
        blob_key -> Text,
        state -> Text,
        review_reason -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    blob_deletions (id) {
        id -> Text,
        blob_key -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        resident_id -> Text,
        plan_id -> Text,
        step_id -> Text,
        upload_length -> BigInt,
        upload_offset -> BigInt,
        key_id -> Text,
        wrapped_key -> Text,
        document_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    upload_parts (upload_id, start_offset) {
        upload_id -> Text,
        start_offset -> BigInt,
        size_bytes -> BigInt,
        blob_key -> Text,
    }
}

diesel::table! {
    notification_deliveries (notification_id, device_id) {
        notification_id -> Text,
        device_id -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    appointments (id) {
        id -> Text,
        plan_id -> Text,
        resident_id -> Text,
        team_id -> Text,
        starts_at -> Timestamp,
        duration_minutes -> Integer,
        kind -> Text,
        place -> Nullable<Text>,
        with_user_id -> Nullable<Text>,
        bring -> Nullable<Text>,
        step_ids -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        move_requested_at -> Nullable<Timestamp>,
        move_request_reason -> Nullable<Text>,
        moved_count -> Integer,
        outcome_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(plans -> templates (template_id));
diesel::joinable!(appointments -> plans (plan_id));
diesel::joinable!(documents -> steps (step_id));
diesel::joinable!(upload_parts -> uploads (upload_id));
diesel::joinable!(steps -> plans (plan_id));
diesel::joinable!(plan_events -> plans (plan_id));

diesel::table! {
    mrt_decisions (notification_id) {
        notification_id -> Text,
        plan_id -> Text,
        kind -> Text,
        decided_at -> Timestamp,
        available -> Bool,
        unavailable_reason -> Nullable<Text>,
        probability -> Nullable<Double>,
        send -> Nullable<Bool>,
    }
}

diesel::joinable!(users -> teams (team_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (user_id));
diesel::joinable!(activation_codes -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(notification_deliveries -> notifications (notification_id));
diesel::joinable!(notification_deliveries -> devices (device_id));

diesel::allow_tables_to_appear_in_same_query!(
    service_info,
    teams,
    users,
    team_members,
    activation_codes,
    refresh_tokens,
    templates,
    plans,
    steps,
    plan_events,
    idempotency_keys,
    devices,
    notification_preferences,
    notifications,
    notification_deliveries,
    pulses,
    audit_log,
    documents,
    blob_deletions,
    uploads,
    upload_parts,
    mrt_decisions,
    appointments,
);
