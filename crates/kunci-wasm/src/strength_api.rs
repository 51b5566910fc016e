//! The password-strength export of the `strength` wasm module.

use kunci_core::strength::{self, Lang, UserInputs};
use wasm_bindgen::prelude::*;

use crate::{from_js, js_error, to_js};

/// Judges `password` with the holder's data (`{name, email, organization, nik, other}`) and
/// returns the core's `Strength` report plus `explanation` and the feedback texts in `lang`.
#[wasm_bindgen(js_name = passwordStrength)]
pub fn password_strength(password: &str, inputs: JsValue, lang: &str) -> Result<JsValue, JsValue> {
    let lang: Lang = lang.parse().map_err(js_error)?;
    let inputs: UserInputs = if inputs.is_undefined() || inputs.is_null() {
        UserInputs::default()
    } else {
        from_js(inputs, "inputs")?
    };
    let result = strength::check(password, &inputs).map_err(js_error)?;
    let text = |f: &strength::Feedback| Text {
        code: f.code,
        text: f.text(lang).to_owned(),
    };
    let report = Report {
        percent: result.percent,
        accepted: result.accepted,
        guesses_log10: result.guesses_log10,
        score: result.score,
        uses_personal_data: result.uses_personal_data,
        uses_indonesian_word: result.uses_indonesian_word,
        crack_time_offline_seconds: result.crack_time_offline_seconds,
        judged_chars: result.judged_chars,
        judged_all: result.judged_all,
        explanation: result.explain(lang),
        warning: result.warning.as_ref().map(text),
        suggestions: result.suggestions.iter().map(text).collect(),
    };
    to_js(&report)
}

/// Builds the dictionaries now, so the first real check is fast (call when the worker starts).
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up() {
    strength::warm_up();
}

/// The core's `Strength` with its bilingual feedback narrowed to the chosen language.
#[derive(serde::Serialize)]
struct Report {
    percent: u8,
    accepted: bool,
    guesses_log10: f64,
    score: u8,
    uses_personal_data: bool,
    uses_indonesian_word: bool,
    crack_time_offline_seconds: f64,
    judged_chars: usize,
    judged_all: bool,
    explanation: String,
    warning: Option<Text>,
    suggestions: Vec<Text>,
}

#[derive(serde::Serialize)]
struct Text {
    code: &'static str,
    text: String,
}
