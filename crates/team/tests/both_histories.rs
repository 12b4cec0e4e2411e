//! History's paging, filters and search, the same on both histories: the same actions are
//! written to this desktop's SQLite history and to the team's trail on a real PostgreSQL, and
//! every page and search must find the same entries in the same order in both.

mod pg;

use std::time::Duration;

use pg::{set_up, Pg};
use subdesk_core::history::{Completion, History, HistoryFilter, HistoryPage, Intent, Outcome};
use subdesk_core::{Action, Connection, Provider, Status};
use subdesk_team::{AccountKey, Desk, NewEntry, NewOutcome};

/// One action as both histories get it.
struct Act {
    account: &'static str,
    name: &'static str,
    job: Option<&'static str>,
    action: Action,
    outcome: Outcome,
    request_id: Option<&'static str>,
    error: Option<&'static str>,
    reason: Option<&'static str>,
}

fn act(account: &'static str, job: Option<&'static str>) -> Act {
    Act {
        account,
        name: "Tenant",
        job,
        action: Action::Suspend,
        outcome: Outcome::Succeeded,
        request_id: None,
        error: None,
        reason: None,
    }
}

struct Both {
    local: History,
    team: Desk,
    conns: Vec<Connection>,
    _pg: Pg,
}

impl Both {
    async fn write(&self, a: &Act) {
        let conn = &self.conns[0];
        let i = Intent {
            actor: "alice".into(),
            operator_name: Some("Alice M.".into()),
            reason: a.reason.map(String::from),
            connection_id: conn.id.to_string(),
            connection_label: conn.label.clone(),
            provider: Provider::Twilio,
            account_id: a.account.into(),
            account_name: a.name.into(),
            action: a.action,
            status_before: Some(Status::Active),
            job_id: a.job.map(String::from),
            snapshot: None,
        };
        let c = Completion {
            request_id: a.request_id.map(String::from),
            error_message: a.error.map(String::from),
            ..Completion::outcome(a.outcome)
        };
        let local = self.local.begin(&i).unwrap();
        let team = self
            .team
            .begin(&NewEntry {
                origin: format!("both/{local}"),
                started_at: None,
                actor: i.actor.clone(),
                operator_name: i.operator_name.clone(),
                desktop: "DESKTOP-1".into(),
                connection_label: i.connection_label.clone(),
                account: AccountKey {
                    provider: "twilio".into(),
                    parent_account: conn.account_id.clone(),
                    account_id: i.account_id.clone(),
                },
                account_name: i.account_name.clone(),
                action: a.action.as_str().into(),
                status_before: Some("active".into()),
                job_id: i.job_id.clone(),
                snapshot: None,
                reason: i.reason.clone(),
            })
            .await
            .unwrap();
        if a.outcome == Outcome::Pending {
            return;
        }
        self.local.complete(local, &c).unwrap();
        self.team
            .outcome(
                team,
                &NewOutcome {
                    outcome: a.outcome.as_str().into(),
                    request_id: c.request_id.clone(),
                    error_message: c.error_message.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }

    /// A page from each, as (account, outcome) in order, with its total and whether more follow.
    async fn page(
        &self,
        f: &HistoryFilter,
        before: (Option<i64>, Option<i64>),
        limit: u32,
    ) -> ((Shown, Option<i64>), (Shown, Option<i64>)) {
        let local = self.local.query(f, before.0, limit).unwrap();
        let team = self
            .team
            .history_page(f, &self.conns, before.1, limit)
            .await
            .unwrap();
        (
            (shown(&local), local.next_before_id),
            (shown(&team), team.next_before_id),
        )
    }
}

type Shown = (Vec<String>, u32, bool);

fn shown(p: &HistoryPage) -> Shown {
    (
        p.entries.iter().map(|e| e.account_id.clone()).collect(),
        p.total,
        p.has_more,
    )
}

async fn both() -> Both {
    let pg = Pg::start();
    set_up(&pg).await;
    let team = Desk::new(
        pg.pool("subdesk_app"),
        "alice",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let conn = Connection {
        id: uuid::Uuid::new_v4(),
        provider: Provider::Twilio,
        label: "Acme Twilio".into(),
        account_id: "ACparent".into(),
        base_url: "https://api.twilio.com".into(),
        parent_name: None,
        demo: false,
        options: Default::default(),
    };
    Both {
        local: History::in_memory().unwrap(),
        team,
        conns: vec![conn],
        _pg: pg,
    }
}

/// Pages through `f` in both, `limit` at a time, and checks each page is the same; returns
/// the pages (as accounts).
async fn page_through(b: &Both, f: &HistoryFilter, limit: u32) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut before = (None, None);
    loop {
        let ((local, next_local), (team, next_team)) = b.page(f, before, limit).await;
        assert_eq!(local, team, "{f:?}, page {}", pages.len() + 1);
        pages.push(local.0);
        match (next_local, next_team) {
            (Some(l), Some(t)) => before = (Some(l), Some(t)),
            (None, None) => return pages,
            other => panic!("one history has more and the other not: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_never_splits_a_job_in_either_history() {
    let b = both().await;
    // 1: single; 2-6: job J1; 7: single; 8: J1 again (a single action ran during the job);
    // 9: single; 10-12: job J2.
    let plan: [(&str, Option<&str>); 12] = [
        ("AC01", None),
        ("AC02", Some("J1")),
        ("AC03", Some("J1")),
        ("AC04", Some("J1")),
        ("AC05", Some("J1")),
        ("AC06", Some("J1")),
        ("AC07", None),
        ("AC08", Some("J1")),
        ("AC09", None),
        ("AC10", Some("J2")),
        ("AC11", Some("J2")),
        ("AC12", Some("J2")),
    ];
    for (account, job) in plan {
        b.write(&act(account, job)).await;
    }
    let all = HistoryFilter::default();
    let pages = page_through(&b, &all, 3).await;
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        pages,
        vec![
            s(&["AC12", "AC11", "AC10"]),
            // From 9 down, the third (8) of job J1: all of J1 comes with it.
            s(&["AC09", "AC08", "AC07", "AC06", "AC05", "AC04", "AC03", "AC02"]),
            // J1 was shown whole already: only the single action is left.
            s(&["AC01"]),
        ]
    );
    // Under a filter, a job comes whole as far as the filter goes.
    let some = HistoryFilter {
        text: Some("AC0".into()),
        ..HistoryFilter::default()
    };
    let pages = page_through(&b, &some, 2).await;
    assert_eq!(
        pages[0],
        s(&["AC09", "AC08", "AC06", "AC05", "AC04", "AC03", "AC02"])
    );
    assert_eq!(pages.concat().len(), 9);
    for limit in [1, 2, 4, 5, 50] {
        let pages = page_through(&b, &all, limit).await;
        assert_eq!(
            pages.concat().len(),
            12,
            "each entry once at {limit} a page"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_the_outcome_filter_find_the_same_entries_in_either_history() {
    let b = both().await;
    let acts = [
        Act {
            name: "Maple Street Bakery",
            request_id: Some("RQ7f3a"),
            ..act("AC100", None)
        },
        Act {
            name: "Dental Care 100% Ltd",
            outcome: Outcome::Failed,
            error: Some("Twilio refused: account_not_found"),
            ..act("AC101", Some("J1"))
        },
        Act {
            name: "under_score & Co",
            outcome: Outcome::Unknown,
            reason: Some("non-payment #4711"),
            ..act("AC102", Some("J1"))
        },
        Act {
            name: "Ünïcode Straße",
            outcome: Outcome::Pending,
            action: Action::Close,
            ..act("AC103", None)
        },
        Act {
            name: "back\\slash",
            outcome: Outcome::Skipped,
            ..act("AC104", None)
        },
    ];
    for a in &acts {
        b.write(a).await;
    }
    let searches = [
        ("maple street", 1),
        ("STREET BAK", 1),
        ("rq7f", 1),
        ("account_not", 1),
        ("100%", 1),
        ("%", 1),
        ("_", 2),
        ("r_s", 1),
        ("#4711", 1),
        ("alice m", 5),
        ("acme twi", 5),
        ("ac10", 5),
        ("k\\s", 1),
        ("ac", 5),
        ("a", 5),
        ("straße", 1),
        ("\"quoted\"", 0),
        ("nothing like it", 0),
    ];
    for (text, n) in searches {
        let f = HistoryFilter {
            text: Some(text.into()),
            ..HistoryFilter::default()
        };
        let ((local, _), (team, _)) = b.page(&f, (None, None), 50).await;
        assert_eq!(local, team, "search {text:?}");
        assert_eq!(local.1 as usize, n, "search {text:?}: {local:?}");
    }
    for (outcome, n) in [
        (Outcome::Succeeded, 1),
        (Outcome::Failed, 1),
        (Outcome::Unknown, 1),
        (Outcome::Pending, 1),
        (Outcome::Skipped, 1),
        (Outcome::NotStarted, 0),
    ] {
        for action in [None, Some(Action::Suspend), Some(Action::Close)] {
            let f = HistoryFilter {
                outcome: Some(outcome),
                action,
                ..HistoryFilter::default()
            };
            let ((local, _), (team, _)) = b.page(&f, (None, None), 50).await;
            assert_eq!(local, team, "{f:?}");
            if action.is_none() {
                assert_eq!(local.1, n, "{f:?}");
            }
        }
    }
}
