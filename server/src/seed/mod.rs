//! The demo dataset, deterministic from a seed and a day: the same `--seed` and `--today` give
//! the same organisation, customers, contacts, opportunities (with stage history), activities,
//! orders and payments over the three years before that day. `--scale N` multiplies customers
//! and everything hanging off them; the organisation and products stay the same size.
//!
//! Everything is written in one transaction: a failed seed leaves the database as it was.

mod names;
mod vocab;

use crate::auth::hash_password;
use crate::crypto::{Place, Vault};
use crate::db::{now_ms, Backend, Db};
use crate::insert::Batch;
use anyhow::{bail, Context};
use kedao_app::domain::catalog::{ContactRole, Grade, Stage};
use kedao_app::domain::deal::format_contacts;
use kedao_app::domain::funnel::day_of_ms;
use kedao_app::domain::org::Role;
use kedao_app::domain::pipeline::extend_path;
use kedao_app::domain::Money;
use names::*;
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Row;
use std::collections::HashSet;
use std::fmt;
use time::{Date, Duration};
use vocab::{BusinessType, CompanySize, Industry, Region};

pub const DEFAULT_SEED: u64 = 20_261_122;
pub const DEMO_PASSWORD: &str = "kedao-demo";
const CUSTOMERS_PER_SCALE: usize = 2_000;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    pub scale: u32,
    pub seed: u64,
    pub today: Date,
}

/// How many rows of each kind were written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedCounts {
    pub users: u64,
    pub products: u64,
    pub customers: u64,
    pub contacts: u64,
    pub opportunities: u64,
    pub stage_changes: u64,
    pub activities: u64,
    pub orders: u64,
    pub order_lines: u64,
    pub payments: u64,
}

impl fmt::Display for SeedCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users, {} products, {} customers, {} contacts, {} opportunities, {} stage changes, {} activities, {} orders, {} order lines, {} payments",
            self.users,
            self.products,
            self.customers,
            self.contacts,
            self.opportunities,
            self.stage_changes,
            self.activities,
            self.orders,
            self.order_lines,
            self.payments
        )
    }
}

/// In demo mode: loads the dataset (scale 1, today) into a database that has no users yet.
pub async fn seed_if_empty(db: &Db, vault: &Vault) -> anyhow::Result<()> {
    let users: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(db.pool()).await?.try_get("n")?;
    if users > 0 {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let counts = seed(db, vault, SeedOptions { scale: 1, seed: DEFAULT_SEED, today: time::OffsetDateTime::now_utc().date() }).await?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), %counts, "demo data loaded");
    Ok(())
}

