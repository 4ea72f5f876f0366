//! Translated labels for codes: roles, catalogue values, error and refusal codes, editable
//! fields. One place, so every screen says the same thing for the same code.

use crate::domain::catalog::{Catalog, ContactRole, List, Satisfaction};
use crate::domain::deal::{Budget, Competition, DealField, Intent};
use crate::domain::org::Role;
use crate::domain::sync::{ContactField, CustomerField, Rejection};
use crate::i18n::{t_string, Locale};

type I18n = leptos_i18n::I18nContext<Locale>;

pub fn role_label(i18n: I18n, role: Role) -> String {
    match role {
        Role::Admin => t_string!(i18n, role.admin),
        Role::Director => t_string!(i18n, role.director),
        Role::Manager => t_string!(i18n, role.manager),
        Role::Supervisor => t_string!(i18n, role.supervisor),
        Role::Rep => t_string!(i18n, role.rep),
        Role::Finance => t_string!(i18n, role.finance),
        Role::Service => t_string!(i18n, role.service),
    }
    .to_string()
}

/// The translated reason for an error code from the server or the shared validation.
pub fn error_text(i18n: I18n, code: &str) -> String {
    match code {
        "network" => t_string!(i18n, errors.network),
        "unauthenticated" => t_string!(i18n, errors.unauthenticated),
        "forbidden" => t_string!(i18n, errors.forbidden),
        "not_found" => t_string!(i18n, errors.not_found),
        "invalid_username" => t_string!(i18n, errors.invalid_username),
        "invalid_display_name" => t_string!(i18n, errors.invalid_display_name),
        "team_required" => t_string!(i18n, errors.team_required),
        "regions_required" => t_string!(i18n, errors.regions_required),
        "reporting_cycle" => t_string!(i18n, errors.reporting_cycle),
        "invalid_name" => t_string!(i18n, errors.invalid_name),
        "invalid_option_name" => t_string!(i18n, errors.invalid_option_name),
        "invalid_code" => t_string!(i18n, errors.invalid_code),
        "unknown_reference" => t_string!(i18n, errors.unknown_reference),
        "taken" => t_string!(i18n, errors.taken),
        "in_use" => t_string!(i18n, errors.in_use),
        "own_account" => t_string!(i18n, errors.own_account),
        "required" => t_string!(i18n, errors.required),
        "too_long" => t_string!(i18n, errors.too_long),
        "invalid_phone" => t_string!(i18n, errors.invalid_phone),
        "unknown_code" => t_string!(i18n, errors.unknown_code),
        "invalid_id" => t_string!(i18n, errors.invalid_id),
        "no_changes" => t_string!(i18n, errors.no_changes),
        "duplicate_field" => t_string!(i18n, errors.duplicate_field),
        "same_stage" => t_string!(i18n, errors.same_stage),
        "malformed" => t_string!(i18n, errors.malformed),
        "not_ready" => t_string!(i18n, errors.not_ready),
        "already_exists" => t_string!(i18n, errors.already_exists),
        "client_must_update" => t_string!(i18n, errors.client_must_update),
        "server_error" => t_string!(i18n, errors.server_error),
        "credit_code_length" => t_string!(i18n, errors.credit_code_length),
        "credit_code_character" => t_string!(i18n, errors.credit_code_character),
        "credit_code_check" => t_string!(i18n, errors.credit_code_check),
        "invalid_email" => t_string!(i18n, errors.invalid_email),
        "invalid_date" => t_string!(i18n, errors.invalid_date),
        "invalid_tags" => t_string!(i18n, errors.invalid_tags),
        "invalid_amount" => t_string!(i18n, errors.invalid_amount),
        "invalid_wechat" => t_string!(i18n, errors.invalid_wechat),
        "same_customer" => t_string!(i18n, errors.same_customer),
        "unknown_value" => t_string!(i18n, errors.unknown_value),
        "retired_option" => t_string!(i18n, errors.retired_option),
        "empty_file" => t_string!(i18n, errors.empty_file),
        "xls_unsupported" => t_string!(i18n, errors.xls_unsupported),
        "not_a_table" => t_string!(i18n, errors.not_a_table),
        "unreadable_encoding" => t_string!(i18n, errors.unreadable_encoding),
        "too_many_rows" => t_string!(i18n, errors.too_many_rows),
        "invalid_mapping" => t_string!(i18n, errors.invalid_mapping),
        "too_large" => t_string!(i18n, errors.too_large),
        "criteria_unmet" => t_string!(i18n, errors.criteria_unmet),
        "unknown_stage" => t_string!(i18n, errors.unknown_stage),
        "won_is_final" => t_string!(i18n, errors.won_is_final),
        "reopen_first" => t_string!(i18n, errors.reopen_first),
        "unknown_pipeline" => t_string!(i18n, errors.unknown_pipeline),
        "lost_reason_required" => t_string!(i18n, errors.lost_reason_required),
        "not_lost" => t_string!(i18n, errors.not_lost),
        "invalid_rank" => t_string!(i18n, errors.invalid_rank),
        "unknown_criterion" => t_string!(i18n, errors.unknown_criterion),
        "invalid_probability" => t_string!(i18n, errors.invalid_probability),
        "invalid_stall_days" => t_string!(i18n, errors.invalid_stall_days),
        "stage_count" => t_string!(i18n, errors.stage_count),
        "too_many_criteria" => t_string!(i18n, errors.too_many_criteria),
        "invalid_criterion" => t_string!(i18n, errors.invalid_criterion),
        "amount_negative" => t_string!(i18n, errors.amount_negative),
        "invalid_competitors" => t_string!(i18n, errors.invalid_competitors),
        "invalid_contacts" => t_string!(i18n, errors.invalid_contacts),
        "invalid_cadence" => t_string!(i18n, errors.invalid_cadence),
        "not_customer_contact" => t_string!(i18n, errors.not_customer_contact),
        "invalid_owner" => t_string!(i18n, errors.invalid_owner),
        "owner_cannot_see_customer" => t_string!(i18n, errors.owner_cannot_see_customer),
        "thresholds_overlap" => t_string!(i18n, errors.thresholds_overlap),
        "invalid_period" => t_string!(i18n, errors.invalid_period),
        "invalid_threshold" => t_string!(i18n, errors.invalid_threshold),
        "segment_empty" => t_string!(i18n, errors.segment_empty),
        "k_too_large" => t_string!(i18n, errors.k_too_large),
        "invalid_number" => t_string!(i18n, errors.invalid_number),
        "budget_zero" => t_string!(i18n, errors.budget_zero),
        "window_past" => t_string!(i18n, errors.window_past),
        "window_reversed" => t_string!(i18n, errors.window_reversed),
        "invalid_intensity" => t_string!(i18n, errors.invalid_intensity),
        "plan_locked" => t_string!(i18n, errors.plan_locked),
        "not_submitted" => t_string!(i18n, errors.not_submitted),
        "reason_required" => t_string!(i18n, errors.reason_required),
        "unknown_segment" => t_string!(i18n, errors.unknown_segment),
        "invalid_model" => t_string!(i18n, errors.invalid_model),
        "plan_not_approved" => t_string!(i18n, errors.plan_not_approved),
        "invalid_years" => t_string!(i18n, errors.invalid_years),
        "not_started" => t_string!(i18n, errors.not_started),
        _ => t_string!(i18n, errors.unknown),
    }
    .to_string()
}

