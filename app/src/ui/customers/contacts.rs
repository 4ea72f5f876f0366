//! A customer's contacts 联系人 from the replica: name, role in the decision, title, tap-to-call
//! phone, email, WeChat, birthday, notes; added, edited and deleted as sync mutations.

use super::fields::{phone_view, CodeSelect, Errors, TextField};
use crate::domain::catalog::ContactRole;
use crate::domain::customer::ContactView;
use crate::domain::replica::contact_value;
use crate::domain::sync::{ContactField, Field, NewContact, Op, Rejection};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::labels::{contact_field_label, contact_role_label, error_text, rejection_text};
use crate::ui::sync::{new_id, use_sync};
use leptos::either::Either;
use leptos::prelude::*;
use std::collections::HashMap;

#[component]
pub fn Contacts(customer_id: String, editable: Memo<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    // `Some(None)`: adding one; `Some(Some(id))`: editing that one.
    let open = RwSignal::new(None::<Option<String>>);
    let list = {
        let customer_id = customer_id.clone();
        Memo::new(move |_| sync.replica.with(|r| r.as_ref().map(|r| r.contacts_of(&customer_id).into_iter().cloned().collect::<Vec<_>>()).unwrap_or_default()))
    };
    let done = Callback::new(move |_| open.set(None));
    let customer_id = StoredValue::new(customer_id);
    view! {
        <Show when=move || !list.get().is_empty() fallback=move || view! { <p class="hint" data-testid="no-contacts">{t!(i18n, customers.no_contacts)}</p> }>
            <ul class="list contacts" data-testid="contacts">
                <For each=move || list.get() key=|k| (k.id.clone(), k.version, k.name.clone(), k.phone.clone(), k.role.clone(), k.title.clone()) let:k>
                    {
                        let id = k.id.clone();
                        let editing = { let id = id.clone(); move || open.get() == Some(Some(id.clone())) };
                        let li_id = id.clone();
                        view! {
                            <li class="contact" data-contact=li_id>
                                {move || if editing() {
                                    Either::Left(view! { <ContactForm customer_id=customer_id.get_value() existing=Some(k.clone()) on_done=done /> })
                                } else {
                                    let id = id.clone();
                                    Either::Right(view! {
                                        <ContactCard k=k.clone() />
                                        <Show when=move || editable.get()>
                                            <button type="button" class="button button-small" data-testid="edit-contact"
                                                on:click={let id = id.clone(); move |_| open.set(Some(Some(id.clone())))}>
                                                {t!(i18n, customers.contact_edit)}
                                            </button>
                                        </Show>
                                    })
                                }}
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
        <Show when=move || editable.get()>
            {
                move || if open.get() == Some(None) {
                    Either::Left(view! { <ContactForm customer_id=customer_id.get_value() existing=None on_done=done /> })
                } else {
                    Either::Right(view! {
                        <button type="button" class="button button-small" data-testid="add-contact" on:click=move |_| open.set(Some(None))>
                            {t!(i18n, customers.contact_new)}
                        </button>
                    })
                }
            }
        </Show>
    }
}

#[component]
fn ContactCard(k: ContactView) -> impl IntoView {
    let i18n = use_i18n();
    let role = k.role.as_deref().and_then(ContactRole::from_code);
    let sub = [k.title.clone(), k.wechat.clone().map(|w| format!("{} {w}", t_string!(i18n, customers.contact_wechat)))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <div class="contact-card">
            <span class="list-item-main">
                <span class="list-item-title">
                    {k.name.clone()}
                    {role.map(|r| view! { <span class="badge badge-muted" data-testid="contact-role">{move || contact_role_label(i18n, r)}</span> })}
                </span>
                <span class="list-item-sub">{sub}</span>
                {k.email.clone().map(|e| view! { <a class="list-item-sub" href=format!("mailto:{e}")>{e.clone()}</a> })}
                {k.birthday.clone().map(|b| view! { <span class="list-item-sub">{format!("{} {b}", t_string!(i18n, customers.contact_birthday))}</span> })}
                {k.notes.clone().map(|n| view! { <span class="list-item-sub notes">{n}</span> })}
            </span>
            {phone_view(k.phone.clone())}
        </div>
    }
}

/// Adds a contact (`existing` = None) or edits one, with a two-tap delete.
#[component]
fn ContactForm(customer_id: String, existing: Option<ContactView>, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let value = |f: ContactField| RwSignal::new(existing.as_ref().and_then(|k| contact_value(k, f)).unwrap_or_default());
    let name = value(ContactField::Name);
    let title = value(ContactField::Title);
    let role = value(ContactField::Role);
    let phone = value(ContactField::Phone);
    let email = value(ContactField::Email);
    let wechat = value(ContactField::Wechat);
    let birthday = value(ContactField::Birthday);
    let notes = value(ContactField::Notes);
    let phone_editable = !existing.as_ref().and_then(|k| k.phone.as_deref()).is_some_and(|p| p.contains('*'));
    let errors: Errors = RwSignal::new(HashMap::new());
    let failed = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(false);
    let existing_id = existing.as_ref().map(|k| k.id.clone());
    let existing_name = StoredValue::new(existing.as_ref().map(|k| k.name.clone()).unwrap_or_default());
    let run = move |op: Option<Op>| match op.map(|op| sync.mutate(op)) {
        None | Some(Ok(())) => on_done.run(()),
        Some(Err(r)) => failed.set(Some(rejection_text(i18n, &r))),
    };
    let submit = {
        let existing_id = existing_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut typed = vec![
                (ContactField::Name, name.get_untracked()),
                (ContactField::Title, title.get_untracked()),
                (ContactField::Role, role.get_untracked()),
                (ContactField::Email, email.get_untracked()),
                (ContactField::Wechat, wechat.get_untracked()),
                (ContactField::Birthday, birthday.get_untracked()),
                (ContactField::Notes, notes.get_untracked()),
            ];
            if phone_editable {
                typed.push((ContactField::Phone, phone.get_untracked()));
            }
            let mut found = HashMap::new();
            for (field, text) in &typed {
                if let Err(Rejection::Invalid { code }) = field.check(field.canonical(text).as_deref()) {
                    found.insert(field.column(), error_text(i18n, &code));
                }
            }
            let has_errors = !found.is_empty();
            errors.set(found);
            if has_errors {
                return;
            }
            let op = match &existing_id {
                Some(id) => sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.contact_edit(id, &typed))),
                None => Some(Op::CreateContact(NewContact {
                    id: new_id(),
                    customer_id: customer_id.clone(),
                    name: ContactField::Name.canonical(&name.get_untracked()).unwrap_or_default(),
                    details: typed.iter().filter(|(f, _)| *f != ContactField::Name).filter_map(|(f, t)| f.canonical(t).map(|v| (*f, v))).collect(),
                })),
            };
            run(op);
        }
    };
    let delete = {
        let existing_id = existing_id.clone();
        move |_| {
            if !confirm_delete.get_untracked() {
                confirm_delete.set(true);
                return;
            }
            run(existing_id.clone().map(|id| Op::DeleteContact { id }));
        }
    };
    let label = move |f: ContactField| Signal::derive(move || contact_field_label(i18n, f));
    let is_new = existing_id.is_none();
    view! {
        <form class="contact-form" data-testid="contact-form" on:submit=submit novalidate>
            <h4 class="card-title">{move || if is_new { t_string!(i18n, customers.contact_new) } else { t_string!(i18n, customers.contact_edit) }}</h4>
            <div class="form-grid">
                <TextField label=label(ContactField::Name) column="name" value=name errors maxlength=100 />
                <TextField label=label(ContactField::Title) column="title" value=title errors maxlength=100 />
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.contact_role)}</span>
                    <CodeSelect name="role" all=ContactRole::ALL code=ContactRole::code label=contact_role_label value=role not_set=true />
                </label>
                <Show when=move || phone_editable>
                    <TextField label=label(ContactField::Phone) column="phone" value=phone errors kind="tel" inputmode="tel" maxlength=32 />
                </Show>
                <TextField label=label(ContactField::Email) column="email" value=email errors kind="email" inputmode="email" maxlength=100 />
                <TextField label=label(ContactField::Wechat) column="wechat" value=wechat errors maxlength=40 />
                <TextField label=label(ContactField::Birthday) column="birthday" value=birthday errors kind="date" />
            </div>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.contact_notes)}</span>
                <textarea name="notes" rows="3" maxlength="2000" bind:value=notes></textarea>
                <span class="field-error" data-testid="error-notes">{move || errors.with(|e| e.get("notes").cloned())}</span>
            </label>
            <p class="form-error" role="alert">{move || failed.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary" data-testid="save-contact">{t!(i18n, customers.save)}</button>
                <button type="button" class="button" on:click=move |_| on_done.run(())>{t!(i18n, customers.cancel)}</button>
                <Show when=move || !is_new>
                    <button type="button" class="button button-danger" data-testid="delete-contact" on:click=delete.clone()>
                        {move || if confirm_delete.get() {
                            Either::Left(t!(i18n, customers.contact_delete_confirm, name = move || existing_name.get_value()))
                        } else {
                            Either::Right(t!(i18n, customers.contact_delete))
                        }}
                    </button>
                </Show>
            </div>
        </form>
    }
}
