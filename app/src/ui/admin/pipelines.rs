//! 销售流程 — the sales pipelines as the admin keeps them: several pipelines in an order (the
//! first is a new deal's default); for each, its stages in funnel order with their names in both
//! languages, win probability, stall limit, whether their criteria are required, and the entry
//! and exit checklists. Won and lost follow every pipeline and are not edited here.
//!
//! Reads the pipelines from `GET /api/catalog` and writes through `/api/admin/pipelines*`
//! (`server/src/http/pipelines.rs`), checked here first with the shared
//! [`PipelineConfig::validate`]. A stage that still holds deals cannot be removed (the server
//! says so); devices get the new pipelines with their next pull.

use super::{api_error, local_name, Notice, NoticeLine};
use crate::domain::catalog::Catalog;
use crate::domain::pipeline::{Criterion, PipelineConfig, StageConfig, MAX_CRITERIA, MAX_STAGES};
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n, Locale};
use crate::ui::api::{self, Method};
use crate::ui::labels::error_text;
use leptos::prelude::*;

/// A checklist item being edited.
#[derive(Clone, Copy)]
struct CriterionDraft {
    uid: u32,
    code: StoredValue<String>,
    zh: RwSignal<String>,
    en: RwSignal<String>,
}

/// A stage being edited: one signal per field, so typing redraws nothing else.
#[derive(Clone, Copy)]
struct StageDraft {
    uid: u32,
    code: StoredValue<String>,
    name_zh: RwSignal<String>,
    name_en: RwSignal<String>,
    /// Percent, as typed.
    probability: RwSignal<String>,
    stall_days: RwSignal<String>,
    enforce: RwSignal<bool>,
    entry: RwSignal<Vec<CriterionDraft>>,
    exit: RwSignal<Vec<CriterionDraft>>,
}

/// The pipeline being edited.
#[derive(Clone, Copy)]
struct Draft {
    /// `None`: a new pipeline, whose code is typed.
    existing: RwSignal<Option<String>>,
    code: RwSignal<String>,
    name_zh: RwSignal<String>,
    name_en: RwSignal<String>,
    stages: RwSignal<Vec<StageDraft>>,
    next_uid: StoredValue<u32>,
}

impl Draft {
    fn new() -> Draft {
        let s = || RwSignal::new(String::new());
        Draft { existing: RwSignal::new(None), code: s(), name_zh: s(), name_en: s(), stages: RwSignal::new(Vec::new()), next_uid: StoredValue::new(0) }
    }

    fn uid(&self) -> u32 {
        let n = self.next_uid.get_value();
        self.next_uid.set_value(n + 1);
        n
    }

    fn criterion(&self, c: &Criterion) -> CriterionDraft {
        CriterionDraft { uid: self.uid(), code: StoredValue::new(c.code.clone()), zh: RwSignal::new(c.text_zh.clone()), en: RwSignal::new(c.text_en.clone()) }
    }

    fn stage(&self, s: &StageConfig) -> StageDraft {
        StageDraft {
            uid: self.uid(),
            code: StoredValue::new(s.code.clone()),
            name_zh: RwSignal::new(s.name_zh.clone()),
            name_en: RwSignal::new(s.name_en.clone()),
            probability: RwSignal::new(Money::from_fen(s.probability_bp).to_plain()),
            stall_days: RwSignal::new(s.stall_days.to_string()),
            enforce: RwSignal::new(s.enforce),
            entry: RwSignal::new(s.entry_criteria.iter().map(|c| self.criterion(c)).collect()),
            exit: RwSignal::new(s.exit_criteria.iter().map(|c| self.criterion(c)).collect()),
        }
    }

    fn load(&self, p: Option<&PipelineConfig>) {
        self.existing.set(p.map(|p| p.code.clone()));
        self.code.set(p.map(|p| p.code.clone()).unwrap_or_default());
        self.name_zh.set(p.map(|p| p.name_zh.clone()).unwrap_or_default());
        self.name_en.set(p.map(|p| p.name_en.clone()).unwrap_or_default());
        let stages = match p {
            Some(p) => p.stages.iter().map(|s| self.stage(s)).collect(),
            // A new pipeline starts from the company's first one, to be changed.
            None => Vec::new(),
        };
        self.stages.set(stages);
    }

    /// A code not used by `taken`, like `stage3` or `c2`.
    fn fresh_code(prefix: &str, taken: impl Fn(&str) -> bool) -> String {
        (1..).map(|n| format!("{prefix}{n}")).find(|c| !taken(c)).expect("some number is free")
    }

