//! The frame around every signed-in screen: a top bar, the side navigation (tablet and wider) or
//! the bottom navigation (phone), and the page itself. Which navigation shows is decided by CSS
//! alone (`style/main.css`), so the server renders the right one before the wasm arrives.

use super::icons::{Icon, IconSvg};
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Workbench,
    Customers,
    Funnel,
    Segments,
    Promotions,
    Settings,
}

impl Section {
    /// In navigation order; the phone's bottom bar shows all but Settings (it sits in the top bar).
    pub const ALL: [Section; 6] = [Section::Workbench, Section::Customers, Section::Funnel, Section::Segments, Section::Promotions, Section::Settings];

    pub const fn href(self) -> &'static str {
        match self {
            Section::Workbench => "/",
            Section::Customers => "/customers",
            Section::Funnel => "/funnel",
            Section::Segments => "/segments",
            Section::Promotions => "/promotions",
            Section::Settings => "/settings",
        }
    }

    const fn icon(self) -> Icon {
        match self {
            Section::Workbench => Icon::Workbench,
            Section::Customers => Icon::Customers,
            Section::Funnel => Icon::Funnel,
            Section::Segments => Icon::Segments,
            Section::Promotions => Icon::Promotions,
            Section::Settings => Icon::Settings,
        }
    }

    /// A stable hook for tests and styling, independent of the language shown.
    const fn key(self) -> &'static str {
        match self {
            Section::Workbench => "workbench",
            Section::Customers => "customers",
            Section::Funnel => "funnel",
            Section::Segments => "segments",
            Section::Promotions => "promotions",
            Section::Settings => "settings",
        }
    }
}

/// The translated name of a section, reactive to the language.
fn section_label(section: Section) -> impl Fn() -> String + Send + Sync + Copy + 'static {
    let i18n = use_i18n();
    move || {
        match section {
            Section::Workbench => t_string!(i18n, nav.workbench),
            Section::Customers => t_string!(i18n, nav.customers),
            Section::Funnel => t_string!(i18n, nav.funnel),
            Section::Segments => t_string!(i18n, nav.segments),
            Section::Promotions => t_string!(i18n, nav.promotions),
            Section::Settings => t_string!(i18n, nav.settings),
        }
        .to_string()
    }
}

#[component]
fn NavLink(section: Section) -> impl IntoView {
    let label = section_label(section);
    view! {
        <A href=section.href() attr:class="nav-link" attr:data-nav=section.key()>
            <IconSvg icon=section.icon() />
            <span class="nav-label">{label}</span>
        </A>
    }
}

#[component]
pub fn Layout() -> impl IntoView {
    let i18n = use_i18n();
    super::session::load_current_user();
    let settings_label = section_label(Section::Settings);
    view! {
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <div class="app">
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"客"</span>
                    <span class="brand-name">{t!(i18n, app_name)}</span>
                </A>
                <div class="topbar-actions">
                    <super::sync::screens::StatusChip />
                    <super::language::LanguageSwitch />
                    <A href="/settings" attr:class="icon-button topbar-settings" attr:aria-label=settings_label attr:data-nav="settings-top">
                        <IconSvg icon=Icon::Settings />
                    </A>
                </div>
            </header>
            <nav class="sidenav" aria-label=move || t_string!(i18n, nav.main).to_string()>
                {Section::ALL.into_iter().map(|s| view! { <NavLink section=s /> }).collect_view()}
            </nav>
            <main id="main" class="content">
                <super::pwa::UpdateBanner />
                <Outlet />
            </main>
            <nav class="bottomnav" aria-label=move || t_string!(i18n, nav.main).to_string()>
                {Section::ALL[..5].iter().map(|&s| view! { <NavLink section=s /> }).collect_view()}
            </nav>
        </div>
    }
}
