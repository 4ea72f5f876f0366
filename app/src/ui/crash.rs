//! What the user sees when the app's code stops (a Rust panic in the browser): a notice over the
//! page saying what happened and a button to reload, instead of a page that silently stops
//! answering taps. Drawn with plain DOM calls, because after a panic the reactive system may be
//! in the middle of an update and cannot be trusted to render anything.
//!
//! The one panic a user can cause on purpose: opening a screen whose code (a lazy wasm chunk) is
//! not on the device yet while offline — before the service worker's first install finished.
//! Leptos' lazy routes cannot report a failed load other than by panicking ("load callback should
//! succeed", from `wasm_split`), so the hook recognises it and says so in the user's words.
//! Changes made on the device are already in its store (IndexedDB) and in its sync queue: a
//! reload keeps them.

/// The panic message `wasm_split` uses when a lazy chunk could not be fetched.
const CHUNK_FAILED: &str = "load callback should succeed";

/// Which notice a panic message calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// A screen's code could not be downloaded (offline before the app was fully installed).
    ScreenNotDownloaded,
    /// Anything else: a bug.
    Bug,
}

impl Crash {
    pub fn of(message: &str) -> Crash {
        if message.contains(CHUNK_FAILED) {
            Crash::ScreenNotDownloaded
        } else {
            Crash::Bug
        }
    }
}

/// Shows the notice for a panic with this message (the wasm entry point's panic hook calls it
/// after logging the panic). Browser only; elsewhere it does nothing.
pub fn show(message: &str) {
    #[cfg(feature = "hydrate")]
    browser::show(Crash::of(message));
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Crash;
    use crate::i18n::{td_string, Locale};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Shows the notice once (a second panic while it is up changes nothing). Every step may fail
    /// silently: this runs while something has already gone wrong.
    pub fn show(crash: Crash) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        if document.get_element_by_id("crash").is_some() {
            return;
        }
        let Some(body) = document.body() else { return };
        let locale = match document.document_element().map(|e| e.get_attribute("lang")) {
            Some(Some(lang)) if lang.starts_with("en") => Locale::en,
            _ => Locale::zh_CN,
        };
        let (title, detail) = match crash {
            Crash::ScreenNotDownloaded => (td_string!(locale, crash.not_downloaded_title), td_string!(locale, crash.not_downloaded_detail)),
            Crash::Bug => (td_string!(locale, crash.bug_title), td_string!(locale, crash.bug_detail)),
        };
        let build = || -> Option<()> {
            let notice = document.create_element("div").ok()?;
            notice.set_id("crash");
            notice.set_class_name("crash");
            notice.set_attribute("role", "alertdialog").ok()?;
            notice.set_attribute("data-testid", "crash").ok()?;
            notice.set_attribute("data-crash", if crash == Crash::ScreenNotDownloaded { "not-downloaded" } else { "bug" }).ok()?;
            let card = document.create_element("div").ok()?;
            card.set_class_name("crash-card");
            let h = document.create_element("h2").ok()?;
            h.set_text_content(Some(title));
            let p = document.create_element("p").ok()?;
            p.set_text_content(Some(detail));
            let button = document.create_element("button").ok()?;
            button.set_class_name("button button-primary");
            button.set_attribute("type", "button").ok()?;
            button.set_attribute("data-testid", "crash-reload").ok()?;
            button.set_text_content(Some(td_string!(locale, crash.reload)));
            let reload = Closure::<dyn FnMut()>::new(|| {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            });
            button.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref()).ok()?;
            reload.forget();
            card.append_child(&h).ok()?;
            card.append_child(&p).ok()?;
            card.append_child(&button).ok()?;
            notice.append_child(&card).ok()?;
            body.append_child(&notice).ok()?;
            Some(())
        };
        let _ = build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_screen_is_told_apart_from_a_bug() {
        assert_eq!(Crash::of("load callback should succeed: SplitLoaderError"), Crash::ScreenNotDownloaded);
        assert_eq!(Crash::of("called `Option::unwrap()` on a `None` value"), Crash::Bug);
        assert_eq!(Crash::of(""), Crash::Bug);
    }
}
