//! The deals as the board and the funnel analytics fold them 商机事实表: one compact row per deal
//! (its place in its pipeline, amounts, days, path, owner and source as small numbers, sort key)
//! and, per open stage, the rows in card order. The replica keeps one table and refreshes only the
//! rows of deals a pull or a pending mutation touched (see `Replica::with_deals`), so opening the
//! board or the analytics folds numbers instead of re-reading every deal's strings, and a drag
//! re-sorts one column instead of all of them.
//!
//! Pure data, shared by the browser, the tests and the native probe (`tests/funnel_compute.rs`).

use super::board::{Column, DealFilter};
use super::funnel::{day_of_ms, parse_day, weighted, DealFacts, Outcome, Path};
use super::pipeline::{parse_path, PipelineConfig, Place};
use super::sync::OpportunityView;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Owner and source ids as small numbers: the analytics group by them.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    names: Vec<Arc<str>>,
    index: FxHashMap<Arc<str>, u32>,
}

impl Keys {
    fn key(&mut self, name: &str) -> u32 {
        if let Some(k) = self.index.get(name) {
            return *k;
        }
        let k = self.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        self.index.insert(name, k);
        k
    }

    /// The key of a name the table has seen (`None`: no deal has it).
    pub fn find(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    pub fn name(&self, key: u32) -> &str {
        self.names.get(key as usize).map_or("", |n| n)
    }
}

/// One deal as the board and the analytics need it.
#[derive(Debug, Clone)]
pub struct DealRow {
    pub id: Arc<str>,
    pub customer_id: Box<str>,
    pub title: Box<str>,
    /// Its pipeline (an index into the pipelines the table was built for) and place in it;
    /// `None`: a pipeline or stage the catalogue does not have (such a deal shows nowhere).
    pub at: Option<(usize, Place)>,
    pub facts: DealFacts,
    /// The expected close day (`None`: no valid date).
    pub close_day: Option<i32>,
    /// The day of the last move or touch (stalled deals are idle since then).
    pub idle_since: i32,
    /// When the next follow-up is due ([`super::deal::follow_up_due`]).
    pub follow_up_due: Option<i32>,
    pub sort_key: Box<str>,
}

/// Every deal in view as a [`DealRow`], with each open stage's rows in card order.
#[derive(Debug, Clone, Default)]
pub struct DealTable {
    /// Each pipeline's code and stage codes, as the rows were placed.
    shape: Vec<(String, Vec<String>)>,
    rows: Vec<Option<DealRow>>,
    free: Vec<u32>,
    by_id: FxHashMap<Arc<str>, u32>,
    keys: Keys,
    /// `[pipeline][stage]`: the open rows there, ordered by (sort key, id) once settled.
    order: Vec<Vec<Vec<u32>>>,
    /// `[pipeline][stage]`: the same rows' ids, shared with every unfiltered board drawn until
    /// the column changes (no copy of ten thousand ids per opening).
    ids: Vec<Vec<Arc<[Arc<str>]>>>,
    unsorted: BTreeSet<(usize, usize)>,
}

fn shape_of(pipelines: &[PipelineConfig]) -> Vec<(String, Vec<String>)> {
    pipelines.iter().map(|p| (p.code.clone(), p.stages.iter().map(|s| s.code.clone()).collect())).collect()
}

impl DealTable {
    /// The table of `deals` placed in `pipelines` (the catalogue's).
    pub fn build<'a>(pipelines: &[PipelineConfig], deals: impl Iterator<Item = &'a OpportunityView>) -> DealTable {
        let mut table = DealTable {
            shape: shape_of(pipelines),
            order: pipelines.iter().map(|p| vec![Vec::new(); p.stages.len()]).collect(),
            ids: pipelines.iter().map(|p| vec![Arc::from(Vec::new()); p.stages.len()]).collect(),
            ..Default::default()
        };
        for d in deals {
            table.upsert(pipelines, d);
        }
        table.settle();
        table
    }

    /// Whether the rows were placed with these pipelines' codes (if not, build anew).
    pub fn fits(&self, pipelines: &[PipelineConfig]) -> bool {
        self.shape.len() == pipelines.len()
            && self
                .shape
                .iter()
                .zip(pipelines)
                .all(|((code, stages), p)| *code == p.code && stages.len() == p.stages.len() && stages.iter().zip(&p.stages).all(|(a, b)| *a == b.code))
    }

    /// Adds or replaces a deal's row. Call [`settle`](Self::settle) before reading columns.
    pub fn upsert(&mut self, pipelines: &[PipelineConfig], deal: &OpportunityView) {
        let row = self.row_of(pipelines, deal);
        match self.by_id.get(deal.id.as_str()).copied() {
            Some(i) => {
                self.unplace(i);
                self.rows[i as usize] = Some(row);
                self.place(i);
            }
            None => {
                let id = row.id.clone();
                let i = match self.free.pop() {
                    Some(i) => {
                        self.rows[i as usize] = Some(row);
                        i
                    }
                    None => {
                        self.rows.push(Some(row));
                        (self.rows.len() - 1) as u32
                    }
                };
                self.by_id.insert(id, i);
                self.place(i);
            }
        }
    }

