//! 组织与用户 — the admin's screen: users (role, team, managed regions, reporting line, active;
//! create, reset password, sign out everywhere), regions with their teams, and the lists
//! customers are classified by ([`lists`]). Tablet first: the
//! list on the left, the editor on the right; on a phone the editor follows the list.
//! Everything goes through `/api/admin/*`; the form rules are the shared ones in
//! `domain::admin`, checked here before sending and again by the server.

mod grading;
mod lists;
mod pipelines;

use super::api::{self, ApiError, Method};
use super::session::CurrentUser;
use crate::domain::admin::{CreatedUser, FormError, OrgSnapshot, RegionView, TeamView, UnitForm, UserAdminView, UserForm};
use crate::domain::org::Role;
use crate::i18n::{t, t_string, use_i18n, Locale};
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// What the editor shows: a user being changed, or a new one.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    User(String),
    New,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    Units,
    Lists,
    Pipelines,
    Grading,
}

/// A message under a form: done or refused.
#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Saved,
    SignedOut(u64),
    Password(String),
    Error(String),
}

pub use super::labels::{error_text, role_label};

fn form_error(i18n: leptos_i18n::I18nContext<Locale>, e: FormError) -> Notice {
    Notice::Error(error_text(i18n, e.code()))
}

fn api_error(i18n: leptos_i18n::I18nContext<Locale>, e: &ApiError) -> Notice {
    Notice::Error(error_text(i18n, e.code()))
}

fn local_name(locale: Locale, zh: &str, en: &str) -> String {
    if locale == Locale::zh_CN {
        zh.to_string()
    } else {
        en.to_string()
    }
}

/// The admin screen is loaded on demand: only admins open it, so its code stays out of the first
/// download (built with `cargo leptos build --split`).
#[derive(Clone, Copy)]
pub struct AdminRoute;

#[lazy_route]
impl LazyRoute for AdminRoute {
    fn data() -> Self {
        AdminRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <Admin /> }.into_any()
    }
}

#[component]
pub fn Admin() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<CurrentUser>();
    let org = RwSignal::new(None::<OrgSnapshot>);
    let load_error = RwSignal::new(None::<String>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match api::get::<OrgSnapshot>("/api/admin/org").await {
                Ok(o) => {
                    org.set(Some(o));
                    load_error.set(None);
                }
                Err(e) => load_error.set(Some(error_text(i18n, e.code()))),
            }
        });
    };
    // Loaded in the browser once the signed-in admin is known.
    Effect::new(move |_| {
        if me.get().is_some_and(|m| m.role == Role::Admin) {
            reload();
        }
    });
    let tab = RwSignal::new(Tab::Users);
    let tab_button = move |which: Tab, label: Signal<String>, key: &'static str| {
        view! {
            <button type="button" class="tab" role="tab" data-tab=key
                aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)>{label}</button>
        }
    };
    view! {
        <section class="page" data-page="admin">
            <h1 class="page-title">{t!(i18n, admin.title)}</h1>
            <Show when=move || me.get().is_some_and(|m| m.role != Role::Admin)>
                <div class="empty-state"><p>{t!(i18n, errors.forbidden)}</p></div>
            </Show>
            <p class="form-error" role="alert">{move || load_error.get()}</p>
            <Show when=move || org.get().is_some() fallback=move || view! {
                <Show when=move || me.get().is_none_or(|m| m.role == Role::Admin)>
                    <p class="hint" data-testid="admin-loading">{t!(i18n, admin.loading)}</p>
                </Show>
            }>
                <div class="tabs" role="tablist">
                    {tab_button(Tab::Users, Signal::derive(move || t_string!(i18n, admin.users).to_string()), "users")}
                    {tab_button(Tab::Units, Signal::derive(move || t_string!(i18n, admin.units).to_string()), "units")}
                    {tab_button(Tab::Lists, Signal::derive(move || t_string!(i18n, admin.lists).to_string()), "lists")}
                    {tab_button(Tab::Pipelines, Signal::derive(move || t_string!(i18n, admin.pipelines).to_string()), "pipelines")}
                    {tab_button(Tab::Grading, Signal::derive(move || t_string!(i18n, admin.grading).to_string()), "grading")}
                </div>
                {move || match tab.get() {
                    Tab::Users => view! { <Users org reload /> }.into_any(),
                    Tab::Units => view! { <Units org reload /> }.into_any(),
                    Tab::Lists => view! { <lists::Lists /> }.into_any(),
                    Tab::Pipelines => view! { <pipelines::Pipelines /> }.into_any(),
                    Tab::Grading => view! { <grading::Grading /> }.into_any(),
                }}
            </Show>
        </section>
    }
}

