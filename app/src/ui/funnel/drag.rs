//! Dragging cards on the board, outside Leptos's reactivity: a drag touches only a floating copy of
//! the card, a drop line and two classes, so each frame costs a style change, not a redraw.
//!
//! - Mouse (and pen): press on a card and move it more than a few pixels.
//! - Touch: hold a card still for [`LONG_PRESS_MS`], then drag. A finger that moves before that is
//!   scrolling: the drag is abandoned and the browser scrolls, so swiping a column on a phone never
//!   moves a card. Once a drag started, the touch's moves are taken from the browser
//!   (`touchmove` listened to with `passive: false`), so the page does not scroll under it.
//! - Near a column's top or bottom edge, or the board's side edges, the view scrolls along.
//!
//! Written here because no maintained Rust crate does touch-safe drag and drop over a virtualised
//! list; the browser's own drag and drop does not work with touch.

use gloo_events::{EventListener, EventListenerOptions};
use leptos::prelude::{set_timeout_with_handle, TimeoutHandle};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, PointerEvent, TouchEvent};

/// How long a finger rests on a card before it is picked up.
pub const LONG_PRESS_MS: u64 = 400;
/// A finger moving further than this before the long press is scrolling.
const TOUCH_SLOP: f64 = 10.0;
/// A mouse moving further than this while pressed starts a drag (less is a click).
const MOUSE_SLOP: f64 = 5.0;
/// Distance from an edge where the view scrolls along, and by how much per move.
const EDGE: f64 = 48.0;
const STEP: i32 = 14;

/// Where a card was let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A column, at a slot counted with the dragged card still in place (0 = before the first).
    Column {
        index: usize,
        slot: usize,
    },
    Won,
    Lost,
    /// Not over a column or a drop zone: nothing moves.
    Outside,
}

#[derive(Debug, Clone)]
pub struct Dropped {
    pub deal: String,
    pub target: Target,
}

struct Drag {
    deal: String,
    card: HtmlElement,
    start: (f64, f64),
    /// A mouse drag's pointer (captured); `None` for touch.
    pointer: Option<i32>,
    timer: Option<TimeoutHandle>,
    /// The floating copy, once the drag has started.
    ghost: Option<HtmlElement>,
    over: Option<Element>,
}

thread_local! {
    static LAST_DROP: Cell<f64> = const { Cell::new(0.0) };
}

/// Whether a drag just ended (the click that follows a mouse drag must not open the card).
pub fn recently_dropped() -> bool {
    js_sys::Date::now() - LAST_DROP.with(Cell::get) < 350.0
}

/// The listeners on one board; dropping it detaches them.
pub struct Attached {
    _listeners: Vec<EventListener>,
}

