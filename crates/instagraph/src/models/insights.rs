//! Insights (`InstagramInsightsResult`, `InstagramInsightsValue`) for media and accounts, and the
//! report our insights operations return: the platform's metrics plus the requested metrics
//! that came back without data ("no data", never a made-up zero).

use crate::paging::Paging;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One value of a metric: a number (or, for `online_followers`, an object of hourly counts) and
/// the end of its period for time series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InsightValue {
    /// The value as sent.
    #[serde(default)]
    pub value: Value,
    /// End of the period, `YYYY-MM-DDTHH:MM:SS+0000` (time series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// One result of a breakdown: the dimension values (in `dimension_keys` order) and the value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakdownResult {
    /// E.g. `["18-24", "F"]` for `age,gender`.
    #[serde(default)]
    pub dimension_values: Vec<String>,
    /// The value.
    #[serde(default)]
    pub value: Value,
    /// End of the period, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A breakdown of a `total_value`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The dimensions, e.g. `["age", "gender"]`.
    #[serde(default)]
    pub dimension_keys: Vec<String>,
    /// One row per combination of dimension values.
    #[serde(default)]
    pub results: Vec<BreakdownResult>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// `total_value` (`metric_type=total_value` and breakdown metrics).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TotalValue {
    /// The total (absent for demographics, which only have breakdowns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Breakdowns, when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdowns: Vec<Breakdown>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// One metric of an insights answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InsightMetric {
    /// The metric, e.g. `reach`.
    #[serde(default)]
    pub name: String,
    /// `lifetime`, `day`, `week`, `days_28`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Values (one for lifetime metrics, one per period for time series).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<InsightValue>,
    /// The total and breakdowns (`metric_type=total_value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_value: Option<TotalValue>,
    /// Human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `<object>/insights/<name>/<period>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Fields not declared here.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl InsightMetric {
    /// Whether the metric carries any value at all (a metric with neither `values` nor a
    /// `total_value` is "no data", which is not zero).
    pub fn has_data(&self) -> bool {
        let values = self.values.iter().any(|v| !v.value.is_null());
        let total = self.total_value.as_ref().is_some_and(|t| {
            t.value.as_ref().is_some_and(|v| !v.is_null()) || !t.breakdowns.is_empty()
        });
        values || total
    }

    /// The single number of a lifetime or total-value metric, if it has one.
    pub fn number(&self) -> Option<f64> {
        if let Some(v) = self.total_value.as_ref().and_then(|t| t.value.as_ref()) {
            return v.as_f64();
        }
        match self.values.as_slice() {
            [one] => one.value.as_f64(),
            _ => None,
        }
    }
}

/// The raw answer of an insights edge: `{"data": [...], "paging": {...}}` (time series carry
/// `paging.previous/next` that shift the `since`/`until` window).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InsightsResponse {
    /// The metrics that have data.
    #[serde(default)]
    pub data: Vec<InsightMetric>,
    /// Window paging for time series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}

/// What [`crate::Client::media_insights`] and [`crate::Client::account_insights`] return: the
/// metrics as the platform sent them, the requested metrics that came back without data, and
/// notes about the data's limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InsightsReport {
    /// The object the insights are about (media id or IG user id).
    pub object_id: String,
    /// The metrics with data, as sent.
    pub metrics: Vec<InsightMetric>,
    /// Requested metrics the platform returned no data for. "No data" is not zero: the platform
    /// leaves metrics out when there is nothing to report (too few viewers, too recent, expired).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_data: Vec<String>,
    /// Limits worth knowing (e.g. story insights are gone 24 hours after the story expires).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Window paging for time series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}

impl InsightsReport {
    /// The metric named `name`, if it has data.
    pub fn metric(&self, name: &str) -> Option<&InsightMetric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// CSV rows for charting: `object_id,metric,period,end_time,dimensions,value`, one row per
    /// value, per breakdown result, or a `no data` row (empty value) per metric without data.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("object_id,metric,period,end_time,dimensions,value\n");
        let mut row = |metric: &str, period: &str, end: &str, dims: &str, value: &str| {
            let cells = [self.object_id.as_str(), metric, period, end, dims, value];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        };
        for m in &self.metrics {
            let period = m.period.as_deref().unwrap_or("");
            for v in &m.values {
                row(
                    &m.name,
                    period,
                    v.end_time.as_deref().unwrap_or(""),
                    "",
                    &value_text(&v.value),
                );
            }
            if let Some(t) = &m.total_value {
                if let Some(v) = &t.value {
                    row(&m.name, period, "", "", &value_text(v));
                }
                for b in &t.breakdowns {
                    for r in &b.results {
                        let dims: Vec<String> = b
                            .dimension_keys
                            .iter()
                            .zip(&r.dimension_values)
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect();
                        row(
                            &m.name,
                            period,
                            r.end_time.as_deref().unwrap_or(""),
                            &dims.join(";"),
                            &value_text(&r.value),
                        );
                    }
                }
            }
        }
        for name in &self.no_data {
            row(name, "", "", "no data", "");
        }
        out
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
