//! Form pieces the customer and contact forms share: a select over a catalogue, a labelled input
//! with its error, a phone shown as a tap-to-call link.

use super::I18n;
use crate::domain::catalog::List;
use crate::i18n::{t, use_i18n};
use crate::ui::sync::use_catalog;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use std::collections::HashMap;

/// A `<select>` over a catalogue, showing translated labels and keeping the chosen code. With
/// `empty`, a first option with the value `""` (any / not set).
#[component]
pub fn CodeSelect<T: Copy + Send + Sync + PartialEq + 'static>(
    name: &'static str,
    all: &'static [T],
    code: fn(T) -> &'static str,
    label: fn(I18n, T) -> String,
    value: RwSignal<String>,
    #[prop(optional)] empty: bool,
    #[prop(optional)] not_set: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
            <Show when=move || empty || not_set>
                <BlankOption value not_set />
            </Show>
            {all.iter().map(|&item| {
                let c = code(item);
                view! { <option value=c selected=move || value.get() == c>{move || label(i18n, item)}</option> }
            }).collect_view()}
        </select>
    }
}

/// A `<select>` over one of the company's lists: its active options in the admin's order, plus
/// the current value when that is a retired option (an old record keeps it unless changed). With
/// `retired`, retired options are offered too (a filter finds old records by them).
#[component]
pub fn OptionSelect(
    name: &'static str,
    list: List,
    value: RwSignal<String>,
    #[prop(optional)] empty: bool,
    #[prop(optional)] not_set: bool,
    #[prop(optional)] retired: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let options = move || {
        let english = i18n.get_locale() == crate::i18n::Locale::en;
        let current = value.get();
        catalog.with(|c| {
            c.options(list)
                .iter()
                .filter(|o| o.active || retired || o.code == current)
                .map(|o| (o.code.clone(), o.name(english).to_string()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
            <Show when=move || empty || not_set>
                <BlankOption value not_set />
            </Show>
            <For each=options key=|o| o.clone() let((code, label))>
                <option value=code.clone() selected=move || value.with(|v| *v == code)>{label}</option>
            </For>
        </select>
    }
}

/// The first option of a select that may stay blank: "any" in a filter, "not set" in a form.
#[component]
fn BlankOption(value: RwSignal<String>, not_set: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <option value="" selected=move || value.with(String::is_empty)>
            {move || if not_set { t!(i18n, customers.not_set).into_any() } else { t!(i18n, customers.any).into_any() }}
        </option>
    }
}

/// Field errors of a form, by column name, as translated text.
pub type Errors = RwSignal<HashMap<&'static str, String>>;

/// A labelled text input bound to `value`, with the error filed under `column`.
#[component]
pub fn TextField(
    #[prop(into)] label: Signal<String>,
    column: &'static str,
    value: RwSignal<String>,
    errors: Errors,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = 200)] maxlength: u32,
    #[prop(optional, into)] hint: Option<Signal<String>>,
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(column).cloned());
    let described = format!("{column}-error");
    view! {
        <label class="field" class:field-invalid=move || error().is_some()>
            <span class="field-label">{move || label.get()}</span>
            <input name=column type=kind inputmode=inputmode maxlength=maxlength bind:value=value
                aria-invalid=move || error().is_some().to_string() aria-describedby=described.clone() />
            {hint.map(|h| view! { <span class="hint">{move || h.get()}</span> })}
            <span class="field-error" id=described data-testid=format!("error-{column}")>{error}</span>
        </label>
    }
}

/// A phone as a tap-to-call link; masked numbers are shown as text (they cannot be dialled).
pub fn phone_view(phone: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    match phone {
        Some(p) if !p.contains('*') => {
            let dial: String = p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            let shown = p.clone();
            EitherOf3::A(view! {
                <a class="tel" href=format!("tel:{dial}") data-testid="phone"
                    aria-label=move || format!("{} {shown}", crate::i18n::t_string!(i18n, customers.call))>{p.clone()}</a>
            })
        }
        Some(p) => EitherOf3::B(view! { <span data-testid="phone" class="masked">{p}</span> }),
        None => EitherOf3::C(view! { <span class="hint">"—"</span> }),
    }
}