#[component]
fn Users(org: RwSignal<Option<OrgSnapshot>>, reload: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(None::<Editing>);
    // Kept here, not in the editor: the editor is rebuilt when the organisation reloads after a
    // save, and a one-time password must stay on screen until the admin moves on.
    let notice = RwSignal::new(None::<Notice>);
    let query = RwSignal::new(String::new());
    let users = move || {
        let q = query.get().trim().to_lowercase();
        org.get()
            .map(|o| o.users)
            .unwrap_or_default()
            .into_iter()
            .filter(|u| q.is_empty() || u.username.to_lowercase().contains(&q) || u.display_name.to_lowercase().contains(&q))
            .collect::<Vec<_>>()
    };
    let team_name = move |team: &Option<String>| {
        let locale = i18n.get_locale();
        team.as_ref()
            .and_then(|id| org.get().and_then(|o| o.teams.into_iter().find(|t| &t.id == id)))
            .map(|t| local_name(locale, &t.name_zh, &t.name_en))
            .unwrap_or_default()
    };
    view! {
        <div class="two-pane admin-users" class:has-selection=move || editing.get().is_some()>
            <div class="pane pane-list">
                <div class="toolbar">
                    <input type="search" class="search" name="user-search" maxlength="64"
                        placeholder=move || t_string!(i18n, admin.search_users).to_string()
                        aria-label=move || t_string!(i18n, admin.search_users).to_string()
                        bind:value=query />
                    <button type="button" class="button button-primary" data-testid="new-user"
                        on:click=move |_| {
                            notice.set(None);
                            editing.set(Some(Editing::New));
                        }>{t!(i18n, admin.new_user)}</button>
                </div>
                <ul class="list" data-testid="user-list">
                    <For each=users key=|u| (u.username.clone(), u.display_name.clone(), u.role, u.active, u.team_id.clone(), u.sessions) let:user>
                        {
                            let username = user.username.clone();
                            let selected = {
                                let username = username.clone();
                                move || editing.get() == Some(Editing::User(username.clone()))
                            };
                            let team = team_name(&user.team_id);
                            view! {
                                <li>
                                    <button type="button" class="list-item" data-user=username.clone()
                                        aria-current=move || if selected() { "true" } else { "false" }
                                        on:click=move |_| {
                                            notice.set(None);
                                            editing.set(Some(Editing::User(username.clone())));
                                        }>
                                        <span class="list-item-main">
                                            <span class="list-item-title">{user.display_name.clone()}</span>
                                            <span class="list-item-sub">{user.username.clone()} " · " {team}</span>
                                        </span>
                                        <span class="badge">{move || role_label(i18n, user.role)}</span>
                                        <Show when=move || !user.active>
                                            <span class="badge badge-muted">{t!(i18n, admin.inactive)}</span>
                                        </Show>
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </div>
            <div class="pane pane-detail" aria-live="polite">
                {move || match editing.get() {
                    None => Either::Left(view! { <div class="empty-state"><p>{t!(i18n, admin.pick_user)}</p></div> }),
                    Some(which) => {
                        // Tracks the organisation: after a save the editor shows the stored user.
                        let user = match &which {
                            Editing::User(name) => org.get().and_then(|o| o.users.into_iter().find(|u| &u.username == name)),
                            Editing::New => None,
                        };
                        Either::Right(view! { <UserEditor org user editing notice reload /> })
                    }
                }}
            </div>
        </div>
    }
}

#[component]
fn UserEditor(
    org: RwSignal<Option<OrgSnapshot>>,
    user: Option<UserAdminView>,
    editing: RwSignal<Option<Editing>>,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let is_new = user.is_none();
    let existing = user.clone();
    let username = RwSignal::new(user.as_ref().map(|u| u.username.clone()).unwrap_or_default());
    let display_name = RwSignal::new(user.as_ref().map(|u| u.display_name.clone()).unwrap_or_default());
    let role = RwSignal::new(user.as_ref().map(|u| u.role).unwrap_or(Role::Rep));
    let team = RwSignal::new(user.as_ref().and_then(|u| u.team_id.clone()).unwrap_or_default());
    let manager = RwSignal::new(user.as_ref().and_then(|u| u.manager_id.clone()).unwrap_or_default());
    let regions = RwSignal::new(user.as_ref().map(|u| u.region_ids.clone()).unwrap_or_default());
    let active = RwSignal::new(user.as_ref().is_none_or(|u| u.active));
    let pending = RwSignal::new(false);

    let form = move || UserForm {
        username: username.get_untracked().trim().to_string(),
        display_name: display_name.get_untracked(),
        role: role.get_untracked(),
        team_id: Some(team.get_untracked()).filter(|t| !t.is_empty()),
        manager_id: Some(manager.get_untracked()).filter(|m| !m.is_empty()),
        region_ids: regions.get_untracked(),
        active: active.get_untracked(),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = form();
        if let Err(e) = form.validate() {
            notice.set(Some(form_error(i18n, e)));
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = if is_new {
                api::request::<CreatedUser>(Method::Post, "/api/admin/users", Some(&form)).await.map(|c| Some(c.one_time_password))
            } else {
                let url = format!("/api/admin/users/{}", form.username);
                api::request::<UserAdminView>(Method::Put, &url, Some(&form)).await.map(|_| None)
            };
            pending.set(false);
            match outcome {
                Ok(password) => {
                    reload();
                    if is_new {
                        editing.set(Some(Editing::User(form.username.clone())));
                    }
                    notice.set(Some(password.map(Notice::Password).unwrap_or(Notice::Saved)));
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };
    let sign_out = move |_| {
        let url = format!("/api/admin/users/{}/sessions", username.get_untracked());
        leptos::task::spawn_local(async move {
            #[derive(serde::Deserialize)]
            struct Ended {
                sessions_ended: u64,
            }
            match api::request::<Ended>(Method::Delete, &url, None::<&()>).await {
                Ok(e) => {
                    reload();
                    notice.set(Some(Notice::SignedOut(e.sessions_ended)));
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };
    let reset = move |_| {
        let url = format!("/api/admin/users/{}/password", username.get_untracked());
        leptos::task::spawn_local(async move {
            #[derive(serde::Deserialize)]
            struct Reset {
                one_time_password: String,
            }
            match api::request::<Reset>(Method::Post, &url, None::<&()>).await {
                Ok(r) => {
                    reload();
                    notice.set(Some(Notice::Password(r.one_time_password)));
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };

    let teams = move || org.get().map(|o| o.teams).unwrap_or_default();
    let all_regions = move || org.get().map(|o| o.regions).unwrap_or_default();
    let own_id = existing.as_ref().map(|u| u.id.clone());
    let managers =
        move || org.get().map(|o| o.users).unwrap_or_default().into_iter().filter(|u| u.active && Some(&u.id) != own_id.as_ref()).collect::<Vec<_>>();
    let sessions = existing.as_ref().map(|u| u.sessions).unwrap_or(0);
    let must_change = existing.as_ref().is_some_and(|u| u.must_change_password);

    view! {
        <form class="card editor" on:submit=on_submit novalidate data-testid="user-editor">
            <button type="button" class="button back-button" on:click=move |_| editing.set(None)>{t!(i18n, customers.back)}</button>
            <h2 class="card-title">
                {move || if is_new { t_string!(i18n, admin.new_user).to_string() } else { display_name.get() }}
            </h2>
            <Show when=move || !is_new>
                <p class="hint">
                    {t!(i18n, admin.sessions, count = move || sessions.to_string())}
                    <Show when=move || must_change>" · " {t!(i18n, admin.must_change)}</Show>
                </p>
            </Show>
            <div class="form-grid">
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.username)}</span>
                    <input name="username" type="text" autocapitalize="none" spellcheck="false" maxlength="64"
                        readonly=!is_new bind:value=username />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.display_name)}</span>
                    <input name="display-name" type="text" maxlength="100" bind:value=display_name />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.role)}</span>
                    <select name="role" on:change=move |ev| {
                        if let Some(r) = Role::from_code(&event_target_value(&ev)) { role.set(r) }
                    }>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.code() selected=move || role.get() == r>{move || role_label(i18n, r)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || matches!(role.get(), Role::Supervisor | Role::Rep)>
                    <label class="field">
                        <span class="field-label">{t!(i18n, admin.team)}</span>
                        <select name="team" on:change=move |ev| team.set(event_target_value(&ev))>
                            <option value="" selected=move || team.get().is_empty()>{t!(i18n, admin.choose)}</option>
                            <For each=teams key=|t| (t.id.clone(), t.name_zh.clone(), t.name_en.clone()) let:t>
                                {
                                    let id = t.id.clone();
                                    let selected = { let id = id.clone(); move || team.get() == id };
                                    view! { <option value=id selected=selected>{move || local_name(i18n.get_locale(), &t.name_zh, &t.name_en)}</option> }
                                }
                            </For>
                        </select>
                    </label>
                </Show>
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.reports_to)}</span>
                    <select name="manager" on:change=move |ev| manager.set(event_target_value(&ev))>
                        <option value="" selected=move || manager.get().is_empty()>{t!(i18n, admin.nobody)}</option>
                        <For each=managers key=|u| (u.id.clone(), u.display_name.clone()) let:u>
                            {
                                let id = u.id.clone();
                                let selected = { let id = id.clone(); move || manager.get() == id };
                                view! { <option value=id selected=selected>{format!("{} ({})", u.display_name, u.username)}</option> }
                            }
                        </For>
                    </select>
                </label>
                <label class="field field-check">
                    <input type="checkbox" name="active" prop:checked=move || active.get()
                        on:change=move |ev| active.set(event_target_checked(&ev)) />
                    <span>{t!(i18n, admin.active)}</span>
                </label>
            </div>
            <Show when=move || role.get() == Role::Manager>
                <fieldset class="field checks">
                    <legend class="field-label">{t!(i18n, admin.regions)}</legend>
                    <For each=all_regions key=|r| (r.id.clone(), r.name_zh.clone(), r.name_en.clone()) let:r>
                        {
                            let id = r.id.clone();
                            let checked = { let id = id.clone(); move || regions.get().contains(&id) };
                            view! {
                                <label class="check">
                                    <input type="checkbox" name="region" value=id.clone() prop:checked=checked
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            regions.update(|rs| {
                                                rs.retain(|x| x != &id);
                                                if on { rs.push(id.clone()) }
                                            });
                                        } />
                                    <span>{move || local_name(i18n.get_locale(), &r.name_zh, &r.name_en)}</span>
                                </label>
                            }
                        }
                    </For>
                </fieldset>
            </Show>
            <NoticeLine notice />
            <div class="actions">
                <button type="submit" class="button button-primary" data-testid="save-user" disabled=move || pending.get()>
                    {move || if is_new { t_string!(i18n, admin.create) } else { t_string!(i18n, admin.save) }}
                </button>
                <Show when=move || !is_new>
                    <button type="button" class="button" data-testid="sign-out-everywhere" on:click=sign_out>
                        {t!(i18n, admin.sign_out_everywhere)}
                    </button>
                    <button type="button" class="button" data-testid="reset-password" on:click=reset>
                        {t!(i18n, admin.reset_password)}
                    </button>
                </Show>
            </div>
        </form>
    }
}

#[component]
fn NoticeLine(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        notice.get().map(|n| match n {
            Notice::Saved => EitherOf4::A(view! { <p class="form-ok" role="status" data-testid="notice">{t!(i18n, admin.saved)}</p> }),
            Notice::SignedOut(n) => EitherOf4::B(view! {
                <p class="form-ok" role="status" data-testid="notice">{t!(i18n, admin.signed_out, count = move || n.to_string())}</p>
            }),
            Notice::Password(p) => EitherOf4::C(view! {
                <div class="one-time" role="status" data-testid="notice">
                    <p>{t!(i18n, admin.one_time_password)}</p>
                    <code data-testid="one-time-password">{p}</code>
                </div>
            }),
            Notice::Error(text) => EitherOf4::D(view! { <p class="form-error" role="alert" data-testid="notice">{text}</p> }),
        })
    }
}

/// Regions and their teams: add, rename, remove (only when empty).
#[component]
fn Units(org: RwSignal<Option<OrgSnapshot>>, reload: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let notice = RwSignal::new(None::<Notice>);
    // The form: a new region (no region chosen), a new team (a region chosen), or renaming one.
    let code = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let name_zh = RwSignal::new(String::new());
    let name_en = RwSignal::new(String::new());
    let renaming = RwSignal::new(None::<(&'static str, String)>);

    let send = move |method: Method, url: String, form: Option<UnitForm>| {
        if let Some(form) = &form {
            if let Err(e) = form.validate() {
                notice.set(Some(form_error(i18n, e)));
                return;
            }
        }
        leptos::task::spawn_local(async move {
            match api::request::<serde::de::IgnoredAny>(method, &url, form.as_ref()).await {
                Ok(_) => {
                    reload();
                    notice.set(Some(Notice::Saved));
                    code.set(String::new());
                    name_zh.set(String::new());
                    name_en.set(String::new());
                    renaming.set(None);
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = UnitForm { code: None, region_id: None, name_zh: name_zh.get_untracked(), name_en: name_en.get_untracked() };
        match renaming.get_untracked() {
            Some((kind, id)) => send(Method::Put, format!("/api/admin/{kind}/{id}"), Some(form)),
            None if parent.get_untracked().is_empty() => {
                send(Method::Post, "/api/admin/regions".into(), Some(UnitForm { code: Some(code.get_untracked().trim().to_string()), ..form }))
            }
            None => send(Method::Post, "/api/admin/teams".into(), Some(UnitForm { region_id: Some(parent.get_untracked()), ..form })),
        }
    };
    let start_rename = move |kind: &'static str, id: String, zh: String, en: String| {
        renaming.set(Some((kind, id)));
        name_zh.set(zh);
        name_en.set(en);
        notice.set(None);
    };
    let regions = move || org.get().map(|o| o.regions).unwrap_or_default();
    let tree = move || -> Vec<(RegionView, Vec<TeamView>)> {
        let org = org.get().unwrap_or_default();
        org.regions
            .into_iter()
            .map(|r| {
                let teams = org.teams.iter().filter(|t| t.region_id == r.id).cloned().collect();
                (r, teams)
            })
            .collect()
    };
    view! {
        <div class="two-pane admin-units">
            <div class="pane pane-list">
                <ul class="list units" data-testid="unit-list">
                    <For each=tree key=|node| node.clone() let:node>
                        {
                            let (region, teams) = node;
                            let (rid, rzh, ren) = (region.id.clone(), region.name_zh.clone(), region.name_en.clone());
                            let rid2 = rid.clone();
                            view! {
                                <li class="unit" data-region=region.code.clone()>
                                    <div class="unit-row">
                                        <span>
                                            <span class="list-item-title">{move || local_name(i18n.get_locale(), &region.name_zh, &region.name_en)}</span>
                                            <span class="list-item-sub">{region.code.clone()}</span>
                                        </span>
                                        <button type="button" class="button button-small" on:click=move |_| start_rename("regions", rid.clone(), rzh.clone(), ren.clone())>
                                            {t!(i18n, admin.rename)}
                                        </button>
                                        <button type="button" class="button button-small" on:click=move |_| send(Method::Delete, format!("/api/admin/regions/{rid2}"), None)>
                                            {t!(i18n, admin.remove)}
                                        </button>
                                    </div>
                                    <ul class="teams">
                                        {teams.into_iter().map(|team| {
                                            let (tid, tzh, ten) = (team.id.clone(), team.name_zh.clone(), team.name_en.clone());
                                            let tid2 = tid.clone();
                                            let team_key = team.name_en.clone();
                                            view! {
                                                <li class="unit-row" data-team=team_key>
                                                    <span>{move || local_name(i18n.get_locale(), &team.name_zh, &team.name_en)}</span>
                                                    <button type="button" class="button button-small" on:click=move |_| start_rename("teams", tid.clone(), tzh.clone(), ten.clone())>
                                                        {t!(i18n, admin.rename)}
                                                    </button>
                                                    <button type="button" class="button button-small" on:click=move |_| send(Method::Delete, format!("/api/admin/teams/{tid2}"), None)>
                                                        {t!(i18n, admin.remove)}
                                                    </button>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </div>
            <div class="pane pane-detail">
                <form class="card editor" on:submit=on_submit novalidate data-testid="unit-editor">
                    <h2 class="card-title">
                        {move || if renaming.get().is_some() { t_string!(i18n, admin.rename) } else { t_string!(i18n, admin.add_unit) }}
                    </h2>
                    <Show when=move || renaming.get().is_none()>
                        <label class="field">
                            <span class="field-label">{t!(i18n, admin.parent_region)}</span>
                            <select name="parent" on:change=move |ev| parent.set(event_target_value(&ev))>
                                <option value="" selected=move || parent.get().is_empty()>{t!(i18n, admin.new_region)}</option>
                                <For each=regions key=|r| (r.id.clone(), r.name_zh.clone(), r.name_en.clone()) let:r>
                                    {
                                        let id = r.id.clone();
                                        let selected = { let id = id.clone(); move || parent.get() == id };
                                        view! { <option value=id selected=selected>{move || local_name(i18n.get_locale(), &r.name_zh, &r.name_en)}</option> }
                                    }
                                </For>
                            </select>
                        </label>
                        <Show when=move || parent.get().is_empty()>
                            <label class="field">
                                <span class="field-label">{t!(i18n, admin.code)}</span>
                                <input name="code" type="text" autocapitalize="none" maxlength="32" bind:value=code />
                            </label>
                        </Show>
                    </Show>
                    <label class="field">
                        <span class="field-label">{t!(i18n, admin.name_zh)}</span>
                        <input name="name-zh" type="text" maxlength="100" bind:value=name_zh />
                    </label>
                    <label class="field">
                        <span class="field-label">{t!(i18n, admin.name_en)}</span>
                        <input name="name-en" type="text" maxlength="100" bind:value=name_en />
                    </label>
                    <NoticeLine notice />
                    <div class="actions">
                        <button type="submit" class="button button-primary" data-testid="save-unit">{t!(i18n, admin.save)}</button>
                        <Show when=move || renaming.get().is_some()>
                            <button type="button" class="button" on:click=move |_| {
                                renaming.set(None);
                                name_zh.set(String::new());
                                name_en.set(String::new());
                            }>{t!(i18n, admin.cancel)}</button>
                        </Show>
                    </div>
                </form>
            </div>
        </div>
    }
}