/// Why the server (or the shared validation) refused a change, in words.
pub fn rejection_text(i18n: I18n, r: &Rejection) -> String {
    match r {
        Rejection::NotFound => error_text(i18n, "not_found"),
        Rejection::Forbidden => error_text(i18n, "forbidden"),
        Rejection::Invalid { code } => error_text(i18n, code),
        Rejection::AlreadyExists => error_text(i18n, "already_exists"),
        Rejection::ClientMustUpdate => error_text(i18n, "client_must_update"),
        Rejection::ServerError => error_text(i18n, "server_error"),
    }
}

/// A stage's name in its pipeline (won and lost are the same everywhere); the code itself for a
/// stage the pipeline no longer has.
pub fn stage_label(i18n: I18n, catalog: &Catalog, pipeline: &str, code: &str) -> String {
    match code {
        crate::domain::pipeline::WON => t_string!(i18n, stage.contract_signed).to_string(),
        crate::domain::pipeline::LOST => t_string!(i18n, stage.lost).to_string(),
        _ => catalog
            .pipeline(pipeline)
            .and_then(|p| p.stages.iter().find(|s| s.code == code))
            .map_or_else(|| code.to_string(), |s| if i18n.get_locale() == Locale::en { s.name_en.clone() } else { s.name_zh.clone() }),
    }
}

pub fn field_label(i18n: I18n, field: CustomerField) -> String {
    use CustomerField as F;
    match field {
        F::Name => t_string!(i18n, customers.name),
        F::ShortName => t_string!(i18n, customers.short_name),
        F::City => t_string!(i18n, customers.city),
        F::Address => t_string!(i18n, customers.address),
        F::Industry => t_string!(i18n, customers.industry),
        F::Size => t_string!(i18n, customers.size),
        F::BusinessType => t_string!(i18n, customers.business_type),
        F::Source => t_string!(i18n, customers.source),
        F::Tags => t_string!(i18n, customers.tags),
        F::CooperationSince => t_string!(i18n, customers.cooperation_since),
        F::CreditLimit => t_string!(i18n, customers.credit_limit),
        F::Satisfaction => t_string!(i18n, customers.satisfaction),
        F::CreditCode => t_string!(i18n, customers.credit_code),
        F::HotReason => t_string!(i18n, customers.hot_reason),
        F::Phone => t_string!(i18n, customers.phone),
    }
    .to_string()
}

