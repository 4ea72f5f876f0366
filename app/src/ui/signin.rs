//! The sign-in screen. It posts `{"username","password"}` to `/api/auth/login`; the server answers
//! with a typed error code that is shown translated (see `SignInError`).

use super::language::LanguageSwitch;
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
    /// The user's id: names the device's local replica and owns what they create offline.
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: crate::domain::org::Role,
    /// A created user signs in with a one-time password and must choose their own first.
    pub must_change_password: bool,
}

/// `GET /api/me`: the signed-in user, the same fields as a sign-in answer.
pub type Me = LoginResponse;

/// The body of `POST /api/auth/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

/// The shortest password a user may choose (the server enforces the same).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a sign-in or password change failed, as the server reports it in `{"error": "<code>"}`,
/// plus the checks made before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInError {
    InvalidCredentials,
    Throttled,
    Missing,
    Network,
    Mismatch,
    PasswordTooShort,
    PasswordUnchanged,
    /// Among the most common passwords (the server's list, too long to ship to the device).
    PasswordCommon,
    /// The same as the username.
    PasswordIsUsername,
}

impl PasswordChangeRequest {
    /// The checks both sides make on a new password.
    pub fn validate(&self, confirmation: &str) -> Result<(), SignInError> {
        if self.new_password != confirmation {
            return Err(SignInError::Mismatch);
        }
        if self.new_password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(SignInError::PasswordTooShort);
        }
        if self.new_password == self.current_password {
            return Err(SignInError::PasswordUnchanged);
        }
        Ok(())
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<SignInError>);
    let pending = RwSignal::new(false);
    // After signing in with a one-time password the same card asks for a new one.
    let must_change = RwSignal::new(false);
    let new_password = RwSignal::new(String::new());
    let confirm_password = RwSignal::new(String::new());

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
                let outcome = post_json::<_, LoginResponse>("/api/auth/login", &request).await;
                pending.set(false);
                match outcome {
                    Ok(r) if r.must_change_password => must_change.set(true),
                    Ok(_) => navigate("/", Default::default()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    let on_change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = PasswordChangeRequest { current_password: password.get_untracked(), new_password: new_password.get_untracked() };
        if let Err(e) = request.validate(&confirm_password.get_untracked()) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        pending.set(true);
        #[cfg(feature = "hydrate")]
        {
            let navigate = leptos_router::hooks::use_navigate();
            leptos::task::spawn_local(async move {
                let outcome = post_json::<_, ()>("/api/auth/password", &request).await;
                pending.set(false);
                match outcome {
                    Ok(()) => navigate("/", Default::default()),
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
                SignInError::Mismatch => t_string!(i18n, signin.mismatch),
                SignInError::PasswordTooShort => t_string!(i18n, signin.too_short),
                SignInError::PasswordUnchanged => t_string!(i18n, signin.unchanged),
                SignInError::PasswordCommon => t_string!(i18n, signin.common),
                SignInError::PasswordIsUsername => t_string!(i18n, signin.is_username),
            }
            .to_string()
        })
    };

    view! {
        <main class="signin-page" data-page="signin">
            <div class="signin-lang"><LanguageSwitch /></div>
            <Show when=move || !must_change.get() fallback=move || view! {
                <form class="signin-card" on:submit=on_change novalidate data-testid="password-change">
                    <h1 class="page-title">{t!(i18n, signin.change_title)}</h1>
                    <p class="hint">{t!(i18n, signin.change_hint)}</p>
                    <label class="field">
                        <span class="field-label">{t!(i18n, signin.new_password)}</span>
                        <input name="new-password" type="password" autocomplete="new-password" maxlength="256" bind:value=new_password />
                    </label>
                    <label class="field">
                        <span class="field-label">{t!(i18n, signin.confirm_password)}</span>
                        <input name="confirm-password" type="password" autocomplete="new-password" maxlength="256" bind:value=confirm_password />
                    </label>
                    <p class="form-error" role="alert" data-testid="signin-error">{error_text}</p>
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {t!(i18n, signin.change_submit)}
                    </button>
                </form>
            }>
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
            </Show>
        </main>
    }
}

/// POSTs JSON; a 2xx answer is decoded as `R` (an empty body as `()`), an error answer as the
/// server's typed error code.
#[cfg(feature = "hydrate")]
async fn post_json<B: Serialize, R: serde::de::DeserializeOwned>(url: &str, body: &B) -> Result<R, SignInError> {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: SignInError,
    }
    let response = gloo_net::http::Request::post(url).json(body).map_err(|_| SignInError::Network)?.send().await.map_err(|_| SignInError::Network)?;
    if response.ok() {
        let text = response.text().await.map_err(|_| SignInError::Network)?;
        let text = if text.is_empty() { "null" } else { text.as_str() };
        return serde_json::from_str::<R>(text).map_err(|_| SignInError::Network);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(body.error),
        Err(_) => Err(SignInError::Network),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_must_be_confirmed_long_enough_and_new() {
        let req = |cur: &str, new: &str| PasswordChangeRequest { current_password: cur.into(), new_password: new.into() };
        assert_eq!(req("one-time-1", "a-better-password").validate("a-better-password"), Ok(()));
        assert_eq!(req("one-time-1", "a-better-password").validate("a-better-passw0rd"), Err(SignInError::Mismatch));
        assert_eq!(req("one-time-1", "short").validate("short"), Err(SignInError::PasswordTooShort));
        assert_eq!(req("same-password", "same-password").validate("same-password"), Err(SignInError::PasswordUnchanged));
        // Ten characters, counted as characters: Chinese passphrases are fine.
        assert_eq!(req("x", "客道客道客道客道客道").validate("客道客道客道客道客道"), Ok(()));
    }
}