    fn add_stage(&self) {
        let codes: Vec<String> = self.stages.with_untracked(|s| s.iter().map(|s| s.code.get_value()).collect());
        let code = Draft::fresh_code("stage", |c| codes.iter().any(|x| x == c));
        let stage = StageConfig {
            code,
            name_zh: String::new(),
            name_en: String::new(),
            probability_bp: 5_000,
            entry_criteria: Vec::new(),
            exit_criteria: Vec::new(),
            enforce: false,
            stall_days: 21,
        };
        let draft = self.stage(&stage);
        self.stages.update(|s| s.push(draft));
    }

    fn add_criterion(&self, list: RwSignal<Vec<CriterionDraft>>) {
        let codes: Vec<String> = list.with_untracked(|l| l.iter().map(|c| c.code.get_value()).collect());
        let code = Draft::fresh_code("c", |c| codes.iter().any(|x| x == c));
        let c = self.criterion(&Criterion { code, text_zh: String::new(), text_en: String::new() });
        list.update(|l| l.push(c));
    }

    /// The pipeline as typed, or why it cannot be read.
    fn config(&self) -> Result<PipelineConfig, &'static str> {
        let criteria = |list: &RwSignal<Vec<CriterionDraft>>| {
            list.with_untracked(|l| {
                l.iter()
                    .map(|c| Criterion { code: c.code.get_value(), text_zh: c.zh.get_untracked().trim().into(), text_en: c.en.get_untracked().trim().into() })
                    .collect()
            })
        };
        let stages = self.stages.with_untracked(|stages| {
            stages
                .iter()
                .map(|s| {
                    let percent = Money::parse(&s.probability.get_untracked()).map_err(|_| "invalid_probability")?;
                    let stall = s.stall_days.get_untracked().trim().parse::<u32>().map_err(|_| "invalid_stall_days")?;
                    Ok(StageConfig {
                        code: s.code.get_value(),
                        name_zh: s.name_zh.get_untracked().trim().into(),
                        name_en: s.name_en.get_untracked().trim().into(),
                        // Percent with up to two decimals, as basis points.
                        probability_bp: percent.fen(),
                        entry_criteria: criteria(&s.entry),
                        exit_criteria: criteria(&s.exit),
                        enforce: s.enforce.get_untracked(),
                        stall_days: stall,
                    })
                })
                .collect::<Result<Vec<_>, &'static str>>()
        })?;
        let p = PipelineConfig {
            code: self.code.get_untracked().trim().into(),
            name_zh: self.name_zh.get_untracked().trim().into(),
            name_en: self.name_en.get_untracked().trim().into(),
            stages,
        };
        p.validate()?;
        Ok(p)
    }
}

