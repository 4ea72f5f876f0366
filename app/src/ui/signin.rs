//! The sign-in screen. It posts `{"username","password"}` to `/api/auth/login`; the server answers
//! with a typed error code that is shown translated (see `SignInError`).

use super::layout::LanguageSwitch;
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The body of `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A successful sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub username: String,
    pub display_name: String,
    pub role: crate::domain::org::Role,
    /// A created user signs in with a one-time password and must choose their own first.
    pub must_change_password: bool,
}

/// Why a sign-in failed, as the server reports it in `{"error": "<code>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInError {
    InvalidCredentials,
    Throttled,
    Missing,
    Network,
}

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<SignInError>);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = LoginRequest { username: username.get_untracked().trim().to_string(), password: password.get_untracked() };
        if request.username.is_empty() || request.password.is_empty() {
            error.set(Some(SignInError::Missing));
            return;
        }
        error.set(None);
        pending.set(true);
        #[cfg(feature = "hydrate")]
        {
            let navigate = leptos_router::hooks::use_navigate();
            leptos::task::spawn_local(async move {
                let outcome = post_login(&request).await;
                pending.set(false);
                match outcome {
                    Ok(_) => navigate("/", Default::default()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    let error_text = move || {
        error.get().map(|e| {
            match e {
                SignInError::InvalidCredentials => t_string!(i18n, signin.invalid),
                SignInError::Throttled => t_string!(i18n, signin.throttled),
                SignInError::Missing => t_string!(i18n, signin.missing),
                SignInError::Network => t_string!(i18n, signin.network),
            }
            .to_string()
        })
    };

    view! {
        <main class="signin-page" data-page="signin">
            <div class="signin-lang"><LanguageSwitch /></div>
            <form class="signin-card" on:submit=on_submit novalidate>
                <div class="brand signin-brand">
                    <span class="brand-mark" aria-hidden="true">"客"</span>
                    <span class="brand-name">{t!(i18n, app_name)}</span>
                </div>
                <h1 class="page-title">{t!(i18n, signin.title)}</h1>
                <p class="hint">{t!(i18n, signin.subtitle)}</p>
                <label class="field">
                    <span class="field-label">{t!(i18n, signin.username)}</span>
                    <input name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
                        maxlength="64" required bind:value=username />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, signin.password)}</span>
                    <input name="password" type="password" autocomplete="current-password" maxlength="256" required
                        bind:value=password />
                </label>
                <p class="form-error" role="alert" data-testid="signin-error">{error_text}</p>
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { t_string!(i18n, signin.submitting) } else { t_string!(i18n, signin.submit) }}
                </button>
                <p class="hint demo-hint">{t!(i18n, signin.demo_hint)}</p>
            </form>
        </main>
    }
}

#[cfg(feature = "hydrate")]
async fn post_login(request: &LoginRequest) -> Result<LoginResponse, SignInError> {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: SignInError,
    }
    let response = gloo_net::http::Request::post("/api/auth/login")
        .json(request)
        .map_err(|_| SignInError::Network)?
        .send()
        .await
        .map_err(|_| SignInError::Network)?;
    if response.ok() {
        return response.json::<LoginResponse>().await.map_err(|_| SignInError::Network);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(body.error),
        Err(_) => Err(SignInError::Network),
    }
}