    /// Drops a deal's row (it left the view).
    pub fn remove(&mut self, id: &str) {
        if let Some(i) = self.by_id.remove(id) {
            self.unplace(i);
            self.rows[i as usize] = None;
            self.free.push(i);
        }
    }

    /// Puts the columns a change touched back in card order.
    pub fn settle(&mut self) {
        let rows = &self.rows;
        for (p, s) in std::mem::take(&mut self.unsorted) {
            // Stable: linear on the already ordered runs a few moves leave.
            self.order[p][s].sort_by(|a, b| {
                let key = |i: u32| rows[i as usize].as_ref().map(|r| (&r.sort_key, &r.id));
                key(*a).cmp(&key(*b))
            });
            self.ids[p][s] = self.order[p][s].iter().filter_map(|i| rows[*i as usize].as_ref().map(|r| r.id.clone())).collect();
        }
    }

    fn open_at(&self, i: u32) -> Option<(usize, usize)> {
        match self.rows[i as usize].as_ref()?.at? {
            (p, Place::Open(s)) => Some((p, s)),
            _ => None,
        }
    }

    fn unplace(&mut self, i: u32) {
        if let Some((p, s)) = self.open_at(i) {
            self.order[p][s].retain(|x| *x != i);
            // Still in order, but its shared ids must be redone.
            self.unsorted.insert((p, s));
        }
    }

    fn place(&mut self, i: u32) {
        if let Some((p, s)) = self.open_at(i) {
            self.order[p][s].push(i);
            self.unsorted.insert((p, s));
        }
    }

    fn row_of(&mut self, pipelines: &[PipelineConfig], d: &OpportunityView) -> DealRow {
        let pipeline = pipelines.iter().position(|p| p.code == d.pipeline);
        let at = pipeline.and_then(|i| Some((i, pipelines[i].place(&d.stage)?)));
        let entered = day_of_ms(d.stage_entered_at);
        let outcome = match at.map(|a| a.1) {
            Some(Place::Open(s)) => Outcome::Open(s),
            Some(Place::Won) => Outcome::Won(entered),
            Some(Place::Lost) => Outcome::Lost(entered),
            None => Outcome::Open(usize::MAX),
        };
        let path = match pipeline {
            Some(i) => parse_path(&d.path)
                .filter_map(|(code, day)| match pipelines[i].place(code)? {
                    Place::Open(s) => Some((s, day)),
                    _ => None,
                })
                .collect(),
            None => Path::new(),
        };
        let close_day = parse_day(&d.expected_close);
        let facts = DealFacts {
            owner: self.keys.key(&d.owner_id),
            source: (!d.source.is_empty()).then(|| self.keys.key(&d.source)),
            amount_fen: d.amount_fen,
            created: day_of_ms(d.created_at),
            expected_close: close_day.unwrap_or(entered),
            path,
            outcome,
        };
        DealRow {
            id: Arc::from(d.id.as_str()),
            customer_id: d.customer_id.as_str().into(),
            title: d.title.as_str().into(),
            at,
            facts,
            close_day,
            idle_since: day_of_ms(d.touched_at.max(d.stage_entered_at)),
            follow_up_due: super::deal::follow_up_due(d),
            sort_key: d.sort_key().into(),
        }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn row(&self, id: &str) -> Option<&DealRow> {
        self.by_id.get(id).and_then(|i| self.rows[*i as usize].as_ref())
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn pipeline_index(&self, code: &str) -> Option<usize> {
        self.shape.iter().position(|(c, _)| c == code)
    }

    /// The rows of open deals in every pipeline, in no particular order.
    pub fn open_rows(&self) -> impl Iterator<Item = &DealRow> {
        self.order.iter().flatten().flatten().filter_map(|&i| self.rows.get(i as usize)?.as_ref())
    }

    /// The rows of a pipeline's deals (any place).
    pub fn rows_of<'t>(&'t self, pipeline: &str) -> impl Iterator<Item = &'t DealRow> + 't {
        let p = self.pipeline_index(pipeline);
        self.rows.iter().flatten().filter(move |r| p.is_some() && r.at.map(|a| a.0) == p)
    }

    /// The rows of the pipeline's deals (any place) that pass the filter.
    pub fn matching<'t, 'c>(
        &'t self,
        pipeline: &'t PipelineConfig,
        customer: impl Fn(&str) -> Option<(&'c str, &'c str)> + 't,
        filter: &'t DealFilter,
        today: i32,
    ) -> impl Iterator<Item = &'t DealRow> + 't {
        let test = self.test(filter);
        self.rows_of(&pipeline.code).filter(move |r| test.passes(pipeline, r, &customer, today))
    }

    /// The analytics' input: the facts of the pipeline's deals that pass the filter.
    pub fn facts<'t, 'c>(
        &'t self,
        pipeline: &'t PipelineConfig,
        customer: impl Fn(&str) -> Option<(&'c str, &'c str)> + 't,
        filter: &'t DealFilter,
        today: i32,
    ) -> Vec<&'t DealFacts> {
        self.matching(pipeline, customer, filter, today).map(|r| &r.facts).collect()
    }