#[component]
pub fn Pipelines() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = RwSignal::new(None::<Catalog>);
    let notice = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);
    let draft = Draft::new();
    let reload = move |select: Option<String>| {
        leptos::task::spawn_local(async move {
            match api::get::<Catalog>("/api/catalog").await {
                Ok(c) => {
                    let wanted = select.or_else(|| draft.existing.get_untracked()).or_else(|| c.pipelines.first().map(|p| p.code.clone()));
                    draft.load(wanted.as_deref().and_then(|w| c.pipeline(w)));
                    catalog.set(Some(c));
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };
    Effect::new(move |_| reload(None));
    let send = move |method: Method, url: String, body: Option<serde_json::Value>, then: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::request::<serde::de::IgnoredAny>(method, &url, body.as_ref()).await;
            match &result {
                Ok(_) => notice.set(Some(Notice::Saved)),
                Err(e) if e.code() == "in_use" => notice.set(Some(Notice::Error(t_string!(i18n, admin.stage_in_use).to_string()))),
                Err(e) => notice.set(Some(api_error(i18n, e))),
            }
            busy.set(false);
            // After a failed save the admin's draft stays as typed.
            if result.is_ok() {
                reload(then);
            }
        });
    };
    let pipelines = move || catalog.with(|c| c.as_ref().map(|c| c.pipelines.clone()).unwrap_or_default());
    let english = move || i18n.get_locale() == Locale::en;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match draft.config() {
            Err(code) => notice.set(Some(Notice::Error(error_text(i18n, code)))),
            Ok(p) => {
                let code = p.code.clone();
                send(Method::Put, format!("/api/admin/pipelines/{code}"), serde_json::to_value(&p).ok(), Some(code));
            }
        }
    };
    let shift = move |index: usize, up: bool| {
        let mut codes: Vec<String> = pipelines().into_iter().map(|p| p.code).collect();
        let other = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < codes.len()) };
        let Some(other) = other else { return };
        codes.swap(index, other);
        send(Method::Put, "/api/admin/pipelines".into(), Some(serde_json::json!({ "codes": codes })), None);
    };
    let start_new = move || {
        notice.set(None);
        draft.load(None);
        // A new pipeline starts with the first one's stages, to be changed.
        if let Some(first) = pipelines().first() {
            let stages = first.stages.iter().map(|s| draft.stage(s)).collect();
            draft.stages.set(stages);
        }
    };
    let stage_rows = move || draft.stages.get().into_iter().enumerate().collect::<Vec<_>>();
    view! {
        <div class="two-pane admin-pipelines">
            <div class="pane pane-list">
                <p class="hint">{t!(i18n, admin.pipelines_hint)}</p>
                <ol class="list options" data-testid="pipeline-list">
                    {move || {
                        let all = pipelines();
                        let last = all.len().saturating_sub(1);
                        all.into_iter().enumerate().map(|(i, p)| {
                            let shown = local_name(i18n.get_locale(), &p.name_zh, &p.name_en);
                            let code = p.code.clone();
                            let selected = { let code = code.clone(); move || draft.existing.get().as_deref() == Some(code.as_str()) };
                            let n = p.stages.len();
                            view! {
                                <li class="option" data-code=p.code.clone() class:selected=selected>
                                    <button type="button" class="option-names link-button" on:click=move |_| {
                                        notice.set(None);
                                        draft.load(catalog.with_untracked(|c| c.as_ref().and_then(|c| c.pipeline(&code).cloned())).as_ref());
                                    }>
                                        <span class="list-item-title">{shown}</span>
                                        <span class="list-item-sub option-code">{format!("{} · {n}", p.code)}</span>
                                    </button>
                                    <span class="option-actions">
                                        <button type="button" class="button button-small" disabled=i == 0
                                            aria-label=move || t_string!(i18n, admin.move_up).to_string() on:click=move |_| shift(i, true)>"↑"</button>
                                        <button type="button" class="button button-small" disabled=i == last
                                            aria-label=move || t_string!(i18n, admin.move_down).to_string() on:click=move |_| shift(i, false)>"↓"</button>
                                    </span>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ol>
                <button type="button" class="button" data-testid="new-pipeline" on:click=move |_| start_new()>{t!(i18n, admin.new_pipeline)}</button>
            </div>
            <div class="pane pane-detail">
                <form class="card editor pipeline-editor" on:submit=save novalidate data-testid="pipeline-editor">
                    <h2 class="card-title">
                        {move || if draft.existing.get().is_some() { t_string!(i18n, admin.edit_pipeline) } else { t_string!(i18n, admin.new_pipeline) }}
                    </h2>
                    <Show when=move || draft.existing.get().is_none()>
                        <label class="field">
                            <span class="field-label">{t!(i18n, admin.option_code)}</span>
                            <input name="pipeline-code" type="text" autocapitalize="none" maxlength="32" bind:value=draft.code />
                            <span class="hint">{t!(i18n, admin.option_code_hint)}</span>
                        </label>
                    </Show>
                    <div class="form-grid">
                        <label class="field">
                            <span class="field-label">{t!(i18n, admin.name_zh)}</span>
                            <input name="pipeline-name-zh" type="text" maxlength="40" bind:value=draft.name_zh />
                        </label>
                        <label class="field">
                            <span class="field-label">{t!(i18n, admin.name_en)}</span>
                            <input name="pipeline-name-en" type="text" maxlength="40" bind:value=draft.name_en />
                        </label>
                    </div>
                    <h3 class="card-title">{t!(i18n, admin.stages)}</h3>
                    <p class="hint">{t!(i18n, admin.stages_hint)}</p>
                    <ol class="stage-drafts" data-testid="stage-drafts">
                        <For each=stage_rows key=|(i, s)| (*i, s.uid) let((index, stage))>
                            <StageEditor draft index stage english=Signal::derive(english) />
                        </For>
                    </ol>
                    <button type="button" class="button" data-testid="add-stage" disabled=move || { draft.stages.with(|s| s.len() >= MAX_STAGES) }
                        on:click=move |_| draft.add_stage()>{t!(i18n, admin.add_stage)}</button>
                    <NoticeLine notice />
                    <div class="actions">
                        <button type="submit" class="button button-primary" data-testid="save-pipeline" disabled=move || busy.get()>{t!(i18n, admin.save)}</button>
                        <Show when=move || { draft.existing.get().is_some() && pipelines().len() > 1 }>
                            <button type="button" class="button button-danger" data-testid="delete-pipeline" on:click=move |_| {
                                if let Some(code) = draft.existing.get_untracked() {
                                    draft.existing.set(None);
                                    send(Method::Delete, format!("/api/admin/pipelines/{code}"), None, None);
                                }
                            }>{t!(i18n, admin.remove)}</button>
                        </Show>
                    </div>
                </form>
            </div>
        </div>
    }
}

/// One stage of the draft: names, probability, stall limit, required criteria, the checklists,
/// and moving or removing it.
#[component]
fn StageEditor(draft: Draft, index: usize, stage: StageDraft, english: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let count = move || draft.stages.with(Vec::len);
    let shift = move |up: bool| {
        draft.stages.update(|s| {
            let other = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < s.len()) };
            if let Some(other) = other {
                s.swap(index, other);
            }
        });
    };
    let title = move || {
        let name = if english.get() { stage.name_en.get() } else { stage.name_zh.get() };
        format!("{}. {}", index + 1, if name.trim().is_empty() { stage.code.get_value() } else { name })
    };
    view! {
        <li class="stage-draft" data-stage=stage.code.get_value()>
            <div class="stage-draft-head">
                <strong>{title}</strong>
                <span class="option-actions">
                    <button type="button" class="button button-small" disabled=move || index == 0
                        aria-label=move || t_string!(i18n, admin.move_up).to_string() on:click=move |_| shift(true)>"↑"</button>
                    <button type="button" class="button button-small" disabled=move || { index + 1 >= count() }
                        aria-label=move || t_string!(i18n, admin.move_down).to_string() on:click=move |_| shift(false)>"↓"</button>
                    <button type="button" class="button button-small" data-testid="remove-stage" disabled=move || { count() <= 1 }
                        on:click=move |_| draft.stages.update(|s| { s.remove(index); })>{t!(i18n, admin.remove)}</button>
                </span>
            </div>
            <div class="form-grid">
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.name_zh)}</span>
                    <input name="stage-name-zh" type="text" maxlength="40" bind:value=stage.name_zh />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.name_en)}</span>
                    <input name="stage-name-en" type="text" maxlength="40" bind:value=stage.name_en />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.probability)}</span>
                    <input name="stage-probability" type="text" inputmode="decimal" maxlength="6" bind:value=stage.probability />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.stall_days)}</span>
                    <input name="stage-stall-days" type="text" inputmode="numeric" maxlength="3" bind:value=stage.stall_days />
                </label>
            </div>
            <label class="check">
                <input type="checkbox" name="stage-enforce" bind:checked=stage.enforce />
                {t!(i18n, admin.enforce)}
            </label>
            <CriteriaEditor draft list=stage.exit exit=true />
            <CriteriaEditor draft list=stage.entry exit=false />
        </li>
    }
}