/// Creates one user who must change the given password at first sign-in.
pub async fn create_user(db: &Db, username: &str, display_name: &str, role: Role, password: &str) -> anyhow::Result<()> {
    let username = username.trim();
    if !kedao_app::domain::admin::valid_username(username) {
        bail!("username {username:?} must be 1-64 letters, digits, '.', '_' or '-'");
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 100 {
        bail!("display name must be 1-100 characters");
    }
    if password.chars().count() < 8 {
        bail!("password must be at least 8 characters");
    }
    let exists = sqlx::query("SELECT 1 AS one FROM users WHERE username = $1").bind(username).fetch_optional(db.pool()).await?;
    if exists.is_some() {
        bail!("user {username:?} already exists");
    }
    let hash = hash_password(password)?;
    sqlx::query(
        "INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, TRUE, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(username)
    .bind(display_name.trim())
    .bind(role.code())
    .bind(hash)
    .bind(now_ms())
    .execute(db.pool())
    .await
    .context("creating user")?;
    Ok(())
}

/// A random one-time password (for `create-user`).
pub fn random_password() -> String {
    use rand::distributions::Alphanumeric;
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(16).map(char::from).collect()
}

/// Loads the demo dataset into a database without customers.
pub async fn seed(db: &Db, vault: &Vault, opts: SeedOptions) -> anyhow::Result<SeedCounts> {
    let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM customers").fetch_one(db.pool()).await?.try_get("n")?;
    if existing > 0 {
        bail!("the database already holds {existing} customers; seed-demo loads into an empty database");
    }
    // One hash for every demo login: demo mode only, and it keeps seeding fast.
    let demo_hash = hash_password(DEMO_PASSWORD)?;
    let mut tx = db.pool().begin().await.context("starting the seed transaction")?;
    let mut gen = Generator::new(opts, demo_hash, db.backend(), vault);
    let counts = gen.run(&mut tx).await?;
    tx.commit().await.context("committing the demo data")?;
    Ok(counts)
}

struct Staff {
    id: String,
    region: Region,
}

struct Generator<'v> {
    backend: Backend,
    vault: &'v Vault,
    rng: ChaCha8Rng,
    /// Draws for the fields added with the full customer file (issue 5), from their own stream so
    /// that every record drawn before keeps exactly its values.
    extra: ChaCha8Rng,
    opts: SeedOptions,
    demo_hash: String,
    start: Date,
    today_ms: i64,
    users: Batch,
    user_regions: Batch,
    regions: Batch,
    teams: Batch,
    products: Batch,
    customers: Batch,
    contacts: Batch,
    opportunities: Batch,
    history: Batch,
    activities: Batch,
    orders: Batch,
    order_lines: Batch,
    payments: Batch,
    region_ids: Vec<(Region, String)>,
    product_ids: Vec<String>,
    reps: Vec<Staff>,
    names_taken: HashSet<String>,
    order_seq: u64,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn date_ms(d: Date) -> i64 {
    d.midnight().assume_utc().unix_timestamp() * 1000
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl<'v> Generator<'v> {
    fn new(opts: SeedOptions, demo_hash: String, backend: Backend, vault: &'v Vault) -> Self {
        Generator {
            backend,
            vault,
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            extra: ChaCha8Rng::seed_from_u64(opts.seed ^ 0x0005_c0de),
            opts,
            demo_hash,
            start: opts.today - Duration::days(3 * 365),
            today_ms: date_ms(opts.today) + 18 * 3_600_000,
            users: Batch::new(
                "users",
                &["id", "username", "display_name", "role", "team_id", "manager_id", "password_hash", "must_change_password", "active", "created_at"],
            ),
            user_regions: Batch::new("user_regions", &["user_id", "region_id"]),
            regions: Batch::new("regions", &["id", "code", "name_zh", "name_en", "position"]),
            teams: Batch::new("teams", &["id", "region_id", "name_zh", "name_en"]),
            products: Batch::new("products", &["id", "sku", "name_zh", "name_en", "unit", "unit_price_fen", "unit_cost_fen"]),
            customers: Batch::new(
                "customers",
                &[
                    "id",
                    "name",
                    "name_en",
                    "kind",
                    "region_id",
                    "city",
                    "industry",
                    "size",
                    "business_type",
                    "grade",
                    "owner_id",
                    "phone",
                    "phone_bidx",
                    "id_number",
                    "bank_account",
                    "created_at",
                    "updated_at",
                    "version",
                    "short_name",
                    "source",
                    "address",
                    "tags",
                    "cooperation_since",
                    "credit_limit_fen",
                    "satisfaction",
                    "credit_code",
                    "hot_reason",
                ],
            ),
            contacts: Batch::new(
                "contacts",
                &[
                    "id",
                    "customer_id",
                    "name",
                    "title",
                    "phone",
                    "phone_bidx",
                    "email",
                    "is_decision_maker",
                    "created_at",
                    "updated_at",
                    "version",
                    "role",
                    "wechat",
                    "birthday",
                ],
            ),
            opportunities: Batch::new(
                "opportunities",
                &[
                    "id",
                    "customer_id",
                    "owner_id",
                    "title",
                    "stage",
                    "amount_fen",
                    "source",
                    "expected_close",
                    "closed_on",
                    "stage_entered_at",
                    "created_at",
                    "updated_at",
                    "version",
                    "touched_at",
                    "path",
                    "competitors",
                    "lost_to",
                    "intent",
                    "budget",
                    "competition",
                    "deal_contacts",
                    "next_step",
                    "next_step_date",
                    "cadence_days",
                ],
            ),
            history: Batch::new("opportunity_stage_history", &["id", "opportunity_id", "from_stage", "to_stage", "changed_by", "changed_at"]),
            activities: Batch::new("activities", &["id", "customer_id", "opportunity_id", "user_id", "kind", "subject", "occurred_at"]),
            orders: Batch::new("orders", &["id", "order_no", "customer_id", "opportunity_id", "owner_id", "order_date", "total_fen", "cost_fen", "status"]),
            order_lines: Batch::new("order_lines", &["id", "order_id", "product_id", "quantity", "unit_price_fen"]),
            payments: Batch::new("payments", &["id", "order_id", "customer_id", "instalment", "due_date", "amount_fen", "paid_date", "paid_fen"]),
            region_ids: Vec::new(),
            product_ids: Vec::new(),
            reps: Vec::new(),
            names_taken: HashSet::new(),
            order_seq: 0,
        }
    }

    fn id(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid().to_string()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn phone(&mut self) -> String {
        let prefixes = ["138", "139", "137", "136", "135", "150", "151", "158", "186", "188", "177", "199"];
        let p = *self.pick(&prefixes);
        format!("{p}{:08}", self.rng.gen_range(0..100_000_000u32))
    }

    /// A resident ID number (GB 11643) with a valid check character.
    fn id_number(&mut self) -> String {
        let area = *self.pick(&["110105", "310104", "440305", "510107", "330106", "420106", "320102"]);
        let born = format!("{}{:02}{:02}", self.rng.gen_range(1960..2002), self.rng.gen_range(1..=12), self.rng.gen_range(1..=28));
        let body = format!("{area}{born}{:03}", self.rng.gen_range(0..1000));
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        format!("{body}{check}")
    }

    /// A 19-digit bank card / account number.
    fn bank_account(&mut self) -> String {
        format!("6222{:015}", self.rng.gen_range(0..1_000_000_000_000_000u64))
    }

    fn person(&mut self) -> (String, String) {
        let (s, sp) = *self.pick(SURNAMES);
        let (g, gp) = *self.pick(GIVEN_NAMES);
        (format!("{s}{g}"), format!("{gp}.{}", sp.to_lowercase()))
    }

    /// A moment on `day` during office hours (China time, stored as UTC ms).
    fn during_day(&mut self, day_ms: i64) -> i64 {
        day_ms + self.rng.gen_range(1..10) * 3_600_000 + self.rng.gen_range(0..60) * 60_000
    }

    async fn run(&mut self, tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> anyhow::Result<SeedCounts> {
        self.organisation();
        self.catalogue();
        for batch in [&mut self.regions, &mut self.teams, &mut self.users, &mut self.user_regions, &mut self.products] {
            batch.flush(tx, self.backend).await?;
        }
        let total = CUSTOMERS_PER_SCALE * self.opts.scale as usize;
        for _ in 0..total {
            self.customer();
            if self.activities.pending_rows() > 20_000 {
                self.flush_customer_data(tx).await?;
            }
        }
        self.flush_customer_data(tx).await?;
        sqlx::query("INSERT INTO app_meta (key, value) VALUES ('demo_seed', $1)")
            .bind(format!("seed={} scale={} today={}", self.opts.seed, self.opts.scale, iso(self.opts.today)))
            .execute(&mut **tx)
            .await?;
        Ok(SeedCounts {
            users: self.users.inserted,
            products: self.products.inserted,
            customers: self.customers.inserted,
            contacts: self.contacts.inserted,
            opportunities: self.opportunities.inserted,
            stage_changes: self.history.inserted,
            activities: self.activities.inserted,
            orders: self.orders.inserted,
            order_lines: self.order_lines.inserted,
            payments: self.payments.inserted,
        })
    }

    async fn flush_customer_data(&mut self, tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> anyhow::Result<()> {
        // Parents before children: the foreign keys are checked row by row.
        let backend = self.backend;
        for batch in [
            &mut self.customers,
            &mut self.contacts,
            &mut self.opportunities,
            &mut self.history,
            &mut self.activities,
            &mut self.orders,
            &mut self.order_lines,
            &mut self.payments,
        ] {
            batch.flush(tx, backend).await?;
        }
        Ok(())
    }

    fn user(&mut self, username: &str, name: &str, role: Role, team: Option<&str>, manager: Option<&str>) -> String {
        let id = self.id();
        let created = date_ms(self.start) - 30 * DAY_MS;
        self.users.push(vec![
            id.clone().into(),
            username.into(),
            name.into(),
            role.code().into(),
            team.map(str::to_string).into(),
            manager.map(str::to_string).into(),
            self.demo_hash.clone().into(),
            false.into(),
            true.into(),
            created.into(),
        ]);
        id
    }

    /// 1 director, 3 managers over 5 regions, 6 supervisors each leading a team of 4 reps, plus an
    /// administrator, a finance and a service user.
    fn organisation(&mut self) {
        for (position, (region, zh, en)) in REGIONS.into_iter().enumerate() {
            let id = self.id();
            self.regions.push(vec![id.clone().into(), region.code().into(), zh.into(), en.into(), (position as i64).into()]);
            self.region_ids.push((region, id));
        }
        let region_id = |g: &Generator, r: Region| g.region_ids.iter().find(|(x, _)| *x == r).map(|(_, id)| id.clone()).expect("region");
        self.user("admin", "系统管理员", Role::Admin, None, None);
        let director = self.user("director", "赵建国", Role::Director, None, None);
        self.user("finance1", "钱晓红", Role::Finance, None, Some(&director));
        self.user("service1", "孙丽", Role::Service, None, Some(&director));
        let managers: [(&str, &str, &[Region]); 3] = [
            ("manager1", "李明", &[Region::EastChina]),
            ("manager2", "王芳", &[Region::SouthChina, Region::SouthwestChina]),
            ("manager3", "张伟", &[Region::NorthChina, Region::CentralChina]),
        ];
        let mut manager_of = Vec::new();
        for (username, name, regions) in managers {
            let id = self.user(username, name, Role::Manager, None, Some(&director));
            for &r in regions {
                let rid = region_id(self, r);
                self.user_regions.push(vec![id.clone().into(), rid.into()]);
                manager_of.push((r, id.clone()));
            }
        }
        let teams: [(Region, &str, &str, &str); 6] = [
            (Region::EastChina, "上海一组", "Shanghai Team", "陈静"),
            (Region::EastChina, "杭州组", "Hangzhou Team", "周涛"),
            (Region::SouthChina, "深圳组", "Shenzhen Team", "黄磊"),
            (Region::SouthwestChina, "成都组", "Chengdu Team", "杨洋"),
            (Region::NorthChina, "北京组", "Beijing Team", "刘强"),
            (Region::CentralChina, "武汉组", "Wuhan Team", "吴敏"),
        ];
        let rep_names = [
            "王磊",
            "林芳",
            "何杰",
            "郭娜",
            "马超",
            "罗丽",
            "高勇",
            "朱艳",
            "胡军",
            "孙娟",
            "徐明",
            "吴霞",
            "周平",
            "赵刚",
            "黄秀英",
            "陈建华",
            "杨志强",
            "刘晓东",
            "张海燕",
            "李文博",
            "王雨婷",
            "林子涵",
            "何俊杰",
            "郭伟",
        ];
        let mut rep_no = 0;
        for (i, (region, zh, en, lead)) in teams.into_iter().enumerate() {
            let team_id = self.id();
            let rid = region_id(self, region);
            self.teams.push(vec![team_id.clone().into(), rid.into(), zh.into(), en.into()]);
            let manager = manager_of.iter().find(|(r, _)| *r == region).map(|(_, id)| id.clone()).expect("manager");
            let supervisor = self.user(&format!("supervisor{}", i + 1), lead, Role::Supervisor, Some(&team_id), Some(&manager));
            for _ in 0..4 {
                let name = rep_names[rep_no];
                rep_no += 1;
                let id = self.user(&format!("rep{rep_no}"), name, Role::Rep, Some(&team_id), Some(&supervisor));
                self.reps.push(Staff { id, region });
            }
        }
    }

    fn catalogue(&mut self) {
        for &(sku, zh, en, unit, price, cost_pct) in PRODUCTS {
            let id = self.id();
            let price = Money::from_yuan(price);
            let cost = price.scale_bp(cost_pct * 100);
            self.products.push(vec![id.clone().into(), sku.into(), zh.into(), en.into(), unit.into(), price.fen().into(), cost.fen().into()]);
            self.product_ids.push(id);
        }
    }

    fn company_name(&mut self, city: &str, city_en: &str, industry: Industry) -> (String, String) {
        let (trade, trade_en) = industry_words(industry);
        if self.rng.gen_bool(0.05) {
            let a = *self.pick(EN_COMPANY_FIRST);
            let b = *self.pick(EN_COMPANY_SECOND);
            let en = format!("{a} {b} ({city_en}) Co., Ltd.");
            return (en.clone(), en);
        }
        let (c1, p1) = *self.pick(CORE_FIRST);
        let (c2, p2) = *self.pick(CORE_SECOND);
        let group = self.rng.gen_bool(0.1);
        let zh = format!("{city}{c1}{c2}{trade}{}", if group { "股份有限公司" } else { "有限公司" });
        let en = format!("{city_en} {p1}{p2} {trade_en} {}", if group { "Holdings Co., Ltd." } else { "Co., Ltd." });
        (zh, en)
    }

    fn customer(&mut self) {
        let city_weights = WeightedIndex::new(CITIES.iter().map(|c| c.3)).expect("weights");
        let (region, city, city_en, _) = CITIES[city_weights.sample(&mut self.rng)];
        let industry = *self.pick(Industry::ALL);
        let size = CompanySize::ALL[WeightedIndex::new([20, 35, 25, 14, 6]).expect("w").sample(&mut self.rng)];
        let business_type = *self.pick(BusinessType::ALL);
        let individual = self.rng.gen_bool(0.08);
        let (name, name_en) = if individual {
            let (n, _) = self.person();
            (n, None)
        } else {
            let mut attempt = 0;
            loop {
                let (zh, en) = self.company_name(city, city_en, industry);
                attempt += 1;
                if self.names_taken.insert(zh.clone()) {
                    break (zh, Some(en));
                }
                if attempt > 8 {
                    let n = self.names_taken.len();
                    let zh = format!("{zh}（{n}）");
                    self.names_taken.insert(zh.clone());
                    break (zh, Some(en));
                }
            }
        };
        let region_id = self.region_ids.iter().find(|(r, _)| *r == region).map(|(_, id)| id.clone()).expect("region");
        let owners: Vec<usize> = (0..self.reps.len()).filter(|&i| self.reps[i].region == region).collect();
        let owner_idx = *self.pick(&owners);
        let owner = self.reps[owner_idx].id.clone();
        let customer_id = self.id();
        let days = (self.opts.today - self.start).whole_days();
        let created_day = self.start + Duration::days(self.rng.gen_range(0..days - 30));
        let created = self.during_day(date_ms(created_day));

        // Contacts: 1-4 for a company (one usually decides), the person for an individual.
        let n_contacts = if individual { 1 } else { self.rng.gen_range(1..=4) };
        let mut contact_names = Vec::new();
        let mut contact_roles: Vec<(String, &'static str)> = Vec::new();
        let english = name_en.as_deref().is_some_and(|en| en == name);
        for i in 0..n_contacts {
            let (cname, email_local) = if english {
                let f = *self.pick(EN_FIRST);
                let l = *self.pick(EN_LAST);
                (format!("{f} {l}"), format!("{}.{}", f.to_lowercase(), l.to_lowercase()))
            } else if individual {
                (name.clone(), self.person().1)
            } else {
                self.person()
            };
            let &(title, _, decides) = if i == 0 { &TITLES[self.rng.gen_range(0..3)] } else { self.pick(TITLES) };
            let id = self.id();
            let id_for_deals = id.clone();
            let phone = self.phone();
            let email = (!individual).then(|| format!("{email_local}@example.cn"));
            let phone_bidx = self.vault.phone_index(&phone);
            let phone = self.vault.seal(Place { table: "contacts", column: "phone", id: &id }, &phone);
            let role = if decides && !individual { "decision_maker" } else { *pick(&mut self.extra, &["influencer", "user", "gatekeeper"]) };
            let wechat = self.extra.gen_bool(0.6).then(|| format!("wxid_{:08x}", self.extra.gen::<u32>()));
            let birthday = self
                .extra
                .gen_bool(0.5)
                .then(|| format!("{}-{:02}-{:02}", self.extra.gen_range(1965..2000), self.extra.gen_range(1..=12), self.extra.gen_range(1..=28)));
            self.contacts.push(vec![
                id.into(),
                customer_id.clone().into(),
                cname.clone().into(),
                (!individual).then(|| title.to_string()).into(),
                Some(phone).into(),
                phone_bidx.into(),
                email.into(),
                (decides && !individual).into(),
                created.into(),
                created.into(),
                1i64.into(),
                Some(role.to_string()).into(),
                wechat.into(),
                birthday.into(),
            ]);
            contact_names.push(cname);
            contact_roles.push((id_for_deals, role));
        }

        // Opportunities and what follows from them.
        let size_factor = match size {
            CompanySize::Micro => 1,
            CompanySize::Small => 3,
            CompanySize::Medium => 8,
            CompanySize::Large => 20,
            CompanySize::Enterprise => 45,
        };
        let n_opps = self.rng.gen_range(1..=7);
        let mut revenue = Money::ZERO;
        let mut last_touch = created;
        for _ in 0..n_opps {
            let (won_total, touched) = self.opportunity(&customer_id, &owner, created, size_factor, &contact_names, &contact_roles);
            revenue += won_total;
            last_touch = last_touch.max(touched);
        }
        // Repeat business from existing customers, without a new opportunity.
        let repeats = self.rng.gen_range(0..=(size_factor / 8 + 1));
        for _ in 0..repeats {
            let day_ms = self.rng.gen_range(created..self.today_ms - DAY_MS);
            let amount = Money::from_yuan(self.rng.gen_range(2_000..20_000) * size_factor as i64 / 2);
            revenue += self.order(&customer_id, None, &owner, day_ms, amount);
        }
        // A few notes and calls that belong to no deal.
        for _ in 0..self.rng.gen_range(0..4) {
            let at = self.rng.gen_range(created..self.today_ms);
            self.activity(&customer_id, None, &owner, at, &contact_names);
        }

        let grade = grade_for_revenue(revenue);
        let phone = (!individual || self.rng.gen_bool(0.5)).then(|| self.phone());
        let id_number = individual.then(|| self.id_number());
        let bank_account = (!individual).then(|| self.bank_account());
        let phone_bidx = phone.as_deref().and_then(|p| self.vault.phone_index(p));
        let seal = |column, value: Option<String>| self.vault.seal_opt(Place { table: "customers", column, id: &customer_id }, value.as_deref());
        let (phone, id_number, bank_account) = (seal("phone", phone), seal("id_number", id_number), seal("bank_account", bank_account));
        let profile = self.profile(&name, city, individual, size, created_day);
        let mut row: Vec<crate::insert::Val> = vec![
            customer_id.into(),
            name.into(),
            name_en.into(),
            (if individual { "individual" } else { "company" }).into(),
            region_id.into(),
            city.into(),
            industry.code().into(),
            size.code().into(),
            business_type.code().into(),
            grade.code().into(),
            owner.into(),
            phone.into(),
            phone_bidx.into(),
            id_number.into(),
            bank_account.into(),
            created.into(),
            last_touch.into(),
            1i64.into(),
        ];
        row.extend(profile);
        self.customers.push(row);
    }

    /// The profile fields of the full customer file: short name, source, address, tags, since
    /// when, credit limit by size, satisfaction, a valid credit code for companies, and a hot
    /// reason for about one in fifty.
    fn profile(&mut self, name: &str, city: &str, individual: bool, size: CompanySize, since: Date) -> Vec<crate::insert::Val> {
        let r = &mut self.extra;
        let short_name =
            (!individual).then(|| name.strip_prefix(city).map(|rest| rest.chars().take(4).collect::<String>())).flatten().filter(|s| s.chars().count() == 4);
        let source = SOURCES[WeightedIndex::new(SOURCES.iter().map(|s| s.1)).expect("w").sample(r)].0;
        let address = format!("{city}{}{}号", pick(r, ROADS), r.gen_range(1..=999));
        let n_tags = *pick(r, &[0, 0, 1, 1, 2]);
        let mut tags: Vec<&str> = Vec::new();
        for _ in 0..n_tags {
            let t = *pick(r, TAGS);
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let tags = (!tags.is_empty()).then(|| tags.join(","));
        let yuan: i64 = match size {
            CompanySize::Micro => 50_000,
            CompanySize::Small => 200_000,
            CompanySize::Medium => 500_000,
            CompanySize::Large => 2_000_000,
            CompanySize::Enterprise => 5_000_000,
        };
        let credit_limit = (!individual).then(|| Money::from_yuan(yuan).fen());
        let satisfaction = ["high", "medium", "low"][WeightedIndex::new([40, 45, 15]).expect("w").sample(r)];
        let credit_code = (!individual).then(|| {
            const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
            let area = *pick(r, &["110105", "310104", "440305", "510107", "330106", "420106", "320102"]);
            let org: String = (0..9).map(|_| ALPHABET[r.gen_range(0..ALPHABET.len())] as char).collect();
            let body = format!("91{area}{org}");
            let check = kedao_app::domain::credit_code::check_character(&body).expect("17 characters of the alphabet");
            format!("{body}{check}")
        });
        let hot = r.gen_bool(0.02).then(|| pick(r, HOT_REASONS).to_string());
        // Many customers worked with the company before their record was made in Kedao (the
        // cooperation-length dimension needs long-standing ones). From the name, not the random
        // streams, so every other demo value stays as it was.
        let years_before = [0, 0, 0, 0, 1, 2, 3, 4, 6, 9][name.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b))) % 10];
        let since = since - time::Duration::days(365 * years_before);
        vec![
            short_name.into(),
            Some(source.to_string()).into(),
            Some(address).into(),
            tags.into(),
            Some(iso(since)).into(),
            credit_limit.into(),
            Some(satisfaction.to_string()).into(),
            credit_code.into(),
            hot.into(),
        ]
    }

    /// One deal walked through the funnel from its creation; it either closes (won or lost) or is
    /// still open at `today`. Returns the value of the order it produced and its last change.
    fn opportunity(
        &mut self,
        customer_id: &str,
        owner: &str,
        customer_created: i64,
        size_factor: u32,
        contacts: &[String],
        roles: &[(String, &str)],
    ) -> (Money, i64) {
        const CONVERSION: [f64; 4] = [0.65, 0.60, 0.70, 0.60];
        let id = self.id();
        let created = self.rng.gen_range(customer_created..self.today_ms - DAY_MS);
        let base = self.rng.gen_range(5_000..30_000) * size_factor as i64;
        let amount = Money::from_yuan(base / 100 * 100);
        let source = SOURCES[WeightedIndex::new(SOURCES.iter().map(|s| s.1)).expect("w").sample(&mut self.rng)].0;
        let product_name = PRODUCTS[self.rng.gen_range(0..PRODUCTS.len())].1;
        let title = format!("{product_name}采购项目");
        let mut stage = Stage::InitialContact;
        let mut entered = created;
        let mut path = extend_path("", stage.code(), day_of_ms(created));
        // Last worked on: each move comes with an activity (an open deal's last is its move).
        let mut touched = created;
        self.stage_change(&id, None, stage, owner, created);
        self.activity(customer_id, Some(&id), owner, created, contacts);
        let mut closed_on = None;
        loop {
            let step = self.rng.gen_range(4..50) * DAY_MS + self.rng.gen_range(0..DAY_MS);
            let next_at = entered + step;
            if next_at >= self.today_ms {
                break; // still open at this stage
            }
            // Work on the deal while it sits in the stage.
            if self.rng.gen_bool(0.6) {
                let at = entered + step / 2;
                self.activity(customer_id, Some(&id), owner, at, contacts);
            }
            let idx = Stage::OPEN.iter().position(|s| *s == stage).expect("open stage");
            let next = if self.rng.gen_bool(CONVERSION[idx]) { Stage::OPEN.get(idx + 1).copied().unwrap_or(Stage::ContractSigned) } else { Stage::Lost };
            self.stage_change(&id, Some(stage), next, owner, next_at);
            self.activity(customer_id, Some(&id), owner, next_at, contacts);
            path = extend_path(&path, next.code(), day_of_ms(next_at));
            touched = next_at;
            stage = next;
            entered = next_at;
            if stage.is_closed() {
                closed_on = Some(next_at);
                break;
            }
        }
        let expected_close = match closed_on {
            Some(at) => at,
            None => entered.max(self.today_ms) + self.rng.gen_range(10..90) * DAY_MS,
        };
        let won = if stage == Stage::ContractSigned { self.order(customer_id, Some(&id), owner, entered, amount) } else { Money::ZERO };
        let details = self.deal_details(stage, touched, roles);
        self.opportunities.push(vec![
            id.into(),
            customer_id.into(),
            owner.into(),
            title.into(),
            stage.code().into(),
            amount.fen().into(),
            source.into(),
            iso(ms_date(expected_close)).into(),
            closed_on.map(|c| iso(ms_date(c))).into(),
            entered.into(),
            created.into(),
            entered.into(),
            1i64.into(),
            touched.into(),
            path.into(),
            details.competitors.into(),
            details.lost_to.into(),
            details.intent.into(),
            details.budget.into(),
            details.competition.into(),
            details.contacts.into(),
            details.next_step.into(),
            details.next_step_date.into(),
            details.cadence_days.into(),
        ]);
        (won, entered)
    }

    /// What a rep records on a deal beyond its stage (from the second generator, so the rest of
    /// the data stays as it was): competitors, the assessment, the contacts involved, and for an
    /// open deal a next step — some already late — and a follow-up cadence.
    fn deal_details(&mut self, stage: Stage, touched: i64, roles: &[(String, &str)]) -> DealDetails {
        let r = &mut self.extra;
        let n_rivals = r.gen_range(0..=2);
        let mut rivals: Vec<&str> = (0..n_rivals).map(|_| *pick(r, COMPETITORS)).collect();
        rivals.dedup();
        let assessed = r.gen_bool(0.7);
        let open = !stage.is_closed();
        let involved: Vec<(&str, ContactRole)> =
            roles.iter().filter(|_| r.gen_bool(0.6)).filter_map(|(id, role)| Some((id.as_str(), ContactRole::from_code(role)?))).collect();
        let next_step = (open && r.gen_bool(0.8)).then(|| pick(r, NEXT_STEPS).to_string());
        // Planned from a week before today (late) to three weeks ahead.
        let next_step_date = next_step.as_ref().map(|_| iso(ms_date(self.today_ms + r.gen_range(-7..21) * DAY_MS)));
        DealDetails {
            lost_to: (stage == Stage::Lost && !rivals.is_empty() && r.gen_bool(0.7)).then(|| rivals[0].to_string()),
            competitors: rivals.join(","),
            intent: assessed.then(|| pick(r, &["strong", "medium", "weak"]).to_string()),
            budget: assessed.then(|| pick(r, &["approved", "planned", "none"]).to_string()),
            competition: assessed.then(|| pick(r, &["leading", "even", "behind"]).to_string()),
            contacts: format_contacts(involved),
            next_step,
            next_step_date,
            cadence_days: (open && r.gen_bool(0.5)).then(|| *pick(r, &[7i64, 14, 30])).filter(|_| touched > 0),
        }
    }

    fn stage_change(&mut self, opp: &str, from: Option<Stage>, to: Stage, by: &str, at: i64) {
        let id = self.id();
        self.history.push(vec![id.into(), opp.into(), from.map(|s| s.code().to_string()).into(), to.code().into(), by.into(), at.into()]);
    }

    fn activity(&mut self, customer_id: &str, opp: Option<&str>, user: &str, at: i64, contacts: &[String]) {
        let contact = contacts[self.rng.gen_range(0..contacts.len())].clone();
        let (kind, subject) = match self.rng.gen_range(0..10) {
            0..=3 => ("visit", format!("拜访{contact}，了解现场需求")),
            4..=6 => ("call", format!("电话跟进{contact}，确认采购计划")),
            7..=8 => ("meeting", format!("与{contact}开会讨论方案和报价")),
            _ => ("note", format!("记录：{contact}反馈预算需内部审批")),
        };
        let id = self.id();
        self.activities.push(vec![id.into(), customer_id.into(), opp.map(str::to_string).into(), user.into(), kind.into(), subject.into(), at.into()]);
    }

    /// An order worth about `target`, made of catalogue lines, with its payment plan.
    fn order(&mut self, customer_id: &str, opp: Option<&str>, owner: &str, at: i64, target: Money) -> Money {
        let id = self.id();
        self.order_seq += 1;
        let order_date = ms_date(at);
        let n_lines = self.rng.gen_range(1..=3);
        let mut total = Money::ZERO;
        let mut cost = Money::ZERO;
        for _ in 0..n_lines {
            let p = self.rng.gen_range(0..PRODUCTS.len());
            let (_, _, _, _, price, cost_pct) = PRODUCTS[p];
            let price = Money::from_yuan(price);
            let share = target.fen() / n_lines as i64;
            let qty = (share / price.fen()).clamp(1, 500);
            total += price * qty;
            cost += price.scale_bp(cost_pct * 100) * qty;
            let line_id = self.id();
            self.order_lines.push(vec![line_id.into(), id.clone().into(), self.product_ids[p].clone().into(), qty.into(), price.fen().into()]);
        }
        // Payment plan: deposit, then one or two instalments 30 days apart.
        let plan: &[i64] = match self.rng.gen_range(0..3) {
            0 => &[10_000],
            1 => &[3_000, 7_000],
            _ => &[3_000, 4_000, 3_000],
        };
        let mut remaining = total;
        let mut fully_paid = true;
        for (i, &bp) in plan.iter().enumerate() {
            let amount = if i == plan.len() - 1 { remaining } else { total.scale_bp(bp) };
            remaining = remaining - amount;
            let due = order_date + Duration::days(30 * i as i64 + 7);
            let due_ms = date_ms(due);
            let (paid_date, paid) = if due_ms < self.today_ms - 5 * DAY_MS {
                match self.rng.gen_range(0..100) {
                    0..=84 => (Some(due + Duration::days(self.rng.gen_range(-5..15))), amount),
                    85..=92 => (Some(due + Duration::days(self.rng.gen_range(15..60))), amount.scale_bp(5_000)),
                    _ => (None, Money::ZERO),
                }
            } else {
                (None, Money::ZERO)
            };
            let paid_date = paid_date.filter(|d| date_ms(*d) <= self.today_ms);
            let paid = if paid_date.is_some() { paid } else { Money::ZERO };
            fully_paid &= paid == amount;
            let pid = self.id();
            self.payments.push(vec![
                pid.into(),
                id.clone().into(),
                customer_id.into(),
                (i as i64 + 1).into(),
                iso(due).into(),
                amount.fen().into(),
                paid_date.map(iso).into(),
                paid.fen().into(),
            ]);
        }
        let status = if fully_paid {
            "completed"
        } else if at < self.today_ms - 14 * DAY_MS {
            "delivered"
        } else {
            "confirmed"
        };
        let order_no = format!("SO{}{:07}", order_date.year(), self.order_seq);
        self.orders.push(vec![
            id.into(),
            order_no.into(),
            customer_id.into(),
            opp.map(str::to_string).into(),
            owner.into(),
            iso(order_date).into(),
            total.fen().into(),
            cost.fen().into(),
            status.into(),
        ]);
        total
    }
}

fn ms_date(ms: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).map(|t| t.date()).unwrap_or(Date::MIN)
}

/// Grade by three years' revenue: A 优质 ≥ ¥1,000,000; B 潜力 ≥ ¥300,000; C 维护 ≥ ¥50,000; else D.
/// (Issue work on grading will make the thresholds configurable and add profit contribution.)
fn grade_for_revenue(revenue: Money) -> Grade {
    match revenue.fen() {
        f if f >= Money::from_yuan(1_000_000).fen() => Grade::A,
        f if f >= Money::from_yuan(300_000).fen() => Grade::B,
        f if f >= Money::from_yuan(50_000).fen() => Grade::C,
        _ => Grade::D,
    }
}

/// A deal's details as [`Generator::deal_details`] makes them.
struct DealDetails {
    competitors: String,
    lost_to: Option<String>,
    intent: Option<String>,
    budget: Option<String>,
    competition: Option<String>,
    contacts: String,
    next_step: Option<String>,
    next_step_date: Option<String>,
    cadence_days: Option<i64>,
}

/// Competitors a deal meets (fictitious).
const COMPETITORS: &[&str] = &["远航科技", "华信智造", "金桥软件", "恒通工业", "新锐数据", "东方精工"];

/// Next steps reps plan.
const NEXT_STEPS: &[&str] = &["约采购经理面谈", "发送修改后的方案", "安排技术交流会", "提交正式报价", "邀请客户参观工厂", "确认合同条款"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_revenue_thresholds() {
        assert_eq!(grade_for_revenue(Money::from_yuan(1_000_000)), Grade::A);
        assert_eq!(grade_for_revenue(Money::from_yuan(999_999)), Grade::B);
        assert_eq!(grade_for_revenue(Money::from_yuan(50_000)), Grade::C);
        assert_eq!(grade_for_revenue(Money::ZERO), Grade::D);
    }

    #[test]
    fn dates_round_trip_through_ms() {
        let d = time::macros::date!(2026 - 11 - 22);
        assert_eq!(ms_date(date_ms(d) + 5 * 3_600_000), d);
        assert_eq!(iso(d), "2026-11-22");
    }
}