/// Starts listening on `board` (the element holding the columns, the drop zones and the drop
/// line). `card_h` is a card's slot height.
pub fn attach(board: HtmlElement, card_h: f64, on_drop: Rc<dyn Fn(Dropped)>) -> Attached {
    let state: Rc<RefCell<Option<Drag>>> = Rc::new(RefCell::new(None));
    let mut listeners = Vec::new();
    let cx = Rc::new(Ctx { board: board.clone(), card_h, on_drop });

    {
        let (state, cx) = (state.clone(), cx.clone());
        listeners.push(EventListener::new(&board, "pointerdown", move |e| {
            let e = e.unchecked_ref::<PointerEvent>();
            if e.pointer_type() == "touch" || e.button() != 0 {
                return;
            }
            let Some(card) = card_of(e.target()) else { return };
            let _ = card.set_pointer_capture(e.pointer_id());
            cx.cancel(&mut state.borrow_mut());
            *state.borrow_mut() = Some(Drag::new(card, (f64::from(e.client_x()), f64::from(e.client_y())), Some(e.pointer_id())));
        }));
    }
    {
        let (state, cx) = (state.clone(), cx.clone());
        listeners.push(EventListener::new(&board, "pointermove", move |e| {
            let e = e.unchecked_ref::<PointerEvent>();
            let mut s = state.borrow_mut();
            let Some(d) = s.as_mut().filter(|d| d.pointer == Some(e.pointer_id())) else { return };
            let at = (f64::from(e.client_x()), f64::from(e.client_y()));
            if d.ghost.is_none() && distance(d.start, at) > MOUSE_SLOP {
                cx.pick_up(d);
            }
            if d.ghost.is_some() {
                e.prevent_default();
                cx.move_to(d, at);
            }
        }));
    }
    for kind in ["pointerup", "pointercancel"] {
        let (state, cx) = (state.clone(), cx.clone());
        listeners.push(EventListener::new(&board, kind, move |e| {
            let e = e.unchecked_ref::<PointerEvent>();
            let taken = state.borrow_mut().take_if(|d| d.pointer == Some(e.pointer_id()));
            let Some(d) = taken else { return };
            let _ = d.card.release_pointer_capture(e.pointer_id());
            if e.type_() == "pointerup" && d.ghost.is_some() {
                cx.drop_at(d, (f64::from(e.client_x()), f64::from(e.client_y())));
            } else {
                cx.cancel(&mut Some(d));
            }
        }));
    }
    {
        let (state, cx) = (state.clone(), cx.clone());
        listeners.push(EventListener::new(&board, "touchstart", move |e| {
            let e = e.unchecked_ref::<TouchEvent>();
            cx.cancel(&mut state.borrow_mut());
            let touches = e.touches();
            if touches.length() != 1 {
                return;
            }
            let Some(card) = card_of(e.target()) else { return };
            let Some(t) = touches.get(0) else { return };
            let start = (f64::from(t.client_x()), f64::from(t.client_y()));
            let mut drag = Drag::new(card, start, None);
            let (state2, cx2) = (state.clone(), cx.clone());
            drag.timer = set_timeout_with_handle(
                move || {
                    let mut s = state2.borrow_mut();
                    if let Some(d) = s.as_mut() {
                        d.timer = None;
                        cx2.pick_up(d);
                        cx2.move_to(d, d.start);
                        if let Some(w) = web_sys::window() {
                            let _ = w.navigator().vibrate_with_duration(12);
                        }
                    }
                },
                Duration::from_millis(LONG_PRESS_MS),
            )
            .ok();
            *state.borrow_mut() = Some(drag);
        }));
    }
    {
        let (state, cx) = (state.clone(), cx.clone());
        listeners.push(EventListener::new_with_options(&board, "touchmove", EventListenerOptions::enable_prevent_default(), move |e| {
            let e = e.unchecked_ref::<TouchEvent>();
            let mut s = state.borrow_mut();
            let Some(d) = s.as_mut() else { return };
            let Some(t) = e.touches().get(0) else { return };
            let at = (f64::from(t.client_x()), f64::from(t.client_y()));
            if d.ghost.is_some() {
                e.prevent_default();
                cx.move_to(d, at);
            } else if distance(d.start, at) > TOUCH_SLOP {
                // Scrolling: let the browser have it.
                cx.cancel(&mut s);
            }
        }));
    }
    for kind in ["touchend", "touchcancel"] {
        let (state, cx) = (state.clone(), cx.clone());
        listeners.push(EventListener::new_with_options(&board, kind, EventListenerOptions::enable_prevent_default(), move |e| {
            let e = e.unchecked_ref::<TouchEvent>();
            let Some(d) = state.borrow_mut().take() else { return };
            let point = e.changed_touches().get(0).map(|t| (f64::from(t.client_x()), f64::from(t.client_y())));
            match (d.ghost.is_some(), point) {
                (true, Some(at)) if e.type_() == "touchend" => {
                    // No click after a drag.
                    e.prevent_default();
                    cx.drop_at(d, at);
                }
                _ => cx.cancel(&mut Some(d)),
            }
        }));
    }
    listeners.push(EventListener::new_with_options(&board, "contextmenu", EventListenerOptions::enable_prevent_default(), move |e| {
        // A long press on a card picks it up; it does not open the browser's menu.
        if card_of(e.target()).is_some() {
            e.prevent_default();
        }
    }));
    Attached { _listeners: listeners }
}

struct Ctx {
    board: HtmlElement,
    card_h: f64,
    on_drop: Rc<dyn Fn(Dropped)>,
}

impl Drag {
    fn new(card: HtmlElement, start: (f64, f64), pointer: Option<i32>) -> Drag {
        let deal = card.get_attribute("data-deal").unwrap_or_default();
        Drag { deal, card, start, pointer, timer: None, ghost: None, over: None }
    }
}

impl Ctx {
    /// Starts the drag: a floating copy of the card follows the pointer; the drop zones show.
    fn pick_up(&self, d: &mut Drag) {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
        let Some(ghost) = d.card.clone_node_with_deep(true).ok().and_then(|n| n.dyn_into::<HtmlElement>().ok()) else { return };
        let rect = d.card.get_bounding_client_rect();
        let style = ghost.style();
        let _ = ghost.set_attribute("class", "deal-card drag-ghost");
        let _ = ghost.remove_attribute("data-deal");
        let _ = ghost.set_attribute("aria-hidden", "true");
        for (k, v) in [
            ("left", format!("{}px", rect.left())),
            ("top", format!("{}px", rect.top())),
            ("width", format!("{}px", rect.width())),
            ("transform", "none".into()),
        ] {
            let _ = style.set_property(k, &v);
        }
        if let Some(body) = doc.body() {
            let _ = body.append_child(&ghost);
        }
        let _ = d.card.class_list().add_1("dragging");
        let _ = self.board.class_list().add_1("is-dragging");
        d.ghost = Some(ghost);
    }