    /// The board of `pipeline`: one column per open stage, each in its cards' order.
    /// `customer` gives a deal's customer name and region (for the search and the region filter).
    pub fn columns<'c>(
        &self,
        pipeline: &PipelineConfig,
        customer: impl Fn(&str) -> Option<(&'c str, &'c str)>,
        filter: &DealFilter,
        today: i32,
    ) -> Vec<Column> {
        let p = self.pipeline_index(&pipeline.code);
        let order = p.and_then(|p| self.order.get(p));
        let test = self.test(filter);
        let everything = filter.is_empty();
        (0..pipeline.stages.len())
            .map(|stage| {
                let mut col = Column { stage, count: 0, amount_fen: 0, weighted_fen: 0, ids: Arc::from(Vec::new()) };
                let probability = pipeline.stages[stage].probability_bp;
                let mut ids = Vec::new();
                for &i in order.and_then(|o| o.get(stage)).map_or(&[][..], |v| v.as_slice()) {
                    let Some(row) = self.rows[i as usize].as_ref() else { continue };
                    if everything || test.passes(pipeline, row, &customer, today) {
                        col.amount_fen += row.facts.amount_fen;
                        col.weighted_fen += weighted(row.facts.amount_fen, probability);
                        col.count += 1;
                        if !everything {
                            ids.push(row.id.clone());
                        }
                    }
                }
                col.ids = match p.and_then(|p| self.ids.get(p)?.get(stage)) {
                    Some(all) if everything => all.clone(),
                    _ => ids.into(),
                };
                col
            })
            .collect()
    }

    /// The filter with names turned into this table's keys and dates into days.
    fn test<'f>(&self, f: &'f DealFilter) -> RowTest<'f> {
        // A name no deal has matches nothing.
        let key = |name: &Option<String>| name.as_deref().map(|n| self.keys.find(n).unwrap_or(u32::MAX));
        let day = |d: &Option<String>| d.as_deref().and_then(parse_day);
        RowTest {
            f,
            owner: key(&f.owner),
            source: key(&f.source),
            team: f.team.as_ref().map(|members| members.iter().filter_map(|m| self.keys.find(m)).collect()),
            from: day(&f.close_from),
            to: day(&f.close_to),
        }
    }
}

/// A [`DealFilter`] ready to test rows.
struct RowTest<'f> {
    f: &'f DealFilter,
    owner: Option<u32>,
    source: Option<u32>,
    team: Option<Vec<u32>>,
    from: Option<i32>,
    to: Option<i32>,
}

impl RowTest<'_> {
    fn passes<'c>(&self, pipeline: &PipelineConfig, row: &DealRow, customer: &impl Fn(&str) -> Option<(&'c str, &'c str)>, today: i32) -> bool {
        let (f, facts) = (self.f, &row.facts);
        let stalled = || match row.at {
            Some((_, Place::Open(stage))) => pipeline.stalled(stage, row.idle_since, today).is_some(),
            _ => false,
        };
        if self.owner.is_some_and(|o| o != facts.owner)
            || self.source.is_some_and(|s| Some(s) != facts.source)
            || f.min_fen.is_some_and(|m| facts.amount_fen < m)
            || f.max_fen.is_some_and(|m| facts.amount_fen > m)
            // A deal without a close date is before any day.
            || self.from.is_some_and(|d| row.close_day.is_none_or(|c| c < d))
            || self.to.is_some_and(|d| row.close_day.is_some_and(|c| c > d))
            || (f.stalled_only && !stalled())
            || self.team.as_ref().is_some_and(|members| !members.contains(&facts.owner))
            || (f.overdue_only && super::deal::overdue_on(row.follow_up_due, today).is_none())
        {
            return false;
        }
        if f.region.is_none() && f.query.is_empty() {
            return true;
        }
        let (name, region) = customer(&row.customer_id).unwrap_or(("", ""));
        if f.region.as_deref().is_some_and(|r| r != region) {
            return false;
        }
        f.query.is_empty() || super::board::contains_folded(&row.title, &f.query) || super::board::contains_folded(name, &f.query)
    }
}
