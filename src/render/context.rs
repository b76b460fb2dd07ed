//! What the templates see: the plan's facts, formatted the way Chinese documents write
//! them (dates, weekdays, times), and nothing else. Wording lives in the templates.

use serde::Serialize;

use crate::model::{self, CategoryId, MemberRole, Plan};

/// The facts every document template can use, as `c`.
#[derive(Debug, Clone, Serialize)]
pub struct Common {
    pub org: String,
    pub org_short: String,
    pub year: i32,
    pub mark: String,
    pub doc_number: Option<String>,
    pub title: String,
    pub recipients: Option<String>,
    pub basis: Option<String>,
    pub signer: String,
    /// 成文日期, `2021年11月8日`.
    pub date: String,
    pub categories: Vec<String>,
    /// `11月29日—11月30日`, or one day.
    pub eval_range: String,
    pub eval_start: String,
    pub eval_end: String,
    pub self_check: String,
    pub meeting: Meeting,
    pub office: String,
    pub office_director: Option<String>,
    pub office_deputy: Option<String>,
    pub cc: Option<String>,
    pub printer: Option<String>,
    pub print_date: Option<String>,
    pub leadership: Vec<PersonRow>,
    pub groups: Vec<GroupView>,
    pub coordinator_count: usize,
    pub schedule: ScheduleView,
    /// The seal image as typst sees it (`/lib/seal.png`).
    pub seal: Option<String>,
    /// Words a title must not be broken inside: the institution and its categories.
    pub words: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub date: String,
    pub weekday: String,
    pub time: String,
    pub place: String,
    pub attendees: Option<String>,
}

/// One line of a people list; `label` only where the role changes.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub label: Option<String>,
    pub name: String,
    pub post: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub name: String,
    pub target: String,
    /// Categories the members come from, other than the one evaluated (交叉考评).
    pub drawn_from: Vec<String>,
    pub members: Vec<PersonRow>,
    pub coordinators: Vec<PersonRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    pub with_place: bool,
    pub categories: Vec<ScheduleCategory>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleCategory {
    pub name: String,
    pub slots: Vec<ScheduleSlot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleSlot {
    pub departments: String,
    /// `11月29日（周一）`
    pub date: String,
    /// `上午10:00`
    pub time: String,
    pub place: Option<String>,
}

/// `11月26日（周五）上午10:30` without the place.
pub fn date_with_weekday(date: chrono::NaiveDate) -> String {
    format!("{}（{}）", model::month_day(date), model::weekday(date))
}

impl Common {
    pub fn new(plan: &Plan, seal: Option<String>) -> Self {
        let info = &plan.info;
        let categories: Vec<String> = plan.categories.iter().map(|c| c.name.clone()).collect();
        let eval_range = if info.eval_start == info.eval_end {
            model::month_day(info.eval_start)
        } else {
            format!("{}—{}", model::month_day(info.eval_start), model::month_day(info.eval_end))
        };
        let mut words = vec![info.org.clone(), info.org_short.clone()];
        words.extend(categories.iter().cloned());
        Self {
            org: info.org.clone(),
            org_short: info.org_short.clone(),
            year: info.year,
            mark: info.mark.clone(),
            doc_number: info.doc_number.clone(),
            title: info.title.clone(),
            recipients: info.recipients.clone(),
            basis: info.basis.clone(),
            signer: info.signer.clone(),
            date: model::full_date(info.date),
            categories,
            eval_range,
            eval_start: model::month_day(info.eval_start),
            eval_end: model::month_day(info.eval_end),
            self_check: model::month_day(info.self_check_deadline),
            meeting: Meeting {
                date: model::month_day(info.meeting.date()),
                weekday: model::weekday(info.meeting.date()).to_string(),
                time: model::clock_time(info.meeting.time()),
                place: info.meeting_place.clone(),
                attendees: info.meeting_attendees.clone(),
            },
            office: info.office.clone(),
            office_director: info.office_director.clone(),
            office_deputy: info.office_deputy.clone(),
            cc: info.cc.clone(),
            printer: info.printer.clone(),
            print_date: info.print_date.map(model::full_date),
            leadership: leadership_rows(plan),
            groups: plan.groups.iter().map(|g| group_view(plan, g)).collect(),
            coordinator_count: plan
                .groups
                .iter()
                .flat_map(|g| &g.members)
                .filter(|m| m.role == MemberRole::Coordinator)
                .count(),
            schedule: schedule_view(plan),
            seal,
            words,
        }
    }
}

fn leadership_rows(plan: &Plan) -> Vec<PersonRow> {
    let mut previous = None;
    plan.leadership
        .iter()
        .map(|leader| {
            let label = (previous != Some(leader.role)).then(|| leader.role.label().to_string());
            previous = Some(leader.role);
            PersonRow {
                label,
                name: leader.name.clone(),
                post: Some(leader.post.clone()),
                phone: None,
            }
        })
        .collect()
}

fn group_view(plan: &Plan, group: &model::Group) -> GroupView {
    let mut drawn_from: Vec<CategoryId> = group
        .members
        .iter()
        .filter_map(|m| m.home_dept)
        .map(|d| plan.department(d).category)
        .filter(|&c| c != group.target)
        .collect();
    drawn_from.sort();
    drawn_from.dedup();

    let mut previous = None;
    let mut members = Vec::new();
    let mut coordinators = Vec::new();
    for member in &group.members {
        let label = (previous != Some(member.role)).then(|| member.role.label().to_string());
        previous = Some(member.role);
        let row = PersonRow {
            label,
            name: member.name.clone(),
            post: (!member.post.is_empty()).then(|| member.post.clone()),
            phone: member.phone.clone(),
        };
        if member.role == MemberRole::Coordinator {
            coordinators.push(row);
        } else {
            members.push(row);
        }
    }
    GroupView {
        name: group.name.clone(),
        target: plan.category(group.target).name.clone(),
        drawn_from: drawn_from.into_iter().map(|c| plan.category(c).name.clone()).collect(),
        members,
        coordinators,
    }
}

fn schedule_view(plan: &Plan) -> ScheduleView {
    let categories = (0..plan.categories.len())
        .map(CategoryId)
        .map(|category| ScheduleCategory {
            name: plan.category(category).name.clone(),
            slots: plan
                .schedule
                .iter()
                .filter(|s| s.category == category)
                .map(|slot| ScheduleSlot {
                    departments: slot
                        .departments
                        .iter()
                        .map(|&d| plan.department(d).name.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                    date: date_with_weekday(slot.date),
                    time: model::clock_time(slot.time),
                    place: slot.place.clone(),
                })
                .collect(),
        })
        .filter(|c| !c.slots.is_empty())
        .collect();
    ScheduleView { with_place: plan.schedule.iter().any(|s| s.place.is_some()), categories }
}
