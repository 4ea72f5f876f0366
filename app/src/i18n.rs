//! The one translation mechanism: leptos_i18n compiles `app/locales/{zh-CN,en}.json` into typed
//! keys at build time, so a missing or misspelt key is a compile error, not a blank on screen.
//! Locale-aware formatting of dates lives here too; money formats the same in both locales
//! (see [`crate::domain::Money::format_yuan`]).

// leptos_i18n now prefers a build.rs with `leptos_i18n_build`, but that crate compiles ICU's data
// exporter (minutes on our 2-core machines) for formatting features we do not use. The macro
// reads the same `[package.metadata.leptos-i18n]` and locale files and generates the same module.
#[allow(deprecated)]
mod generated {
    leptos_i18n::load_locales!();
}
pub use generated::i18n;

pub use i18n::*;

/// A calendar date formatted for the reader: `2026年11月22日` or `22 Nov 2026`.
pub fn format_date(locale: Locale, date: time::Date) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    match locale {
        Locale::zh_CN => format!("{}年{}月{}日", date.year(), u8::from(date.month()), date.day()),
        Locale::en => format!("{} {} {}", date.day(), MONTHS[usize::from(u8::from(date.month())) - 1], date.year()),
    }
}

/// A date with its weekday, for headings: `2026年11月22日 星期日` or `Sunday, 22 Nov 2026`.
pub fn format_date_long(locale: Locale, date: time::Date) -> String {
    use time::Weekday::*;
    let short = format_date(locale, date);
    match locale {
        Locale::zh_CN => {
            let wd = match date.weekday() {
                Monday => "一",
                Tuesday => "二",
                Wednesday => "三",
                Thursday => "四",
                Friday => "五",
                Saturday => "六",
                Sunday => "日",
            };
            format!("{short} 星期{wd}")
        }
        Locale::en => format!("{}, {short}", date.weekday()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_follow_the_locale() {
        let d = date!(2026 - 11 - 22);
        assert_eq!(format_date(Locale::zh_CN, d), "2026年11月22日");
        assert_eq!(format_date(Locale::en, d), "22 Nov 2026");
        assert_eq!(format_date_long(Locale::zh_CN, d), "2026年11月22日 星期日");
        assert_eq!(format_date_long(Locale::en, d), "Sunday, 22 Nov 2026");
    }
}
