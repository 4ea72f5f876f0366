//! 批量导入 and 导出: the import screen (`/customers/import`, its own lazy chunk) and the export
//! buttons of the customer list. Importing needs the server (every row is checked against the
//! whole customer file there, and written in one transaction); the device keeps the chosen file
//! and sends it again for each step: read → map the columns → check (a dry run, row by row) →
//! import all rows or only the valid ones, as the user chooses.

use crate::domain::import::{Column, ImportPreview, ImportReport, Mapping};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::labels::error_text;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

type I18n = leptos_i18n::I18nContext<crate::i18n::Locale>;

fn column_label(i18n: I18n, c: Column) -> String {
    use crate::domain::sync::CustomerField as F;
    let field = |f| crate::ui::labels::field_label(i18n, f);
    match c {
        Column::Name => field(F::Name),
        Column::ShortName => field(F::ShortName),
        Column::Kind => t_string!(i18n, customers.kind).to_string(),
        Column::Region => t_string!(i18n, customers.region).to_string(),
        Column::City => field(F::City),
        Column::Address => field(F::Address),
        Column::Industry => field(F::Industry),
        Column::Size => field(F::Size),
        Column::BusinessType => field(F::BusinessType),
        Column::Source => field(F::Source),
        Column::Tags => field(F::Tags),
        Column::CooperationSince => field(F::CooperationSince),
        Column::CreditLimit => field(F::CreditLimit),
        Column::Satisfaction => field(F::Satisfaction),
        Column::CreditCode => field(F::CreditCode),
        Column::Phone => field(F::Phone),
        Column::ContactName => t_string!(i18n, import.contact_name).to_string(),
        Column::ContactTitle => t_string!(i18n, import.contact_title).to_string(),
        Column::ContactPhone => t_string!(i18n, import.contact_phone).to_string(),
        Column::ContactEmail => t_string!(i18n, import.contact_email).to_string(),
    }
}

