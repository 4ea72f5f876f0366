//! The Content-Security-Policy, written once. The server sends it on every response
//! (`server/src/http/security.rs`); the page shell sends it with the nonce of the scripts Leptos
//! inlines for hydration, so no inline script runs without it.
//!
//! Scripts come from this origin or carry the page's nonce, and WebAssembly may be compiled
//! (`'wasm-unsafe-eval'`); no `'unsafe-inline'` for scripts. Styles allow inline `style`
//! attributes: the funnel board and the bar charts position and size elements with them, and a
//! style attribute cannot run code. Nothing may frame the app, embed plugins or change the base
//! URL.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_string(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; \
         connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_need_this_origin_or_the_nonce_and_nothing_frames_the_app() {
        let page = content_security_policy(Some("abc123"));
        assert!(page.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{page}");
        let any = content_security_policy(None);
        let scripts = any.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"] {
            assert!(any.contains(directive) && page.contains(directive), "{directive}");
        }
    }
}
