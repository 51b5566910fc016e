//! The password-strength export of the `strength` wasm module.

use kunci_core::strength::{self, Lang, UserInputs};
use wasm_bindgen::prelude::*;

use crate::{error_with_code, js_error, to_js};

/// Judges `password` with the holder's data (`{name, email, organization, nik, other}`) and
/// returns the core's `Strength` report plus `explanation` and the feedback texts in `lang`.
#[wasm_bindgen(js_name = passwordStrength)]
pub fn password_strength(password: &str, inputs: JsValue, lang: &str) -> Result<JsValue, JsValue> {
    let lang: Lang = lang.parse().map_err(js_error)?;
    let inputs = user_inputs(&inputs)?;
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
        uses_organization_name: result.uses_organization_name,
        crack_time_offline_seconds: result.crack_time_offline_seconds,
        judged_chars: result.judged_chars,
        judged_all: result.judged_all,
        explanation: result.explain(lang),
        warning: result.warning.as_ref().map(text),
        suggestions: result.suggestions.iter().map(text).collect(),
    };
    to_js(&report)
}

/// Runs piece `step` (0, 1, …) of building the dictionaries and says whether another follows:
/// js/strength.js runs one a task, so that the set-up never holds the page's main thread for
/// the whole 70-120 ms at once (see `kunci_core::strength::warm_up_step`). Running all of them
/// makes the first real check as fast as the rest.
#[wasm_bindgen(js_name = warmUpStep)]
pub fn warm_up_step(step: u32) -> bool {
    let step = step as usize;
    strength::warm_up_step(step);
    step + 1 < strength::WARM_UP_STEPS
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
    uses_organization_name: bool,
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

/// Reads `{name, email, organization, nik, other}` (each absent, null or string; `other` an
/// array of strings) by hand: serde's deserialiser, with the float formatting its errors
/// carry, cost the module more than its whole size budget had left. The JS layer has
/// already refused anything else (js/args.js); this only keeps a direct caller from confusing
/// the check.
fn user_inputs(inputs: &JsValue) -> Result<UserInputs, JsValue> {
    if inputs.is_undefined() || inputs.is_null() {
        return Ok(UserInputs::default());
    }
    let bad = |key: &str, what: &str| {
        error_with_code("wasm.bad_argument", &format!("inputs.{key} must be {what}"))
    };
    let get = |key: &str| js_sys::Reflect::get(inputs, &JsValue::from_str(key));
    let text = |key: &str| -> Result<Option<String>, JsValue> {
        let value = get(key)?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| bad(key, "a string"))
    };
    let other = get("other")?;
    let other = if other.is_undefined() || other.is_null() {
        Vec::new()
    } else if js_sys::Array::is_array(&other) {
        js_sys::Array::from(&other)
            .iter()
            .map(|v| {
                v.as_string()
                    .ok_or_else(|| bad("other", "an array of strings"))
            })
            .collect::<Result<_, _>>()?
    } else {
        return Err(bad("other", "an array of strings"));
    };
    Ok(UserInputs {
        name: text("name")?,
        email: text("email")?,
        organization: text("organization")?,
        nik: text("nik")?,
        other,
    })
}