pub fn contact_field_label(i18n: I18n, field: ContactField) -> String {
    match field {
        ContactField::Name => t_string!(i18n, customers.contact_name),
        ContactField::Title => t_string!(i18n, customers.contact_title),
        ContactField::Role => t_string!(i18n, customers.contact_role),
        ContactField::Phone => t_string!(i18n, customers.contact_phone),
        ContactField::Email => t_string!(i18n, customers.contact_email),
        ContactField::Wechat => t_string!(i18n, customers.contact_wechat),
        ContactField::Birthday => t_string!(i18n, customers.contact_birthday),
        ContactField::Notes => t_string!(i18n, customers.contact_notes),
    }
    .to_string()
}

pub fn deal_field_label(i18n: I18n, field: DealField) -> String {
    use DealField as F;
    match field {
        F::Title => t_string!(i18n, deal.title),
        F::Amount => t_string!(i18n, deal.amount),
        F::ExpectedClose => t_string!(i18n, deal.expected_close),
        F::Source => t_string!(i18n, deal.source),
        F::Competitors => t_string!(i18n, deal.competitors),
        F::Intent => t_string!(i18n, deal.intent),
        F::Budget => t_string!(i18n, deal.budget),
        F::Competition => t_string!(i18n, deal.competition),
        F::Contacts => t_string!(i18n, deal.contacts),
        F::NextStep => t_string!(i18n, deal.next_step),
        F::NextStepDate => t_string!(i18n, deal.next_step_date),
        F::Cadence => t_string!(i18n, deal.cadence),
    }
    .to_string()
}

pub fn intent_label(i18n: I18n, v: Intent) -> String {
    match v {
        Intent::Strong => t_string!(i18n, deal.intent_strong),
        Intent::Medium => t_string!(i18n, deal.intent_medium),
        Intent::Weak => t_string!(i18n, deal.intent_weak),
    }
    .to_string()
}

pub fn budget_label(i18n: I18n, v: Budget) -> String {
    match v {
        Budget::Approved => t_string!(i18n, deal.budget_approved),
        Budget::Planned => t_string!(i18n, deal.budget_planned),
        Budget::None => t_string!(i18n, deal.budget_none),
    }
    .to_string()
}

pub fn competition_label(i18n: I18n, v: Competition) -> String {
    match v {
        Competition::Leading => t_string!(i18n, deal.competition_leading),
        Competition::Even => t_string!(i18n, deal.competition_even),
        Competition::Behind => t_string!(i18n, deal.competition_behind),
    }
    .to_string()
}

/// A deal field's stored value as the reader should see it (amounts in yuan, codes translated).
pub fn deal_value_label(i18n: I18n, catalog: &Catalog, field: DealField, value: Option<&str>) -> String {
    let Some(v) = value else { return "—".into() };
    match field {
        DealField::Amount => v.parse::<i64>().ok().map(|fen| crate::domain::Money::from_fen(fen).format_yuan()),
        DealField::Source => Some(option_label(i18n, catalog, List::Source, v)),
        DealField::Intent => Intent::from_code(v).map(|x| intent_label(i18n, x)),
        DealField::Budget => Budget::from_code(v).map(|x| budget_label(i18n, x)),
        DealField::Competition => Competition::from_code(v).map(|x| competition_label(i18n, x)),
        DealField::Cadence => Some(format!("{v} {}", t_string!(i18n, deal.days))),
        DealField::Contacts => Some(crate::domain::deal::parse_contacts(v).count().to_string()),
        _ => None,
    }
    .unwrap_or_else(|| v.to_string())
}

/// An option of one of the company's lists in the viewer's language (data, not i18n: the admin
/// names each option in both); the code itself if the list does not know it.
pub fn option_label(i18n: I18n, catalog: &Catalog, list: List, code: &str) -> String {
    catalog.label(list, code, i18n.get_locale() == Locale::en).to_string()
}

pub fn satisfaction_label(i18n: I18n, v: Satisfaction) -> String {
    match v {
        Satisfaction::High => t_string!(i18n, satisfaction.high),
        Satisfaction::Medium => t_string!(i18n, satisfaction.medium),
        Satisfaction::Low => t_string!(i18n, satisfaction.low),
    }
    .to_string()
}

pub fn contact_role_label(i18n: I18n, v: ContactRole) -> String {
    match v {
        ContactRole::DecisionMaker => t_string!(i18n, contact_role.decision_maker),
        ContactRole::Influencer => t_string!(i18n, contact_role.influencer),
        ContactRole::User => t_string!(i18n, contact_role.user),
        ContactRole::Gatekeeper => t_string!(i18n, contact_role.gatekeeper),
    }
    .to_string()
}

/// A stored field value as the reader should see it: catalogue codes translated.
pub fn field_value_label(i18n: I18n, catalog: &Catalog, field: CustomerField, value: Option<&str>) -> String {
    let Some(v) = value else { return "—".into() };
    if let Some(list) = field.list() {
        return option_label(i18n, catalog, list, v);
    }
    match field {
        CustomerField::Satisfaction => Satisfaction::from_code(v).map(|x| satisfaction_label(i18n, x)),
        CustomerField::CreditLimit => v.parse::<i64>().ok().map(|fen| crate::domain::Money::from_fen(fen).format_yuan()),
        _ => None,
    }
    .unwrap_or_else(|| v.to_string())
}