#[component]
fn CriteriaEditor(draft: Draft, list: RwSignal<Vec<CriterionDraft>>, exit: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <fieldset class="criteria-draft" data-kind=if exit { "exit" } else { "entry" }>
            <legend>{move || if exit { t_string!(i18n, admin.exit_criteria) } else { t_string!(i18n, admin.entry_criteria) }}</legend>
            <For each=move || list.get() key=|c| c.uid let(c)>
                <div class="criterion-draft">
                    <input name="criterion-zh" type="text" maxlength="100" bind:value=c.zh aria-label=move || t_string!(i18n, admin.name_zh).to_string()
                        placeholder=move || t_string!(i18n, admin.name_zh).to_string() />
                    <input name="criterion-en" type="text" maxlength="100" bind:value=c.en aria-label=move || t_string!(i18n, admin.name_en).to_string()
                        placeholder=move || t_string!(i18n, admin.name_en).to_string() />
                    <button type="button" class="button button-small" aria-label=move || t_string!(i18n, admin.remove).to_string()
                        on:click=move |_| list.update(|l| l.retain(|x| x.uid != c.uid))>"×"</button>
                </div>
            </For>
            <button type="button" class="button button-small" data-testid="add-criterion" disabled=move || { list.with(|l| l.len() >= MAX_CRITERIA) }
                on:click=move |_| draft.add_criterion(list)>{t!(i18n, admin.add_criterion)}</button>
        </fieldset>
    }
}
