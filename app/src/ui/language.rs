//! The language switch 中文 | English, on the top bar, the sign-in card and the settings screen.

use crate::i18n::{t_string, use_i18n, Locale};
use leptos::prelude::*;

/// 中文 | English. The choice is kept in a cookie, so it survives reloads and the server renders
/// the next page in it; a page starts in the language the server rendered it in (`<html lang>`).
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let button = move |locale: Locale, label: &'static str, lang: &'static str| {
        view! {
            <button
                type="button"
                class="lang-option"
                lang=lang
                data-locale=lang
                aria-pressed=move || (i18n.get_locale() == locale).to_string()
                on:click=move |_| {
                    i18n.set_locale(locale);
                    remember_language(lang);
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="lang-switch" role="group" aria-label=move || t_string!(i18n, lang_label).to_string()>
            {button(Locale::zh_CN, "中文", "zh-CN")}
            {button(Locale::en, "EN", "en")}
        </div>
    }
}

/// Remembers the language for a year on this device, in the cookie the server reads
/// (leptos_i18n's `i18n_pref_locale`). Written here rather than by leptos_i18n's `cookie` feature,
/// which the browser build leaves out: it brings a cookie crate, date parsing and formatting and a
/// cross-tab channel into the first download (about 25 KB compressed) to write one line. The
/// server keeps the feature to read it.
fn remember_language(lang: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(document) = leptos::prelude::document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = document.set_cookie(&format!("i18n_pref_locale={lang}; path=/; max-age=31536000; SameSite=Lax"));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = lang;
}