    fn move_to(&self, d: &mut Drag, at: (f64, f64)) {
        if let Some(g) = &d.ghost {
            let _ = g.style().set_property("transform", &format!("translate({}px,{}px) rotate(2deg)", at.0 - d.start.0, at.1 - d.start.1));
        }
        let target = self.target_at(at);
        let over = self.over_element(at);
        if over.as_ref() != d.over.as_ref() {
            if let Some(old) = &d.over {
                let _ = old.class_list().remove_1("drop-target");
            }
            if let Some(new) = &over {
                let _ = new.class_list().add_1("drop-target");
            }
            d.over = over;
        }
        self.show_line(target);
        self.scroll_along(at);
    }

    /// The column body or drop zone under a point (the ghost lets the pointer through).
    fn over_element(&self, at: (f64, f64)) -> Option<Element> {
        let doc = web_sys::window()?.document()?;
        let hit = doc.element_from_point(at.0 as f32, at.1 as f32)?;
        hit.closest("[data-drop]").ok().flatten().or_else(|| hit.closest(".board-col").ok().flatten())
    }

    fn target_at(&self, at: (f64, f64)) -> Target {
        let Some(el) = self.over_element(at) else { return Target::Outside };
        match el.get_attribute("data-drop").as_deref() {
            Some("won") => return Target::Won,
            Some("lost") => return Target::Lost,
            _ => {}
        }
        let Some(index) = el.get_attribute("data-col").and_then(|c| c.parse().ok()) else { return Target::Outside };
        let Some(body) = el.query_selector("[data-col-body]").ok().flatten() else { return Target::Outside };
        let count: usize = body.get_attribute("data-count").and_then(|c| c.parse().ok()).unwrap_or(0);
        let rect = body.get_bounding_client_rect();
        let y = at.1 - rect.top() + f64::from(body.scroll_top());
        let slot = ((y / self.card_h) + 0.5).floor().max(0.0) as usize;
        Target::Column { index, slot: slot.min(count) }
    }

    /// The line where the card would land.
    fn show_line(&self, target: Target) {
        let Some(line) = self.board.query_selector(".drop-line").ok().flatten().and_then(|l| l.dyn_into::<HtmlElement>().ok()) else { return };
        let style = line.style();
        let Target::Column { index, slot } = target else {
            let _ = style.set_property("display", "none");
            return;
        };
        let Some(body) = self.board.query_selector(&format!("[data-col-body=\"{index}\"]")).ok().flatten() else { return };
        let rect = body.get_bounding_client_rect();
        let y = (rect.top() + slot as f64 * self.card_h - f64::from(body.scroll_top()) - 4.0).clamp(rect.top(), rect.bottom());
        for (k, v) in [
            ("display", "block".to_string()),
            ("left", format!("{}px", rect.left() + 6.0)),
            ("width", format!("{}px", rect.width() - 12.0)),
            ("top", format!("{y}px")),
        ] {
            let _ = style.set_property(k, &v);
        }
    }

    /// Scrolls the column (and on phones the board) when the card is held near an edge.
    fn scroll_along(&self, at: (f64, f64)) {
        if let Some(col) = self.over_element(at).and_then(|el| el.query_selector("[data-col-body]").ok().flatten()) {
            let r = col.get_bounding_client_rect();
            if at.1 < r.top() + EDGE {
                col.set_scroll_top(col.scroll_top() - STEP);
            } else if at.1 > r.bottom() - EDGE {
                col.set_scroll_top(col.scroll_top() + STEP);
            }
        }
        let r = self.board.get_bounding_client_rect();
        if at.0 < r.left() + EDGE {
            self.board.set_scroll_left(self.board.scroll_left() - STEP);
        } else if at.0 > r.right() - EDGE {
            self.board.set_scroll_left(self.board.scroll_left() + STEP);
        }
    }

    fn drop_at(&self, d: Drag, at: (f64, f64)) {
        let target = self.target_at(at);
        let deal = d.deal.clone();
        self.cancel(&mut Some(d));
        LAST_DROP.with(|c| c.set(js_sys::Date::now()));
        (self.on_drop)(Dropped { deal, target });
    }

    /// Ends a drag (or a press that was not one yet) without moving anything.
    fn cancel(&self, s: &mut Option<Drag>) {
        let Some(d) = s.take() else { return };
        if let Some(t) = d.timer {
            t.clear();
        }
        if let Some(g) = d.ghost {
            g.remove();
        }
        if let Some(o) = d.over {
            let _ = o.class_list().remove_1("drop-target");
        }
        let _ = d.card.class_list().remove_1("dragging");
        let _ = self.board.class_list().remove_1("is-dragging");
        self.show_line(Target::Outside);
    }
}

fn card_of(target: Option<web_sys::EventTarget>) -> Option<HtmlElement> {
    let el = target?.dyn_into::<Element>().ok()?;
    el.closest(".deal-card[data-deal]").ok().flatten()?.dyn_into::<HtmlElement>().ok()
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}