/// The import screen.
#[component]
pub fn Import() -> impl IntoView {
    let i18n = use_i18n();
    let file = StoredValue::new(Vec::<u8>::new());
    let preview = RwSignal::new(None::<ImportPreview>);
    // The column chosen for each header ("" = not imported).
    let chosen = RwSignal::new(Vec::<String>::new());
    let report = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<usize>);
    let mode = RwSignal::new("all".to_string());
    let skip_duplicates = RwSignal::new(false);
    let fail = move |code: &str| {
        busy.set(false);
        error.set(Some(if code == "network" { t_string!(i18n, import.online_only).to_string() } else { error_text(i18n, code) }));
    };
    let mapping = move || {
        let cols = chosen.get_untracked();
        Mapping(cols.iter().enumerate().filter_map(|(i, c)| Column::from_code(c).map(|c| (c, i))).collect()).to_query()
    };
    // One step: POST the file; the answer (or a 422 carrying a report) as JSON text.
    let send = move |query: String, then: Box<dyn Fn(u16, String) + Send + Sync>| {
        busy.set(true);
        error.set(None);
        let bytes = file.get_value();
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            match crate::ui::api::post_bytes(&format!("/api/import/customers?{query}"), &bytes).await {
                Ok((status, text)) => {
                    busy.set(false);
                    then(status, text);
                }
                Err(e) => fail(e.code()),
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (query, bytes, &then);
        });
    };
    let error_code = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| v["error"].as_str().map(str::to_string)).unwrap_or_else(|| "unknown".into())
    };
    let on_file = move |ev: leptos::ev::Event| {
        preview.set(None);
        report.set(None);
        done.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(f) = input.files().and_then(|l| l.get(0)) else { return };
            busy.set(true);
            leptos::task::spawn_local(async move {
                let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(f.array_buffer()).await else { return fail("empty_file") };
                file.set_value(js_sys::Uint8Array::new(&buffer).to_vec());
                send(
                    "step=parse".into(),
                    Box::new(move |status, text| match serde_json::from_str::<ImportPreview>(&text) {
                        Ok(p) if status == 200 => {
                            chosen.set(p.suggested.iter().map(|c| c.map(|c| c.code().to_string()).unwrap_or_default()).collect());
                            preview.set(Some(p));
                        }
                        _ => fail(&error_code(&text)),
                    }),
                );
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let check = move |_| {
        done.set(None);
        send(
            format!("step=check&mapping={}", mapping()),
            Box::new(move |status, text| match serde_json::from_str::<ImportReport>(&text) {
                Ok(r) if status == 200 => report.set(Some(r)),
                _ => fail(&error_code(&text)),
            }),
        );
    };
    let commit = move |_| {
        let query = format!("step=commit&mapping={}&mode={}&skip_duplicates={}", mapping(), mode.get_untracked(), skip_duplicates.get_untracked());
        send(
            query,
            Box::new(move |status, text| match (status, serde_json::from_str::<ImportReport>(&text)) {
                (200, Ok(r)) => {
                    let n = r.committed.unwrap_or(0);
                    report.set(Some(r));
                    done.set(Some(n));
                }
                (422, Ok(r)) => {
                    report.set(Some(r));
                    error.set(Some(t_string!(i18n, import.nothing_committed).to_string()));
                }
                _ => fail(&error_code(&text)),
            }),
        );
    };
    view! {
        <section class="page" data-page="import">
            <A href="/customers" attr:class="button back-button">{t!(i18n, import.back)}</A>
            <h1 class="page-title">{t!(i18n, import.title)}</h1>
            <div class="card">
                <label class="field">
                    <span class="field-label">{t!(i18n, import.choose)}</span>
                    <input type="file" name="import-file" data-testid="import-file"
                        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" on:change=on_file />
                </label>
                <Show when=move || busy.get()><p class="hint" data-testid="import-busy">{t!(i18n, import.reading)}</p></Show>
                <p class="form-error" role="alert" data-testid="import-error">{move || error.get()}</p>
                <p class="form-ok" role="status" data-testid="import-done">
                    {move || done.get().map(|n| t!(i18n, import.committed, count = move || n.to_string()))}
                </p>
            </div>
            {move || preview.get().map(|p| {
                let format = p.format.clone();
                let rows = p.rows;
                view! {
                    <div class="card" data-testid="import-mapping">
                        <h2 class="card-title">{t!(i18n, import.mapping)}</h2>
                        <p class="hint">{t!(i18n, import.file_info, format = move || format.clone(), rows = move || rows.to_string())}</p>
                        <p class="hint">{t!(i18n, import.mapping_hint)}</p>
                        <div class="form-grid">
                            {p.headers.iter().enumerate().map(|(i, h)| {
                                let sample = p.sample.first().and_then(|r| r.get(i)).cloned().unwrap_or_default();
                                view! {
                                    <label class="field">
                                        <span class="field-label">{h.clone()}<span class="hint">{format!("  {sample}")}</span></span>
                                        <select name=format!("map-{i}") data-header=h.clone()
                                            on:change=move |ev| { let v = event_target_value(&ev); chosen.update(|c| if let Some(x) = c.get_mut(i) { *x = v; }); report.set(None); }>
                                            <option value="" selected=move || chosen.with(|c| c.get(i).is_none_or(|x| x.is_empty()))>{t!(i18n, import.skip)}</option>
                                            {Column::ALL.iter().map(|&col| view! {
                                                <option value=col.code() selected=move || chosen.with(|c| c.get(i).is_some_and(|x| x == col.code()))>
                                                    {move || column_label(i18n, col)}
                                                </option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <button type="button" class="button button-primary" data-testid="import-check" on:click=check disabled=move || busy.get()>
                            {t!(i18n, import.check)}
                        </button>
                    </div>
                }
            })}
            {move || report.get().map(|r| {
                let (rows, valid) = (r.rows, r.valid);
                let bad = rows - valid;
                let more = r.more_issues;
                view! {
                    <div class="card" data-testid="import-report">
                        <p data-testid="import-summary">{t!(i18n, import.summary, rows = move || rows.to_string(), valid = move || valid.to_string(), bad = move || bad.to_string())}</p>
                        <Show when={let has = !r.issues.is_empty(); move || has}>
                            <h2 class="card-title">{t!(i18n, import.issues_title)}</h2>
                            <div class="table-scroll">
                                <table class="table" data-testid="import-issues">
                                    <thead><tr>
                                        <th>{t!(i18n, import.col_row)}</th><th>{t!(i18n, import.col_column)}</th>
                                        <th>{t!(i18n, import.col_reason)}</th><th>{t!(i18n, import.col_value)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {r.issues.iter().map(|i| view! {
                                            <tr data-testid="import-issue" data-row=i.row>
                                                <td>{i.row}</td><td>{i.column.clone()}</td><td>{error_text(i18n, &i.code)}</td><td>{i.value.clone()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </Show>
                        <Show when=move || { more > 0 }>
                            <p class="hint">{t!(i18n, import.more_issues, count = move || more.to_string())}</p>
                        </Show>
                        <Show when={let has = !r.duplicates.is_empty(); move || has}>
                            <h2 class="card-title">{t!(i18n, import.dups_title)}</h2>
                            <ul class="list" data-testid="import-duplicates">
                                {r.duplicates.iter().map(|d| {
                                    let which = match (&d.existing, d.other_row) {
                                        (Some(name), _) if !name.is_empty() => Either::Left(format!("{}：{name}", t_string!(i18n, import.dup_existing))),
                                        (Some(_), _) => Either::Left(format!("{}：{}", t_string!(i18n, import.dup_existing), t_string!(i18n, import.dup_colleague))),
                                        (None, Some(row)) => Either::Right(t!(i18n, import.dup_row, row = move || row.to_string())),
                                        (None, None) => Either::Left(String::new()),
                                    };
                                    view! { <li class="list-row" data-testid="import-duplicate"><span class="list-item-main">
                                        <span class="list-item-title">{format!("{} {}", t_string!(i18n, import.col_row), d.row)}</span>
                                        <span class="list-item-sub">{which}</span>
                                    </span></li> }
                                }).collect_view()}
                            </ul>
                        </Show>
                        <Show when=move || r.committed.is_none()>
                            <fieldset class="checks">
                                <label class="check"><input type="radio" name="import-mode" value="all" prop:checked=move || mode.get() == "all"
                                    on:change=move |_| mode.set("all".into()) /><span>{t!(i18n, import.mode_all)}</span></label>
                                <label class="check"><input type="radio" name="import-mode" value="valid" prop:checked=move || mode.get() == "valid"
                                    on:change=move |_| mode.set("valid".into()) /><span>{t!(i18n, import.mode_valid)}</span></label>
                                <label class="check"><input type="checkbox" name="skip-duplicates" prop:checked=move || skip_duplicates.get()
                                    on:change=move |ev| skip_duplicates.set(event_target_checked(&ev)) /><span>{t!(i18n, import.skip_duplicates)}</span></label>
                            </fieldset>
                            <button type="button" class="button button-primary" data-testid="import-commit" on:click=commit disabled=move || busy.get()>
                                {t!(i18n, import.commit)}
                            </button>
                        </Show>
                    </div>
                }
            })}
        </section>
    }
}

/// Export buttons: the ids of every customer the list's filter admits, written by the server
/// as the viewer may see them.
#[component]
pub fn ExportButtons(ids: Signal<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let failed = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let export = move |format: &'static str| {
        let list = ids.get_untracked();
        busy.set(true);
        failed.set(None);
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            {
                let body = serde_json::json!({ "ids": list });
                let result = crate::ui::api::download(&format!("/api/export/customers?format={format}"), &body, &format!("customers.{format}")).await;
                if let Err(e) = result {
                    failed.set(Some(if e.code() == "network" { t_string!(i18n, import.online_only).to_string() } else { error_text(i18n, e.code()) }));
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (list, format);
            busy.set(false);
        });
    };
    view! {
        <div class="actions export-actions">
            <A href="/customers/import" attr:class="button button-small" attr:data-testid="open-import">{t!(i18n, import.open)}</A>
            <button type="button" class="button button-small" data-testid="export-csv" disabled=move || busy.get() on:click=move |_| export("csv")>
                {t!(i18n, import.export_csv)}
            </button>
            <button type="button" class="button button-small" data-testid="export-xlsx" disabled=move || busy.get() on:click=move |_| export("xlsx")>
                {t!(i18n, import.export_xlsx)}
            </button>
        </div>
        <p class="form-error" role="alert">{move || failed.get()}</p>
    }
}
