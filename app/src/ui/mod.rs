//! The Leptos UI: the document shell rendered by the server, the app layout (side navigation on
//! tablets, bottom navigation on phones) and one module per screen.

mod admin;
pub mod api;
mod clock;
pub mod crash;
pub mod csp;
mod customers;
mod funnel;
mod icons;
pub mod labels;
mod language;
mod layout;
mod more;
mod pages;
mod promotions;
pub mod pwa;
mod segments;
pub mod session;
pub mod signin;
pub mod sync;
mod workbench;

use crate::i18n::I18nContextProvider;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy,
};

/// Declares a screen loaded on demand: its code becomes a separate wasm chunk (built with
/// `--split`), fetched when the route first opens and precached by the service worker, so it
/// opens offline too. The first download then holds only the shell and the sync engine: every
/// screen is one of these, the home screen (the workbench) included, and `.ci/test` fails when the
/// first download grows past its budget (`first_download` in `.ci/lib.sh`).
macro_rules! lazy_screen {
    ($route:ident, $component:path) => {
        #[derive(Clone, Copy)]
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $component().into_any()
            }
        }
    };
}

lazy_screen!(SignInRoute, signin::SignIn);
lazy_screen!(WorkbenchRoute, workbench::Workbench);
lazy_screen!(CustomersRoute, customers::Customers);
lazy_screen!(ImportRoute, customers::Import);
lazy_screen!(SettingsRoute, pages::Settings);
lazy_screen!(FunnelRoute, funnel::Funnel);
lazy_screen!(SegmentsRoute, segments::Segments);
lazy_screen!(PromotionsRoute, promotions::Promotions);

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The policy with the nonce Leptos put on the scripts it inlines for this response.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(policy) = http::HeaderValue::from_str(&csp::content_security_policy(Some(&nonce))) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#1f5fbf" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: translations, routing and the layout around every screen.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(session::CurrentUser(RwSignal::new(None)));
    let sync = sync::SyncState::provide();
    pwa::register(sync);
    view! {
        <I18nContextProvider>
            <Stylesheet id="leptos" href="/pkg/kedao.css" />
            <Meta name="description" content="Kedao 客道" />
            <AppTitle />
            <Router>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/signin") view={Lazy::<SignInRoute>::new()} />
                    <ParentRoute path=path!("") view=layout::Layout>
                        <Route path=path!("") view={Lazy::<WorkbenchRoute>::new()} />
                        <Route path=path!("customers") view={Lazy::<CustomersRoute>::new()} />
                        <Route path=path!("customers/import") view={Lazy::<ImportRoute>::new()} />
                        <Route path=path!("funnel") view={Lazy::<FunnelRoute>::new()} />
                        <Route path=path!("segments") view={Lazy::<SegmentsRoute>::new()} />
                        <Route path=path!("promotions") view={Lazy::<PromotionsRoute>::new()} />
                        <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} />
                        <Route path=path!("sync") view={Lazy::<sync::screens::SyncRoute>::new()} />
                        <Route path=path!("admin") view={Lazy::<admin::AdminRoute>::new()} />
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    view! { <Title text=move || crate::i18n::t_string!(i18n, app_name).to_string() /> }
}
